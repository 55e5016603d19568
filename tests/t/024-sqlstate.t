#!/usr/bin/perl
# SQLSTATE to HTTP: integrity violations are conflicts (409); a
# serialization failure or deadlock is run once more, and answered as
# unavailable if it fails again; a missing privilege is the server's
# misconfiguration (500, logged as an error), not the client's 403; PT4nn
# is 4nn; client errors are logged at info, not as errors.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

psql(<<'SQL');
create schema if not exists api_test;
drop sequence if exists api_test.attempts;
create sequence api_test.attempts;
create or replace function api_test.flaky(request jsonb)
returns pgticket.http_response language plpgsql security definer as $$
declare
    n bigint := nextval('api_test.attempts');
begin
    if n < (request->'query'->>'every')::int then
        raise exception 'conflict with a concurrent transaction'
            using errcode = request->'params'->>'code';
    end if;
    return (200, '{"Content-Type": "text/plain"}', 'attempt ' || n)
        ::pgticket.http_response;
end
$$;
create or replace function api_test.forbidden(request jsonb)
returns pgticket.http_response language sql security definer as $$
    select (200, null, 'never')::pgticket.http_response
$$;
SQL

start_nginx(<<'CONF');
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=16 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_error_page application/json
                '{"errorCode":$pgticket_status,"message":"$pgticket_message"}';
            pgticket_unavailable 503 application/json '{"errorCode":503}';
            pgticket_route GET "/api/fail/{code}" api_test.fail;
            pgticket_route GET "/api/flaky/{code}" api_test.flaky;
            pgticket_route GET /api/forbidden api_test.forbidden;
        }
    }
CONF

# the harness grants every api_test function to pgticket_web
psql('revoke execute on function api_test.forbidden(jsonb) '
     . 'from public, pgticket_web');

expect_error(qr/api_test\.(fail|forbidden|flaky) failed: SQLSTATE (42501|XX000|22P07|42804|0A000)/);

# attempts since the last call, which starts counting again
sub attempts {
    my ($row) = psql('select case when is_called then last_value else 0 end '
                     . 'from api_test.attempts');
    psql('alter sequence api_test.attempts restart');
    return $row->[0];
}

my %map = (
    23505 => [409, 'Conflict'], 23503 => [409, 'Conflict'],
    23514 => [409, 'Conflict'], '22P02' => [400, 'Bad request'],
    PT400 => [400, 'Bad request'], PT401 => [401, 'Unauthorized'],
    PT403 => [403, 'Forbidden'], PT404 => [404, 'Not found'],
    PT409 => [409, 'Conflict'], PT422 => [422, 'Unprocessable content'],
    PT499 => [499, 'Client error'], 42501 => [500, 'Internal error'],
    '22P07' => [500, 'Internal error'], 42804 => [500, 'Internal error'],
    '0A000' => [500, 'Internal error'],
    XX000 => [500, 'Internal error'], '55P03' => [503, undef],
    57014 => [503, undef], 40001 => [503, undef], '40P01' => [503, undef],
    25006 => [503, undef], 53300 => [503, undef], '08006' => [503, undef],
);

for my $code (sort keys %map) {
    my ($status, $message) = @{ $map{$code} };
    my $r = http(GET => "/api/fail/$code");
    is($r->{status}, $status, "SQLSTATE $code is $status");
    is($r->{content}, defined $message
                      ? qq({"errorCode":$status,"message":"$message"})
                      : '{"errorCode":503}', "  in its shape");
}

# a serialization failure or a deadlock is run once more

for my $code ('40001', '40P01') {
    attempts();
    my $r = http(GET => "/api/flaky/$code?every=2");
    is($r->{status}, 200, "$code, then success: 200");
    is(attempts(), 2, '  after two attempts');

    $r = http(GET => "/api/flaky/$code?every=1000000");
    is($r->{status}, 503, "$code twice: the unavailable answer");
    is(attempts(), 2, '  after two attempts, not more');
}

my $r = http(GET => '/api/flaky/23505?every=1000000');
is($r->{status}, 409, 'an integrity violation is not run again');
is(attempts(), 1, '  one attempt');

# the signs of a stale session run once more, on a new connection

for my $code ('0A000', '42804', '22P07') {
    $r = http(GET => "/api/flaky/$code?every=2");
    is($r->{status}, 200, "$code, then success: 200");
    is(attempts(), 2, '  after two attempts');
    $r = http(GET => "/api/flaky/$code?every=1000000");
    is($r->{status}, 500, "$code twice: 500");
    is(attempts(), 2, '  after two attempts, not more');
}

# a missing privilege: the server's misconfiguration

$r = http(GET => '/api/forbidden');
is($r->{status}, 500, 'a function nginx may not call: 500');

stop_nginx();

my $log = do { local $/; open(my $fh, '<', test_dir() . '/error.log'); <$fh> };
like($log, qr/\[error\].*api_test\.forbidden failed: SQLSTATE 42501: permission denied.*misses a privilege/,
     'a missing privilege is logged as an error, naming it');
unlike($log, qr/SQLSTATE (PT4|22(?!P07)|23)/,
       'client errors are not logged at notice or above');

done_testing();
