#!/usr/bin/perl
# pg_dump and restore keep a DBA's work: a database with the demo data, a
# DBA's edits to shipped configuration rows (an SLA policy, a state's label,
# a transition, a workflow's description) and rows of their own (a state
# and its transitions), dumped with pg_dump and restored into new databases
# (plain SQL through psql, and the custom format through pg_restore), has
# the same configuration and data afterwards, and keeps working: new
# tickets get the edited SLA and new numbers, the DBA's transitions apply.
# A shipped row the DBA deleted comes back, as the README says.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use PgTicketTest;

my $stack = "$FindBin::Bin/../stack.sh";
my $top = "$FindBin::Bin/../..";
my $pg_config = $ENV{PG_CONFIG} // 'pg_config';
chomp(my $bindir = `$pg_config --bindir`);
my ($rundir, $pgport) = @ENV{qw(PGTICKET_RUNDIR PGTICKET_PGPORT)};
my $dir = test_dir();
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
my @dbs = qw(pgticket_dump_src pgticket_dump_sql pgticket_dump_custom);

# run a client program of the cluster as its owner; dies unless it succeeds
sub client {
    my ($prog, @args) = @_;
    my $out = `'$stack' as-owner '$bindir/$prog' -h '$rundir' -p $pgport -U postgres @{[ join ' ', map { "'$_'" } @args ]} 2>&1`;
    die "$prog @args failed:\n$out" if $?;
    return $out;
}

sub sql_in {
    my ($db, $sql) = @_;
    open(my $fh, '-|', $stack, 'as-owner', "$bindir/psql", '-X', '-q', '-A',
         '-t', '-v', 'ON_ERROR_STOP=1', '-h', $rundir, '-p', $pgport,
         '-U', 'postgres', '-d', $db, '-c', $sql)
        or die "psql: $!\n";
    my $out = do { local $/; <$fh> } // '';
    close $fh or die "psql failed in $db: $sql\n";
    return $out;
}

sub drop_dbs {
    sql_in('postgres', "drop database if exists $_") for @dbs;
}

# what a DBA would compare: the configuration tables and the data
my %config = (
    'pgticket.workflow' => 'name',
    'pgticket.workflow_state' => 'workflow, state',
    'pgticket.workflow_transition' => 'workflow, from_state, to_state',
    'pgticket.sla_policy' => 'priority',
    'pgticket.issue_type' => 'scope, name',
);
sub table_text {
    my ($db, $table, $order) = @_;
    return sql_in($db, "select * from $table order by $order");
}

drop_dbs();
sql_in('postgres', 'create database pgticket_dump_src');
sql_in('pgticket_dump_src', 'create extension pgticket cascade');
client('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'pgticket_dump_src',
       '-f', "$top/tests/demo-data.sql");

# The DBA's work: edits to shipped rows, rows of their own, a deletion.
sql_in('pgticket_dump_src', <<'SQL');
update pgticket.sla_policy set resolve_within = '6 hours' where priority = 'high';
update pgticket.workflow_state set label = 'Waiting'
 where workflow = 'helpdesk' and state = 'on_hold';
update pgticket.workflow_transition set needs_assignee = true
 where (workflow, from_state, to_state) = ('helpdesk', 'open', 'resolved');
update pgticket.workflow set description = 'Branch queues'
 where name = 'queue';
insert into pgticket.workflow_state (workflow, state, category, label)
     values ('helpdesk', 'escalated', 'open', 'Escalated');
insert into pgticket.workflow_transition (workflow, name, from_state, to_state)
     values ('helpdesk', 'escalate', 'open', 'escalated'),
            ('helpdesk', 'resolve', 'escalated', 'resolved');
delete from pgticket.workflow_transition
 where (workflow, from_state, to_state) = ('resume', 'scheduled', 'cancelled');
select pgticket.transition(t.id, 'open')
  from pgticket.ticket t where t.workflow = 'helpdesk' and t.number = 11;
update pgticket.service set prefix = 'ZZ'
 where code in (select service from pgticket.ticket_queue);
SQL

my %src = map { $_ => table_text('pgticket_dump_src', $_, $config{$_}) }
    keys %config;
my $src_tickets = sql_in('pgticket_dump_src',
    'select id, number, workflow, state, due_at from pgticket.ticket order by id');
# queue tickets keep the prefix they were issued with, not the service's
# new one (restored rows carry theirs: trigger ticket_queue_prefix is not
# to refill them)
my $queue_numbers = q{select ticket_id,
    pgticket.queue_label(prefix, queue_number) from pgticket.ticket_queue
    order by ticket_id};
my $src_queue = sql_in('pgticket_dump_src', $queue_numbers);
unlike($src_queue, qr/ZZ/, 'the queue tickets were issued before the change');

client('pg_dump', '-f', "$dir/dump.sql", 'pgticket_dump_src');
client('pg_dump', '-Fc', '-f', "$dir/dump.custom", 'pgticket_dump_src');
like(`cat '$dir/dump.sql'`, qr/^COPY pgticket\.sla_policy .*\nhigh\t06:00:00\tt\n\\\.$/m,
     'the dump holds the edited SLA policy, not the others');

sql_in('postgres', 'create database pgticket_dump_sql');
sql_in('postgres', 'create database pgticket_dump_custom');
my $ok = eval {
    client('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d',
           'pgticket_dump_sql', '-f', "$dir/dump.sql");
    1;
};
ok($ok, 'plain dump restores through psql without an error') or diag($@);
$ok = eval {
    client('pg_restore', '--exit-on-error', '-d', 'pgticket_dump_custom',
           "$dir/dump.custom");
    1;
};
ok($ok, 'custom dump restores through pg_restore without an error')
    or diag($@);

for my $db (qw(pgticket_dump_sql pgticket_dump_custom)) {
    for my $table (sort keys %config) {
        my $want = $src{$table};
        # the shipped transition the DBA deleted comes back (README)
        if ($table eq 'pgticket.workflow_transition') {
            $want = table_text('pgticket_dump_src', "(select * from
                pgticket.workflow_transition union all select 'resume',
                'cancel', 'scheduled', 'cancelled', false, true) x",
                $config{$table});
        }
        is(table_text($db, $table, $config{$table}), $want,
           "$db: $table as the DBA left it");
    }
    is(sql_in($db, 'select id, number, workflow, state, due_at'
                   . ' from pgticket.ticket order by id'),
       $src_tickets, "$db: every ticket");
    is(sql_in($db, $queue_numbers), $src_queue,
       "$db: queue tickets keep the numbers they were issued with");
    is(sql_in($db, q{select pgticket.sla_due('high', '2026-01-01 00:00+00')
                     = '2026-01-01 06:00+00'}), "t\n",
       "$db: the edited SLA applies");
    is(sql_in($db, q{
        select t.number > 12, t.state from pgticket.create_ticket('helpdesk',
            (select id from pgticket.customer where helpdesk_user_id = 6),
            'after restore', priority => 'high') t}), "t|new\n",
       "$db: a new ticket gets a new number");
    is(sql_in($db, q{select state from pgticket.transition(
        (select id from pgticket.ticket where workflow = 'helpdesk'
            and number = 11), 'escalated')}), "escalated\n",
       "$db: the DBA's own transition applies");
}

drop_dbs();
done_testing();
