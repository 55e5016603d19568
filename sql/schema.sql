--
-- schema: the tables' constraints, one violating statement each, and the
-- append-only history.  Errors show their SQLSTATE through :e; VERBOSITY
-- terse hides "Failing row contains" details that carry random uuids.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
-- ids of this file start at 1001, whatever ran before
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 1001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 1001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 1001;

-- the extension's schemas, and a comment on every object it owns
SELECT nspname FROM pg_namespace
 WHERE nspname IN ('pgticket', 'pgticket_report') OR nspname LIKE 'api\_%'
 ORDER BY 1;
SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN ('pgticket', 'pgticket_report')
   AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT c.oid::regclass FROM pg_class c
 WHERE c.relnamespace IN ('pgticket'::regnamespace, 'pgticket_report'::regnamespace)
   AND c.relkind IN ('r', 'v')
   AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT nspname FROM pg_namespace
 WHERE (nspname IN ('pgticket', 'pgticket_report') OR nspname LIKE 'api\_%')
   AND obj_description(oid, 'pg_namespace') IS NULL;
-- the same over every member of the extension, whatever its kind
SELECT pg_describe_object(d.classid, d.objid, 0) AS uncommented
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgticket')
   AND obj_description(d.objid, d.classid::regclass::name) IS NULL
 ORDER BY 1;

-- pg_dump keeps every table's rows and every sequence's state; of the
-- tables that ship rows (the workflow tables, sla_policy) it keeps the rows
-- a DBA adds and the shipped rows a DBA edits, none of the others
SELECT c.oid::regclass AS not_dumped FROM pg_class c
 WHERE c.relnamespace = 'pgticket'::regnamespace AND c.relkind IN ('r', 'S')
   AND NOT EXISTS (SELECT FROM pg_extension e
					WHERE e.extname = 'pgticket' AND c.oid = ANY (e.extconfig))
 ORDER BY 1;
-- the rows each filter selects, counted as pg_dump runs it (search_path '')
CREATE TEMP VIEW dumped AS
SELECT x.c AS config,
	   (xpath('/row/n/text()',
			  query_to_xml(format('SELECT count(*) AS n FROM %s %s', x.c, x.cond),
						   false, true, '')))[1]::text::int AS dumped
  FROM pg_extension e, unnest(e.extconfig::regclass[], e.extcondition) AS x(c, cond)
 WHERE e.extname = 'pgticket' AND x.cond <> '';
SET search_path = '';
SELECT * FROM dumped ORDER BY config::text;
SELECT c.relname, count(*) FILTER (WHERE t.tgname IS NOT NULL) AS restore_trigger
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(c, cond)
  JOIN pg_class c ON c.oid = x.c
  LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND t.tgname = 'restore_shipped_row'
 WHERE e.extname = 'pgticket' AND x.cond <> ''
 GROUP BY 1 ORDER BY 1;
BEGIN;
INSERT INTO pgticket.workflow_state (workflow, state, category)
	VALUES ('helpdesk', 'schema_extra', 'open');
UPDATE pgticket.sla_policy SET resolve_within = '6 hours' WHERE priority = 'high';
UPDATE pgticket.workflow_transition SET needs_assignee = true
 WHERE (workflow, from_state, to_state) = ('helpdesk', 'open', 'resolved');
UPDATE pgticket.workflow SET description = 'Our helpdesk' WHERE name = 'helpdesk';
SELECT * FROM dumped ORDER BY config::text;
-- an edit undone is not dumped
UPDATE pgticket.sla_policy SET resolve_within = '8 hours' WHERE priority = 'high';
SELECT * FROM dumped WHERE config = 'pgticket.sla_policy'::regclass;
-- a restore inserts an edited shipped row (shipped = true): it updates the
-- shipped row of that key; a DBA's insert of an existing key still fails
INSERT INTO pgticket.sla_policy (priority, resolve_within, shipped)
	VALUES ('high', '7 hours', true);
INSERT INTO pgticket.workflow_transition
	VALUES ('helpdesk', 'solve', 'open', 'resolved', false, true);
SELECT priority, resolve_within, shipped FROM pgticket.sla_policy
 WHERE priority = 'high';
SELECT name, needs_assignee, shipped FROM pgticket.workflow_transition
 WHERE (workflow, from_state, to_state) = ('helpdesk', 'open', 'resolved');
SAVEPOINT s;
INSERT INTO pgticket.sla_policy (priority, resolve_within) VALUES ('high', '9 hours');
ROLLBACK TO s;
-- shipped = true on a key nothing has: an ordinary insert
INSERT INTO pgticket.workflow_state (workflow, state, category, shipped)
	VALUES ('helpdesk', 'schema_other', 'open', true);
