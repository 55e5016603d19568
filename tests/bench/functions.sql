-- make bench: what each run (re)creates in the bench schema of the bench
-- database (generate.sql made the schema and the data): the pools of fresh
-- tickets the transition endpoints consume, the one-row lookups the module
-- and pgbench both call, the check of the read facades on generated ids.

/*
 * Pools of fresh tickets for the endpoints that consume them: 'ws' pending
 * workshop tickets (start-service), 'hd' new helpdesk tickets (close).
 * Each kind has ordinals of its own, above the generated ones (workshop
 * from N + 1, helpdesk from 500,000,001: numbers 10,000,000 + g and
 * 1,000,000 + g stay below the sequences' 1,000,000,000).  bench.pool
 * holds the range [lo, hi) not handed out yet or not consumed.
 */
CREATE TABLE IF NOT EXISTS bench.pool (
	kind		text PRIMARY KEY,
	lo			bigint NOT NULL,
	hi			bigint NOT NULL
);

/*
 * make_pool: the tickets of ordinals lo .. lo + cnt - 1, each with what a
 * real one has (vehicle; helpdesk row and first message; history).
 */
CREATE OR REPLACE FUNCTION bench.make_pool(kind text, lo bigint, cnt bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	cf		bench.config;
BEGIN
	SELECT * INTO cf FROM bench.config;
	CREATE TEMP TABLE pt ON COMMIT DROP AS
	SELECT g, nextval(pg_get_serial_sequence('pgticket.ticket', 'id')) AS id,
		cf.cid0 + bench.some_customer(random(), cf.customers) AS customer_id,
		now() - interval '1 minute' * random() AS created_at
	FROM generate_series(lo, lo + cnt - 1) g;

	INSERT INTO ticket (id, uuid, number, workflow, state, customer_id, type,
		priority, subject, description, channel, due_at, created_at,
		updated_at)
	OVERRIDING SYSTEM VALUE
	SELECT id,
		CASE kind WHEN 'ws' THEN bench.uuid_of(g) ELSE gen_random_uuid() END,
		CASE kind WHEN 'ws' THEN 10000000 + g ELSE 1000000 + g END,
		CASE kind WHEN 'ws' THEN 'workshop' ELSE 'helpdesk' END,
		CASE kind WHEN 'ws' THEN 'pending' ELSE 'new' END,
		customer_id,
		CASE kind WHEN 'hd' THEN 'Technical' END,
		'medium',
		CASE kind WHEN 'ws' THEN 'Vehicle service' ELSE 'Technical problem, ticket ' || g END,
		CASE kind WHEN 'ws' THEN '' ELSE 'Pooled ticket ' || g || ': it stopped working.' END,
		CASE kind WHEN 'hd' THEN 'helpdesk' END,
		created_at + interval '12 hours', created_at, created_at
	FROM pt;

	IF kind = 'ws' THEN
		INSERT INTO ticket_vehicle (ticket_id, vehicle_model_id, vin, connection_id)
		SELECT id, 1 + g % 500, 'WVWZZZ1K' || lpad(g::text, 9, '0'),
			gen_random_uuid()
		FROM pt;
	ELSE
		INSERT INTO ticket_helpdesk (ticket_id, group_name)
		SELECT id, 'Technical' FROM pt;
		INSERT INTO message (ticket_id, created_at, author_kind, customer_id,
			author_name, body)
		SELECT id, created_at, 'customer', customer_id,
			'Customer ' || (customer_id - cf.cid0),
			'Pooled ticket ' || g || ': it stopped working.'
		FROM pt;
	END IF;
	INSERT INTO ticket_history (ticket_id, at, actor_kind, actor_customer_id,
		transition, to_state)
	SELECT id, created_at, 'customer', customer_id, 'create',
		CASE kind WHEN 'ws' THEN 'pending' ELSE 'new' END
	FROM pt;
	DROP TABLE pt;
END
$$;

/*
 * pool_take: the first ordinal of cnt consecutive fresh tickets of a kind.
 * The tickets a run left unconsumed serve the next one: the range starts
 * after the last ticket consumed so far, and grows by what is missing.
 */
CREATE OR REPLACE FUNCTION bench.pool_take(kind text, cnt bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	p		bench.pool;
	v_wf	text := CASE kind WHEN 'ws' THEN 'workshop' ELSE 'helpdesk' END;
	v_fresh	text := CASE kind WHEN 'ws' THEN 'pending' ELSE 'new' END;
	v_base	bigint := CASE kind WHEN 'ws' THEN 10000000 ELSE 1000000 END;
	v_used	bigint;
BEGIN
	SELECT * INTO p FROM bench.pool WHERE pool.kind = pool_take.kind FOR UPDATE;
	IF NOT FOUND THEN
		p.kind := kind;
		p.lo := CASE kind WHEN 'ws' THEN (SELECT tickets FROM bench.config) + 1
			ELSE 500000001 END;
		p.hi := p.lo;
		INSERT INTO bench.pool VALUES (p.*);
	END IF;
	SELECT max(number) - v_base INTO v_used FROM ticket
	WHERE workflow = v_wf AND number >= v_base + p.lo
		AND number < v_base + p.hi AND state <> v_fresh;
	p.lo := coalesce(v_used + 1, p.lo);
	IF p.hi - p.lo < cnt THEN
		PERFORM bench.make_pool(kind, p.hi, cnt - (p.hi - p.lo));
		p.hi := p.lo + cnt;
	END IF;
	UPDATE bench.pool SET lo = p.lo, hi = p.hi WHERE pool.kind = p.kind;
	RETURN p.lo;
END
$$;

/*
 * settle: what the create endpoints made since the last call is dealt
 * with, as staff would, so that the backlog the reads see stays the
 * generated one: raised helpdesk tickets are closed, queue tickets served.
 * A direct UPDATE (with history rows), not the API: it runs between
 * measurements and must be quick.  API numbers start at 1,000,000,000.
 */
CREATE TABLE IF NOT EXISTS bench.settled (
	workflow	text PRIMARY KEY,
	number		bigint NOT NULL
);

CREATE OR REPLACE FUNCTION bench.settle() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	v_from	bigint;
	v_rows	bigint := 0;
	n		bigint;
	w		text;
BEGIN
	FOREACH w IN ARRAY ARRAY['helpdesk', 'queue'] LOOP
		SELECT number INTO v_from FROM bench.settled WHERE workflow = w;
		v_from := coalesce(v_from, 1000000000);
		CREATE TEMP TABLE st ON COMMIT DROP AS
		SELECT id, number, state FROM ticket
		WHERE workflow = w AND number > v_from
			AND state IN ('new', 'waiting', 'called', 'attending');
		UPDATE ticket t
		SET state = CASE w WHEN 'helpdesk' THEN 'closed' ELSE 'finished' END,
			closed_at = now(), updated_at = greatest(now(), t.created_at)
		FROM st WHERE t.id = st.id;
		GET DIAGNOSTICS n = ROW_COUNT;
		v_rows := v_rows + n;
		INSERT INTO ticket_history (ticket_id, actor_kind, transition,
			from_state, to_state, reason)
		SELECT st.id, 'system',
			CASE w WHEN 'helpdesk' THEN 'close' ELSE 'finish' END, st.state,
			CASE w WHEN 'helpdesk' THEN 'closed' ELSE 'finished' END,
			'settled by make bench'
		FROM st;
		INSERT INTO bench.settled
		SELECT w, coalesce(max(number), v_from) FROM ticket
		WHERE workflow = w AND number > v_from
		ON CONFLICT (workflow) DO UPDATE SET number = excluded.number;
		DROP TABLE st;
	END LOOP;
	RETURN v_rows;
END
$$;

/*
 * The one-row lookup: what the module and pgbench cost around the
 * cheapest useful SQL call (issue 11).  Called like a facade, with the
 * request document; path parameter id is a ticket id.
 */
CREATE OR REPLACE FUNCTION bench.lookup(request jsonb) RETURNS pgticket.http_response
LANGUAGE sql STABLE SECURITY DEFINER
AS $$
	SELECT 200, '{"Content-Type": "application/json"}'::jsonb,
		row_to_json(t)::text
	FROM pgticket.ticket t
	WHERE t.id = (request -> 'params' ->> 'id')::bigint
$$;

/*
 * The same lookup in PL/pgSQL.  On PostgreSQL 15 a SQL function that is
 * not inlined (SECURITY DEFINER never is) parses and plans its body on
 * every call; PL/pgSQL keeps the plan for the session.  The difference is
 * what any SQL-language facade or helper pays per call.
 */
CREATE OR REPLACE FUNCTION bench.lookup_pl(request jsonb) RETURNS pgticket.http_response
LANGUAGE plpgsql STABLE SECURITY DEFINER
AS $$
DECLARE
	r pgticket.http_response;
BEGIN
	SELECT 200, '{"Content-Type": "application/json"}'::jsonb,
		row_to_json(t)::text
	INTO r
	FROM pgticket.ticket t
	WHERE t.id = (request -> 'params' ->> 'id')::bigint;
	RETURN r;
END
$$;

GRANT USAGE ON SCHEMA bench TO pgticket_web;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA bench FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bench.lookup(jsonb), bench.lookup_pl(jsonb)
	TO pgticket_web;

/*
 * check: call every read facade on ids the load scripts would pick (as
 * the superuser, like pgbench) and count the answers that are not 2xx.
 */
CREATE OR REPLACE FUNCTION bench.doc(params jsonb, query jsonb DEFAULT '{}',
	headers jsonb DEFAULT '{}')
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
	SELECT jsonb_build_object('method', 'GET', 'params', params,
		'query', query, 'headers', headers, 'body', NULL,
		'body_type', 'none', 'remote_addr', '127.0.0.1')
$$;

/* what the shipped api-helpdesk.conf adds for a client on loopback */
CREATE OR REPLACE FUNCTION bench.admin_door()
RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
	SELECT '{"nginx": {"audience": "admin"}}'::jsonb
$$;

CREATE OR REPLACE FUNCTION bench.check(samples integer DEFAULT 50)
RETURNS TABLE (endpoint text, calls bigint, not_2xx bigint, example text)
LANGUAGE plpgsql
AS $$
DECLARE
	cf		bench.config;
BEGIN
	SELECT * INTO cf FROM bench.config;
	RETURN QUERY
	WITH picks AS (
		SELECT i,
			20 * (1 + floor(random() * ((cf.tickets - 8) / 20)))::bigint
				+ floor(random() * 9)::bigint AS g_hd,
			20 * (1 + floor(random() * ((cf.tickets - 14) / 20)))::bigint
				+ 9 + floor(random() * 6)::bigint AS g_q,
			20 * (floor(0.9 * cf.tickets)::bigint / 20 + 1
				+ floor(random() * ((cf.tickets - 17) / 20
					- floor(0.9 * cf.tickets)::bigint / 20)))::bigint
				+ 15 + floor(random() * 3)::bigint AS g_ws,
			1 + floor(random() * cf.customers)::bigint AS k,
			1 + floor(random() * least(cf.customers, 5000))::integer AS tok
		FROM generate_series(1, samples) i
	), calls AS (
		SELECT 'hd-details' AS ep, r.*
		FROM picks, LATERAL api_helpdesk.get_ticket_details(bench.doc(
			jsonb_build_object('ticketId', (1000000 + g_hd)::text))
			|| bench.admin_door()) r
		UNION ALL
		SELECT 'hd-list', r.*
		FROM picks, LATERAL api_helpdesk.get_tickets(bench.doc(
			jsonb_build_object('userId', (1000000 + k)::text,
				'status', 'unresolved'))) r
		UNION ALL
		SELECT 'q-get', r.*
		FROM picks, LATERAL api_queue.get_ticket(bench.doc(
			jsonb_build_object('ticket_id', bench.uuid_of(g_q)::text))) r
		UNION ALL
		SELECT 'q-list', r.*
		FROM picks, LATERAL api_queue.list_tickets(bench.doc('{}',
			jsonb_build_object('customer_id_type', 'DNI',
				'customer_id_number', (50000000 + k)::text))) r
		UNION ALL
		SELECT 'ws-get', r.*
		FROM picks, LATERAL api_workshop.get_pending_ticket(bench.doc(
			jsonb_build_object('id', bench.uuid_of(g_ws)::text), '{}',
			'{"x-api-key": "demo-workshop-key"}')) r
		UNION ALL
		SELECT 'crm-details', r.*
		FROM picks JOIN bench.crm_token t ON t.i = picks.tok,
		LATERAL api_crm.ticket_details(bench.doc('{}', '{}',
			jsonb_build_object('token', t.token, 'correlationid', 'bench',
				'source', 'bench', 'srdate', '01-01-2030',
				'operation', 'ticketDetail', 'destination', 'crm'))) r
		UNION ALL
		SELECT 'lookup', r.*
		FROM picks, LATERAL bench.lookup(bench.doc(
			jsonb_build_object('id', (cf.id0 + g_hd)::text))) r
	)
	SELECT c.ep, count(*),
		count(*) FILTER (WHERE c.status NOT BETWEEN 200 AND 299),
		min(c.status || ' ' || left(c.body, 200))
			FILTER (WHERE c.status NOT BETWEEN 200 AND 299)
	FROM calls c GROUP BY c.ep ORDER BY c.ep;
END
$$;

/*
 * check_writes: the other facades on generated rows (run.sh calls it in a
 * transaction it rolls back): every change an API offers on the tickets it
 * reads, and the lists and views the load does not use.  Counts the
 * answers that are not 2xx.
 */
CREATE OR REPLACE FUNCTION bench.check_writes(samples integer DEFAULT 20)
RETURNS TABLE (endpoint text, calls bigint, not_2xx bigint, example text)
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	cf		bench.config;
	v_secret text := (SELECT value FROM setting WHERE name = 'token_secret');
BEGIN
	SELECT * INTO cf FROM bench.config;
	CREATE TEMP TABLE cw (ep text, status integer, body text) ON COMMIT DROP;

	/* 004: a user's view, messages both ways, assign, reopen, rating */
	INSERT INTO cw SELECT 'hd-details-user', r.status, r.body
	FROM (SELECT t.number, c.helpdesk_user_id FROM ticket t
		  JOIN customer c ON c.id = t.customer_id
		  WHERE t.id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND t.workflow = 'helpdesk'
		  ORDER BY random() LIMIT samples) x,
	LATERAL api_helpdesk.get_ticket_details(bench.doc(jsonb_build_object(
		'ticketId', x.number::text, 'userId', x.helpdesk_user_id::text))) r;
	INSERT INTO cw SELECT 'hd-send-message', r.status, r.body
	FROM (SELECT number, i FROM ticket, generate_series(0, 1) i
		  WHERE id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND workflow = 'helpdesk' AND state IN ('new', 'open')
		  ORDER BY random() LIMIT samples) x,
	LATERAL api_helpdesk.send_message(jsonb_build_object('method', 'POST',
		'body_type', 'json', 'body', jsonb_build_object('ticketId', x.number::text,
			'ticketMessage', 'A reply.', 'sender', CASE x.i WHEN 0 THEN 'admin' ELSE 'user' END,
			'sender_name', 'admin1@bench.example', 'showToUser', 'true'))
		|| bench.admin_door()) r;
	INSERT INTO cw SELECT 'hd-assign', r.status, r.body
	FROM (SELECT number FROM ticket
		  WHERE id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND workflow = 'helpdesk' AND state IN ('new', 'open', 'on_hold')
		  ORDER BY random() LIMIT samples) x,
	LATERAL api_helpdesk.assign_ticket_to_admin(jsonb_build_object('method', 'POST',
		'body_type', 'json', 'body', jsonb_build_object('ticketId', x.number::text,
			'admin', 'admin2@bench.example')) || bench.admin_door()) r;
	INSERT INTO cw SELECT 'hd-reopen', r.status, r.body
	FROM (SELECT t.number, c.helpdesk_user_id FROM ticket t
		  JOIN customer c ON c.id = t.customer_id
		  WHERE t.id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND t.workflow = 'helpdesk' AND t.state = 'closed'
		  ORDER BY random() LIMIT samples) x,
	LATERAL api_helpdesk.reopen_ticket(jsonb_build_object('method', 'POST',
		'body_type', 'json', 'body', jsonb_build_object('ticketId', x.number::text,
			'userId', x.helpdesk_user_id::text, 'comments', 'Not fixed.'))) r;
	INSERT INTO cw SELECT 'hd-rating', r.status, r.body
	FROM (SELECT t.number, c.helpdesk_user_id FROM ticket t
		  JOIN customer c ON c.id = t.customer_id
		  WHERE t.id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND t.workflow = 'helpdesk' AND t.state = 'resolved'
		  ORDER BY random() LIMIT samples) x,
	LATERAL api_helpdesk.ticket_rating(jsonb_build_object('method', 'POST',
		'body_type', 'json', 'body', jsonb_build_object('ticketId', x.number::text,
			'userId', x.helpdesk_user_id::text, 'ratingValue', '4'))) r;
	INSERT INTO cw SELECT 'hd-list-admin', r.status, r.body
	FROM generate_series(1, 3) i,
	LATERAL api_helpdesk.get_tickets(bench.doc(jsonb_build_object('userId', '0',
		'status', 'onhold', 'assigned_admin', 'admin' || i || '@bench.example',
		'fromDate', to_char(now() - interval '3 days', 'DD-MM-YYYY')))
		|| bench.admin_door()) r;

	/* 001: a comment on a generated CRM ticket, with its contact's token */
	INSERT INTO cw SELECT 'crm-comment', r.status, r.body
	FROM (SELECT t.number, c.crm_contact_id FROM ticket t
		  JOIN ticket_crm x ON x.ticket_id = t.id
		  JOIN customer c ON c.id = t.customer_id
		  WHERE t.id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
		  ORDER BY random() LIMIT samples) x,
	LATERAL api_crm.add_comment(jsonb_build_object('method', 'POST',
		'body_type', 'json', 'headers', jsonb_build_object(
			'token', jwt_sign(jsonb_build_object('sub', x.crm_contact_id::text), v_secret),
			'correlationid', 'bench', 'source', 'bench', 'srdate', '01-01-2030',
			'operation', 'addTicketComment', 'destination', 'crm'),
		'body', jsonb_build_object('ticketNo', 'TT' || x.number,
			'comment', 'Any news?', 'contactId', '12x' || x.crm_contact_id))) r;

	/* 002: phone and status changes, and a delete of a waiting ticket */
	INSERT INTO cw SELECT 'q-update-phone', r.status, r.body
	FROM generate_series(1, samples) i,
	LATERAL api_queue.update_ticket(jsonb_build_object('method', 'PUT',
		'params', jsonb_build_object('ticket_id', bench.uuid_of(
			20 * (1 + floor(random() * ((cf.tickets - 14) / 20)))::bigint + 9
			+ floor(random() * 6)::bigint)::text),
		'body_type', 'form', 'body', '{"phone": "+34 600 111 222"}'::jsonb)) r;
	INSERT INTO cw SELECT 'q-update-status', r.status, r.body
	FROM (SELECT t.uuid FROM ticket t JOIN ticket_queue q ON q.ticket_id = t.id
		  WHERE t.id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND q.waiting LIMIT samples) x,
	LATERAL api_queue.update_ticket(jsonb_build_object('method', 'PUT',
		'params', jsonb_build_object('ticket_id', x.uuid::text),
		'body_type', 'form', 'body', '{"status": "called"}'::jsonb)) r;
	INSERT INTO cw SELECT 'q-delete', r.status, r.body
	FROM (SELECT t.uuid FROM ticket t JOIN ticket_queue q ON q.ticket_id = t.id
		  WHERE t.id BETWEEN cf.id0 + 1 AND cf.id0 + cf.tickets
			AND t.state = 'called' LIMIT samples) x,
	LATERAL api_queue.delete_ticket(jsonb_build_object('method', 'DELETE',
		'params', jsonb_build_object('ticket_id', x.uuid::text),
		'body_type', 'none')) r;

	/* 003: the pending list (whole, by number, by VIN), in-progress tickets */
	INSERT INTO cw SELECT 'ws-list' || i, r.status, r.body
	FROM generate_series(1, 3) i,
	LATERAL (SELECT 20 * (floor(0.9 * cf.tickets)::bigint / 20 + 1) + 15 AS g) p,
	LATERAL api_workshop.list_pending_tickets(bench.doc('{}',
		CASE i WHEN 1 THEN '{"limit": "50", "offset": "100"}'::jsonb
			WHEN 2 THEN jsonb_build_object('ticket_number', (10000000 + p.g)::text)
			ELSE jsonb_build_object('vin', 'WVWZZZ1K' || lpad(p.g::text, 9, '0')) END,
		'{"x-api-key": "demo-workshop-key"}')) r;
	INSERT INTO cw SELECT 'ws-get-in-progress', r.status, r.body
	FROM generate_series(1, samples) i,
	LATERAL (SELECT 20 * (floor(0.85 * cf.tickets)::bigint / 20 + 1
		+ floor(random() * (floor(0.05 * cf.tickets)::bigint / 20 - 1)))::bigint
		+ 15 + floor(random() * 3)::bigint AS g) p,
	LATERAL api_workshop.get_in_progress_ticket(bench.doc(
		jsonb_build_object('id', bench.uuid_of(p.g)::text), '{}',
		'{"x-api-key": "demo-workshop-key"}')) r;

	RETURN QUERY
	SELECT c.ep, count(*),
		count(*) FILTER (WHERE c.status NOT BETWEEN 200 AND 299),
		min(c.status || ' ' || left(c.body, 200))
			FILTER (WHERE c.status NOT BETWEEN 200 AND 299)
	FROM cw c GROUP BY c.ep ORDER BY c.ep;
END
$$;
