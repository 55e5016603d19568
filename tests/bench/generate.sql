-- make bench: the data generator, in the bench's own schema of the bench
-- database (never in the extension), with the CRM tokens the load scripts
-- send.  Loaded by tests/bench/run.sh as the superuser when it generates
-- the data; functions.sql holds what each run (re)creates.
--
-- Every generated identifier an API reads is a function of a ticket
-- ordinal g (1..N) or a customer ordinal k (1..N/10), so the load scripts
-- (wrk.lua) and the pgbench scripts build valid requests without asking the
-- database:
--
--   workflow by g % 20   0-5 helpdesk (004), 6-8 CRM (001: helpdesk
--                        workflow with a ticket_crm row), 9-14 queue (002),
--                        15-17 workshop (003), 18-19 resume (000)
--   ticket id            id0 + g
--   ticket number        1,000,000 + g (10,000,000 + g for workshop)
--   ticket uuid          bench.uuid_of(g) for queue and workshop tickets
--   workshop state       pending for g > 0.9 N, in progress above 0.85 N
--   customer k           helpdesk userId 1,000,000 + k, CRM contact
--                        2,000,000 + k, queue DNI 50,000,000 + k, resume
--                        customerId 300,000,000,000 + k (cut off when
--                        k % 10 = 0); every customer has a queue ticket
--   operator i           uuid bench.operator_uuid(i), i in 1..50
--
-- Numbers the APIs hand out from their sequences start at 1,000,000,000,
-- above every generated and pooled ticket.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
COMMENT ON SCHEMA bench IS 'make bench: data generator, ticket pools, reference lookup';

CREATE TABLE bench.config (
	tickets		bigint NOT NULL,	-- N
	customers	bigint NOT NULL,	-- C = N / 10
	id0			bigint NOT NULL,	-- ticket id = id0 + g
	cid0		bigint NOT NULL,	-- customer id = cid0 + k
	branches	integer NOT NULL,	-- BR001.., three services each
	queue_per_day integer NOT NULL,	-- queue tickets a day, all services
	queue_days	integer NOT NULL,	-- days of queue history up to today
	queue_skip	integer NOT NULL,	-- first day's missing tickets: today is full
	resume_client bigint NOT NULL,	-- api_client id of ocsuser
	admins		bigint[] NOT NULL,
	operators	bigint[] NOT NULL,
	agents		bigint[] NOT NULL
);

