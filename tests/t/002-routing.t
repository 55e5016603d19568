#!/usr/bin/perl
# Routing (404, 405 + Allow), the request document, SQLSTATE mapping.

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

        location /api/ {
            pgticket_error_page application/json '{"status":"error","errorCode":$pgticket_status,"message":"$pgticket_message"}';

            pgticket_route GET|POST /api/echo           api_test.echo;
            pgticket_route GET      "/api/echo/{a}"       api_test.echo;
            pgticket_route GET      "/api/echo/{a}/{b}"   api_test.echo
                           headers=X-Token,Accept;
            pgticket_route POST     /api/only_post      api_test.echo;
            pgticket_route GET      "/api/fail/{code}"    api_test.fail;
            pgticket_route GET      "/api/status/{code}"  api_test.status;
            pgticket_route GET      /api/raw            api_test.raw;
        }

        location /plain/ {
            pgticket_route GET /plain/echo api_test.echo;
        }

        # the status page is its own location's: a nested one's routes answer
        location /stat/ {
            pgticket_status;

            location /stat/api/ {
                pgticket_route GET /stat/api/echo api_test.echo;
            }
        }

        location /param/ {
            pgticket_error_page application/json '{"status":"error","errorCode":$pgticket_status,"message":"$pgticket_message"}';
            pgticket_param audience admin;
            pgticket_param who "$remote_addr $arg_x";
            pgticket_param empty "";
            pgticket_param raw $http_x_who;
            pgticket_route GET|POST /param/echo api_test.echo;

            location /param/inherit/ {
                pgticket_route GET /param/inherit/echo api_test.echo;
            }

            location /param/own/ {
                pgticket_param own yes;
                pgticket_route GET /param/own/echo api_test.echo;
            }
        }
    }
CONF

expect_error(qr/api_test\.fail failed: SQLSTATE/);
expect_error(qr/route function returned (an invalid header|headers that are not|invalid status)/);

# status, headers and body as the query string says
psql(<<'SQL');
create or replace function api_test.raw(request jsonb)
returns pgticket.http_response language sql security definer as $$
    select ((request->'query'->>'s')::int, (request->'query'->>'h')::jsonb,
            request->'query'->>'b')::pgticket.http_response
$$;
grant execute on function api_test.raw(jsonb) to pgticket_web;
SQL

