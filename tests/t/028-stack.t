#!/usr/bin/perl
# The operator's stack, as `make run` and `make stop` drive it, in a run
# directory of its own: root's `nginx -t` on the generated configuration
# leaves the servers able to buffer large bodies; `make run` again applies a
# new PORT= (reload), a new module (restart) and a new PGPORT=; a port
# taken by another program is refused with a message naming PORT=, and the
# running nginx keeps serving; so is a PORT= or PGPORT= that is not a port,
# before anything is written or stopped; `make psql` finds the cluster on
# its PGPORT= and passes SQL= with its quotes; `make stop` says what it
# stopped, and leaves alone another nginx that a stale pid file names;
# `make help` lists the targets; `make test-asan T=...` runs only those.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use IO::Socket::INET;
use Test::More;
use PgTicketTest;

my $top = "$FindBin::Bin/../..";
my $rd = test_dir() . '/run';
my ($p1, $p2, $p3) = (port(), port() + 50, port() + 60);
my $pgport = $ENV{PGTICKET_PGPORT} + 28;

# make TARGET VAR=VALUE...: (exit status, stdout and stderr)
sub make {
    my ($target, %vars) = @_;
    my $args = join ' ', map { "'$_=$vars{$_}'" } sort keys %vars;
    my $out = `make -s -C '$top' $target RUN_DIR='$rd' $args 2>&1`;
    return ($? >> 8, $out);
}

sub status_on {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 2) or return 0;
    print $s "GET /pgticket_status HTTP/1.0\r\n\r\n";
    my $head = <$s> // '';
    return $head =~ m{^HTTP/1\.\d 200} ? 1 : 0;
}

