#!/usr/bin/perl
# Fail fast while the database host hangs (accepts connections and never
# answers): once a connection attempt has failed, one attempt is made at a
# time and every other request gets the unavailable answer at once,
# instead of each waiting for the whole timeout.  When the host answers
# again, service comes back by itself.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use PgTicketTest;
use PgTicketFault;

my ($rundir, $pgport, $db) = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT
                                     PGTICKET_DB)};

my $host = listener('hang', "$rundir/.s.PGSQL.$pgport");
my $port = $host->port;

start_nginx(<<"CONF");
    pgticket_database "host=127.0.0.1 port=$port dbname=$db user=pgticket_web sslmode=disable";
    pgticket_pool max=4 queue=16 timeout=2s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_unavailable 503 application/json '{"errorCode":503}';
            pgticket_route GET /api/echo api_test.echo;
        }
    }
CONF

expect_error(qr/PostgreSQL connection timed out/);

# the first attempt has to wait for its timeout: nothing failed yet

my $t0 = time;
my $r = http(GET => '/api/echo');
my $took = time - $t0;
is($r->{status}, 503, 'a hanging host: 503');
cmp_ok($took, '>=', 1.8, 'the first request waits for the connect timeout');

# then: one attempt in flight, everybody else answered at once

for my $round (1 .. 3) {
    sleep 0.6;    # past the short delay after a failed attempt
    my $start = time;
    my @res = parallel(('/api/echo') x 8);
    my @fast = grep { $_->{status} == 503 && $_->{time} < 1 } @res;
    my @times = sort { $a <=> $b } map { $_->{time} } @res;
    diag(sprintf('round %d: answered in %s s', $round,
                 join(' ', map { sprintf '%.3f', $_ } @times)));
    cmp_ok(scalar @fast, '>=', 7,
           "round $round: the unavailable answer at once for 7 of 8 or more");
    is(scalar(grep { $_->{status} == 503 } @res), 8,
       "round $round: and for all of them in the end");

    # attempts under way at once: accepted within one timeout of each other
    my @acc = grep { $_ >= $start } $host->accepted;
    my $max = 0;
    for my $i (0 .. $#acc) {
        my $n = grep { $_ >= $acc[$i] && $_ < $acc[$i] + 1.9 } @acc;
        $max = $n if $n > $max;
    }
    cmp_ok($max, '<=', 1, "round $round: one connection attempt at a time");
}

# the host answers again: service resumes by itself

$host->forward;
my $back = time;
ok(wait_until(10, sub { http(GET => '/api/echo')->{status} == 200 }),
   'service resumes once the host answers');
my $recovery = time - $back;
cmp_ok($recovery, '<', 5, 'within the timeout and a retry delay');
diag(sprintf('recovery after the host answers again: %.2f s', $recovery));

my @res = parallel(('/api/echo') x 8);
is(scalar(grep { $_->{status} == 200 } @res), 8, 'all requests succeed');

stop_nginx();
$host->stop;
done_testing();
