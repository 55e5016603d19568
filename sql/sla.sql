--
-- sla: due dates per priority from pgticket.sla_policy, and after a DBA
-- changes the policy.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO';
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 7001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 7001;

INSERT INTO pgticket.customer (name) VALUES ('sla-pam');                 -- 7001

-- the shipped policy: urgent 4h, high 8h, medium 12h, low 48h
SELECT p, pgticket.sla_due(p, '2024-03-01 09:00+00')
  FROM unnest(enum_range(NULL::pgticket.priority)) AS p;
-- the default start is now()
SELECT pgticket.sla_due('high') = now() + interval '8 hours' AS from_now;
-- tickets get their due date from their priority and creation time
SELECT priority, created_at, due_at
  FROM pgticket.create_ticket('helpdesk', 7001, 's1', priority => 'urgent',
							  created_at => '2024-03-01 09:00+00');
SELECT priority, due_at
  FROM pgticket.create_ticket('helpdesk', 7001, 's2',
							  created_at => '2024-03-01 09:00+00');
SELECT priority, due_at
  FROM pgticket.create_ticket('queue', 7001, 's3', priority => 'low',
							  created_at => '2024-03-01 09:00+00');

-- a due date given is kept, whatever the policy (000's dispatch time)
SELECT priority, due_at
  FROM pgticket.create_ticket('resume', 7001, 's3b', priority => 'urgent',
							  created_at => '2024-03-01 09:00+00',
							  due_at => '2024-03-05 17:30+00');

-- a DBA shortens urgent and drops the low policy (rolled back afterwards)
BEGIN;
UPDATE pgticket.sla_policy SET resolve_within = '90 minutes' WHERE priority = 'urgent';
DELETE FROM pgticket.sla_policy WHERE priority = 'low';
SELECT p, pgticket.sla_due(p, '2024-03-01 09:00+00')
  FROM unnest(enum_range(NULL::pgticket.priority)) AS p;
SELECT priority, due_at
  FROM pgticket.create_ticket('helpdesk', 7001, 's4', priority => 'urgent',
							  created_at => '2024-03-01 09:00+00');
SELECT priority, due_at
  FROM pgticket.create_ticket('helpdesk', 7001, 's5', priority => 'low',
							  created_at => '2024-03-01 09:00+00');
-- tickets created before keep their due date
SELECT subject, due_at FROM pgticket.ticket WHERE id = 7001;
ROLLBACK;
SELECT pgticket.sla_due('urgent', '2024-03-01 09:00+00') AS restored;

-- a policy whose due dates would not be times is refused where it is
-- written (not at every ticket of that priority, as a client's 400)
UPDATE pgticket.sla_policy SET resolve_within = '2000000 years' WHERE priority = 'low';
:e
UPDATE pgticket.sla_policy SET resolve_within = '101 years' WHERE priority = 'low';
:e
BEGIN;
UPDATE pgticket.sla_policy SET resolve_within = '100 years' WHERE priority = 'low';
SELECT pgticket.sla_due('low', '2024-03-01 09:00+00') AS century;
ROLLBACK;

-- across a daylight-saving change the interval is kept in hours
SET timezone = 'Europe/Madrid';
SELECT pgticket.sla_due('low', '2024-03-30 12:00+01');
RESET timezone;
SET timezone = 'UTC';

-- bad arguments
SELECT pgticket.sla_due(NULL, now());
:e
SELECT pgticket.sla_due('high', NULL);
:e
SELECT pgticket.sla_due('critical');
:e

-- the extension dropped and created again in the same session: the plan
-- made for the old pgticket.priority type is not reused (in a database of
-- its own, so the other tests keep their data)
\set regression_db :DBNAME
CREATE DATABASE pgticket_sla_reload;
\c pgticket_sla_reload
SET timezone = 'UTC';
SET client_min_messages = warning;
CREATE EXTENSION pgticket;
SELECT pgticket.sla_due('low', '2024-03-01 09:00+00') AS first;
DROP EXTENSION pgticket;
CREATE EXTENSION pgticket;
SELECT pgticket.sla_due('low', '2024-03-01 09:00+00') AS after_recreate;
\c :regression_db
DROP DATABASE pgticket_sla_reload;
