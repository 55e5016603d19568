--
-- 002 branch queue facades (api_queue.*) called with request documents, on
-- the demo data.  Ticket ids (uuids) are masked, and so are times of the
-- last day; the demo tickets' times are shown as they are.
--
SET timezone = 'UTC';
\pset format unaligned
\pset tuples_only on

CREATE TEMP TABLE snapshot (tbl text PRIMARY KEY, n bigint);
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (tbl text, n bigint)
LANGUAGE sql AS $$
	SELECT 'ticket', count(*) FROM pgticket.ticket
	UNION ALL SELECT 'ticket_history', count(*) FROM pgticket.ticket_history
	UNION ALL SELECT 'ticket_queue', count(*) FROM pgticket.ticket_queue
	UNION ALL SELECT 'customer', count(*) FROM pgticket.customer
	UNION ALL SELECT 'queue_counter', sum(last_number) FROM pgticket.queue_counter
	UNION ALL SELECT 'deleted', count(deleted_at) FROM pgticket.ticket_queue
	UNION ALL SELECT 'updated', count(*) FROM pgticket.ticket
		WHERE updated_at > created_at
$$;
CREATE FUNCTION pg_temp.snap() RETURNS void LANGUAGE sql AS $$
	DELETE FROM snapshot;
	INSERT INTO snapshot SELECT * FROM pg_temp.counts();
$$;
CREATE FUNCTION pg_temp.changes() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(c.tbl || ' ' || to_char(c.n - s.n, 'SG999'),
		', ' ORDER BY c.tbl), 'nothing changed')
	FROM pg_temp.counts() c JOIN snapshot s USING (tbl)
	WHERE c.n IS DISTINCT FROM s.n
$$;
-- status, headers and body, uuids and recent times masked
CREATE FUNCTION pg_temp.show(r pgticket.http_response) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	b text := coalesce(r.body, '<no body>');
	h text := coalesce(r.headers::text, '');
	m text;