sub master_pid {
    open(my $fh, '<', "$rd/nginx/nginx.pid") or return 0;
    chomp(my $pid = <$fh> // '');
    return $pid;
}

END {
    # whatever happened, nothing of this test keeps running
    system("make -s -C '$top' stop RUN_DIR='$rd' >/dev/null 2>&1")
        if -d $rd;
}

# make psql without PGPORT=, with SQL= passed as an argument (no
# shell in between, so its quotes reach make as a user's would)
sub make_psql {
    my ($sql) = @_;
    open(my $fh, '-|', 'make', '-s', '-C', $top, 'psql', "RUN_DIR=$rd",
         "SQL=$sql") or die "make psql: $!\n";
    my $out = do { local $/; <$fh> } // '';
    close $fh;
    return ($? >> 8, $out);
}

# make help: the targets a new user looks for
my ($rc, $out) = make('help');
is($rc, 0, 'make help: exit 0');
like($out, qr/^ +make $_ /m, "make help lists make $_") or diag($out)
    for qw(run stop clean-run psql test help);

# make test-asan T=...: only those tests, as make test T=... (it ran every
# HTTP test under ASan); a name that is no test fails at once
$out = `make -n -s -C '$top' test-asan T=tests/t/013-queue.t 2>&1`;
if (like($out, qr{^tests/asan\.sh tests/t/013-queue\.t$}m,
         'make test-asan T=: asan.sh is given the tests named')) {
    $out = `cd '$top' && tests/asan.sh tests/t/no-such-test.t 2>&1`;
    isnt($? >> 8, 0, 'asan.sh with a test that does not exist: fails');
    like($out, qr{no-such-test\.t: no such test.*^0 passed, 1 failed$}ms,
         'asan.sh names the missing test, before building anything')
        or diag($out);
}

# a run left over by an interrupted test stops first
system("make -s -C '$top' stop RUN_DIR='$rd' >/dev/null 2>&1") if -d $rd;
system('rm', '-rf', $rd);

($rc, $out) = make('run', PORT => $p1, PGPORT => $pgport);
is($rc, 0, 'make run: exit 0') or diag($out);
ok(status_on($p1), "make run: nginx answers on PORT=$p1");

# nginx -t by root on the generated configuration, then a body nginx
# buffers to a temporary file (over client_body_buffer_size, 16 KB)
SKIP: {
    skip 'not root', 3 unless $> == 0;
    my $t = `nginx -t -p '$rd/nginx' -c '$rd/nginx/nginx.conf' -e '$rd/nginx/t.log' 2>&1`;
    is($?, 0, "root's nginx -t on the generated configuration") or diag($t);
    my $owner = getpwuid((stat "$rd/nginx/client_body_temp")[4]);
    is($owner, 'postgres', 'client_body_temp still belongs to the servers');
    my $body = 'type=Payment&subject=big&userId=6&comments=' . ('a' x 40000);
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$p1", Timeout => 10);
    print $s "POST /api/v1/raise_ticket HTTP/1.0\r\nHost: localhost\r\n"
        . "Content-Type: application/x-www-form-urlencoded\r\n"
        . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    my $answer = do { local $/; <$s> } // '';
    like($answer, qr{^HTTP/1\.\d 200 .*"status":"success"}s,
         'a 40 KB body after root\'s nginx -t: 200');
}

# make psql finds the cluster on the PGPORT= make run was given, and SQL=
# may hold double quotes (a jsonb literal)
($rc, $out) = make_psql(q{select '{"a": "reached"}'::jsonb ->> 'a' as x});
is($rc, 0, 'make psql without PGPORT=: exit 0') or diag($out);
like($out, qr/^ reached$/m, 'make psql reaches the cluster on its PGPORT=, '
     . 'with the double quotes of SQL= intact') or diag($out);

# a port that is not one is refused before anything is written or stopped
# (a "port = abc" in postgresql.conf kept the cluster from starting again)
($rc, $out) = make('run', PORT => $p1, PGPORT => 'abc');
isnt($rc, 0, 'make run PGPORT=abc fails');
like($out, qr/^PGPORT=abc is not a port number/m, 'the message names PGPORT=')
    or diag($out);
unlike($out, qr/restarting/, 'PostgreSQL is not restarted');
($rc, $out) = make_psql('select 1 as one');
is($rc, 0, 'PostgreSQL still runs on its port') or diag($out);
# an empty PGPORT in the environment (make exports `make run PGPORT=`)
# never reaches the server: it started, where it failed on port ""
system("'$top/tests/stack.sh' pg-stop '$rd' >/dev/null 2>&1");
$out = `PGPORT= '$top/tests/stack.sh' pg-start '$rd' $pgport 2>&1`;
is($?, 0, 'pg-start with PGPORT empty in the environment: exit 0')
    or diag($out);
($rc, $out) = make_psql('select 1 as one');
is($rc, 0, '... and PostgreSQL runs on its port') or diag($out);
($rc, $out) = make('run', PORT => '80a', PGPORT => $pgport);
isnt($rc, 0, 'make run PORT=80a fails');
like($out, qr/^PORT=80a is not a port number/m, 'the message names PORT=')
    or diag($out);
ok(status_on($p1), 'the running nginx keeps serving its port');
open(my $conf, '<', "$rd/nginx/nginx.conf") or die "nginx.conf: $!\n";
ok(!grep(/80a/, <$conf>), 'nginx.conf is left as it was');
close $conf;

my $pid = master_pid();
($rc, $out) = make('run', PORT => $p2, PGPORT => $pgport);
is($rc, 0, 'make run PORT=<new>: exit 0') or diag($out);
like($out, qr/configuration reloaded/, 'make run PORT=<new>: reloads');
ok(status_on($p2), "nginx answers on the new PORT=$p2");
is(master_pid(), $pid, 'the same nginx (a reload, not a restart)');
ok(wait_until(10, sub { !status_on($p1) }), "the old PORT=$p1 is let go");

($rc, $out) = make('run', PORT => $p2, PGPORT => $pgport);
is($rc, 0, 'make run again, nothing changed: exit 0');
unlike($out, qr/reloaded|restarting/, 'nothing changed: nginx left alone');
unlike($out, qr/^built /m, 'nothing changed: no module said to be built');

# the build links into a file of its own, never into the one nginx runs:
# written in place, it crashed the workers that ran it (SIGSEGV)
{
    my $so = "$top/.build/nginx/objs/ngx_http_pgticket_module.so";
    open(my $fh, '<', "/proc/$pid/maps") or die "maps: $!\n";
    my ($mapped) = map { /^\S+ \S+ \S+ \S+ (\d+)\s+\S*pgticket_module\.so/ }
                   <$fh>;
    close $fh;
    ok($mapped, "nginx maps the module (inode $mapped)");
    isnt((stat $so)[1], $mapped,
         'after a build, the module file is not the one nginx maps');
}

# the running nginx was started with another build of the module
{
    open(my $fh, '<', "$rd/nginx/started") or die "started: $!\n";
    my @lines = <$fh>;
    close $fh;
    $lines[1] = "0123456789abcdef0123456789abcdef\n";
    open($fh, '>', "$rd/nginx/started") or die "started: $!\n";
    print $fh @lines;
    close $fh;
}
($rc, $out) = make('run', PORT => $p2, PGPORT => $pgport);
is($rc, 0, 'make run with a new module: exit 0') or diag($out);
like($out, qr/module changed, restarting/, 'a new module: nginx restarts');
isnt(master_pid(), $pid, 'a new nginx master');
ok(status_on($p2), 'and it answers');

($rc, $out) = make('run', PORT => $p2, PGPORT => $pgport + 1);
is($rc, 0, 'make run PGPORT=<new>: exit 0') or diag($out);
like($out, qr/restarting/, 'PostgreSQL restarts on the new port');
my $r = http_on($p2, '/api/v1/get_ticket_details/11');
is($r, 200, 'nginx reaches PostgreSQL on the new PGPORT') or diag($out);

# a port another program holds
my $holder = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$p3",
                                   Listen => 5, ReuseAddr => 1)
    or die "cannot listen on $p3: $!\n";
