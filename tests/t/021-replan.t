#!/usr/bin/perl
# Functions and types change under a running nginx (what an ALTER
# EXTENSION ... UPDATE may do).  A route function's result type changes:
# every pooled connection's prepared statement goes stale ("cached plan
# must not change result type", 0A000).  A composite type the functions
# build changes: sessions that ran them keep stale definitions ("ROW()
# column has type integer instead of type bigint", 42804).  Either way the
# request runs once more on a new connection (which prepares everything
# again): no request fails, GET and HEAD alike.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

sub shape {
    my ($body_type, $tag) = @_;
    psql(<<"SQL");
create schema if not exists api_test;
drop function if exists api_test.shape(jsonb);
create function api_test.shape(request jsonb)
returns table (status int, headers json, body $body_type)
language sql security definer as \$\$
    select 200, '{"Content-Type": "text/plain"}'::json,
           '$tag'::$body_type
\$\$;
grant usage on schema api_test to pgticket_web;
grant execute on function api_test.shape(jsonb) to pgticket_web;
SQL
}

shape('text', 'v1');

# a composite type that functions build rows of
psql('drop function if exists api_test.typed(jsonb); '
     . 'drop function if exists api_test.resp_of(int, text); '
     . 'drop type if exists api_test.resp');
psql(<<'SQL');
create type api_test.resp as (status int, headers jsonb, body text);
create function api_test.resp_of(status int, body text)
returns api_test.resp language sql immutable as $$
    select row(status, '{"Content-Type": "text/plain"}'::jsonb, body)
        ::api_test.resp
$$;
create function api_test.typed(request jsonb)
returns api_test.resp language plpgsql security definer as $$
begin
    return api_test.resp_of(200, 'typed');
end
$$;
grant execute on function api_test.typed(jsonb) to pgticket_web;
SQL


start_nginx(<<'CONF');
    pgticket_database "%%CONNINFO%%";
    pgticket_pool max=2 queue=16 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location = /pgticket_status {
            pgticket_status;
        }

        location /api/ {
            pgticket_route GET /api/shape api_test.shape;
            pgticket_route GET /api/typed api_test.typed;
            pgticket_route GET /api/sleep api_test.sleep;
        }
    }
CONF

# both connections open, each with its statements prepared

my @res = parallel(('/api/sleep?s=0.3') x 2);
is(scalar(grep { $_->{status} == 200 } @res), 2, 'two connections open');
like(http(GET => '/pgticket_status')->{content},
     qr/state="idle"\} 2$/m, 'both idle');
is(http(GET => '/api/shape')->{content}, 'v1', 'the function answers');

for my $round ([varchar => 'v2'], [text => 'v3']) {
    my ($type, $tag) = @$round;
    shape($type, $tag);

    my @get = parallel(('/api/shape') x 6);
    is(scalar(grep { $_->{status} == 200 && $_->{content} eq $tag } @get),
       6, "body now $type: every GET answers 200 with the new function");

    my @head = map { http(HEAD => '/api/shape') } 1 .. 4;
    is(scalar(grep { $_->{status} == 200 } @head), 4,
       "body now $type: every HEAD answers 200");

    @get = map { http(GET => '/api/shape') } 1 .. 4;
    is(scalar(grep { $_->{status} == 200 } @get), 4,
       'and so do the next ones');
}

# a composite type that functions build rows of changes

@res = parallel(('/api/typed') x 4);
is(scalar(grep { $_->{status} == 200 } @res), 4, 'typed: 200');

for my $type ('bigint', 'integer') {
    psql("alter type api_test.resp alter attribute status type $type");
    @res = parallel(('/api/typed') x 6);
    is(scalar(grep { $_->{status} == 200 && $_->{content} eq 'typed' } @res),
       6, "status now $type: every request answers 200");
    @res = map { http(HEAD => '/api/typed') } 1 .. 3;
    is(scalar(grep { $_->{status} == 200 } @res), 3, '  HEAD too');
}

stop_nginx();

my $log = do { local $/; open(my $fh, '<', test_dir() . '/error.log'); <$fh> };
my $n = () = $log =~ /SQLSTATE (0A000|42804), a function or type may have changed/g;
cmp_ok($n, '>=', 2, "requests ran again on new connections ($n)");
unlike($log, qr/api_test\.(shape|typed) failed/, 'no request failed');

done_testing();