sub qs {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

my $json = JSON::PP->new->utf8;

sub doc {
    my ($res) = @_;
    my $d = eval { $json->decode($res->{content}) };
    return $d // {};
}

for my $round (1, 2) {
    my $r = http(GET => '/api/nope');
    is($r->{status}, 404, "unknown path is 404 ($round)");
    is($r->{headers}{'content-type'}, 'application/json', '404 type');
    is_deeply(doc($r), { status => 'error', errorCode => 404,
                         message => 'Not found' }, '404 in the error shape');

    $r = http(GET => '/api/only_post');
    is($r->{status}, 405, 'wrong method is 405');
    is($r->{headers}{allow}, 'POST', 'Allow lists the route methods');
    is(doc($r)->{errorCode}, 405, '405 in the error shape');

    $r = http(DELETE => '/api/echo');
    is($r->{status}, 405, 'DELETE is 405');
    is($r->{headers}{allow}, 'GET, HEAD, POST', 'Allow has every method');

    $r = http(GET => '/api/echo/x%20y/z?q=1&q=2&r=a+b&s=%C3%A9&e',
              { 'X-Token' => 'abc', 'X-Other' => 'no' });
    is($r->{status}, 200, 'path with parameters matched');
    is($r->{headers}{'x-test'}, 'yes', 'function headers are passed');
    is($r->{headers}{'content-type'}, 'application/json',
       'function Content-Type is passed');
    my $d = doc($r);
    is($d->{method}, 'GET', 'method');
    is($d->{path}, '/api/echo/x y/z', 'path');
    is_deeply($d->{params}, { a => 'x y', b => 'z' }, 'path params');
    is_deeply($d->{query}, { q => ['1', '2'], r => 'a b', s => "\x{e9}",
                             e => '' }, 'query args, arrays, decoding');
    is_deeply($d->{headers}, { 'x-token' => 'abc' },
              'only the route headers are passed');
    is($d->{body}, undef, 'no body');
    is($d->{body_type}, 'none', 'body_type none');
    is($d->{remote_addr}, '127.0.0.1', 'remote_addr');
}

# white space around a value is SP or HTAB (OWS, RFC 9110, 5.5): nginx drops
# the spaces, the module the tabs too; inside the value both stay
{
    my $r = raw_http("GET /api/echo/x/y HTTP/1.1\r\nHost: t\r\n"
        . "X-Token:\t \ta\t b \t\r\nAccept: \t\r\nConnection: close\r\n\r\n");
    is($r->{status}, 200, 'tabs around header values: 200');
    is_deeply(doc($r)->{headers}, { 'x-token' => "a\t b", 'accept' => '' },
              'tabs around header values are not part of them');
}

my $r = http(GET => '/stat/');
like($r->{content}, qr/^pgticket_pool_size\{/m, 'the status page answers');
$r = http(GET => '/stat/api/echo');
is($r->{status}, 200, 'a route nested in the status page\'s location answers');
is(doc($r)->{path}, '/stat/api/echo', 'with the request document');

$r = http(GET => '/api/echo/');
is($r->{status}, 200, 'trailing slash is ignored');
is_deeply(doc($r)->{params}, {}, 'no params');

$r = http(GET => '/api/echo/a/b/c');
is($r->{status}, 404, 'too many segments is 404');

$r = http(HEAD => '/api/echo');
is($r->{status}, 200, 'HEAD answers a GET route');
is($r->{content} // '', '', 'HEAD has no body');

# bodies

$r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
          '{"a": [1, 2, {"b": "c\u00e9"}], "n": 1.50}');
my $d = doc($r);
is($d->{body_type}, 'json', 'JSON body type');
is_deeply($d->{body}, { a => [1, 2, { b => "c\x{e9}" }], n => 1.5 },
          'JSON body embedded');
ok(!exists $d->{body_error}, 'no body_error');

$r = http(POST => '/api/echo',
          { 'Content-Type' => 'application/vnd.api+json' }, '[1,2]');
is_deeply(doc($r)->{body}, [1, 2], '+json is JSON');

$r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
          ' null ');
$d = doc($r);
is_deeply([ $d->{body_type}, $d->{body}, exists $d->{body_error} ],
          [ 'json', undef, '' ], 'a JSON null body is JSON, not malformed');

$r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
          '{"a": ');
$d = doc($r);
is($r->{status}, 200, 'malformed JSON reaches the function');
is($d->{body}, undef, 'malformed JSON body is null');
is($d->{body_error}, 'malformed JSON body', 'malformed JSON flagged');

$r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
          '{"a": 1} x');
is(doc($r)->{body_error}, 'malformed JSON body', 'trailing garbage flagged');

# JSON that json-c's strict mode accepts but PostgreSQL's jsonb refuses is
# flagged too, so the facade answers it in the API's shape
for my $case (["\"\x1e\"", 'a raw control character in a string'],
              ["{\"a\tb\": 1}", 'a raw tab in a key'],
              ['{"a": "\\u0000"}', 'the escape \\u0000'],
              ['["\\ud800"]', 'a lone high surrogate'],
              ['["\\udc00x"]', 'a lone low surrogate'],
              ['["\\ud800\\u0041"]', 'a high surrogate without its low half']) {
    $r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
              $case->[0]);
    is(doc($r)->{body_error}, 'malformed JSON body', "$case->[1] flagged");
}

$r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
          '["\\ud83d\\ude00", "a\\"b\\\\", "\\u00e9\\n"]');
is_deeply(doc($r)->{body}, ["\x{1f600}", 'a"b\\', "\x{e9}\n"],
          'escapes, pairs and quotes in strings pass');

