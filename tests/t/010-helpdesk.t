#!/usr/bin/perl
# 004 helpdesk API over HTTP, through nginx with the shipped routes: the
# seed's sample requests as query, form, multipart and JSON; every error
# case; malformed bodies; SQL injection in every parameter; the seed's
# messages word for word.  Works on the demo data; the tickets it changes
# are ones it raises itself for user 7, so it can run again on one database.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use PgTicketTest;

# The helpdesk locations of the shipped configuration, as they are.
my $conf_in = "$FindBin::Bin/../../nginx-module/conf/api-helpdesk.conf";
open(my $cfh, '<', $conf_in) or die "$conf_in: $!\n";
my $location = do { local $/; <$cfh> };
close $cfh;

start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=64 timeout=10s;

    server {
        listen 127.0.0.1:%%PORT%%;

$location
    }
CONF

my $json = JSON::PP->new->utf8->canonical;

sub doc {
    my ($r) = @_;
    return eval { JSON::PP->new->utf8->decode($r->{content}) } // {};
}

sub uri {
    my ($s) = @_;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# key/value pairs in order; a key given again replaces the earlier value
# (so "%defaults, key => other" overrides)
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

sub get_q {
    my ($path, @pairs) = @_;
    return http(GET => @pairs ? "$path?" . form(@pairs) : $path);
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
    @pairs = pairs(@pairs);
    my $b = 'pgticketBoundary7MA4YWxkTrZu0gW';
    my $body = '';
    while (my ($k, $v) = splice(@pairs, 0, 2)) {
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$k\"\r\n"
               . "\r\n$v\r\n";
    }
    $body .= "--$b--\r\n";
    return http(POST => $path,
                { 'Content-Type' => "multipart/form-data; boundary=$b" },
                $body);
}

# the keys appear in the raw body in this order
sub in_order {
    my ($content, @keys) = @_;
    my $re = join '.*?', map { quotemeta(qq{"$_"}) } @keys;
    return $content =~ /$re/s ? 1 : 0;
}

sub is_error {
    my ($r, $status, $message, $name) = @_;
    is($r->{status}, $status, "$name: HTTP $status");
    is_deeply(doc($r), { status => 'error', errorCode => $status,
                         message => $message },
              "$name: error shape, \"$message\"");
}

sub counts {
    my ($row) = psql(q{select (select count(*) from pgticket.ticket),
        (select count(*) from pgticket.ticket_history),
        (select count(*) from pgticket.message),
        (select count(*) from pgticket.rating),
        (select count(*) from pgticket.ticket_helpdesk),
        (select count(*) from pgticket.customer),
        (select count(*) from pgticket.staff)});
    return join ',', @$row;
}

sub ticket_row {
    my ($number, $cols) = @_;
    my ($row) = psql("select $cols from pgticket.ticket t"
        . " where t.workflow = 'helpdesk' and t.number = " . int($number));
    return $row // [];
}

my $raised_re = qr/^Your ticket with the ID (\d+) has been raised\. Please wait for the response and note the ticket Id for future reference\.$/;
my $admin = 'support@jazenetworks.example';
my $admin2 = 'billing@jazenetworks.example';

# ---------------------------------------------------------------- get_tickets

my @seed_tickets = map { { Ticket => {
    id => $_->[0], account_id => 'jazenetworks', user => '6',
    subject => 'Unable to pay online', type => 'Payment', priority => 'medium',
    due => $_->[1], status => 'unassigned', assigned_to => 'NULL',
    group_name => 'Payment', created => $_->[2] } } }
    ['11', '2016-11-22 05:01:51', '2016-11-21 17:01:51'],
    ['12', '2016-11-22 05:03:23', '2016-11-21 17:03:23'];

{
    my $r = http(GET => '/api/v1/get_tickets/6');
    is($r->{status}, 200, 'get_tickets/6: 200');
    is($r->{headers}{'content-type'}, 'application/json',
       'get_tickets: application/json');
    is_deeply(doc($r), { status => 'success', errorCode => 200,
                         data => \@seed_tickets },
              'get_tickets/6: the seed sample (tickets 11 then 12)');
    ok(in_order($r->{content}, qw(status errorCode data)),
       'get_tickets: envelope keys in the seed order');
    ok(in_order($r->{content}, qw(Ticket id account_id user subject type
                                  priority due status assigned_to group_name
                                  created)),
       'get_tickets: ticket keys in the seed order');

    for my $req (
        [ 'query', get_q('/api/v1/get_tickets', userId => 6) ],
        [ 'form POST', post_form('/api/v1/get_tickets', userId => 6) ],
        [ 'JSON POST', post_json('/api/v1/get_tickets', { userId => 6 }) ],
        [ 'multipart POST',
          post_multipart('/api/v1/get_tickets', userId => 6) ],
        [ 'path status', http(GET => '/api/v1/get_tickets/6/unassigned') ],
        [ 'query status', get_q('/api/v1/get_tickets/6', status => 'overdue') ],
        [ 'path all', http(GET => '/api/v1/get_tickets/6/all') ],
        [ 'unresolved', http(GET => '/api/v1/get_tickets/6/unresolved') ],
    ) {
        my ($name, $r) = @$req;
        is($r->{status}, 200, "get_tickets $name: 200");
        is_deeply(doc($r)->{data}, \@seed_tickets,
                  "get_tickets $name: tickets 11 and 12");
    }

    for my $status (qw(duetoday open onhold closed resolved)) {
        my $r = http(GET => "/api/v1/get_tickets/6/$status");
        is_deeply([ $r->{status}, doc($r) ],
                  [ 200, { status => 'success', errorCode => 200,
                           data => [] } ],
                  "get_tickets/6/$status: 200 with no tickets");
    }

    $r = http(GET => "/api/v1/get_tickets/6/all/$admin");
    is_deeply(doc($r)->{data}, [], 'get_tickets with an admin: no match');

    $r = post_form('/api/v1/get_tickets/6', fromDate => '21-11-2016 17:02',
                   toDate => '21-11-2016 17:03');
    is($r->{status}, 200, 'get_tickets fromDate/toDate: 200');
    is_deeply(doc($r)->{data}, [ $seed_tickets[1] ],
              'get_tickets fromDate/toDate: ticket 12 only');
    # fromDate after toDate: nothing is in the window, for a user as for
    # the admin (not a 400 quoting tstzrange's bounds)
    for my $who ([ user => '/api/v1/get_tickets/6' ],
                 [ admin => '/api/v1/get_tickets/0' ]) {
        $r = post_form($who->[1], fromDate => '21-11-2016 17:02',
                       toDate => '21-11-2016 17:00');
        is($r->{status}, 200,
           "get_tickets fromDate after toDate ($who->[0]): 200");
        is_deeply(doc($r)->{data}, [],
                  "get_tickets fromDate after toDate ($who->[0]): no tickets");
    }
    $r = post_json('/api/v1/get_tickets',
                   { userId => '6', toDate => '21-11-2016 17:01' });
    is_deeply(doc($r)->{data}, [ $seed_tickets[0] ],
              'get_tickets toDate (JSON): ticket 11 only');

    $r = http(GET => '/api/v1/get_tickets/0');
    is($r->{status}, 200, 'get_tickets/0: 200');
    my %ids = map { $_->{Ticket}{id} => 1 } @{ doc($r)->{data} // [] };
    ok($ids{11} && $ids{12} && $ids{1524}, 'get_tickets/0: every user');
    # 001's ticket 1524 is in the same workflow: no helpdesk user or details
    my ($crm) = grep { $_->{Ticket}{id} eq '1524' } @{ doc($r)->{data} // [] };
    is_deeply([ map { $crm->{Ticket}{$_} } qw(user account_id group_name) ],
              [ '', '', '' ], 'get_tickets/0: a CRM ticket, 004 fields ""');
    $r = http(GET => '/api/v1/get_ticket_details/1524');
    is($r->{status}, 200, 'get_ticket_details of a CRM ticket: 200');
    is(doc($r)->{message}{ticket_details}{created}, '2020-02-14 18:19:47',
       'get_ticket_details of a CRM ticket: its creation');

    my $c = counts();
    is_error(http(GET => '/api/v1/get_tickets'), 400,
             'The userId parameter is required', 'get_tickets without userId');
    my $u0 = 'The userId parameter must be a whole number from 0 to 9223372036854775807';
    is_error(http(GET => '/api/v1/get_tickets/abc'), 400, $u0,
             'get_tickets/abc');
    is_error(http(GET => '/api/v1/get_tickets/-6'), 400, $u0,
             'get_tickets/-6');
    is_error(http(GET => '/api/v1/get_tickets/6.5'), 400, $u0,
             'get_tickets/6.5');
    is_error(http(GET => '/api/v1/get_tickets/99999999999999999999'), 400,
             $u0, 'get_tickets huge id');
    is_error(http(GET => '/api/v1/get_tickets/99'), 404,
             'The user with the userId 99 was not found', 'get_tickets/99');
    is_error(http(GET => '/api/v1/get_tickets/6/pending'), 400,
             'The status parameter must be one of unresolved, overdue, '
             . 'duetoday, open, onhold, unassigned, resolved, closed, all',
             'get_tickets/6/pending');
    is_error(post_form('/api/v1/get_tickets/6', fromDate => '2016-11-21'),
             400, 'The fromDate parameter must be a date as dd-mm-yyyy H:m',
             'get_tickets bad fromDate');
    is_error(post_form('/api/v1/get_tickets/6', toDate => '32-11-2016 10:00'),
             400, 'The toDate parameter must be a date as dd-mm-yyyy H:m',
             'get_tickets bad toDate');
    is(counts(), $c, 'get_tickets errors wrote nothing');
}

# ------------------------------------------------------ get_tickets, paging
# A page is limit tickets (1 to 1000, default 100) after offset (default
# 0).  User 880 gets 120 tickets of 2017, oldest first by number.
{
    psql(q{
        insert into pgticket.customer (name, account, helpdesk_user_id)
        values ('pager', 'jazenetworks', 880)
        on conflict (helpdesk_user_id) do nothing;
        select count(pgticket.create_ticket('helpdesk', c.id, 'page ' || g,
                   'paging', 'low', 'Technical',
                   created_at => timestamptz '2017-01-01 00:00 UTC'
                                 + g * interval '1 minute'))
          from pgticket.customer c, generate_series(1, 120) g
         where c.helpdesk_user_id = 880
           and not exists (select from pgticket.ticket t
                            where t.customer_id = c.id);
    });
    my @all = map { $_->[0] } psql(q{
        select t.number from pgticket.ticket t join pgticket.customer c
            on c.id = t.customer_id
         where c.helpdesk_user_id = 880 order by t.created_at, t.number});
    is(scalar @all, 120, 'user 880 has 120 tickets');
    my $ids = sub { [ map { $_->{Ticket}{id} } @{ doc($_[0])->{data} // [] } ] };

    my $r = http(GET => '/api/v1/get_tickets/880');
    is($r->{status}, 200, 'get_tickets/880: 200');
    is_deeply($ids->($r), [ @all[0 .. 99] ],
              'get_tickets/880 without limit: the 100 oldest');
    is_deeply($ids->(get_q('/api/v1/get_tickets/880', limit => 1000)), \@all,
              'get_tickets/880 limit=1000: all 120');
    is_deeply($ids->(get_q('/api/v1/get_tickets/880/unresolved',
                           limit => 7, offset => 50)), [ @all[50 .. 56] ],
              'get_tickets limit and offset in the query');
    is_deeply($ids->(post_form('/api/v1/get_tickets/880', limit => 50,
                               offset => 100)), [ @all[100 .. 119] ],
              'get_tickets limit and offset as form fields: the last 20');
    is_deeply($ids->(post_json('/api/v1/get_tickets',
                               { userId => 880, limit => 2, offset => 118 })),
              [ @all[118, 119] ], 'get_tickets limit and offset in JSON');
    is_deeply($ids->(get_q('/api/v1/get_tickets/880', offset => 120)), [],
              'get_tickets offset past the end: no tickets');

    my $every = $ids->(get_q('/api/v1/get_tickets/0', limit => 1000));
    my $page = $ids->(get_q('/api/v1/get_tickets/0', limit => 3,
                            offset => 2));
    is_deeply($page, [ @$every[2 .. 4] ],
              'get_tickets/0 limit=3 offset=2: the 3rd to 5th of every user');
    ok(@{ $ids->(http(GET => '/api/v1/get_tickets/0')) } <= 100,
       'get_tickets/0: at most 100 tickets');

    my $c = counts();
    for my $bad (['limit', 0], ['limit', 1001], ['limit', '1e4'],
                 ['limit', '2.5'], ['limit', '-5'], ['offset', '-1'],
                 ['offset', 'x'], ['offset', '1 OR 1=1']) {
        my ($k, $v) = @$bad;
        my $msg = $k eq 'limit'
            ? 'The limit parameter must be a whole number from 1 to 1000'
            : 'The offset parameter must be a whole number from 0 to '
              . '9223372036854775807';
        is_error(get_q('/api/v1/get_tickets/0', $k => $v), 400, $msg,
                 "get_tickets $k=$v");
    }
    is(counts(), $c, 'get_tickets paging errors wrote nothing');
}

# ------------------------------------------- raise_ticket, the seed's inputs

my %raise = (type => 'Technical', subject => 'connection timeout',
             priority => 'high', userId => '7',
             comments => 'The router drops the connection every hour.');
my ($t1, $t2, $t3, $t4);
{
    my $before = counts();
    my $r = post_form('/api/v1/raise_ticket', %raise);
    is($r->{status}, 200, 'raise_ticket form: 200');
    my $d = doc($r);
    is($d->{status}, 'success', 'raise_ticket: status success');
    is($d->{errorCode}, 200, 'raise_ticket: errorCode 200 (a JSON number)');
    like($d->{message} // '', $raised_re, 'raise_ticket: the seed message');
    ($t1) = ($d->{message} // '') =~ $raised_re;
    ok(defined $t1 && $d->{ticketId} eq $t1,
       'raise_ticket: ticketId is the id of the message');
    like($r->{content}, qr/"ticketId"\s*:\s*"\d+"/,
         'raise_ticket: ticketId is a string');
    ok(in_order($r->{content}, qw(status errorCode message ticketId)),
       'raise_ticket: keys in the seed order');
    $t1 //= 0;
    is_deeply(ticket_row($t1, 't.state, t.priority, t.type, t.subject,'
              . ' t.description, (select helpdesk_user_id from'
              . ' pgticket.customer c where c.id = t.customer_id),'
              . ' t.due_at - t.created_at'),
              [ 'new', 'high', 'Technical', 'connection timeout',
                $raise{comments}, '7', '08:00:00' ],
              'raise_ticket: stored as sent, due in 8 h (high)');
    my ($m) = psql("select count(*), min(body), min(visibility::text)"
        . " from pgticket.message m join pgticket.ticket t on t.id ="
        . " m.ticket_id where t.workflow = 'helpdesk' and t.number = $t1");
    is_deeply($m, [ 1, $raise{comments}, 'public' ],
              'raise_ticket: comments are the first public message');

    $r = post_json('/api/v1/raise_ticket',
                   { type => 'Payment', subject => 'Invoice twice',
                     userId => 7, comments => 'charged twice' });
    ($t2) = (doc($r)->{message} // '') =~ $raised_re;
    is($r->{status}, 200, 'raise_ticket JSON (numeric userId): 200');
    ok($t2 && $t2 != $t1, 'raise_ticket JSON: a new ticket id');
    is(ticket_row($t2 // 0, 't.priority')->[0], 'medium',
       'raise_ticket: priority defaults to medium');

    $r = post_multipart('/api/v1/raise_ticket', type => 'Payment',
                        subject => 'Card declined', userId => '7',
                        comments => 'my card is declined', priority => 'low');
    ($t3) = (doc($r)->{message} // '') =~ $raised_re;
    is($r->{status}, 200, 'raise_ticket multipart: 200');
    is(ticket_row($t3 // 0, 't.subject')->[0], 'Card declined',
       'raise_ticket multipart: stored');

    $r = http(POST => '/api/v1/raise_ticket?' . form(
        type => 'Technical', subject => 'From the query', userId => '7',
        comments => 'query string only'));
    ($t4) = (doc($r)->{message} // '') =~ $raised_re;
    is($r->{status}, 200, 'raise_ticket from the query string: 200');
    is(ticket_row($t4 // 0, 't.subject')->[0], 'From the query',
       'raise_ticket from the query: stored');

    my @c1 = split /,/, $before;
    my @c2 = split /,/, counts();
    is($c2[0] - $c1[0], 4, 'four tickets raised');

    # raised and closed in one transaction
    $r = post_form('/api/v1/raise_ticket', %raise,
                   closeTicketImmediately => 'true',
                   resolutionType => 'Self-service',
                   resolutionSubject => 'Rebooted the router');
    my ($t5) = (doc($r)->{message} // '') =~ $raised_re;
    is($r->{status}, 200, 'raise_ticket closeTicketImmediately: 200');
    my ($row) = psql("select t.state, h.resolution_type,"
        . " h.resolution_subject, (select string_agg(transition, ','"
        . " order by id) from pgticket.ticket_history where ticket_id ="
        . " t.id) from pgticket.ticket t join pgticket.ticket_helpdesk h"
        . " on h.ticket_id = t.id where t.workflow = 'helpdesk'"
        . " and t.number = " . int($t5 // 0));
    is_deeply($row, [ 'closed', 'Self-service', 'Rebooted the router',
                      'create,close' ],
              'raise_ticket closeTicketImmediately: raised and closed');
    $r = post_form('/api/v1/raise_ticket', %raise,
                   closeTicketImmediately => 'false');
    is($r->{status}, 200, 'raise_ticket closeTicketImmediately=false: 200');

    my $c = counts();
    for my $p (qw(type subject userId comments)) {
        my %f = %raise;
        delete $f{$p};
        is_error(post_form('/api/v1/raise_ticket', %f), 400,
                 "The $p parameter is required", "raise_ticket without $p");
    }
    is_error(post_form('/api/v1/raise_ticket', %raise, comments => '  '),
             400, 'The comments parameter is required',
             'raise_ticket blank comments');
    is_error(post_form('/api/v1/raise_ticket', %raise, priority => 'asap'),
             400, 'The priority parameter must be one of low, medium, high,'
             . ' urgent', 'raise_ticket bad priority');
    is_error(post_form('/api/v1/raise_ticket', %raise, type => 'Billing'),
             400, 'The type parameter must be one of: Payment, Technical',
             'raise_ticket unknown type');
    is_error(post_form('/api/v1/raise_ticket', %raise, userId => '7.5'),
             400, 'The userId parameter must be a whole number from 1 to 9223372036854775807',
             'raise_ticket userId 7.5');
    is_error(post_form('/api/v1/raise_ticket', %raise, userId => '404'),
             404, 'The user with the userId 404 was not found',
             'raise_ticket unknown user');
    is_error(post_form('/api/v1/raise_ticket', %raise,
                       closeTicketImmediately => 'yes'),
             400, 'The closeTicketImmediately parameter must be true or false',
             'raise_ticket closeTicketImmediately=yes');
    is_error(post_form('/api/v1/raise_ticket', %raise,
                       closeTicketImmediately => 'true',
                       resolutionSubject => 'x'),
             400, 'The resolutionType parameter is required',
             'raise_ticket closing without resolutionType');
    is_error(post_form('/api/v1/raise_ticket', %raise,
                       closeTicketImmediately => 'true',
                       resolutionType => 'x'),
             400, 'The resolutionSubject parameter is required',
             'raise_ticket closing without resolutionSubject');
    is(counts(), $c, 'raise_ticket errors wrote nothing');
}
$t1 //= 0;
$t2 //= 0;

# ------------------------------------------------------------- send_message

my %msg = (ticketId => $t1, ticketMessage => 'ok. Looking on it',
           sender => 'admin', sender_name => $admin, showToUser => 'true');
{
    my $r = post_form('/api/v1/send_message', %msg,
                      ticketMessage => 'checking the line logs',
                      showToUser => 'false');
    is($r->{status}, 200, 'send_message internal note: 200');
    is_deeply(doc($r), { status => 'success', errorCode => 200,
                         message => 'The message has been sent to the user' },
              'send_message by an admin: "... sent to the user"');
    ok(in_order($r->{content}, qw(status errorCode message)),
       'send_message: keys in the seed order');

    $r = post_json('/api/v1/send_message', { %msg, ticketId => $t1 + 0 });
    is(doc($r)->{message}, 'The message has been sent to the user',
       'send_message admin JSON: sent');

    $r = post_multipart('/api/v1/send_message', ticketId => $t1,
                        ticketMessage => 'issue is solved?', sender => 'user',
                        sender_name => 'lena', showToUser => 'false');
    is_deeply(doc($r), { status => 'success', errorCode => 200,
                         message => 'The message has been sent to the admin' },
              'send_message by the user: "... sent to the admin"');

    my @rows = psql("select author_kind, author_name, body, visibility"
        . " from pgticket.message m join pgticket.ticket t on t.id ="
        . " m.ticket_id where t.workflow = 'helpdesk' and t.number = $t1"
        . " order by m.id");
    is_deeply(\@rows, [
        [ 'customer', 'lena', $raise{comments}, 'public' ],
        [ 'staff', $admin, 'checking the line logs', 'internal' ],
        [ 'staff', $admin, 'ok. Looking on it', 'public' ],
        [ 'customer', 'lena', 'issue is solved?', 'public' ],
    ], 'send_message: stored; a user\'s message is always public');

    my $c = counts();
    for my $p (qw(ticketId ticketMessage sender sender_name showToUser)) {
        my %f = %msg;
        delete $f{$p};
        is_error(post_form('/api/v1/send_message', %f), 400,
                 "The $p parameter is required", "send_message without $p");
    }
    is_error(post_form('/api/v1/send_message', %msg, sender => 'agent'), 400,
             'The sender parameter must be admin or user',
             'send_message bad sender');
    is_error(post_form('/api/v1/send_message', %msg, showToUser => 'no'), 400,
             'The showToUser parameter must be true or false',
             'send_message bad showToUser');
    is_error(post_form('/api/v1/send_message', %msg, ticketId => 'x1'), 400,
             'The ticketId parameter must be a whole number from 1 to 9223372036854775807',
             'send_message bad ticketId');
    is_error(post_form('/api/v1/send_message', %msg, ticketId => 987654321),
             404, 'The ticket with the ticketId 987654321 was not found',
             'send_message unknown ticket');
    is_error(post_form('/api/v1/send_message', %msg,
                       sender_name => 'nobody@example'),
             404, 'The admin given in the sender_name parameter was not found',
             'send_message unknown admin');
    is(counts(), $c, 'send_message errors wrote nothing');
}

# ------------------------------------------------------- get_ticket_details

{
    my $r = get_q("/api/v1/get_ticket_details/$t1", userId => 7);
    is($r->{status}, 200, 'get_ticket_details with userId: 200');
    my $d = doc($r);
    is_deeply([ map { [ $_->{sender}, $_->{sender_name}, $_->{ticket_message},
                        $_->{show_to_user} ] }
                @{ $d->{message}{ticket_conversation} // [] } ],
              [ [ 'user', 'lena', $raise{comments}, '1' ],
                [ 'admin', $admin, 'ok. Looking on it', '1' ],
                [ 'user', 'lena', 'issue is solved?', '1' ] ],
              'get_ticket_details with userId: internal messages left out');
    is_deeply($d->{message}{ticket_details},
              { status => 'unassigned', assigned_to => 'NULL',
                created => ticket_row($t1, q{to_char(t.created_at,
                    'YYYY-MM-DD HH24:MI:SS')})->[0] },
              'get_ticket_details: ticket_details');
    ok(in_order($r->{content}, qw(status errorCode message ticket_conversation
                                  sender sender_name ticket_message created
                                  show_to_user ticket_details status
                                  assigned_to created)),
       'get_ticket_details: keys in the seed order');
    like($d->{message}{ticket_conversation}[0]{created} // '',
         qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, 'created as YYYY-MM-DD HH:MM:SS');

    $r = http(GET => "/api/v1/get_ticket_details/$t1");
    my @conv = @{ doc($r)->{message}{ticket_conversation} // [] };
    is(scalar @conv, 4, 'get_ticket_details without userId: every message');
    is_deeply([ map { $_->{show_to_user} } @conv ], [ '1', '0', '1', '1' ],
              'get_ticket_details: the internal note has show_to_user "0"');

    $r = get_q('/api/v1/get_ticket_details', ticketId => 11, userId => 6);
    is($r->{status}, 200, 'get_ticket_details?ticketId=11: 200');
    is(doc($r)->{message}{ticket_details}{created}, '2016-11-21 17:01:51',
       'get_ticket_details: demo ticket 11');

    my $c = counts();
    is_error(get_q("/api/v1/get_ticket_details/$t1", userId => 6), 404,
             "The ticket with the ticketId $t1 was not found",
             'get_ticket_details of another user');
    is_error(http(GET => '/api/v1/get_ticket_details/987654321'), 404,
             'The ticket with the ticketId 987654321 was not found',
             'get_ticket_details unknown ticket');
    is_error(http(GET => '/api/v1/get_ticket_details/12abc'), 400,
             'The ticketId parameter must be a whole number from 1 to 9223372036854775807',
             'get_ticket_details/12abc');
    is_error(http(GET => '/api/v1/get_ticket_details'), 400,
             'The ticketId parameter is required',
             'get_ticket_details without ticketId');
    is(counts(), $c, 'get_ticket_details errors wrote nothing');
}

# --------------------------------------------------- assign_ticket_to_admin

{
    my $r = post_form('/api/v1/assign_ticket_to_admin', ticketId => $t1,
                      admin => $admin);
    is($r->{status}, 200, 'assign_ticket_to_admin: 200');
    is_deeply(doc($r), { status => 'success', errorCode => 200,
                         message => 'Admin assigned to the ticket successfully'
                       },
              'assign_ticket_to_admin: status success, the seed message');
    is_deeply(ticket_row($t1, 't.state, (select username from pgticket.staff'
                              . ' s where s.id = t.assignee_id)'),
              [ 'open', $admin ], 'assign: assigned, new -> open');
    my ($tk) = grep { $_->{Ticket}{id} eq $t1 }
        @{ doc(http(GET => "/api/v1/get_tickets/7/open/$admin"))->{data} };
    is_deeply([ $tk->{Ticket}{status}, $tk->{Ticket}{assigned_to} ],
              [ 'open', $admin ], 'get_tickets/7/open/<admin>: shown open');

    $r = post_json('/api/v1/assign_ticket_to_admin',
                   { ticketId => $t2 + 0, admin => $admin2 });
    is(doc($r)->{message}, 'Admin assigned to the ticket successfully',
       'assign_ticket_to_admin JSON');

    my $c = counts();
    is_error(post_form('/api/v1/assign_ticket_to_admin', ticketId => $t1),
             400, 'The admin parameter is required', 'assign without admin');
    is_error(post_form('/api/v1/assign_ticket_to_admin', admin => $admin),
             400, 'The ticketId parameter is required',
             'assign without ticketId');
    is_error(post_form('/api/v1/assign_ticket_to_admin', ticketId => $t1,
                       admin => 'workshop-operator'),
             404, 'The admin given in the admin parameter was not found',
             'assign to a non-admin');
    is_error(post_form('/api/v1/assign_ticket_to_admin', ticketId => 987654321,
                       admin => $admin),
             404, 'The ticket with the ticketId 987654321 was not found',
             'assign unknown ticket');
    is(counts(), $c, 'assign errors wrote nothing');
}

# ----------------------------------------- close, rate, reopen: the life cycle

my %rate = (ticketId => $t1, userId => 7, ratingValue => 4);
{
    my $c = counts();
    is_error(post_form('/api/v1/ticket_rating', %rate), 409,
             'The ticket can be rated once it is resolved or closed',
             'ticket_rating of an open ticket');
    is_error(post_form('/api/v1/reopen_ticket', ticketId => $t1, userId => 7,
                       comments => 'again'),
             409, 'Only a closed ticket can be reopened',
             'reopen_ticket of an open ticket');
    is(counts(), $c, 'refused rating and reopen wrote nothing');

    my $r = http(GET => "/api/v1/close_ticket/$t1");
    is($r->{status}, 200, 'close_ticket GET: 200');
    is_deeply(doc($r), { status => 'success', errorCode => 200,
                         message => 'The ticket has been closed' },
              'close_ticket: the seed message');
    is(ticket_row($t1, 't.state')->[0], 'closed', 'close_ticket: closed');
    $c = counts();
    is_error(http(GET => "/api/v1/close_ticket/$t1"), 409,
             'The ticket is already closed', 'close_ticket twice');
    is_error(post_form('/api/v1/assign_ticket_to_admin', ticketId => $t1,
                       admin => $admin),
             409, 'A closed ticket cannot be assigned',
             'assign a closed ticket');
    is_error(http(GET => '/api/v1/close_ticket/987654321'), 404,
             'The ticket with the ticketId 987654321 was not found',
             'close_ticket unknown');
    is_error(http(GET => '/api/v1/close_ticket/1x'), 400,
             'The ticketId parameter must be a whole number from 1 to 9223372036854775807',
             'close_ticket/1x');
    is_error(http(POST => '/api/v1/close_ticket'), 400,
             'The ticketId parameter is required', 'close_ticket without id');
    is(counts(), $c, 'close errors wrote nothing');

    $r = post_form('/api/v1/close_ticket', ticketId => $t2);
    is(doc($r)->{message}, 'The ticket has been closed', 'close_ticket POST');
    $r = post_json("/api/v1/close_ticket", { ticketId => "$t3" });
    is(doc($r)->{message}, 'The ticket has been closed',
       'close_ticket POST JSON');
    $r = http(GET => "/api/v1/get_tickets/7/closed");
    my %closed = map { $_->{Ticket}{id} => $_->{Ticket}{status} }
        @{ doc($r)->{data} // [] };
    ok($closed{$t1} && $closed{$t2} && !grep({ $_ ne 'closed' }
                                               values %closed),
       'get_tickets/7/closed: the closed tickets');

    $c = counts();
    for my $v ('0', '6', '-1', '4.5', 'five', '1e1', ' 4', '+4') {
        is_error(post_form('/api/v1/ticket_rating', %rate, ratingValue => $v),
                 400, 'The ratingValue parameter must be a whole number '
                      . 'from 1 to 5',
                 "ticket_rating ratingValue '$v'");
    }
    for my $p (qw(ticketId userId ratingValue)) {
        my %f = %rate;
        delete $f{$p};
        is_error(post_form('/api/v1/ticket_rating', %f), 400,
                 "The $p parameter is required", "ticket_rating without $p");
    }
    is_error(post_form('/api/v1/ticket_rating', %rate, userId => 6), 404,
             "The ticket with the ticketId $t1 was not found",
             'ticket_rating by another user');
    is(counts(), $c, 'rating errors wrote nothing');

    $r = post_form('/api/v1/ticket_rating', %rate);
    is($r->{status}, 200, 'ticket_rating: 200');
    is_deeply(doc($r), { status => 'success', errorCode => 200,
        message => "Thanks for your feedback, your rating has been saved for"
                   . " the ticket ID$t1" },
        'ticket_rating: the seed message, no space before the id');
    ok(in_order($r->{content}, qw(status message errorCode)),
       'ticket_rating: keys in the seed order');
    $r = post_json('/api/v1/ticket_rating',
                   { ticketId => $t1 + 0, userId => 7, ratingValue => 2 });
    is($r->{status}, 200, 'a second rating (JSON numbers): 200');
    my @ratings = psql("select value, superseded_at is null from"
        . " pgticket.rating r join pgticket.ticket t on t.id = r.ticket_id"
        . " where t.workflow = 'helpdesk' and t.number = $t1 order by r.id");
    is_deeply(\@ratings, [ [ 4, 'f' ], [ 2, 't' ] ],
              'the second rating replaces the first');

    # whole numbers in any JSON spelling (contract.md), as the client wrote
    # them: nginx passes a JSON body on as its bytes
    $r = http(POST => '/api/v1/ticket_rating',
              { 'Content-Type' => 'application/json' },
              qq({"ticketId": ${t1}.0, "userId": 7e0, "ratingValue": 0.3E1}));
    is($r->{status}, 200, 'a rating with 11.0, 7e0 and 0.3E1: 200')
        or diag($r->{content});
    ($r) = psql("select value from pgticket.rating r join pgticket.ticket t"
        . " on t.id = r.ticket_id where t.workflow = 'helpdesk'"
        . " and t.number = $t1 and superseded_at is null");
    is($r->[0], 3, 'ratingValue 0.3E1 is 3');

    $c = counts();
    is_error(post_form('/api/v1/reopen_ticket', ticketId => $t1, userId => 6,
                       comments => 'mine now'),
             404, "The ticket with the ticketId $t1 was not found",
             'reopen_ticket by another user');
    for my $p (qw(ticketId userId comments)) {
        my %f = (ticketId => $t1, userId => 7, comments => 'again');
        delete $f{$p};
        is_error(post_form('/api/v1/reopen_ticket', %f), 400,
                 "The $p parameter is required", "reopen_ticket without $p");
    }
    is(counts(), $c, 'reopen errors wrote nothing');

    $r = post_form('/api/v1/reopen_ticket', ticketId => $t1, userId => 7,
                   comments => 'It drops again since this morning');
    is($r->{status}, 200, 'reopen_ticket: 200');
    is_deeply(doc($r), { status => 'success',
                         message => 'Ticket has been reopened successfully',
                         errorCode => 200 },
              'reopen_ticket: the seed message');
    ok(in_order($r->{content}, qw(status message errorCode)),
       'reopen_ticket: keys in the seed order');
    is(ticket_row($t1, 't.state')->[0], 'open', 'reopen_ticket: open again');
    my @conv = @{ doc(get_q("/api/v1/get_ticket_details/$t1", userId => 7))
                  ->{message}{ticket_conversation} // [] };
    is_deeply([ @{ $conv[-1] // {} }{qw(sender ticket_message show_to_user)} ],
              [ 'user', 'It drops again since this morning', '1' ],
              'reopen_ticket: the comments are the user\'s public message');
}

# ---------------------------------------------------------- malformed bodies

{
    my $c = counts();
    for my $path (qw(raise_ticket get_tickets send_message close_ticket
                     assign_ticket_to_admin reopen_ticket ticket_rating)) {
        is_error(post_json("/api/v1/$path", '{"ticketId": "1", "userId": '),
                 400, 'Malformed request body', "$path: malformed JSON");
        is_error(post_json("/api/v1/$path", '[{"ticketId": "1"}]'),
                 400, 'The request body must be a JSON object',
                 "$path: a JSON array");
        # JSON's null is valid JSON, but no object (json-c parses it as
        # a NULL object: the module took it for a parse error)
        is_error(post_json("/api/v1/$path", " null\n"),
                 400, 'The request body must be a JSON object',
                 "$path: a JSON null");
    }
    my $r = http(POST => '/api/v1/raise_ticket',
                 { 'Content-Type' => 'multipart/form-data; boundary=abc' },
                 "--xyz\r\nContent-Disposition: form-data; name=\"type\""
                 . "\r\n\r\nPayment\r\n");
    is_error($r, 400, 'Malformed request body', 'raise_ticket: bad multipart');
    for my $body ('%%%&&==', "type\0=Payment", '=&=&=', 'userId=%ZZ') {
        $r = http(POST => '/api/v1/ticket_rating',
                  { 'Content-Type' => 'application/x-www-form-urlencoded' },
                  $body);
        my $d = doc($r);
        # nginx itself refuses bad escapes or NUL ("Invalid request
        # encoding"); what it lets through lacks the required parameters
        ok($r->{status} == 400 && $d->{status} eq 'error'
           && $d->{errorCode} == 400
           && ($d->{message} // '') =~ /parameter|Invalid request encoding/,
           "ticket_rating: garbled form body " . uri($body) . " is a 400")
            or diag($r->{status} . ' ' . $r->{content});
    }
    is(counts(), $c, 'malformed bodies wrote nothing');
}

# ------------------------------------------------------------ SQL injection

my @inject = ("1 OR 1=1", "' OR '1'='1", "1; DROP TABLE pgticket.ticket; --",
              "11' --", "1) OR (1=1", "'; SELECT pg_sleep(10); --",
              "\$\$; DELETE FROM pgticket.ticket; \$\$", '11/**/OR/**/1=1');
{
    my $c = counts();
    my @cases = (
        [ raise_ticket => { %raise }, [qw(type priority userId
                                           closeTicketImmediately)] ],
        [ get_tickets => { userId => 6, status => 'all',
                           fromDate => '01-01-2016 0:0' },
          [qw(userId status fromDate toDate)] ],
        [ send_message => { %msg, ticketId => $t1 },
          [qw(ticketId sender sender_name showToUser)] ],
        [ get_ticket_details => { ticketId => $t1, userId => 7 },
          [qw(ticketId userId)] ],
        [ close_ticket => { ticketId => $t2 }, [qw(ticketId)] ],
        [ assign_ticket_to_admin => { ticketId => $t1, admin => $admin },
          [qw(ticketId admin)] ],
        [ reopen_ticket => { ticketId => $t2, userId => 7, comments => 'x' },
          [qw(ticketId userId)] ],
        [ ticket_rating => { %rate }, [qw(ticketId userId ratingValue)] ],
    );
    for my $case (@cases) {
        my ($path, $good, $params) = @$case;
        my $get = $path eq 'get_ticket_details';
        for my $p (@$params) {
            my @bad;
            for my $s (@inject) {
                my %f = (%$good, $p => $s);
                my $r = $get ? get_q("/api/v1/$path", %f)
                             : post_form("/api/v1/$path", %f);
                my $d = doc($r);
                push @bad, "$s: $r->{status} $r->{content}"
                    unless $r->{status} >= 400 && $r->{status} < 500
                        && $d->{status} eq 'error'
                        && $d->{errorCode} == $r->{status}
                        && ($d->{message} // '') =~ /\Q$p\E/;
            }
            ok(!@bad, "$path: injection in $p is a 4xx naming it")
                or diag(join "\n", @bad);
        }
    }
    # as path segments
    # (a "/" in the segment, even as %2F, makes a path no route has: 404)
    for my $s (@inject) {
        my $seg = uri($s);
        my $want = $s =~ m{/} ? 404 : 400;
        for my $path (qw(get_tickets close_ticket get_ticket_details)) {
            my $r = http(GET => "/api/v1/$path/$seg");
            is_deeply([ $r->{status}, doc($r)->{status}, doc($r)->{errorCode} ],
                      [ $want, 'error', $want ], "$path/<$s>: $want");
        }
    }
    # an admin filter is a filter: no match
    for my $s (@inject) {
        my $r = get_q('/api/v1/get_tickets/0', status => 'all',
                      assigned_admin => $s);
        is_deeply([ $r->{status}, doc($r)->{data} ], [ 200, [] ],
                  "get_tickets assigned_admin <$s>: no match");
    }
    is(counts(), $c, 'injection attempts wrote nothing');

    # free text is stored as it came
    my $text = "'); DROP TABLE pgticket.ticket; -- \$\$ \\ \"q\"";
    my $r = post_form('/api/v1/raise_ticket', %raise, subject => $text,
                      comments => $text);
    my ($t) = (doc($r)->{message} // '') =~ $raised_re;
    is($r->{status}, 200, 'raise_ticket with SQL in the text: 200');
    is_deeply(ticket_row($t // 0, 't.subject, t.description'), [ $text, $text ],
              'raise_ticket: SQL in the text stored verbatim');
    $r = post_json('/api/v1/send_message', { %msg, ticketId => $t // 0,
                                             ticketMessage => $text });
    is($r->{status}, 200, 'send_message with SQL in the text: 200');
    my ($n) = psql('select count(*) from pgticket.ticket');
    ok($n->[0] > 0, 'the ticket table is still there');
}

stop_nginx();
done_testing();
