#!/usr/bin/perl
# Every request path of the module under valgrind's memcheck: routing,
# request documents of each body type, the helpdesk facades, SQL errors, a
# timeout, the body limit, the status page; twice, to catch state leaking
# between requests.  No invalid memory access anywhere, and no leak from the
# module, libpq or json-c.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

# a function whose result type changes between the rounds
sub shape {
    my ($type) = @_;
    psql(<<"SQL");
create schema if not exists api_test;
drop function if exists api_test.shape(jsonb);
create function api_test.shape(request jsonb)
returns table (status int, headers json, body $type)
language sql security definer as \$\$ select 200, null::json, 'shape'::$type \$\$;
SQL
}

shape('text');

start_nginx(<<'CONF', valgrind => 1);
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=8 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /status {
            pgticket_status;
        }

        location /api/ {
            # the helpdesk's admin door (close_ticket), and the document's
            # "nginx" member under valgrind
            pgticket_param audience admin;
            pgticket_param remote "$remote_addr";
            pgticket_error_page application/json
                '{"errorCode":$pgticket_status,"message":"$pgticket_message"}';
            pgticket_unavailable 503 application/json '{"errorCode":503}';
            pgticket_route GET|POST /api/echo api_test.echo headers=x-test;
            pgticket_route GET "/api/fail/{code}" api_test.fail;
            pgticket_route GET /api/sleep api_test.sleep;
            pgticket_route POST /api/v1/raise_ticket
                                api_helpdesk.raise_ticket;
            pgticket_route GET|POST "/api/v1/get_tickets/{userId}"
                                api_helpdesk.get_tickets;
            pgticket_route GET "/api/v1/get_ticket_details/{ticketId}"
                               api_helpdesk.get_ticket_details;
            pgticket_route POST /api/v1/send_message
                                api_helpdesk.send_message;
            pgticket_route GET|POST "/api/v1/close_ticket/{ticketId}"
                                api_helpdesk.close_ticket;
            pgticket_route GET /api/shape api_test.shape;
        }
    }
CONF

expect_error(qr/api_test\.(fail|sleep) failed: SQLSTATE/);

my $json = { 'Content-Type' => 'application/json' };
my $form = { 'Content-Type' => 'application/x-www-form-urlencoded' };
my $multipart = {
    'Content-Type' => 'multipart/form-data; boundary=zz',
};
my $parts = join("\r\n",
    '--zz', 'Content-Disposition: form-data; name="type"', '', 'Technical',
    '--zz', 'Content-Disposition: form-data; name="subject"', '', 'valgrind',
    '--zz', 'Content-Disposition: form-data; name="userId"', '', '7',
    '--zz', 'Content-Disposition: form-data; name="comments"', '', 'x',
    '--zz--', '');

for my $round (1, 2) {
    my $r = http(GET => '/api/v1/get_tickets/6');
    is($r->{status}, 200, "$round: get_tickets");
    like($r->{content}, qr/Unable to pay online/, "$round: the demo tickets");

    $r = http(GET => '/api/v1/get_ticket_details/11?userId=6');
    is($r->{status}, 200, "$round: get_ticket_details");

    $r = http(POST => '/api/v1/raise_ticket', $form,
              'type=Technical&subject=valgrind+form&userId=7&comments=x');
    like($r->{content}, qr/has been raised/, "$round: raise_ticket, form");

    $r = http(POST => '/api/v1/raise_ticket', $multipart, $parts);
    like($r->{content}, qr/has been raised/, "$round: raise_ticket, multipart");

    $r = http(POST => '/api/v1/send_message', $json,
              '{"ticketId":"12","ticketMessage":"vg","sender":"user",'
              . '"sender_name":"max","showToUser":"true"}');
    like($r->{content}, qr/sent to the admin/, "$round: send_message, JSON");

    $r = http(POST => '/api/v1/send_message', $json, '{"ticketId": ');
    is($r->{status}, 400, "$round: malformed JSON is 400");

    $r = http(GET => '/api/echo?a=1&a=2&b=%C3%A9', { 'X-Test' => 'yes' });
    like($r->{content}, qr/"a": \["1", "2"\]/, "$round: query arrays");
    like($r->{content}, qr/"x-test": "yes"/, "$round: route headers");

    $r = http(GET => '/api/echo?a=%FF');
    is($r->{status}, 400, "$round: invalid UTF-8 is 400");

    is(http(GET => '/api/v1/nope')->{status}, 404, "$round: 404");
    is(http(DELETE => '/api/echo')->{status}, 405, "$round: 405");
    is(http(GET => '/api/fail/PT404')->{status}, 404, "$round: PT404");
    is(http(GET => '/api/fail/XX000')->{status}, 500, "$round: XX000");

    $r = http(POST => '/api/echo', $json, '"' . ('a' x (1024 * 1024)) . '"');
    is($r->{status}, 413, "$round: over the body limit");

    my $chunks = 5;
    $r = http(POST => '/api/echo', $json,
              sub { $chunks-- > 0 ? 'a' x (256 * 1024) : undef });
    is($r->{status}, 413, "$round: a chunked body over the limit");

    $r = http(GET => '/api/sleep?s=5');
    is($r->{status}, 503, "$round: past the timeout");

    # HEAD of a route that writes: read-only, 405
    $r = http(HEAD => '/api/v1/close_ticket/11');
    is($r->{status}, 405, "$round: HEAD of a writing route");

    # a serialization failure, run again, then the unavailable answer
    is(http(GET => '/api/fail/40001')->{status}, 503, "$round: 40001");

    # the result type behind a prepared statement changes
    is(http(GET => '/api/shape')->{status}, 200, "$round: shape");
    shape($round == 1 ? 'varchar' : 'text');

    # pipelined: more requests than connections, sent behind running ones
    # (pgticket_pool pipeline=, default 4), stale ones among them that run
    # again on new connections, and a failing one that fails only itself
    my @res = parallel(('/api/sleep?s=0.3') x 2, ('/api/shape') x 4,
                       '/api/fail/22023', '/api/echo?i=1');
    is(join(' ', map { $_->{status} } @res), '200 200 200 200 200 200 400 200',
       "$round: pipelined, stale statements among them");
    is(http(GET => '/api/shape')->{status}, 200,
       "$round: shape, changed under a prepared statement");

    $r = http(GET => '/status');
    like($r->{content}, qr/^pgticket_requests_total\{pid="\d+"\} \d+$/m,
         "$round: status page");
}

stop_nginx();

my @logs = glob(test_dir() . '/valgrind.*.log');
ok(@logs >= 2, 'a valgrind log per nginx process');
ok(wait_until(30, sub {
       !grep { !(slurp($_) =~ /ERROR SUMMARY/) } @logs
   }), 'every process finished under valgrind');

my ($bad, $leaks) = ('', '');
for my $log (@logs) {
    my $text = slurp($log);
    $bad .= "$log:\n$1\n" while $text =~ /^(==\d+== (?:Invalid (?:read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free).*)$/mg;
    for my $record (split /\n==\d+== \n/, $text) {
        next unless $record =~ /definitely lost in loss record/;
        $leaks .= "$record\n" if $record =~ /pgticket|json_|libpq|PQ\w+/;
    }
}
is($bad, '', 'no invalid memory access');
is($leaks, '', 'no leak from the module, libpq or json-c');

done_testing();

sub slurp {
    open(my $fh, '<', $_[0]) or return '';
    local $/;
    return <$fh>;
}