BEGIN
	FOR m IN SELECT DISTINCT x[1] FROM regexp_matches(b,
			'([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)', 'g') x LOOP
		IF m::timestamptz > now() - interval '1 day' THEN
			b := replace(b, m, '<now>');
		END IF;
	END LOOP;
	b := regexp_replace(b, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g');
	h := regexp_replace(h, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g');
	RETURN r.status || ' ' || h || ' ' || b;
END
$$;
-- a request document for a ticket of the API id
CREATE FUNCTION pg_temp.req(id uuid, extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('params', jsonb_build_object('ticket_id', id),
		'query', '{}'::jsonb, 'body', NULL, 'body_type', 'none') || extra
$$;

\set ECHO none
\i tests/demo-data.sql
\set ECHO all

--
-- helpers
--
SELECT v, pgticket.parse_whole_number(v) FROM unnest(ARRAY['0', '7', '7.0',
	'7e0', '70e-1', '-0', '-3', '1E2', '9223372036854775807',
	'9223372036854775808', '7.5', '007', '+7', ' 7', '7 ', '1e1000', '0x10',
	'', 'NaN', '1 OR 1=1', NULL]) v;
SELECT v, pgticket.parse_uuid(v) FROM unnest(ARRAY[
	'497f6eca-6276-4993-bfeb-53cbbbba6f08', '497F6ECA-6276-4993-BFEB-53CBBBBA6F08',
	'{497f6eca-6276-4993-bfeb-53cbbbba6f08}', '497f6eca62764993bfeb53cbbbba6f08',
	'497f6eca-6276-4993-bfeb-53cbbbba6f0', 'x', '',
	'497f6eca-6276-4993-bfeb-53cbbbba6f0g', '497f6eca-62764-993-bfeb-53cbbbba6f08',
	'497f6eca-6276-4993-bfeb-53cbbbba6f0é', ' 497f6eca-6276-4993-bfeb-53cbbbba6f0',
	'00000000-0000-0000-0000-000000000000', 'FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF',
	NULL]) v;
-- parse_uuid is a loop in C, not the regular expression it was: on every
-- spelling one edit away from a uuid (each character deleted, doubled or
-- replaced, by the ASCII neighbours of the hex digits among others), it
-- answers what the expression and the cast answered
SELECT count(*) AS spellings,
	count(pgticket.parse_uuid(v)) AS accepted,
	count(*) FILTER (WHERE pgticket.parse_uuid(v) IS DISTINCT FROM
		CASE WHEN v ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
			THEN v::uuid END) AS differ
FROM (SELECT DISTINCT v FROM unnest(ARRAY['497f6eca-6276-4993-bfeb-53cbbbba6f08',
		'A09FaF90-f0A9-9aF0-0f9A-aF09Fa90fA09']) b,
	LATERAL (SELECT overlay(b placing '' from i for 1)
		FROM generate_series(1, 36) i
		UNION ALL
		SELECT overlay(b placing c from i for 1)
		FROM generate_series(1, 36) i,
			unnest(ARRAY['/', ':', '@', 'G', '`', 'g', '-', '0', 'é', ' ']) c
		UNION ALL
		SELECT overlay(b placing substr(b, i, 1) || substr(b, i, 1) from i for 1)
		FROM generate_series(1, 36) i) m(v)) s;
-- customer_id_number and phone are checked by patterns without counted
-- repetitions, and a length: on random strings of their alphabets (and a
-- few other characters), the same answers as the contract's patterns
CREATE FUNCTION pg_temp.refused(call text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE call;
	RETURN false;
EXCEPTION WHEN SQLSTATE 'PT400' THEN
	RETURN true;
END
$$;
SELECT setseed(0.25);
CREATE TEMP TABLE spelling AS
SELECT g, string_agg(substr('0123456789012345678901234567890123456789 ().-+aZé',
		1 + floor(random() * 49)::int, 1), '') AS v
FROM generate_series(1, 3000) g, generate_series(1, 1 + g % 38) i
GROUP BY g;
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE NOT refused) AS accepted,
	count(*) FILTER (WHERE refused = (v ~ '^\+?[(0-9]([0-9 ().-]{0,30}[0-9])?$')) AS differ
FROM (SELECT v, pg_temp.refused(format('SELECT pgticket.queue_check_phone(%L)', v))
	  FROM spelling) s(v, refused);
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE NOT refused) AS accepted,
	count(*) FILTER (WHERE refused = (v ~ '^[A-Za-z0-9-]{1,32}$')) AS differ
FROM (SELECT v, pg_temp.refused(format(
		'SELECT pgticket.queue_check_customer_id(%L, %L)', 'DNI', v))
	  FROM (SELECT translate(v, ' ().+', 'a-bc-') FROM spelling) n(v)) s(v, refused);
SELECT pgticket.fmt_iso8601('2024-05-02 09:05:00.75+02'), pgticket.fmt_iso8601(NULL) IS NULL;
SELECT pgticket.queue_label('C', 1), pgticket.queue_label('C', 42),
	pgticket.queue_label('WX', 999), pgticket.queue_label('L', 1042);
SELECT pgticket.queue_fields('{"query":{}}') IS NULL,
	pgticket.queue_fields('{"query":{"fields":"id,number"}}'),
	pgticket.queue_fields('{"query":{"fields":["status","id"]}}'),
	pgticket.queue_fields('{"query":{"fields":["id, number",",position,"]}}'),
	pgticket.queue_fields('{"query":{"fields":""}}') IS NULL;
\set VERBOSITY terse
SELECT pgticket.queue_fields('{"query":{"fields":"id,password"}}');
SELECT pgticket.queue_fields('{"query":{"fields":{"a":1}}}');
SELECT pgticket.queue_arg('{"body":{"channel":["kiosk","web"]}}', 'channel');
\set VERBOSITY default

--
-- GET /v1/tickets: the demo customer's two tickets, newest first
--
SELECT pg_temp.show(api_queue.list_tickets('{"method":"GET","query":{"customer_id_type":"DNI","customer_id_number":"30111222"},"body":null,"body_type":"none"}'));
-- fields, both spellings; limit, offset
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222","fields":"number,status"}}'));
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222","fields":["number","created_at"]}}'));
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222","fields":["position","number,channel"],"limit":"1"}}'));
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222","fields":"number","limit":"1","offset":"1"}}'));
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222","fields":"number","limit":"50","offset":"1e0"}}'));
-- past the last page: an empty page, not a 404
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222","offset":"2"}}'));
-- a customer without tickets, an unknown one: 404
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"PASSPORT","customer_id_number":"X1234567"}}'));
SELECT pg_temp.show(api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"99999999"}}'));
-- bad input: 400, no body
SELECT q, pg_temp.show(api_queue.list_tickets(jsonb_build_object('query', q::jsonb)))
FROM unnest(ARRAY[
	'{}',
	'{"customer_id_type":"DNI"}',
	'{"customer_id_number":"30111222"}',
	'{"customer_id_type":"CUIT","customer_id_number":"30111222"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222; DROP TABLE x"}',
	'{"customer_id_type":"DNI","customer_id_number":"123456789012345678901234567890123"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222","limit":"51"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222","limit":"0"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222","limit":"ten"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222","offset":"-1"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222","offset":"1.5"}',
	'{"customer_id_type":"DNI","customer_id_number":"30111222","fields":"id,secret"}',
	'{"customer_id_type":["DNI","PASSPORT"],"customer_id_number":"30111222"}'
	]) q;

