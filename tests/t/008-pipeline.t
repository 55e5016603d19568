#!/usr/bin/perl
# pgticket_pool pipeline=N: requests sent behind running ones on a busy
# connection (libpq pipeline mode), each with its own Sync.  One connection
# (max=1) so that every request shares it.  Each request is a transaction
# of its own, answered only once its own Sync is back (its commit done); a
# failing query fails only itself; a request past its deadline is never
# cancelled while another is in flight on its connection; a lost
# connection fails everything it carried and retries nothing; stale
# sessions run their requests again on a new connection; one backend.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time sleep);
use PgTicketTest;

psql(<<'SQL');
create schema if not exists api_test;
drop table if exists api_test.pipe_log, api_test.pipe_late;
create table api_test.pipe_log (tag text primary key);
create table api_test.pipe_late (tag text);
create or replace function api_test.note(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    perform pg_sleep(coalesce((request->'query'->>'s')::float8, 0));
    insert into api_test.pipe_log values (request->'query'->>'tag');
    return (200, '{"Content-Type": "text/plain"}',
            'noted ' || (request->'query'->>'tag'))::pgticket.http_response;
end
$$;
-- a write whose commit fails: the deferred trigger raises at COMMIT,
-- after the function has returned its 200
create or replace function api_test.late_fail_trigger() returns trigger
language plpgsql as $$
begin
    raise exception 'refused at commit' using errcode = '23514';
end
$$;
create constraint trigger pipe_late_refused after insert on api_test.pipe_late
    deferrable initially deferred for each row
    execute function api_test.late_fail_trigger();
create or replace function api_test.late(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    insert into api_test.pipe_late values (request->'query'->>'tag');
    return (200, '{"Content-Type": "text/plain"}', 'written')
        ::pgticket.http_response;
end
$$;
create or replace function api_test.shape8(request jsonb)
returns table (status int, headers json, body text)
language sql security definer as $$
    select 200, '{"Content-Type": "text/plain"}'::json, 'v1'::text
$$;
grant usage on schema api_test to pgticket_web;
grant execute on all functions in schema api_test to pgticket_web;
SQL

sub conf {
    my ($depth, $queue) = @_;
    return <<"CONF";
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=1 queue=$queue timeout=2s pipeline=$depth;

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /pgticket_status {
            pgticket_status;
        }

        location /api/ {
            pgticket_route GET /api/echo api_test.echo;
            pgticket_route GET /api/sleep api_test.sleep;
            pgticket_route GET "/api/fail/{code}" api_test.fail;
            pgticket_route GET /api/note api_test.note;
            pgticket_route GET /api/late api_test.late;
            pgticket_route GET /api/shape api_test.shape8;
        }
    }
CONF
}

# a request on a connection of its own, answered later by finish()
sub start {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port(),
                                  Timeout => 10)
        or die "connect: $!\n";
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    return { sock => $s, t0 => time };
}

