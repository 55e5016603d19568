#!/usr/bin/perl
# The deployed database, as nginx's role sees it: connected as pgticket_web
# over the socket, to the database tests/stack.sh db-setup made (hardened
# by extension/deploy/harden.sql and pg_hba.conf), it can call the facades
# and nothing else: no other database, no temporary table, no large
# object, no function source, no table or core function, no other role, no
# setting that would put request documents in the log.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

my $stack = "$FindBin::Bin/../stack.sh";
my ($rundir, $pgport, $db) = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT
                                     PGTICKET_DB)};

# psql as a role; returns (exit status, output with errors)
sub psql_as {
    my ($role, $dbname, $sql) = @_;
    my $out = `'$stack' as-owner psql -X -q -A -t -v ON_ERROR_STOP=1 -h '$rundir' -p $pgport -U $role -d $dbname -c "$sql" 2>&1`;
    return ($? >> 8, $out);
}

sub refused {
    my ($sql, $error, $name) = @_;
    my ($rc, $out) = psql_as('pgticket_web', $db, $sql);
    ok($rc != 0, "$name: refused");
    like($out, $error, "$name: the server says why");
}

my ($rc, $out) = psql_as('pgticket_web', $db, 'select current_user');
is($out, "pgticket_web\n", 'pgticket_web connects to its database');

# the facades, and what they need, work for it
($rc, $out) = psql_as('pgticket_web', $db,
    q{select status from api_helpdesk.get_ticket_details('{\"params\": {\"ticketId\": \"11\"}, \"nginx\": {\"audience\": \"admin\"}}')});
is($out, "200\n", 'it calls a facade: 200');

for my $other ('postgres', 'template1') {
    ($rc, $out) = psql_as('pgticket_web', $other, 'select 1');
    ok($rc != 0, "it cannot connect to database $other");
    like($out, qr/pg_hba\.conf rejects connection/, "$other: pg_hba.conf");
}

# a reporting tool's login, a member of the NOLOGIN pgticket_report as
# the README says to make one: its database's views, no other database
my $tool = "pgticket_report_tool_$$";
psql("create role $tool login in role pgticket_report");
END { local $?; eval { psql("drop role if exists $tool") } }
($rc, $out) = psql_as($tool, $db,
                      'select count(*) > 0 from pgticket_report.tickets');
is($out, "t\n", 'a reporting login reads the views');
for my $other ('postgres', 'template1') {
    ($rc, $out) = psql_as($tool, $other, 'select 1');
    ok($rc != 0, "a reporting login cannot connect to database $other");
    like($out, qr/pg_hba\.conf rejects connection/,
         "$other: pg_hba.conf, for the role's members too");
}

# a database created later is open to PUBLIC, but not to pgticket_web
# until the deployment says so
my $later = "pgticket_later_$$";
psql("create database $later");
END { local $?; eval { psql("drop database if exists $later") } }
($rc, $out) = psql_as('pgticket_web', $later, 'select 1');
like($out, qr/pg_hba\.conf rejects connection/,
     'a database created later: refused by pg_hba.conf');
PgTicketTest::allow_database($later);
($rc, $out) = psql_as('pgticket_web', $later, 'select 1');
is($out, "1\n", 'once db-allow names it: connects');

refused('create temp table intruder (a int)',
        qr/permission denied to create temporary tables/, 'a temporary table');
refused('select lo_create(0)', qr/permission denied for function lo_create/,
        'a large object (lo_create)');
refused("select lo_from_bytea(0, 'x')",
        qr/permission denied for function lo_from_bytea/,
        'a large object (lo_from_bytea)');
refused("select prosrc from pg_proc where proname = 'create_ticket'",
        qr/permission denied for table pg_proc/, 'the source of a function');
refused("select pg_get_functiondef('api_resume.create_ticket(jsonb)'::regprocedure)",
        qr/permission denied for function pg_get_functiondef/,
        'a function definition');
($rc, $out) = psql_as('pgticket_web', $db,
    "select count(*), count(routine_definition) from information_schema.routines"
    . " where routine_schema like 'api%'");
like($out, qr/^[1-9][0-9]*\|0$/,
     'information_schema shows the facades without their source');
($rc, $out) = psql_as('pgticket_web', $db,
    "select count(proname) > 0 from pg_proc where proname = 'create_ticket'");
is($out, "t\n", 'the rest of pg_proc stays readable (psql\'s \\df works)');

refused('select count(*) from pgticket.ticket',
        qr/permission denied for schema pgticket/, 'a table');
refused("select pgticket.token_claims('x')",
        qr/permission denied for schema pgticket/, 'a core function');
refused('create table public.intruder (a int)',
        qr/permission denied for schema public/, 'a table in public');
refused('create schema intruder', qr/permission denied for database/,
        'a schema');
refused('set role pgticket_api', qr/permission denied to set role/,
        "the facades' owner");
refused('set log_parameter_max_length = -1',
        qr/permission denied to set parameter/,
        'logging request documents');
($rc, $out) = psql_as('pgticket_web', $db,
    'show log_parameter_max_length; show log_parameter_max_length_on_error');
is($out, "0\n0\n", 'its statements are logged without their parameters');
# and planned with the pages in memory: the plans a pooled session keeps
# (SPI, foreign keys) find small tables' rows by their keys
($rc, $out) = psql_as('pgticket_web', $db, 'show random_page_cost');
is($out, "1.1\n", 'its sessions plan with random_page_cost 1.1');

done_testing();
