#!/usr/bin/perl
# 000 resume-service API over HTTP, through nginx with the shipped routes
# (nginx-module/conf/api-resume.conf): the seed's sample request and
# headers, HTTP Basic refusals, idempotent and conflicting replays, 20
# concurrent replays of one key, every field rule, the error shape for what
# nginx refuses itself, the database going away, and no credentials in any
# log.  Works on the demo data; it can run again on one database (it uses
# keys of its own and clears the seed's key 456 first).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX qw(strftime);
use Test::More;
use Time::HiRes qw(time);
use PgTicketTest;

my $conf_in = "$FindBin::Bin/../../nginx-module/conf/api-resume.conf";
open(my $cfh, '<', $conf_in) or die "$conf_in: $!\n";
my $location = do { local $/; <$cfh> };
close $cfh;

# Statements logged with their parameters, as a DBA chasing slow queries
# would: the credentials must still stay out of the log.
my $db = $ENV{PGTICKET_DB};
my $pglog = "$ENV{PGTICKET_RUNDIR}/postgresql.log";
my $pglog_from = -s $pglog // 0;    # what this test adds is searched
psql("alter role pgticket_web in database $db"
     . " set log_min_duration_statement = 0");
END {
    local $?;
    eval { psql("alter role pgticket_web in database $db"
                . " reset log_min_duration_statement") };
}

start_nginx(<<"CONF", workers => 2);
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=8 queue=64 timeout=10s;

    server {
        listen 127.0.0.1:%%PORT%%;

$location
    }
CONF

my $json = JSON::PP->new->utf8->canonical;
my $run = "$$-" . int(time * 1000);    # keys of this run
my $path = '/api/v1/customers/104127993008/tickets';
my $seed_auth = 'Basic b2NzdXNlcjpvY3N1c2Vy';
my $future = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 3 * 86400));

# A client of this run with a password that appears nowhere else, so the
# logs can be searched for it.
my $secret = "s3cr3t-$run-pw";
psql("select pgticket.add_api_client('resume', 'http-test-$run', '$secret')");
my $test_auth = 'Basic ' . encode_base64("http-test-$run:$secret", '');

sub doc {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{content}) } // {};
}

sub body {
    my (%over) = @_;
    my %b = (
        customer_id => 104127993008,
        reason_code => 'RS01',
        reason => 'Payment received',
        dispatch_date_time => $future,
        service => { id => '26984565', code => 'INT',
                     description => 'Internet' },
        requestor_info => { name => 'Karen Hain', phone => 5551234567,
                            email => 'karen@example.com' },
        assigned_to_user => 'tech01',
    );
    while (my ($k, $v) = each %over) {
        if (defined $v) { $b{$k} = $v } else { delete $b{$k} }
    }
    return $json->encode(\%b);
}

