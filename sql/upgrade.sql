--
-- Versions: 1.0 updated to the current version has the same catalog as a
-- fresh install of the current version.  Runs last: it drops and recreates
-- the extension.
--
SET client_min_messages = warning;

-- Everything an update script could get wrong, as (kind, name, detail)
-- rows: the extension's members, each function's whole definition, each
-- table's columns (in order), indexes, constraints, triggers, views,
-- sequences, types, schemas, owners, privileges (and their initial
-- privileges, which pg_dump reads), comments, default privileges and what
-- pg_dump keeps.
CREATE FUNCTION pg_temp.pgticket_catalog()
RETURNS TABLE (kind text, name text, detail text)
LANGUAGE sql AS $$
WITH member AS (
	SELECT d.classid, d.objid
	FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
	WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
	  AND e.extname = 'pgticket'
), rel AS (
	SELECT c.oid FROM pg_class c JOIN member m
		ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
), typ AS (
	SELECT t.oid FROM pg_type t JOIN member m
		ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
)
SELECT 'member', pg_describe_object(classid, objid, 0), ''
FROM member
UNION ALL
SELECT 'function', p.oid::regprocedure::text,
	concat_ws(' | ', pg_get_functiondef(p.oid), p.proowner::regrole::text,
		p.proacl::text, obj_description(p.oid, 'pg_proc'))
FROM pg_proc p JOIN member m
	ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
UNION ALL
SELECT 'relation', c.oid::regclass::text,
	concat_ws(' | ', c.relkind, c.relpersistence, c.relowner::regrole::text,
		c.relacl::text,
		c.reloptions::text, obj_description(c.oid, 'pg_class'))
FROM pg_class c JOIN rel USING (oid)
UNION ALL
SELECT 'column', a.attrelid::regclass::text || '.' || a.attname,
	concat_ws(' | ',
		row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
		format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
		a.attgenerated, pg_get_expr(ad.adbin, ad.adrelid), a.attacl::text,
		col_description(a.attrelid, a.attnum))
FROM pg_attribute a
	JOIN (SELECT oid FROM rel UNION SELECT typrelid FROM pg_type
		  JOIN typ USING (oid) WHERE typrelid <> 0) r ON r.oid = a.attrelid
	LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index', i.indexrelid::regclass::text,
	concat_ws(' | ', pg_get_indexdef(i.indexrelid),
		obj_description(i.indexrelid, 'pg_class'))
FROM pg_index i JOIN rel ON rel.oid = i.indrelid
UNION ALL
SELECT 'constraint', coalesce(co.conrelid::regclass::text,
		co.contypid::regtype::text) || '.' || co.conname,
	pg_get_constraintdef(co.oid)
FROM pg_constraint co
WHERE co.conrelid IN (SELECT oid FROM rel)
   OR co.contypid IN (SELECT oid FROM typ)
UNION ALL
SELECT 'trigger', tg.tgrelid::regclass::text || '.' || tg.tgname,
	pg_get_triggerdef(tg.oid)
