#!/usr/bin/perl
# 003 workshop pending tickets API (v2) over HTTP, through nginx with the
# shipped location (nginx-module/conf/api-workshop.conf): the seed's sample
# ticket and list on the demo data; API keys and HS256 Bearer tokens (made
# here with Digest::SHA, not by pgticket); problem details with one
# violation per bad field for every error, nginx's own answers included;
# start-service and its 303; 20 concurrent start-service requests on one
# ticket; no key or token in any log.  The tickets it starts are ones it
# raises itself, so it can run again on one database.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Digest::SHA qw(hmac_sha256);
use HTTP::Tiny;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;
use PgTicketTest;

my $conf_in = "$FindBin::Bin/../../nginx-module/conf/api-workshop.conf";
open(my $cfh, '<', $conf_in) or die "$conf_in: $!\n";
my $location = do { local $/; <$cfh> };
close $cfh;

sub conf {
    my ($database) = @_;
    return <<"CONF";
    pgticket_database "$database";
    pgticket_pool max=4 queue=256 timeout=10s;

    server {
        listen 127.0.0.1:%%PORT%%;

$location
    }
CONF
}

start_nginx(conf('%%CONNINFO%%'), workers => 2);

my $json = JSON::PP->new->utf8->canonical;
my $key = 'demo-workshop-key';
my %K = ('X-Api-Key' => $key);
my $operator = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
my $employee = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
my $seed_id = '497f6eca-6276-4993-bfeb-53cbbbba6f08';
my $P = '/v2/tickets/pending-tickets';
my @secrets = ($key);

sub doc {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{content}) };
}

