#!/usr/bin/perl
# The per-worker pool: queueing past the slots, queue full, timeout,
# a backend killed while idle, no leaked backends, the status location.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use POSIX ();
use Test::More;
use Time::HiRes qw(time);
use PgTicketTest;

my $stack_sh = "$FindBin::Bin/../stack.sh";

start_nginx(<<'CONF');
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=8 timeout=2s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /pgticket_status {
            pgticket_status;
        }

        location /api/ {
            pgticket_unavailable 503 application/json '{"status":"error","errorCode":503,"message":"Service unavailable"}';
            pgticket_route GET /api/sleep api_test.sleep;
            pgticket_route GET /api/echo api_test.echo;
        }
    }
CONF

my $unavailable = '{"status":"error","errorCode":503,'
                . '"message":"Service unavailable"}';

sub status {
    my $r = http(GET => '/pgticket_status');
    my %m;
    for (split /\n/, $r->{content} // '') {
        next if /^#/;
        my ($k, $v) = /^(\S+)\s+(\d+)$/ or next;
        $k =~ s/pid="\d+",?//;
        $k =~ s/\{\}//;
        $m{$k} = $v;
    }
    return \%m;
}

sub web_backends {
    my ($row) = psql("select count(*) from pg_stat_activity "
                     . "where usename = 'pgticket_web'");
    return $row->[0];
}

expect_error(qr/could not connect to PostgreSQL|lost PostgreSQL connection/,
             qr/api_test\.sleep failed: SQLSTATE 57014/);

# more requests than slots: all succeed, two at a time

my $t0 = time;
my @res = parallel(('/api/sleep?s=0.3') x 6);
my $took = time - $t0;
is(scalar(grep { $_->{status} == 200 && $_->{content} eq 'slept' } @res), 6,
   '6 concurrent requests on 2 slots all succeed');
cmp_ok($took, '>=', 0.85, 'they ran two at a time');
cmp_ok(web_backends(), '<=', 2, 'at most 2 backends');

my $s = status();
is($s->{pgticket_pool_size}, 2, 'status: pool size');
is($s->{'pgticket_connections{state="idle"}'}, 2, 'status: 2 idle');
is($s->{'pgticket_connections{state="busy"}'}, 0, 'status: 0 busy');
is($s->{pgticket_queue_length}, 0, 'status: queue empty');
is($s->{pgticket_requests_total}, 6, 'status: 6 requests');

# queue full: 2 running (each with depth - 1 sent behind it when the suite
# runs with a pipeline) + 8 waiting, the rest answered at once

my $depth = $ENV{PGTICKET_TEST_PIPELINE} || 4;      # pipeline's default
my $fit = 2 * $depth + 8;
@res = parallel(('/api/sleep?s=0.15') x ($fit + 2));
my @ok = grep { $_->{status} == 200 } @res;
my @busy = grep { $_->{status} == 503 } @res;
is(scalar @ok, $fit, "$fit requests fit the slots and the queue");
is(scalar @busy, 2, '2 requests find the queue full');
is($busy[0]{content}, $unavailable, 'queue full gets the unavailable body');
cmp_ok($busy[0]{time}, '<', 1, 'and gets it at once, not at the deadline');

$s = status();
is($s->{'pgticket_errors_total{kind="unavailable"}'}, 2,
   'status: 2 unavailable errors');

# timeout: the unavailable answer at the deadline, the connection replaced

my @before = map { $_->[0] } psql("select pid from pg_stat_activity "
                                  . "where usename = 'pgticket_web'");
$t0 = time;
my $r = http(GET => '/api/sleep?s=5');
$took = time - $t0;
is($r->{status}, 503, 'a query past the timeout gets 503');
is($r->{content}, $unavailable, 'with the unavailable body');
cmp_ok($took, '>=', 1.9, 'at the deadline');
cmp_ok($took, '<', 3, 'not later');
$s = status();
is($s->{'pgticket_errors_total{kind="timeout"}'}, 1, 'status: 1 timeout');

# at the deadline the statement is cancelled (57014) before the client is
# answered: it must not go on running
ok(wait_until(3, sub {
    my ($row) = psql("select count(*) from pg_stat_activity "
                     . "where usename = 'pgticket_web' and state = 'active'");
    $row->[0] == 0 && web_backends() <= 2 }),
   'the timed-out query is not running any more');

@res = parallel(('/api/sleep?s=0.1') x 4);
is(scalar(grep { $_->{status} == 200 } @res), 4, 'service continues');
is(status()->{'pgticket_connections{state="idle"}'}, 2,
   'the slot was replaced');

# a backend killed while idle is noticed and replaced

my %killed = map { $_->[0] => 1 } psql(
    "select pid from pg_stat_activity where usename = 'pgticket_web'");
psql("select pg_terminate_backend(pid) from pg_stat_activity "
     . "where usename = 'pgticket_web'");
