package PgTicketTest;

# Test harness for the nginx side of pgticket: one nginx per .t file, with
# its own directory and loopback port, in front of the PostgreSQL cluster
# started by the caller (make test):
#
#   PGTICKET_RUNDIR   run directory of the cluster (its unix socket is there)
#   PGTICKET_PGPORT   its port
#   PGTICKET_DB       a database with the pgticket extension loaded
#   PGTICKET_HTTP_PORT_BASE  optional, default 18080: test NNN listens on
#                     127.0.0.1:(base + NNN)
#   PGTICKET_MODULE   optional: the module to load (default: the one
#                     nginx-module/build.sh builds)
#   PGTICKET_NGINX_ENV  optional: NAME=value words nginx is started with
#                     (make test-asan: LD_PRELOAD of the ASan runtime)
#
# The harness creates test-only SQL functions in schema api_test at start
# and drops them at the end, and asserts at the end that nginx's error.log
# has no [alert]/[crit]/[emerg] and no [error] except the expected ones.
# Only Perl core modules are used.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname basename);
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time sleep);

our @EXPORT = qw(start_nginx stop_nginx http raw_http parallel psql pg_stop
                 pg_start nginx_t expect_error conninfo port test_dir
                 wait_until nginx_conf_text);

my $top = abs_path(dirname(__FILE__) . '/../..');
my $stack = "$top/tests/stack.sh";
my $module = $ENV{PGTICKET_MODULE}
    || "$top/.build/nginx/objs/ngx_http_pgticket_module.so";
my @nginx_env = $ENV{PGTICKET_NGINX_ENV}
    ? ('env', split(' ', $ENV{PGTICKET_NGINX_ENV})) : ();

my ($rundir, $pgport, $db) = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT
                                     PGTICKET_DB)};