# the body's grammar, checked in one pass (RFC 8259), and its depth: a
# value in at most 127 arrays and objects
for my $case (['{"a" 1}', 'a member without its colon'],
              ['{"a": 1,}', 'a trailing comma in an object'],
              ['[1,]', 'a trailing comma in an array'],
              ['[1 2]', 'values without a comma'],
              ['{1: 2}', 'a name that is not a string'],
              ['{"a": 1]', 'an object closed as an array'],
              ['[}', 'an array closed as an object'],
              ['{"a": }', 'a member without its value'],
              ['tru', 'a cut literal'], ['true false', 'two values'],
              ['["\\x"]', 'an unknown escape'], ['["\\u12"]', 'a short \\u'],
              [',', 'a lone comma'], ["  \n ", 'only white space'],
              ['[' x 128 . '1' . ']' x 128, 'a value in 128 arrays'],
              ['{"a":' x 128 . '1' . '}' x 128, 'a value in 128 objects']) {
    $r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
              $case->[0]);
    is(doc($r)->{body_error}, 'malformed JSON body', "$case->[1] flagged");
}

for my $case (['[' x 127 . '1' . ']' x 127, 'a value in 127 arrays'],
              ['[' x 128 . ']' x 128, '128 arrays, the last one empty'],
              ['[null]', 'null in an array'], ['"null"', 'a string'],
              [qq( {"a" : [ true , false , null , -0.5e+3 , "" , {} , [] ,)
               . qq(\t{"b":{"c":[]}} ] }\r\n), 'every kind of value']) {
    $r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
              $case->[0]);
    $d = doc($r);
    ok(!exists $d->{body_error} && defined $d->{body}, "$case->[1] passes");
}
is_deeply($d->{body}, { a => [JSON::PP::true, JSON::PP::false, undef, -500,
                              '', {}, [], { b => { c => [] } }] },
          'and reaches the function as it came');

$r = http(POST => '/api/echo',
          { 'Content-Type' => 'application/x-www-form-urlencoded' },
          'a=1&a=2&b=x+y&c=%26%3D');
$d = doc($r);
is($d->{body_type}, 'form', 'form body type');
is_deeply($d->{body}, { a => ['1', '2'], b => 'x y', c => '&=' },
          'form fields');

my $mp = join("\r\n",
    '--XyZ',
    'Content-Disposition: form-data; name="name"',
    '',
    'Bob "the" builder',
    '--XyZ',
    'Content-Disposition: form-data; name="file"; filename="a.txt"',
    'Content-Type: application/octet-stream',
    '',
    "\x00\xff binary",
    '--XyZ',
    'Content-Disposition: form-data; name="name"',
    '',
    'Alice',
    '--XyZ--', '');
$r = http(POST => '/api/echo',
          { 'Content-Type' => 'multipart/form-data; boundary=XyZ' }, $mp);
$d = doc($r);
is($d->{body_type}, 'multipart', 'multipart body type');
is_deeply($d->{body}, { name => ['Bob "the" builder', 'Alice'],
                        file => 'a.txt' },
          'multipart text fields, file as its filename');

# OWS around the media type, before its ";", is SP or HTAB (RFC 9110)
for my $ct ("\tmultipart/form-data; boundary=XyZ",
            "multipart/form-data\t; boundary=XyZ",
            "multipart/form-data \t;\tboundary=XyZ") {
    (my $shown = $ct) =~ s/\t/<tab>/g;
    # raw: HTTP::Tiny refuses a value that starts with a tab
    $d = doc(raw_http("POST /api/echo HTTP/1.1\r\nHost: t\r\n"
                      . "Content-Type: $ct\r\nContent-Length: "
                      . length($mp) . "\r\nConnection: close\r\n\r\n$mp"));
    is($d->{body_type}, 'multipart', "$shown: multipart body type");
    is_deeply($d->{body}, { name => ['Bob "the" builder', 'Alice'],
                            file => 'a.txt' }, "$shown: its fields");
}

$r = http(POST => '/api/echo',
          { 'Content-Type' => 'multipart/form-data; boundary=XyZ' },
          "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end");
$d = doc($r);
is($d->{body}, undef, 'malformed multipart body is null');
is($d->{body_error}, 'malformed multipart body', 'malformed multipart');

# a part without headers (CRLF right after the delimiter) has no name: its
# content, however much it looks like headers, is never read as them
$r = http(POST => '/api/echo',
          { 'Content-Type' => 'multipart/form-data; boundary=XyZ' },
          "--XyZ\r\n\r\nContent-Disposition: form-data; name=\"admin\"\r\n"
          . "\r\nevil\r\n--XyZ--\r\n");