CREATE FUNCTION bench.uuid_of(g bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (lpad(to_hex(g), 8, '0') || '-be0c-4000-8000-000000000000')::uuid $$;

CREATE FUNCTION bench.operator_uuid(i integer) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (lpad(to_hex(i), 8, '0') || '-0be0-4000-8000-000000000000')::uuid $$;

-- the kind of ticket ordinal g
CREATE FUNCTION bench.kind(g bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN g % 20 < 6 THEN 'hd' WHEN g % 20 < 9 THEN 'crm'
		WHEN g % 20 < 15 THEN 'queue' WHEN g % 20 < 18 THEN 'ws'
		ELSE 'resume' END
$$;

-- a customer ordinal, skewed: a fifth of the tickets go to 1 % of the
-- customers (businesses), the rest uniformly
CREATE FUNCTION bench.some_customer(r double precision, c bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT least(c, CASE WHEN r < 0.2
		THEN 1 + floor(r / 0.2 * greatest(c / 100, 1))
		ELSE 1 + floor((r - 0.2) / 0.8 * c) END::bigint)
$$;

/*
 * The history each final state implies: the transitions a ticket took to
 * get there, in order.  'assign' rows are left out for tickets nobody is
 * assigned to.
 */
CREATE TABLE bench.path (
	workflow	text NOT NULL,
	state		text NOT NULL,
	step		integer NOT NULL,
	transition	text NOT NULL,
	from_state	text,
	to_state	text NOT NULL,
	steps		integer NOT NULL,	-- of the whole path
	PRIMARY KEY (workflow, state, step)
);
INSERT INTO bench.path
SELECT w, s, n, p[1], nullif(p[2], ''), p[3], array_length(a, 1)
FROM (VALUES
	('helpdesk', 'new', '{{create,"",new}}'::text[]),
	('helpdesk', 'open', '{{create,"",new},{assign,new,new},{open,new,open}}'),
	('helpdesk', 'on_hold', '{{create,"",new},{assign,new,new},{open,new,open},{hold,open,on_hold}}'),
	('helpdesk', 'resolved', '{{create,"",new},{assign,new,new},{open,new,open},{resolve,open,resolved}}'),
	('helpdesk', 'closed', '{{create,"",new},{assign,new,new},{open,new,open},{resolve,open,resolved},{close,resolved,closed}}'),
	('queue', 'waiting', '{{create,"",waiting}}'),
	('queue', 'called', '{{create,"",waiting},{call,waiting,called}}'),
	('queue', 'attending', '{{create,"",waiting},{call,waiting,called},{attend,called,attending}}'),
	('queue', 'finished', '{{create,"",waiting},{call,waiting,called},{attend,called,attending},{finish,attending,finished}}'),
	('queue', 'no_show', '{{create,"",waiting},{call,waiting,called},{no-show,called,no_show}}'),
	('queue', 'cancelled', '{{create,"",waiting},{cancel,waiting,cancelled}}'),
	('workshop', 'pending', '{{create,"",pending}}'),
	('workshop', 'in_progress', '{{create,"",pending},{start-service,pending,in_progress}}'),
	('workshop', 'done', '{{create,"",pending},{start-service,pending,in_progress},{finish,in_progress,done}}'),
	('workshop', 'cancelled', '{{create,"",pending},{cancel,pending,cancelled}}'),
	('resume', 'scheduled', '{{create,"",scheduled}}'),
	('resume', 'dispatched', '{{create,"",scheduled},{dispatch,scheduled,dispatched}}'),
	('resume', 'done', '{{create,"",scheduled},{dispatch,scheduled,dispatched},{complete,dispatched,done}}'),
	('resume', 'cancelled', '{{create,"",scheduled},{cancel,scheduled,cancelled}}')
) AS v(w, s, a),
LATERAL (SELECT n, ARRAY[a[n][1], a[n][2], a[n][3]] AS p
		 FROM generate_subscripts(a, 1) n) x;

CREATE TABLE bench.service_list (
	i			integer PRIMARY KEY,
	branch		text NOT NULL,
	sector		text NOT NULL,
	code		text NOT NULL,
	name		text NOT NULL,
	prefix		text NOT NULL
);

CREATE TABLE bench.crm_token (
	i			integer PRIMARY KEY,
	contact		bigint NOT NULL,
	token		text NOT NULL
);

/*
 * gen_base: catalogues, staff, customers and CRM tokens for n tickets.
 * Runs once, before the ticket chunks.
 */
CREATE FUNCTION bench.gen_base(n bigint) RETURNS void
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	c		bigint := greatest(n / 10, 10);
	nb		integer := 100;
	v_cid0	bigint;
	v_id0	bigint;
	v_nq	bigint;
	v_qpd	integer;
BEGIN
	/* helpdesk ticket types beside the demo's Payment and Technical */
	INSERT INTO issue_type (scope, name, group_name, position) VALUES
		('helpdesk', 'Account', 'Account', 3),
		('helpdesk', 'Delivery', 'Delivery', 4)
	ON CONFLICT DO NOTHING;

	/* 100 branches, two sectors, three services: 300 daily queues */
	INSERT INTO branch (code, name)
	SELECT 'BR' || lpad(b::text, 3, '0'), 'Branch ' || b
	FROM generate_series(1, nb) b;
	INSERT INTO sector (branch, code, name)
	SELECT 'BR' || lpad(b::text, 3, '0'), v.s, v.nm
	FROM generate_series(1, nb) b,
		(VALUES ('S1', 'Cashier'), ('S2', 'Advisors')) v(s, nm);
	INSERT INTO service (branch, sector, code, name, prefix)
	SELECT 'BR' || lpad(b::text, 3, '0'), v.s, v.sv, v.nm, v.p
	FROM generate_series(1, nb) b,
		(VALUES ('S1', 'SV1', 'Deposits', 'C'), ('S1', 'SV2', 'Withdrawals', 'W'),
				('S2', 'SV3', 'Loans', 'L')) v(s, sv, nm, p);
	INSERT INTO bench.service_list
	SELECT row_number() OVER (ORDER BY branch, sector, code), branch, sector,
		code, name, prefix
	FROM service WHERE branch LIKE 'BR%';

	/* staff: helpdesk admins, workshop operators, CRM agents */
	INSERT INTO staff (username, name, email, role)
	SELECT 'admin' || i || '@bench.example', 'Admin ' || i,
		'admin' || i || '@bench.example', 'admin'
	FROM generate_series(1, 50) i;
	INSERT INTO staff (uuid, username, name, role, is_operator)
	SELECT bench.operator_uuid(i), 'operator' || i, 'Operator ' || i,
		'operator', true
	FROM generate_series(1, 50) i;
	INSERT INTO staff (username, name, role, crm_user_id)
	SELECT 'agent' || i, 'Agent ' || i, 'agent', 5000 + i
	FROM generate_series(1, 20) i;

	/* customers, each known to every API */
	SELECT coalesce(max(id), 0) INTO v_cid0 FROM customer;
	INSERT INTO customer (id, name, email, phone, account, helpdesk_user_id,
		resume_customer_id, cut_off, crm_contact_id, id_type, id_number,
		created_at)
	OVERRIDING SYSTEM VALUE
	SELECT v_cid0 + k, 'Customer ' || k, 'customer' || k || '@bench.example',
		'+34 6' || lpad((k % 100000000)::text, 8, '0'), 'jazenetworks',
		1000000 + k, 300000000000 + k, k % 10 = 0, 2000000 + k,
		'DNI', (50000000 + k)::text,
		now() - interval '3 years' * (1 - k::float8 / c)
	FROM generate_series(1, c) k;
	PERFORM setval(pg_get_serial_sequence('pgticket.customer', 'id'),
		v_cid0 + c);

	/* tokens of 5,000 contacts (or all) for the CRM load */
	INSERT INTO bench.crm_token (i, contact, token)
	SELECT i, 2000000 + k, jwt_sign(jsonb_build_object('sub',
		(2000000 + k)::text), (SELECT value FROM setting
							   WHERE name = 'token_secret'))
	FROM (SELECT i, 1 + floor(random() * c)::bigint AS k
		  FROM generate_series(1, least(c, 5000)) i) x;

	/* queue history: 60 tickets a day per service, up to today */
	SELECT count(*) INTO v_nq FROM generate_series(1, n) g
	WHERE bench.kind(g) = 'queue';
	v_qpd := 60 * nb * 3;
	SELECT coalesce(max(id), 0) INTO v_id0 FROM ticket;
	INSERT INTO bench.config VALUES (n, c, v_id0, v_cid0, nb, v_qpd,
		greatest(1, ceil(v_nq::numeric / v_qpd))::integer,
		greatest(1, ceil(v_nq::numeric / v_qpd))::integer * v_qpd - v_nq,
		(SELECT id FROM api_client WHERE api = 'resume' AND name = 'ocsuser'),
		(SELECT array_agg(id ORDER BY id) FROM staff WHERE username LIKE 'admin%@bench.example'),
		(SELECT array_agg(id ORDER BY id) FROM staff WHERE username LIKE 'operator%' AND is_operator),
		(SELECT array_agg(id ORDER BY id) FROM staff WHERE username LIKE 'agent%'));
END
$$;

/*
 * gen_chunk: the tickets of ordinals lo..hi with everything that belongs
 * to them: detail rows, history, conversation, ratings, idempotency keys.
 * Chunks are independent, so two sessions load two at a time.
 */
CREATE FUNCTION bench.gen_chunk(lo bigint, hi bigint) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	cf		bench.config;
	v_rows	bigint;
BEGIN
	SELECT * INTO cf FROM bench.config;

	CREATE TEMP TABLE gt ON COMMIT DROP AS
	WITH base AS (
		SELECT g, bench.kind(g) AS kind,
			random() AS r_state, random() AS r_prio, random() AS r_cust,
			random() AS r_time, random() AS r_msg, random() AS r_rate,
			(g / 20) * 6 + (g % 20 - 9) + cf.queue_skip AS jq
		FROM generate_series(lo, hi) g
	), timed AS (
		SELECT b.*,
			CASE WHEN kind = 'queue' THEN
				(current_date - (cf.queue_days - 1 - jq / cf.queue_per_day)::integer)
					+ CASE WHEN (current_date - (cf.queue_days - 1 - jq / cf.queue_per_day)::integer) = current_date
						THEN now() - current_date ELSE interval '1 day' END
					* ((jq % cf.queue_per_day)::float8 / cf.queue_per_day)
			ELSE now() - interval '5 minutes'
				- interval '730 days' * (1 - g::float8 / cf.tickets)
			END AS created_at
		FROM base b
	), stated AS (
		SELECT t.*,
			CASE kind
			WHEN 'queue' THEN CASE
				WHEN created_at > now() - interval '1 hour' THEN
					CASE WHEN r_state < 0.7 THEN 'waiting'
						 WHEN r_state < 0.85 THEN 'called' ELSE 'attending' END
				WHEN r_state < 0.85 THEN 'finished'
				WHEN r_state < 0.93 THEN 'no_show' ELSE 'cancelled' END
			WHEN 'ws' THEN CASE
				WHEN g > floor(0.9 * cf.tickets) THEN 'pending'
				WHEN g > floor(0.85 * cf.tickets) THEN 'in_progress'
				WHEN r_state < 0.95 THEN 'done' ELSE 'cancelled' END
			WHEN 'resume' THEN CASE
				WHEN created_at + interval '2 days' > now() THEN 'scheduled'
				WHEN created_at + interval '3 days' > now() THEN 'dispatched'
				WHEN r_state < 0.95 THEN 'done' ELSE 'cancelled' END
			ELSE CASE	-- helpdesk workflow: recent ones still open
				WHEN created_at > now() - interval '14 days' THEN
					CASE WHEN r_state < 0.3 THEN 'new'
						 WHEN r_state < 0.55 THEN 'open'
						 WHEN r_state < 0.65 THEN 'on_hold'
						 WHEN r_state < 0.8 THEN 'resolved' ELSE 'closed' END
				WHEN r_state < 0.02 THEN 'open'
				WHEN r_state < 0.03 THEN 'on_hold'
				WHEN r_state < 0.13 THEN 'resolved' ELSE 'closed' END
			END AS state,
			CASE WHEN kind IN ('hd', 'crm') THEN CASE
				WHEN r_prio < 0.3 THEN 'low' WHEN r_prio < 0.75 THEN 'medium'
				WHEN r_prio < 0.95 THEN 'high' ELSE 'urgent' END
				ELSE 'medium' END::priority AS priority,
			cf.cid0 + CASE
				WHEN kind = 'queue' AND jq % 2 = 0
					THEN 1 + ((jq - cf.queue_skip) / 2) % cf.customers
				WHEN kind = 'resume' THEN least(cf.customers - cf.customers % 10,
					10 * (1 + floor(r_cust * (cf.customers / 10)))::bigint)
				ELSE bench.some_customer(r_cust, cf.customers) END AS customer_id
		FROM timed t
	)
	SELECT s.*,
		cf.id0 + g AS id,
		CASE WHEN kind IN ('hd', 'crm') THEN 'helpdesk'
			 WHEN kind = 'ws' THEN 'workshop' ELSE kind END AS workflow,
		least(now(), created_at + CASE
			WHEN state IN ('new', 'pending', 'scheduled', 'waiting') THEN interval '0'
			WHEN kind = 'queue' THEN interval '5 minutes' + r_time * interval '35 minutes'
			WHEN kind = 'resume' THEN interval '2 days' + r_time * interval '1 day'
			WHEN state IN ('open', 'on_hold', 'in_progress')
				THEN r_time * interval '1 day'
			ELSE interval '1 hour' + r_time * interval '3 days' END) AS end_at,
		CASE
			WHEN kind = 'hd' AND state <> 'new'
				AND (state = 'open' OR r_time < 0.9)
				THEN cf.admins[1 + g % array_length(cf.admins, 1)]
			WHEN kind = 'crm' AND state <> 'new'
				AND (state = 'open' OR r_time < 0.9)
				THEN cf.agents[1 + g % array_length(cf.agents, 1)]
			WHEN kind = 'ws' AND state IN ('in_progress', 'done')
				THEN cf.operators[1 + g % array_length(cf.operators, 1)]
		END AS assignee_id,
		(ARRAY['Payment', 'Technical', 'Account', 'Delivery'])[1 + g % 4] AS hd_type,
		1 + (jq % cf.queue_per_day) % (cf.branches * 3) AS service_i,
		1 + (jq % cf.queue_per_day) / (cf.branches * 3) AS queue_number
	FROM stated s;

	INSERT INTO ticket (id, uuid, number, workflow, state, customer_id,
		assignee_id, type, priority, subject, description, channel, due_at,
		created_at, updated_at, resolved_at, closed_at)
	OVERRIDING SYSTEM VALUE
	SELECT t.id,
		CASE WHEN kind IN ('queue', 'ws') THEN bench.uuid_of(g)
			 ELSE gen_random_uuid() END,
		CASE WHEN kind = 'ws' THEN 10000000 + g ELSE 1000000 + g END,
		t.workflow, t.state, t.customer_id, t.assignee_id,
		CASE kind WHEN 'hd' THEN hd_type
			WHEN 'crm' THEN (ARRAY['General Enquiry', 'Plan Enquiry'])[1 + g % 2]
			WHEN 'resume' THEN 'RS0' || (1 + g % 5) END,
		t.priority,
		CASE kind WHEN 'hd' THEN hd_type || ' problem, ticket ' || g
			WHEN 'crm' THEN 'CRM request ' || g
			WHEN 'queue' THEN sl.name
			WHEN 'ws' THEN 'Vehicle service'
			ELSE 'Resume service ' || (ARRAY['INT', 'TV', 'MOB'])[1 + g % 3] END,
		CASE WHEN kind IN ('hd', 'crm')
			THEN 'Customer report ' || g || ': the service stopped working after the last update; please have a look.'
			ELSE '' END,
		CASE kind WHEN 'hd' THEN 'helpdesk' WHEN 'crm' THEN 'CRM'
			WHEN 'queue' THEN (ARRAY['kiosk', 'web', 'app'])[1 + g % 3]
			WHEN 'resume' THEN 'resume' END,
		CASE WHEN kind = 'resume' THEN created_at + interval '2 days'
			ELSE created_at + sp.resolve_within END,
		created_at, end_at,
		CASE WHEN state = 'resolved' THEN end_at
			 WHEN kind IN ('hd', 'crm') AND state = 'closed'
			 THEN created_at + (end_at - created_at) * 0.8 END,
		CASE WHEN state IN ('closed', 'finished', 'no_show', 'cancelled', 'done')
			THEN end_at END
	FROM gt t
	JOIN sla_policy sp ON sp.priority = t.priority
	LEFT JOIN bench.service_list sl ON t.kind = 'queue' AND sl.i = t.service_i;
	GET DIAGNOSTICS v_rows = ROW_COUNT;

	INSERT INTO ticket_helpdesk (ticket_id, group_name)
	SELECT id, hd_type FROM gt WHERE kind = 'hd';

	/*
	 * customer_id given, set-based: the trigger that copies it row by row
	 * (through a write of each ticket's row) is for writers that do not
	 * know it, and nothing else writes while the data is generated
	 */
	ALTER TABLE ticket_crm DISABLE TRIGGER ticket_crm_customer;
	INSERT INTO ticket_crm (ticket_id, status_label, extra, customer_id)
	SELECT t.id, ws.label, jsonb_build_object(
		'crm_id', nextval('pgticket.crm_record_seq'), 'effectivedate', '',
		'via', 'ticket', 'ticketpriorities', t.priority::text), t.customer_id
	FROM gt t JOIN workflow_state ws
		ON ws.workflow = 'helpdesk' AND ws.state = t.state
	WHERE kind = 'crm';
	ALTER TABLE ticket_crm ENABLE TRIGGER ticket_crm_customer;

	INSERT INTO ticket_queue (ticket_id, branch, sector, service, day,
		queue_number, prefix, phone, called_at, finished_at, waiting)
	SELECT t.id, sl.branch, sl.sector, sl.code, t.created_at::date,
		t.queue_number, sl.prefix,
		CASE WHEN g % 2 = 0 THEN '+34 6' || lpad((g % 100000000)::text, 8, '0') END,
		CASE WHEN state <> 'waiting' AND state <> 'cancelled'
			THEN created_at + (end_at - created_at) / 3 END,
		CASE WHEN state = 'finished' THEN end_at END,
		state = 'waiting'
	FROM gt t JOIN bench.service_list sl ON sl.i = t.service_i
	WHERE kind = 'queue';

	INSERT INTO ticket_vehicle (ticket_id, vehicle_model_id, vin, connection_id)
	SELECT id, 1 + g % 500, 'WVWZZZ1K' || lpad(g::text, 9, '0'),
		CASE WHEN r_msg < 0.8 THEN gen_random_uuid() END
	FROM gt WHERE kind = 'ws';

	INSERT INTO ticket_dispatch (ticket_id, reason_code, reason, dispatch_at,
		service_id, service_code, service_description, requestor,
		assigned_to_user, profile_id)
	SELECT id, 'RS0' || (1 + g % 5), 'Payment received',
		created_at + interval '2 days', (26900000 + g % 1000)::text,
		(ARRAY['INT', 'TV', 'MOB'])[1 + g % 3],
		(ARRAY['Internet', 'Television', 'Mobile'])[1 + g % 3],
		jsonb_build_object('name', 'Customer ' || (customer_id - cf.cid0),
			'phone', '5551234567', 'email', 'requestor@bench.example'),
		'tech' || lpad((1 + g % 50)::text, 2, '0'), 'Siebel_201'
	FROM gt WHERE kind = 'resume';

	INSERT INTO idempotency_key (api, client_id, key, request_hash, status,
		body, ticket_id, created_at)
	SELECT 'resume', cf.resume_client, 'gen-' || g,
		sha256(convert_to(g::text, 'UTF8')), 201,
		'{"status":"success","transaction_id":' || (1000000 + g) || '}',
		id, created_at
	FROM gt WHERE kind = 'resume';

	INSERT INTO ticket_history (ticket_id, at, actor_kind, actor_staff_id,
		actor_customer_id, transition, from_state, to_state, reason)
	SELECT t.id,
		t.created_at + (t.end_at - t.created_at)
			* ((p.step - 1)::float8 / greatest(1, p.steps - 1)),
		CASE WHEN p.transition = 'create' THEN 'customer'
			 WHEN t.assignee_id IS NOT NULL THEN 'staff'
			 ELSE 'system' END::author_kind,
		CASE WHEN p.transition <> 'create' THEN t.assignee_id END,
		CASE WHEN p.transition = 'create' THEN t.customer_id END,
		p.transition, p.from_state, p.to_state,
		CASE WHEN p.transition = 'assign' THEN 'assigned' END
	FROM gt t
	JOIN bench.path p ON p.workflow = t.workflow AND p.state = t.state
	WHERE p.transition <> 'assign' OR t.assignee_id IS NOT NULL;

	/*
	 * Conversations: a helpdesk ticket opens with its customer's message
	 * (as raise_ticket writes it), then up to three replies alternating
	 * admin and customer, a fifth of the admin ones internal; half the
	 * CRM tickets have a comment.
	 */
	INSERT INTO message (ticket_id, created_at, author_kind, staff_id,
		customer_id, author_name, body, visibility)
	SELECT t.id,
		t.created_at + (t.end_at - t.created_at) * (i::float8 / (m + 1)),
		CASE WHEN i % 2 = 1 THEN 'staff' ELSE 'customer' END::author_kind,
		CASE WHEN i % 2 = 1
			THEN coalesce(t.assignee_id, cf.admins[1 + g % array_length(cf.admins, 1)]) END,
		CASE WHEN i % 2 = 0 THEN t.customer_id END,
		CASE WHEN i % 2 = 1 THEN 'admin' || (1 + g % 50) || '@bench.example'
			ELSE 'Customer ' || (t.customer_id - cf.cid0) END,
		CASE WHEN i = 0 THEN 'Customer report ' || g || ': the service stopped working after the last update; please have a look.'
			WHEN i % 2 = 1 THEN 'Thanks for the report. We are looking into it and will get back to you shortly (' || i || ').'
			ELSE 'Any news? It still does not work on my side (' || i || ').' END,
		CASE WHEN i % 2 = 1 AND (g + i) % 5 = 0 THEN 'internal'
			ELSE 'public' END::visibility
	FROM (SELECT gt.*, CASE WHEN kind = 'crm' THEN 0
			WHEN state = 'new' THEN 0 ELSE floor(r_msg * 4)::integer END AS m
		  FROM gt WHERE kind = 'hd'
			 OR (kind = 'crm' AND r_msg < 0.5)) t,
		generate_series(CASE WHEN t.kind = 'crm' THEN 2 ELSE 0 END,
			CASE WHEN t.kind = 'crm' THEN 2 ELSE t.m END) i;

	/* a quarter of the solved and closed helpdesk tickets are rated */
	INSERT INTO rating (ticket_id, customer_id, value, comment, rated_at)
	SELECT id, customer_id,
		CASE WHEN r_rate < 0.015 THEN 1 WHEN r_rate < 0.0325 THEN 2
			 WHEN r_rate < 0.0625 THEN 3 WHEN r_rate < 0.1375 THEN 4 ELSE 5 END,
		CASE WHEN r_rate < 0.03 THEN 'Took too long.' END,
		end_at
	FROM gt
	WHERE kind IN ('hd', 'crm') AND state IN ('resolved', 'closed')
		AND r_rate < 0.25;

	DROP TABLE gt;
	RETURN v_rows;
END
$$;

/*
 * gen_finish: what only the whole data set gives: the queue counters, the
 * identity and number sequences, the statistics.
 */
CREATE FUNCTION bench.gen_finish() RETURNS void
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog
AS $$
DECLARE
	cf bench.config;
BEGIN
	SELECT * INTO cf FROM bench.config;
	INSERT INTO queue_counter (branch, sector, service, day, last_number)
	SELECT branch, sector, service, day, max(queue_number)
	FROM ticket_queue GROUP BY branch, sector, service, day
	ON CONFLICT (branch, sector, service, day)
		DO UPDATE SET last_number = greatest(queue_counter.last_number,
											 excluded.last_number);
	PERFORM setval(pg_get_serial_sequence('pgticket.ticket', 'id'),
		(SELECT max(id) FROM ticket));
	PERFORM setval(s, 1000000000) FROM unnest(ARRAY[
		'pgticket.helpdesk_number_seq', 'pgticket.queue_number_seq',
		'pgticket.workshop_number_seq', 'pgticket.resume_number_seq']::regclass[]) s;
END
$$;

