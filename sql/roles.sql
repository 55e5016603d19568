--
-- roles: pgticket_web reaches the api_* facades and nothing else;
-- pgticket_report reads the reporting views and nothing else.  Checked over
-- the catalogs, so the checks hold for every object, present and future.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never

SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb,
	   rolreplication, rolbypassrls
  FROM pg_roles WHERE rolname LIKE 'pgticket\_%' ORDER BY 1;
-- the facades' owner never logs in
SELECT rolcanlogin FROM pg_roles WHERE rolname = 'pgticket_api';
-- no role is a member of another, and none of a predefined role
SELECT r.rolname AS role, m.rolname AS member
  FROM pg_auth_members a
  JOIN pg_roles r ON r.oid = a.roleid
  JOIN pg_roles m ON m.oid = a.member
 WHERE r.rolname LIKE 'pgticket\_%' OR m.rolname LIKE 'pgticket\_%';
-- settings of the roles, in this database or any
SELECT r.rolname, s.setconfig
  FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
 WHERE r.rolname LIKE 'pgticket\_%'
   AND s.setdatabase IN (0, (SELECT oid FROM pg_database
							  WHERE datname = current_database()))
 ORDER BY 1;

-- Every ACL entry naming a role, in every catalog that has ACLs, and every
-- object the role owns (in this database, or shared).  pg_shdepend records both (deptype a, o) for every
-- catalog: a row it has that the union below lacks (a catalog forgotten
-- here) shows as "unexplained".
CREATE FUNCTION pg_temp.privileges(role text)
RETURNS TABLE (kind text, object text, privilege text)
LANGUAGE sql AS $$
WITH acl AS (
	SELECT 'pg_class'::regclass AS cat, c.oid, 0 AS sub, c.relacl AS acl
	  FROM pg_class c
	UNION ALL
	SELECT 'pg_class', a.attrelid, a.attnum, a.attacl FROM pg_attribute a
	 WHERE a.attacl IS NOT NULL
	UNION ALL
	SELECT 'pg_proc', p.oid, 0, p.proacl FROM pg_proc p
	UNION ALL
	SELECT 'pg_namespace', n.oid, 0, n.nspacl FROM pg_namespace n
	UNION ALL
	SELECT 'pg_type', t.oid, 0, t.typacl FROM pg_type t
	UNION ALL
	SELECT 'pg_language', l.oid, 0, l.lanacl FROM pg_language l
	UNION ALL
	SELECT 'pg_largeobject_metadata', lo.oid, 0, lo.lomacl
	  FROM pg_largeobject_metadata lo
	UNION ALL
	SELECT 'pg_foreign_data_wrapper', w.oid, 0, w.fdwacl
	  FROM pg_foreign_data_wrapper w
	UNION ALL
	SELECT 'pg_foreign_server', fs.oid, 0, fs.srvacl FROM pg_foreign_server fs
	UNION ALL
	SELECT 'pg_database', d.oid, 0, d.datacl FROM pg_database d
	 WHERE d.datname = current_database()
	UNION ALL
	SELECT 'pg_tablespace', ts.oid, 0, ts.spcacl FROM pg_tablespace ts
	UNION ALL
	SELECT 'pg_parameter_acl', pa.oid, 0, pa.paracl FROM pg_parameter_acl pa
	UNION ALL
	SELECT 'pg_default_acl', da.oid, 0, da.defaclacl FROM pg_default_acl da
), granted AS (
	SELECT acl.cat, acl.oid, acl.sub,
		   string_agg(x.privilege_type || CASE WHEN x.is_grantable
				THEN ' WITH GRANT OPTION' ELSE '' END, ', '
				ORDER BY x.privilege_type) AS privilege
	  FROM acl, aclexplode(acl.acl) x
	 WHERE x.grantee = role::regrole
	 GROUP BY 1, 2, 3
), dep AS (
	SELECT s.classid AS cat, s.objid AS oid, s.objsubid AS sub, s.deptype
	  FROM pg_shdepend s
	 WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = role::regrole
	   AND s.deptype IN ('a', 'o')
	   AND s.dbid IN (0, (SELECT oid FROM pg_database
						   WHERE datname = current_database()))
	   -- another database's privileges are its own deployment's
	   AND NOT (s.classid = 'pg_database'::regclass
				AND s.objid <> (SELECT oid FROM pg_database
								 WHERE datname = current_database()))
)
SELECT CASE WHEN g.cat IS NULL THEN 'unexplained'
			WHEN g.cat = 'pg_default_acl'::regclass THEN 'default privileges'
			ELSE 'granted' END,
	   pg_describe_object(coalesce(g.cat, d.cat), coalesce(g.oid, d.oid),
						  coalesce(g.sub, d.sub)),
	   g.privilege
  FROM granted g FULL JOIN dep d
	ON d.deptype = 'a' AND (d.cat, d.oid, d.sub) = (g.cat, g.oid, g.sub)
 WHERE d.deptype IS DISTINCT FROM 'o'
