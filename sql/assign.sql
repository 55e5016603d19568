--
-- assign: assigning, reassigning and unassigning, the history it leaves,
-- and who can be assigned what.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 4001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 4001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 4001;

INSERT INTO pgticket.customer (name) VALUES ('assign-fay');               -- 4001
INSERT INTO pgticket.staff (username, name, role) VALUES
	('assign-gus', 'Gus', 'admin'),                                       -- 4001
	('assign-hal', 'Hal', 'admin');                                       -- 4002
INSERT INTO pgticket.staff (username, role, active)
	VALUES ('assign-ivy', 'admin', false);                               -- 4003

SELECT id, state, assignee_id FROM pgticket.create_ticket('helpdesk', 4001, 'a1',
	created_at => now() - interval '1 hour');
-- assign: state unchanged, updated_at moves
SELECT state, assignee_id, updated_at > created_at AS updated
  FROM pgticket.assign(4001, 4001, actor_staff_id => 4002);
-- reassign, with a reason of the caller's
SELECT state, assignee_id FROM pgticket.assign(4001, 4002, reason => 'holiday cover');
-- unassign
SELECT state, assignee_id FROM pgticket.assign(4001, NULL, actor_staff_id => 4001);
SELECT transition, from_state, to_state, actor_kind, actor_staff_id, reason
  FROM pgticket.ticket_history WHERE ticket_id = 4001 ORDER BY id;

-- refused: inactive staff, unknown staff, unknown actor, unknown ticket
SELECT assignee_id FROM pgticket.assign(4001, 4003);
:e
SELECT assignee_id FROM pgticket.assign(4001, 999999);
:e
SELECT assignee_id FROM pgticket.assign(4001, 4001, actor_staff_id => 999999);
:e
SELECT assignee_id FROM pgticket.assign(999999, 4001);
:e
SELECT assignee_id FROM pgticket.assign(NULL, 4001);
:e
-- nothing of that was recorded
SELECT count(*) FROM pgticket.ticket_history WHERE ticket_id = 4001;

-- closed and cancelled tickets cannot be assigned; solved ones can
SELECT state FROM pgticket.transition(4001, 'resolved');
SELECT state, assignee_id FROM pgticket.assign(4001, 4001);
SELECT state FROM pgticket.transition(4001, 'closed');
SELECT assignee_id FROM pgticket.assign(4001, 4002);
:e
SELECT id FROM pgticket.create_ticket('queue', 4001, 'a2');
SELECT state FROM pgticket.transition(4002, 'cancelled');
SELECT assignee_id FROM pgticket.assign(4002, 4002);
:e
-- after a reopen it can be assigned again
SELECT state FROM pgticket.transition(4001, 'open');
SELECT state, assignee_id FROM pgticket.assign(4001, 4002);