--
-- POST /v1/tickets: form, JSON and multipart give the same ticket
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.create_ticket('{"method":"POST","query":{"customer_id_type":"PASSPORT","customer_id_number":"X1234567"},"body":{"channel":"kiosk","branch_id":"B01","sector_id":"S02","service_id":"SV03","phone":"+54 9 11 5555-1234"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_queue.create_ticket('{"method":"POST","query":{"customer_id_type":"PASSPORT","customer_id_number":"X1234567"},"body":{"channel":"kiosk","branch_id":"B01","sector_id":"S02","service_id":"SV03","phone":"+54 9 11 5555-1234"},"body_type":"json"}'));
SELECT pg_temp.show(api_queue.create_ticket('{"method":"POST","query":{"customer_id_type":"PASSPORT","customer_id_number":"X1234567"},"body":{"channel":"kiosk","branch_id":"B01","sector_id":"S02","service_id":"SV03","phone":"+54 9 11 5555-1234"},"body_type":"multipart"}'));
-- a first ticket creates the customer; one without customer_id_* gets a
-- customer of its own
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.create_ticket('{"query":{"customer_id_type":"DNI","customer_id_number":"40222333"},"body":{"channel":"web","branch_id":"B02","sector_id":"S01","service_id":"SV01"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT name, id_type, id_number FROM pgticket.customer WHERE id_number = '40222333';
SELECT pg_temp.show(api_queue.create_ticket('{"body":{"channel":"app","branch_id":"B02","sector_id":"S01","service_id":"SV01"},"body_type":"json"}'));
SELECT pg_temp.changes();
-- a ticket is a row like any other, with its history and in the reports
SELECT t.workflow, t.state, t.subject, t.channel, t.priority, q.branch,
	q.sector, q.service, q.day = current_date AS today, q.queue_number,
	q.phone, q.waiting,
	(SELECT string_agg(h.transition || ':' || h.to_state, ',')
	 FROM pgticket.ticket_history h WHERE h.ticket_id = t.id) AS history
FROM pgticket.ticket t JOIN pgticket.ticket_queue q ON q.ticket_id = t.id
WHERE q.branch = 'B01' AND q.service = 'SV03' ORDER BY q.queue_number;
SELECT r.workflow, r.state, r.category, r.customer, r.channel
FROM pgticket_report.tickets r JOIN pgticket.ticket_queue q ON q.ticket_id = r.id
WHERE q.branch = 'B01' AND q.service = 'SV03' ORDER BY q.queue_number;
SELECT b.workflow, b.state, b.category, b.time_left > interval '11 hours'
FROM pgticket_report.backlog b JOIN pgticket.ticket_queue q ON q.ticket_id = b.id
WHERE q.branch = 'B01' AND q.service = 'SV03' ORDER BY q.queue_number;
-- bad input: 400, no body, nothing written (the queue counter included)
SELECT pg_temp.snap();
SELECT b, pg_temp.show(api_queue.create_ticket(jsonb_build_object(
	'query', '{"customer_id_type":"DNI","customer_id_number":"30111222"}'::jsonb,
	'body', b::jsonb, 'body_type', 'json')))
FROM unnest(ARRAY[
	'{"branch_id":"B01","sector_id":"S01","service_id":"SV01"}',
	'{"channel":"kiosk","sector_id":"S01","service_id":"SV01"}',
	'{"channel":"kiosk","branch_id":"B01","service_id":"SV01"}',
	'{"channel":"kiosk","branch_id":"B01","sector_id":"S01"}',
	'{"channel":"fax","branch_id":"B01","sector_id":"S01","service_id":"SV01"}',
	'{"channel":"kiosk","branch_id":"B09","sector_id":"S01","service_id":"SV01"}',
	'{"channel":"kiosk","branch_id":"B02","sector_id":"S02","service_id":"SV03"}',
	'{"channel":"kiosk","branch_id":"B01","sector_id":"S02","service_id":"SV01"}',
	'{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SV09"}',
	'{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SV01","phone":"call me"}',
	'{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SV01","phone":"+"}',
	'{"channel":["kiosk"],"branch_id":"B01","sector_id":"S01","service_id":"SV01"}',
	'{"channel":{"code":"kiosk"},"branch_id":"B01","sector_id":"S01","service_id":"SV01"}',
	'{"channel":"kiosk'' OR ''1''=''1","branch_id":"B01","sector_id":"S01","service_id":"SV01"}',
	'[1,2]'
	]) b;
SELECT q, pg_temp.show(api_queue.create_ticket(jsonb_build_object(
	'query', q::jsonb, 'body_type', 'form',
	'body', '{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SV01"}'::jsonb)))
FROM unnest(ARRAY[
	'{"customer_id_type":"DNI"}',
	'{"customer_id_number":"30111222"}',
	'{"customer_id_type":"CUIT","customer_id_number":"30111222"}',
	'{"customer_id_type":"DNI","customer_id_number":"30 111 222"}'
	]) q;
SELECT pg_temp.show(api_queue.create_ticket('{"body":null,"body_type":"json","body_error":"malformed JSON body"}'));
SELECT pg_temp.changes();

--
-- position: waiting tickets ahead in the same queue, from an index
--
SELECT pg_temp.snap();
CREATE TEMP TABLE mine AS
SELECT (r.body::json ->> 'id')::uuid AS id, r.body::json ->> 'number' AS number,
	(r.body::json ->> 'position')::int AS position
FROM generate_series(1, 4) i,
	api_queue.create_ticket(jsonb_build_object('n', i, 'body_type', 'form',
		'body', '{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SV02"}'::jsonb)) r;
SELECT number, position FROM mine ORDER BY number;
SELECT pg_temp.changes();
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM pgticket.ticket_queue a
WHERE a.branch = 'B01' AND a.sector = 'S01' AND a.service = 'SV02'
	AND a.day = current_date AND a.queue_number < 3 AND a.waiting;
RESET enable_seqscan;

--
-- GET /v1/tickets/{ticket_id}
--
SELECT pg_temp.show(api_queue.get_ticket(pg_temp.req(id))) FROM mine WHERE number = 'W-003';
SELECT pg_temp.show(api_queue.get_ticket(pg_temp.req(id, '{"query":{"fields":"number,position"}}'))) FROM mine WHERE number = 'W-003';
SELECT pg_temp.show(api_queue.get_ticket(pg_temp.req(id, '{"query":{"fields":"number,pin"}}'))) FROM mine WHERE number = 'W-003';
SELECT pg_temp.show(api_queue.get_ticket(pg_temp.req('00000000-0000-4000-8000-000000000000')));
-- a new ticket is answered as GET shows it: with a customer id and a phone
-- or without, behind the waiting tickets of its queue (rolled back)
BEGIN;
SELECT d.n, c.status, c.body = g.body AS same_as_get,
	c.body::json ->> 'position' AS position
FROM unnest(ARRAY[
	'{"query":{"customer_id_type":"DNI","customer_id_number":"40222333"},"body":{"channel":"web","branch_id":"B01","sector_id":"S01","service_id":"SV02","phone":"+54 11 4444-0000"},"body_type":"form"}',
	'{"body":{"channel":"app","branch_id":"B01","sector_id":"S01","service_id":"SV02"},"body_type":"json"}',
	'{"body":{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SV01"},"body_type":"json"}'
	]) WITH ORDINALITY d(doc, n),
	api_queue.create_ticket(d.doc::jsonb) c,
	api_queue.get_ticket(pg_temp.req((c.body::json ->> 'id')::uuid)) g
ORDER BY d.n;
ROLLBACK;

SELECT pg_temp.show(api_queue.get_ticket('{"params":{"ticket_id":"1"}}'));
SELECT pg_temp.show(api_queue.get_ticket('{"params":{"ticket_id":"1 OR 1=1"}}'));
-- a ticket of another workflow is no queue ticket
SELECT pg_temp.show(api_queue.get_ticket(pg_temp.req('497f6eca-6276-4993-bfeb-53cbbbba6f08')));

--
-- PUT /v1/tickets/{ticket_id}: status along the queue workflow, phone
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"called"},"body_type":"form"}'))) FROM mine WHERE number = 'W-001';
SELECT pg_temp.changes();
-- W-001 is called: the others move up
SELECT m.number, r.body::json ->> 'status', r.body::json ->> 'position',
	r.body::json ->> 'called_at' IS NOT NULL AS called
