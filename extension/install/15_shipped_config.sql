/*
 * 1.1: a DBA's edits to the shipped configuration rows survive pg_dump.
 *
 * CREATE EXTENSION makes the shipped rows (10_workflows.sql).  pg_dump keeps
 * of an extension's table only the rows its filter selects, and a restore
 * runs CREATE EXTENSION before loading them.  So:
 *
 *   - the shipped column marks the rows the extension made;
 *   - each filter selects every row but a shipped row that still holds its
 *     shipped values: a DBA's own rows, and shipped rows a DBA edited;
 *   - restore_shipped_row turns the restore's insert of an edited shipped
 *     row, which CREATE EXTENSION has just made afresh, into an update of
 *     it.  It acts only on a row that says it is shipped, so a DBA's INSERT
 *     of an existing key still fails as it should.
 *
 * An unedited row is not dumped, so a restore into a later version gets
 * that version's shipped values.  A shipped row a DBA deleted (or whose key
 * a DBA changed) comes back with CREATE EXTENSION: delete it again after
 * the restore.
 *
 * The shipped values are restated here once, for both paths: in a database
 * updated from 1.0 the rows may already hold a DBA's edits.  The schema
 * test checks that a fresh install dumps none of them.
 */

ALTER TABLE pgticket.workflow
	ADD COLUMN IF NOT EXISTS shipped boolean NOT NULL DEFAULT false;
ALTER TABLE pgticket.workflow_state
	ADD COLUMN IF NOT EXISTS shipped boolean NOT NULL DEFAULT false;
ALTER TABLE pgticket.workflow_transition
	ADD COLUMN IF NOT EXISTS shipped boolean NOT NULL DEFAULT false;
ALTER TABLE pgticket.sla_policy
	ADD COLUMN IF NOT EXISTS shipped boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN pgticket.workflow.shipped IS
	'Made by CREATE EXTENSION; pg_dump keeps it only when edited (a restore applies the edit)';
COMMENT ON COLUMN pgticket.workflow_state.shipped IS
	'Made by CREATE EXTENSION; pg_dump keeps it only when edited (a restore applies the edit)';
COMMENT ON COLUMN pgticket.workflow_transition.shipped IS
	'Made by CREATE EXTENSION; pg_dump keeps it only when edited (a restore applies the edit)';
COMMENT ON COLUMN pgticket.sla_policy.shipped IS
	'Made by CREATE EXTENSION; pg_dump keeps it only when edited (a restore applies the edit)';

/*
 * restore_shipped_row: BEFORE INSERT on a configuration table.  A row that
 * says it is shipped, whose primary key a shipped row already has, updates
 * that row instead of being inserted.  COPY fires it too, which is how
 * pg_dump's data reaches the table.
 */
CREATE FUNCTION pgticket.restore_shipped_row() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	assignments text;
	key_match	text;
	updated		bigint;
BEGIN
	IF NOT NEW.shipped THEN
		RETURN NEW;
	END IF;
	SELECT string_agg(format('%1$I = $1.%1$I', a.attname), ', '
			ORDER BY a.attnum) FILTER (WHERE NOT a.attnum = ANY (i.indkey)),
		string_agg(format('%1$I = $1.%1$I', a.attname), ' AND '
			ORDER BY a.attnum) FILTER (WHERE a.attnum = ANY (i.indkey))
	INTO assignments, key_match
	FROM pg_attribute a
	JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
	WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
	EXECUTE format('UPDATE %I.%I SET %s WHERE %s AND shipped',
		TG_TABLE_SCHEMA, TG_TABLE_NAME, assignments, key_match)
		USING NEW;
	GET DIAGNOSTICS updated = ROW_COUNT;
	IF updated > 0 THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgticket.restore_shipped_row() IS
	'Trigger (BEFORE INSERT, per row) on the configuration tables that ship rows: an inserted row with shipped = true whose primary key a shipped row has updates that row instead (how a pg_dump restore brings back a DBA''s edits to shipped rows); other rows are inserted as usual';

CREATE TRIGGER restore_shipped_row BEFORE INSERT ON pgticket.workflow
	FOR EACH ROW EXECUTE FUNCTION pgticket.restore_shipped_row();
CREATE TRIGGER restore_shipped_row BEFORE INSERT ON pgticket.workflow_state
	FOR EACH ROW EXECUTE FUNCTION pgticket.restore_shipped_row();
CREATE TRIGGER restore_shipped_row BEFORE INSERT ON pgticket.workflow_transition
	FOR EACH ROW EXECUTE FUNCTION pgticket.restore_shipped_row();
CREATE TRIGGER restore_shipped_row BEFORE INSERT ON pgticket.sla_policy
	FOR EACH ROW EXECUTE FUNCTION pgticket.restore_shipped_row();

/*
 * Mark the shipped rows and set each table's filter: everything but the
 * shipped rows as shipped.  Every column is NOT NULL, so NOT IN is exact.
 * pg_dump runs the filter with an empty search_path: the sequence names
 * are written in full.
 */
