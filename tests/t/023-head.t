#!/usr/bin/perl
# HEAD never changes data: it runs in a read-only transaction, so a route
# whose function writes (or locks a row to write it) answers HEAD with 405
# and an Allow header, and nothing changes; a route that only reads answers
# HEAD like GET, without the body.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

my $conf = do {
    open(my $fh, '<', "$FindBin::Bin/../../nginx-module/conf/api-helpdesk.conf")
        or die;
    local $/;
    <$fh>;
};

psql(<<'SQL');
insert into pgticket.customer (name, helpdesk_user_id)
     values ('faults-023', 9023)
on conflict (helpdesk_user_id) do nothing;
SQL

start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=16 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

$conf
    }
CONF

my ($ticket) = map { $_->[0] } psql(
    "select (pgticket.create_ticket('helpdesk', c.id, 'faults-023 head')).number "
    . "from pgticket.customer c where helpdesk_user_id = 9023");

sub state_of {
    my ($n) = @_;
    my ($row) = psql("select state, (select count(*) from "
                     . "pgticket.ticket_history h where h.ticket_id = t.id) "
                     . "from pgticket.ticket t where workflow = 'helpdesk' "
                     . "and number = $n");
    return "$row->[0]/$row->[1]";
}

my $before = state_of($ticket);

for my $path ("/api/v1/close_ticket/$ticket", "/api/v1/close_ticket?ticketId=$ticket") {
    my $r = http(HEAD => $path);
    is($r->{status}, 405, "HEAD $path: 405");
    is($r->{headers}{allow}, 'GET, POST', 'Allow names the methods');
    is(state_of($ticket), $before, 'the ticket did not change');
}

# a write that only inserts: read-only refuses it as well
my ($tickets) = psql("select count(*) from pgticket.ticket");
my $r = http(HEAD => '/api/v1/raise_ticket');
is($r->{status}, 405, 'HEAD of a POST-only route: 405 (no route)');
is((psql("select count(*) from pgticket.ticket"))[0][0], $tickets->[0],
   'no ticket raised');

# reads answer HEAD as GET does
my $get = http(GET => "/api/v1/get_ticket_details/$ticket");
$r = http(HEAD => "/api/v1/get_ticket_details/$ticket");
is($get->{status}, 200, 'GET of a read route: 200');
is($r->{status}, 200, 'HEAD of a read route: 200');
is($r->{content} // '', '', 'without a body');
is($r->{headers}{'content-length'}, length($get->{content}),
   'with the length GET has');

$r = http(HEAD => '/api/v1/get_tickets/9023');
is($r->{status}, 200, 'HEAD of a list: 200');

$r = http(HEAD => '/api/v1/get_ticket_details/99999999');
is($r->{status}, 404, 'HEAD of a missing ticket: its 404');

# GET still closes
$r = http(GET => "/api/v1/close_ticket/$ticket");
is($r->{status}, 200, 'GET close_ticket still closes');
like(state_of($ticket), qr{^closed/}, 'the ticket is closed');

stop_nginx();
done_testing();
