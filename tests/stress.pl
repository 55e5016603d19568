#!/usr/bin/perl
# make stress: each fault of issue 9 under steady load, on a cluster and an
# nginx of its own (.run/stress, the shipped configuration with a shorter
# pool timeout and one slow test route), over loopback only.  For each
# fault it prints what the clients were told and what the database holds
# afterwards: every acknowledged write present and whole, no write answered
# with an error committed, and no more backends than workers x pool size.
# It reports; it never fails the build.  Every loop is bounded in count and
# time.
#
#   STRESS_CLIENTS=4 STRESS_RATE=50 tests/stress.pl
#   (clients, and requests per second each; STRESS_PORT, STRESS_PGPORT)

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(floor);
use Time::HiRes qw(time sleep);

my $top = abs_path(dirname(__FILE__) . '/..');
my $stack = "$top/tests/stack.sh";
my $dir = "$top/.run/stress";
my $db = 'pgticket_stress';
my $port = $ENV{STRESS_PORT}
    // ($ENV{PGTICKET_HTTP_PORT_BASE} // 18080) + 95;
my $pgport = $ENV{STRESS_PGPORT} // 54379;
my $clients = $ENV{STRESS_CLIENTS} // 4;
my $rate = $ENV{STRESS_RATE} // 50;
my ($workers, $pool, $queue, $timeout) = (2, 4, 16, 2);
my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
chomp(my $pgbin = `$pg_config --bindir`);
my $run = int(time);    # marks this run's tickets
my $main_pid = $$;

$| = 1;

sub sh {
    system(@_) == 0 or die "failed: @_\n";
}

sub psql {
    my ($sql) = @_;
    open(my $fh, '-|', $stack, 'as-owner', "$pgbin/psql", '-X', '-q', '-A',
         '-t', '-F', "\t", '-h', $dir, '-p', $pgport, '-U', 'postgres',
         '-d', $db, '-c', $sql) or die "psql: $!\n";
    my @rows = map { chomp; [split /\t/, $_, -1] } <$fh>;
    close $fh;
    return @rows;
}