# POST with the seed's headers; headers => {...} replaces or (undef) drops
sub post {
    my (%o) = @_;
    my %h = ('Request-Tracking-Id' => $o{key} // "k-$run",
             'Authorization' => $seed_auth,
             'ProfileId' => 'Siebel_201',
             'Content-Type' => 'application/json');
    while (my ($k, $v) = each %{ $o{headers} // {} }) {
        if (defined $v) { $h{$k} = $v } else { delete $h{$k} }
    }
    return http(POST => $o{path} // $path, \%h, $o{body} // body());
}

sub is_error {
    my ($r, $status, $message, $name) = @_;
    is($r->{status}, $status, "$name: HTTP $status");
    is($r->{content}, '{"status":"error","transaction_id":null,"message":'
       . JSON::PP->new->allow_nonref->encode($message) . '}',
       "$name: error shape, \"$message\"");
}

sub counts {
    my ($row) = psql(q{select (select count(*) from pgticket.ticket),
        (select count(*) from pgticket.ticket_dispatch),
        (select count(*) from pgticket.ticket_history),
        (select count(*) from pgticket.idempotency_key)});
    return join ',', @$row;
}

sub ticket_of {
    my ($n, $cols) = @_;
    my ($row) = psql("select $cols from pgticket.ticket t join"
        . " pgticket.ticket_dispatch d on d.ticket_id = t.id"
        . " where t.workflow = 'resume' and t.number = " . int($n));
    return $row // [];
}

# ------------------------------------------------ the seed's sample request

psql(q{delete from pgticket.idempotency_key where api = 'resume'
       and key = '456'});
my ($first, $n);
{
    my $before = counts();
    my $r = http(POST => $path,
                 { 'Request-Tracking-Id' => '456',
                   'Authorization' => 'Basic b2NzdXNlcjpvY3N1c2Vy',
                   'ProfileId' => 'Siebel_201',
                   'Content-Type' => 'application/json' }, body());
    is($r->{status}, 201, 'seed request: 201');
    is($r->{headers}{'content-type'}, 'application/json',
       'seed request: application/json');
    like($r->{content}, qr/^\{"status":"success","transaction_id":(\d+)\}$/,
         'seed request: compact {"status":"success","transaction_id":<n>}');
    ($n) = $r->{content} =~ /"transaction_id":(\d+)/;
    $n //= 0;
    $first = $r->{content};
    my @b = split /,/, $before;
    my @a = split /,/, counts();
    is_deeply([ map { $a[$_] - $b[$_] } 0 .. 3 ], [ 1, 1, 1, 1 ],
              'seed request: one ticket, its dispatch, history and key');
    is_deeply(ticket_of($n, q{t.state, t.workflow, t.type, d.profile_id,
            d.service_id, d.service_code, d.reason, d.assigned_to_user,
            t.due_at = '} . $future . q{'::timestamptz, d.dispatch_at = t.due_at,
            (select resume_customer_id from pgticket.customer c
             where c.id = t.customer_id)}),
              [ 'scheduled', 'resume', 'RS01', 'Siebel_201', '26984565',
                'INT', 'Payment received', 'tech01', 't', 't',
                '104127993008' ],
              'seed request: a scheduled resume ticket due at the dispatch '
              . 'time, ProfileId recorded');
    my ($k) = psql(q{select k.status, k.body, c.name
        from pgticket.idempotency_key k join pgticket.api_client c
        on c.id = k.client_id where k.api = 'resume' and k.key = '456'});
    is_deeply($k, [ 201, $first, 'ocsuser' ],
              'seed request: the answer is stored under the key');

    # replayed: the same bytes, nothing new
    my $c = counts();
    for my $i (1 .. 2) {
        $r = http(POST => $path,
                  { 'Request-Tracking-Id' => '456',
                    'Authorization' => 'Basic b2NzdXNlcjpvY3N1c2Vy',
                    'ProfileId' => 'Siebel_201',
                    'Content-Type' => 'application/json' }, body());
        is($r->{status}, 201, "replay $i: 201");
        is($r->{content}, $first, "replay $i: the first answer, byte for byte");
    }
    # the same JSON spelled differently (spacing, key order) is the same
    # request
    my $spaced = JSON::PP->new->utf8->pretty->encode(decode_json(body()));
    $r = post(key => '456', body => $spaced);
    is($r->{content}, $first, 'replay with other whitespace: the first answer');
    # and so is customer_id spelled as another JSON number of the same value
    for my $spelling ('104127993008.0', '1.04127993008e11') {
        (my $b = body()) =~ s/"customer_id":104127993008\b/"customer_id":$spelling/;
        like($b, qr/"customer_id":\Q$spelling\E[,}]/,
             "customer_id spelled $spelling in the body");
        is(post(key => '456', body => $b)->{content}, $first,
           "replay with customer_id $spelling: the first answer");
    }
    is(counts(), $c, 'replays created nothing');

    # the same key with another body, another customer, an invalid body
    is_error(post(key => '456', body => body(reason_code => 'RS02')), 409,
             'The Request-Tracking-Id 456 was already used for another request',
             'same key, other body');
    is_error(post(key => '456',
                  path => '/api/v1/customers/104127993009/tickets',
                  body => body(customer_id => 104127993009)), 409,
             'The Request-Tracking-Id 456 was already used for another request',
             'same key, other customer');
    is(counts(), $c, 'conflicting replays wrote nothing');

    # another client's key 456 is its own
    $r = post(key => '456', headers => { Authorization => $test_auth });
    is($r->{status}, 201, 'key 456 of another client: 201');
    isnt($r->{content}, $first, 'key 456 of another client: a ticket of its own');
}

# a cut-off customer may hold several scheduled tickets
{
    my $r = post(key => "second-$run");
    is($r->{status}, 201, 'a second ticket for the customer: 201');
    my ($row) = psql(q{select count(*) >= 3 from pgticket.ticket t
        join pgticket.customer c on c.id = t.customer_id
        where c.resume_customer_id = 104127993008 and t.state = 'scheduled'});
    is($row->[0], 't', 'the customer holds several scheduled tickets');
}

# header names are case-insensitive
{
    my $r = http(POST => $path,
                 { 'request-tracking-id' => "lower-$run",
                   'AUTHORIZATION' => $seed_auth,
                   'profileid' => 'Siebel_201',
                   'Content-Type' => 'application/json' }, body());
    is($r->{status}, 201, 'header names in any case: 201');
}

# ------------------------------------------------------ 20 concurrent replays

# Every request is written on its own connection before any answer is read.
sub concurrent_posts {
    my ($count, %o) = @_;
    my $b = $o{body};
    my $req = "POST $path HTTP/1.1\r\nHost: localhost\r\n"
        . "Request-Tracking-Id: $o{key}\r\nAuthorization: $seed_auth\r\n"
        . "ProfileId: Siebel_201\r\nContent-Type: application/json\r\n"
        . "Content-Length: " . length($b) . "\r\nConnection: close\r\n\r\n$b";
    my (@socks, %idx, @out);
    for my $i (0 .. $count - 1) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port(),
                                      Timeout => 10) or die "connect: $!\n";
        push @socks, $s;
        $idx{fileno $s} = $i;
        $out[$i] = '';
    }
    print {$_} $req for @socks;
    $_->blocking(0) for @socks;
    my $sel = IO::Select->new(@socks);
    my $start = time;
    while ($sel->count && time - $start < 30) {
        for my $s ($sel->can_read(1)) {
            my $n = sysread($s, my $buf, 65536);
            if ($n) {
                $out[$idx{fileno $s}] .= $buf;
            } else {
                $sel->remove($s);
                close $s;
            }
        }
    }
    return map {
        my ($head, $content) = split /\r\n\r\n/, $_, 2;
        my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
        { status => $status // 0, content => $content // '' };
    } @out;
}

