--
-- 002 GET /v1/tickets and GET /v1/tickets/{id} against a plain reference:
-- every page the facades answer is compared with the tickets selected and
-- rendered the obvious way (json_build_object, fmt_iso8601, queue_label,
-- fields by json_each), on generated tickets with ties in created_at, every
-- state, deleted ones, waiting ones with positions, odd strings and times.
-- Then: a customer with thousands of tickets has only a page read.  All in
-- one transaction, rolled back: the tests after this one see the demo data.
--
SET timezone = 'UTC';
\pset format unaligned
\pset tuples_only on
\set ECHO none
\i tests/demo-data.sql
\set ECHO all
BEGIN;
SET LOCAL search_path = pgticket, public;

-- two customers: many tickets; only deleted ones
INSERT INTO customer (name, id_type, id_number)
VALUES ('list many', 'DNI', 'LIST-1'), ('list deleted', 'PASSPORT', 'LIST-2');
CREATE TEMP TABLE mk AS
SELECT g, (create_ticket('queue',
	(SELECT id FROM customer WHERE id_number = 'LIST-1'), 'list ' || g,
	channel => CASE WHEN g % 7 = 0 THEN NULL
		ELSE (ARRAY['kiosk', 'web', 'app'])[1 + g % 3] END,
	created_at => CASE
		WHEN g = 3 THEN timestamptz '0044-03-15 12:00:00.5 BC'
		WHEN g = 4 THEN timestamptz '12345-06-07 08:09:10.999999+00'
		ELSE timestamptz '2026-01-01 10:00 UTC' + (g % 6) * interval '1 minute'
			+ CASE WHEN g % 5 = 0 THEN interval '0.25 s' ELSE '0' END
		END)).id
FROM generate_series(1, 40) g;
-- numbers below and above 1000; phones with quotes, controls, UTF-8
INSERT INTO ticket_queue (ticket_id, branch, sector, service, day,
	queue_number, phone)
SELECT mk.id, 'B01', 'S01', 'SV01', date '2026-01-01', 940 + g * 3,
	CASE g % 5 WHEN 0 THEN NULL WHEN 1 THEN '+54 "9" \ 11'
		WHEN 2 THEN E'tab\there\nnl' WHEN 3 THEN 'ñandú ✓ ' || chr(1)
		ELSE '1155' END
FROM mk;
SELECT count(*) FROM (SELECT transition(id, 'called') FROM mk WHERE g % 3 = 1) x;
SELECT count(*) FROM (SELECT transition(id, 'attending') FROM mk WHERE g % 9 = 1) x;
SELECT count(*) FROM (SELECT transition(id, 'finished') FROM mk WHERE g % 18 = 1) x;
SELECT count(*) FROM (SELECT transition(id, 'cancelled') FROM mk WHERE g % 12 = 8) x;
UPDATE ticket_queue SET deleted_at = now()
WHERE ticket_id IN (SELECT id FROM mk WHERE g % 8 = 5);
UPDATE ticket_queue SET called_at = 'infinity'
WHERE ticket_id = (SELECT id FROM mk WHERE g = 7);
INSERT INTO ticket_queue (ticket_id, branch, sector, service, day,
	queue_number, deleted_at)
SELECT (create_ticket('queue', (SELECT id FROM customer
		WHERE id_number = 'LIST-2'), 'deleted')).id,
	'B01', 'S01', 'SV01', date '2026-01-02', 1, now();

