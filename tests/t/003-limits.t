#!/usr/bin/perl
# pgticket_body_limit: 413 in the API's error shape, Content-Length and
# chunked bodies; the module's limit wins over client_max_body_size; a
# chunked body over the limit is discarded as it comes, never stored.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use JSON::PP;
use Test::More;
use PgTicketTest;

# a client body temp path the server cannot write to: a body that reached
# the disk would fail there

my $dir = test_dir();
my $nodisk = "$dir/nodisk_temp";
-d $nodisk or mkdir $nodisk or die "$nodisk: $!\n";
chown((stat $dir)[4, 5], $nodisk) or die "chown $nodisk: $!\n";
chmod(0500, $nodisk) or die "chmod $nodisk: $!\n";

my $conf = <<'CONF';
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

        location /none/ {
            pgticket_body_limit 0;
            pgticket_route POST /none/echo api_test.echo;
        }

        location /nodisk/ {
            client_body_temp_path %%NODISK%%;
            client_body_buffer_size 8k;
            pgticket_body_limit 2k;
            pgticket_route POST /nodisk/echo api_test.echo;
        }
    }
CONF

$conf =~ s/%%NODISK%%/$nodisk/g;
start_nginx($conf);

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
    my ($path, $body, $size) = @_;
    $size //= 30;
    my $text = "POST $path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             . "Content-Type: application/json\r\n"
             . "Transfer-Encoding: chunked\r\n\r\n";
    for (my $i = 0; $i < length $body; $i += $size) {
        my $c = substr($body, $i, $size);
        $text .= sprintf("%x\r\n%s\r\n", length $c, $c);
    }
    # an early answer must not kill the test with SIGPIPE
    local $SIG{PIPE} = 'IGNORE';
    return raw_http($text . "0\r\n\r\n");
}

my $r;

for my $round (1, 2) {
    $r = post('/small/echo', body_of(100));
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

# 0 is no body at all, not "no limit" as client_max_body_size 0 would be

$r = post('/none/echo', '{}');
is($r->{status}, 413, 'a 2-byte body over a 0 limit is 413');
$r = chunked('/none/echo', '{}');
is($r->{status}, 413, 'and so is a chunked one');
$r = http(POST => '/none/echo', {}, undef);
is($r->{status}, 200, 'a request without a body passes a 0 limit');
is($json->decode($r->{content})->{body_type}, 'none', 'with no body');

# the default limit is 1m; bodies larger than the buffer spill to a file

$r = post('/big/echo', body_of(200_000));
is($r->{status}, 200, 'a 200 kB body passes the default limit');
is(length($json->decode($r->{content})->{body}{a}), 200_000 - 8,
   'a body spilled to a temporary file is read back');

$r = chunked('/big/echo', body_of(50_000));
is($r->{status}, 200, 'a 50 kB chunked body passes');

$r = post('/big/echo', body_of(1024 * 1024 + 1));
is($r->{status}, 413, 'over 1m is 413 by default');
is_deeply(eval { $json->decode($r->{content}) }, $shape,
          'in the error shape, not nginx\'s page');

$r = chunked('/big/echo', body_of(1536 * 1024), 256 * 1024);
is($r->{status}, 413, 'a chunked body over 1m is 413 after spilling');
is_deeply(eval { $json->decode($r->{content}) }, $shape,
          'in the error shape');

# a chunked body over the limit is neither buffered nor written to disk:
# 5 MB in 1 MB chunks is answered 413, although the disk is unwritable

$r = chunked('/nodisk/echo', body_of(2000), 500);
is($r->{status}, 200, 'a chunked body under the limit passes, in memory');
is($json->decode($r->{content})->{body}{a}, 'x' x 1992, 'and arrives');

for my $round (1, 2) {
    $r = chunked('/nodisk/echo', body_of(5 * 1024 * 1024), 1024 * 1024);
    is($r->{status}, 413, "5 MB chunked over a 2k limit is 413 ($round)");
    is_deeply(eval { $json->decode($r->{content}) }, $shape,
              '413 in the error shape, with no temporary file');
}

opendir(my $dh, $nodisk) or die "$nodisk: $!\n";
is_deeply([grep { !/^\.\.?$/ } readdir $dh], [],
          'nothing was written to the temp path');
closedir $dh;

stop_nginx();
chmod(0700, $nodisk);
done_testing();