UNION ALL
SELECT 'owns', pg_describe_object(d.cat, d.oid, d.sub), NULL
  FROM dep d WHERE d.deptype = 'o'
$$;

-- pgticket_web: USAGE on the api_* schemas, EXECUTE on their functions,
-- EXECUTE by default on functions created there later, and nothing else.
-- Any other privilege, in any catalog, shows here.
SELECT kind, object, privilege FROM pg_temp.privileges('pgticket_web')
 WHERE NOT (kind = 'granted' AND privilege = 'USAGE'
			AND object ~ '^schema api_[a-z]+$')
   AND NOT (kind = 'granted' AND privilege = 'EXECUTE'
			AND object ~ '^function api_[a-z]+\.[a-z_]+\(jsonb\)$')
   AND NOT (kind = 'default privileges'
			AND object ~ '^default privileges on new functions belonging to role [a-z_]+ in schema api_[a-z]+$')
 ORDER BY 1, 2;
-- ... and every api_* schema and function is among them
SELECT n.nspname, count(p.oid) > 0 AS has_functions,
	   bool_and(has_function_privilege('pgticket_web', p.oid, 'EXECUTE'))
		 AS web_executes_all
  FROM pg_namespace n LEFT JOIN pg_proc p ON p.pronamespace = n.oid
 WHERE n.nspname LIKE 'api\_%'
 GROUP BY 1 ORDER BY 1;

-- pgticket_report: the reporting views and nothing else
SELECT kind, object, privilege FROM pg_temp.privileges('pgticket_report')
 WHERE NOT (kind = 'granted' AND privilege = 'SELECT'
			AND object ~ '^view pgticket_report\.[a-z_]+$')
 ORDER BY 1, 2;

-- pgticket_api: what the facades need, every grant listed (the functions
-- it executes are counted), and it owns exactly the facades
SELECT kind, object, privilege FROM pg_temp.privileges('pgticket_api')
 WHERE NOT (kind = 'granted' AND privilege = 'EXECUTE'
			AND object ~ '^function pgticket\.')
   AND NOT (kind = 'owns' AND object ~ '^function api_[a-z]+\.[a-z_]+\(jsonb\)$')
   AND NOT (kind = 'granted' AND privilege = 'EXECUTE'
			AND object ~ '^function api_[a-z]+\.[a-z_]+\(jsonb\)$')
 ORDER BY 1, 2;
-- the core functions it may not call: those only a DBA calls
SELECT p.oid::regprocedure AS dba_only
  FROM pg_proc p
 WHERE p.pronamespace = 'pgticket'::regnamespace
   AND NOT has_function_privilege('pgticket_api', p.oid, 'EXECUTE')
 ORDER BY 1;

-- every facade: owned by pgticket_api, SECURITY DEFINER, with the fixed
-- search_path (pg_temp last), in a schema of the extension
SELECT p.oid::regprocedure AS wrong, p.proowner::regrole, p.prosecdef,
	   p.proconfig
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname LIKE 'api\_%'
   AND (p.proowner <> 'pgticket_api'::regrole OR NOT p.prosecdef
		OR NOT 'search_path=pgticket, pg_catalog, pg_temp' = ANY (p.proconfig)
		OR p.prorettype <> 'pgticket.http_response'::regtype
		OR NOT EXISTS (SELECT FROM pg_depend d
					   WHERE d.classid = 'pg_namespace'::regclass
						 AND d.objid = n.oid AND d.deptype = 'e'));

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

-- as pgticket_api, what a facade gone wrong could try
SET ROLE pgticket_api;
SELECT count(*) >= 0 AS reads_tickets FROM pgticket.ticket;
DELETE FROM pgticket.ticket;
:e
TRUNCATE pgticket.ticket_history;
:e
UPDATE pgticket.ticket_history SET reason = 'rewritten';
:e
ALTER TABLE pgticket.ticket_history DISABLE TRIGGER USER;
:e
DROP TABLE pgticket.setting;
:e
UPDATE pgticket.setting SET value = 'guessed' WHERE name = 'token_secret';
:e
SELECT pgticket.jwt_sign('{"sub": "24218"}', 'x');
:e
SELECT pgticket.add_api_client('resume', 'intruder', 'secret');
:e
CREATE TABLE pgticket.intruder (a int);
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
