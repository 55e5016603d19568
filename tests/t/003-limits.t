#!/usr/bin/perl
# pgticket_body_limit: 413 in the API's error shape, Content-Length and
# chunked bodies; the module's limit wins over client_max_body_size.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use PgTicketTest;

start_nginx(<<'CONF');
    pgticket_database "%%CONNINFO%%";

    server {
        listen 127.0.0.1:%%PORT%%;
        client_max_body_size 10;

        pgticket_error_page application/json '{"status":"error","errorCode":$pgticket_status,"message":"$pgticket_message"}';

        location /small/ {
            pgticket_body_limit 100;
            pgticket_route POST /small/echo api_test.echo;
        }

        location /big/ {
            pgticket_route POST /big/echo api_test.echo;
        }
    }
CONF

my $json = JSON::PP->new->utf8;
my $shape = { status => 'error', errorCode => 413,
              message => 'Request body too large' };

sub body_of { my $n = shift; '{"a":"' . ('x' x ($n - 8)) . '"}' }

sub post {
    my ($path, $body) = @_;
    return http(POST => $path, { 'Content-Type' => 'application/json' },
                $body);
}

sub chunked {
    my ($path, $body) = @_;
    my $text = "POST $path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             . "Content-Type: application/json\r\n"
             . "Transfer-Encoding: chunked\r\n\r\n";
    for (my $i = 0; $i < length $body; $i += 30) {
        my $c = substr($body, $i, 30);
        $text .= sprintf("%x\r\n%s\r\n", length $c, $c);
    }
    return raw_http($text . "0\r\n\r\n");
}

for my $round (1, 2) {
    my $r = post('/small/echo', body_of(100));
    is($r->{status}, 200, "100 bytes pass a 100-byte limit ($round)");
    is($json->decode($r->{content})->{body}{a}, 'x' x 92, 'body arrived');

    $r = post('/small/echo', body_of(101));
    is($r->{status}, 413, '101 bytes with Content-Length are 413');
    is_deeply(eval { $json->decode($r->{content}) }, $shape,
              '413 in the error shape');

    $r = chunked('/small/echo', body_of(90));
    is($r->{status}, 200, 'a small chunked body passes');
    is($json->decode($r->{content})->{body}{a}, 'x' x 82, 'chunked body');

    $r = chunked('/small/echo', body_of(150));
    is($r->{status}, 413, 'a chunked body over the limit is 413');
    is_deeply(eval { $json->decode($r->{content}) }, $shape,
              'chunked 413 in the error shape');
}

# the default limit is 1m; bodies larger than the buffer spill to a file

my $r = post('/big/echo', body_of(200_000));
is($r->{status}, 200, 'a 200 kB body passes the default limit');
is(length($json->decode($r->{content})->{body}{a}), 200_000 - 8,
   'a body spilled to a temporary file is read back');

$r = chunked('/big/echo', body_of(50_000));
is($r->{status}, 200, 'a 50 kB chunked body passes');

$r = post('/big/echo', body_of(1024 * 1024 + 1));
is($r->{status}, 413, 'over 1m is 413 by default');
is_deeply(eval { $json->decode($r->{content}) }, $shape,
          'in the error shape, not nginx\'s page');

stop_nginx();
done_testing();
