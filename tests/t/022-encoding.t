#!/usr/bin/perl
# Every connection speaks UTF-8, whatever the role, the database or the
# connection string say: with client_encoding LATIN1 set on the web role
# (and in pgticket_database), text is stored as sent and CJK text reads
# back.  A database that cannot store UTF-8 (LATIN1, SQL_ASCII) is refused
# with a clear log line, and requests get the unavailable answer.

use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Encode qw(encode_utf8 decode_utf8);
use PgTicketTest;

my @dbs = qw(pgticket_faults_latin1 pgticket_faults_sqlascii);

END {
    eval { psql('alter role pgticket_web reset client_encoding') };
}

psql(<<'SQL');
insert into pgticket.customer (name, helpdesk_user_id)
     values ('faults-022', 9022)
on conflict (helpdesk_user_id) do nothing;
alter role pgticket_web set client_encoding = 'LATIN1';
SQL

my $conf = do {
    open(my $fh, '<', "$FindBin::Bin/../../nginx-module/conf/api-helpdesk.conf")
        or die;
    local $/;
    <$fh>;
};

start_nginx(<<"CONF");
    pgticket_database "%%CONNINFO%% client_encoding=LATIN1";
    pgticket_pool max=2 queue=16 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

$conf
    }
CONF

my $subject = "日本語のチケット über ½ " . time;
my $comments = "Ünïcødé — 中文 한국어 🎫";

my $r = http(POST => '/api/v1/raise_ticket',
             { 'Content-Type' => 'application/json; charset=utf-8' },
             encode_utf8(qq({"type": "Technical", "subject": "$subject", )
                         . qq("userId": 9022, "comments": "$comments"})));
is($r->{status}, 200, 'raise_ticket with CJK text: 200');
my ($id) = decode_utf8($r->{content}) =~ /"ticketId":"(\d+)"/;
ok($id, 'a ticket id');

my ($row) = psql("select encode(convert_to(subject, 'UTF8'), 'hex'), "
                 . "encode(convert_to(description, 'UTF8'), 'hex') "
                 . "from pgticket.ticket where workflow = 'helpdesk' "
                 . "and number = " . ($id // 0));
is($row->[0], unpack('H*', encode_utf8($subject)),
   'the subject is stored as sent, no mojibake');
is($row->[1], unpack('H*', encode_utf8($comments)),
   'so is the description');

$r = http(GET => "/api/v1/get_ticket_details/$id");
is($r->{status}, 200, 'get_ticket_details of CJK text: 200');
my $body = decode_utf8($r->{content} // '');
like($body, qr/\Q$comments\E/, 'the first message reads back');

# text written by someone else (psql, in UTF-8) reads back too

my $sql_subject = "件名 écrit par psql " . time;
psql(encode_utf8("select pgticket.create_ticket('helpdesk', id, "
                 . "'$sql_subject') from pgticket.customer "
                 . "where helpdesk_user_id = 9022"));

$r = http(GET => '/api/v1/get_tickets/9022');
is($r->{status}, 200, 'get_tickets of CJK text stored by psql: 200');
like(decode_utf8($r->{content} // ''), qr/\Q$sql_subject\E/,
     'it reads back');
like(decode_utf8($r->{content} // ''), qr/\Q$subject\E/,
     'the subject reads back in the list');

stop_nginx();

psql('alter role pgticket_web reset client_encoding');

# databases that cannot store UTF-8

for my $enc (['LATIN1', $dbs[0]], ['SQL_ASCII', $dbs[1]]) {
    my ($name, $db) = @$enc;
    psql("drop database if exists $db");
    psql("create database $db encoding '$name' lc_collate 'C' "
         . "lc_ctype 'C' template template0");
    PgTicketTest::allow_database($db);

    my $ci = conninfo();
    $ci =~ s/dbname=\S+/dbname=$db/;

    expect_error(qr/the database's encoding is "$name", pgticket needs a UTF8 database/,
                 qr/could not set up PostgreSQL connection/);

    start_nginx(<<"CONF");
    pgticket_database "$ci";
    pgticket_pool max=2 queue=16 timeout=3s;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/ {
            pgticket_unavailable 503 application/json '{"errorCode":503}';
            pgticket_route GET /api/echo api_test.echo;
        }
    }
CONF

    my @res = map { http(GET => '/api/echo') } 1 .. 3;
    is(scalar(grep { $_->{status} == 503 } @res), 3,
       "a $name database: the unavailable answer");

    stop_nginx();

    my $log = do { local $/; open(my $fh, '<', test_dir() . '/error.log');
                   <$fh> };
    like($log, qr/\[error\].*the database's encoding is "$name", pgticket needs a UTF8 database: connection refused/,
         "a $name database is refused with a clear [error] line");
    unlike($log, qr/could not prepare/, 'before anything is run on it');

    psql("drop database if exists $db");
}

done_testing();