{
    my $key = "concurrent-$run";
    my $before = counts();
    my @res = concurrent_posts(20, key => $key, body => body());
    is(scalar(grep { $_->{status} == 201 } @res), 20,
       '20 concurrent replays of one key: all 201');
    my %bodies = map { $_->{content} => 1 } @res;
    is(scalar(keys %bodies), 1, '20 concurrent replays: one answer for all')
        or diag(join "\n", keys %bodies);
    my ($row) = psql("select count(*) from pgticket.idempotency_key k"
        . " join pgticket.ticket t on t.id = k.ticket_id"
        . " where k.api = 'resume' and k.key = '$key'");
    is($row->[0], 1, '20 concurrent replays: the key names one ticket');
    my @b = split /,/, $before;
    my @a = split /,/, counts();
    is($a[0] - $b[0], 1, '20 concurrent replays: exactly one ticket created');
    my ($stored) = psql("select body from pgticket.idempotency_key"
        . " where api = 'resume' and key = '$key'");
    is((keys %bodies)[0], $stored->[0], 'every replay got the stored answer');

    # and 20 at once with another body under a used key: 409 for all
    @res = concurrent_posts(20, key => $key, body => body(reason => 'other'));
    is(scalar(grep { $_->{status} == 409 } @res), 20,
       '20 concurrent conflicting replays: all 409');
    is(counts(), join(',', @a), 'conflicting concurrent replays wrote nothing');
}

# ------------------------------------------------------- HTTP Basic refusals

