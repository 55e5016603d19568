--
-- workflow: every shipped workflow, each of its transitions taken once, a
-- representative set of illegal moves refused (PT409, naming the allowed
-- targets), and a DBA extending a workflow with plain SQL.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 2001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 2001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 2001;

INSERT INTO pgticket.customer (name) VALUES ('workflow-carol');           -- 2001
INSERT INTO pgticket.staff (username, role, is_operator)
	VALUES ('workflow-op', 'operator', true);                             -- 2001

-- the shipped workflows, as data
SELECT workflow, state, category, is_initial FROM pgticket.workflow_state
 WHERE workflow IN ('helpdesk', 'queue', 'workshop', 'resume')
 ORDER BY workflow, category, state;
SELECT workflow, name, from_state, to_state, needs_assignee
  FROM pgticket.workflow_transition
 WHERE workflow IN ('helpdesk', 'queue', 'workshop', 'resume')
 ORDER BY workflow, from_state, to_state;

-- helpdesk: 2001 walks open, hold, resume, resolve, close, reopen, close
SELECT id, state FROM pgticket.create_ticket('helpdesk', 2001, 'h1');
SELECT state FROM pgticket.transition(2001, 'open');
SELECT state FROM pgticket.transition(2001, 'on_hold');
SELECT state FROM pgticket.transition(2001, 'open');
SELECT state FROM pgticket.transition(2001, 'resolved');
SELECT state FROM pgticket.transition(2001, 'closed');
SELECT state FROM pgticket.transition(2001, 'open');
SELECT state FROM pgticket.transition(2001, 'closed');
SELECT transition, from_state, to_state FROM pgticket.ticket_history
 WHERE ticket_id = 2001 ORDER BY id;
-- 2002: new -> on_hold -> resolved; 2003: new -> resolved; 2004: new -> closed;
-- 2005: new -> on_hold -> closed
SELECT id FROM pgticket.create_ticket('helpdesk', 2001, 'h2');
SELECT state FROM pgticket.transition(2002, 'on_hold');
SELECT state FROM pgticket.transition(2002, 'resolved');
SELECT id FROM pgticket.create_ticket('helpdesk', 2001, 'h3');
SELECT state FROM pgticket.transition(2003, 'resolved');
SELECT id FROM pgticket.create_ticket('helpdesk', 2001, 'h4');
SELECT state FROM pgticket.transition(2004, 'closed');
SELECT id FROM pgticket.create_ticket('helpdesk', 2001, 'h5');
SELECT state FROM pgticket.transition(2005, 'on_hold');
SELECT state FROM pgticket.transition(2005, 'closed');
-- helpdesk: illegal moves
SELECT id FROM pgticket.create_ticket('helpdesk', 2001, 'h6');
SELECT state FROM pgticket.transition(2006, 'new');
:e
SELECT state FROM pgticket.transition(2006, 'done');
:e
SELECT state FROM pgticket.transition(2002, 'open');
:e
SELECT state FROM pgticket.transition(2002, 'on_hold');
:e
SELECT state FROM pgticket.transition(2004, 'resolved');
:e
SELECT state FROM pgticket.transition(2005, 'on_hold');
:e
SELECT state FROM pgticket.transition(2001, 'new');
:e

-- queue: 2007 waiting -> called -> waiting -> called -> attending -> finished
SELECT id, state FROM pgticket.create_ticket('queue', 2001, 'q1');
SELECT state FROM pgticket.transition(2007, 'called');
SELECT state FROM pgticket.transition(2007, 'waiting');
SELECT state FROM pgticket.transition(2007, 'called');
SELECT state FROM pgticket.transition(2007, 'attending');
SELECT state FROM pgticket.transition(2007, 'finished');
-- 2008: called -> no_show; 2009: waiting -> cancelled; 2010: called -> cancelled
SELECT id FROM pgticket.create_ticket('queue', 2001, 'q2');
SELECT state FROM pgticket.transition(2008, 'called');
SELECT state FROM pgticket.transition(2008, 'no_show');
SELECT id FROM pgticket.create_ticket('queue', 2001, 'q3');
SELECT state FROM pgticket.transition(2009, 'cancelled');
SELECT id FROM pgticket.create_ticket('queue', 2001, 'q4');
SELECT state FROM pgticket.transition(2010, 'called');
SELECT state FROM pgticket.transition(2010, 'cancelled');
-- queue: illegal moves
SELECT id FROM pgticket.create_ticket('queue', 2001, 'q5');
SELECT state FROM pgticket.transition(2011, 'attending');
:e
SELECT state FROM pgticket.transition(2011, 'finished');
:e
SELECT state FROM pgticket.transition(2007, 'waiting');
:e
SELECT state FROM pgticket.transition(2008, 'called');
:e
SELECT state FROM pgticket.transition(2011, 'called');
SELECT state FROM pgticket.transition(2011, 'attending');
SELECT state FROM pgticket.transition(2011, 'cancelled');
:e

