--
-- errors: bad arguments to every core function, each with its SQLSTATE:
-- 22004 a required argument is NULL (named), 22003 out of range,
-- 22023 invalid value, 22P02 bad input, PT404 not found, PT403 not
-- permitted, PT409 refused.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 11001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 11001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 11001;

INSERT INTO pgticket.customer (name) VALUES ('errors-uma');              -- 11001
INSERT INTO pgticket.staff (username, role) VALUES ('errors-vic', 'admin'); -- 11001
SELECT id FROM pgticket.create_ticket('helpdesk', 11001, 'e1');

-- create_ticket
SELECT pgticket.create_ticket(NULL, 11001, 'x');
:e
SELECT pgticket.create_ticket('helpdesk', NULL, 'x');
:e
SELECT pgticket.create_ticket('helpdesk', 11001, NULL);
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', priority => NULL);
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', created_at => NULL);
:e
SELECT pgticket.create_ticket('nosuch', 11001, 'x');
:e
SELECT pgticket.create_ticket('helpdesk', 999999, 'x');
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', actor_staff_id => 999999);
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', priority => 'asap');
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', number => 0);
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', created_at => 'yesterday-ish');
:e
-- an infinite time would break every interval a report takes from it
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', created_at => 'infinity');
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', created_at => '-infinity');
:e
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', due_at => 'infinity');
:e
-- a due date before the ticket exists: 22023, no ticket
SELECT pgticket.create_ticket('helpdesk', 11001, 'x', created_at => '2024-03-01 09:00+00', due_at => '2024-03-01 08:59+00');
:e
-- a workflow without an initial state is the configuration's fault (55000),
-- not the caller's: a facade does not answer it as the client's 409
BEGIN;
UPDATE pgticket.workflow_state SET is_initial = false WHERE workflow = 'helpdesk';
SELECT pgticket.create_ticket('helpdesk', 11001, 'x');
:e
ROLLBACK;
BEGIN;
UPDATE pgticket.customer SET helpdesk_user_id = 911001 WHERE id = 11001;
INSERT INTO pgticket.issue_type (scope, name) VALUES ('helpdesk', 'Technical')
	ON CONFLICT DO NOTHING;
SELECT (api_helpdesk.raise_ticket('{"body": {"userId": "911001", "subject": "x",
	"comments": "x", "type": "Technical"}, "body_type": "form"}')).status AS configured;
UPDATE pgticket.workflow_state SET is_initial = false WHERE workflow = 'helpdesk';
SELECT (api_helpdesk.raise_ticket('{"body": {"userId": "911001", "subject": "x",
	"comments": "x", "type": "Technical"}, "body_type": "form"}')).status;
:e
ROLLBACK;
-- description NULL is taken as empty
SELECT description = '' AS empty FROM pgticket.create_ticket('helpdesk', 11001, 'x', description => NULL);
-- a staff member opening a ticket is the actor of its creation
SELECT id AS staff_ticket FROM pgticket.create_ticket('helpdesk', 11001, 'x', actor_staff_id => 11001) \gset
SELECT transition, actor_kind, actor_staff_id, actor_customer_id
  FROM pgticket.ticket_history WHERE ticket_id = :staff_ticket;

-- transition
SELECT pgticket.transition(NULL, 'open');
:e
SELECT pgticket.transition(11001, NULL);
:e
SELECT pgticket.transition(999999, 'open');
:e
SELECT pgticket.transition(11001, 'flying');
:e
SELECT pgticket.transition(11001, 'open', expected_state => 'closed');
:e
SELECT pgticket.transition(11001, 'open', actor_staff_id => 999999);
:e
SELECT pgticket.transition(11001, 'open', actor_customer_id => 999999);
:e
SELECT pgticket.transition(11001, 'open', actor_staff_id => 11001, actor_customer_id => 999999);
:e
SELECT pgticket.transition(11001, 'open', assignee_id => 999999);
:e
SELECT pgticket.transition(-1, 'open');
:e

-- assign
SELECT pgticket.assign(NULL, 11001);
:e
SELECT pgticket.assign(999999, 11001);
:e
SELECT pgticket.assign(11001, 999999);
:e
SELECT pgticket.assign(11001, 11001, actor_staff_id => 999999);
:e

-- add_message
SELECT pgticket.add_message(NULL, 'x', 'system');
:e
SELECT pgticket.add_message(11001, NULL, 'system');
:e
SELECT pgticket.add_message(11001, '', 'system');
:e
SELECT pgticket.add_message(11001, 'x', NULL);
:e
SELECT pgticket.add_message(11001, 'x', 'system', visibility => NULL);
:e
SELECT pgticket.add_message(11001, 'x', 'system', created_at => NULL);
:e
SELECT pgticket.add_message(11001, 'x', 'system', created_at => 'infinity');
:e
SELECT pgticket.add_message(11001, 'x', 'system', visibility => 'secret');
:e
SELECT pgticket.add_message(999999, 'x', 'system');
:e

-- rate
SELECT pgticket.rate(NULL, 11001, 3);
:e
SELECT pgticket.rate(11001, NULL, 3);
:e
SELECT pgticket.rate(11001, 11001, NULL);
:e
SELECT pgticket.rate(11001, 11001, -5);
:e
SELECT pgticket.rate(11001, 11001, 2147483647);
:e
SELECT pgticket.rate(11001, 11001, 3);
:e
SELECT pgticket.rate(999999, 11001, 3);
:e

-- sla_due
SELECT pgticket.sla_due(NULL);
:e
SELECT pgticket.sla_due('low', NULL);
:e

-- next_queue_number
SELECT pgticket.next_queue_number(NULL, 'S', 'X');
:e
SELECT pgticket.next_queue_number('B', NULL, 'X');
:e
SELECT pgticket.next_queue_number('B', 'S', NULL);
:e
SELECT pgticket.next_queue_number('B', 'S', 'X', NULL);
:e
SELECT pgticket.next_queue_number('B', 'S', 'X');
:e
SELECT pgticket.next_queue_number('B', 'S', 'X', 'not a date');
:e
SELECT pgticket.next_queue_number('B', 'S', 'X', 'infinity');
:e
SELECT pgticket.next_queue_number('B', 'S', 'X', '-infinity');
:e

-- none of that changed the ticket
SELECT state, assignee_id, (SELECT count(*) FROM pgticket.ticket_history h
							 WHERE h.ticket_id = t.id) AS history
  FROM pgticket.ticket t WHERE id = 11001;
