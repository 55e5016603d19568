/*
 * Roles and privileges; runs last, after every facade file, on a fresh
 * install and again at the end of every update (UPDATE_1_1), so what it
 * says holds for objects added since.
 *
 *   pgticket_api     owner of every facade (the functions of the api_*
 *                    schemas, SECURITY DEFINER): not a superuser, never
 *                    logs in, and holds only what the facades need: USAGE
 *                    on schema pgticket, EXECUTE on its functions but the
 *                    DBA's, and the table and sequence privileges listed
 *                    below.  A facade that goes wrong can read and write
 *                    tickets, no more: it cannot alter or drop a table,
 *                    rewrite the history, mint tokens or add API clients.
 *   pgticket_web     nginx's role: USAGE on the api_* schemas and EXECUTE
 *                    on their functions, nothing else.
 *   pgticket_report  reporting tools: SELECT on the pgticket_report views.
 *
 * Roles are cluster-wide, so they are created only when missing and are
 * left behind by DROP EXTENSION.  All are NOLOGIN here; the stack gives
 * pgticket_web LOGIN after CREATE EXTENSION.  What PUBLIC may do in the
 * database (connect, temporary tables, large objects, reading function
 * source) is the deployment's to revoke: tests/stack.sh db-setup does, and
 * the README's production notes say how.
 */

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_web') THEN
		CREATE ROLE pgticket_web NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_report') THEN
		CREATE ROLE pgticket_report NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_api') THEN
		CREATE ROLE pgticket_api NOLOGIN;
	END IF;
END
$$;

/*
 * The facades run as pgticket_api: whatever the role was given by hand, it
 * is no superuser and cannot log in, bypass row security or create roles.
 */
ALTER ROLE pgticket_api NOSUPERUSER NOLOGIN NOCREATEDB NOCREATEROLE
	NOREPLICATION NOBYPASSRLS;

/*
 * nginx's request documents carry credentials (Basic passwords, tokens):
 * the server never logs the parameters of its statements, whatever
 * log_min_duration_statement or log_statement a DBA turns on.
 */
ALTER ROLE pgticket_web SET log_parameter_max_length = 0;
ALTER ROLE pgticket_web SET log_parameter_max_length_on_error = 0;
/*
 * Nor quote them in an error's DETAIL or CONTEXT: a request document
 * PostgreSQL refuses as jsonb is logged with the text around the fault
 * ("JSON data, line 1: ...") and that text can be a header's value.
 */
ALTER ROLE pgticket_web SET log_error_verbosity = terse;
/*
 * nginx's sessions plan with the pages in memory (random_page_cost 1.1, not
 * 4).  A plan made once and kept for the life of a pooled session (a
 * C function's SPI plan, a foreign key's check) finds a row of a small
 * table (staff, service) by its key instead of reading the table whole,
 * whichever façade made it first: the façades that SET it themselves do
 * so for any caller, this for the plans their statements share.
 */
ALTER ROLE pgticket_web SET random_page_cost = 1.1;

CREATE SCHEMA IF NOT EXISTS api_resume;
CREATE SCHEMA IF NOT EXISTS api_crm;
CREATE SCHEMA IF NOT EXISTS api_queue;
CREATE SCHEMA IF NOT EXISTS api_workshop;
CREATE SCHEMA IF NOT EXISTS api_helpdesk;
COMMENT ON SCHEMA api_resume IS 'REST facade of API 000 (resume-service tickets): one function per endpoint';
COMMENT ON SCHEMA api_crm IS 'REST facade of API 001 (CRM ticket services): one function per endpoint';
COMMENT ON SCHEMA api_queue IS 'REST facade of API 002 (branch queue tickets): one function per endpoint';
COMMENT ON SCHEMA api_workshop IS 'REST facade of API 003 (workshop tickets): one function per endpoint';
COMMENT ON SCHEMA api_helpdesk IS 'REST facade of API 004 (helpdesk): one function per endpoint';

/* The core: nobody but its owner (and superusers). */
REVOKE ALL ON SCHEMA pgticket FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgticket FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA pgticket FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pgticket FROM PUBLIC;

