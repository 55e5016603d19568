--
-- message: the conversation of a ticket.  Customers write only public
-- messages, only on their own tickets (PT403).
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 5001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 5001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 5001;
ALTER TABLE pgticket.message ALTER COLUMN id RESTART WITH 5001;

INSERT INTO pgticket.customer (name) VALUES ('Jo Message'), ('Kim Other');  -- 5001, 5002
INSERT INTO pgticket.staff (username, name, role) VALUES
	('message-lee', 'Lee', 'admin'),                                        -- 5001
	('message-max', '', 'agent');                                           -- 5002

SELECT id FROM pgticket.create_ticket('helpdesk', 5001, 'm1',
	created_at => now() - interval '2 days');

-- the author's name defaults to the customer's name, the staff member's
-- name, or their username when the name is empty
SELECT pgticket.add_message(5001, 'my printer is on fire', 'customer', 5001);
SELECT pgticket.add_message(5001, 'have you tried water?', 'staff', 5001);
SELECT pgticket.add_message(5001, 'escalating', 'staff', 5002, visibility => 'internal');
SELECT pgticket.add_message(5001, 'signed', 'staff', 5001, author_name => 'Lee (L2)');
SELECT pgticket.add_message(5001, 'ticket merged', 'system');
SELECT id, author_kind, staff_id, customer_id, author_name, body, visibility
  FROM pgticket.message WHERE ticket_id = 5001 ORDER BY id;

-- updated_at follows the newest message; a backdated one does not move it back
SELECT updated_at > now() - interval '1 minute' AS updated FROM pgticket.ticket WHERE id = 5001;
SELECT pgticket.add_message(5001, 'imported', 'system',
	created_at => now() - interval '3 days');
SELECT updated_at > now() - interval '1 minute' AS still_updated FROM pgticket.ticket WHERE id = 5001;

-- to the ticket's row: updated_at moves forward only, and a message at the
-- ticket's own time (its first, written with it) makes no new row version
-- (rolled back)
BEGIN;
SET LOCAL timezone = 'UTC';
SELECT id AS t FROM pgticket.create_ticket('helpdesk', 5001, 'times',
	created_at => '2024-03-01 09:00+00') \gset
CREATE TEMP TABLE upd0 AS
SELECT pg_stat_get_xact_tuples_updated('pgticket.ticket'::regclass) AS n;
CREATE FUNCTION pg_temp.after_message(t bigint, at timestamptz)
RETURNS TABLE (updated_at timestamptz, row_versions bigint)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pgticket.add_message(t, 'at ' || at, 'system', created_at => at);
	RETURN QUERY SELECT k.updated_at,
		pg_stat_get_xact_tuples_updated('pgticket.ticket'::regclass)
			- (SELECT n FROM upd0)
	FROM pgticket.ticket k WHERE k.id = t;
END
$$;
SELECT * FROM pg_temp.after_message(:t, '2024-03-01 09:00+00');
SELECT * FROM pg_temp.after_message(:t, '2024-03-01 10:00+00');
SELECT * FROM pg_temp.after_message(:t, '2024-03-01 09:30+00');
ROLLBACK;

-- nor does a later change take it back: a transition or an assignment in a
-- transaction that began before a message it follows (here a message dated
-- an hour ahead) keeps the message's time (rolled back)
BEGIN;
SELECT id AS t FROM pgticket.create_ticket('helpdesk', 5001, 'ahead') \gset
SELECT pgticket.add_message(:t, 'ahead', 'system',
	created_at => now() + interval '1 hour') IS NOT NULL AS written;
SELECT (pgticket.transition(:t, 'open')).updated_at - now() AS after_transition;
SELECT (pgticket.assign(:t, NULL)).updated_at - now() AS after_assign;
ROLLBACK;

-- refused
SELECT pgticket.add_message(5001, 'psst', 'customer', 5001, visibility => 'internal');
:e
SELECT pgticket.add_message(5001, 'me too', 'customer', 5002);
:e
SELECT pgticket.add_message(5001, '', 'staff', 5001);
:e
SELECT pgticket.add_message(5001, '   ', 'staff', 5001);
:e
SELECT pgticket.add_message(5001, NULL, 'staff', 5001);
:e
SELECT pgticket.add_message(5001, 'hi', NULL, 5001);
:e
SELECT pgticket.add_message(5001, 'hi', 'staff');
:e
SELECT pgticket.add_message(5001, 'hi', 'customer');
:e
SELECT pgticket.add_message(5001, 'hi', 'staff', 999999);
:e
SELECT pgticket.add_message(5001, 'hi', 'customer', 999999);
:e
SELECT pgticket.add_message(999999, 'hi', 'system');
:e
SELECT pgticket.add_message(5001, 'hi', 'robot');
:e
SELECT count(*) FROM pgticket.message WHERE ticket_id = 5001;