SELECT state, shipped FROM pgticket.workflow_state WHERE state LIKE 'schema%' ORDER BY 1;
ROLLBACK;
RESET search_path;
DROP VIEW dumped;

\set VERBOSITY terse
-- workflow
INSERT INTO pgticket.workflow VALUES ('Bad Name', '', 'pgticket.helpdesk_number_seq');
:e
INSERT INTO pgticket.workflow VALUES ('helpdesk', '', 'pgticket.helpdesk_number_seq');
:e
INSERT INTO pgticket.workflow (name) VALUES ('noseq');
:e
-- workflow_state
INSERT INTO pgticket.workflow_state VALUES ('helpdesk', 'Bad', 'open');
:e
INSERT INTO pgticket.workflow_state VALUES ('nowhere', 'x', 'open');
:e
INSERT INTO pgticket.workflow_state VALUES ('helpdesk', 'start2', 'new', true);
:e
INSERT INTO pgticket.workflow_state VALUES ('helpdesk', 'open', 'open');
:e
-- workflow_transition
INSERT INTO pgticket.workflow_transition VALUES ('helpdesk', 'Bad Name', 'new', 'open');
:e
INSERT INTO pgticket.workflow_transition VALUES ('helpdesk', 'stay', 'open', 'open');
:e
INSERT INTO pgticket.workflow_transition VALUES ('helpdesk', 'go', 'open', 'nowhere');
:e
INSERT INTO pgticket.workflow_transition VALUES ('helpdesk', 'go', 'nowhere', 'open');
:e
INSERT INTO pgticket.workflow_transition VALUES ('helpdesk', 'again', 'new', 'open');
:e
INSERT INTO pgticket.workflow_transition VALUES ('helpdesk', 'close', 'resolved', 'open');
:e
-- customer
INSERT INTO pgticket.customer (name) VALUES ('schema-ann');
INSERT INTO pgticket.customer (name, helpdesk_user_id) VALUES ('x', 0);
:e
INSERT INTO pgticket.customer (name, resume_customer_id) VALUES ('x', -1);
:e
INSERT INTO pgticket.customer (name, crm_contact_id) VALUES ('x', 0);
:e
INSERT INTO pgticket.customer (name, helpdesk_user_id) VALUES ('s1', 901), ('s2', 901);
:e
INSERT INTO pgticket.customer (name, id_type) VALUES ('x', 'DNI');
:e
INSERT INTO pgticket.customer (name, id_type, id_number) VALUES ('x', 'NOPE', '123');
:e
INSERT INTO pgticket.customer_id_type VALUES ('SCHEMA-ID', 'test id');
INSERT INTO pgticket.customer (name, id_type, id_number) VALUES ('x', 'SCHEMA-ID', 'bad number!');
:e
INSERT INTO pgticket.customer (name, id_type, id_number) VALUES ('s3', 'SCHEMA-ID', 'A1'), ('s4', 'SCHEMA-ID', 'A1');
:e
-- staff
INSERT INTO pgticket.staff (username, role) VALUES ('schema-bob', 'admin');
INSERT INTO pgticket.staff (username, role) VALUES ('', 'admin');
:e
INSERT INTO pgticket.staff (username, role) VALUES ('schema-bob', 'agent');
:e
INSERT INTO pgticket.staff (username, role) VALUES ('schema-x', 'boss');
:e
INSERT INTO pgticket.staff (username, role, crm_user_id) VALUES ('schema-y', 'agent', 0);
:e
-- api_client
INSERT INTO pgticket.api_client (api, name, key_hash) VALUES ('soap', 'x', '\x01');
:e
INSERT INTO pgticket.api_client (api, name, key_hash) VALUES ('crm', 'schema-a', '\x5c01'), ('crm', 'schema-b', '\x5c01');
:e
INSERT INTO pgticket.api_client (api, name, key_hash) VALUES ('crm', 'schema-c', '\x5c02'), ('crm', 'schema-c', '\x5c03');
:e
-- catalogues
INSERT INTO pgticket.sla_policy VALUES ('low', '0 hours');
:e
INSERT INTO pgticket.sla_policy VALUES ('low', '1 hour');
:e
INSERT INTO pgticket.issue_type (scope, name) VALUES ('erp', 'x');
:e
INSERT INTO pgticket.issue_type (scope, name) VALUES ('crm', '');
:e
INSERT INTO pgticket.channel VALUES ('');
:e
INSERT INTO pgticket.customer_id_type VALUES ('');
:e
INSERT INTO pgticket.branch VALUES ('');
:e
INSERT INTO pgticket.branch VALUES ('SCHEMA-B');
INSERT INTO pgticket.sector VALUES ('NO-BRANCH', 'S');
:e
INSERT INTO pgticket.sector VALUES ('SCHEMA-B', '');
:e
INSERT INTO pgticket.sector VALUES ('SCHEMA-B', 'S');
INSERT INTO pgticket.service VALUES ('SCHEMA-B', 'S', 'X', '', 'a1');
:e
INSERT INTO pgticket.service VALUES ('SCHEMA-B', 'NO', 'X', '', 'A');
:e
INSERT INTO pgticket.service VALUES ('SCHEMA-B', 'S', 'X', '', 'A');
INSERT INTO pgticket.queue_counter VALUES ('SCHEMA-B', 'S', 'X', '2024-01-01', 0);
:e
INSERT INTO pgticket.queue_counter VALUES ('SCHEMA-B', 'S', 'NO', '2024-01-01', 1);
:e
-- ticket
SELECT id, number, state FROM pgticket.create_ticket('helpdesk', 1001, 'schema ticket', number => 1);
INSERT INTO pgticket.ticket (number, workflow, state, customer_id) VALUES (0, 'helpdesk', 'new', 1001);
:e
INSERT INTO pgticket.ticket (number, workflow, state, customer_id) VALUES (1, 'helpdesk', 'new', 1001);
:e
INSERT INTO pgticket.ticket (number, workflow, state, customer_id) VALUES (2, 'helpdesk', 'waiting', 1001);
:e
INSERT INTO pgticket.ticket (number, workflow, state, customer_id) VALUES (2, 'helpdesk', 'new', 999999);
:e
INSERT INTO pgticket.ticket (number, workflow, state, customer_id, assignee_id) VALUES (2, 'helpdesk', 'new', 1001, 999999);
:e
INSERT INTO pgticket.ticket (number, workflow, state, customer_id, created_at, updated_at)
	VALUES (2, 'helpdesk', 'new', 1001, now(), now() - interval '1 second');
