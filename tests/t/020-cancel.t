#!/usr/bin/perl
# An error answer never commits later.  Requests run into row locks held
# past their deadline, arriving one after another so that some are sent to
# PostgreSQL just before theirs: every request answered with an error wrote
# nothing, every 2xx is in the database, also once the locks are gone.  A
# statement that finishes anyway gets its real answer.  A stopped backend
# cannot be cancelled: its request is answered when it runs again, with
# what happened.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Select;
use Time::HiRes qw(time sleep);
use PgTicketTest;
use PgTicketFault;

my $stack_sh = "$FindBin::Bin/../stack.sh";
my $run = sprintf('%x', time * 1000);

# a customer and tickets of our own, so no other test sees them
psql(<<'SQL');
insert into pgticket.customer (name, helpdesk_user_id)
     values ('faults-020', 9020)
on conflict (helpdesk_user_id) do nothing;
create schema if not exists api_test;
create table if not exists api_test.done (id text primary key);
create or replace function api_test.slow_write(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    perform pg_sleep((request->'query'->>'s')::float8);
    insert into api_test.done values (request->'query'->>'id');
    return (200, '{"Content-Type": "text/plain"}', 'written')
        ::pgticket.http_response;
end
$$;
create or replace function api_test.stubborn(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    begin
        perform pg_sleep((request->'query'->>'s')::float8);
    exception when query_canceled then
        null;    -- finishes anyway
    end;
    -- the postmaster signals a backend and its process group: a cancel
    -- request may arrive as two SIGINTs, the second one right after
    begin
        perform pg_sleep(0.2);
    exception when query_canceled then
        null;
    end;
    insert into api_test.done values (request->'query'->>'id');
    return (200, '{"Content-Type": "text/plain"}', 'finished anyway')
        ::pgticket.http_response;
end
$$;
SQL
my ($customer) = map { $_->[0] }
    psql("select id from pgticket.customer where helpdesk_user_id = 9020");

start_nginx(<<'CONF');
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=32 timeout=2s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_param audience admin;     # close_ticket is the admin's
            pgticket_unavailable 503 application/json '{"errorCode":503}';
            pgticket_route POST /api/v1/raise_ticket api_helpdesk.raise_ticket;
            pgticket_route GET|POST "/api/v1/close_ticket/{ticketId}"
                                    api_helpdesk.close_ticket;
            pgticket_route GET /api/sleep api_test.sleep;
            pgticket_route GET /api/stubborn api_test.stubborn;
            pgticket_route GET /api/slow_write api_test.slow_write;
        }
    }
CONF

sub web_active {
    my ($row) = psql("select count(*) from pg_stat_activity where "
                     . "usename = 'pgticket_web' and state = 'active'");
    return $row->[0];
}

# Sends one request every $gap seconds while $lock_sql is held, lets the
# lock go after $hold seconds; returns the answers once every statement
# has ended.
sub under_lock {
    my ($lock_sql, $hold, $gap, @requests) = @_;
    my $s = psql_session('faults_020_lock');
    $s->run("begin; $lock_sql;");
    $s->wait_idle_in_transaction or die "the lock was not taken\n";
    my $t0 = time;
    my @h;
    my $released;
    for my $req (@requests) {
        push @h, send_async(@$req);
        sleep $gap;
        if (!$released && time - $t0 >= $hold) {
            $s->run('commit;');
            $released = 1;
        }
    }
    sleep($hold - (time - $t0)) if !$released && time - $t0 < $hold;
    $s->run('commit;') unless $released;
    my @res = collect(@h);
    $s->close;
    # whatever the module left running has time to end, commit or not
    wait_until(10, sub { web_active() == 0 });
    sleep 0.5;
    return @res;
}

my %seen;

# raise_ticket for a customer whose row is locked (the ticket's foreign key
# waits for it)

for my $hold (2.6, 1.8) {
    my @subjects = map { "faults-020-$run-$hold-$_" } 1 .. 12;
    my @res = under_lock(
        "select 1 from pgticket.customer where id = $customer for update",
        $hold, 0.1,
        map { [POST => '/api/v1/raise_ticket',
               { 'Content-Type' => 'application/x-www-form-urlencoded' },
               "type=Technical&subject=$_&userId=9020&comments=x"] }
            @subjects);

    my %stored = map { $_->[0] => 1 } psql(
        "select subject from pgticket.ticket where subject like "
        . "'faults-020-$run-$hold-%'");
    my ($lies, $ok, $err) = (0, 0, 0);
    for my $i (0 .. $#res) {
        my $r = $res[$i];
        if ($r->{status} == 200) {
            $ok++;
            $lies++ unless $stored{$subjects[$i]};
        } else {
            $err++;
            $lies++ if $stored{$subjects[$i]};
            is($r->{status}, 503, "raise_ticket under lock: an error is 503");
        }
        $seen{$r->{status}}++;
    }
    is($lies, 0, "raise_ticket, lock held ${hold}s: every 2xx is stored, "
                 . "no error answer is ($ok 200, $err errors)");
}