FROM mine m, api_queue.get_ticket(pg_temp.req(m.id)) r ORDER BY m.number;
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"attending","phone":"1155551234"},"body_type":"json"}'))) FROM mine WHERE number = 'W-001';
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"query":{"status":"finished"}}'))) FROM mine WHERE number = 'W-001';
SELECT pg_temp.changes();
-- the same status again changes nothing
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"finished"},"body_type":"form"}'))) FROM mine WHERE number = 'W-001';
SELECT pg_temp.changes();
SELECT r.body FROM mine m, api_queue.get_ticket(pg_temp.req(m.id,
	'{"query":{"fields":["number","status","phone","position"]}}')) r
WHERE m.number = 'W-001';
SELECT r.body::json ->> 'finished_at' IS NOT NULL AS finished_at_set
FROM mine m, api_queue.get_ticket(pg_temp.req(m.id)) r WHERE m.number = 'W-001';
SELECT string_agg(coalesce(h.from_state, '-') || '>' || h.to_state, ' ' ORDER BY h.id)
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id
JOIN pgticket.ticket_history h ON h.ticket_id = t.id WHERE m.number = 'W-001';
-- recall: called -> waiting, back in line by number
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"called"}}'))) FROM mine WHERE number = 'W-003';
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"waiting"}}'))) FROM mine WHERE number = 'W-003';
SELECT m.number, r.body::json ->> 'status', r.body::json ->> 'position'
FROM mine m, api_queue.get_ticket(pg_temp.req(m.id)) r ORDER BY m.number;
-- only a phone
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"phone":"(011) 4555-0000"},"body_type":"form"}'))) FROM mine WHERE number = 'W-002';
SELECT pg_temp.changes();
-- a phone changed after a message dated ahead keeps the message's time:
-- updated_at moves forward only (rolled back)
BEGIN;
SELECT pgticket.add_message(t.id, 'ahead', 'system',
	created_at => now() + interval '1 hour') IS NOT NULL AS written
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id WHERE m.number = 'W-002';
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"phone":"(011) 4555-0001"},"body_type":"form"}'))) FROM mine WHERE number = 'W-002';
SELECT t.updated_at - now() AS after_phone
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id WHERE m.number = 'W-002';
ROLLBACK;
-- refused: 400 (404 for an unknown ticket), nothing written
SELECT pg_temp.snap();
SELECT b, pg_temp.show(api_queue.update_ticket(pg_temp.req(m.id,
	jsonb_build_object('body', b::jsonb, 'body_type', 'json'))))
