#!/usr/bin/perl
# The error log, from a client's side (issue 10, item 4): what a client
# caused is logged below [error] (a refused parameter, a PT4nn answer, a
# class 22 or 23 SQLSTATE: [info]), and the text the client sent, which
# PostgreSQL may quote in its message, is escaped: no client can write a
# line of its own (a forged entry) or a terminal escape into the log.  The
# log is at info here, so that the lines are there to read.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use PgTicketTest;

# a route function that fails with the client's text in its message, as
# PostgreSQL's own messages do ('invalid input syntax for type integer:
# "..."'), with the SQLSTATE the client names
PgTicketTest::fixtures();
psql(<<'SQL');
create or replace function api_test.say(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    raise exception 'the client said: %', request->'body'->>'m'
        using errcode = request->'params'->>'code';
end
$$;
grant execute on function api_test.say(jsonb) to pgticket_web;
SQL

my $log = test_dir() . '/info.log';
unlink $log;
start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=16 timeout=5s;

    server {
        listen 127.0.0.1:%%PORT%%;
        error_log $log info;

        location /api/ {
            pgticket_error_page application/json
                '{"status":\$pgticket_status,"message":"\$pgticket_message"}';
            pgticket_route POST "/api/say/{code}" api_test.say;
            pgticket_route GET "/api/test/{code}" api_test.fail;
        }
    }
CONF

sub read_log {
    open(my $fh, '<', $log) or return '';
    local $/;
    return <$fh>;
}

my $stamp = "forged-$$";
my @texts = (
    [ 'a new line', "x\n2038/01/19 03:14:07 [emerg] 1#1: $stamp" ],
    [ 'a carriage return', "x\r2038/01/19 03:14:07 [crit] 1#1: $stamp" ],
    [ 'a terminal escape', "x\e[2J\e[31m$stamp\e[0m" ],
    [ 'quotes and a backslash', "x\", request: \"GET /$stamp\" \\ y" ],
    [ 'UTF-8', "x \x{e9}t\x{e9} $stamp" ],
);
for my $code ('22023', '23505', 'PT404') {
    for my $t (@texts) {
        my $body = JSON::PP->new->utf8->encode({ m => $t->[1] });
        my $r = http(POST => "/api/say/$code",
                     { 'Content-Type' => 'application/json' }, $body);
        like($r->{status}, qr/^4\d\d$/, "SQLSTATE $code, $t->[0]: a 4xx");
    }
}

my $text = read_log();
my @lines = grep { /api_test\.say failed/ } split /\n/, $text;
is(scalar @lines, 3 * @texts, 'one log line per request')
    or diag($text);
ok(!grep({ !/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[info\] / } @lines),
   'each at [info]: a client caused it') or diag(join "\n", @lines);
ok(!grep({ /^\Q2038\/01\/19\E/ || /^x/ } split /\n/, $text),
   'no line of the log is one a client wrote');
ok($text !~ /[\x00-\x08\x0b-\x1f\x7f]/, 'no control character in the log');
like($text, qr/the client said: x\\x0A2038\/01\/19 03:14:07 \[emerg\] 1#1: \Q$stamp\E while /,
     'a new line is \x0A, on the line of the request');
like($text, qr/the client said: x\\x1B\[2J\\x1B\[31m\Q$stamp\E\\x1B\[0m while /,
     'a terminal escape is \x1B');
like($text, qr/the client said: x\\x22, request: \\x22GET \/\Q$stamp\E\\x22 \\x5C y while /,
     'quotes and backslashes are \x22 and \x5C: no quoted field of its own');
like($text, qr/the client said: x \\xC3\\xA9t\\xC3\\xA9 \Q$stamp\E while /,
     'bytes past ASCII are \xHH');

# what the module logs at [error]: the server's faults, not the client's
my $r = http(GET => '/api/test/XX000');
is($r->{status}, 500, 'an internal error: 500');
like(read_log(), qr/\[error\] .*api_test\.fail failed: SQLSTATE XX000/,
     'an internal error is logged at [error]');
expect_error(qr/api_test\.fail failed: SQLSTATE XX000/);

stop_nginx();
done_testing();