-- the reference: a ticket as json_build_object renders it
CREATE FUNCTION pg_temp.ref_doc(t pgticket.ticket, fields text[]) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT json_compact(CASE WHEN fields IS NULL THEN d.doc ELSE
			(SELECT json_object_agg(e.key, e.value ORDER BY e.n)
			 FROM json_each(d.doc) WITH ORDINALITY AS e(key, value, n)
			 WHERE e.key = ANY (fields)) END)
	FROM (SELECT json_build_object(
		'id', t.uuid,
		'number', queue_label(sv.prefix, q.queue_number),
		'status', t.state, 'channel', t.channel,
		'branch_id', q.branch, 'sector_id', q.sector, 'service_id', q.service,
		'customer_id_type', c.id_type, 'customer_id_number', c.id_number,
		'phone', q.phone,
		'created_at', fmt_iso8601(t.created_at),
		'called_at', fmt_iso8601(q.called_at),
		'finished_at', fmt_iso8601(q.finished_at),
		'position', CASE WHEN q.waiting THEN
			(SELECT count(*) FROM ticket_queue a
			 WHERE a.branch = q.branch AND a.sector = q.sector
				AND a.service = q.service AND a.day = q.day
				AND a.queue_number < q.queue_number AND a.waiting) END) AS doc
		FROM ticket_queue q
		JOIN service sv ON sv.branch = q.branch AND sv.sector = q.sector
			AND sv.code = q.service
		JOIN customer c ON c.id = t.customer_id
		WHERE q.ticket_id = t.id) d
$$;
-- ... and a page: the live tickets newest first, ties by id; an empty page
-- is a 200 when the customer has a live ticket, else a 404
CREATE FUNCTION pg_temp.ref_list(id_type text, id_number text, off bigint,
	lim bigint, fields text[]) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(
		(SELECT '200 ' || '[' || string_agg(pg_temp.ref_doc(p, fields), ','
				ORDER BY p.created_at DESC, p.id DESC) || ']'
		 FROM (SELECT t.* FROM ticket t
			JOIN ticket_queue q ON q.ticket_id = t.id
			JOIN customer c ON c.id = t.customer_id
			WHERE c.id_type = ref_list.id_type
				AND c.id_number = ref_list.id_number
				AND t.workflow = 'queue' AND q.deleted_at IS NULL
			ORDER BY t.created_at DESC, t.id DESC
			OFFSET off LIMIT lim) p),
		CASE WHEN EXISTS (SELECT FROM ticket t
				JOIN ticket_queue q ON q.ticket_id = t.id
				JOIN customer c ON c.id = t.customer_id
				WHERE c.id_type = ref_list.id_type
					AND c.id_number = ref_list.id_number
					AND t.workflow = 'queue' AND q.deleted_at IS NULL)
			THEN '200 []' ELSE '404 ' END)
$$;
CREATE FUNCTION pg_temp.got(r pgticket.http_response) RETURNS text
LANGUAGE sql AS $$ SELECT r.status || ' ' || coalesce(r.body, '') $$;

-- every page of both customers and the demo one, fields or not
CREATE TEMP TABLE fv (spelled jsonb, names text[]);
INSERT INTO fv VALUES (NULL, NULL), ('"number,status"', '{number,status}'),
	('["position","id"]', '{position,id}'),
	('"created_at,called_at,finished_at,phone"',
		'{created_at,called_at,finished_at,phone}'),
	('["status", "status,channel"]', '{status,channel}');
CREATE TEMP TABLE cases AS
SELECT c.id_type, c.id_number, o, l, fv.spelled, fv.names,
	jsonb_build_object('query', jsonb_build_object('customer_id_type',
		c.id_type, 'customer_id_number', c.id_number, 'offset', o::text,
		'limit', l::text) || CASE WHEN fv.spelled IS NULL THEN '{}'
		ELSE jsonb_build_object('fields', fv.spelled) END) AS request
FROM (VALUES ('DNI', 'LIST-1'), ('PASSPORT', 'LIST-2'), ('DNI', '30111222'),
	('DNI', '1'), ('DNI', 'NOBODY')) c(id_type, id_number),
	generate_series(0, 40, 3) o, unnest('{1,2,3,7,50}'::int[]) l, fv;
-- the default page (no offset, no limit)
INSERT INTO cases SELECT id_type, id_number, 0, 10, NULL, NULL,
	jsonb_build_object('query', jsonb_build_object('customer_id_type',
		id_type, 'customer_id_number', id_number))
