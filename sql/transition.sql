--
-- transition: timestamps set and cleared, the actor and reason recorded,
-- expected_state, assignees, and a refused transition changing nothing.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 3001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 3001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 3001;

INSERT INTO pgticket.customer (name) VALUES ('transition-dan');           -- 3001
INSERT INTO pgticket.staff (username, role) VALUES ('transition-eve', 'admin'); -- 3001
INSERT INTO pgticket.staff (username, role, active)
	VALUES ('transition-gone', 'admin', false);                          -- 3002

-- a ticket created a day ago
SELECT id, state, updated_at = created_at AS untouched, resolved_at, closed_at
  FROM pgticket.create_ticket('helpdesk', 3001, 't1',
							  created_at => now() - interval '1 day');

-- open: updated_at moves to now, nothing resolved or closed
SELECT state, updated_at > created_at + interval '23 hours' AS updated,
	   resolved_at IS NULL AS unresolved, closed_at IS NULL AS unclosed
  FROM pgticket.transition(3001, 'open', actor_staff_id => 3001, reason => 'looking');
-- resolve: resolved_at = now
SELECT state, resolved_at = updated_at AS resolved_now, closed_at IS NULL AS unclosed
  FROM pgticket.transition(3001, 'resolved', actor_staff_id => 3001);
-- close: closed_at = now, resolved_at kept
SELECT state, resolved_at < closed_at AS resolved_kept, closed_at = updated_at AS closed_now
  FROM pgticket.transition(3001, 'closed', actor_customer_id => 3001);
-- reopen: both cleared
SELECT state, resolved_at IS NULL AS resolved_cleared, closed_at IS NULL AS closed_cleared
  FROM pgticket.transition(3001, 'open', actor_customer_id => 3001, reason => 'still broken');
-- close from open: closed_at set, never resolved
SELECT state, resolved_at IS NULL AS never_resolved, closed_at IS NOT NULL AS closed
  FROM pgticket.transition(3001, 'closed');
-- who, from, to and why, in order
SELECT transition, from_state, to_state, actor_kind, actor_staff_id,
	   actor_customer_id, reason
  FROM pgticket.ticket_history WHERE ticket_id = 3001 ORDER BY id;

-- on_hold is category pending: resolved_at cleared when entering it
SELECT id FROM pgticket.create_ticket('helpdesk', 3001, 't2');
SELECT state, resolved_at, closed_at FROM pgticket.transition(3002, 'on_hold');

-- expected_state: matching goes through, stale is refused
SELECT state FROM pgticket.transition(3002, 'open', expected_state => 'on_hold');
SELECT state FROM pgticket.transition(3002, 'on_hold', expected_state => 'on_hold');
:e

-- a refused transition changes nothing
SELECT count(*) AS history_before FROM pgticket.ticket_history WHERE ticket_id = 3002;
SELECT state FROM pgticket.transition(3002, 'new');
:e
SELECT state, count(h.*) AS history_after
  FROM pgticket.ticket t JOIN pgticket.ticket_history h ON h.ticket_id = t.id
 WHERE t.id = 3002 GROUP BY t.state;

-- assignee_id assigns within the transition; inactive and unknown staff refused
SELECT state, assignee_id FROM pgticket.transition(3002, 'on_hold', assignee_id => 3001);
SELECT state FROM pgticket.transition(3002, 'open', assignee_id => 3002);
:e
SELECT state FROM pgticket.transition(3002, 'open', assignee_id => 999999);
:e
-- needs_assignee: satisfied by an existing assignee
SELECT id FROM pgticket.create_ticket('workshop', 3001, 'w1');
SELECT assignee_id FROM pgticket.assign(3003, 3001);
SELECT state, assignee_id FROM pgticket.transition(3003, 'in_progress');

-- unknown actors, unknown ticket
SELECT state FROM pgticket.transition(3002, 'open', actor_staff_id => 999999);
:e
SELECT state FROM pgticket.transition(3002, 'open', actor_customer_id => 999999);
:e
SELECT state FROM pgticket.transition(999999, 'open');
:e

-- the whole ticket row comes back
SELECT id, number > 0 AS numbered, workflow, state, customer_id, assignee_id,
	   priority, subject
  FROM pgticket.transition(3002, 'open');