FROM mine m, unnest(ARRAY[
	'{}',
	'{"status":""}',
	'{"status":"served"}',
	'{"status":"finished"}',
	'{"status":"no_show"}',
	'{"status":"called","phone":"none"}',
	'{"status":["called"]}',
	'{"phone":"12; DROP TABLE pgticket.ticket"}'
	]) b
WHERE m.number = 'W-002';
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"waiting"}}'))) FROM mine WHERE number = 'W-001';
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req('00000000-0000-4000-8000-000000000000', '{"body":{"status":"called"}}')));
SELECT pg_temp.show(api_queue.update_ticket('{"params":{"ticket_id":"x"},"body":{"status":"called"}}'));
SELECT pg_temp.changes();

--
-- DELETE /v1/tickets/{ticket_id}: cancels, then 404; the history keeps it
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.delete_ticket(pg_temp.req(id))) FROM mine WHERE number = 'W-002';
SELECT pg_temp.changes();
SELECT pg_temp.show(api_queue.get_ticket(pg_temp.req(id))) FROM mine WHERE number = 'W-002';
SELECT pg_temp.show(api_queue.delete_ticket(pg_temp.req(id))) FROM mine WHERE number = 'W-002';
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"phone":"123"}}'))) FROM mine WHERE number = 'W-002';
SELECT t.state, q.waiting, q.deleted_at IS NOT NULL AS deleted,
	(SELECT string_agg(h.transition || ':' || h.to_state || ':' || coalesce(h.reason, ''), ', ' ORDER BY h.id)
	 FROM pgticket.ticket_history h WHERE h.ticket_id = t.id) AS history
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id
JOIN pgticket.ticket_queue q ON q.ticket_id = t.id WHERE m.number = 'W-002';
-- W-003 and W-004 move up; a finished ticket cannot be deleted (400)
SELECT m.number, r.status, r.body::json ->> 'position'
FROM mine m, api_queue.get_ticket(pg_temp.req(m.id)) r ORDER BY m.number;
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.delete_ticket(pg_temp.req(id))) FROM mine WHERE number = 'W-001';
SELECT pg_temp.changes();
-- a ticket cancelled with PUT is still shown; DELETE then only hides it
SELECT pg_temp.show(api_queue.update_ticket(pg_temp.req(id, '{"body":{"status":"cancelled"}}'))) FROM mine WHERE number = 'W-004';
SELECT r.body::json ->> 'status' FROM mine m, api_queue.get_ticket(pg_temp.req(m.id)) r WHERE m.number = 'W-004';
SELECT pg_temp.snap();
SELECT pg_temp.show(api_queue.delete_ticket(pg_temp.req(id))) FROM mine WHERE number = 'W-004';
SELECT pg_temp.changes();

