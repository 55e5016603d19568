/*
 * 002 branch queue tickets API (new in 1.1): one function per endpoint of
 * seed 002, as contract.md settles it.
 *
 * Vocabulary.  A queue ticket is a ticket of workflow 'queue' with a row of
 * ticket_queue: the service it waits for (branch, sector, service), the day
 * and its queue number, shown with the service's prefix ("C-042").  The
 * API's ticket id is the ticket's uuid: 002 has no authentication, so an id
 * nobody can guess is what keeps one customer from reading, changing or
 * cancelling another's ticket.  The customer is named by customer_id_type
 * and customer_id_number (customer.id_type, customer.id_number).
 *
 * Every error of this API is a status without a body, as the seed says:
 * the facades answer pgticket.http_empty(4xx), and the shipped
 * nginx-module/conf/api-queue.conf gives nginx's own answers (404, 405,
 * 413, the unavailable answer) no body either.  Each facade runs its checks
 * and changes in one BEGIN ... EXCEPTION block, so a refused request has
 * changed nothing.
 */

/* 90_roles.sql comments the schema and grants EXECUTE to pgticket_web. */
CREATE SCHEMA IF NOT EXISTS api_queue;

/* ------------------------------------------------------------- schema */

/*
 * waiting mirrors "the ticket is in the queue workflow's initial state" so
 * that the tickets ahead of one in its queue are counted from a partial
 * index (ticket_queue_waiting) instead of a scan of the day's tickets.  A
 * trigger on ticket keeps it, and called_at and finished_at, in step with
 * every state change, whoever makes it (the API, or a DBA with
 * pgticket.transition), and with a DBA's move of a ticket into or out of
 * the queue workflow.  deleted_at marks a ticket cancelled with DELETE:
 * the API no longer shows it, the ticket and its history stay.
 */
ALTER TABLE pgticket.ticket_queue
	ADD COLUMN IF NOT EXISTS waiting boolean NOT NULL DEFAULT true,
	ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
COMMENT ON COLUMN pgticket.ticket_queue.waiting IS
	'The ticket is in the initial state of the queue workflow (waiting): kept by trigger ticket_queue_follow_state';
COMMENT ON COLUMN pgticket.ticket_queue.deleted_at IS
	'When the queue API deleted (cancelled) the ticket; the API shows it no more';
COMMENT ON COLUMN pgticket.ticket_queue.called_at IS
	'When the ticket last entered state called (kept by trigger ticket_queue_follow_state)';
COMMENT ON COLUMN pgticket.ticket_queue.finished_at IS
	'When the ticket entered state finished (kept by trigger ticket_queue_follow_state)';

/*
 * tickets of a 1.0 database that have left their initial state, or the
 * queue workflow
 */
UPDATE pgticket.ticket_queue q SET waiting = false
  FROM pgticket.ticket t
  JOIN pgticket.workflow_state s ON s.workflow = t.workflow AND s.state = t.state
 WHERE t.id = q.ticket_id AND (NOT s.is_initial OR t.workflow <> 'queue')
   AND q.waiting;

/*
 * ... and when they were called and finished, as the trigger below would
 * have set it: the history's last entry into called, its entry into
 * finished (1.0 set neither column).
 */
UPDATE pgticket.ticket_queue q
   SET called_at = coalesce(q.called_at,
		   (SELECT max(h.at) FROM pgticket.ticket_history h
			WHERE h.ticket_id = q.ticket_id AND h.to_state = 'called')),
	   finished_at = coalesce(q.finished_at,
		   (SELECT max(h.at) FROM pgticket.ticket_history h
			WHERE h.ticket_id = q.ticket_id AND h.to_state = 'finished'))
 WHERE q.called_at IS NULL OR q.finished_at IS NULL;

/*
 * prefix is the service's prefix when the number was issued: the one
 * printed on the ticket and called out in the branch.  A DBA's later
 * change of a service's prefix is for the tickets issued after it.  Kept
 * on the row, it also spares every read of a ticket a lookup of its
 * service (a fifth of what a page of GET /v1/tickets cost).  A row
 * written without one, or updated to NULL, gets its service's (trigger
 * ticket_queue_prefix), so a ticket never shows "number": null; rows of a
 * 1.0 database get their service's current one.  Not NOT NULL: a row
 * naming no service would be refused for that, not for its prefix (the
 * foreign key is checked after the row is written).  A prefix is one a
 * service could have.
 */
ALTER TABLE pgticket.ticket_queue ADD COLUMN IF NOT EXISTS prefix text
	CHECK (prefix ~ '^[A-Z]{1,3}$');
UPDATE pgticket.ticket_queue q SET prefix = s.prefix
  FROM pgticket.service s
 WHERE s.branch = q.branch AND s.sector = q.sector AND s.code = q.service
   AND q.prefix IS NULL;