FROM pg_trigger tg JOIN rel ON rel.oid = tg.tgrelid
WHERE NOT tg.tgisinternal
UNION ALL
SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid)
FROM pg_class c JOIN rel USING (oid)
WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT 'sequence', s.seqrelid::regclass::text,
	concat_ws(' | ', format_type(s.seqtypid, NULL), s.seqstart,
		s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
FROM pg_sequence s JOIN rel ON rel.oid = s.seqrelid
UNION ALL
SELECT 'type', t.oid::regtype::text,
	concat_ws(' | ', t.typtype, t.typacl::text,
		obj_description(t.oid, 'pg_type'),
		(SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
		 FROM pg_enum e WHERE e.enumtypid = t.oid))
FROM pg_type t JOIN typ USING (oid)
UNION ALL
SELECT 'schema', n.nspname,
	concat_ws(' | ', n.nspowner::regrole::text, n.nspacl::text,
		obj_description(n.oid, 'pg_namespace'))
FROM pg_namespace n JOIN member m
	ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
UNION ALL
SELECT 'init privileges', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
	concat_ws(' | ', ip.privtype, ip.initprivs::text)
FROM pg_init_privs ip JOIN member m
	ON m.classid = ip.classoid AND m.objid = ip.objoid
UNION ALL
SELECT 'default privileges',
	concat_ws('.', d.defaclnamespace::regnamespace::text, d.defaclobjtype),
	d.defaclacl::text
FROM pg_default_acl d
WHERE d.defaclnamespace IN (SELECT objid FROM member
							WHERE classid = 'pg_namespace'::regclass)
UNION ALL
SELECT 'dumped with data', u.cfg::regclass::text, u.cond
FROM pg_extension e,
	unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
WHERE e.extname = 'pgticket'
$$;

CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.pgticket_catalog();
SELECT extversion FROM pg_extension WHERE extname = 'pgticket';

DROP EXTENSION pgticket CASCADE;
CREATE EXTENSION pgticket VERSION '1.0';
-- a DBA's edit of a shipped row, made under 1.0 (checked at the end)
UPDATE pgticket.sla_policy SET resolve_within = '5 hours' WHERE priority = 'urgent';
-- queue tickets moved under 1.0, which kept no called_at or finished_at
-- (checked at the end): one waiting, one called, one finished, and one a
-- DBA moved to the helpdesk workflow (it waits in no queue)
INSERT INTO pgticket.branch (code) VALUES ('UB');
INSERT INTO pgticket.sector (branch, code) VALUES ('UB', 'US');
INSERT INTO pgticket.service (branch, sector, code, prefix)
VALUES ('UB', 'US', 'UV', 'U');
INSERT INTO pgticket.customer (name) VALUES ('queue customer under 1.0');
DO $$
DECLARE
	t	pgticket.ticket;
BEGIN
	FOR n IN 1..4 LOOP
		t := pgticket.create_ticket('queue', (SELECT id FROM pgticket.customer
			WHERE name = 'queue customer under 1.0'), 'under 1.0');
		INSERT INTO pgticket.ticket_queue
			(ticket_id, branch, sector, service, day, queue_number)
		VALUES (t.id, 'UB', 'US', 'UV', current_date, n);
		IF n >= 2 THEN
			PERFORM pgticket.transition(t.id, 'called');
		END IF;
		IF n = 3 THEN
			PERFORM pgticket.transition(t.id, 'attending');
			PERFORM pgticket.transition(t.id, 'finished');
		END IF;
		IF n = 4 THEN
			UPDATE pgticket.ticket SET workflow = 'helpdesk', state = 'new',
				number = nextval('pgticket.helpdesk_number_seq')
			WHERE id = t.id;
		END IF;
	END LOOP;
END
$$;
-- CRM rows kept under 1.0 (which gave no record ids): an imported record
-- holding the first id of crm_record_seq, and a row without one, which the
-- update numbers past it
INSERT INTO pgticket.ticket_crm (ticket_id, extra)
SELECT (pgticket.create_ticket('helpdesk', c.id, 'crm under 1.0 ' || n)).id,
	   CASE n WHEN 1 THEN '{"crm_id": 100000}' ELSE '{}' END::jsonb
  FROM pgticket.customer c, generate_series(1, 2) n
 WHERE c.name = 'queue customer under 1.0';
-- an idempotency key put there by hand under 1.0 (which never wrote the
-- table) names no API client: the update says so and changes nothing
INSERT INTO pgticket.idempotency_key (api, key, request_hash, status)
VALUES ('resume', 'kept under 1.0', '\x00', 201);
ALTER EXTENSION pgticket UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pgticket';
DELETE FROM pgticket.idempotency_key;
ALTER EXTENSION pgticket UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pgticket';

CREATE TEMP TABLE updated AS SELECT * FROM pg_temp.pgticket_catalog();

-- The comparison sees every kind of object (an empty kind would hide a
-- broken query above) ...
SELECT k AS kind_not_seen
FROM unnest(ARRAY['member', 'function', 'relation', 'column', 'index',
		'constraint', 'trigger', 'view', 'sequence', 'type', 'schema',
		'init privileges', 'default privileges', 'dumped with data']) k
WHERE NOT EXISTS (SELECT FROM fresh WHERE kind = k);

-- ... and finds no difference: rows only the fresh install has, then rows
-- only the updated one has.
(SELECT 'fresh only' AS side, * FROM fresh EXCEPT ALL
 SELECT 'fresh only', * FROM updated)
UNION ALL
(SELECT 'updated only', * FROM updated EXCEPT ALL
 SELECT 'updated only', * FROM fresh)
ORDER BY 2, 3, 1;

-- The shipped rows are marked as such after the update, and pg_dump keeps
-- the one the DBA edited under 1.0, as it would have been kept under 1.1.
SELECT priority, resolve_within, shipped FROM pgticket.sla_policy ORDER BY 1;
-- The queue tickets moved under 1.0 show when they were called and
-- finished (the history's times), and which one waits (not the one moved
-- to another workflow); all have their service's prefix.
SELECT q.queue_number, q.prefix, t.state, q.waiting,
	q.called_at IS NOT DISTINCT FROM (SELECT max(h.at)
		FROM pgticket.ticket_history h
		WHERE h.ticket_id = t.id AND h.to_state = 'called') AS called_at_kept,
	q.called_at IS NOT NULL AS called,
	q.finished_at IS NOT DISTINCT FROM (SELECT max(h.at)
		FROM pgticket.ticket_history h
		WHERE h.ticket_id = t.id AND h.to_state = 'finished') AS finished_at_kept,
	q.finished_at IS NOT NULL AS finished
FROM pgticket.ticket_queue q JOIN pgticket.ticket t ON t.id = q.ticket_id
WHERE q.branch = 'UB'
ORDER BY q.queue_number;
SELECT (xpath('/row/n/text()', query_to_xml(format(
		'SELECT string_agg(priority::text, '','') AS n FROM %s %s', u.cfg::regclass, u.cond),
		false, true, '')))[1]::text AS dumped
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(cfg, cond)
WHERE e.extname = 'pgticket' AND u.cfg = 'pgticket.sla_policy'::regclass;
-- The CRM rows kept under 1.0 have distinct record ids, and their
-- tickets' customer.
SELECT t.subject, x.extra ->> 'crm_id' AS crm_id,
	x.customer_id = t.customer_id AS customer_kept
FROM pgticket.ticket_crm x JOIN pgticket.ticket t ON t.id = x.ticket_id
WHERE t.subject LIKE 'crm under 1.0%'
ORDER BY t.subject;
