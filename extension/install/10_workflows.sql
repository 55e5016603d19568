/*
 * The shipped workflows (contract.md, Lifecycle) and SLA defaults.  They are
 * plain rows: a DBA adds a state or a transition with INSERT.
 */

INSERT INTO pgticket.workflow (name, description, number_seq) VALUES
	('helpdesk', 'Helpdesk and CRM tickets', 'pgticket.helpdesk_number_seq'),
	('queue', 'Branch queue tickets', 'pgticket.queue_number_seq'),
	('workshop', 'Workshop service tickets', 'pgticket.workshop_number_seq'),
	('resume', 'Resume-service field dispatch', 'pgticket.resume_number_seq');

INSERT INTO pgticket.workflow_state (workflow, state, category, is_initial, label) VALUES
	('helpdesk', 'new', 'new', true, 'Open'),
	('helpdesk', 'open', 'open', false, 'Open'),
	('helpdesk', 'on_hold', 'pending', false, 'On Hold'),
	('helpdesk', 'resolved', 'solved', false, 'Resolved'),
	('helpdesk', 'closed', 'closed', false, 'Closed'),
	('queue', 'waiting', 'open', true, 'waiting'),
	('queue', 'called', 'open', false, 'called'),
	('queue', 'attending', 'open', false, 'attending'),
	('queue', 'finished', 'closed', false, 'finished'),
	('queue', 'no_show', 'cancelled', false, 'no_show'),
	('queue', 'cancelled', 'cancelled', false, 'cancelled'),
	('workshop', 'pending', 'open', true, 'pending'),
	('workshop', 'in_progress', 'open', false, 'in progress'),
	('workshop', 'done', 'closed', false, 'done'),
	('workshop', 'cancelled', 'cancelled', false, 'cancelled'),
	('resume', 'scheduled', 'new', true, 'scheduled'),
	('resume', 'dispatched', 'open', false, 'dispatched'),
	('resume', 'done', 'closed', false, 'done'),
	('resume', 'cancelled', 'cancelled', false, 'cancelled');

INSERT INTO pgticket.workflow_transition (workflow, name, from_state, to_state, needs_assignee) VALUES
	('helpdesk', 'open', 'new', 'open', false),
	('helpdesk', 'hold', 'new', 'on_hold', false),
	('helpdesk', 'hold', 'open', 'on_hold', false),
	('helpdesk', 'resume', 'on_hold', 'open', false),
	('helpdesk', 'resolve', 'new', 'resolved', false),
	('helpdesk', 'resolve', 'open', 'resolved', false),
	('helpdesk', 'resolve', 'on_hold', 'resolved', false),
	('helpdesk', 'close', 'new', 'closed', false),
	('helpdesk', 'close', 'open', 'closed', false),
	('helpdesk', 'close', 'on_hold', 'closed', false),
	('helpdesk', 'close', 'resolved', 'closed', false),
	('helpdesk', 'reopen', 'closed', 'open', false),
	('queue', 'call', 'waiting', 'called', false),
	('queue', 'attend', 'called', 'attending', false),
	('queue', 'finish', 'attending', 'finished', false),
	('queue', 'recall', 'called', 'waiting', false),
	('queue', 'no-show', 'called', 'no_show', false),
	('queue', 'cancel', 'waiting', 'cancelled', false),
	('queue', 'cancel', 'called', 'cancelled', false),
	('workshop', 'start-service', 'pending', 'in_progress', true),
	('workshop', 'finish', 'in_progress', 'done', false),
	('workshop', 'cancel', 'pending', 'cancelled', false),
	('resume', 'dispatch', 'scheduled', 'dispatched', false),
	('resume', 'complete', 'dispatched', 'done', false),
	('resume', 'cancel', 'scheduled', 'cancelled', false);

/*
 * pg_dump keeps the workflows, states and transitions a DBA adds; the rows
 * above come back with CREATE EXTENSION, so the filters leave them out
 * (they are built from the rows themselves, so they cannot drift).  In 1.1,
 * 15_shipped_config.sql replaces these filters so that a DBA's edits to
 * the shipped rows are kept too.
 */
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow',
	'WHERE name NOT IN (' ||
	string_agg(quote_literal(name), ', ' ORDER BY name) || ')')
  FROM pgticket.workflow;
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow_state',
	'WHERE (workflow, state) NOT IN (' ||
	string_agg(format('(%L, %L)', workflow, state), ', '
			   ORDER BY workflow, state) || ')')
  FROM pgticket.workflow_state;
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow_transition',
	'WHERE (workflow, from_state, to_state) NOT IN (' ||
	string_agg(format('(%L, %L, %L)', workflow, from_state, to_state), ', '
			   ORDER BY workflow, from_state, to_state) || ')')
  FROM pgticket.workflow_transition;

INSERT INTO pgticket.sla_policy (priority, resolve_within) VALUES
	('urgent', '4 hours'),
	('high', '8 hours'),
	('medium', '12 hours'),
	('low', '48 hours');
