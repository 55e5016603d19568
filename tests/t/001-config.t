#!/usr/bin/perl
# The module loads; bad directive values fail nginx -t naming the line.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

sub conf {
    my ($route, $pool) = @_;
    $pool //= 'pgticket_pool max=2 queue=10 timeout=2s;';
    return <<"CONF";
    pgticket_database "%%CONNINFO%%";
    $pool

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_route GET /api/ok api_test.echo;
            $route
        }
    }
CONF
}

sub line_of {
    my ($file, $re) = @_;
    open(my $fh, '<', $file) or die;
    while (<$fh>) {
        return $. if $_ =~ $re;
    }
    return 0;
}

my ($out, $file) = nginx_t(conf(
    'pgticket_route GET|POST "/api/x/{id}/{other}" api_test.echo '
    . 'headers=X-A,accept;'));
like($out, qr/test is successful/, 'a valid configuration loads')
    or diag($out);

my @bad = (
    [ 'pgticket_route FETCH /api/a api_test.echo;',
      qr/"pgticket_route" directive has invalid method in "FETCH"/ ],
    [ 'pgticket_route GET| /api/a api_test.echo;',
      qr/invalid method in "GET\|"/ ],
    [ 'pgticket_route GET api/a api_test.echo;',
      qr/"pgticket_route" directive has invalid path "api\/a"/ ],
    [ 'pgticket_route GET "/api/{id" api_test.echo;',
      qr/has invalid parameter in path "\/api\/\{id"/ ],
    [ 'pgticket_route GET "/api/{1d}" api_test.echo;',
      qr/has invalid parameter in path/ ],
    [ 'pgticket_route GET /api//a api_test.echo;',
      qr/has empty segment in path/ ],
    [ 'pgticket_route GET "/api/{id}/{id}" api_test.echo;',
      qr/has duplicate parameter in path "\/api\/\{id\}\/\{id\}"/ ],
    [ 'pgticket_route GET /api/a echo;',
      qr/"pgticket_route" directive has invalid function "echo"/ ],
    [ 'pgticket_route GET /api/a api_test.Echo;',
      qr/has invalid function "api_test\.Echo"/ ],
    [ 'pgticket_route GET /api/a api_test.echo;drop;',
      qr/unknown directive "drop"/ ],
    [ 'pgticket_route GET /api/a "api_test.echo()";',
      qr/has invalid function "api_test\.echo\(\)"/ ],
    [ 'pgticket_route GET /api/a a.b.c;',
      qr/has invalid function "a\.b\.c"/ ],
    [ 'pgticket_route GET /api/a api_test.echo foo=bar;',
      qr/has invalid parameter "foo=bar"/ ],
    [ 'pgticket_route GET /api/a api_test.echo headers=a,,b;',
      qr/has invalid headers "headers=a,,b"/ ],
    [ 'pgticket_route GET /api/a api_test.echo headers=token,a,Token;',
      qr/has duplicate header "token"/ ],
    [ 'pgticket_param "" x;',
      qr/"pgticket_param" directive has an empty name/ ],
    [ 'pgticket_param "a b" x;',
      qr/"pgticket_param" directive has invalid parameter name "a b"/ ],
    [ 'pgticket_param \'a"b\' x;',
      qr/"pgticket_param" directive has invalid parameter name "a"b"/ ],
    [ 'pgticket_param a x; pgticket_param a y;',
      qr/"pgticket_param" directive has duplicate parameter "a"/ ],
    [ 'pgticket_param a;',
      qr/invalid number of arguments in "pgticket_param"/ ],
    # the content type is sent as the header line: CR LF would add lines
    [ 'pgticket_error_page "application/json\\r\\nX-Evil: 1" "{}";',
      qr/"pgticket_error_page" directive has a control character in its content type/ ],
    [ 'pgticket_error_page "application/json\\n" "{}";',
      qr/"pgticket_error_page" directive has a control character in its content type/ ],
    [ 'pgticket_unavailable 503 "text/plain\\r\\nSet-Cookie: a=1" "x";',
      qr/"pgticket_unavailable" directive has a control character in its content type/ ],
    [ 'pgticket_unavailable 503 "text/plain\\tx" "x";',
      qr/"pgticket_unavailable" directive has a control character in its content type/ ],
);

for my $case (@bad) {
    my ($line, $re) = @$case;
    ($out, $file) = nginx_t(conf($line));
    my $n = line_of($file, qr/\Q$line\E/);
    like($out, $re, "rejected: $line");
    like($out, qr/\Q$file\E:$n\b/, "the message names line $n");
    unlike($out, qr/test is successful/, 'nginx -t fails');
}

for my $pool ('pgticket_pool max=0;', 'pgticket_pool max=abc;',
              'pgticket_pool queue=-1;', 'pgticket_pool timeout=0;',
              'pgticket_pool timeout=xs;', 'pgticket_pool size=3;')
{
    ($out, $file) = nginx_t(conf('', $pool));
    my $n = line_of($file, qr/\Q$pool\E/);
    my $what = qr/"pgticket_pool" directive has invalid parameter/;
    like($out, qr/$what "[^"]*" \(.+\) in \Q$file\E:$n\b/,
         "rejected, naming the directive and what it takes: $pool");
}

($out) = nginx_t(conf('', "pgticket_pool max=2;\n    pgticket_pool max=3;"));
like($out, qr/"pgticket_pool" directive is duplicate/, 'duplicate pool');

($out) = nginx_t(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT%%;
        location / { pgticket_route GET /a api_test.echo; }
    }
CONF
like($out, qr/"pgticket_route" is used but "pgticket_database" is not set/,
     'a route needs a database');

# variables are resolved once the whole configuration is read: no line
($out) = nginx_t(conf('pgticket_param a "$no_such_variable";'));
like($out, qr/unknown "no_such_variable" variable/,
     'pgticket_param with an unknown variable');

($out) = nginx_t(conf('pgticket_unavailable 99 text/plain x;'));
like($out,
     qr/"pgticket_unavailable" directive has invalid status "99" \(200-599\)/,
     'bad unavailable status');

# an empty string is not "not set": the message says what is wrong with it;
# nor is a string that names nothing (libpq would take every default)
for my $conninfo ('', ' ', '\t', 'dbname=', "dbname=''", 'postgresql://',
                  'postgresql:///') {
    ($out, $file) = nginx_t(<<"CONF");
    pgticket_database "$conninfo";
    server {
        listen 127.0.0.1:%%PORT%%;
        location / { pgticket_route GET /a api_test.echo; }
    }
CONF
    like($out,
         qr/"pgticket_database" directive has an empty conninfo in \Q$file\E:\d/,
         "an empty conninfo \"$conninfo\" is refused at its line");
}

($out) = nginx_t(conf('pgticket_body_limit 1x;'));
like($out, qr/"pgticket_body_limit" directive invalid value/,
     'bad body limit');

done_testing();
