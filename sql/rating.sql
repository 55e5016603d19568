--
-- rating: range, owner and state rules; rating again supersedes and keeps
-- the old rating.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 6001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 6001;
ALTER TABLE pgticket.staff ALTER COLUMN id RESTART WITH 6001;
ALTER TABLE pgticket.rating ALTER COLUMN id RESTART WITH 6001;

INSERT INTO pgticket.customer (name) VALUES ('rating-ned'), ('rating-oz');  -- 6001, 6002

SELECT id FROM pgticket.create_ticket('helpdesk', 6001, 'r1');
-- not yet solved
SELECT pgticket.rate(6001, 6001, 5);
:e
SELECT state FROM pgticket.transition(6001, 'resolved');
-- out of range, NULL value, not the customer's ticket, unknown ticket
SELECT pgticket.rate(6001, 6001, 0);
:e
SELECT pgticket.rate(6001, 6001, 6);
:e
SELECT pgticket.rate(6001, 6001, NULL);
:e
SELECT pgticket.rate(6001, 6002, 5);
:e
SELECT pgticket.rate(999999, 6001, 5);
:e
SELECT count(*) AS no_ratings_yet FROM pgticket.rating WHERE ticket_id = 6001;

-- first rating, then a better one: the first is superseded, not lost
SELECT pgticket.rate(6001, 6001, 2, 'slow');
SELECT pgticket.rate(6001, 6001, 4, 'fixed in the end');
SELECT id, value, comment, superseded_at IS NOT NULL AS superseded
  FROM pgticket.rating WHERE ticket_id = 6001 ORDER BY id;
-- closed tickets can be rated too
SELECT state FROM pgticket.transition(6001, 'closed');
SELECT pgticket.rate(6001, 6001, 5);
SELECT id, value, superseded_at IS NOT NULL AS superseded
  FROM pgticket.rating WHERE ticket_id = 6001 ORDER BY id;
SELECT transition, from_state, to_state, actor_kind, actor_customer_id, reason
  FROM pgticket.ticket_history WHERE ticket_id = 6001 AND transition = 'rate'
 ORDER BY id;
-- reopened: no rating until solved again; the current rating stays
SELECT state FROM pgticket.transition(6001, 'open');
SELECT pgticket.rate(6001, 6001, 1);
:e
SELECT value FROM pgticket.rating WHERE ticket_id = 6001 AND superseded_at IS NULL;
-- cancelled tickets cannot be rated
SELECT id FROM pgticket.create_ticket('queue', 6001, 'r2');
SELECT state FROM pgticket.transition(6002, 'cancelled');
SELECT pgticket.rate(6002, 6001, 3);
:e
-- finished queue tickets (category closed) can
SELECT id FROM pgticket.create_ticket('queue', 6002, 'r3');
SELECT state FROM pgticket.transition(6003, 'called');
SELECT state FROM pgticket.transition(6003, 'attending');
SELECT state FROM pgticket.transition(6003, 'finished');
SELECT pgticket.rate(6003, 6002, 3, NULL);