sub nginx_pids {
    open(my $fh, '<', "$dir/nginx/nginx.pid") or return '';
    chomp(my $master = <$fh> // '');
    my @w = sort split ' ', `pgrep -P $master 2>/dev/null`;
    return "$master: @w";
}

# the postmaster of the stress cluster and its children
sub pg_pids {
    open(my $fh, '<', "$dir/pgdata/postmaster.pid") or return ();
    chomp(my $pm = <$fh> // '');
    return ($pm, split ' ', `pgrep -P $pm 2>/dev/null`);
}

# resident memory of the nginx workers, in MB
sub workers_rss {
    my ($master) = split /:/, nginx_pids();
    my @rss;
    for my $w (split ' ', `pgrep -P $master 2>/dev/null`) {
        open(my $fh, '<', "/proc/$w/status") or next;
        while (<$fh>) {
            push @rss, sprintf('%.1f', $1 / 1024) if /^VmRSS:\s+(\d+)/;
        }
    }
    return join(' + ', @rss) . ' MB';
}

# ------------------------------------------------------------------ stack

sub stop_all { system("'$stack' stop '$dir' >/dev/null") }

# sleep until $at seconds after $t0
sub until_at {
    my ($t0, $at) = @_;
    my $left = $t0 + $at - time;
    sleep($left) if $left > 0;
}

stop_all() if -d $dir;
sh('rm', '-rf', $dir);
sh($stack, 'pg-start', $dir, $pgport);
sh($stack, 'db-setup', $dir, $pgport, $db);
sh($stack, 'demo-load', $dir, $pgport, $db);
psql(<<'SQL');
create schema if not exists api_stress;
create or replace function api_stress.sleep(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    perform pg_sleep((request->'query'->>'s')::float8);
    return (200, '{"Content-Type": "text/plain"}', 'slept')
        ::pgticket.http_response;
end
$$;
grant usage on schema api_stress to pgticket_web;
grant execute on all functions in schema api_stress to pgticket_web;
SQL
sh($stack, 'nginx-conf', $dir, $port, $pgport, $db);
{
    # the shipped configuration, with a pool that a test can fill and a
    # timeout a test can wait out, and one slow route
    my $conf = "$dir/nginx/nginx.conf";
    open(my $in, '<', $conf) or die "$conf: $!\n";
    my $text = do { local $/; <$in> };
    close $in;
    $text =~ s/^worker_processes \d+;/worker_processes $workers;/m;
    $text =~ s/^(\s*)pgticket_pool .*$/$1pgticket_pool max=$pool queue=$queue timeout=${timeout}s;/m
        or die "no pgticket_pool line in $conf\n";
    $text =~ s{^(\s*)(include pgticket/api-helpdesk\.conf;)}{$1location /stress/ {
$1    pgticket_route GET /stress/sleep api_stress.sleep;
$1}
$1$2}m or die "no helpdesk include in $conf\n";
    open(my $out, '>', $conf) or die "$conf: $!\n";
    print $out $text;
    close $out;
}
sh($stack, 'nginx-start', $dir);
sh($stack, 'wait-http', "http://127.0.0.1:$port/pgticket_status");
END { stop_all() if $$ == $main_pid && -d $dir }

# ------------------------------------------------------------------- HTTP

# one request, its own connection; (status or 0 for no answer, body)
sub request {
    my ($text, $limit) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 5) or return (0, '');
    print $s $text;
    my $sel = IO::Select->new($s);
    my $raw = '';
    my $deadline = time + ($limit // 15);
    while (time < $deadline && $sel->can_read($deadline - time)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $s;
    my ($status) = $raw =~ m{^HTTP/1\.\d (\d{3})};
    my ($body) = $raw =~ /\r\n\r\n(.*)\z/s;
    return ($status // 0, $body // '');
}

sub get { "GET $_[0] HTTP/1.0\r\nHost: localhost\r\n\r\n" }

sub raise {
    my ($subject, $user) = @_;
    (my $s = $subject) =~ s/ /+/g;
    my $body = "type=Technical&subject=$s&userId=$user&comments=stress";
    return "POST /api/v1/raise_ticket HTTP/1.0\r\nHost: localhost\r\n"
        . "Content-Type: application/x-www-form-urlencoded\r\n"
        . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
}

# A client: until $end (and at most $max requests), alternately a write
# (raise_ticket for $user) and a read (or a slow request, when $slow),
# paced to $rate per second.  One line per request in $log:
# kind, start, end, status, subject, ticket number.
sub client {
    my ($log, $phase, $id, $end, %o) = @_;
    my $max = $rate * ($end - time) + 10;
    open(my $fh, '>', $log) or die "$log: $!\n";
    my $seq = 0;
    while (time < $end && $seq < $max) {
        my $t0 = time;
        $seq++;
        my ($kind, $status, $body, $subject, $ticket) = ('read');
        if ($o{slow}) {
            $kind = 'slow';
            ($status, $body) = request(get("/stress/sleep?s=$o{slow}"));
        } elsif ($o{writes_only} || $seq % 2) {
            $kind = 'write';
            $subject = "stress $run $phase $id $seq";
            ($status, $body) = request(raise($subject, $o{user} // 6));
            ($ticket) = $body =~ /"ticketId":"(\d+)"/;
        } else {
            ($status, $body) = request(get('/api/v1/get_ticket_details/11'));
        }
        my $t1 = time;
        printf $fh "%s\t%.4f\t%.4f\t%d\t%s\t%s\n", $kind, $t0, $t1, $status,
            $subject // '-', $ticket // '-';
        my $pause = 1 / $rate - ($t1 - $t0);
        sleep($pause) if $pause > 0 && time + $pause < $end;
    }
    close $fh;
}

# Run clients (and a sampler of backends) until $secs have passed, while
# $events->($t0) drives the fault; returns the requests and the most
# backends seen.
sub under_load {
    my ($phase, $secs, $events, @specs) = @_;
    @specs = map { +{} } 1 .. $clients unless @specs;
    my $t0 = time;
    my $end = $t0 + $secs;
    my (@pids, @logs);
    for my $i (0 .. $#specs) {
        my $log = "$dir/$phase.$i.log";
        push @logs, $log;
        my $pid = fork // die "fork: $!\n";
        if (!$pid) {
            client($log, $phase, $i, $end, %{ $specs[$i] });
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    my $sampled = "$dir/$phase.backends";
    my $sampler = fork // die "fork: $!\n";
    if (!$sampler) {
        open(STDERR, '>', '/dev/null');    # psql while PostgreSQL is down
        $ENV{PGCONNECT_TIMEOUT} = 2;       # or frozen
        my $most = 0;
        while (time < $end + 1) {
            my ($row) = psql("select count(*) from pg_stat_activity"
                             . " where usename = 'pgticket_web'");
            $most = $row->[0] if $row && $row->[0] > $most;
            sleep 0.25;
        }
        open(my $fh, '>', $sampled) or die;
        print $fh "$most\n";
        close $fh;
        POSIX::_exit(0);
    }
    my %info = $events ? $events->($t0) : ();
    waitpid($_, 0) for @pids, $sampler;
    my @reqs;
    for my $log (@logs) {
        open(my $fh, '<', $log) or next;
        while (<$fh>) {
            chomp;
            my %r;
            @r{qw(kind t0 t1 status subject ticket)} = split /\t/;
            push @reqs, \%r;
        }
    }
    open(my $fh, '<', $sampled);
    chomp(my $most = $fh ? <$fh> // 0 : 0);
    return (\@reqs, $most, %info);
}

# ---------------------------------------------------------------- figures

my (@summary, @off);

sub ok2xx { $_[0]{status} >= 200 && $_[0]{status} < 300 }

sub count_by {
    my ($reqs) = @_;
    my %n;
    for (@$reqs) {
        my $k = $_->{status} == 0 ? 'no answer'
              : ok2xx($_) ? '2xx' : $_->{status};
        $n{$k}++;
    }
    return join ', ', map { "$_ $n{$_}" } sort keys %n;
}

sub pct {
    my ($list, $p) = @_;
    return 0 unless @$list;
    my @s = sort { $a <=> $b } @$list;
    return $s[floor($p * $#s)];
}

# what the database holds of this phase's writes
sub check_writes {
    my ($phase, $reqs) = @_;
    my %db;
    for my $row (psql("select t.number, t.subject, h.ticket_id is not null,"
            . " (select count(*) from pgticket.message m"
            . "   where m.ticket_id = t.id),"
            . " (select count(*) from pgticket.ticket_history x"
            . "   where x.ticket_id = t.id)"
            . " from pgticket.ticket t"
            . " left join pgticket.ticket_helpdesk h on h.ticket_id = t.id"
            . " where t.workflow = 'helpdesk'"
            . " and t.subject like 'stress $run $phase %'")) {
        $db{$row->[1]} = { number => $row->[0],
                           whole => $row->[2] eq 't' && $row->[3] > 0
                                    && $row->[4] > 0 };
    }
    my %f = (acked => 0, missing => 0, half => 0, err_committed => 0,
             errors => 0, lost_committed => 0, no_answer => 0);
    for my $r (grep { $_->{kind} eq 'write' } @$reqs) {
        my $row = $db{ $r->{subject} };
        if (ok2xx($r)) {
            $f{acked}++;
            $f{missing}++ if !$row || $row->{number} ne $r->{ticket};
        } elsif ($r->{status} == 0) {
            $f{no_answer}++;
            $f{lost_committed}++ if $row;
        } else {
            $f{errors}++;
            $f{err_committed}++ if $row;
        }
    }
    $f{half} = grep { !$_->{whole} } values %db;
    return \%f;
}

sub report {
    my ($title, $phase, $reqs, $most, %x) = @_;
    my $w = check_writes($phase, $reqs);
    my @lat = map { $_->{t1} - $_->{t0} } @$reqs;
    print "\n== $title\n";
    printf "requests %d: %s; latency p50 %.3f s, p99 %.3f s\n",
        scalar @$reqs, count_by($reqs), pct(\@lat, 0.5), pct(\@lat, 0.99);
    print "$_\n" for @{ $x{lines} // [] };
    printf "writes: %d acknowledged, %d missing, %d half-done;"
        . " %d answered with an error, %d of them committed;"
        . " %d without an answer, %d of them committed\n",
        @$w{qw(acked missing half errors err_committed no_answer
               lost_committed)};
    printf "backends of pgticket_web: at most %d (limit %d = %d workers"
        . " x pool %d)\n", $most, $workers * $pool, $workers, $pool;
    my @bad = (
        [ $w->{missing}, 'acknowledged writes missing' ],
        [ $w->{half}, 'writes half-done' ],
        [ $w->{err_committed}, 'writes answered with an error but committed' ],
        [ $most > $workers * $pool ? $most : 0,
          "backends, over the limit of ${\($workers * $pool)}"
          . ($x{backends_note} // '') ],
        @{ $x{bad} // [] },
    );
    push @off, map { "$title: $_->[0] $_->[1]" } grep { $_->[0] } @bad;
    push @summary, [ $title, scalar @$reqs,
        scalar(grep { !ok2xx($_) } @$reqs), $x{key} // '-', $w->{acked},
        $w->{missing}, $w->{half}, $w->{err_committed},
        "$most/" . $workers * $pool ];
}

printf "pgticket stress: nginx %d workers, pgticket_pool max=%d queue=%d"
    . " timeout=%ds; %d clients at up to %d req/s each; 127.0.0.1:%d\n",
    $workers, $pool, $queue, $timeout, $clients, $rate, $port;
my $rss_start = workers_rss();

# ------------------------------------------------------------------ faults

{
    my ($reqs, $most) = under_load('baseline', 3, undef);
    report('baseline, no fault', 'baseline', $reqs, $most);
}

{
    my $before = nginx_pids();
    my ($reqs, $most, %t) = under_load('pgdown', 14, sub {
        my ($t0) = @_;
        until_at($t0, 2);
        my $down = time;
        system($stack, 'pg-stop', $dir);
        until_at($down, 5);
        my $starting = time;
        system($stack, 'pg-start', $dir, $pgport);
        return (down => $down, starting => $starting, up => time);
    });
    # the first success of a request sent once PostgreSQL was starting
    my ($first) = sort { $a <=> $b } map { $_->{t1} }
        grep { ok2xx($_) && $_->{t0} >= $t{starting} } @$reqs;
    my $recover = defined $first ? $first - $t{up} : undef;
    $recover = 0 if defined $recover && $recover < 0;
    my @during = grep { $_->{t0} >= $t{down} && $_->{t0} < $t{up} } @$reqs;
    my @late = grep { defined $first && $_->{t0} > $first && !ok2xx($_) }
        @$reqs;
    report('PostgreSQL stopped for 5 s', 'pgdown', $reqs, $most,
        key => defined $recover ? sprintf('recovered in %.2f s', $recover)
                                : 'never recovered',
        lines => [
            sprintf('while down (%.1f s): %d requests: %s', $t{up} - $t{down},
                scalar @during, count_by(\@during)),
            sprintf('time to recover: %s after PostgreSQL accepted'
                . ' connections; %d failed after the first success',
                defined $recover ? sprintf('%.2f s', $recover) : 'never',
                scalar @late),
            'nginx ' . (nginx_pids() eq $before
                ? 'not reloaded or restarted (same master and workers)'
                : 'processes changed: ' . nginx_pids()),
        ]);
}

{
    my ($reqs, $most, %k) = under_load('kill', 10, sub {
        my ($t0) = @_;
        my $kills = 0;
        for my $at (2, 4, 6, 8) {
            until_at($t0, $at);
            my ($row) = psql("select count(pg_terminate_backend(pid))"
                . " from (select pid from pg_stat_activity"
                . "  where usename = 'pgticket_web' and state = 'active'"
                . "  and query like '%api_stress.sleep%' limit 1) s");
            $kills += $row->[0] if $row;
        }
        return (kills => $kills);
    }, ({}) x ($clients - 1), { slow => 0.5 });
    my @slow = grep { $_->{kind} eq 'slow' } @$reqs;
    report('a backend killed mid-query', 'kill', $reqs, $most,
        key => "$k{kills} killed",
        lines => [
            sprintf('%d backends killed while running a slow request; slow'
                . ' requests: %s', $k{kills}, count_by(\@slow)),
        ]);
}

{
    my ($reqs, $most, %l) = under_load('lock', 10, sub {
        my ($t0) = @_;
        until_at($t0, 1);
        my $hold = $timeout + 3;
        my $start = time;
        system($stack, 'as-owner', "$pgbin/psql", '-X', '-q', '-o',
               '/dev/null', '-h', $dir, '-p', $pgport, '-U', 'postgres',
               '-d', $db, '-c',
               "begin; select 1 from pgticket.customer"
               . " where helpdesk_user_id = 7 for update;"
               . " select pg_sleep($hold); commit;");
        return (from => $start, to => time);
    }, map { +{ user => 7, writes_only => 1 } } 1 .. 3 * $workers * $pool);
    my @held = grep { $_->{kind} eq 'write' && $_->{t0} < $l{to}
                      && $_->{t1} > $l{from} } @$reqs;
    report("a row lock held ${\($timeout + 3)} s, past the ${timeout} s"
           . ' timeout', 'lock', $reqs, $most,
        key => sprintf('%d of %d held failed', scalar(grep { !ok2xx($_) }
                       @held), scalar @held),
        lines => [
            sprintf('%d clients writing for the locked customer; writes in'
                . ' flight while it was held: %d: %s', 3 * $workers * $pool,
                scalar @held, count_by(\@held)),
        ]);
}

{
    my $before = nginx_pids();
    my ($reqs, $most, %r) = under_load('reload', 10, sub {
        my ($t0) = @_;
        my $n = 0;
        for my $at (2, 4, 6, 8) {
            until_at($t0, $at);
            $n++ if system('nginx', '-q', '-s', 'reload', '-p',
                           "$dir/nginx", '-c', "$dir/nginx/nginx.conf",
                           '-e', "$dir/nginx/error.log") == 0;
        }
        return (reloads => $n);
    });
    my @failed = grep { !ok2xx($_) } @$reqs;
    report('nginx -s reload under load', 'reload', $reqs, $most,
        key => "$r{reloads} reloads",
        bad => [ [ scalar @failed, 'requests failed during reloads' ] ],
        backends_note => ' (while a reload is under way, the old workers'
            . ' hold their connections until they exit)',
        lines => [ sprintf('%d reloads; %d requests failed', $r{reloads},
                           scalar @failed) ]);
}

{
    # every PostgreSQL process stopped: connections are accepted by the
    # kernel and never answered, like a host that hangs
    my ($reqs, $most, %f) = under_load('freeze', 12, sub {
        my ($t0) = @_;
        until_at($t0, 2);
        my @pids = pg_pids();
        my $from = time;
        kill 'STOP', @pids;
        until_at($from, 5);
        kill 'CONT', @pids;
        return (from => $from, to => time);
    });
    my @during = grep { $_->{t0} >= $f{from} && $_->{t0} < $f{to} } @$reqs;
    my @fast = grep { !ok2xx($_) && $_->{t1} - $_->{t0} < 0.5 } @during;
    my @slow = grep { !ok2xx($_) && $_->{t1} - $_->{t0} >= 0.5 } @during;
    my ($first) = sort { $a <=> $b } map { $_->{t1} }
        grep { ok2xx($_) && $_->{t0} >= $f{to} } @$reqs;
    report('PostgreSQL frozen 5 s (SIGSTOP)',
        'freeze', $reqs, $most,
        key => sprintf('%d of %d waited', scalar @slow,
                       scalar(@fast) + scalar(@slow)),
        lines => [
            sprintf('sent while frozen: %d: %s; errors at once (< 0.5 s):'
                . ' %d, after waiting: %d (p50 %.2f s)', scalar @during,
                count_by(\@during), scalar @fast, scalar @slow,
                pct([ map { $_->{t1} - $_->{t0} } @slow ], 0.5)),
            sprintf('first success %s after SIGCONT',
                defined $first ? sprintf('%.2f s', $first - $f{to})
                               : 'never'),
        ]);
}

{
    # more slow requests at once than every worker's pool and queue hold
    my $n = 2 * $workers * ($pool + $queue) + 20;
    my ($reqs, $most) = under_load('exhaust', 6, sub {
        my ($t0) = @_;
        until_at($t0, 1);
        my @socks;
        for (1 .. $n) {
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                          Timeout => 5) or next;
            print $s get('/stress/sleep?s=1.5');
            push @socks, [ $s, time, '' ];
        }
        my $sel = IO::Select->new(map { $_->[0] } @socks);
        my %by = map { fileno($_->[0]) => $_ } @socks;
        my $deadline = time + 15;
        my (@fast503, @other);
        while ($sel->count && time < $deadline) {
            for my $s ($sel->can_read(1)) {
                my $c = $by{ fileno $s };
                my $got = sysread($s, my $buf, 65536);
                if ($got) {
                    $c->[2] .= $buf;
                    next;
                }
                $sel->remove($s);
                my ($st) = $c->[2] =~ m{^HTTP/1\.\d (\d{3})};
                push @{ ($st // 0) == 503 ? \@fast503 : \@other },
                    [ $st // 0, time - $c->[1] ];
                close $s;
            }
        }
        open(my $fh, '>', "$dir/exhaust.burst") or die;
        print $fh join("\t", @$_), "\n" for @fast503;
        print $fh "other\t", join("\t", @$_), "\n" for @other;
        close $fh;
        return ();
    });
    open(my $fh, '<', "$dir/exhaust.burst");
    my (@r503, %other);
    while (my $line = $fh ? <$fh> : undef) {
        chomp $line;
        my @f = split /\t/, $line;
        if ($f[0] eq 'other') { $other{$f[1]}++ } else { push @r503, $f[1] }
    }
    my @at_once = grep { $_ < 0.5 } @r503;
    my @waited = grep { $_ >= 0.5 } @r503;
    report('pool and queue exhausted', 'exhaust', $reqs, $most,
        key => sprintf('%d x 503 at once', scalar @at_once),
        lines => [
            sprintf('burst of %d slow requests (1.5 s) at once: %d answered'
                . ' 503 at once (queue full; max %.3f s), %d answered 503'
                . ' after waiting (min %.2f s), others: %s', $n,
                scalar @at_once, pct(\@at_once, 1), scalar @waited,
                pct(\@waited, 0),
                join(', ', map { "$_ $other{$_}" } sort keys %other) || '-'),
        ]);
}

{
    # what an ALTER EXTENSION UPDATE may do: the result type behind the
    # prepared statement changes, and changes back
    my ($reqs, $most, %c) = under_load('retype', 9, sub {
        my ($t0) = @_;
        until_at($t0, 2);
        my $first = time;
        psql('alter type pgticket.http_response'
             . ' alter attribute status type bigint');
        until_at($t0, 5);
        my $second = time;
        psql('alter type pgticket.http_response'
             . ' alter attribute status type integer');
        return (first => $first, second => $second);
    });
    my @e1 = grep { $_->{t0} >= $c{first} && $_->{t0} < $c{second}
                    && !ok2xx($_) } @$reqs;
    my @e2 = grep { $_->{t0} >= $c{second} && !ok2xx($_) } @$reqs;
    my @last = grep { $_->{t0} >= $c{second} + 3 } @$reqs;
    report('result type changed (ALTER TYPE, twice)', 'retype',
        $reqs, $most,
        key => sprintf('%d failed', @e1 + @e2),
        bad => [ [ @e1 + @e2, 'requests failed after a type change' ] ],
        lines => [
            sprintf('after the first change: %s failed; after the second:'
                . ' %s failed; the last second: %s', count_by(\@e1) || 0,
                count_by(\@e2) || 0, count_by(\@last)),
        ]);
}

# ----------------------------------------------------------------- summary

print "\n";
my @head = ('fault', 'requests', 'failed', 'figure', 'acked', 'missing',
            'half-done', 'err-committed', 'backends');
my $fmt = "%-44s %8s %7s %-22s %6s %7s %9s %13s %8s\n";
printf $fmt, @head;
printf $fmt, @$_ for @summary;
printf "\nnginx workers' memory: %s at the start, %s at the end\n",
    $rss_start, workers_rss();
print "\nfigures off their mark:\n", (@off ? map { "  $_\n" } @off : "  none\n");
