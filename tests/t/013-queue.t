#!/usr/bin/perl
# 002 branch queue tickets API over HTTP, through nginx with the shipped
# location (nginx-module/conf/api-queue.conf): the seed's five endpoints on
# the demo data; form, multipart and JSON creates giving the same ticket;
# every validation rule; errors without a body, nginx's own (404, 405,
# 413, 400, the unavailable answer) included; 50 concurrent creates in one
# queue; a queue ticket in the reporting views.  The tickets it raises
# belong to a customer of its own, so it can run again on one database.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use PgTicketTest;

my $conf_in = "$FindBin::Bin/../../nginx-module/conf/api-queue.conf";
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

sub doc {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{content}) };
}

sub uri {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# key/value pairs in order; a key given again replaces the earlier value
# (so "%create, key => other" overrides)
sub pairs {
    my @p = @_;
    my (@keys, %val);
    while (my ($k, $v) = splice(@p, 0, 2)) {
        push @keys, $k unless exists $val{$k};
        $val{$k} = $v;
    }
    return map { ($_, $val{$_}) } @keys;
}

sub form {
    my @p = pairs(@_);
    my @out;
    while (my ($k, $v) = splice(@p, 0, 2)) {
        push @out, uri($k) . '=' . uri($v);
    }
    return join '&', @out;
}

sub multipart {
    my @p = pairs(@_);
    my $b = 'pgticketQueueBoundary42';
    my $body = '';
    while (my ($k, $v) = splice(@p, 0, 2)) {
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$k\"\r\n"
               . "\r\n$v\r\n";
    }
    return ("multipart/form-data; boundary=$b", "$body--$b--\r\n");
}

sub post_form {
    my ($path, @pairs) = @_;
    return http(POST => $path,
                { 'Content-Type' => 'application/x-www-form-urlencoded' },
                form(@pairs));
}

sub post_json {
    my ($path, $data) = @_;
    return http(POST => $path, { 'Content-Type' => 'application/json' },
                ref $data ? $json->encode($data) : $data);
}

sub post_multipart {
    my ($path, @pairs) = @_;
    my ($type, $body) = multipart(@pairs);
    return http(POST => $path, { 'Content-Type' => $type }, $body);
}

sub put_form {
    my ($path, @pairs) = @_;
    return http(PUT => $path,
                { 'Content-Type' => 'application/x-www-form-urlencoded' },
                form(@pairs));
}

# no body, no Content-Type: what the seed shows for every error
sub is_bare {
    my ($r, $status, $name) = @_;
    ok($r->{status} == $status && ($r->{content} // '') eq ''
       && !defined $r->{headers}{'content-type'},
       "$name: $status without a body")
        or diag("$r->{status} "
                . ($r->{headers}{'content-type'} // '-') . " $r->{content}");
}

sub in_order {
    my ($content, @keys) = @_;
    my $re = join '.*?', map { quotemeta(qq{"$_"}) } @keys;
    return $content =~ /$re/s ? 1 : 0;
}

sub counts {
    my ($row) = psql(q{select (select count(*) from pgticket.ticket),
        (select count(*) from pgticket.ticket_history),
        (select count(*) from pgticket.ticket_queue),
        (select count(*) from pgticket.customer),
        (select coalesce(sum(last_number), 0) from pgticket.queue_counter),
        (select count(deleted_at) from pgticket.ticket_queue),
        (select max(updated_at) from pgticket.ticket)});
    return join ',', @$row;
}

my @fields = qw(id number status channel branch_id sector_id service_id
                customer_id_type customer_id_number phone created_at
                called_at finished_at position);
my $demo = '/v1/tickets?customer_id_type=DNI&customer_id_number=30111222';
# a customer of this run: DNI letters and digits, at most 32
my $me = 'T013' . $$ . time;
my $mine = "customer_id_type=DNI&customer_id_number=$me";
my %create = (channel => 'kiosk', branch_id => 'B01', sector_id => 'S01',
              service_id => 'SV02', phone => '+54 11 5555-0001');

# ------------------------------------------------------------- the seed's list

{
    my $r = http(GET => $demo);
    is($r->{status}, 200, 'GET /v1/tickets: 200');
    is($r->{headers}{'content-type'}, 'application/json',
       'list: application/json');
    my $d = doc($r) // [];
    is(scalar @$d, 2, 'list: the demo customer\'s two tickets');
    is_deeply([ map { $_->{number} } @$d ], [ 'C-002', 'C-001' ],
              'list: newest first, numbers with the service prefix');
    is_deeply([ sort keys %{ $d->[0] // {} } ], [ sort @fields ],
              'list: every field of the contract\'s Ticket');
    ok(in_order($r->{content}, @fields), 'list: keys in the contract order');
    unlike($r->{content}, qr/[:,]\s|\s[:,]/, 'list: compact JSON');
    is_deeply({ map { $_ => $d->[1]{$_} } qw(status channel branch_id
        sector_id service_id customer_id_type customer_id_number phone
        created_at called_at finished_at position) },
              { status => 'waiting', channel => 'kiosk', branch_id => 'B01',
                sector_id => 'S01', service_id => 'SV01',
                customer_id_type => 'DNI', customer_id_number => '30111222',
                phone => undef, created_at => '2024-05-02T09:00:00Z',
                called_at => undef, finished_at => undef, position => 0 },
              'list: the demo ticket C-001 as stored');
    is($d->[0]{position}, 1, 'list: C-002 has one ticket ahead');
    like($d->[0]{id} // '', qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
         'list: the id is a uuid string');

    $r = http(GET => "$demo&fields=number,status");
    is_deeply([ $r->{status}, doc($r) ],
              [ 200, [ { number => 'C-002', status => 'waiting' },
                       { number => 'C-001', status => 'waiting' } ] ],
              'fields=number,status');
    $r = http(GET => "$demo&fields=status&fields=number&fields=channel");
    is_deeply(doc($r), [ { number => 'C-002', status => 'waiting',
                           channel => 'app' },
                         { number => 'C-001', status => 'waiting',
                           channel => 'kiosk' } ],
              'fields=a&fields=b: repeated spelling, rendered in Ticket order');
    ok(in_order($r->{content}, qw(number status channel)),
       'fields: keys in Ticket order whatever order they were asked in');
    $r = http(GET => "$demo&fields=id,number&fields=position");
    is_deeply([ map { join ',', sort keys %$_ } @{ doc($r) // [] } ],
              [ 'id,number,position', 'id,number,position' ],
              'fields: both spellings at once');
    $r = http(GET => "$demo&limit=1&fields=number");
    is_deeply(doc($r), [ { number => 'C-002' } ], 'limit=1');
    $r = http(GET => "$demo&limit=1&offset=1&fields=number");
    is_deeply(doc($r), [ { number => 'C-001' } ], 'offset=1');
    $r = http(GET => "$demo&limit=50&offset=1.0&fields=number");
    is_deeply(doc($r), [ { number => 'C-001' } ],
              'limit=50 and offset=1.0 (a JSON spelling of 1)');
    $r = http(GET => "$demo&offset=2");
    is_deeply([ $r->{status}, $r->{content} ], [ 200, '[]' ],
              'an offset past the last ticket: 200 []');

    is_bare(http(GET => '/v1/tickets?customer_id_type=PASSPORT'
                 . '&customer_id_number=X1234567'), 404,
            'a customer without tickets');
    is_bare(http(GET => "/v1/tickets?$mine"), 404, 'an unknown customer');

    my $c = counts();
    for my $q (
        '', 'customer_id_type=DNI', 'customer_id_number=30111222',
        'customer_id_type=CUIT&customer_id_number=30111222',
        'customer_id_type=dni&customer_id_number=30111222',
        'customer_id_type=DNI&customer_id_number=',
        'customer_id_type=DNI&customer_id_number=' . ('1' x 33),
        'customer_id_type=DNI&customer_id_number=30.111.222',
        "customer_id_type=DNI&customer_id_number=30111222' OR '1'='1",
        'customer_id_type=DNI&customer_id_type=PASSPORT'
            . '&customer_id_number=30111222',
    ) {
        is_bare(http(GET => "/v1/tickets?" . join('&', map {
                    my ($k, $v) = split /=/, $_, 2;
                    uri($k) . '=' . uri($v // '') } split /&/, $q)),
                400, "list ?$q");
    }
    for my $q ('limit=51', 'limit=0', 'limit=-1', 'limit=ten', 'limit=1.5',
               'offset=-1', 'offset=x', 'offset=1e400',
               'fields=number,pin', 'fields=number&fields=secret',
               'fields=password') {
        is_bare(http(GET => "$demo&$q"), 400, "list &$q");
    }
    is(counts(), $c, 'list errors wrote nothing');
}

# ----------------------------------------------------------------- create

my ($t_form, $t_json, $t_multi);
{
    my ($n_customers) = psql('select count(*) from pgticket.customer');
    my $r = post_form("/v1/tickets?$mine", %create);
    is($r->{status}, 201, 'POST form: 201');
    is($r->{headers}{'content-type'}, 'application/json',
       'create: application/json');
    $t_form = doc($r) // {};
    is($r->{headers}{location}, "/v1/tickets/$t_form->{id}",
       'create: Location names the ticket');
    ok(in_order($r->{content}, @fields), 'create: keys in the contract order');
    like($t_form->{number} // '', qr/^W-\d{3,}$/,
         'create: a queue number with the service prefix W');
    my ($n_after) = psql('select count(*) from pgticket.customer');
    is($n_after->[0], $n_customers->[0] + 1,
       'the customer is created on their first ticket');
    my ($row) = psql("select name from pgticket.customer where id_type ="
                     . " 'DNI' and id_number = '$me'");
    is($row->[0], "DNI $me", 'the new customer is named by their id');

    $r = post_json("/v1/tickets?$mine", { %create });
    is($r->{status}, 201, 'POST JSON: 201');
    $t_json = doc($r) // {};
    $r = post_multipart("/v1/tickets?$mine", %create);
    is($r->{status}, 201, 'POST multipart: 201');
    $t_multi = doc($r) // {};
    ($n_after) = psql('select count(*) from pgticket.customer');
    is($n_after->[0], $n_customers->[0] + 1,
       'later tickets reuse the customer');

    my @same = qw(status channel branch_id sector_id service_id
                  customer_id_type customer_id_number phone called_at
                  finished_at);
    is_deeply({ map { $_ => $t_json->{$_} } @same },
              { map { $_ => $t_form->{$_} } @same },
              'JSON gives the same ticket as the form');
    is_deeply({ map { $_ => $t_multi->{$_} } @same },
              { map { $_ => $t_form->{$_} } @same },
              'multipart gives the same ticket as the form');
    is_deeply({ map { $_ => $t_form->{$_} } @same },
              { status => 'waiting', channel => 'kiosk', branch_id => 'B01',
                sector_id => 'S01', service_id => 'SV02',
                customer_id_type => 'DNI', customer_id_number => $me,
                phone => '+54 11 5555-0001', called_at => undef,
                finished_at => undef },
              'create: the ticket as sent');
    my @nums = map { my ($n) = ($_->{number} // '') =~ /(\d+)$/; $n // 0 }
        $t_form, $t_json, $t_multi;
    is_deeply([ $nums[1] - $nums[0], $nums[2] - $nums[1] ], [ 1, 1 ],
              'create: consecutive numbers in the queue');
    is($t_json->{position}, $t_form->{position} + 1,
       'create: position counts the ticket ahead');
    my ($ahead) = psql("select count(*) from pgticket.ticket_queue q"
        . " join pgticket.ticket t on t.id = q.ticket_id"
        . " where (q.branch, q.sector, q.service, q.day) ="
        . " ('B01', 'S01', 'SV02', current_date) and t.state = 'waiting'"
        . " and q.queue_number < $nums[2]");
    is($t_multi->{position}, $ahead->[0],
       'position: the waiting tickets ahead in the same queue');
    like($t_form->{created_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
         'created_at: ISO 8601 in UTC');

    $r = http(POST => "/v1/tickets?$mine&" . form(%create));
    is($r->{status}, 201, 'create from the query string alone: 201');

    # anonymous: no customer_id_*
    $r = post_form('/v1/tickets', %create, service_id => 'SV01');
    is($r->{status}, 201, 'create without customer_id_*: 201');
    is_deeply([ @{ doc($r) // {} }{qw(customer_id_type customer_id_number)} ],
              [ undef, undef ], 'an anonymous ticket has no customer id');

    # the reporting views see it as any other ticket
    my ($rep) = psql("select workflow, state, category, customer, channel"
        . " from pgticket_report.tickets where uuid = '$t_form->{id}'");
    is_deeply($rep, [ 'queue', 'waiting', 'open', "DNI $me", 'kiosk' ],
              'a queue ticket is a row of pgticket_report.tickets');
    my ($by0) = psql("select count from pgticket_report.tickets_by_state"
                     . " where workflow = 'queue' and state = 'waiting'");
    $r = post_json("/v1/tickets?$mine", { %create });
    my ($by1) = psql("select count from pgticket_report.tickets_by_state"
                     . " where workflow = 'queue' and state = 'waiting'");
    is($by1->[0], $by0->[0] + 1, 'tickets_by_state counts a new one');
    my ($bl) = psql("select count(*) from pgticket_report.backlog b"
        . " join pgticket.ticket t on t.id = b.id where t.uuid = '"
        . (doc($r)->{id} // '00000000-0000-0000-0000-000000000000') . "'");
    is($bl->[0], 1, 'the backlog lists it');

    # bad input: 400 without a body; nothing written, not even a number
    my $c = counts();
    for my $p (qw(channel branch_id sector_id service_id)) {
        my %f = %create;
        delete $f{$p};
        is_bare(post_form("/v1/tickets?$mine", %f), 400, "create without $p");
        is_bare(post_form("/v1/tickets?$mine", %f, $p => ''), 400,
                "create with an empty $p");
    }
    for my $case (
        [ channel => 'fax' ], [ branch_id => 'B99' ], [ sector_id => 'S09' ],
        [ service_id => 'SV09' ],
        [ service_id => 'SV03' ],     # a service of sector S02
        [ branch_id => 'B02', service_id => 'SV02' ],   # not in B02
        [ branch_id => 'B02', sector_id => 'S02', service_id => 'SV03' ],
        [ phone => 'call me' ], [ phone => '+' ], [ phone => '1' x 40 ],
        [ channel => "kiosk' OR '1'='1" ],
        [ service_id => "SV02'; DROP TABLE pgticket.ticket; --" ],
    ) {
        my %f = (%create, @$case);
        is_bare(post_form("/v1/tickets?$mine", %f), 400,
                "create with @$case");
    }
    for my $q ('customer_id_type=DNI', "customer_id_number=$me",
               "customer_id_type=CUIT&customer_id_number=$me",
               'customer_id_type=DNI&customer_id_number=a%20b',
               'customer_id_type=DNI&customer_id_number=' . ('9' x 33)) {
        is_bare(post_form("/v1/tickets?$q", %create), 400, "create ?$q");
    }
    is_bare(post_json("/v1/tickets?$mine", '{"channel": "kiosk", '), 400,
            'create: malformed JSON');
    is_bare(post_json("/v1/tickets?$mine", '[{"channel": "kiosk"}]'), 400,
            'create: a JSON array');
    is_bare(post_json("/v1/tickets?$mine", { %create, channel => ['kiosk'] }),
            400, 'create: an array where a string is expected');
    is_bare(post_json("/v1/tickets?$mine",
                      { %create, branch_id => { code => 'B01' } }),
            400, 'create: an object where a string is expected');
    is_bare(http(POST => "/v1/tickets?$mine",
                 { 'Content-Type' => 'multipart/form-data; boundary=x' },
                 "--y\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"),
            400, 'create: a broken multipart body');
    is(counts(), $c, 'create errors wrote nothing, took no number');
}

# ------------------------------------------------------------------- get

{
    my $r = http(GET => "/v1/tickets/$t_form->{id}");
    is($r->{status}, 200, 'GET /v1/tickets/{id}: 200');
    is_deeply(doc($r), $t_form, 'get: the ticket create answered');
    $r = http(GET => "/v1/tickets/$t_form->{id}?fields=number&fields=status");
    is_deeply(doc($r), { number => $t_form->{number}, status => 'waiting' },
              'get with fields');
    is_bare(http(GET => "/v1/tickets/$t_form->{id}?fields=owner"), 400,
            'get with an unknown field');
    is_bare(http(GET => '/v1/tickets/00000000-0000-4000-8000-000000000000'),
            404, 'get an unknown ticket');
    is_bare(http(GET => '/v1/tickets/497f6eca-6276-4993-bfeb-53cbbbba6f08'),
            404, 'get a workshop ticket');
    is_bare(http(GET => '/v1/tickets/1'), 400, 'get /v1/tickets/1');
    is_bare(http(GET => '/v1/tickets/' . uri("1' OR '1'='1")), 400,
            'get with SQL in the id');

    $r = http(HEAD => "/v1/tickets/$t_form->{id}");
    is_deeply([ $r->{status}, $r->{content} // '' ], [ 200, '' ],
              'HEAD: 200 without a body');
}

# ----------------------------------------------------------------- update

{
    my $id = $t_form->{id};
    my $r = put_form("/v1/tickets/$id", status => 'called');
    is_deeply([ $r->{status}, $r->{content} // '' ], [ 204, '' ],
              'PUT status=called: 204 without a body');
    my $d = doc(http(GET => "/v1/tickets/$id"));
    is($d->{status}, 'called', 'the ticket is called');
    like($d->{called_at} // '', qr/^\d{4}-\d\d-\d\dT/, 'called_at is set');
    is($d->{position}, undef, 'a called ticket has no position');
    is(doc(http(GET => "/v1/tickets/$t_json->{id}"))->{position},
       $t_json->{position} - 1, 'the ticket behind moves up');

    $r = http(PUT => "/v1/tickets/$id", { 'Content-Type' => 'application/json' },
              $json->encode({ phone => '+54 11 4000-0000' }));
    is($r->{status}, 204, 'PUT phone (JSON): 204');
    my ($mtype, $mbody) = multipart(status => 'attending');
    $r = http(PUT => "/v1/tickets/$id", { 'Content-Type' => $mtype }, $mbody);
    is($r->{status}, 204, 'PUT status=attending (multipart): 204');
    $d = doc(http(GET => "/v1/tickets/$id"));
    is_deeply([ @$d{qw(status phone)} ], [ 'attending', '+54 11 4000-0000' ],
              'status and phone changed');

    my $c = counts();
    is_bare(put_form("/v1/tickets/$id"), 400, 'PUT with neither');
    is_bare(put_form("/v1/tickets/$id", comment => 'x'), 400,
            'PUT with neither status nor phone');
    is_bare(put_form("/v1/tickets/$id", status => 'waiting'), 400,
            'PUT attending -> waiting: not in the workflow');
    is_bare(put_form("/v1/tickets/$id", status => 'cancelled'), 400,
            'PUT attending -> cancelled: not in the workflow');
    is_bare(put_form("/v1/tickets/$id", status => 'served'), 400,
            'PUT an unknown status');
    is_bare(put_form("/v1/tickets/$id", status => 'finished',
                     phone => 'none'), 400,
            'PUT a good status with a bad phone changes neither');
    is_bare(put_form("/v1/tickets/$id", status => "finished' --"), 400,
            'PUT with SQL in the status');
    is_bare(put_form('/v1/tickets/00000000-0000-4000-8000-000000000000',
                     status => 'called'), 404, 'PUT an unknown ticket');
    is_bare(put_form('/v1/tickets/abc', status => 'called'), 400,
            'PUT a malformed id');
    is(counts(), $c, 'refused updates wrote nothing');
    is(doc(http(GET => "/v1/tickets/$id"))->{status}, 'attending',
       'still attending');

    $r = put_form("/v1/tickets/$id", status => 'finished');
    is($r->{status}, 204, 'PUT status=finished: 204');
    $r = put_form("/v1/tickets/$id", status => 'finished');
    is($r->{status}, 204, 'PUT the status it has: 204, nothing changes');
    my @h = psql("select h.from_state, h.to_state from"
        . " pgticket.ticket_history h join pgticket.ticket t on t.id ="
        . " h.ticket_id where t.uuid = '$id' order by h.id");
    is_deeply(\@h, [ [ '', 'waiting' ], [ 'waiting', 'called' ],
                     [ 'called', 'attending' ], [ 'attending', 'finished' ] ],
              'the history has every step, once');
    like(doc(http(GET => "/v1/tickets/$id"))->{finished_at} // '',
         qr/^\d{4}-/, 'finished_at is set');
}

# ----------------------------------------------------------------- delete

{
    my $id = $t_json->{id};
    my $r = http(DELETE => "/v1/tickets/$id");
    is_deeply([ $r->{status}, $r->{content} // '' ], [ 204, '' ],
              'DELETE: 204 without a body');
    is_bare(http(GET => "/v1/tickets/$id"), 404, 'GET after DELETE');
    is_bare(http(DELETE => "/v1/tickets/$id"), 404, 'DELETE again');
    is_bare(put_form("/v1/tickets/$id", phone => '123'), 404,
            'PUT after DELETE');
    ok(!grep({ $_->{id} eq $id } @{ doc(http(GET => "/v1/tickets?$mine"))
                                    // [] }),
       'the list leaves it out');
    my ($row) = psql("select t.state, (select string_agg(h.transition, ','"
        . " order by h.id) from pgticket.ticket_history h where h.ticket_id"
        . " = t.id) from pgticket.ticket t where t.uuid = '$id'");
    is_deeply($row, [ 'cancelled', 'create,cancel' ],
              'the ticket stays, cancelled, with its history');
    is(doc(http(GET => "/v1/tickets/$t_multi->{id}"))->{position},
       $t_multi->{position} - 2, 'the tickets behind move up');

    my $c = counts();
    is_bare(http(DELETE => "/v1/tickets/$t_form->{id}"), 400,
            'DELETE a finished ticket: the workflow cannot cancel it');
    is_bare(http(DELETE => '/v1/tickets/00000000-0000-4000-8000-000000000000'),
            404, 'DELETE an unknown ticket');
    is_bare(http(DELETE => '/v1/tickets/x'), 400, 'DELETE a malformed id');
    is(counts(), $c, 'refused deletes wrote nothing');
}

# ------------------------------------------------- list of the new customer

{
    my $r = http(GET => "/v1/tickets?$mine");
    my @got = @{ doc($r) // [] };
    my @created = psql("select count(*) from pgticket.ticket_queue q join"
        . " pgticket.ticket t on t.id = q.ticket_id join pgticket.customer c"
        . " on c.id = t.customer_id where c.id_number = '$me'"
        . " and q.deleted_at is null");
    is(scalar @got, $created[0][0], 'the new customer\'s live tickets');
    my @times = map { $_->{created_at} } @got;
    is_deeply(\@times, [ sort { $b cmp $a } @times ], 'newest first');

    # more than the default limit of 10
    post_form("/v1/tickets?$mine", %create) for 1 .. 9;
    is(scalar @{ doc(http(GET => "/v1/tickets?$mine")) // [] }, 10,
       'limit defaults to 10');
    my $all = doc(http(GET => "/v1/tickets?$mine&limit=50&fields=id")) // [];
    cmp_ok(scalar @$all, '>', 10, 'limit=50 gives more');
    my $page = doc(http(GET => "/v1/tickets?$mine&limit=3&offset=2"
                        . "&fields=id")) // [];
    is_deeply($page, [ @$all[2 .. 4] ], 'offset and limit page the list');
}

# --------------------------------------- nginx's own answers have no body

{
    is_bare(http(GET => '/v1/nothing'), 404, 'an unknown path');
    is_bare(http(GET => '/v1/tickets/a/b'), 404, 'a path too deep');
    my $r = http(PATCH => "/v1/tickets/$t_form->{id}");
    is_bare($r, 405, 'PATCH a ticket');
    is($r->{headers}{allow}, 'GET, HEAD, PUT, DELETE', '405 names the methods');
    $r = http(DELETE => '/v1/tickets');
    is_bare($r, 405, 'DELETE the list');
    my $c = counts();
    is_bare(post_form("/v1/tickets?$mine", %create,
                      phone => '1' x (1024 * 1024)), 413,
            'a body over 1 MiB');
    is_bare(http(GET => '/v1/tickets?customer_id_type=%FF'), 400,
            'invalid UTF-8 in the query');
    is_bare(http(GET => '/v1/tickets?customer_id_type=D%00NI'), 400,
            'NUL in the query');
    is(counts(), $c, 'nothing written');
}

# -------------------------------------------------- no 500 for a client

{
    my $c = counts();
    my @bad;
    my @inject = ("1 OR 1=1", "' OR '1'='1", "1; DROP TABLE pgticket.ticket; --",
                  "\$\$; DELETE FROM pgticket.ticket; \$\$", "\\", '"', '{}',
                  '[]', 'null', ' ', "\t", '%', '_', "\x{e9}");
    for my $s (@inject) {
        my $v = $s;
        utf8::encode($v);
        for my $p (qw(channel branch_id sector_id service_id phone)) {
            my $r = post_form("/v1/tickets?$mine", %create, $p => $v);
            push @bad, "create $p=<$s>: $r->{status}" if $r->{status} != 400;
        }
        for my $p (qw(customer_id_type customer_id_number)) {
            next if $p eq 'customer_id_number' && $s =~ /^[A-Za-z0-9-]+$/;
            my $r = post_form("/v1/tickets?" . form(customer_id_type => 'DNI',
                                  customer_id_number => $me, $p => $v),
                              %create);
            push @bad, "create ?$p=<$s>: $r->{status}" if $r->{status} != 400;
            $r = http(GET => "/v1/tickets?" . form(customer_id_type => 'DNI',
                          customer_id_number => $me, $p => $v));
            push @bad, "list ?$p=<$s>: $r->{status}"
                if $r->{status} != 400 && $r->{status} != 404;
        }
        for my $p (qw(limit offset fields)) {
            my $r = http(GET => "/v1/tickets?$mine&" . form($p => $v));
            # a blank fields list asks for every field
            my $want = $p eq 'fields' && $s =~ /^\s*$/ ? 200 : 400;
            push @bad, "list $p=<$s>: $r->{status}" if $r->{status} != $want;
        }
        my $r = http(GET => '/v1/tickets/' . uri($v));
        push @bad, "get <$s>: $r->{status}"
            unless $r->{status} == 400 || $r->{status} == 404;
        $r = put_form("/v1/tickets/$t_multi->{id}", status => $v);
        push @bad, "put status=<$s>: $r->{status}" if $r->{status} != 400;
    }
    ok(!@bad, 'bad and hostile values are 4xx (never 500), each refused')
        or diag(join "\n", @bad);
    is(counts(), $c, 'nothing written by them');
    my ($n) = psql('select count(*) from pgticket.ticket');
    ok($n->[0] > 0, 'the ticket table is still there');
}

# ---------------------------------- 50 concurrent creates in one queue

{
    my $body = form(%create, service_id => 'SV01', sector_id => 'S01',
                    branch_id => 'B02', phone => '1');
    my $req = "POST /v1/tickets?$mine HTTP/1.1\r\nHost: x\r\n"
            . "Connection: close\r\n"
            . "Content-Type: application/x-www-form-urlencoded\r\n"
            . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    my @res = PgTicketTest::parallel_raw(($req) x 50);
    is(scalar(grep { $_->{status} == 201 } @res), 50,
       '50 concurrent creates: 50 tickets');
    my @n = sort { $a <=> $b } map {
        my $d = doc($_) // {};
        my ($x) = ($d->{number} // '') =~ /^C-(\d+)$/;
        defined $x ? $x + 0 : -1 } @res;
    is_deeply(\@n, [ $n[0] .. $n[0] + 49 ],
              '50 distinct, consecutive numbers');
    my @p = sort { $a <=> $b } map { (doc($_) // {})->{position} // -1 } @res;
    my ($before) = psql("select count(*) from pgticket.ticket_queue q"
        . " where (q.branch, q.sector, q.service, q.day) ="
        . " ('B02', 'S01', 'SV01', current_date) and q.waiting"
        . " and q.queue_number < $n[0]");
    is_deeply(\@p, [ $before->[0] .. $before->[0] + 49 ],
              'each was told a different position');
}

stop_nginx();

# ---------------------------- the unavailable answer has no body either

{
    my $dead = 'host=' . test_dir() . ' port=1 dbname=none user=pgticket_web';
    expect_error(qr/could not connect to PostgreSQL/);
    start_nginx(conf($dead));
    is_bare(http(GET => $demo), 503, 'database unreachable');
    is_bare(post_form('/v1/tickets', %create), 503,
            'database unreachable: create');
    stop_nginx();
}

done_testing();