--
-- a DBA's transition moves the queue too (trigger ticket_queue_follow_state)
--
SELECT t.state FROM pgticket.transition((SELECT t.id FROM mine m
	JOIN pgticket.ticket t ON t.uuid = m.id WHERE m.number = 'W-003'), 'called') t;
SELECT q.waiting, q.called_at IS NOT NULL AS called
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id
JOIN pgticket.ticket_queue q ON q.ticket_id = t.id WHERE m.number = 'W-003';
-- an UPDATE that sets the state to what it was changes nothing: the ticket
-- was called when it was called (rolled back)
BEGIN;
UPDATE pgticket.ticket_queue q SET called_at = '2024-03-01 09:00+00'
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id
WHERE q.ticket_id = t.id AND m.number = 'W-003';
UPDATE pgticket.ticket t SET state = t.state
FROM mine m WHERE t.uuid = m.id AND m.number = 'W-003';
SELECT q.waiting, q.called_at = '2024-03-01 09:00+00' AS called_then
FROM mine m JOIN pgticket.ticket t ON t.uuid = m.id
JOIN pgticket.ticket_queue q ON q.ticket_id = t.id WHERE m.number = 'W-003';
ROLLBACK;

--
-- a DBA moving a waiting ticket out of the queue workflow takes it out of
-- the line: the tickets behind it move up; moved back, it waits again
--
BEGIN;
INSERT INTO pgticket.service (branch, sector, code, prefix)
VALUES ('B01', 'S01', 'SVMOVE', 'M');
CREATE TEMP TABLE moved ON COMMIT DROP AS
SELECT (r.body::json ->> 'id')::uuid AS id, r.body::json ->> 'number' AS number
FROM generate_series(1, 3) i,
	api_queue.create_ticket(jsonb_build_object('n', i, 'body_type', 'form',
		'body', '{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SVMOVE"}'::jsonb)) r;
CREATE FUNCTION pg_temp.line() RETURNS TABLE (number text, status int, "position" text)
LANGUAGE sql AS $$
	SELECT m.number, r.status, r.body::json ->> 'position'
	FROM moved m, api_queue.get_ticket(pg_temp.req(m.id)) r ORDER BY 1
$$;
SELECT * FROM pg_temp.line();
UPDATE pgticket.ticket SET workflow = 'helpdesk', state = 'new',
	number = nextval('pgticket.helpdesk_number_seq')
WHERE uuid = (SELECT id FROM moved WHERE number = 'M-001');
SELECT * FROM pg_temp.line();
SELECT count(*) FILTER (WHERE q.waiting) AS waiting
FROM pgticket.ticket_queue q WHERE q.service = 'SVMOVE';
UPDATE pgticket.ticket SET workflow = 'queue', state = 'waiting',
	number = nextval('pgticket.queue_number_seq')
WHERE uuid = (SELECT id FROM moved WHERE number = 'M-001');
SELECT * FROM pg_temp.line();
ROLLBACK;

--
-- queue_list_query: list_tickets' parameters in one call: the defaults,
-- every place a parameter may come from, JSON spellings of numbers, and
-- the refusals in list_tickets' order (a DBA calling it sees their text)
--
SELECT * FROM pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"30111222"}}');
SELECT * FROM pgticket.queue_list_query('{"params":{"customer_id_type":"DNI"},
	"body":{"customer_id_number":30111222,"limit":"5.0"},"body_type":"json",
	"query":{"offset":"1e1","fields":["number","position"]}}');
