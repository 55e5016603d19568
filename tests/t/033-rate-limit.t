#!/usr/bin/perl
# Credential guessing is slowed by the shipped configuration: nginx from
# nginx-module/pgticket.conf.in and the API files it includes, exactly as
# `make run` writes them.  A flood of guesses from one address at 000, 001
# and 003 gets 429 in each API's own shape (with Retry-After) once past the
# burst, even for a right guess; the database never sees a refused request;
# another address is not slowed, nor are the APIs without credentials; and
# the address gets through again once the rate allows.  Works on the demo
# data and can run again.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(time sleep);
use PgTicketTest;

start_nginx(PgTicketTest::shipped_conf(), full => 1);

my $conf = do {
    local (@ARGV, $/) = ("$FindBin::Bin/../../nginx-module/pgticket.conf.in");
    <>;
};
like($conf, qr/^\s*limit_req_zone\s+\$binary_remote_addr
               \s+zone=pgticket_credentials:\S+\s+rate=20r\/s;/mx,
     'the shipped nginx.conf limits each address to 20 requests a second');

my $run = "$$-" . int(time * 1000);
my $future = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 3 * 86400));
my $flood = 60;    # the burst is 40: at least 19 of these are refused

sub request {
    my ($method, $path, $headers, $body) = @_;
    my $text = "$method $path HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n";
    $text .= "$_: $headers->{$_}\r\n" for sort keys %$headers;
    $body //= '';
    $text .= 'Content-Length: ' . length($body) . "\r\n" if length $body;
    return "$text\r\n$body";
}

# one request from another loopback address
sub from_address {
    my ($addr, $text) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port(),
                                  LocalAddr => $addr, Timeout => 10)
        or die "connect from $addr: $!\n";
    print $s $text;
    local $/;
    my $raw = <$s> // '';
    return PgTicketTest::parse_response($raw);
}

sub resume_body {
    return encode_json({
        customer_id => 104127993008, reason_code => 'RS01',
        dispatch_date_time => $future,
        service => { id => '26984565', code => 'INT' } });
}

sub resume_request {
    my ($auth, $key) = @_;
    return request('POST', '/api/v1/customers/104127993008/tickets',
                   { Authorization => $auth, 'Request-Tracking-Id' => $key,
                     ProfileId => "rate-$run",
                     'Content-Type' => 'application/json' },
                   resume_body());
}

# every answer is either the API's own refusal of a bad guess, or its 429
sub flood {
    my ($name, $texts, $guess_status, $shape_429) = @_;
    my @r = PgTicketTest::parallel_raw(@$texts);
    my @limited = grep { $_->{status} == 429 } @r;
    my @guessed = grep { $_->{status} == $guess_status } @r;
    is(@limited + @guessed, scalar @r,
       "$name: every answer is $guess_status or 429")
        or diag(join ', ', map { $_->{status} } @r);
    cmp_ok(scalar @limited, '>=', 1, "$name: past the burst, 429");
    my @bad = grep { !$shape_429->($_) } @limited;
    ok(!@bad, "$name: every 429 in the API's shape, with Retry-After")
        or diag($bad[0]{raw});
    return @r;
}

my $wrong = 'Basic ' . encode_base64('ocsuser:guess', '');
my $right = 'Basic b2NzdXNlcjpvY3N1c2Vy';
my $dispatched = sub {
    (psql("select count(*) from pgticket.ticket_dispatch"
          . " where profile_id = 'rate-$run'"))[0][0];
};

