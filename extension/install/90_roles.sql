/*
 * Roles and privileges; runs last, after every facade file.
 *
 *   pgticket_web     nginx's role: USAGE on the api_* schemas and EXECUTE
 *                    on their functions (SECURITY DEFINER facades owned by
 *                    the extension owner), nothing else.
 *   pgticket_report  reporting tools: SELECT on the pgticket_report views.
 *
 * Roles are cluster-wide, so they are created only when missing and are
 * left behind by DROP EXTENSION.  Both are NOLOGIN here; the stack gives
 * pgticket_web LOGIN after CREATE EXTENSION.
 */

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_web') THEN
		CREATE ROLE pgticket_web NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_report') THEN
		CREATE ROLE pgticket_report NOLOGIN;
	END IF;
END
$$;

/*
 * nginx's request documents carry credentials (Basic passwords, tokens):
 * the server never logs the parameters of its statements, whatever
 * log_min_duration_statement or log_statement a DBA turns on.
 */
ALTER ROLE pgticket_web SET log_parameter_max_length = 0;
ALTER ROLE pgticket_web SET log_parameter_max_length_on_error = 0;

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

/* The facades: pgticket_web only. */
REVOKE ALL ON SCHEMA api_resume, api_crm, api_queue, api_workshop, api_helpdesk
	FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk FROM PUBLIC;
GRANT USAGE ON SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk TO pgticket_web;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk TO pgticket_web;

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