# noticed: the slots are free, or (the worker reconnects by itself when its
# last connection is gone) held by new backends only
ok(wait_until(3, sub {
    my $idle = status()->{'pgticket_connections{state="idle"}'};
    my @now = map { $_->[0] } psql("select pid from pg_stat_activity "
                                   . "where usename = 'pgticket_web'");
    $idle == 0 || ($idle == @now && !grep { $killed{$_} } @now) }),
   'killed idle connections are noticed');
$r = http(GET => '/api/echo');
is($r->{status}, 200, 'a request after the kill succeeds');
cmp_ok(web_backends(), '<=', 2, 'no more than 2 backends');

# a backend killed while a query runs: that request gets the unavailable
# answer at once, and the slot is replaced for the next ones

{
    # the backend is killed from inside the server as soon as its query
    # shows (polled every 10 ms by a session that is polling before the
    # request is sent): a psql started per look could miss a 1.5 s query
    # on a loaded machine
    my $killer = fork // die "fork: $!\n";
    if (!$killer) {
        my ($row) = psql(<<'SQL');
set application_name = 'pgticket-004-killer';
create function pg_temp.kill_running() returns int language plpgsql as $$
declare
    p int;
begin
    for i in 1 .. 3000 loop
        perform pg_stat_clear_snapshot();
        select pid into p from pg_stat_activity
         where usename = 'pgticket_web' and state = 'active';
        if p is not null then
            perform pg_terminate_backend(p);
            return 1;
        end if;
        perform pg_sleep(0.01);
    end loop;
    return 0;
end
$$;
select pg_temp.kill_running();
SQL
        POSIX::_exit($row->[0] == 1 ? 0 : 1);
    }
    wait_until(30, sub {
        my ($row) = psql("select count(*) from pg_stat_activity where "
                         . "application_name = 'pgticket-004-killer' "
                         . "and state = 'active'");
        $row->[0] == 1 }) or diag('the killer does not poll');
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port());
    print $sock "GET /api/sleep?s=1.5 HTTP/1.0\r\n\r\n";
    waitpid($killer, 0);
    is($?, 0, 'the query is running, and its backend is killed');
    local $/;
    my $res = PgTicketTest::parse_response(<$sock> // '');
    is($res->{status}, 503, 'a query whose backend dies gets 503');
    is($res->{content}, $unavailable, 'with the unavailable body');
}
@res = parallel(('/api/echo') x 4);
is(scalar(grep { $_->{status} == 200 } @res), 4,
   'requests after the lost connection succeed');

# a client that goes away while its query runs

{
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port());
    print $sock "GET /api/sleep?s=0.5 HTTP/1.0\r\n\r\n";
    close $sock;
}
@res = parallel(('/api/echo') x 4);
is(scalar(grep { $_->{status} == 200 } @res), 4,
   'requests after an aborted one succeed');
ok(wait_until(3, sub {
    status()->{'pgticket_connections{state="busy"}'} == 0 }),
   'the aborted query was drained');

# a client that goes away while its server does not answer at all (stopped:
# statement_timeout cannot fire): the slot is not held for ever

{
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1:' . port());
    print $sock "GET /api/sleep?s=0.5 HTTP/1.0\r\n\r\n";
    my $pid;
    ok(wait_until(2, sub {
        ($pid) = map { $_->[0] } psql("select pid from pg_stat_activity "
                                      . "where usename = 'pgticket_web' "
                                      . "and state = 'active'");
        $pid }), 'the query is running');
    system($stack_sh, 'as-owner', 'kill', '-STOP', $pid);
    close $sock;
    ok(wait_until(4, sub {
        status()->{'pgticket_connections{state="busy"}'} == 0 }),
       'the connection of a stopped server is given up at the deadline');
    system($stack_sh, 'as-owner', 'kill', '-CONT', $pid);
}
@res = parallel(('/api/echo') x 4);
is(scalar(grep { $_->{status} == 200 } @res), 4,
   'requests after a stopped server succeed');

stop_nginx();
ok(wait_until(5, sub { web_backends() == 0 }),
   'no backends left after nginx stops');

# queue=0: no waiting behind busy connections, but connections still open

start_nginx(<<'CONF');
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=0 timeout=2s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_route GET /api/sleep api_test.sleep;
            pgticket_route GET /api/echo api_test.echo;
        }
    }
CONF

$r = http(GET => '/api/echo');
is($r->{status}, 200, 'queue=0: a request opens a connection');
@res = parallel(('/api/sleep?s=0.5') x 3);
is(scalar(grep { $_->{status} == 200 } @res), 2,
   'queue=0: as many requests as slots are served');
is(scalar(grep { $_->{status} == 503 } @res), 1,
   'queue=0: the one more is refused at once');
stop_nginx();

done_testing();