# 000: guesses of ocsuser's password, then the right one
my $resume_429 = sub {
    my ($r) = @_;
    return $r->{headers}{'content-type'} eq 'application/json'
        && ($r->{headers}{'retry-after'} // '') eq '1'
        && $r->{content} eq '{"status":"error","transaction_id":null,'
                            . '"message":"Too many requests from this '
                            . 'address: retry later"}';
};
flood('000 Basic guesses',
      [ map { resume_request($wrong, "rate-$run-$_") } 1 .. $flood ],
      401, $resume_429);
is($dispatched->(), 0, '000: no guess reached a ticket');

# Right after a burst (of cheap requests: paths no route matches, answered
# by nginx alone), even right passwords are refused, and the refused ones
# never reach the database.  The burst drains at 20 a second, so all 20
# would pass only after a second's pause between the two floods.
my @cheap = PgTicketTest::parallel_raw(
    map { request('GET', "/api/v1/customers/none-$_") } 1 .. $flood);
is(scalar(grep { $_->{status} == 404 || $_->{status} == 429 } @cheap),
   $flood, '000: paths without a route: 404 or 429');
my @right = PgTicketTest::parallel_raw(
    map { resume_request($right, "rate-$run-right-$_") } 1 .. 20);
my @created = grep { $_->{status} == 201 } @right;
my @limited = grep { $_->{status} == 429 } @right;
is(@created + @limited, 20, '000 right passwords: 201 or 429');
cmp_ok(scalar @limited, '>=', 1,
       '000: the right password too, while the address is over its rate');
ok(!grep({ !$resume_429->($_) } @limited), '000: in its shape');
is($dispatched->(), scalar @created,
   '000: a ticket for each 201, none for a 429');

# 001: forged tokens
my $crm_429 = sub {
    my ($r) = @_;
    my $doc = eval { decode_json($r->{content}) } // {};
    my $a = $doc->{response}{result}{arguments} // {};
    return $r->{headers}{'content-type'} eq 'application/json'
        && ($r->{headers}{'retry-after'} // '') eq '1'
        && ($doc->{response}{success} // '') eq 'false'
        && ($a->{statusCode} // '') eq '429'
        && ($a->{errorCode} // '') eq '429 TOO_MANY_REQUESTS';
};
flood('001 forged tokens',
      [ map { request('GET', '/crm/v1/ticket/details',
                      { token => "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.$_",
                        correlationId => 1, source => 'Selfcare',
                        srDate => '11-09-2021', operation => 'ticketDetail',
                        destination => 'CRM' }) } 1 .. $flood ],
      401, $crm_429);

# 003: guessed API keys
my $workshop_429 = sub {
    my ($r) = @_;
    my $doc = eval { decode_json($r->{content}) } // {};
    return $r->{headers}{'content-type'} eq 'application/problem+json'
        && ($r->{headers}{'retry-after'} // '') eq '1'
        && ($doc->{type} // '') eq 'about:blank'
        && ($doc->{status} // 0) == 429
        && ref $doc->{violations} eq 'ARRAY';
};
flood('003 guessed API keys',
      [ map { request('GET', '/v2/tickets/pending-tickets',
                      { 'X-Api-Key' => "guess-$_" }) } 1 .. $flood ],
      401, $workshop_429);

# the limit is per address, and only on the APIs with credentials
my $r = from_address('127.0.0.2', resume_request($right, "rate-$run-other"));
is($r->{status}, 201, 'another address is not slowed: 201')
    or diag($r->{raw});
$r = PgTicketTest::parse_response(
    do {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port());
        print $s request('GET', '/api/v1/get_ticket_details/11');
        local $/;
        <$s>;
    });
is($r->{status}, 200, 'the helpdesk API (no credentials) is not limited');

# once the rate allows (the burst drains at 20 a second), the address gets
# through again
my $back;
wait_until(10, sub {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port());
    print $s resume_request($right, "rate-$run-back-" . int(time * 1000));
    local $/;
    $back = PgTicketTest::parse_response(<$s> // '');
    return $back->{status} != 429;
});
is($back->{status}, 201, 'the address gets through again: 201')
    or diag($back->{raw});
is($dispatched->(), @created + 2,
   'each create answered 201 wrote one ticket, no other did');

stop_nginx();
my $log = do { local (@ARGV, $/) = (test_dir() . '/error.log'); <> };
like($log, qr/\[notice\].*limiting requests, excess: [\d.]+ by zone "pgticket_credentials"/,
     'refusals are logged at notice');
unlike($log, qr/\[(warn|error)\].*limiting requests/,
       'and never at warn or error');

done_testing();