FROM (SELECT DISTINCT id_type, id_number FROM cases) c;
SELECT count(*) AS cases,
	count(*) FILTER (WHERE pg_temp.ref_list(id_type, id_number, o, l, names)
		LIKE '200 [{%') AS non_empty_pages,
	count(*) FILTER (WHERE pg_temp.got(api_queue.list_tickets(request))
		IS DISTINCT FROM pg_temp.ref_list(id_type, id_number, o, l, names))
		AS differences
FROM cases;

-- one ticket: every one of LIST-1 and the demo's, deleted ones (404)
SELECT count(*) AS tickets, count(*) FILTER (WHERE pg_temp.got(
		api_queue.get_ticket(jsonb_build_object('params',
			jsonb_build_object('ticket_id', t.uuid), 'query',
			CASE WHEN fv.spelled IS NULL THEN '{}'
			ELSE jsonb_build_object('fields', fv.spelled) END)))
		IS DISTINCT FROM CASE WHEN q.deleted_at IS NULL
			THEN '200 ' || pg_temp.ref_doc(t, fv.names) ELSE '404 ' END)
	AS differences
FROM ticket t JOIN ticket_queue q ON q.ticket_id = t.id, fv;

-- the renderer alone: JSON escapes, label digits, times of every era
SELECT queue_ticket_json(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT queue_ticket_json('{position,bogus,id,position}',
	'497f6eca-6276-4993-bfeb-53cbbbba6f08', 'C', 7, E'a"b\\c\u0007', NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0);
SELECT queue_ticket_json('{number,status,created_at,called_at,finished_at}',
	NULL, 'AB', n, E'a"b\\c\u0007', NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, ts, 'infinity', '-infinity', NULL), fmt_iso8601(ts)
FROM (VALUES (1, timestamptz '2024-05-02 09:05:00.75+02'),
	(999, '0001-01-01 00:00:00 BC'), (1000, '294276-12-31 23:59:59.999999+00'),
	(2147483647, '4713-11-24 00:00:00+00 BC')) v(n, ts);
SELECT count(*) AS times, count(*) FILTER (WHERE queue_ticket_json(
		'{created_at}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		NULL, NULL, ts, NULL, NULL, NULL)::text
	IS DISTINCT FROM json_compact(json_build_object('created_at',
		fmt_iso8601(ts)))) AS differences
FROM (SELECT to_timestamp(-210000000000 + random() * 9400000000000) ts
	FROM generate_series(1, 2000)) x;

-- thousands of tickets: a page reads a page of ticket_queue_customer
INSERT INTO customer (name, id_type, id_number) VALUES ('list lots', 'DNI', 'LIST-3');
WITH t AS (
	INSERT INTO ticket (number, workflow, state, customer_id, created_at,
		updated_at)
	SELECT nextval('queue_number_seq'), 'queue', 'waiting',
		(SELECT id FROM customer WHERE id_number = 'LIST-3'),
		timestamptz '2025-01-01 UTC' + g * interval '1 s',
		timestamptz '2025-01-01 UTC' + g * interval '1 s'
	FROM generate_series(1, 3000) g RETURNING id, number)
INSERT INTO ticket_queue (ticket_id, branch, sector, service, day, queue_number)
SELECT id, 'B01', 'S01', 'SV02', date '2025-01-01', number FROM t;
ANALYZE ticket;
ANALYZE ticket_queue;
-- (pending counts may include earlier calls: the difference is this one's)
SELECT pg_stat_get_xact_tuples_returned('ticket_queue_customer'::regclass)
	AS before \gset
SELECT (api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"LIST-3","limit":"3"}}')).body::json -> 2 ->> 'created_at';
SELECT pg_stat_get_xact_tuples_returned('ticket_queue_customer'::regclass)
	- :before BETWEEN 3 AND 20 AS page_only;
ROLLBACK;
