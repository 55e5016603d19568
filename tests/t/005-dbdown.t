#!/usr/bin/perl
# PostgreSQL going away and coming back: the unavailable answer at once
# while it is down, service back without a reload once it is up, in every
# worker by itself (each reconnects on its own, not only when a request
# happens to reach it).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use PgTicketTest;
use PgTicketFault;

start_nginx(<<'CONF', workers => 2);
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=16 timeout=5s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /pgticket_status {
            pgticket_status;
        }

        location /api/ {
            pgticket_unavailable 503 application/json '{"errorCode":503}';
            pgticket_route GET /api/echo api_test.echo;
        }
    }
CONF

expect_error(qr/could not connect to PostgreSQL|lost PostgreSQL connection/);

my @res = parallel(('/api/echo') x 8);
is(scalar(grep { $_->{status} == 200 } @res), 8, 'up: requests succeed');

my $pid = do { open(my $fh, '<', test_dir() . '/nginx.pid'); <$fh> };
chomp $pid;

pg_stop();

for my $round (1 .. 3) {
    my $t0 = time;
    @res = parallel(('/api/echo') x 6);
    my $took = time - $t0;
    is(scalar(grep { $_->{status} == 503 && $_->{content} eq
                     '{"errorCode":503}' } @res), 6,
       "down: every request gets the unavailable answer ($round)");
    cmp_ok($took, '<', 1, 'at once, not after the timeout');
}

ok(kill(0, $pid), 'nginx is alive');

my $t0 = time;
pg_start();
my $started = time;
my $back = wait_until(5, sub { http(GET => '/api/echo')->{status} == 200 });
my $after = time - $started;
ok($back, 'service resumes without a reload');
cmp_ok($after, '<', 2, 'within 2 seconds of PostgreSQL being up');

diag(sprintf('recovery after PostgreSQL is up: %.2f s', $after));

# each worker has a connection again: the status page of whichever worker
# answers names its pid and its idle connections
my @workers = worker_pids();
is(scalar @workers, 2, 'two workers');
my %idle;
ok(wait_until(5, sub {
    my $s = http(GET => '/pgticket_status')->{content} // '';
    my ($pid, $n) = $s =~ /pgticket_connections\{pid="(\d+)",state="idle"\} (\d+)/;
    $idle{$pid} = $n if $pid;
    !grep { !$idle{$_} } @workers;
}), 'every worker has reconnected by itself');

@res = parallel(('/api/echo') x 8);
is(scalar(grep { $_->{status} == 200 } @res), 8,
   'every worker serves again');

stop_nginx();
done_testing();