-- workshop: start-service needs an assignee
SELECT id, state FROM pgticket.create_ticket('workshop', 2001, 'w1');
SELECT state FROM pgticket.transition(2012, 'in_progress');
:e
SELECT state, assignee_id FROM pgticket.transition(2012, 'in_progress', assignee_id => 2001);
SELECT state FROM pgticket.transition(2012, 'done');
SELECT id FROM pgticket.create_ticket('workshop', 2001, 'w2');
SELECT state FROM pgticket.transition(2013, 'cancelled');
-- workshop: illegal moves
SELECT id FROM pgticket.create_ticket('workshop', 2001, 'w3');
SELECT state FROM pgticket.transition(2014, 'done');
:e
SELECT state FROM pgticket.transition(2012, 'pending');
:e
SELECT state FROM pgticket.transition(2013, 'pending');
:e
SELECT state FROM pgticket.transition(2014, 'in_progress', assignee_id => 2001);
SELECT state FROM pgticket.transition(2014, 'cancelled');
:e

-- resume: scheduled -> dispatched -> done; scheduled -> cancelled
SELECT id, state FROM pgticket.create_ticket('resume', 2001, 'r1');
SELECT state FROM pgticket.transition(2015, 'dispatched');
SELECT state FROM pgticket.transition(2015, 'done');
SELECT id FROM pgticket.create_ticket('resume', 2001, 'r2');
SELECT state FROM pgticket.transition(2016, 'cancelled');
-- resume: illegal moves
SELECT id FROM pgticket.create_ticket('resume', 2001, 'r3');
SELECT state FROM pgticket.transition(2017, 'done');
:e
SELECT state FROM pgticket.transition(2015, 'scheduled');
:e
SELECT state FROM pgticket.transition(2017, 'dispatched');
SELECT state FROM pgticket.transition(2017, 'cancelled');
:e

-- every shipped transition was taken exactly as listed, and nothing else
SELECT tr.workflow, count(DISTINCT (h.from_state, h.to_state)) AS taken,
	   (SELECT count(*) FROM pgticket.workflow_transition x
		 WHERE x.workflow = tr.workflow) AS listed
  FROM pgticket.ticket_history h
  JOIN pgticket.ticket t ON t.id = h.ticket_id
  JOIN pgticket.workflow_transition tr
	ON tr.workflow = t.workflow AND tr.from_state = h.from_state
   AND tr.to_state = h.to_state AND tr.name = h.transition
 WHERE t.customer_id = 2001
 GROUP BY tr.workflow ORDER BY 1;
SELECT count(*) AS unlisted FROM pgticket.ticket_history h
  JOIN pgticket.ticket t ON t.id = h.ticket_id
 WHERE t.customer_id = 2001 AND h.transition NOT IN ('create')
   AND NOT EXISTS (SELECT FROM pgticket.workflow_transition tr
					WHERE tr.workflow = t.workflow AND tr.name = h.transition
					  AND tr.from_state = h.from_state AND tr.to_state = h.to_state);

-- a DBA adds a state and two transitions to helpdesk, and a new workflow,
-- with plain SQL; they work at once (rolled back to keep the shipped data)
BEGIN;
INSERT INTO pgticket.workflow_state (workflow, state, category, label)
	VALUES ('helpdesk', 'escalated', 'open', 'Escalated');
INSERT INTO pgticket.workflow_transition (workflow, name, from_state, to_state)
	VALUES ('helpdesk', 'escalate', 'open', 'escalated'),
		   ('helpdesk', 'resolve', 'escalated', 'resolved');
SELECT id FROM pgticket.create_ticket('helpdesk', 2001, 'h7');
SELECT state FROM pgticket.transition(2018, 'open');
SAVEPOINT s;
SELECT state FROM pgticket.transition(2018, 'done');
ROLLBACK TO s;
SELECT state FROM pgticket.transition(2018, 'escalated');
SELECT state, resolved_at IS NOT NULL AS resolved FROM pgticket.transition(2018, 'resolved');
SELECT transition, from_state, to_state FROM pgticket.ticket_history
 WHERE ticket_id = 2018 ORDER BY id;
CREATE SEQUENCE pgticket.repair_number_seq;
INSERT INTO pgticket.workflow VALUES ('repair', 'Repairs', 'pgticket.repair_number_seq');
INSERT INTO pgticket.workflow_state (workflow, state, category, is_initial) VALUES
	('repair', 'received', 'new', true), ('repair', 'fixed', 'closed', false);
INSERT INTO pgticket.workflow_transition (workflow, name, from_state, to_state)
	VALUES ('repair', 'fix', 'received', 'fixed');
SELECT id, number, state FROM pgticket.create_ticket('repair', 2001, 'broken');
SELECT state, closed_at IS NOT NULL AS closed FROM pgticket.transition(2019, 'fixed');
ROLLBACK;