\set VERBOSITY terse
SELECT pgticket.queue_list_query('{"query":{"customer_id_number":"1"}}');
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"NOPE","customer_id_number":"a b"}}');
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"a b"}}');
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1","offset":"-1","limit":"51"}}');
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1","limit":"51","fields":"bogus"}}');
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1","fields":"bogus"}}');
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":["DNI"],"customer_id_number":"1"}}');
SELECT pgticket.queue_list_query(NULL);
\set VERBOSITY default
-- a type nobody configured, with a well-formed number, is the list's to
-- refuse (it finds no customer): the call itself does not look it up
SELECT customer_id_type FROM pgticket.queue_list_query('{"query":{"customer_id_type":"NOPE","customer_id_number":"1"}}');
-- a DBA session with a hostile search_path reads the same fields: the
-- helpers the C function defers to (queue_fields) do not follow it
BEGIN;
CREATE SCHEMA evil;
CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
CREATE FUNCTION evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS $$SELECT 'null'::text$$;
CREATE FUNCTION evil.btrim(text, text) RETURNS text LANGUAGE sql AS $$SELECT 'status'::text$$;
SET LOCAL search_path = evil, pg_catalog, public;
SELECT fields FROM pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1","fields":"id,number"}}');
SELECT pgticket.queue_fields('{"query":{"fields":["number","position"]}}');
\set VERBOSITY terse
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1","fields":"bogus"}}');
\set VERBOSITY default
ROLLBACK;
-- the helpers it defers to keep their own EXECUTE privilege, as when
-- list_tickets called them from SQL: a role that may call queue_list_query
-- (and helpdesk_list_query) only is refused them, and served when it needs
-- neither
BEGIN;
CREATE ROLE regress_pgticket_list;
GRANT USAGE ON SCHEMA pgticket TO regress_pgticket_list;
GRANT EXECUTE ON FUNCTION pgticket.queue_list_query(jsonb),
	pgticket.helpdesk_list_query(jsonb) TO regress_pgticket_list;
SET LOCAL ROLE regress_pgticket_list;
SELECT * FROM pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1"}}');
\set VERBOSITY terse
SAVEPOINT s;
SELECT pgticket.queue_list_query('{"query":{"customer_id_type":"DNI","customer_id_number":"1","fields":"id"}}');
ROLLBACK TO s;
SELECT pgticket.queue_list_query('{"query":{"customer_id_number":"1"}}');
ROLLBACK TO s;
SELECT pgticket.helpdesk_list_query('{"query":{"fromDate":"21-11-2016"}}');
\set VERBOSITY default
ROLLBACK;

--
-- a ticket keeps the number it was issued with: a DBA's change of its
-- service's prefix is for the tickets issued after it, in the list, the
-- ticket and a new ticket alike; a row a DBA writes without a prefix gets
-- its service's
--
BEGIN;
INSERT INTO pgticket.service (branch, sector, code, prefix)
VALUES ('B01', 'S01', 'SVPFX', 'P');
CREATE TEMP TABLE issued ON COMMIT DROP AS
SELECT (r.body::json ->> 'id')::uuid AS id, r.body::json ->> 'number' AS number
FROM api_queue.create_ticket('{"body_type":"form","query":{"customer_id_type":"DNI","customer_id_number":"PFX-1"},
	"body":{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SVPFX"}}') r;
UPDATE pgticket.service SET prefix = 'Q' WHERE code = 'SVPFX';
SELECT i.number AS issued, r.body::json ->> 'number' AS shown
FROM issued i, api_queue.get_ticket(pg_temp.req(i.id)) r;
SELECT r.body::json ->> 'number' AS next_issued
FROM api_queue.create_ticket('{"body_type":"form","query":{"customer_id_type":"DNI","customer_id_number":"PFX-1"},
	"body":{"channel":"kiosk","branch_id":"B01","sector_id":"S01","service_id":"SVPFX"}}') r;
SELECT e ->> 'number' AS listed
FROM api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"PFX-1"}}') r,
	json_array_elements(r.body::json) e;
INSERT INTO pgticket.ticket_queue (ticket_id, branch, sector, service, day, queue_number)
SELECT (pgticket.create_ticket('queue', (SELECT min(id) FROM pgticket.customer), 'by hand')).id,
	'B01', 'S01', 'SVPFX', current_date, 900
RETURNING prefix, pgticket.queue_label(prefix, queue_number) AS number;
-- a prefix set to NULL is its service's again (a number is never null);
-- one no service could have is refused, by hand or by COPY
UPDATE pgticket.ticket_queue SET prefix = NULL
WHERE service = 'SVPFX' AND queue_number = 1
RETURNING prefix, pgticket.queue_label(prefix, queue_number) AS number;
SELECT e ->> 'number' AS listed
FROM api_queue.list_tickets('{"query":{"customer_id_type":"DNI","customer_id_number":"PFX-1"}}') r,
	json_array_elements(r.body::json) e;