{
    my $c = counts();
    my $key = "auth-$run";
    my $r = post(key => $key, headers => { Authorization => undef });
    is_error($r, 401,
             'The Authorization header is required (HTTP Basic credentials)',
             'no Authorization');
    is($r->{headers}{'www-authenticate'}, 'Basic realm="resume", charset="UTF-8"',
       '401 carries the Basic challenge');
    for my $case (
        [ 'Basic ' . encode_base64('ocsuser:wrong', ''),
          'The Authorization credentials are not valid: unknown user-id or wrong password',
          'wrong password' ],
        [ 'Basic ' . encode_base64('ocsuser:', ''),
          'The Authorization password is empty', 'empty password' ],
        [ 'Basic ' . encode_base64(':ocsuser', ''),
          'The Authorization user-id is empty', 'empty user-id' ],
        [ 'Basic ' . encode_base64('nobody:ocsuser', ''),
          'The Authorization credentials are not valid: unknown user-id or wrong password',
          'unknown user-id' ],
        [ 'Basic ' . encode_base64('ocsuser:' . ('x' x 600), ''),
          'The Authorization credentials are too long', 'over-long password' ],
        [ 'Basic ' . encode_base64('ocsuser', ''),
          'The Authorization credentials must be user-id:password', 'no colon' ],
        [ 'Basic not*base64',
          'The Authorization header must be HTTP Basic credentials (Basic base64(user-id:password))',
          'not base64' ],
        [ 'Bearer ' . encode_base64('ocsuser:ocsuser', ''),
          'The Authorization header must be HTTP Basic credentials (Basic base64(user-id:password))',
          'another scheme' ],
        [ 'Basic ' . encode_base64("http-test-$run:" . uc $secret, ''),
          'The Authorization credentials are not valid: unknown user-id or wrong password',
          'password of another case' ],
    ) {
        my ($auth, $message, $name) = @$case;
        is_error(post(key => $key, headers => { Authorization => $auth }),
                 401, $message, $name);
    }
    is(counts(), $c, 'refused credentials wrote nothing');
    # a wrong password never reaches the stored answer of a used key
    is_error(post(key => '456', headers => {
                 Authorization => 'Basic ' . encode_base64('ocsuser:x', '') }),
             401, 'The Authorization credentials are not valid: unknown user-id or wrong password',
             'replay of a used key with a wrong password');
}

# Authorization headers as they come off the wire (raw, so that tabs,
# bytes past ASCII and odd spacing reach nginx as sent): the scheme in any
# case and any number of spaces is Basic; anything else is refused with the
# message that names what is wrong, and a wrong secret never logs in.  An
# accepted header is followed by the body's 400 (credentials come first),
# so nothing is written.
{
    my $c = counts();
    my $ok = encode_base64('ocsuser:ocsuser', '');
    my $wrong = encode_base64('ocsuser:ocsuseR', '');
    my $not_basic = 'The Authorization header must be HTTP Basic credentials (Basic base64(user-id:password))';
    my $bad_secret = 'The Authorization credentials are not valid: unknown user-id or wrong password';
    my $required = 'The Authorization header is required (HTTP Basic credentials)';
    my $n = 0;
    for my $case (
        [ "basic $ok", 400, 'The customer_id field is required' ],
        [ "BASIC      $ok   ", 400, 'The customer_id field is required' ],
        [ "bAsIc $ok=", 401, 'The Authorization credentials are not valid base64 of UTF-8 text' ],
        [ "basic $wrong", 401, $bad_secret ],
        [ "BASIC      $wrong   ", 401, $bad_secret ],
        [ "Basic\t$ok", 401, $not_basic ],
        [ "Basic \t$ok", 401, $not_basic ],
        [ "Basic $ok\t", 400, 'The customer_id field is required' ],
        [ "\tBasic $ok \t ", 400, 'The customer_id field is required' ],
        [ "\t basic $wrong\t", 401, $bad_secret ],
        [ "\t", 401, $required ],
        [ "Basic", 401, $not_basic ],
        [ "Basic    ", 401, $not_basic ],
        [ "", 401, $required ],
        [ "   ", 401, $required ],
        [ "Basicx $ok", 401, $not_basic ],
        [ "Basic$ok", 401, $not_basic ],
        [ "Basic $ok===", 401, $not_basic ],
        [ "Basic $ok \xc3\xa9", 401, $not_basic ],
        [ "Basic $ok \xe9", 400, 'Invalid request encoding' ],
        [ "B\xc3\xa4sic $ok", 401, $not_basic ],
        [ "Basic $ok $ok", 401, $not_basic ],
        [ "Basic :$ok", 401, $not_basic ],
        [ "Basic " . ('QUFB' x 343), 401, 'The Authorization credentials are too long' ],
        [ "Basic " . encode_base64("ocsuser:ocsuser\n", ''), 401, $bad_secret ],
        [ "Basic " . encode_base64("ocsuser :ocsuser", ''), 401, $bad_secret ],
        [ "Basic " . encode_base64("ocsuser:ocsuser\0", ''), 401,
          'The Authorization credentials are not valid base64 of UTF-8 text' ],
    ) {
        my ($auth, $status, $message) = @$case;
        $n++;
        my $r = raw_http("POST $path HTTP/1.1\r\nHost: t\r\n"
            . "Request-Tracking-Id: raw-auth-$run-$n\r\n"
            . "ProfileId: Siebel_201\r\nContent-Type: application/json\r\n"
            . "Authorization: $auth\r\nContent-Length: 2\r\n"
            . "Connection: close\r\n\r\n{}");
        (my $shown = $auth) =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
        $shown = substr($shown, 0, 40) . '...' if length $shown > 43;
        is_error($r, $status, $message, "Authorization: $shown");
    }
    is(counts(), $c, 'hostile Authorization headers wrote nothing');
}