/*
 * What the facades need, and no more.  Reference data is read only; a
 * ticket and its details are inserted and updated, never deleted; the
 * history is insert-only (its trigger refuses the rest anyway).  Identity
 * columns need no sequence privilege; the workflows' number sequences and
 * the CRM record ids do.  EXECUTE on every core function, except those
 * only a DBA calls: adding API clients and setting their secrets, minting
 * tokens.  A change here shows in sql/roles.sql.
 */
GRANT USAGE ON SCHEMA pgticket TO pgticket_api;
GRANT SELECT ON pgticket.workflow, pgticket.workflow_state,
	pgticket.workflow_transition, pgticket.sla_policy, pgticket.issue_type,
	pgticket.channel, pgticket.customer_id_type, pgticket.branch,
	pgticket.sector, pgticket.service, pgticket.setting, pgticket.api_client,
	pgticket.staff, pgticket.ticket_vehicle
	TO pgticket_api;
GRANT SELECT, INSERT ON pgticket.customer, pgticket.message,
	pgticket.ticket_helpdesk, pgticket.ticket_crm, pgticket.ticket_dispatch
	TO pgticket_api;
GRANT INSERT ON pgticket.ticket_history TO pgticket_api;
GRANT SELECT, INSERT, UPDATE ON pgticket.ticket, pgticket.ticket_queue,
	pgticket.queue_counter, pgticket.rating, pgticket.idempotency_key
	TO pgticket_api;
GRANT USAGE ON SEQUENCE pgticket.helpdesk_number_seq,
	pgticket.queue_number_seq, pgticket.workshop_number_seq,
	pgticket.resume_number_seq, pgticket.crm_record_seq
	TO pgticket_api;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgticket TO pgticket_api;
REVOKE EXECUTE ON FUNCTION pgticket.add_api_client(text, text, text, text[]),
	pgticket.set_api_client_secret(text, text, text),
	pgticket.api_client_secret(),
	pgticket.jwt_sign(jsonb, text)
	FROM pgticket_api;

/* The facades: pgticket_web only. */
REVOKE ALL ON SCHEMA api_resume, api_crm, api_queue, api_workshop, api_helpdesk
	FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk FROM PUBLIC;
GRANT USAGE ON SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk TO pgticket_web;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk TO pgticket_web;

/*
 * Every facade is owned by pgticket_api, so SECURITY DEFINER runs it with
 * pgticket_api's privileges, not a superuser's.  Every function of the
 * extension's api_* schemas, whoever added it: this file runs again at the
 * end of every update.  (A function a DBA adds by hand later: ALTER
 * FUNCTION ... OWNER TO pgticket_api.)
 */
DO $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_depend d
			ON d.classid = 'pg_catalog.pg_namespace'::regclass
			AND d.objid = p.pronamespace AND d.deptype = 'e'
			AND d.refclassid = 'pg_catalog.pg_extension'::regclass
		JOIN pg_catalog.pg_extension e
			ON e.oid = d.refobjid AND e.extname = 'pgticket'
		JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname LIKE 'api\_%'
			AND p.proowner <> 'pgticket_api'::regrole
		ORDER BY p.oid
	LOOP
		EXECUTE format('ALTER FUNCTION %s OWNER TO pgticket_api', f);
	END LOOP;
END
$$;

/* The reports: pgticket_report only. */
REVOKE ALL ON SCHEMA pgticket_report FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgticket_report FROM PUBLIC;
GRANT USAGE ON SCHEMA pgticket_report TO pgticket_report;
GRANT SELECT ON ALL TABLES IN SCHEMA pgticket_report TO pgticket_report;

/*
 * Facade functions created later by the same owner (upgrade scripts) are
 * executable by pgticket_web without a GRANT of their own.  PUBLIC keeps
 * the EXECUTE every new function gets (a per-schema default cannot revoke
 * it) but has no USAGE on the api_* schemas, so it cannot reach them;
 * upgrade scripts should still REVOKE EXECUTE ... FROM PUBLIC.
 */
ALTER DEFAULT PRIVILEGES IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk
	GRANT EXECUTE ON FUNCTIONS TO pgticket_web;