COMMENT ON COLUMN pgticket.ticket_queue.prefix IS
	'The service''s prefix when the number was issued (queue_label(prefix, queue_number) is the ticket''s number; one to three capital letters, as service.prefix); from the service when a row is written without one or it is set to NULL (trigger ticket_queue_prefix)';

CREATE OR REPLACE FUNCTION pgticket.queue_issue_prefix() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
BEGIN
	NEW.prefix := (SELECT s.prefix FROM service s
				   WHERE s.branch = NEW.branch AND s.sector = NEW.sector
					 AND s.code = NEW.service);
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgticket.queue_issue_prefix() IS
	'Trigger function: a ticket_queue row written without a prefix (inserted without one, or its prefix set to NULL) gets its service''s current one';
CREATE OR REPLACE TRIGGER ticket_queue_prefix
	BEFORE INSERT OR UPDATE OF prefix ON pgticket.ticket_queue
	FOR EACH ROW WHEN (NEW.prefix IS NULL)
	EXECUTE FUNCTION pgticket.queue_issue_prefix();
COMMENT ON TRIGGER ticket_queue_prefix ON pgticket.ticket_queue IS
	'Gives a queue ticket written without a prefix (inserted without one, or set to NULL) its service''s';

CREATE INDEX IF NOT EXISTS ticket_queue_waiting ON pgticket.ticket_queue
	(branch, sector, service, day, queue_number) WHERE waiting;
COMMENT ON INDEX pgticket.ticket_queue_waiting IS
	'Waiting tickets of each queue in number order: a ticket''s position is a range of this index';

/*
 * A customer's queue tickets in the order GET /v1/tickets lists them
 * (newest first, ties by id): a page is one range scan that stops at its
 * last row, instead of a range of ticket_customer per state of the
 * workflow merged and sorted.  Partial, so that other APIs' tickets do not
 * pay for it.
 */
CREATE INDEX IF NOT EXISTS ticket_queue_customer ON pgticket.ticket
	(customer_id, created_at DESC, id DESC) WHERE workflow = 'queue';
COMMENT ON INDEX pgticket.ticket_queue_customer IS
	'Queue tickets of each customer, newest first, ties by id: the pages of GET /v1/tickets (002)';

CREATE FUNCTION pgticket.queue_follow_state() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
BEGIN
	IF OLD.state IS NOT DISTINCT FROM NEW.state
		AND OLD.workflow IS NOT DISTINCT FROM NEW.workflow THEN
		RETURN NULL;	/* set to what it was: called_at stays */
	END IF;
	/* a ticket a DBA moved to another workflow waits in no queue */
	UPDATE ticket_queue q
	   SET waiting = NEW.workflow = 'queue' AND
				coalesce((SELECT s.is_initial FROM workflow_state s
						  WHERE s.workflow = NEW.workflow
							AND s.state = NEW.state), false),
		   called_at = CASE WHEN NEW.workflow = 'queue'
								AND NEW.state = 'called' THEN now()
							ELSE q.called_at END,
		   finished_at = CASE WHEN NEW.workflow = 'queue'
								  AND NEW.state = 'finished' THEN now()
							  ELSE q.finished_at END
	 WHERE q.ticket_id = NEW.id;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgticket.queue_follow_state() IS
	'Trigger function: after a queue ticket changes state or leaves or enters the queue workflow (an UPDATE that sets both to what they were changes nothing), set ticket_queue.waiting (in the queue workflow''s initial state or not), called_at (entering called) and finished_at (entering finished)';

/*
 * The workflow too: a ticket a DBA moves out of the queue workflow leaves
 * the line (the tickets behind it move up), and one moved in takes its
 * place again.  The WHEN clause is read again (stringToNode) by every
 * UPDATE statement that sets the state of any ticket, so it is kept to the
 * workflow test; whether anything changed is the function's first test
 * (the whole condition here cost a helpdesk close 5 % of its
 * instructions).
 */
CREATE TRIGGER ticket_queue_follow_state
	AFTER UPDATE OF workflow, state ON pgticket.ticket
	FOR EACH ROW
	WHEN (OLD.workflow = 'queue' OR NEW.workflow = 'queue')
	EXECUTE FUNCTION pgticket.queue_follow_state();
COMMENT ON TRIGGER ticket_queue_follow_state ON pgticket.ticket IS
	'Keeps ticket_queue.waiting, called_at and finished_at in step with the state and workflow of queue tickets';

/* ----------------------------------------------- shared request helpers */

/*
 * parse_uuid: a uuid in its canonical spelling (8-4-4-4-12 hexadecimal
 * digits, either case), or NULL.  uuid's input function also takes braces
 * and missing hyphens; an API id is only ever written the canonical way.
 * C: as a regular expression it was 15 % of 002's GET of a ticket.
 */