# ---------------------------------------------- headers, body, field rules

{
    my $c = counts();
    my $key = "rules-$run";
    is_error(post(headers => { 'Request-Tracking-Id' => undef }), 400,
             'The Request-Tracking-Id header is required',
             'no Request-Tracking-Id');
    is_error(post(key => 'x' x 201), 400,
             'The Request-Tracking-Id header must be at most 200 characters',
             'over-long Request-Tracking-Id');
    is_error(post(key => $key, headers => { ProfileId => undef }), 400,
             'The ProfileId header is required', 'no ProfileId');
    # a header of the route sent twice has no one value (RFC 9110, 5.3):
    # refused, whichever copy a proxy in front may have read
    is_error(post(headers => { 'Request-Tracking-Id' => [ "a-$run", "b-$run" ] }),
             400, 'The request-tracking-id header was sent twice',
             'Request-Tracking-Id sent twice');
    # nginx itself refuses a second Authorization while it reads the
    # headers, before any location (its own page: no API's shape applies)
    is(post(key => $key, headers => { Authorization => [ $seed_auth,
                                                         $seed_auth ] })
           ->{status}, 400, 'Authorization sent twice: 400');
    is_error(post(key => $key, headers => { ProfileId => [ 'Siebel_201',
                                                           'Siebel_202' ] }),
             400, 'The profileid header was sent twice',
             'ProfileId sent twice');
    is_error(post(key => $key, body => '{"customer_id": 104127993008,'), 400,
             'Malformed request body: it must be JSON', 'malformed JSON');
    is_error(post(key => $key, body => '[]'), 400,
             'The request body must be a JSON object', 'a JSON array');
    is_error(post(key => $key, body => 'customer_id=104127993008',
                  headers => { 'Content-Type' =>
                               'application/x-www-form-urlencoded' }),
             400, 'The request body must be a JSON object', 'a form body');
    is_error(post(key => $key, body => ''), 400,
             'The request body must be a JSON object', 'no body');
    is_error(post(key => $key, path => '/api/v1/customers/abc/tickets'), 400,
             'The customerId in the path must be a positive whole number',
             'customerId not a number');
    my @rules = (
        [ { customer_id => undef }, 'The customer_id field is required' ],
        [ { customer_id => '104127993008' },
          'The customer_id field must be a number, not a string' ],
        [ { customer_id => 104127993008.5 },
          'The customer_id field must be a positive whole number' ],
        [ { customer_id => 104127993009 },
          'The customer_id field (104127993009) must equal the customerId in the path (104127993008)' ],
        [ { reason_code => undef }, 'The reason_code field is required' ],
        [ { reason_code => '' }, 'The reason_code field is required' ],
        [ { reason_code => ['RS01'] }, 'The reason_code field must be a string' ],
        [ { dispatch_date_time => undef },
          'The dispatch_date_time field is required' ],
        [ { dispatch_date_time => 'next monday' },
          'The dispatch_date_time field must be an ISO 8601 date and time, such as 2030-01-31T09:00:00Z' ],
        [ { dispatch_date_time => '2099-02-30T10:00:00Z' },
          'The dispatch_date_time field must be an ISO 8601 date and time, such as 2030-01-31T09:00:00Z' ],
        [ { dispatch_date_time => '2020-01-31T09:00:00Z' },
          'The dispatch_date_time field must be in the future' ],
        # an offset past +15:59 was the cast's own message, naming no field
        [ { dispatch_date_time => '2099-01-31T09:00:00+16:00' },
          'The dispatch_date_time field must be an ISO 8601 date and time, such as 2030-01-31T09:00:00Z' ],
        [ { service => undef }, 'The service field is required' ],
        [ { service => 'INT' }, 'The service field must be an object' ],
        [ { service => { code => 'INT' } }, 'The service.id field is required' ],
        [ { service => { id => '1' } }, 'The service.code field is required' ],
        [ { service => { id => '1', code => { x => 1 } } },
          'The service.code field must be a string' ],
        [ { requestor_info => [] }, 'The requestor_info field must be an object' ],
        [ { requestor_info => { phone => 'call me' } },
          'The requestor_info.phone field must be a phone number' ],
        [ { requestor_info => { email => 'karen' } },
          'The requestor_info.email field must be an e-mail address' ],
        [ { assigned_to_user => { id => 1 } },
          'The assigned_to_user field must be a string' ],
    );
    for my $rule (@rules) {
        my ($over, $message) = @$rule;
        is_error(post(key => $key, body => body(%$over)), 400, $message,
                 "field rule: $message");
    }
    is_error(post(key => $key, path => '/api/v1/customers/104127993010/tickets',
                  body => body(customer_id => 104127993010)), 404,
             'The customer 104127993010 was not found', 'unknown customer');
    is_error(post(key => $key, path => '/api/v1/customers/104127993009/tickets',
                  body => body(customer_id => 104127993009)), 409,
             'The customer 104127993009 is not cut off: resume-service tickets are only for cut-off customers',
             'customer not cut off');
    is(counts(), $c, 'refused requests wrote nothing');
    # the key of a refused request is free: the corrected request succeeds
    my $r = post(key => $key);
    is($r->{status}, 201, 'the key of a refused request is still free');
}