:e
-- detail tables
INSERT INTO pgticket.ticket_queue (ticket_id, branch, sector, service, day, queue_number)
	VALUES (1001, 'SCHEMA-B', 'S', 'X', '2024-01-01', 0);
:e
INSERT INTO pgticket.ticket_queue (ticket_id, branch, sector, service, day, queue_number)
	VALUES (1001, 'SCHEMA-B', 'S', 'NO', '2024-01-01', 1);
:e
INSERT INTO pgticket.ticket_vehicle VALUES (1001, 1, 'IOQ00000000000000');
:e
INSERT INTO pgticket.ticket_helpdesk (ticket_id) VALUES (999999);
:e
-- message
INSERT INTO pgticket.message (ticket_id, author_kind, body) VALUES (1001, 'system', '');
:e
INSERT INTO pgticket.message (ticket_id, author_kind, body) VALUES (1001, 'staff', 'hi');
:e
INSERT INTO pgticket.message (ticket_id, author_kind, body) VALUES (1001, 'customer', 'hi');
:e
-- rating
INSERT INTO pgticket.rating (ticket_id, customer_id, value) VALUES (1001, 1001, 6);
:e
INSERT INTO pgticket.rating (ticket_id, customer_id, value, superseded_at)
	VALUES (1001, 1001, 3, now() - interval '1 day');
:e
INSERT INTO pgticket.rating (ticket_id, customer_id, value) VALUES (1001, 1001, 3), (1001, 1001, 4);
:e
-- idempotency_key
INSERT INTO pgticket.idempotency_key (api, client_id, key, request_hash, status) VALUES ('crm', 0, '', '\x00', 200);
:e
-- history: foreign keys, and append-only
INSERT INTO pgticket.ticket_history (ticket_id, actor_kind, transition, to_state) VALUES (999999, 'system', 'x', 'new');
:e
INSERT INTO pgticket.ticket_history (ticket_id, actor_kind, actor_staff_id, transition, to_state)
	VALUES (1001, 'staff', 999999, 'x', 'new');
:e
\set VERBOSITY default
SELECT transition, from_state, to_state, actor_kind FROM pgticket.ticket_history WHERE ticket_id = 1001;
UPDATE pgticket.ticket_history SET reason = 'rewritten' WHERE ticket_id = 1001;
:e
DELETE FROM pgticket.ticket_history WHERE ticket_id = 1001;
:e
TRUNCATE pgticket.ticket_history;
:e
SELECT count(*) FROM pgticket.ticket_history WHERE ticket_id = 1001 AND reason IS NULL;
