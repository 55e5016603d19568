/*
 * Harden a database that serves pgticket: what PUBLIC may do there by
 * default and pgticket's roles need not.  Run it as a superuser in that
 * database, after CREATE EXTENSION pgticket (tests/stack.sh db-setup does;
 * the README's production notes say when to):
 *
 *     psql -d pgticket -f extension/deploy/harden.sql
 *
 * The extension takes care of its own objects (extension/install/
 * 90_roles.sql); these are the database's and every role's in it, so they
 * are the deployment's decision, not the extension's.  Running it again
 * changes nothing.  Connecting to other databases is refused by
 * pg_hba.conf, which only the cluster's configuration can do.
 */

/*
 * The database: pgticket's roles may connect; nobody else through PUBLIC,
 * and nobody may create temporary tables (a facade's search_path ends in
 * pg_temp, and nginx's role has no use for them).
 */
DO $$
BEGIN
	EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC',
				   current_database());
	EXECUTE format('GRANT CONNECT ON DATABASE %I TO pgticket_web, pgticket_report',
				   current_database());
END
$$;

/*
 * Large objects: nobody but superusers creates them (writing one needs
 * UPDATE on it, which its creator holds).
 */
REVOKE EXECUTE ON FUNCTION pg_catalog.lo_creat(integer),
	pg_catalog.lo_create(oid), pg_catalog.lo_from_bytea(oid, bytea)
	FROM PUBLIC;

/*
 * Function source: the catalog keeps every column readable but the body
 * (prosrc, probin, prosqlbody), and the functions that print a definition
 * are for superusers.  Non-superuser DBAs need a GRANT of their own for
 * psql's \df+ and \sf.
 */
REVOKE SELECT ON pg_catalog.pg_proc FROM PUBLIC;
GRANT SELECT (oid, proname, pronamespace, proowner, prolang, procost,
	prorows, provariadic, prosupport, prokind, prosecdef, proleakproof,
	proisstrict, proretset, provolatile, proparallel, pronargs,
	pronargdefaults, prorettype, proargtypes, proallargtypes, proargmodes,
	proargnames, proargdefaults, protrftypes, proconfig, proacl)
	ON pg_catalog.pg_proc TO PUBLIC;
REVOKE EXECUTE ON FUNCTION pg_catalog.pg_get_functiondef(oid),
	pg_catalog.pg_get_function_sqlbody(oid)
	FROM PUBLIC;