WITH shipped (name, description, number_seq) AS (VALUES
	('helpdesk', 'Helpdesk and CRM tickets', 'pgticket.helpdesk_number_seq'),
	('queue', 'Branch queue tickets', 'pgticket.queue_number_seq'),
	('workshop', 'Workshop service tickets', 'pgticket.workshop_number_seq'),
	('resume', 'Resume-service field dispatch', 'pgticket.resume_number_seq')
), mark AS (
	UPDATE pgticket.workflow w SET shipped = true
	FROM shipped s WHERE w.name = s.name
)
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow',
	'WHERE NOT shipped OR (name, description, number_seq) NOT IN (' ||
	string_agg(format('(%L, %L, %L::pg_catalog.regclass)', name, description,
					  number_seq), ', '
			   ORDER BY name) || ')')
FROM shipped;

WITH shipped (workflow, state, category, is_initial, label) AS (VALUES
	('helpdesk', 'new', 'new', true, 'Open'),
	('helpdesk', 'open', 'open', false, 'Open'),
	('helpdesk', 'on_hold', 'pending', false, 'On Hold'),
	('helpdesk', 'resolved', 'solved', false, 'Resolved'),
	('helpdesk', 'closed', 'closed', false, 'Closed'),
	('queue', 'waiting', 'open', true, 'waiting'),
	('queue', 'called', 'open', false, 'called'),
	('queue', 'attending', 'open', false, 'attending'),
	('queue', 'finished', 'closed', false, 'finished'),
	('queue', 'no_show', 'cancelled', false, 'no_show'),
	('queue', 'cancelled', 'cancelled', false, 'cancelled'),
	('workshop', 'pending', 'open', true, 'pending'),
	('workshop', 'in_progress', 'open', false, 'in progress'),
	('workshop', 'done', 'closed', false, 'done'),
	('workshop', 'cancelled', 'cancelled', false, 'cancelled'),
	('resume', 'scheduled', 'new', true, 'scheduled'),
	('resume', 'dispatched', 'open', false, 'dispatched'),
	('resume', 'done', 'closed', false, 'done'),
	('resume', 'cancelled', 'cancelled', false, 'cancelled')
), mark AS (
	UPDATE pgticket.workflow_state w SET shipped = true
	FROM shipped s WHERE (w.workflow, w.state) = (s.workflow, s.state)
)
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow_state',
	'WHERE NOT shipped OR (workflow, state, category, is_initial, label)'
	' NOT IN (' ||
	string_agg(format('(%L, %L, %L, %L, %L)', workflow, state, category,
					  is_initial, label), ', '
			   ORDER BY workflow, state) || ')')
FROM shipped;

WITH shipped (workflow, name, from_state, to_state, needs_assignee) AS (VALUES
	('helpdesk', 'open', 'new', 'open', false),
	('helpdesk', 'hold', 'new', 'on_hold', false),
	('helpdesk', 'hold', 'open', 'on_hold', false),
	('helpdesk', 'resume', 'on_hold', 'open', false),
	('helpdesk', 'resolve', 'new', 'resolved', false),
	('helpdesk', 'resolve', 'open', 'resolved', false),
	('helpdesk', 'resolve', 'on_hold', 'resolved', false),
	('helpdesk', 'close', 'new', 'closed', false),
	('helpdesk', 'close', 'open', 'closed', false),
	('helpdesk', 'close', 'on_hold', 'closed', false),
	('helpdesk', 'close', 'resolved', 'closed', false),
	('helpdesk', 'reopen', 'closed', 'open', false),
	('queue', 'call', 'waiting', 'called', false),
	('queue', 'attend', 'called', 'attending', false),
	('queue', 'finish', 'attending', 'finished', false),
	('queue', 'recall', 'called', 'waiting', false),
	('queue', 'no-show', 'called', 'no_show', false),
	('queue', 'cancel', 'waiting', 'cancelled', false),
	('queue', 'cancel', 'called', 'cancelled', false),
	('workshop', 'start-service', 'pending', 'in_progress', true),
	('workshop', 'finish', 'in_progress', 'done', false),
	('workshop', 'cancel', 'pending', 'cancelled', false),
	('resume', 'dispatch', 'scheduled', 'dispatched', false),
	('resume', 'complete', 'dispatched', 'done', false),
	('resume', 'cancel', 'scheduled', 'cancelled', false)
), mark AS (
	UPDATE pgticket.workflow_transition w SET shipped = true
	FROM shipped s
	WHERE (w.workflow, w.from_state, w.to_state)
		= (s.workflow, s.from_state, s.to_state)
)
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow_transition',
	'WHERE NOT shipped OR (workflow, name, from_state, to_state, needs_assignee)'
	' NOT IN (' ||
	string_agg(format('(%L, %L, %L, %L, %L)', workflow, name, from_state,
					  to_state, needs_assignee), ', '
			   ORDER BY workflow, from_state, to_state) || ')')
FROM shipped;

WITH shipped (priority, resolve_within) AS (VALUES
	('urgent', '4 hours'),
	('high', '8 hours'),
	('medium', '12 hours'),
	('low', '48 hours')
), mark AS (
	UPDATE pgticket.sla_policy p SET shipped = true
	FROM shipped s WHERE p.priority::text = s.priority
)
SELECT pg_catalog.pg_extension_config_dump('pgticket.sla_policy',
	'WHERE NOT shipped OR (priority, resolve_within) NOT IN (' ||
	string_agg(format('(%L, %L)', priority, resolve_within), ', '
			   ORDER BY priority) || ')')
FROM shipped;