\set VERBOSITY terse
SAVEPOINT wrong;
UPDATE pgticket.ticket_queue SET prefix = 'q' WHERE service = 'SVPFX';
ROLLBACK TO wrong;
UPDATE pgticket.ticket_queue SET prefix = '' WHERE service = 'SVPFX';
ROLLBACK TO wrong;
COPY pgticket.ticket_queue (ticket_id, branch, sector, service, day, queue_number, prefix) FROM stdin;
0	B01	S01	SVPFX	2000-01-01	1	Q"
\.
ROLLBACK TO wrong;
\set VERBOSITY default
ROLLBACK;

--
-- pgticket_report.queue_waits: one queue's day, its times set by hand
-- (created 09:10, 09:20, 09:30, 09:40; the first two called 15 and 30
-- minutes later, the first finished 20 minutes after its call)
--
BEGIN;
CREATE TEMP TABLE qw ON COMMIT DROP AS
SELECT (pgticket.create_ticket('queue', (SELECT min(id) FROM pgticket.customer),
		'qw ' || g, created_at => timestamptz '2000-01-02 09:00 UTC'
		+ g * interval '10 minutes')).id, g
  FROM generate_series(1, 4) g;
INSERT INTO pgticket.ticket_queue (ticket_id, branch, sector, service, day,
	queue_number)
SELECT qw.id, s.branch, s.sector, s.code, date '2000-01-02', qw.g
  FROM qw, (SELECT * FROM pgticket.service ORDER BY 1, 2, 3 LIMIT 1) s;
SELECT state FROM pgticket.transition((SELECT id FROM qw WHERE g = 1), 'called');
SELECT state FROM pgticket.transition((SELECT id FROM qw WHERE g = 1), 'attending');
SELECT state FROM pgticket.transition((SELECT id FROM qw WHERE g = 1), 'finished');
SELECT state FROM pgticket.transition((SELECT id FROM qw WHERE g = 2), 'called');
SELECT state FROM pgticket.transition((SELECT id FROM qw WHERE g = 4), 'cancelled');
UPDATE pgticket.ticket_queue q
   SET called_at = t.created_at + CASE qw.g WHEN 1 THEN interval '15 minutes'
											ELSE interval '30 minutes' END,
	   finished_at = CASE qw.g WHEN 1 THEN t.created_at + interval '35 minutes' END
  FROM qw JOIN pgticket.ticket t ON t.id = qw.id
 WHERE q.ticket_id = qw.id AND qw.g IN (1, 2);
SELECT tickets, waiting, finished, cancelled, average_wait, longest_wait,
	   oldest_waiting > interval '0' AS someone_waits, average_service
  FROM pgticket_report.queue_waits WHERE day = date '2000-01-02';
-- one row per queue and day: no join multiplies the tickets
SELECT sum(tickets) = (SELECT count(*) FROM pgticket.ticket_queue) AS each_once
  FROM pgticket_report.queue_waits;
ROLLBACK;

-- create_ticket finds the service, and checks the foreign keys to it,
-- through its key, not by reading the table: with 300 services on 2 pages,
-- as in make bench (rolled back), a fresh session's call reads service by
-- index only
\c
BEGIN;
INSERT INTO pgticket.branch (code) SELECT 'BULK' || i FROM generate_series(1, 100) i;
INSERT INTO pgticket.sector (branch, code) SELECT 'BULK' || i, 'S1' FROM generate_series(1, 100) i;
INSERT INTO pgticket.service (branch, sector, code, prefix)
SELECT 'BULK' || i, 'S1', 'SV' || j, 'B' FROM generate_series(1, 100) i, generate_series(1, 3) j;
ANALYZE pgticket.branch, pgticket.service;
SELECT relpages FROM pg_class WHERE oid = 'pgticket.service'::regclass;
CREATE TEMP TABLE service_scans AS
SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
WHERE relid = 'pgticket.service'::regclass;
SELECT (api_queue.create_ticket('{"query":{"customer_id_type":"DNI","customer_id_number":"40222333"},"body":{"channel":"kiosk","branch_id":"BULK50","sector_id":"S1","service_id":"SV2"},"body_type":"form"}')).status;
SELECT x.seq_scan - s.seq_scan AS seq_scans, x.idx_scan - s.idx_scan > 0 AS key_lookups
FROM pg_stat_xact_user_tables x, service_scans s
WHERE x.relid = 'pgticket.service'::regclass;
ROLLBACK;