sub finish {
    my ($req) = @_;
    my $sel = IO::Select->new($req->{sock});
    my $raw = '';
    while ($sel->can_read(15)) {
        my $n = sysread($req->{sock}, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $req->{sock};
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    return { status => $status // 0, content => $body // '',
             time => time - $req->{t0} };
}

sub rows {
    my ($sql) = @_;
    return join ',', map { $_->[0] } psql($sql);
}

# shape8 again, answering value with a body of that type: a changed result
# type makes the sessions' prepared statements stale
sub reshape {
    my ($type, $value) = @_;
    psql(<<"SQL");
drop function api_test.shape8(jsonb);
create function api_test.shape8(request jsonb)
returns table (status int, headers json, body $type)
language sql security definer as \$\$
    select 200, '{"Content-Type": "text/plain"}'::json, '$value'::$type
\$\$;
grant execute on function api_test.shape8(jsonb) to pgticket_web;
SQL
}

sub web_backends {
    my ($row) = psql("select count(*) from pg_stat_activity "
                     . "where usename = 'pgticket_web'");
    return $row->[0];
}

expect_error(qr/lost PostgreSQL connection/,
             qr/api_test\.(sleep|late) failed: SQLSTATE (57014|23514|57P01)/,
             qr/terminating connection due to administrator command/);

start_nginx(conf(4, 0));

is(http(GET => '/api/echo')->{status}, 200, 'the connection is open');

# queue=0: with one connection, only requests sent behind the running one
# get in; the fifth finds no room

my @res = parallel(('/api/sleep?s=0.3') x 5);
is(scalar(grep { $_->{status} == 200 } @res), 4,
   'pipeline=4: one running and three sent behind it on one connection');
is(scalar(grep { $_->{status} == 503 } @res), 1,
   'the fifth finds no room');
is(web_backends(), 1, 'one backend');
stop_nginx();
start_nginx(conf(4, 16));

# every answer is its own request's, errors included (a failed query
# aborts only itself, up to its own Sync)

my $slow = start('/api/sleep?s=0.3');
sleep 0.1;
my @reqs = map { start($_) } ('/api/echo?i=1', '/api/fail/22023',
                              '/api/echo?i=2', '/api/fail/23505',
                              '/api/echo?i=3');
@res = map { finish($_) } @reqs;
is(finish($slow)->{status}, 200, 'the running request answers');
is_deeply([map { $_->{status} } @res], [200, 400, 200, 409, 200],
          'each request behind it gets its own status') or diag(explain \@res);
is_deeply([map { $_->{status} == 200
                 ? ($_->{content} =~ /"i":\s*"(\d)"/)[0] // '?' : '-' }
           @res], [1, '-', 2, '-', 3],
          'and its own body, also after a failed query');

# an answer waits for its own commit: a write whose COMMIT fails is
# answered with the failure, never with the 200 its function returned

$slow = start('/api/sleep?s=0.3');
sleep 0.1;
@reqs = map { start($_) } ('/api/late?tag=a', '/api/note?tag=after-late');
@res = map { finish($_) } @reqs;
finish($slow);
is($res[0]{status}, 409, 'a commit that fails: 409, not the 200 returned')
    or diag(explain \@res);
is(rows("select count(*) from api_test.pipe_late"), 0, 'nothing written');
is($res[1]{status}, 200, 'the request behind it commits on its own');
is(rows("select tag from api_test.pipe_log where tag = 'after-late'"),
   'after-late', 'and its row is there');

# a request past its deadline with another in flight behind it is not
# cancelled (the cancel could hit the other one): it ends at the server's
# statement_timeout (1.5 x 2s), then the one behind it runs, alone, and is
# answered with what happened

$slow = start('/api/sleep?s=10');
sleep 0.2;
my $behind = start('/api/note?tag=behind');
my $a = finish($slow);
my $b = finish($behind);
is($a->{status}, 503, 'the overdue request gets 503');
cmp_ok($a->{time}, '>=', 2.8, 'not cancelled at its deadline while '
       . 'another request was behind it (ended by statement_timeout)');
is($b->{status}, 200, 'the request behind it: its real answer');
is(rows("select tag from api_test.pipe_log where tag = 'behind'"),
   'behind', 'which is in the database');

# once an overdue request is alone on its connection it is cancelled

$slow = start('/api/sleep?s=2.4');
sleep 0.2;
$behind = start('/api/sleep?s=10');
$a = finish($slow);
$b = finish($behind);
is($a->{status}, 200, 'the first finishes after its deadline: 200');
is($b->{status}, 503, 'the second, overdue and alone, is cancelled');
cmp_ok($b->{time}, '<', 3.4, 'at once, not at statement_timeout');

# a client that goes away: its query still runs and commits, its result is
# dropped, the connection stays

$slow = start('/api/sleep?s=0.5');
sleep 0.1;
my $gone = start('/api/note?tag=gone');
sleep 0.1;
close $gone->{sock};
is(finish($slow)->{status}, 200, 'the request before it answers');
sleep 0.3;
is(rows("select tag from api_test.pipe_log where tag = 'gone'"), 'gone',
   'the gone request ran (its result dropped)');
is(http(GET => '/api/echo')->{status}, 200, 'the connection serves on');
is(web_backends(), 1, 'still one backend');

# the connection lost with several in flight: each gets the unavailable
# answer, and no write is run again

$slow = start('/api/sleep?s=5');
sleep 0.2;
@reqs = map { start("/api/note?tag=lost$_") } 1 .. 2;
sleep 0.3;
psql("select pg_terminate_backend(pid) from pg_stat_activity "
     . "where usename = 'pgticket_web'");
@res = map { finish($_) } ($slow, @reqs);
is_deeply([map { $_->{status} } @res], [503, 503, 503],
          'lost with three in flight: three 503s');
sleep 0.5;
is(rows("select count(*) from api_test.pipe_log where tag like 'lost%'"), 0,
   'the writes behind it were not run again');
is(http(GET => '/api/echo')->{status}, 200, 'a new connection serves');

# stale sessions with several in flight: the function's result type
# changes; every request runs again on a new connection

is(http(GET => '/api/shape')->{content}, 'v1', 'prepared');
reshape('varchar', 'v2');
$slow = start('/api/sleep?s=0.3');
sleep 0.1;
@reqs = map { start('/api/shape') } 1 .. 3;
@res = map { finish($_) } @reqs;
is(finish($slow)->{status}, 200, 'the request before them answers');
is_deeply([map { "$_->{status} $_->{content}" } @res],
          ['200 v2', '200 v2', '200 v2'],
          'three stale requests in flight all run again: 200 each');
is(web_backends(), 1, 'one backend');

# a stale request past its deadline behind another: once alone it is
# cancelled, and its stale result (rolled back) is the timeout it is, not
# an internal error

reshape('text', 'v3');
$slow = start('/api/sleep?s=2.5');
sleep 0.2;
$behind = start('/api/shape');
$a = finish($slow);
$b = finish($behind);
is($a->{status}, 200, 'the request before it answers');
is($b->{status}, 503, 'a stale request past its deadline: 503 (timed out), '
   . 'not 500') or diag(explain $b);
is(http(GET => '/api/shape')->{content}, 'v3', 'a new connection serves');

# a notice names the request it is about, also behind a request that was
# run again in place (40001): the connection logs as its oldest request

reshape('varchar', 'v4');
$slow = start('/api/sleep?s=0.3');
sleep 0.1;
@reqs = map { start($_) } ('/api/fail/40001', '/api/shape');
@res = map { finish($_) } @reqs;
finish($slow);
is($res[1]{content}, 'v4', 'the stale request behind a retried one: v4');
open(my $log, '<', test_dir() . '/error.log') or die "error.log: $!\n";
my @stale = grep { /SQLSTATE 0A000, a function or type/ } <$log>;
close $log;
like($stale[-1] // '', qr{request: "GET /api/shape },
     'its notice names it, not the retried request before it');

# many clients, one connection: never more backends than the pool

@res = parallel(map { "/api/echo?i=$_" } 1 .. 40);
is(scalar(grep { $_->{status} == 200 } @res) + scalar(grep
   { $_->{status} == 503 } @res), 40, '40 clients answered');
is(web_backends(), 1, 'one backend for 40 clients');

stop_nginx();

# without a pipeline too: a commit that fails is what the client hears

start_nginx(conf(1, 8));
$res[0] = http(GET => '/api/late?tag=b');
is($res[0]{status}, 409, 'pipeline=1: a commit that fails gets 409');
is(rows("select count(*) from api_test.pipe_late"), 0, 'nothing written');
stop_nginx();

done_testing();
