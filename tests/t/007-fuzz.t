#!/usr/bin/perl
# Fuzzing the request parser: seeded, bounded mutations of valid requests
# (method, path, query, headers, body of every content type) sent as raw
# bytes.  Whatever comes in, nginx answers (its own 400 for what it refuses
# before a route, the API's shape after), never with a 5xx, never with
# invalid JSON from the module, and no worker crashes.  FUZZ_SEED and
# FUZZ_COUNT reproduce or lengthen a run.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JSON::PP;
use PgTicketTest;

my $seed = $ENV{FUZZ_SEED} // 20261122;
my $count = $ENV{FUZZ_COUNT} // 400;
srand($seed);
diag("FUZZ_SEED=$seed FUZZ_COUNT=$count");

start_nginx(<<'CONF', workers => 1);
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=64 timeout=5s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location / {
            return 404;
        }

        location /api/ {
            pgticket_error_page application/json
                '{"errorCode":$pgticket_status,"message":"$pgticket_message"}';
            pgticket_body_limit 64k;
            pgticket_param audience admin;     # get_tickets/0 is the admin's
            pgticket_route GET|POST|PUT "/api/echo/{a}/{b}" api_test.echo
                           headers=x-a,content-type;
            pgticket_route GET|POST /api/echo api_test.echo;
            pgticket_route POST /api/v1/raise_ticket
                                api_helpdesk.raise_ticket;
            pgticket_route GET|POST "/api/v1/get_tickets/{userId}/{status}"
                                api_helpdesk.get_tickets;
            pgticket_route POST /api/v1/ticket_rating
                                api_helpdesk.ticket_rating;
        }
    }
CONF

my @paths = ('/api/echo', '/api/echo/x/y', '/api/v1/raise_ticket',
             '/api/v1/get_tickets/6/unresolved', '/api/v1/ticket_rating',
             '/api/nowhere');
my @methods = qw(GET POST PUT DELETE PATCH HEAD OPTIONS);
my @types = ('application/json', 'application/x-www-form-urlencoded',
             'multipart/form-data; boundary=zz', 'multipart/form-data',
             'text/plain', 'application/problem+json', undef);
my @bodies = (
    '{"type":"Technical","subject":"fuzz","userId":7,"comments":"x"}',
    'ticketId=11&userId=6&ratingValue=5&a=1&a=2',
    "--zz\r\nContent-Disposition: form-data; name=\"userId\"\r\n\r\n7\r\n"
        . "--zz\r\nContent-Disposition: form-data; name=\"f\"; "
        . "filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nabc\r\n--zz--\r\n",
    '[1, 2, {"a": [null, true, 1.5e3, "\u00e9"]}]',
    '',
);
my @junk = ("\0", "\xff", "\xc3", "%", "%zz", "%00", "%ff", "+", "&", "=",
            "\"", "\\", "{", "}", "\r\n", "--zz", "'; drop table x; --",
            "\xe2\x82", "\xf0\x9f\x98\x80", "..", "//", "?", "#", " ");

sub pick { $_[int(rand(@_))] }

sub mutate {
    my ($s) = @_;
    for (1 .. int(rand(4))) {
        my $op = int(rand(4));
        my $at = length($s) ? int(rand(length $s)) : 0;
        if ($op == 0) {
            substr($s, $at, 0) = pick(@junk);
        } elsif ($op == 1 && length $s) {
            substr($s, $at, 1 + int(rand(8))) = '';
        } elsif ($op == 2 && length $s) {
            substr($s, $at, 1) = chr(int(rand(256)));
        } else {
            $s .= pick(@junk) x (1 + int(rand(3)));
        }
    }
    return $s;
}

sub url_junk {
    my ($s) = @_;
    # bytes that are legal in a request line, so that nginx parses the line
    # and the module's own decoding is what gets exercised
    $s =~ s/([^A-Za-z0-9\/\-_.~%+=&?])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

my (%status, @bad_json, @bad_doc, @server_errors);
for my $i (1 .. $count) {
    my $method = rand() < 0.8 ? pick('GET', 'POST') : pick(@methods);
    my $path = url_junk(mutate(pick(@paths)));
    $path = "/$path" unless $path =~ m{^/};
    my $query = rand() < 0.5
        ? '?' . url_junk(mutate('a=1&a=2&userId=6&status=open&b=%41'))
        : '';
    my $type = pick(@types);
    my $body = rand() < 0.85 ? mutate(pick(@bodies)) : pick(@bodies);
    my $chunked = rand() < 0.15;

    my $req = "$method $path$query HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nX-A: " . url_junk(mutate('value')) . "\r\n";
    $req .= "Content-Type: $type\r\n" if defined $type;
    if ($chunked) {
        $req .= "Transfer-Encoding: chunked\r\n\r\n";
        $req .= sprintf("%x\r\n%s\r\n", length $body, $body) if length $body;
        $req .= "0\r\n\r\n";
    } else {
        $req .= "Content-Length: " . length($body) . "\r\n\r\n$body";
    }

    my $r = raw_http($req);
    $status{$r->{status}}++;
    push @server_errors, "$r->{status} $method $path$query"
        if $r->{status} == 0 || $r->{status} >= 500;

    my $ct = $r->{headers}{'content-type'} // '';
    next unless $ct =~ m{^application/json} && length $r->{content};
    my $doc = eval { JSON::PP->new->utf8->decode($r->{content}) };
    if (!defined $doc && !defined eval { JSON::PP->new->utf8->allow_nonref
                                             ->decode($r->{content}) }) {
        push @bad_json, "$method $path$query: " . substr($r->{content}, 0, 80);
        next;
    }
    if ($path =~ m{^/api/echo} && $r->{status} == 200) {
        push @bad_doc, "$method $path$query"
            unless ref $doc eq 'HASH' && $doc->{method} eq $method
                && ref $doc->{query} eq 'HASH' && exists $doc->{body_type};
    }
}

diag('statuses: '
     . join(', ', map { "$_ x$status{$_}" } sort keys %status));
is(scalar(@server_errors), 0, "$count fuzzed requests: no 5xx, no hang")
    or diag(join("\n", @server_errors[0 .. ($#server_errors < 9 ? $#server_errors : 9)]));
is(scalar(@bad_json), 0, 'every JSON answer is valid JSON')
    or diag(join("\n", @bad_json[0 .. ($#bad_json < 9 ? $#bad_json : 9)]));
is(scalar(@bad_doc), 0, 'every echoed request document is well formed')
    or diag(join("\n", @bad_doc[0 .. ($#bad_doc < 9 ? $#bad_doc : 9)]));
ok(($status{200} // 0) > $count / 20, 'the fuzzer still reaches the SQL functions');
ok(keys(%status) >= 4, 'and the error paths');

my $r = http(GET => '/api/echo?after=fuzz');
is($r->{status}, 200, 'nginx serves after the fuzzing');

stop_nginx();
done_testing();