$d = doc($r);
is($d->{body}, undef, 'a headerless part is not read from its content');
is($d->{body_error}, 'malformed multipart body',
   'a headerless part is a malformed multipart body');

# parameters are read one at a time: what a quoted value holds is not a
# parameter, and "filename" is not "name"
$r = http(POST => '/api/echo',
          { 'Content-Type' => 'multipart/form-data; boundary=XyZ' },
          "--XyZ\r\nContent-Disposition: form-data; filename=\"x; name=admin"
          . ".txt\"; name=\"file\"\r\n\r\ncontent\r\n--XyZ--\r\n");
is_deeply(doc($r)->{body}, { file => 'x; name=admin.txt' },
          'a parameter quoted in another is not read as one');

$r = raw_http("POST /api/echo HTTP/1.0\r\nContent-Length: 8\r\n\r\n"
              . ' {"x":1}');
is_deeply(doc($r)->{body}, { x => 1 }, 'no type, { means JSON');

$r = raw_http("POST /api/echo HTTP/1.0\r\nContent-Length: 7\r\n\r\nx=1&y=2");
is_deeply(doc($r)->{body}, { x => '1', y => '2' }, 'no type means form');

# encoding

for my $bad ('/api/echo?q=%FF', '/api/echo?q=a%00b', '/api/echo/%C3%28') {
    $r = http(GET => $bad);
    is($r->{status}, 400, "invalid encoding is 400: $bad");
    is_deeply(doc($r), { status => 'error', errorCode => 400,
                         message => 'Invalid request encoding' },
              '400 in the error shape');
}

$r = http(POST => '/api/echo', { 'Content-Type' => 'application/json' },
          "{\"a\": \"\xff\"}");
is($r->{status}, 400, 'invalid UTF-8 in a JSON body is 400');

# SQLSTATE to HTTP status

my %map = (PT400 => [400, 'Bad request'], PT404 => [404, 'Not found'],
           PT409 => [409, 'Conflict'], 22023 => [400, 'Bad request'],
           23505 => [409, 'Conflict'], 42501 => [500, 'Internal error'],
           XX000 => [500, 'Internal error'], P0001 => [500, 'Internal error'],
           53300 => [503, 'Service unavailable']);
for my $code (sort keys %map) {
    $r = http(GET => "/api/fail/$code");
    is($r->{status}, $map{$code}[0], "SQLSTATE $code is $map{$code}[0]");
    is(doc($r)->{message}, $map{$code}[1], "message for $code");
    unlike($r->{content}, qr/test failure/, 'SQL message not shown');
}