CREATE FUNCTION pgticket.parse_uuid(value text) RETURNS uuid
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_parse_uuid';
COMMENT ON FUNCTION pgticket.parse_uuid(text) IS
	'A canonical uuid (8-4-4-4-12 hex digits) as uuid; NULL for anything else';

/*
 * fmt_iso8601: a timestamp as RFC 3339 in UTC, to the second
 * ("2019-08-24T14:15:22Z", as seed 003 shows); NULL for NULL.  STABLE
 * like to_char, so that the planner inlines it into the statement that
 * calls it (an IMMUTABLE SQL function over a STABLE one is run as a
 * function of its own, its body parsed and planned again on every call).
 */
CREATE FUNCTION pgticket.fmt_iso8601(ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
COMMENT ON FUNCTION pgticket.fmt_iso8601(timestamptz) IS
	'A timestamp as YYYY-MM-DDTHH:MM:SSZ in UTC (RFC 3339, whole seconds); NULL for NULL';

/* ----------------------------------------------------- queue helpers */

/*
 * queue_caught: the bodiless answer for a caught SQLSTATE, or NULL when the
 * error is not a client error (the caller re-raises it).  A move the queue
 * workflow refuses (PT409) is a 400, as contract.md says; someone else's
 * ticket (PT403) is a 404.
 */
CREATE FUNCTION pgticket.queue_caught(sqlstate text) RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate = 'PT409' THEN pgticket.http_empty(400)
		WHEN sqlstate = 'PT403' THEN pgticket.http_empty(404)
		WHEN pgticket.http_status_of(sqlstate) IS NOT NULL
			THEN pgticket.http_empty(pgticket.http_status_of(sqlstate))
	END
$$;
COMMENT ON FUNCTION pgticket.queue_caught(text) IS
	'002 error answer (a status, no body) for a client-error SQLSTATE: PT409 -> 400, PT403 -> 404, PT4nn -> 4nn, class 22 -> 400; NULL for other errors';

/*
 * queue_arg: a single-valued parameter (path, then body, then query), NULL
 * when absent or empty.  An object, or an array (a JSON array, or a form
 * field given twice), is refused: contract.md wants a 400 where a string is
 * expected and something else came.  The first place that has the name
 * decides, even with null or "".  In C (extension/src/request.c), as
 * helpdesk_number.
 */
CREATE FUNCTION pgticket.queue_arg(request jsonb, name text) RETURNS text
LANGUAGE C IMMUTABLE
AS 'MODULE_PATHNAME', 'pgticket_queue_arg';
COMMENT ON FUNCTION pgticket.queue_arg(jsonb, text) IS
	'A single-valued request parameter as text (path, body, query); NULL when absent or empty; PT400 for an object or array';

/*
 * queue_check_body: PT400 for a body nginx could not parse, or a JSON body
 * that is not an object.
 */
CREATE FUNCTION pgticket.queue_check_body(request jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF pgticket.req_body_problem(request) IS NOT NULL THEN
		PERFORM pgticket.req_fail(400, 'The request body must be a form or a JSON object');
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.queue_check_body(jsonb) IS
	'PT400 when the request body is malformed or a JSON body is not an object';

/*
 * queue_customer_id: check customer_id_type (a configured type) and
 * customer_id_number (1-32 letters, digits, "-"); contract.md.
 */
CREATE FUNCTION pgticket.queue_check_customer_id(id_type text, id_number text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
BEGIN
	IF id_type IS NULL THEN
		PERFORM req_fail(400, 'The customer_id_type parameter is required');
	END IF;
	IF id_number IS NULL THEN
		PERFORM req_fail(400, 'The customer_id_number parameter is required');
	END IF;
	PERFORM FROM customer_id_type c WHERE c.code = id_type;
	IF NOT FOUND THEN
		PERFORM req_fail(400,
			'The customer_id_type parameter must be a configured type');
	END IF;
	/* a bound, not {1,32}: a counted repetition costs 1 us a match */
	IF id_number !~ '^[A-Za-z0-9-]+$' OR length(id_number) > 32 THEN
		PERFORM req_fail(400, 'The customer_id_number parameter must be 1 to 32 letters, digits or "-"');
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.queue_check_customer_id(text, text) IS
	'PT400 unless customer_id_type is a row of customer_id_type and customer_id_number is 1-32 letters, digits or "-" (contract.md 002)';

/*
 * queue_check_phone: a phone number for notifications: an optional "+",
 * then digits, spaces, "(", ")", ".", "-", starting with a digit or "(" and
 * ending with a digit, at most 32 characters.  The bound is a length, not
 * {0,30}: PostgreSQL's regex engine builds a counted repetition's states
 * again on every match (2.5 us, against next to nothing for "*").
 */
CREATE FUNCTION pgticket.queue_check_phone(phone text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF phone !~ '^\+?[(0-9]([0-9 ().-]*[0-9])?$'
		OR length(ltrim(phone, '+')) > 32 THEN
		PERFORM pgticket.req_fail(400, 'The phone parameter must be a phone number');
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.queue_check_phone(text) IS
	'PT400 unless phone is "+" (optional) and up to 32 digits, spaces, "(", ")", ".", "-", starting with a digit or "(" and ending with a digit';

/*
 * queue_ticket_fields: the keys of a ticket, in the order the API renders
 * them (contract.md 002, Ticket).
 */
CREATE FUNCTION pgticket.queue_ticket_fields() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT '{id,number,status,channel,branch_id,sector_id,service_id,customer_id_type,customer_id_number,phone,created_at,called_at,finished_at,position}'::text[]
$$;
COMMENT ON FUNCTION pgticket.queue_ticket_fields() IS
	'The fields of a 002 ticket, in rendering order';

/*
 * queue_fields: the fields parameter, written fields=a,b or fields=a&
 * fields=b (or both), as an array of names; NULL when absent (every field).
 * An unknown name is a 400.  Its own search_path: queue_list_query (C)
 * calls it in the caller's session, whatever path a DBA set.
 */
CREATE FUNCTION pgticket.queue_fields(request jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v		jsonb := request -> 'query' -> 'fields';
	item	jsonb;
	name	text;
	names	text[] := '{}';
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'array' THEN
		v := jsonb_build_array(v);
	END IF;
	FOR item IN SELECT jsonb_array_elements(v) LOOP
		IF jsonb_typeof(item) <> 'string' THEN
			PERFORM pgticket.req_fail(400,
				'The fields parameter must be a list of field names');
		END IF;
		FOREACH name IN ARRAY string_to_array(item #>> '{}', ',') LOOP
			name := btrim(name, E' \t\r\n');
			CONTINUE WHEN name = '';
			IF name <> ALL (pgticket.queue_ticket_fields()) THEN
				PERFORM pgticket.req_fail(400,
					format('The fields parameter names an unknown field: %s',
						   name));
			END IF;
			names := names || name;
		END LOOP;
	END LOOP;
	RETURN nullif(names, '{}');
END
$$;
COMMENT ON FUNCTION pgticket.queue_fields(jsonb) IS
	'The fields query parameter (fields=a,b and/or repeated fields=a&fields=b) as names; NULL for every field; PT400 for an unknown name';

/*
 * queue_list_query: what list_tickets reads, checked, in one call (new in
 * 1.1; C, extension/src/request.c): as PL/pgSQL, its ten expressions were
 * set up again in every transaction.
 */
CREATE TYPE pgticket.queue_list_query AS (
	customer_id_type text,
	customer_id_number text,
	page_offset	bigint,
	page_limit	bigint,
	fields		text[]
);
COMMENT ON TYPE pgticket.queue_list_query IS
	'The customer and paging parameters of a 002 list_tickets request, as pgticket.queue_list_query reads them';

CREATE FUNCTION pgticket.queue_list_query(request jsonb)
RETURNS pgticket.queue_list_query
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'pgticket_queue_list_query';
COMMENT ON FUNCTION pgticket.queue_list_query(jsonb) IS
	'The parameters of a 002 list_tickets request, checked in its order (seed 002, contract.md): customer_id_type and customer_id_number as pgticket.queue_arg reads them (pgticket.queue_check_customer_id''s PT400 when one is missing or the number is not 1-32 letters, digits or "-"; whether the type is configured is left to the list, which finds no customer otherwise), offset (0 or more, default 0; PT400 "The offset parameter must be a whole number, 0 or more"), limit (1 to 50, default 10; PT400 "The limit parameter must be a whole number from 1 to 50"), fields (pgticket.queue_fields when the query has it, else NULL: every field). Whole numbers in any JSON spelling; a parameter found as an array or object is PT400 naming it; 22004 for a NULL request';

/*
 * queue_label: the queue number as shown, with the service's prefix and at
 * least three digits ("C-042", "C-1042").
 */
CREATE FUNCTION pgticket.queue_label(prefix text, queue_number integer)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT prefix || '-' || CASE WHEN queue_number < 1000
		THEN lpad(queue_number::text, 3, '0') ELSE queue_number::text END
$$;
COMMENT ON FUNCTION pgticket.queue_label(text, integer) IS
	'A queue number with its service prefix, at least three digits: C-042';

/*
 * queue_ticket_json: one ticket as the API shows it, from its columns: a
 * compact object, keys in the order of queue_ticket_fields(), only those
 * fields names (NULL: all); number as queue_label, times as fmt_iso8601,
 * NULLs as null.  In C (extension/src/render.c): json_build_object and
 * to_char cost a 14-key ticket about 6 us, most of a short list's time.
 */
CREATE FUNCTION pgticket.queue_ticket_json(fields text[], id uuid,
	prefix text, queue_number integer, status text, channel text,
	branch text, sector text, service text, customer_id_type text,
	customer_id_number text, phone text, created_at timestamptz,
	called_at timestamptz, finished_at timestamptz, "position" bigint)
RETURNS json
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_queue_ticket_json';
COMMENT ON FUNCTION pgticket.queue_ticket_json(text[], uuid, text, integer,
	text, text, text, text, text, text, text, text, timestamptz, timestamptz,
	timestamptz, bigint) IS
	'A 002 ticket (contract.md 002, Ticket) as compact JSON from its columns: fields (names of queue_ticket_fields(); NULL: all; other names ignored), id, prefix and queue_number (number, as queue_label), status, channel, branch, sector, service, customer_id_type, customer_id_number, phone, created_at, called_at, finished_at (as fmt_iso8601), position; NULL values are null; raises 22008 only for a time out of range';

/*
 * queue_render: the tickets of these ids as a JSON array, in the order of
 * the ids, each with only the given fields (NULL: all), keys in the
 * order of queue_ticket_fields().  position is the number of waiting
 * tickets ahead in the same queue (a range of ticket_queue_waiting), NULL
 * once the ticket no longer waits.  PL/pgSQL, so that the session keeps
 * the statement's plan: a SQL function that cannot be inlined (this one
 * has a FROM list) is parsed and planned again on every call.
 */
CREATE FUNCTION pgticket.queue_render(ids bigint[], fields text[])
RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
BEGIN
	RETURN (SELECT coalesce(json_agg(queue_ticket_json(fields,
				t.uuid, q.prefix, q.queue_number, t.state, t.channel,
				q.branch, q.sector, q.service, c.id_type, c.id_number,
				q.phone, t.created_at, q.called_at, q.finished_at,
				CASE WHEN q.waiting THEN
					(SELECT count(*) FROM ticket_queue a
					 WHERE a.branch = q.branch AND a.sector = q.sector
						AND a.service = q.service AND a.day = q.day
						AND a.queue_number < q.queue_number AND a.waiting)
				END) ORDER BY f.n), '[]'::json)
		FROM unnest(ids) WITH ORDINALITY AS f(id, n)
		JOIN ticket t ON t.id = f.id
		JOIN ticket_queue q ON q.ticket_id = t.id
		JOIN customer c ON c.id = t.customer_id);
END
$$;
COMMENT ON FUNCTION pgticket.queue_render(bigint[], text[]) IS
	'002 tickets of these ticket ids as a JSON array in the order given, with the given fields only (NULL: every field)';

/*
 * queue_ticket: the live (not deleted) queue ticket of the API id ticket_id
 * (its uuid), optionally locked; PT400 for an id that is not a uuid, PT404
 * when there is none.
 */
CREATE FUNCTION pgticket.queue_ticket(request jsonb,
	for_update boolean DEFAULT false)
RETURNS pgticket.ticket
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_id	uuid := parse_uuid(queue_arg(request, 'ticket_id'));
	t		ticket;
BEGIN
	IF v_id IS NULL THEN
		PERFORM req_fail(400, 'The ticket_id parameter must be a ticket id');
	END IF;
	IF for_update THEN
		/* the queue row is read after the lock: a new snapshot */
		SELECT tk.* INTO t FROM ticket tk
		WHERE tk.uuid = v_id AND tk.workflow = 'queue'
		FOR UPDATE;
		IF NOT FOUND OR NOT EXISTS (SELECT FROM ticket_queue q
				WHERE q.ticket_id = t.id AND q.deleted_at IS NULL) THEN
			PERFORM req_fail(404, 'The ticket was not found');
		END IF;
	ELSE
		SELECT tk.* INTO t FROM ticket tk
		WHERE tk.uuid = v_id AND tk.workflow = 'queue'
			AND EXISTS (SELECT FROM ticket_queue q
				WHERE q.ticket_id = tk.id AND q.deleted_at IS NULL);
		IF NOT FOUND THEN
			PERFORM req_fail(404, 'The ticket was not found');
		END IF;
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION pgticket.queue_ticket(jsonb, boolean) IS
	'The queue ticket named by the ticket_id parameter (its uuid), not deleted, optionally locked FOR UPDATE; PT400 for a malformed id, PT404 when unknown or deleted';

/* ------------------------------------------------------------------ facades */

/*
 * GET /v1/tickets: the tickets of one customer, newest first.
 * customer_id_type and customer_id_number required; offset (default 0),
 * limit (1..50, default 10), fields.  404 when the customer is unknown or
 * has no tickets.
 */
CREATE FUNCTION api_queue.list_tickets(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	lq			queue_list_query;
	v_customer	bigint;
	v_data		text;
	r			http_response;
BEGIN
	/*
	 * The request, checked (queue_list_query): queue_check_customer_id
	 * runs only when it has something to refuse, a missing value or a
	 * malformed number; no customer found (the type may not be configured)
	 * is checked below.  A customer found has a configured type:
	 * customer.id_type references customer_id_type.  The customer is
	 * looked up by the page's statement; only when there is no page is it
	 * looked up alone.  Every refusal is a 400 without a body, so which
	 * check refuses first does not show.
	 */
	lq := queue_list_query(request);

	/*
	 * One statement finds the customer and renders the page (as
	 * queue_render does): a range of ticket_queue_customer, newest first,
	 * that stops after offset + limit live tickets, whatever else the
	 * customer has.  position only for the page's tickets.  string_agg
	 * takes the rows in the subquery's order (nothing between them joins
	 * or groups), which spares it a sort of its own; the tickets are
	 * compact already, so the array is too (http_json_raw).
	 */
	SELECT '[' || string_agg(queue_ticket_json(lq.fields, pg.uuid, pg.prefix,
			pg.queue_number, pg.state, pg.channel, pg.branch, pg.sector,
			pg.service, lq.customer_id_type, lq.customer_id_number, pg.phone,
			pg.created_at, pg.called_at, pg.finished_at,
			CASE WHEN pg.waiting THEN
				(SELECT count(*) FROM ticket_queue a
				 WHERE a.branch = pg.branch AND a.sector = pg.sector
					AND a.service = pg.service AND a.day = pg.day
					AND a.queue_number < pg.queue_number AND a.waiting)
			END)::text, ',') || ']'
	INTO v_data
	FROM (SELECT t.uuid, t.state, t.channel, t.created_at, q.prefix,
			q.branch, q.sector, q.service, q.day, q.queue_number,
			q.phone, q.called_at, q.finished_at, q.waiting
		FROM ticket t
		JOIN ticket_queue q ON q.ticket_id = t.id
		WHERE t.customer_id = (SELECT c.id FROM customer c
				WHERE c.id_type = lq.customer_id_type
					AND c.id_number = lq.customer_id_number)
			AND t.workflow = 'queue' AND q.deleted_at IS NULL
		ORDER BY t.created_at DESC, t.id DESC
		OFFSET lq.page_offset LIMIT lq.page_limit) pg;

	IF v_data IS NULL THEN
		/* an unknown customer: 400 when its type is not configured */
		SELECT c.id INTO v_customer FROM customer c
		WHERE c.id_type = lq.customer_id_type
			AND c.id_number = lq.customer_id_number;
		IF NOT FOUND THEN
			PERFORM queue_check_customer_id(lq.customer_id_type,
				lq.customer_id_number);
			RETURN http_empty(404);
		END IF;
		/* past the last page: 404 only when there is no ticket at all */
		PERFORM FROM ticket t JOIN ticket_queue q ON q.ticket_id = t.id
		WHERE t.customer_id = v_customer AND t.workflow = 'queue'
			AND q.deleted_at IS NULL;
		RETURN CASE WHEN FOUND THEN http_json(200, '[]'::json)
			ELSE http_empty(404) END;
	END IF;
	RETURN http_json_raw(200, v_data);
EXCEPTION WHEN OTHERS THEN
	r := queue_caught(SQLSTATE);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_queue.list_tickets(jsonb) IS
	'GET /v1/tickets (seed 002): a customer''s tickets, newest first; customer_id_type, customer_id_number required, offset, limit (1-50, default 10), fields; 200, 400, 404 (no tickets or unknown customer); errors have no body';

/*
 * POST /v1/tickets: form, multipart or JSON body with channel, branch_id,
 * sector_id, service_id (required, consistent with the configuration) and
 * phone; customer_id_type and customer_id_number from the query (both or
 * neither: a ticket without them gets a customer of its own).  The queue
 * number comes from pgticket.next_queue_number, taken last so its row lock
 * is held for as short a time as possible; a rollback gives it back.
 * random_page_cost = 1.1 (pages in memory): the service, and the foreign
 * keys to it, are found by its key; at the default 4 a few hundred
 * services are read whole, three times (-14 % of the call's
 * instructions).
 */
CREATE FUNCTION api_queue.create_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET random_page_cost = 1.1
AS $$
DECLARE
	v_channel	text;
	v_branch	text;
	v_sector	text;
	v_service	text;
	v_type		text;
	v_number	text;
	v_phone		text;
	v_customer	bigint;
	v_queue_no	integer;
	sv			service;
	t			ticket;
	q			ticket_queue;
	r			http_response;
BEGIN
	PERFORM queue_check_body(request);
	v_channel := queue_arg(request, 'channel');
	v_branch := queue_arg(request, 'branch_id');
	v_sector := queue_arg(request, 'sector_id');
	v_service := queue_arg(request, 'service_id');
	IF v_channel IS NULL THEN
		PERFORM req_fail(400, 'The channel parameter is required');
	ELSIF v_branch IS NULL THEN
		PERFORM req_fail(400, 'The branch_id parameter is required');
	ELSIF v_sector IS NULL THEN
		PERFORM req_fail(400, 'The sector_id parameter is required');
	ELSIF v_service IS NULL THEN
		PERFORM req_fail(400, 'The service_id parameter is required');
	END IF;
	v_type := queue_arg(request, 'customer_id_type');
	v_number := queue_arg(request, 'customer_id_number');
	IF v_type IS NOT NULL OR v_number IS NOT NULL THEN
		PERFORM queue_check_customer_id(v_type, v_number);
	END IF;
	v_phone := queue_arg(request, 'phone');
	IF v_phone IS NOT NULL THEN
		PERFORM queue_check_phone(v_phone);
	END IF;

	PERFORM FROM channel c WHERE c.code = v_channel;
	IF NOT FOUND THEN
		PERFORM req_fail(400, 'The channel parameter must be a configured channel');
	END IF;
	/* a service found is a branch and a sector found: they are its keys */
	SELECT * INTO sv FROM service s
	WHERE s.branch = v_branch AND s.sector = v_sector AND s.code = v_service;
	IF NOT FOUND THEN
		PERFORM FROM branch b WHERE b.code = v_branch;
		IF NOT FOUND THEN
			PERFORM req_fail(400, 'The branch_id parameter must be a configured branch');
		END IF;
		PERFORM FROM sector s WHERE s.branch = v_branch AND s.code = v_sector;
		IF NOT FOUND THEN
			PERFORM req_fail(400, 'The sector_id parameter must be a sector of the branch');
		END IF;
		PERFORM req_fail(400, 'The service_id parameter must be a service of the sector');
	END IF;

	/*
	 * a customer is created on their first ticket; looked up first, since
	 * an INSERT ... ON CONFLICT that finds the row costs 7 % of the call
	 */
	IF v_type IS NOT NULL THEN
		SELECT c.id INTO v_customer FROM customer c
		WHERE c.id_type = v_type AND c.id_number = v_number;
		IF NOT FOUND THEN
			INSERT INTO customer (name, id_type, id_number)
			VALUES (v_type || ' ' || v_number, v_type, v_number)
			ON CONFLICT (id_type, id_number) DO NOTHING
			RETURNING id INTO v_customer;
			IF v_customer IS NULL THEN
				SELECT c.id INTO STRICT v_customer FROM customer c
				WHERE c.id_type = v_type AND c.id_number = v_number;
			END IF;
		END IF;
	ELSE
		INSERT INTO customer (name) VALUES ('') RETURNING id INTO v_customer;
	END IF;

	t := create_ticket('queue', v_customer, sv.name, channel => v_channel);
	v_queue_no := next_queue_number(sv.branch, sv.sector, sv.code, current_date);
	INSERT INTO ticket_queue (ticket_id, branch, sector, service, day,
		queue_number, prefix, phone)
	VALUES (t.id, sv.branch, sv.sector, sv.code, current_date, v_queue_no,
		sv.prefix, v_phone)
	RETURNING * INTO q;

	/* rendered from what was written, as queue_render renders it */
	r := http_json_raw(201, queue_ticket_json(NULL, t.uuid, q.prefix,
		q.queue_number, t.state, t.channel, q.branch, q.sector, q.service,
		v_type, v_number, q.phone, t.created_at, q.called_at, q.finished_at,
		CASE WHEN q.waiting THEN
			(SELECT count(*) FROM ticket_queue a
			 WHERE a.branch = q.branch AND a.sector = q.sector
				AND a.service = q.service AND a.day = q.day
				AND a.queue_number < q.queue_number AND a.waiting)
		END)::text);
	r.headers := r.headers || jsonb_build_object('Location',
		'/v1/tickets/' || t.uuid);
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	r := queue_caught(SQLSTATE);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_queue.create_ticket(jsonb) IS
	'POST /v1/tickets (seed 002): take a number in a service''s queue; channel, branch_id, sector_id, service_id required, phone; customer_id_type, customer_id_number from the query; 201 with the ticket and its Location, 400; errors have no body';

/*
 * GET /v1/tickets/{ticket_id}: one ticket (fields as in the list).
 */
CREATE FUNCTION api_queue.get_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_id		uuid;
	v_fields	text[];
	v_doc		json;
	r			http_response;
BEGIN
	v_id := parse_uuid(queue_arg(request, 'ticket_id'));
	IF v_id IS NULL THEN
		PERFORM req_fail(400, 'The ticket_id parameter must be a ticket id');
	END IF;
	/*
	 * one statement: the live ticket (as queue_ticket), as queue_render;
	 * fields after it, so that an unknown ticket is a 404 whatever they say
	 */
	SELECT queue_ticket_json(NULL, t.uuid, q.prefix, q.queue_number,
		t.state, t.channel, q.branch, q.sector, q.service, c.id_type,
		c.id_number, q.phone, t.created_at, q.called_at, q.finished_at,
		CASE WHEN q.waiting THEN
			(SELECT count(*) FROM ticket_queue a
			 WHERE a.branch = q.branch AND a.sector = q.sector
				AND a.service = q.service AND a.day = q.day
				AND a.queue_number < q.queue_number AND a.waiting)
		END)
	INTO v_doc
	FROM ticket t
	JOIN ticket_queue q ON q.ticket_id = t.id
	JOIN customer c ON c.id = t.customer_id
	WHERE t.uuid = v_id AND t.workflow = 'queue' AND q.deleted_at IS NULL;
	IF NOT FOUND THEN
		PERFORM req_fail(404, 'The ticket was not found');
	END IF;
	IF request -> 'query' ? 'fields' THEN
		v_fields := queue_fields(request);
		IF v_fields IS NOT NULL THEN
			v_doc := (SELECT json_object_agg(e.key, e.value ORDER BY e.n)
				FROM json_each(v_doc) WITH ORDINALITY AS e(key, value, n)
				WHERE e.key = ANY (v_fields));
		END IF;
	END IF;
	RETURN http_json(200, v_doc);
EXCEPTION WHEN OTHERS THEN
	r := queue_caught(SQLSTATE);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_queue.get_ticket(jsonb) IS
	'GET /v1/tickets/{ticket_id} (seed 002): one ticket, fields; 200, 400 (malformed id, unknown field), 404 (unknown or deleted); errors have no body';

/*
 * PUT /v1/tickets/{ticket_id}: status and/or phone (form, multipart or
 * JSON).  A status is a state of the queue workflow, reached by one of its
 * transitions (else 400); the ticket's own status again changes nothing.
 */
CREATE FUNCTION api_queue.update_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_status	text;
	v_phone		text;
	t			ticket;
	r			http_response;
BEGIN
	PERFORM queue_check_body(request);
	v_status := queue_arg(request, 'status');
	v_phone := queue_arg(request, 'phone');
	IF v_status IS NULL AND v_phone IS NULL THEN
		PERFORM req_fail(400, 'The status or the phone parameter is required');
	END IF;
	IF v_status IS NOT NULL THEN
		PERFORM FROM workflow_state s
		WHERE s.workflow = 'queue' AND s.state = v_status;
		IF NOT FOUND THEN
			PERFORM req_fail(400, 'The status parameter must be a ticket status');
		END IF;
	END IF;
	IF v_phone IS NOT NULL THEN
		PERFORM queue_check_phone(v_phone);
	END IF;

	/* locked first: of two racing changes, the second sees the first's */
	t := queue_ticket(request, for_update => true);
	IF v_status IS NOT NULL AND v_status <> t.state THEN
		t := transition(t.id, v_status, reason => 'changed through the queue API',
			expected_state => t.state);
	END IF;
	IF v_phone IS NOT NULL THEN
		UPDATE ticket_queue q SET phone = v_phone WHERE q.ticket_id = t.id;
		UPDATE ticket tk SET updated_at = greatest(now(), tk.updated_at)
		WHERE tk.id = t.id;
	END IF;
	RETURN http_empty(204);
EXCEPTION WHEN OTHERS THEN
	r := queue_caught(SQLSTATE);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_queue.update_ticket(jsonb) IS
	'PUT /v1/tickets/{ticket_id} (seed 002): change status (by a transition of the queue workflow) and/or phone; 204, 400 (neither, bad value, move the workflow refuses), 404; errors have no body';

/*
 * DELETE /v1/tickets/{ticket_id}: cancel the ticket and hide it from the
 * API.  A ticket already in a cancelled-category state (cancelled,
 * no_show) is only hidden; one the workflow cannot cancel (attending,
 * finished) is a 400.  The ticket and its history stay.
 */
CREATE FUNCTION api_queue.delete_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	t			ticket;
	r			http_response;
BEGIN
	PERFORM queue_check_body(request);
	t := queue_ticket(request, for_update => true);
	PERFORM FROM workflow_state s
	WHERE s.workflow = t.workflow AND s.state = t.state
		AND s.category = 'cancelled';
	IF NOT FOUND THEN
		PERFORM transition(t.id, 'cancelled',
			reason => 'deleted through the queue API', expected_state => t.state);
	END IF;
	UPDATE ticket_queue q SET deleted_at = now() WHERE q.ticket_id = t.id;
	RETURN http_empty(204);
EXCEPTION WHEN OTHERS THEN
	r := queue_caught(SQLSTATE);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_queue.delete_ticket(jsonb) IS
	'DELETE /v1/tickets/{ticket_id} (seed 002): cancel the ticket (queue workflow) and hide it from the API, history kept; 204, 400 (a ticket the workflow cannot cancel), 404; errors have no body';
