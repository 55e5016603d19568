--
-- report: the pgticket_report views over tickets with known timestamps.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 10001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 10001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 10001;

INSERT INTO pgticket.customer (name) VALUES ('report-rae');               -- 10001
INSERT INTO pgticket.staff (username, role) VALUES
	('report-sam', 'admin'), ('report-tia', 'admin');                     -- 10001, 10002

-- 10001: urgent, created 10 hours ago: overdue (due 4h)
SELECT id FROM pgticket.create_ticket('helpdesk', 10001, 'overdue', priority => 'urgent',
	created_at => now() - interval '10 hours');
SELECT assignee_id FROM pgticket.assign(10001, 10001);
-- 10002: low, created an hour ago: in time
SELECT id FROM pgticket.create_ticket('helpdesk', 10001, 'in time', priority => 'low',
	created_at => now() - interval '1 hour');
-- 10003: urgent, created 10 hours ago, resolved now: late
SELECT id FROM pgticket.create_ticket('helpdesk', 10001, 'late', priority => 'urgent',
	created_at => now() - interval '10 hours');
SELECT state FROM pgticket.transition(10003, 'resolved', assignee_id => 10002);
-- 10004: low, resolved at once then closed: on time
SELECT id FROM pgticket.create_ticket('helpdesk', 10001, 'on time', priority => 'low',
	created_at => now() - interval '1 hour');
SELECT state FROM pgticket.transition(10004, 'resolved', assignee_id => 10001);
SELECT state FROM pgticket.transition(10004, 'closed');
-- 10005: queue ticket cancelled long after its due date: not a breach
SELECT id FROM pgticket.create_ticket('queue', 10001, 'cancelled', priority => 'urgent',
	created_at => now() - interval '10 hours');
SELECT state FROM pgticket.transition(10005, 'cancelled');
-- 10006: on hold (pending), overdue
SELECT id FROM pgticket.create_ticket('helpdesk', 10001, 'held', priority => 'high',
	created_at => now() - interval '9 hours');
SELECT state FROM pgticket.transition(10006, 'on_hold');
-- ratings
SELECT pgticket.rate(10003, 10001, 2) > 0 AS rated;
SELECT pgticket.rate(10003, 10001, 3) > 0 AS rated;
SELECT pgticket.rate(10004, 10001, 5) > 0 AS rated;

SELECT id, number > 0 AS numbered, workflow, state, category, customer, assignee,
	   priority, due_at = created_at + (SELECT resolve_within FROM pgticket.sla_policy p
										 WHERE p.priority = t.priority) AS due_ok,
	   resolved_at IS NOT NULL AS resolved, closed_at IS NOT NULL AS closed, overdue
  FROM pgticket_report.tickets t WHERE customer = 'report-rae' ORDER BY id;

SELECT id, state, category, assignee, priority,
	   age >= interval '1 hour' AS aged, time_left < interval '0' AS past_due, overdue
  FROM pgticket_report.backlog WHERE customer = 'report-rae' ORDER BY id;

SELECT id, state, priority, breach, late_by > interval '5 hours' AS over_5h,
	   finished_at IS NOT NULL AS finished
  FROM pgticket_report.sla_breaches WHERE customer = 'report-rae' ORDER BY id;

SELECT ticket_id, state, assignee, value, times_rated
  FROM pgticket_report.ratings WHERE customer = 'report-rae' ORDER BY ticket_id;
SELECT assignee, rated_tickets, average, lowest, highest
  FROM pgticket_report.ratings_by_assignee
 WHERE assignee IN ('report-sam', 'report-tia') ORDER BY assignee;

-- tickets_by_state counts every state, empty ones included (a workflow of
-- its own, rolled back)
BEGIN;
CREATE SEQUENCE pgticket.report_number_seq;
INSERT INTO pgticket.workflow VALUES ('report_wf', '', 'pgticket.report_number_seq');
INSERT INTO pgticket.workflow_state (workflow, state, category, is_initial) VALUES
	('report_wf', 'todo', 'new', true), ('report_wf', 'doing', 'open', false),
	('report_wf', 'done', 'closed', false);
INSERT INTO pgticket.workflow_transition (workflow, name, from_state, to_state)
	VALUES ('report_wf', 'start', 'todo', 'doing');
SELECT count(*) FROM (SELECT pgticket.create_ticket('report_wf', 10001, 'x')
						FROM generate_series(1, 3)) s;
SELECT state FROM pgticket.transition(10007, 'doing');
SELECT * FROM pgticket_report.tickets_by_state WHERE workflow = 'report_wf'
 ORDER BY category;
ROLLBACK;

-- the columns the tables do not explain are described (\d+ pgticket_report.*)
SELECT c.relname, a.attname
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'pgticket_report'::regnamespace AND a.attnum > 0
   AND col_description(c.oid, a.attnum) IS NOT NULL
 ORDER BY c.relname, a.attnum;

-- the views are read-only
INSERT INTO pgticket_report.tickets_by_state VALUES ('x', 'y', 'new', 0);
:e