$r = http(GET => '/api/status/204');
is($r->{status}, 204, 'status from the function');
is($r->{content} // '', '', 'NULL body is no body');

$r = http(GET => '/api/status/201');
is($r->{status}, 201, 'status 201 from the function');
is($r->{headers}{location}, '/api/elsewhere', 'Location header passed');

# headers from the function: nginx owns the framing, and a header that
# could split the response refuses the answer

$r = raw_http("GET /api/raw?s=200&b=hello&h="
              . qs('{"Transfer-Encoding": "chunked", "Connection": "close",'
                   . ' "Content-Length": "99", "X-Ok": "1"}')
              . " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
is($r->{status}, 200, 'framing headers from the function are ignored');
unlike($r->{raw}, qr/Transfer-Encoding/i, 'no Transfer-Encoding from SQL');
is($r->{headers}{'content-length'}, 5, 'Content-Length is the body length');
is($r->{headers}{'x-ok'}, 1, 'other headers pass');
is($r->{content}, 'hello', 'body');

# the headers object as PostgreSQL writes it: escapes decoded, members
# that are not strings (whatever brackets their strings hold) skipped
$r = raw_http("GET /api/raw?s=200&b=hello&h="
              . qs('{"X-Q": "say \"hi\" \\\\ bye", "X-U": "caf\u00e9 \ud83d\ude00",'
                   . ' "X-N": 1, "X-O": {"a": "}", "b": [",", "]\"", {}]},'
                   . ' "X-Z": null, "X-T": "a\tb", "X-E": "",'
                   . ' "Content-Type": "text/x-\u0041"}')
              . " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
is($r->{status}, 200, 'headers with escapes and other members');
is($r->{headers}{'x-q'}, 'say "hi" \\ bye', 'escaped quote and backslash');
is($r->{headers}{'x-u'}, "caf\xc3\xa9 \xf0\x9f\x98\x80", 'UTF-8 as it came');
is($r->{headers}{'x-t'}, "a\tb", 'an escaped tab');
is($r->{headers}{'content-type'}, 'text/x-A', 'Content-Type, escaped');
ok(exists $r->{headers}{'x-e'} && $r->{headers}{'x-e'} eq '',
   'an empty value');
ok(!grep({ exists $r->{headers}{$_} } qw(x-n x-o x-z a b)),
   'members not strings skipped, their contents not read as members');
is($r->{content}, 'hello', 'body after them');

for my $h ('{"X-A\r\nSet-Cookie: evil=1": "v"}', '{"X-B": "a\r\nb"}',
           '{"X-C": "a\nSet-Cookie: evil=1"}', '{"X D": "1"}',
           '{"X-E:": "1"}', '{"": "1"}') {
    $r = raw_http("GET /api/raw?s=200&b=hello&h=" . qs($h)
                  . " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    is($r->{status}, 500, "invalid header refused: $h");
    unlike($r->{raw}, qr/evil/, 'no header injected');
    is(doc($r)->{message}, 'Internal error', 'in the error shape');
}

$r = http(GET => '/api/raw?s=200&b=x&h=' . qs('[1]'));
is($r->{status}, 500, 'headers not an object are 500');
is(doc($r)->{message}, 'Internal error', 'in the error shape, not nginx\'s');

for my $s (0, 99, 100, 600, 1000) {
    $r = http(GET => "/api/raw?s=$s&b=x");
    is($r->{status}, 500, "status $s from the function is 500");
    is(doc($r)->{message}, 'Internal error', 'in the error shape');
}

$r = raw_http("GET /api/raw?s=204&b=hello HTTP/1.1\r\nHost: x\r\n"
              . "Connection: close\r\n\r\n");
is($r->{status}, 204, '204 with a body from the function');
is($r->{content}, '', '204 is sent without the body');

# pgticket_param: the "nginx" member, which no client writes

$r = http(GET => '/param/echo?x=1&nginx=client&audience=client');
is_deeply(doc($r)->{nginx}, { audience => 'admin', who => '127.0.0.1 1',
                              empty => '', raw => '' },
          'pgticket_param: values, variables evaluated per request');
is_deeply(doc($r)->{query}, { x => '1', nginx => 'client',
                              audience => 'client' },
          'a client\'s "nginx" stays in its query');
$r = http(POST => '/param/echo', { 'Content-Type' => 'application/json',
                                   'X-Who' => 'someone' },
          '{"nginx":{"audience":"client"}}');
is(doc($r)->{nginx}{audience}, 'admin', 'a body\'s "nginx" changes nothing');
is_deeply(doc($r)->{body}, { nginx => { audience => 'client' } },
          '... and stays in the body');
is(doc($r)->{nginx}{raw}, 'someone', 'a header variable');
is_deeply(doc(http(GET => '/param/inherit/echo'))->{nginx},
          { audience => 'admin', who => '127.0.0.1 ', empty => '',
            raw => '' },
          'a location without pgticket_param inherits its parent\'s');
is_deeply(doc(http(GET => '/param/own/echo'))->{nginx}, { own => 'yes' },
          'a location with pgticket_param inherits none (as fastcgi_param)');
ok(!exists doc(http(GET => '/api/echo'))->{nginx},
   'no "nginx" member where there is no pgticket_param');
$r = raw_http("GET /param/echo HTTP/1.1\r\nHost: x\r\nX-Who: \xff\xfe\r\n"
              . "Connection: close\r\n\r\n");
is_deeply([ $r->{status}, doc($r)->{message} ],
          [ 400, 'Invalid request encoding' ],
          'a value that is not UTF-8 is refused as the request\'s own text');

# without pgticket_error_page

$r = http(GET => '/plain/nope');
is($r->{status}, 404, '404 without error page');
is($r->{content} // '', '', 'empty body without error page');

stop_nginx();
done_testing();