# an HS256 JWT signed with the demo secret (RFC 7519), or another secret
sub jwt {
    my ($claims, $secret, $header) = @_;
    $header //= { alg => 'HS256', typ => 'JWT' };
    my $input = encode_base64url($json->encode($header)) . '.'
              . encode_base64url($json->encode($claims));
    my $sig = encode_base64url(hmac_sha256($input,
                                           $secret // 'pgticket-demo-secret'));
    my $token = "$input.$sig";
    push @secrets, $token;
    return $token;
}

sub bearer { return ('Authorization' => 'Bearer ' . jwt(@_)) }

# PATCH answers 303: a client that does not follow it, to see it
my $no_follow = HTTP::Tiny->new(timeout => 20, keep_alive => 0,
                                max_redirect => 0);

sub http_nr {
    my ($method, $path, $headers, $body) = @_;
    return $no_follow->request($method, 'http://127.0.0.1:' . port() . $path,
                               { headers => $headers // {},
                                 defined $body ? (content => $body) : () });
}

sub patch {
    my ($id, $body, %h) = @_;
    return http_nr(PATCH => "$P/$id",
                   { 'Content-Type' => 'application/json', %K, %h },
                   ref $body ? $json->encode($body) : $body);
}

sub start_body {
    my ($op) = @_;
    return { transition => { type => 'start-service',
                             operator_id => $op // $operator } };
}

sub in_order {
    my ($content, @keys) = @_;
    my $re = join '.*?', map { quotemeta(qq{"$_"}) } @keys;
    return $content =~ /$re/s ? 1 : 0;
}

# a problem details answer: the status, the content type, the members in
# order, and the violations (field => message pattern) when given
sub is_problem {
    my ($r, $status, $name, %violations) = @_;
    my $d = doc($r) // {};
    my $ok = $r->{status} == $status
        && ($r->{headers}{'content-type'} // '') eq 'application/problem+json'
        && ($d->{status} // 0) == $status
        && defined $d->{type} && defined $d->{title} && defined $d->{detail}
        && ref $d->{violations} eq 'ARRAY'
        && in_order($r->{content}, qw(type title status detail violations));
    if (%violations) {
        my %got = map { $_->{field} => $_->{message} } @{ $d->{violations} };
        $ok &&= $d->{type} eq '/problems/violations'
            && keys %got == keys %violations
            && !grep { !defined $got{$_} || $got{$_} !~ $violations{$_} }
                    keys %violations;
    }
    ok($ok, "$name: $status problem"
            . (%violations ? ' naming ' . join(', ', sort keys %violations)
                           : ''))
        or diag("$r->{status} " . ($r->{headers}{'content-type'} // '-')
                . " $r->{content}");
}

sub counts {
    my ($row) = psql(q{select (select count(*) from pgticket.ticket),
        (select count(*) from pgticket.ticket_history),
        (select count(assignee_id) from pgticket.ticket),
        (select max(updated_at) from pgticket.ticket)});
    return join ',', @$row;
}

# a pending workshop ticket of this test, made the way the demo's are
sub new_pending {
    my ($row) = psql(q{with t as (select * from pgticket.create_ticket(
            'workshop', (select id from pgticket.customer where uuid =
                         '160c0c4b-9966-4dc1-a916-8407eb10d74e'),
            'Vehicle service')),
        v as (insert into pgticket.ticket_vehicle
                  (ticket_id, vehicle_model_id, vin)
              select t.id, 3, 'WVWZZZ1JZXW000001' from t
              returning ticket_id)
        select t.uuid from t join v on v.ticket_id = t.id});
    return $row->[0];
}

my @pending_keys = qw(id created_at customer_id ticket_number
                      vehicle_model_id vin connection_id);
my $seed_ticket = {
    id => $seed_id, created_at => '2019-08-24T14:15:22Z',
    customer_id => '160c0c4b-9966-4dc1-a916-8407eb10d74e',
    ticket_number => 7440303, vehicle_model_id => 0,
    vin => 'JH4KA7630PC007649',
    connection_id => 'd3547de1-d1f2-4344-b4c2-17169b7526f9' };

# -------------------------------------------------- the seed's examples

{
    my $r = http(GET => "$P/$seed_id", \%K);
    is($r->{status}, 200, 'GET a pending ticket: 200');
    is($r->{headers}{'content-type'}, 'application/json', 'application/json');
    is_deeply(doc($r), $seed_ticket, 'the seed\'s sample ticket');
    ok(in_order($r->{content}, @pending_keys), 'keys in the seed order');
    unlike($r->{content}, qr/[:,]\s|\s[:,]/, 'compact JSON');

    my ($total) = psql("select count(*) from pgticket.ticket where workflow"
                       . " = 'workshop' and state = 'pending'");
    $r = http(GET => $P, \%K);
    is($r->{status}, 200, 'GET the pending tickets: 200');
    my $d = doc($r) // {};
    ok(in_order($r->{content}, qw(query result total)),
       'list: query, result, total in the seed order');
    is_deeply($d->{query}, { limit => 25, offset => 0 },
              'query: the defaults applied');
    is($d->{total}, $total->[0], 'total: every pending ticket');
    is(scalar @{ $d->{result} // [] }, 25, 'result: 25 by default');
    is_deeply($d->{result}[0], $seed_ticket, 'oldest first: the seed ticket');
    my @t = map { $_->{created_at} } @{ $d->{result} // [] };
    is_deeply(\@t, [ sort @t ], 'result: oldest first');
    ok(!grep({ join(',', sort keys %$_) ne join(',', sort @pending_keys) }
             @{ $d->{result} // [] }), 'each in the Pending ticket shape');

    $r = http(GET => "$P?limit=2&offset=1", \%K);
    $d = doc($r) // {};
    is_deeply([ $d->{query}, [ map { $_->{ticket_number} } @{ $d->{result} } ],
                $d->{total} ],
              [ { limit => 2, offset => 1 }, [ 7440304, 7440305 ],
                $total->[0] ], 'limit and offset');
    $r = http(GET => "$P?limit=0", \%K);
    is_deeply(doc($r), { query => { limit => 0, offset => 0 }, result => [],
                         total => $total->[0] }, 'limit=0: only the total');
    $r = http(GET => "$P?limit=1000&offset=1e1", \%K);
    $d = doc($r) // {};
    is_deeply([ $d->{query}, scalar @{ $d->{result} // [] } ],
              [ { limit => 1000, offset => 10 }, $total->[0] - 10 ],
              'limit=1000, offset=1e1 (a JSON spelling of 10)');
    $r = http(GET => "$P?ticket_number=7440303", \%K);
    is_deeply(doc($r), { query => { limit => 25, offset => 0,
                                    ticket_number => 7440303 },
                         result => [ $seed_ticket ], total => 1 },
              'ticket_number filter, echoed in query');
    $r = http(GET => "$P?vin=JH4KA7630PC007649&foo=bar", \%K);
    is_deeply(doc($r), { query => { limit => 25, offset => 0,
                                    vin => 'JH4KA7630PC007649' },
                         result => [ $seed_ticket ], total => 1 },
              'vin filter; an unknown parameter is not applied');
    $r = http(GET => "$P?ticket_number=1", \%K);
    is_deeply([ doc($r)->{result}, doc($r)->{total} ], [ [], 0 ],
              'no match: result [], total 0');
    # an offset past the matches is any offset >= 0, also with a filter
    # (the filtered page was an array slice: int4 subscripts, 400 on "body")
    for my $f ('ticket_number=7440303', 'vin=JH4KA7630PC007649') {
        for my $o ('2147483647', '9223372036854775807') {
            $r = http(GET => "$P?$f&offset=$o&limit=1000", \%K);
            my ($k, $v) = split /=/, $f;
            is_deeply([ $r->{status}, doc($r) ],
                      [ 200, { query => { limit => 1000, offset => $o + 0,
                                          $k => $k eq 'vin' ? $v : $v + 0 },
                               result => [], total => 1 } ],
                      "$f, offset=$o: 200, result [], total 1");
        }
    }
    $r = http(HEAD => $P, \%K);
    is_deeply([ $r->{status}, $r->{content} // '' ], [ 200, '' ], 'HEAD');
}

# --------------------------------------------------------- authentication

{
    my $c = counts();
    my $r = http(GET => $P);
    is_problem($r, 401, 'no credentials');
    like($r->{headers}{'www-authenticate'} // '', qr/^Bearer realm="pgticket"/,
         '401 carries WWW-Authenticate: Bearer');
    is_problem(http(GET => $P, { 'X-Api-Key' => 'not-the-key' }), 401,
               'a wrong API key');
    is_problem(http(GET => $P, { 'X-Api-Key' => uc $key }), 401,
               'an API key in another case');
    is_problem(http(GET => $P, { Authorization => 'Basic ZGVtbzpkZW1v' }),
               401, 'Basic authentication');
    is_problem(http(GET => $P, { Authorization => 'Bearer' }), 401,
               'Bearer without a token');
    $r = http(GET => $P, { Authorization => 'Bearer not-a-jwt' });
    is_problem($r, 401, 'Bearer not-a-jwt');
    is(doc($r)->{detail},
       'JWT strings must contain exactly 2 period characters. Found: 0',
       'the detail says why');
    is_problem(http(GET => $P, { Authorization => 'Bearer not-a-jwt', %K }),
               401, 'a bad token is refused even with a good API key');

    my $now = time;
    is(http(GET => "$P?limit=0", { bearer({ sub => 'workshop-app',
                                            scope => 'tickets' }) })->{status},
       200, 'a Bearer token with sub and scope tickets: 200');
    is(http(GET => "$P?limit=0", { bearer({ sub => 'app',
            scope => 'openid tickets profile', exp => $now + 600 }) })
       ->{status}, 200, 'scope among others, exp in the future: 200');
    is(http(GET => "$P/$seed_id", { 'authorization' => 'bearer '
            . jwt({ sub => 'app', scope => 'tickets' }) })->{status},
       200, 'the scheme in any case');
    $r = http(GET => $P, { bearer({ sub => 'app', scope => 'tickets',
                                    exp => $now - 60 }) });
    is_problem($r, 401, 'an expired token');
    like(doc($r)->{detail} // '', qr/^JWT expired at /, 'detail: expired');
    is_problem(http(GET => $P, { bearer({ sub => 'app', scope => 'tickets',
                                          nbf => $now + 3600 }) }),
               401, 'a token not valid yet');
    is_problem(http(GET => $P, { bearer({ sub => 'app', scope => 'tickets' },
                                        'another-secret') }),
               401, 'a token signed with another secret');
    is_problem(http(GET => $P, { bearer({ sub => 'app', scope => 'tickets' },
                                        undef, { alg => 'none' }) }),
               401, 'alg none');
    is_problem(http(GET => $P, { bearer({ sub => 'app', scope => 'tickets' },
                                        undef, { alg => 'HS512' }) }),
               401, 'alg HS512');
    is_problem(http(GET => $P, { bearer({ scope => 'tickets' }) }), 401,
               'a token without sub');
    $r = http(GET => $P, { bearer({ sub => 'app', scope => 'read' }) });
    is_problem($r, 403, 'a token without the tickets scope');
    like($r->{headers}{'www-authenticate'} // '', qr/insufficient_scope/,
         '403: insufficient_scope (RFC 6750)');
    is_problem(http(GET => $P, { bearer({ sub => 'app' }) }), 403,
               'a token without a scope');
    is_problem(http_nr(PATCH => "$P/$seed_id",
                    { 'Content-Type' => 'application/json' },
                    $json->encode(start_body())), 401,
               'PATCH without credentials');
    is(counts(), $c, 'refused requests wrote nothing');
}

# ------------------------------ API keys a DBA makes with add_api_client

# The workshop API finds a client by its key's hash alone, so the keys
# add_api_client and set_api_client_secret make for it must be ones that
# lookup finds (they were salted like Basic passwords, and never worked).
{
    my $run = "$$-" . int(time * 1000);
    my ($k) = psql("select pgticket.add_api_client('workshop', 'key-$run',"
                   . " scopes => '{tickets}')");
    my ($plain) = psql("select pgticket.add_api_client('workshop',"
                       . " 'noscope-$run')");
    push @secrets, $k->[0], $plain->[0];
    is(http(GET => "$P?limit=0", { 'X-Api-Key' => $k->[0] })->{status}, 200,
       'a key from add_api_client opens the API');
    is_problem(http(GET => "$P?limit=0", { 'X-Api-Key' => $plain->[0] }),
               403, 'one without the tickets scope: 403');
    my ($new) = psql("select pgticket.set_api_client_secret('workshop',"
                     . " 'key-$run')");
    push @secrets, $new->[0];
    is_problem(http(GET => "$P?limit=0", { 'X-Api-Key' => $k->[0] }), 401,
               'after set_api_client_secret the old key is refused');
    is(http(GET => "$P?limit=0", { 'X-Api-Key' => $new->[0] })->{status},
       200, 'and the new one opens the API');
}

# ------------------------------------------------- parameters: violations

{
    my $c = counts();
    for my $case (
        [ 'limit=1001', limit => qr/between 0 and 1000/ ],
        [ 'limit=-1', limit => qr/between 0 and 1000/ ],
        [ 'limit=2.5', limit => qr/integer/ ],
        [ 'limit=ten', limit => qr/integer/ ],
        [ 'limit=', limit => qr/integer/ ],
        [ 'limit=1&limit=2', limit => qr/once/ ],
        [ 'offset=-1', offset => qr/greater than or equal to 0/ ],
        [ 'offset=1.5', offset => qr/integer/ ],
        [ 'offset=9223372036854775808', offset => qr/less than or equal to 9223372036854775807/ ],
        [ 'ticket_number=abc', ticket_number => qr/integer/ ],
        [ 'ticket_number=' . uri_escape("7440303 OR 1=1"),
          ticket_number => qr/integer/ ],
        [ 'vin=JH4KA7630PC00764', vin => qr/17 characters/ ],
        [ 'vin=JH4KA7630PC00764I', vin => qr/17 characters/ ],
        [ 'vin=jh4ka7630pc007649', vin => qr/17 characters/ ],
        [ 'vin=' . uri_escape("JH4KA7630PC00764'"), vin => qr/17 characters/ ],
    ) {
        my ($q, %v) = @$case;
        is_problem(http(GET => "$P?$q", \%K), 400, "list ?$q", %v);
    }
    is_problem(http(GET => "$P?limit=5000&offset=-2&ticket_number=x&vin=y",
                    \%K), 400, 'four bad parameters',
               limit => qr/./, offset => qr/./, ticket_number => qr/./,
               vin => qr/./);
    my $r = http(GET => "$P?limit=-1", \%K);
    is_deeply([ @{ doc($r) // {} }{qw(type title detail)} ],
              [ '/problems/violations', 'Bad request', 'The request violates'
                . ' one or more constraints. Please resolve all of them and'
                . ' try again.' ], 'a 400 is the seed\'s violations problem');

    is_problem(http(GET => "$P/not-a-uuid", \%K), 400, 'a malformed id',
               'pending-ticket-id' => qr/UUID/);
    is_problem(http(GET => "$P/" . uri_escape("$seed_id' OR '1'='1"), \%K),
               400, 'SQL in the id', 'pending-ticket-id' => qr/UUID/);
    $r = http(GET => "$P/00000000-0000-4000-8000-000000000000", \%K);
    is_problem($r, 404, 'an unknown ticket');
    like(doc($r)->{detail} // '', qr/00000000-0000-4000-8000-000000000000/,
         '404 detail names the id');
    is_problem(http(GET => '/v2/tickets/in-progress-tickets/' . $seed_id, \%K),
               404, 'a pending ticket is not in progress');
    is_problem(http(GET => '/v2/tickets/in-progress-tickets/x', \%K), 400,
               'in-progress: a malformed id',
               'in-progress-ticket-id' => qr/UUID/);
    is(counts(), $c, 'nothing written');
}

# ------------------------------------------------------ start-service

my $t1 = new_pending();
{
    my $c = counts();
    my $r = patch($t1, start_body(), 'Content-Type' => 'text/plain');
    is_problem($r, 415, 'PATCH as text/plain');
    is_deeply(doc($r)->{violations},
              [ { field => 'Content-Type',
                  message => 'must be application/json' } ],
              '415 names the Content-Type');
    is_problem(patch($t1, start_body(),
                     'Content-Type' => 'application/x-www-form-urlencoded'),
               415, 'PATCH as a form');
    # a header of the route sent twice has no one value (RFC 9110, 5.3)
    $r = patch($t1, start_body(), 'X-Api-Key' => [ $key, $key ]);
    is_problem($r, 400, 'X-Api-Key sent twice');
    is(doc($r)->{detail}, 'The x-api-key header was sent twice',
       'X-Api-Key sent twice: the detail names it');
    $r = patch($t1, start_body(),
               'Content-Type' => [ 'application/json', 'text/plain' ]);
    is_problem($r, 400, 'Content-Type sent twice');
    is(doc($r)->{detail}, 'The content-type header was sent twice',
       'Content-Type sent twice: the detail names it');
    for my $case (
        [ '{}', transition => qr/required/ ],
        [ '[]', body => qr/object/ ],
        [ '{"transition": ', body => qr/valid JSON/ ],
        [ { transition => 'start-service' }, transition => qr/object/ ],
        [ { transition => {} }, 'transition.type' => qr/required/,
          'transition.operator_id' => qr/required/ ],
        [ { transition => { type => 'finish-service',
                            operator_id => $operator } },
          'transition.type' => qr/start-service/ ],
        [ { transition => { type => ['start-service'],
                            operator_id => $operator } },
          'transition.type' => qr/start-service/ ],
        [ { transition => { type => 'start-service', operator_id => 'op-1' } },
          'transition.operator_id' => qr/UUID/ ],
        [ { transition => { type => 'start-service', operator_id => 17 } },
          'transition.operator_id' => qr/UUID/ ],
        [ start_body('00000000-0000-4000-8000-000000000000'),
          'transition.operator_id' => qr/no employee/ ],
        [ start_body($employee),
          'transition.operator_id' => qr/is_operator is false/ ],
    ) {
        my ($body, %v) = @$case;
        is_problem(patch($t1, $body), 400,
                   'PATCH ' . (ref $body ? $json->encode($body) : $body), %v);
    }
    is_problem(patch('nope', { transition => { type => 'stop' } }), 400,
               'PATCH: every bad field at once',
               'pending-ticket-id' => qr/UUID/,
               'transition.type' => qr/start-service/,
               'transition.operator_id' => qr/required/);
    is_problem(patch('00000000-0000-4000-8000-000000000000', start_body()),
               404, 'PATCH an unknown ticket');
    is(counts(), $c, 'refused transitions wrote nothing');

    $r = patch($t1, start_body());
    is($r->{status}, 303, 'start-service: 303');
    is($r->{headers}{location}, "/v2/tickets/in-progress-tickets/$t1",
       'Location: the in-progress ticket');
    is($r->{content} // '', '', '303 without a body');
    my $g = http(GET => $r->{headers}{location} // '/x', \%K);
    is($g->{status}, 200, 'GET the Location: 200');
    my $d = doc($g) // {};
    is($d->{operator_id}, $operator, 'the in-progress ticket names its operator');
    is($d->{id}, $t1, 'the same ticket');
    ok(in_order($g->{content}, @pending_keys, 'operator_id'),
       'in-progress: the pending shape, then operator_id');
    my ($row) = psql("select t.state, s.uuid, (select count(*) from"
        . " pgticket.ticket_history h where h.ticket_id = t.id and"
        . " h.transition = 'start-service') from pgticket.ticket t join"
        . " pgticket.staff s on s.id = t.assignee_id where t.uuid = '$t1'");
    is_deeply($row, [ 'in_progress', $operator, 1 ],
              'in_progress, assigned to the operator, one history entry');
    is_problem(http(GET => "$P/$t1", \%K), 404, 'no longer pending: GET');
    $c = counts();
    $r = patch($t1, start_body());
    is_problem($r, 409, 'no longer pending: PATCH');
    like(doc($r)->{detail} // '', qr/not pending/, '409 says why');
    is(counts(), $c, 'nothing written');
    my $list = doc(http(GET => "$P?limit=1000", \%K)) // {};
    ok(!grep({ $_->{id} eq $t1 } @{ $list->{result} // [] }),
       'no longer in the list');

    # OWS around the media type, before its ";", is SP or HTAB (RFC 9110)
    for my $ct ("application/json\t; charset=utf-8",
                "application/problem+json \t;charset=utf-8") {
        my $t = new_pending();
        (my $shown = $ct) =~ s/\t/<tab>/g;
        is(patch($t, start_body(), 'Content-Type' => $ct)->{status}, 303,
           "start-service as $shown: 303");
    }

    # with a Bearer token
    my $t2 = new_pending();
    $r = http_nr(PATCH => "$P/$t2", { 'Content-Type' => 'application/json',
                                    bearer({ sub => 'workshop-app',
                                             scope => 'tickets' }) },
              $json->encode(start_body()));
    is($r->{status}, 303, 'start-service with a Bearer token: 303');
    my ($why) = psql("select h.reason from pgticket.ticket_history h join"
        . " pgticket.ticket t on t.id = h.ticket_id where t.uuid = '$t2'"
        . " and h.transition = 'start-service'");
    like($why->[0] // '', qr/workshop-app/, 'the history names the client');

    # the reporting views see it as any other ticket
    my ($rep) = psql("select workflow, state, category, assignee from"
        . " pgticket_report.tickets where uuid = '$t1'");
    is_deeply($rep, [ 'workshop', 'in_progress', 'open', 'workshop-operator' ],
              'a workshop ticket is a row of pgticket_report.tickets');
}

# ------------------------------- 20 concurrent start-service on one ticket

{
    my $t = new_pending();
    my $body = $json->encode(start_body());
    my $req = "PATCH $P/$t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            . "X-Api-Key: $key\r\nContent-Type: application/json\r\n"
            . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    my @res = PgTicketTest::parallel_raw(($req) x 20);
    is(scalar(grep { $_->{status} == 303 } @res), 1, 'exactly one 303');
    is(scalar(grep { $_->{status} == 409
                     && ($_->{headers}{'content-type'} // '')
                        eq 'application/problem+json'
                     && (doc($_) // {})->{status} == 409 } @res), 19,
       'the other 19: a 409 problem');
    my ($n) = psql("select count(*) from pgticket.ticket_history h join"
        . " pgticket.ticket t on t.id = h.ticket_id where t.uuid = '$t'"
        . " and h.transition = 'start-service'");
    is($n->[0], 1, 'one history entry');
}

# ------------------------------ nginx's own answers are problems too

{
    is_problem(http(GET => '/v2/nothing', \%K), 404, 'an unknown path');
    my $r = http(DELETE => "$P/$seed_id", \%K);
    is_problem($r, 405, 'DELETE a pending ticket');
    like($r->{headers}{allow} // '', qr/PATCH/, '405 names the methods');
    is_problem(patch($seed_id, '{"a":"' . ('x' x (1024 * 1024)) . '"}'), 413,
               'a body over 1 MiB');
    is_problem(http(GET => "$P?vin=%FF", \%K), 400,
               'invalid UTF-8 in the query');
    is(http(GET => "$P/$seed_id", \%K)->{status}, 200,
       'the seed ticket is still pending');
}

# ------------------------------------------------- never a 500, no leaks

{
    my $c = counts();
    my @bad;
    for my $s ("1 OR 1=1", "' OR '1'='1", "1; DROP TABLE pgticket.ticket; --",
               "\$\$; DELETE FROM pgticket.ticket; \$\$", '\\', '"', '{}',
               '[]', 'null', ' ', '%', "\x{e9}") {
        my $v = $s;
        utf8::encode($v);
        for my $p (qw(limit offset ticket_number vin)) {
            my $r = http(GET => "$P?$p=" . uri_escape($v), \%K);
            push @bad, "$p=<$s>: $r->{status}" if $r->{status} != 400;
        }
        my $r = http(GET => "$P/" . uri_escape($v), \%K);
        push @bad, "id <$s>: $r->{status}" unless $r->{status} == 400;
        $r = patch($seed_id, { transition => { type => $s,
                                               operator_id => $s } });
        push @bad, "PATCH <$s>: $r->{status}" if $r->{status} != 400;
        # raw: HTTP::Tiny refuses a header that is not ASCII
        $r = raw_http("GET $P HTTP/1.0\r\nX-Api-Key: $v\r\n\r\n");
        push @bad, "key <$s>: $r->{status}" if $r->{status} != 401;
        $r = raw_http("GET $P HTTP/1.0\r\nAuthorization: Bearer $v\r\n\r\n");
        push @bad, "token <$s>: $r->{status}" if $r->{status} != 401;
    }
    ok(!@bad, 'hostile values: 4xx problems, never a 500')
        or diag(join "\n", @bad);
    is(counts(), $c, 'nothing written by them');
}

stop_nginx();

{
    my @logs = (test_dir() . '/error.log', test_dir() . '/access.log',
                $ENV{PGTICKET_RUNDIR} . '/postgresql.log');
    my @found;
    for my $log (@logs) {
        my $text = do { local (@ARGV, $/) = ($log); <> } // '';
        for my $s (@secrets) {
            push @found, "$log has " . substr($s, 0, 20) . '...'
                if index($text, $s) >= 0;
        }
    }
    ok(!@found, 'no API key or token in the nginx or PostgreSQL logs ('
       . scalar(@secrets) . ' secrets)') or diag(join "\n", @found);
}

# ------------------------------------- the unavailable answer: a problem

{
    my $dead = 'host=' . test_dir() . ' port=1 dbname=none user=pgticket_web';
    expect_error(qr/could not connect to PostgreSQL/);
    start_nginx(conf($dead));
    is_problem(http(GET => $P, \%K), 503, 'database unreachable');
    stop_nginx();
}

sub uri_escape {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

done_testing();
