#!/usr/bin/perl
# What the configuration is checked for when it is read.
#
# No blocking name lookup in a worker: a host name in pgticket_database is
# resolved when the configuration is read (nginx -t fails on a name that
# does not resolve), and the worker connects to the address.  Checked with
# strace on the worker while it opens connections: no /etc/hosts, no DNS.
# The connection string never shows in nginx -t's messages.
#
# Directive values that end up in int lengths and int milliseconds are
# bounded: pgticket_body_limit (json-c and libpq take int lengths) and the
# pool's timeout (statement_timeout and lock_timeout are int
# milliseconds); large_result= is a size.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(sleep);
use PgTicketTest;
use PgTicketFault;

my ($rundir, $pgport, $db) = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT
                                     PGTICKET_DB)};

sub conf {
    my ($conninfo) = @_;
    return <<"CONF";
    pgticket_database "$conninfo";
    pgticket_pool max=2 queue=16 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_route GET /api/echo api_test.echo;
        }
    }
CONF
}

# nginx -t

# the README's example of the module is a whole nginx.conf, as written
# (but the module's path is this build's, and the pid file, access log and
# temporary directories this test's: Debian's nginx -t opens its own under
# /run, /var/log and /var/lib, which only root may)
{
    open(my $fh, '<', "$FindBin::Bin/../../README.md") or die "README: $!\n";
    my $readme = do { local $/; <$fh> };
    my ($example) = $readme =~ /^## The nginx module.*?^```nginx\n(.*?)^```$/ms
        or die "README: no nginx example under \"The nginx module\"\n";
    my ($module) = nginx_conf_text('') =~ /^load_module (\S+);/m;
    like($example, qr/^load_module modules\/ngx_http_pgticket_module\.so;$/m,
         "the README's example loads the module");
    my $pid = test_dir() . '/readme.pid';
    $example =~ s/^load_module \S+;/load_module $module;\npid $pid;/m;
    my ($files) = nginx_conf_text('') =~ /^(\s*access_log .*?scgi_temp_path [^\n]*\n)/ms
        or die "nginx_conf_text: no access_log and temp paths\n";
    $example =~ s/^http \{\n/http {\n$files/m;
    my ($out) = nginx_t($example, full => 1);
    like($out, qr/test is successful/,
         "the README's example configuration passes nginx -t")
        or diag($out);
}

my ($out) = nginx_t(conf("host=pgticket-faults.invalid dbname=$db"));
like($out, qr/"pgticket_database" host "pgticket-faults\.invalid" cannot be resolved/,
     'a host name that does not resolve fails nginx -t');
like($out, qr/t\.conf:\d+/, 'naming the line');

($out) = nginx_t(conf("host=localhost,$rundir port=1,2,3 dbname=$db"));
like($out, qr/"pgticket_database" directive must have one port, or as many ports as hosts/,
     'ports that do not match the hosts fail nginx -t');

# libpq checks a port only when it connects: every request would get the
# unavailable answer; the list's empty entries (the default) and the blanks
# and sign libpq takes stay valid
for my $port ('abc', '-1', '0', '65536', '99999999999999999999', '+', ' ',
              '5432x', '5432 5433', '5432,abc') {
    my $conninfo = "host=$rundir" . (',' . $rundir) x ($port =~ tr/,//)
                 . " port='$port' dbname=$db password=sekret";
    ($out, my $file) = nginx_t(conf($conninfo));
    like($out, qr/"pgticket_database" directive has an invalid port \(1-65535\) in \Q$file\E:\d+/,
         "port \"$port\" fails nginx -t");
    unlike($out, qr/sekret/, 'without showing the string');
}
for my $port ('65535', ' 5432 ', '+5432', '', '5432,,5433') {
    my $conninfo = "host=$rundir" . (',' . $rundir) x ($port =~ tr/,//)
                 . " port='$port' dbname=$db";
    ($out) = nginx_t(conf($conninfo));
    like($out, qr/test is successful/, "port \"$port\" is one libpq takes")
        or diag($out);
}

($out) = nginx_t(conf("dbname=$db password=sekret 'unterminated"));
like($out, qr/"pgticket_database" directive is not a valid libpq connection string/,
     'a malformed connection string fails nginx -t');
unlike($out, qr/sekret/, 'without showing the string');

($out) = nginx_t(conf("host=localhost dbname=$db") . "\n"
                 . 'pgticket_database "dbname=x";');
like($out, qr/"pgticket_database" directive is duplicate/, 'duplicate');

($out) = nginx_t(conf("host=localhost,127.0.0.1,$rundir port=5432 "
                      . "dbname=$db"));
like($out, qr/test is successful/, 'names, addresses and sockets mixed')
    or diag($out);

# bounds of directive values

sub bounds_conf {
    my ($pool, $loc) = @_;
    return <<"CONF";
    pgticket_database "%%CONNINFO%%";
    $pool

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_route GET /api/ok api_test.echo;
            $loc
        }
    }
CONF
}

my @good = (
    ['pgticket_pool timeout=24h;', ''],
    ['pgticket_pool max=1 queue=0 timeout=1ms large_result=0;', ''],
    ['pgticket_pool large_result=64m;', ''],
    ['pgticket_pool pipeline=1;', ''],
    ['pgticket_pool max=2 pipeline=64;', ''],
    ['', 'pgticket_body_limit 256m;'],
    ['', 'pgticket_body_limit 0;'],
);

for my $case (@good) {
    my ($out) = nginx_t(bounds_conf(@$case));
    like($out, qr/test is successful/, "accepted: @$case") or diag($out);
}

# the message names the directive, the parameter and what it takes
sub pool_bad {
    my ($param) = @_;
    return qr/"pgticket_pool" directive has invalid parameter "$param" \(.+\)/;
}

my @bad = (
    ['pgticket_pool timeout=24h1ms;', '',
     pool_bad('timeout=24h1ms')],
    ['pgticket_pool timeout=100d;', '', pool_bad('timeout=100d')],
    ['pgticket_pool timeout=9999999999999999999;', '',
     pool_bad('timeout=9+')],
    ['pgticket_pool large_result=lots;', '',
     pool_bad('large_result=lots')],
    ['pgticket_pool large_result=-1;', '',
     pool_bad('large_result=-1')],
    ['pgticket_pool pipeline=0;', '', pool_bad('pipeline=0')],
    ['pgticket_pool pipeline=65;', '', pool_bad('pipeline=65')],
    ['pgticket_pool pipeline=two;', '',
     pool_bad('pipeline=two')],
    # a parameter twice on the line: the first and any other kind of value
    ['pgticket_pool max=4 queue=8 max=8;', '',
     qr/"pgticket_pool" directive has duplicate parameter "max=8"/],
    ['pgticket_pool timeout=5s timeout=1s;', '',
     qr/"pgticket_pool" directive has duplicate parameter "timeout=1s"/],
    ['pgticket_pool large_result=0 pipeline=2 large_result=1m;', '',
     qr/"pgticket_pool" directive has duplicate parameter "large_result=1m"/],
    # the status page takes the location: its routes would never answer
    ['', 'pgticket_status;',
     qr/"pgticket_status" directive cannot be used with "pgticket_route" in one location/],
    ['', "}\n        location /b/ {\n"
         . "            pgticket_status;\n"
         . "            pgticket_route GET /b/ok api_test.echo;",
     qr/"pgticket_route" directive cannot be used with "pgticket_status" in one location/],
    ['', 'pgticket_body_limit 257m;',
     qr/"pgticket_body_limit" directive must be at most 256m/],
    ['', 'pgticket_body_limit 3000m;',
     qr/"pgticket_body_limit" directive must be at most 256m/],
    ['', 'pgticket_body_limit 99999999999999999999;',
     qr/"pgticket_body_limit" directive invalid value/],
);

for my $case (@bad) {
    my ($pool, $loc, $re) = @$case;
    my ($out, $file) = nginx_t(bounds_conf($pool, $loc));
    like($out, $re, "refused: $pool$loc");
    like($out, qr/\Q$file\E:\d+/, 'naming the line');
    unlike($out, qr/test is successful/, 'nginx -t fails');
}

# a worker connecting to localhost over TCP (relayed to the cluster's unix
# socket) looks nothing up

my $fwd = listener('forward', "$rundir/.s.PGSQL.$pgport");
my $tcp = "host=localhost port=" . $fwd->port
          . " dbname=$db user=pgticket_web sslmode=disable";

start_nginx(conf($tcp));

my $r = http(GET => '/api/echo');
is($r->{status}, 200, 'a request over TCP to "localhost"');

SKIP: {
    my $strace = `command -v strace 2>/dev/null`;
    chomp $strace;
    skip 'strace is not installed', 4 unless $strace && $> == 0;

    my ($worker) = worker_pids();
    my $trace = test_dir() . '/strace.out';
    unlink $trace;
    my $pid = fork // die;
    if ($pid == 0) {
        open(STDERR, '>', '/dev/null');
        exec($strace, '-f', '-p', $worker, '-e',
             'trace=openat,open,connect', '-o', $trace);
        exit 127;
    }
    # strace makes the file, then attaches
    ok(wait_until(5, sub { -e $trace }), 'strace runs');
    sleep 1;

    # new connections: the backends are gone, so the pool opens others
    psql("select pg_terminate_backend(pid) from pg_stat_activity "
         . "where usename = 'pgticket_web'");
    sleep 0.3;
    my @res = map { http(GET => '/api/echo') } 1 .. 3;
    @res = (@res, parallel(('/api/echo') x 4));
    is(scalar(grep { $_->{status} == 200 } @res), 7,
       'requests on new connections succeed');

    kill 'INT', $pid;
    waitpid($pid, 0);

    my $text = do { local $/; open(my $fh, '<', $trace); <$fh> // '' };
    my $port = $fwd->port;
    like($text, qr/connect\(\d+, \{sa_family=AF_INET, sin_port=htons\($port\), sin_addr=inet_addr\("127\.0\.0\.1"\)/,
         'the worker connected to the address');
    unlike($text, qr{/etc/hosts|nsswitch|resolv\.conf|nscd|htons\(53\)},
           'and looked no name up')
        or diag(join "\n", grep { m{hosts|nss|resolv|nscd|htons\(53\)} }
                split /\n/, $text);
}

stop_nginx();
$fwd->stop;

done_testing();