my $name = basename($0, '.t');
my ($number) = $name =~ /^(\d+)/;
my $port = ($ENV{PGTICKET_HTTP_PORT_BASE} || 18080) + ($number // 0);
my $dir;
my @expected_errors;
my $nginx_running = 0;
my $fixtures = 0;
my $owner_pid = $$;

BEGIN {
    unless ($ENV{PGTICKET_RUNDIR} && $ENV{PGTICKET_PGPORT}
            && $ENV{PGTICKET_DB}) {
        Test::More::plan(skip_all => 'PGTICKET_RUNDIR, PGTICKET_PGPORT and '
                                     . 'PGTICKET_DB are not set');
    }
}

$dir = "$rundir/t-$name";

unless (-f $module) {
    plan(skip_all => "$module is not built (nginx-module/build.sh)");
}

system($stack, 'own-dir', $dir) == 0 or die "own-dir $dir failed\n";
unlink "$dir/error.log";

sub port { $port }
sub test_dir { $dir }

sub conninfo {
    "host=$rundir port=$pgport dbname=$db user=pgticket_web";
}

# psql as the cluster owner; returns rows as array refs
sub psql {
    my ($sql) = @_;
    open(my $fh, '-|', $stack, 'as-owner', 'psql', '-X', '-q', '-A', '-t',
         '-F', "\t", '-v', 'ON_ERROR_STOP=1', '-h', $rundir, '-p', $pgport,
         '-U', 'postgres', '-d', $db, '-c', $sql)
        or die "psql: $!\n";
    my @rows = map { chomp; [split /\t/, $_, -1] } <$fh>;
    close $fh or die "psql failed: $sql\n";
    return @rows;
}

# Let pgticket_web connect to another database of the cluster (pg_hba.conf
# lets it reach only the databases db-setup made).  Not exported: call it
# as PgTicketTest::allow_database($name).
sub allow_database {
    my ($name) = @_;
    system($stack, 'db-allow', $rundir, $pgport, $name) == 0
        or die "db-allow $name failed\n";
}

sub pg_stop {
    system($stack, 'pg-stop', $rundir) == 0 or die "pg-stop failed\n";
}

sub pg_start {
    system($stack, 'pg-start', $rundir, $pgport) == 0
        or die "pg-start failed\n";
}

# Test routes, SECURITY DEFINER like the real facades: pgticket_web has no
# USAGE on schema pgticket, so only the owner can build its http_response.
my $fixture_sql = <<'SQL';
create schema if not exists api_test;
create or replace function api_test.echo(request jsonb)
returns pgticket.http_response language sql security definer as $$
    select (200, '{"Content-Type": "application/json", "X-Test": "yes"}',
            request::text)::pgticket.http_response
$$;
create or replace function api_test.sleep(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    perform pg_sleep((request->'query'->>'s')::float8);
    return (200, '{"Content-Type": "text/plain"}', 'slept')
        ::pgticket.http_response;
end
$$;
create or replace function api_test.fail(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
begin
    raise exception 'test failure' using errcode = request->'params'->>'code';
end
$$;
create or replace function api_test.status(request jsonb)
returns pgticket.http_response language sql security definer as $$
    select ((request->'params'->>'code')::int,
            '{"Location": "/api/elsewhere"}', null)::pgticket.http_response
$$;
grant usage on schema api_test to pgticket_web;
grant execute on all functions in schema api_test to pgticket_web;
SQL

sub fixtures {
    return if $fixtures;
    psql($fixture_sql);
    $fixtures = 1;
}

sub nginx_conf_text {
    my ($http, %opt) = @_;
    my $workers = $opt{workers} // 1;
    $http =~ s/%%PORT%%/$port/g;
    my $ci = conninfo();
    $http =~ s/%%CONNINFO%%/$ci/g;
    # the helpdesk's doors (api-helpdesk.conf names them), as the shipped
    # nginx.conf has them, unless the test has doors of its own: the tests'
    # clients are on 127.0.0.1, the admin door (034-admin-door.t tests the
    # shipped one from 127.0.0.2 too)
    my $door = $http =~ /\$pgticket_helpdesk_audience\s*\{/ ? '' : <<'DOOR';

    geo $pgticket_helpdesk_audience {
        default    user;
        127.0.0.1  admin;
    }
    map "" $pgticket_helpdesk_admin {
        default    "";
    }
DOOR
    return <<EOF;
load_module $module;
worker_processes $workers;
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log notice;

events {
    worker_connections 1024;
}

http {
    access_log $dir/access.log;
    client_body_temp_path $dir/client_body_temp;
    proxy_temp_path $dir/proxy_temp;
    fastcgi_temp_path $dir/fastcgi_temp;
    uwsgi_temp_path $dir/uwsgi_temp;
    scgi_temp_path $dir/scgi_temp;

    # the zone the API files' limit_req names (the shipped nginx.conf
    # defines it); generous here, so that tests of what an API answers never
    # meet it.  tests/t/033-rate-limit.t tests the shipped rate.
    limit_req_zone \$binary_remote_addr zone=pgticket_credentials:1m
                   rate=100000r/s;
$door
$http
}
EOF
}

# The shipped nginx.conf (nginx-module/pgticket.conf.in and the API files
# it includes, as tests/stack.sh nginx-conf writes them) for this test's
# directory, port and database: start_nginx(shipped_conf(), full => 1).
# Not exported: call it as PgTicketTest::shipped_conf().
sub shipped_conf {
    my $src = "$top/nginx-module";
    open(my $fh, '<', "$src/pgticket.conf.in") or die "pgticket.conf.in: $!\n";
    my $text = do { local $/; <$fh> };
    close $fh;
    # USER: the harness starts nginx as the servers' user, so no user
    # directive (stack.sh writes one when root starts nginx)
    my %v = (PORT => $port, PGHOST => $rundir, PGPORT => $pgport, DB => $db,
             MODULE => $module, DIR => $dir, USER => '');
    $text =~ s/\@(PORT|PGHOST|PGPORT|DB|MODULE|DIR|USER)\@/$v{$1}/g;
    system($stack, 'own-dir', "$dir/pgticket") == 0 or die "own-dir failed\n";
    system('cp', glob("$src/conf/*.conf"), "$dir/pgticket/") == 0
        or die "cp conf failed\n";
    return $text;
}

# md5 of every table of schema pgticket, by name: two calls that agree say
# that nothing was written in between.  Not exported: call it as
# PgTicketTest::table_checksums().
sub table_checksums {
    my ($sql) = psql(<<'SQL');
select string_agg(format(
    'select %L, md5(coalesce(string_agg(t::text, E''\n'' order by t::text), '''')) from %s t',
    c.relname, c.oid::regclass), ' union all ' order by c.relname)
from pg_class c
where c.relnamespace = 'pgticket'::regnamespace and c.relkind = 'r'
SQL
    return map { $_->[0] => $_->[1] } psql($sql->[0]);
}

sub write_file {
    my ($path, $text) = @_;
    open(my $fh, '>', $path) or die "$path: $!\n";
    print $fh $text;
    close $fh;
}

# PGTICKET_TEST_PIPELINE=N runs the suite with pgticket_pool pipeline=N
# (1: without a pipeline; the default is 4) wherever a test does not choose
# a depth itself
sub with_pipeline {
    my ($text) = @_;
    my $depth = $ENV{PGTICKET_TEST_PIPELINE} or return $text;
    return $text if $text =~ /\bpipeline=/;
    $text =~ s/^(\s*pgticket_pool\b[^;]*);/$1 pipeline=$depth;/mg
        or $text =~ s/^(\s*)(pgticket_database\b[^;]*;)/$1$2\n$1pgticket_pool pipeline=$depth;/m;
    return $text;
}

# nginx -t on a configuration; returns (output, path of the conf file).
# full => 1: $http is a whole nginx.conf, as in start_nginx.
sub nginx_t {
    my ($http, %opt) = @_;
    my $conf = "$dir/t.conf";
    write_file($conf, $opt{full} ? $http : nginx_conf_text($http, %opt));
    my $out = `'$stack' as-owner @nginx_env nginx -t -p '$dir' -c '$conf' -e '$dir/t.log' 2>&1`;
    return ($out, $conf);
}

# start_nginx($http, %opt): nginx with these http-level directives (see
# nginx_conf_text); full => 1: $http is a whole nginx.conf.
sub start_nginx {
    my ($http, %opt) = @_;
    fixtures();
    write_file("$dir/nginx.conf", with_pipeline(
               $opt{full} ? $http : nginx_conf_text($http, %opt)));
    system($stack, 'own-dir', $dir) == 0 or die "own-dir failed\n";
    # valgrind => 1: every nginx process under memcheck, one log per pid
    my @valgrind = $opt{valgrind}
        ? ('valgrind', '--leak-check=full', '--show-leak-kinds=definite',
           '--num-callers=30', "--log-file=$dir/valgrind.%p.log")
        : ();
    system($stack, 'as-owner', @nginx_env, @valgrind, 'nginx', '-p', $dir,
           '-c', "$dir/nginx.conf", '-e', "$dir/error.log") == 0
        or BAIL_OUT("nginx did not start: " . `tail -5 $dir/error.log`);
    $nginx_running = 1;
    wait_until($opt{valgrind} ? 30 : 5, sub {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 1);
        return $s ? 1 : 0;
    }) or BAIL_OUT("nginx does not listen on $port");
}

sub nginx_pid {
    open(my $fh, '<', "$dir/nginx.pid") or return;
    my $pid = <$fh>;
    chomp $pid if defined $pid;
    return $pid;
}

sub stop_nginx {
    return unless $nginx_running;
    $nginx_running = 0;
    my $pid = nginx_pid() or return;
    kill 'QUIT', $pid;
    wait_until(10, sub { !kill(0, $pid) })
        or do { kill 'TERM', $pid; fail('nginx stopped on QUIT') };
    check_error_log();
}

# an [error] line matching this regex is expected, not a failure
sub expect_error { push @expected_errors, @_ }

sub check_error_log {
    open(my $fh, '<', "$dir/error.log") or return;
    my (@bad);
    while (my $line = <$fh>) {
        if ($line =~ /\[(alert|crit|emerg)\]/) {
            push @bad, $line;
        } elsif ($line =~ /\[error\]/
                 && !grep { $line =~ $_ } @expected_errors) {
            push @bad, $line;
        }
    }
    ok(!@bad, 'error.log has no unexpected errors')
        or diag(join '', @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
}

# poll until the sub returns true, at most $secs seconds
sub wait_until {
    my ($secs, $cond) = @_;
    my $deadline = time + $secs;
    while (time < $deadline) {
        return 1 if $cond->();
        sleep 0.02;
    }
    return $cond->() ? 1 : 0;
}

my $ua = HTTP::Tiny->new(timeout => 20, keep_alive => 0);

# returns { status, headers (lower-cased names), content }
sub http {
    my ($method, $path, $headers, $body) = @_;
    my %o = (headers => $headers // {});
    $o{content} = $body if defined $body;
    my $res = $ua->request($method, "http://127.0.0.1:$port$path", \%o);
    return $res;
}

# a raw request text; returns { status, headers, content, raw }
sub raw_http {
    my ($text) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                  Timeout => 10)
        or die "connect: $!\n";
    print $s $text;
    local $/;
    my $raw = <$s> // '';
    return parse_response($raw);
}

sub parse_response {
    my ($raw) = @_;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status_line, @lines) = split /\r\n/, $head // '';
    my ($status) = ($status_line // '') =~ m{^HTTP/1\.\d (\d{3})};
    my %h;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $h{lc $k} = $v;
    }
    return { status => $status // 0, headers => \%h,
             content => $body // '', raw => $raw };
}

# sends every request at once on its own connection; returns responses in
# order, each with the seconds it took in {time}
sub parallel {
    my (@paths) = @_;
    my $start = time;
    my (@socks, %idx, @out);
    for my $i (0 .. $#paths) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 10)
            or die "connect: $!\n";
        print $s "GET $paths[$i] HTTP/1.0\r\nHost: localhost\r\n\r\n";
        $s->blocking(0);
        push @socks, $s;
        $idx{fileno $s} = $i;
        $out[$i] = '';
    }
    my $sel = IO::Select->new(@socks);
    my (@done_at);
    while ($sel->count && time - $start < 30) {
        for my $s ($sel->can_read(1)) {
            my $i = $idx{fileno $s};
            my $n = sysread($s, my $buf, 65536);
            if ($n) {
                $out[$i] .= $buf;
            } else {
                $done_at[$i] = time - $start;
                $sel->remove($s);
                close $s;
            }
        }
    }
    return map {
        my $r = parse_response($out[$_]);
        $r->{time} = $done_at[$_] // 999;
        $r;
    } 0 .. $#paths;
}

# like parallel, for whole raw requests (any method, headers, body), each
# sent at once on a connection of its own; not exported: call it as
# PgTicketTest::parallel_raw(...)
sub parallel_raw {
    my (@texts) = @_;
    my $start = time;
    my (@socks, %idx, @out);
    local $SIG{PIPE} = 'IGNORE';
    for my $i (0 .. $#texts) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                      Timeout => 10)
            or die "connect: $!\n";
        $s->blocking(0);
        push @socks, $s;
        $idx{fileno $s} = $i;
        $out[$i] = '';
    }
    # every request written before any answer is read
    for my $i (0 .. $#texts) {
        my ($s, $text) = ($socks[$i], $texts[$i]);
        while (length $text) {
            my $n = syswrite($s, $text);
            if (defined $n) {
                substr($text, 0, $n) = '';
            } else {
                IO::Select->new($s)->can_write(1);
            }
        }
    }
    my $sel = IO::Select->new(@socks);
    while ($sel->count && time - $start < 30) {
        for my $s ($sel->can_read(1)) {
            my $i = $idx{fileno $s};
            my $n = sysread($s, my $buf, 65536);
            if ($n) {
                $out[$i] .= $buf;
            } elsif (!defined $n && $!{EAGAIN}) {
                next;
            } else {
                $sel->remove($s);
                close $s;
            }
        }
    }
    return map { parse_response($out[$_]) } 0 .. $#texts;
}

END {
    return unless $$ == $owner_pid;
    my $status = $?;
    stop_nginx() if $nginx_running;
    if ($fixtures) {
        eval { psql('drop schema if exists api_test cascade') };
    }
    $? = $status;
}

1;