# -------------------------------------------- what nginx answers by itself

{
    my $c = counts();
    is_error(http(GET => $path), 405, 'Method not allowed', 'GET: 405');
    is_error(post(path => '/api/v1/customers/104127993008/orders'), 404,
             'Not found', 'unknown path: 404');
    is_error(post(key => "big-$run",
                  body => body(reason => 'x' x (1024 * 1024 + 1))),
             413, 'Request body too large', 'body over 1 MiB: 413');
    is(counts(), $c, 'nothing written');
}

# --------------------------------------------------------- database down

expect_error(qr/could not connect to PostgreSQL|lost PostgreSQL connection/);
pg_stop();
{
    my $r = post(key => "down-$run");
    is($r->{status}, 503, 'database down: 503');
    is($r->{content},
       '{"status":"error","transaction_id":null,"message":"Service unavailable"}',
       'database down: the API\'s error shape');
}
pg_start();
ok(wait_until(5, sub { post(key => "up-$run")->{status} == 201 }),
   'database back: served again');

# --------------------------------------------------- no credentials in logs

stop_nginx();
{
    my $dir = test_dir();
    my @secrets = ($secret, encode_base64("http-test-$run:$secret", ''),
                   'b2NzdXNlcjpvY3N1c2Vy', 'ocsuser:ocsuser');
    for my $log ("$dir/error.log", "$dir/access.log", $pglog) {
        my $text = '';
        if (open(my $fh, '<', $log)) {
            seek($fh, $pglog_from, 0) if $log eq $pglog;
            $text = do { local $/; <$fh> } // '';
        }
        if ($log eq $pglog) {
            like($text, qr/duration: .*api_resume\.create_ticket/,
                 'postgresql.log has the statements (the search means something)');
        } else {
            ok(length($text) > 0, "$log was written");
        }
        my @found = grep { index($text, $_) >= 0 } @secrets;
        ok(!@found, "no credentials in " . ($log =~ s{.*/}{}r))
            or diag("found: @found");
    }
}

psql("delete from pgticket.api_client where name = 'http-test-$run'");
done_testing();