($rc, $out) = make('run', PORT => $p3, PGPORT => $pgport + 1);
isnt($rc, 0, 'make run on a taken port fails');
like($out, qr/127\.0\.0\.1:$p3 is already in use.*PORT=/,
     'the message names the address and PORT=');
ok(status_on($p2), 'the running nginx keeps serving its port');
close $holder;

my $master = master_pid();
($rc, $out) = make('stop');
is($rc, 0, 'make stop: exit 0');
like($out, qr/^stopped nginx \(pid $master, listening on 127\.0\.0\.1:$p2\)$/m,
     'make stop names the nginx it stopped');
like($out, qr/^stopped PostgreSQL \(pid \d+, port ${\($pgport + 1)}, \Q$rd\E\/pgdata\)$/m,
     'make stop names the PostgreSQL it stopped');
ok(!status_on($p2), 'nginx is gone');
($rc, $out) = make('stop');
like($out, qr/nginx of .* was not running\nPostgreSQL of .* was not running/,
     'make stop again: nothing was running');

# a pid file left behind by an nginx that was killed, whose pid another
# nginx (another run directory's) has now: make stop leaves that one alone
{
    my $od = test_dir() . '/other-nginx';
    system('rm', '-rf', $od);
    mkdir $od or die "$od: $!\n";
    my $p4 = port() + 70;
    open(my $fh, '>', "$od/nginx.conf") or die "$od/nginx.conf: $!\n";
    print $fh "pid $od/nginx.pid;\nerror_log $od/error.log;\n"
        . "events {}\nhttp { access_log off; client_body_temp_path $od;\n"
        . "  server { listen 127.0.0.1:$p4; return 204; } }\n";
    close $fh;
    system('nginx', '-q', '-p', $od, '-c', "$od/nginx.conf", '-e',
           "$od/error.log") == 0 or die "cannot start the other nginx\n";
    ok(wait_until(10, sub { -s "$od/nginx.pid" }), 'another nginx runs');
    open($fh, '<', "$od/nginx.pid") or die "$od/nginx.pid: $!\n";
    chomp(my $other = <$fh>);
    close $fh;
    open($fh, '>', "$rd/nginx/nginx.pid") or die "nginx.pid: $!\n";
    print $fh "$other\n";
    close $fh;
    ($rc, $out) = make('stop');
    like($out, qr/^nginx of .* was not running$/m,
         "make stop: a stale pid file naming another nginx is not ours")
        or diag($out);
    ok(kill(0, $other), 'the other nginx still runs');
    kill 'QUIT', $other;
}

sub http_on {
    my ($port, $path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 5) or return 0;
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $head = <$s> // '';
    return $head =~ m{^HTTP/1\.\d (\d+)} ? $1 : 0;
}

done_testing();