# close_ticket of tickets whose rows are locked

for my $hold (2.6, 1.8) {
    my @tickets = map { $_->[0] } psql(
        "select (pgticket.create_ticket('helpdesk', $customer, "
        . "'faults-020-close-$run')).number from generate_series(1, 12)");
    is(scalar @tickets, 12, '12 tickets to close');
    my @res = under_lock(
        "select 1 from pgticket.ticket where customer_id = $customer "
        . "and subject = 'faults-020-close-$run' for update",
        $hold, 0.1,
        map { [GET => "/api/v1/close_ticket/$_"] } @tickets);

    my %closed = map { $_->[0] => 1 } psql(
        "select number from pgticket.ticket where subject = "
        . "'faults-020-close-$run' and state = 'closed'");
    my ($lies, $ok, $err) = (0, 0, 0);
    for my $i (0 .. $#res) {
        if ($res[$i]{status} == 200) {
            $ok++;
            $lies++ unless $closed{$tickets[$i]};
        } else {
            $err++;
            $lies++ if $closed{$tickets[$i]};
        }
        $seen{$res[$i]{status}}++;
    }
    is($lies, 0, "close_ticket, lock held ${hold}s: every 2xx closed its "
                 . "ticket, no error answer did ($ok 200, $err errors)");
    $run .= 'x';
}

ok($seen{200} && $seen{503}, 'the runs saw both answers: '
   . join(', ', map { "$_ x$seen{$_}" } sort keys %seen));

# a statement past the deadline is cancelled at once

my $t0 = time;
my $r = http(GET => '/api/sleep?s=10');
my $took = time - $t0;
is($r->{status}, 503, 'a statement past the deadline: 503');
cmp_ok($took, '<', 3.5, 'soon after the deadline');
ok(wait_until(2, sub { web_active() == 0 }), 'and no longer running');
diag(sprintf('deadline to answer: %.0f ms', ($took - 2) * 1000));

# a statement that finishes anyway gets its real answer

$t0 = time;
$r = http(GET => "/api/stubborn?s=10&id=$run");
$took = time - $t0;
is($r->{status}, 200, 'a statement that ends well after the cancel: 200');
is($r->{content}, 'finished anyway', 'its real answer');
cmp_ok($took, '<', 3.5, 'soon after the deadline');
is((psql("select count(*) from api_test.done where id = '$run'"))[0][0], 1,
   'and what it did is there');

# a stopped backend cannot end its statement: the request waits for it,
# since it may still write when it runs again; once it runs, the cancel
# sent at the deadline ends the statement, and the client hears that

{
    my $id = "$run-stopped";
    my $h = send_async(GET => "/api/slow_write?s=1.5&id=$id");
    my $pid;
    ok(wait_until(2, sub {
        ($pid) = map { $_->[0] } psql("select pid from pg_stat_activity "
                                      . "where usename = 'pgticket_web' "
                                      . "and state = 'active'");
        $pid }), 'the query runs');
    system($stack_sh, 'as-owner', 'kill', '-STOP', $pid);
    sleep 4.5;
    ok(!IO::Select->new($h->{sock})->can_read(0),
       'a stopped backend: no answer past the deadline and another timeout');
    my $cont = time;
    system($stack_sh, 'as-owner', 'kill', '-CONT', $pid);
    my ($res) = collect($h);
    my $after = $h->{start} + $res->{time} - $cont;
    is($res->{status}, 503, 'once it runs: the statement was cancelled, 503');
    cmp_ok($after, '<', 1.5, 'answered at once');
    is((psql("select count(*) from api_test.done where id = '$id'"))[0][0],
       0, 'and it wrote nothing');
    diag(sprintf('answered %.3f s after the backend runs again', $after));
}

my @res = map { http(GET => '/api/sleep?s=0.1') } 1 .. 3;
is(scalar(grep { $_->{status} == 200 } @res), 3, 'service goes on');

stop_nginx();
done_testing();
