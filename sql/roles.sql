--
-- roles: pgticket_web reaches the api_* facades and nothing else;
-- pgticket_report reads the reporting views and nothing else.  Checked over
-- the catalogs, so the checks hold for every object, present and future.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never

SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb
  FROM pg_roles WHERE rolname IN ('pgticket_web', 'pgticket_report') ORDER BY 1;

-- schemas: who has USAGE (PUBLIC included)
SELECT n.nspname,
	   has_schema_privilege('pgticket_web', n.oid, 'USAGE') AS web,
	   has_schema_privilege('pgticket_report', n.oid, 'USAGE') AS report,
	   has_schema_privilege('public', n.oid, 'USAGE') AS public,
	   has_schema_privilege('pgticket_web', n.oid, 'CREATE')
	   OR has_schema_privilege('pgticket_report', n.oid, 'CREATE') AS can_create
  FROM pg_namespace n
 WHERE n.nspname IN ('pgticket', 'pgticket_report') OR n.nspname LIKE 'api\_%'
 ORDER BY 1;

-- no table, view or sequence of pgticket is open to either role or PUBLIC
SELECT c.oid::regclass AS exposed
  FROM pg_class c
  CROSS JOIN (VALUES ('pgticket_web'), ('pgticket_report'), ('public')) AS r(role)
 WHERE c.relnamespace = 'pgticket'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
   AND has_table_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER');
SELECT c.oid::regclass AS exposed
  FROM pg_class c
  CROSS JOIN (VALUES ('pgticket_web'), ('pgticket_report'), ('public')) AS r(role)
 WHERE c.relnamespace = 'pgticket'::regnamespace AND c.relkind = 'S'
   AND has_sequence_privilege(r.role, c.oid, 'USAGE, SELECT, UPDATE');
-- no function of pgticket is executable by either role or PUBLIC
SELECT p.oid::regprocedure AS exposed
  FROM pg_proc p
  CROSS JOIN (VALUES ('pgticket_web'), ('pgticket_report'), ('public')) AS r(role)
 WHERE p.pronamespace = 'pgticket'::regnamespace
   AND has_function_privilege(r.role, p.oid, 'EXECUTE');
-- every api_* function: executable by pgticket_web, not by PUBLIC or the
-- report role, SECURITY DEFINER
SELECT p.oid::regprocedure AS wrong
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname LIKE 'api\_%'
   AND (NOT has_function_privilege('pgticket_web', p.oid, 'EXECUTE')
		OR has_function_privilege('public', p.oid, 'EXECUTE')
		OR has_function_privilege('pgticket_report', p.oid, 'EXECUTE')
		OR NOT p.prosecdef);
-- every reporting view: readable by pgticket_report, read-only, not by the web role
SELECT c.oid::regclass AS wrong
  FROM pg_class c
 WHERE c.relnamespace = 'pgticket_report'::regnamespace
   AND (NOT has_table_privilege('pgticket_report', c.oid, 'SELECT')
		OR has_table_privilege('pgticket_report', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
		OR has_table_privilege('pgticket_web', c.oid, 'SELECT')
		OR has_table_privilege('public', c.oid, 'SELECT'));
SELECT count(*) > 0 AS has_views FROM pg_class c
 WHERE c.relnamespace = 'pgticket_report'::regnamespace AND c.relkind = 'v';

-- as pgticket_web
SET ROLE pgticket_web;
SELECT count(*) FROM pgticket.ticket;
:e
INSERT INTO pgticket.customer (name) VALUES ('intruder');
:e
SELECT pgticket.sla_due('low');
:e
SELECT pgticket.create_ticket('helpdesk', 1, 'x');
:e
SELECT count(*) FROM pgticket_report.tickets;
:e
RESET ROLE;

-- a facade added later by the owner is executable by pgticket_web at once
-- (default privileges), and reaches the core through SECURITY DEFINER;
-- PUBLIC gets EXECUTE on new functions but has no USAGE on the schema
BEGIN;
CREATE FUNCTION api_queue.regress_ping() RETURNS text
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
AS $$ SELECT 'pong ' || (SELECT count(*) FROM pgticket.workflow)::text $$;
SELECT has_function_privilege('pgticket_web', 'api_queue.regress_ping()', 'EXECUTE') AS web_can,
	   has_function_privilege('pgticket_report', 'api_queue.regress_ping()', 'EXECUTE')
	   AND has_schema_privilege('pgticket_report', 'api_queue', 'USAGE') AS others_can;
SET ROLE pgticket_web;
SELECT api_queue.regress_ping();
RESET ROLE;
ROLLBACK;

-- as pgticket_report
SET ROLE pgticket_report;
SELECT count(*) >= 0 AS readable FROM pgticket_report.tickets;
SELECT count(*) >= 0 AS readable FROM pgticket_report.ratings_by_assignee;
SELECT count(*) FROM pgticket.ticket;
:e
DELETE FROM pgticket_report.tickets;
:e
RESET ROLE;
