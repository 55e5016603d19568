#!/usr/bin/perl
# Directive values that end up in int lengths and int milliseconds are
# bounded when the configuration is read: pgticket_body_limit (json-c and
# libpq take int lengths) and the pool's timeout (statement_timeout and
# lock_timeout are int milliseconds); large_result= is a size.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

sub conf {
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
    ['', 'pgticket_body_limit 256m;'],
    ['', 'pgticket_body_limit 0;'],
);

for my $case (@good) {
    my ($out) = nginx_t(conf(@$case));
    like($out, qr/test is successful/, "accepted: @$case") or diag($out);
}

my @bad = (
    ['pgticket_pool timeout=24h1ms;', '',
     qr/invalid parameter "timeout=24h1ms"/],
    ['pgticket_pool timeout=100d;', '', qr/invalid parameter "timeout=100d"/],
    ['pgticket_pool timeout=9999999999999999999;', '',
     qr/invalid parameter "timeout=9+"/],
    ['pgticket_pool large_result=lots;', '',
     qr/invalid parameter "large_result=lots"/],
    ['pgticket_pool large_result=-1;', '',
     qr/invalid parameter "large_result=-1"/],
    ['', 'pgticket_body_limit 257m;',
     qr/"pgticket_body_limit" directive must be at most 256m/],
    ['', 'pgticket_body_limit 3000m;',
     qr/"pgticket_body_limit" directive must be at most 256m/],
    ['', 'pgticket_body_limit 99999999999999999999;',
     qr/"pgticket_body_limit" directive invalid value/],
);

for my $case (@bad) {
    my ($pool, $loc, $re) = @$case;
    my ($out, $file) = nginx_t(conf($pool, $loc));
    like($out, $re, "refused: $pool$loc");
    like($out, qr/\Q$file\E:\d+/, 'naming the line');
    unlike($out, qr/test is successful/, 'nginx -t fails');
}

done_testing();
