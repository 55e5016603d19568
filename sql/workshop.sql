--
-- 003 workshop facades (api_workshop.*) called with request documents, on
-- the demo data: the API key demo-workshop-key, tokens signed with the demo
-- secret, the 30 pending tickets, the operator and the employee.
--
SET timezone = 'UTC';
\pset format unaligned
\pset tuples_only on

CREATE TEMP TABLE snapshot (tbl text PRIMARY KEY, n bigint);
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (tbl text, n bigint)
LANGUAGE sql AS $$
	SELECT 'ticket', count(*) FROM pgticket.ticket
	UNION ALL SELECT 'ticket_history', count(*) FROM pgticket.ticket_history
	UNION ALL SELECT 'in_progress', count(*) FROM pgticket.ticket
		WHERE workflow = 'workshop' AND state = 'in_progress'
	UNION ALL SELECT 'assigned', count(assignee_id) FROM pgticket.ticket
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
CREATE FUNCTION pg_temp.show(r pgticket.http_response) RETURNS text
LANGUAGE sql AS $$
	SELECT r.status || ' ' || coalesce(r.headers::text, '') || ' '
		|| coalesce(r.body, '<no body>')
$$;
-- a request document with the demo API key, or these headers
CREATE FUNCTION pg_temp.req(doc jsonb,
	headers jsonb DEFAULT '{"x-api-key": "demo-workshop-key"}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT '{"params":{},"query":{},"body":null,"body_type":"none"}'::jsonb
		|| jsonb_build_object('headers', headers) || doc
$$;
CREATE FUNCTION pg_temp.bearer(claims jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('authorization',
		'Bearer ' || pgticket.jwt_sign(claims, 'pgticket-demo-secret'))
$$;
CREATE FUNCTION pg_temp.patch(id text, body jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT pg_temp.req(jsonb_build_object('method', 'PATCH',
		'params', jsonb_build_object('id', id), 'body', body,
		'body_type', 'json'),
		'{"x-api-key": "demo-workshop-key", "content-type": "application/json"}')
$$;

\set ECHO none
\i tests/demo-data.sql
\set ECHO all
-- the workshop tickets earlier files raised are cancelled, so that the
-- pending ones are the demo's 30
SELECT count(pgticket.transition(t.id, 'cancelled')) >= 0
FROM pgticket.ticket t
WHERE t.workflow = 'workshop' AND t.state = 'pending'
	AND t.number NOT BETWEEN 7440303 AND 7440332;

--
-- GET /v2/tickets/pending-tickets: the seed's sample shape, oldest first
--
SELECT pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"2"}}')));
SELECT r.body::json -> 'query', r.body::json -> 'total',
	json_array_length(r.body::json -> 'result'),
	r.body::json #>> '{result,0,ticket_number}',
	r.body::json #>> '{result,24,ticket_number}'
FROM api_workshop.list_pending_tickets(pg_temp.req('{}')) r;
SELECT r.body::json -> 'query', json_array_length(r.body::json -> 'result'),
	r.body::json #>> '{result,0,ticket_number}'
FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"1000","offset":"28"}}')) r;
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"0"}}')) r;
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"offset":"100"}}')) r;
-- filters: ticket_number (any JSON spelling of the number), vin
SELECT pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req('{"query":{"ticket_number":"7440303"}}')));
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"ticket_number":"7.440305e6","limit":"5"}}')) r;
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"ticket_number":"7440305","offset":"1"}}')) r;
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"ticket_number":"1"}}')) r;
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"vin":"JH4KA7630PC007650"}}')) r;
SELECT r.body FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"vin":"JH4KA7630PC007650","ticket_number":"7440303"}}')) r;
-- bad paging and filters: one violation per bad field
SELECT q, pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req(
	jsonb_build_object('query', q::jsonb))))
FROM unnest(ARRAY[
	'{"limit":"1001"}',
	'{"limit":"-1"}',
	'{"limit":"2.5"}',
	'{"limit":""}',
	'{"limit":["1","2"]}',
	'{"offset":"-1"}',
	'{"offset":"9223372036854775808"}',
	'{"ticket_number":"abc"}',
	'{"ticket_number":"7440303 OR 1=1"}',
	'{"vin":"JH4KA7630PC00764"}',
	'{"vin":"JH4KA7630PC00764O"}',
	'{"vin":"jh4ka7630pc007649"}',
	'{"limit":"x","offset":"y","ticket_number":"z","vin":"w"}'
	]) q;

--
-- authentication: an API key, or a Bearer token
--
SELECT h, pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req(
	'{"query":{"limit":"0"}}', h::jsonb)))
FROM unnest(ARRAY[
	'{}',
	'{"x-api-key": "wrong-key"}',
	'{"x-api-key": ""}',
	'{"x-api-key": "DEMO-WORKSHOP-KEY"}',
	'{"authorization": "Basic ZGVtbzpkZW1v"}',
	'{"authorization": "Bearer"}',
	'{"authorization": "Bearer abc"}',
	'{"authorization": "Bearer a.b.c"}',
	'{"authorization": "Bearer abc", "x-api-key": "demo-workshop-key"}'
	]) h;
-- (the times in an expired token's message are masked)
SELECT c, regexp_replace(pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req(
	'{"query":{"limit":"0"}}', pg_temp.bearer(c::jsonb)))),
	'Current time: [^,]*, a difference of [0-9]+', 'Current time: <now>, a difference of <n>')
FROM unnest(ARRAY[
	'{"sub": "workshop-app", "scope": "tickets"}',
	'{"sub": "workshop-app", "scope": "read tickets write"}',
	'{"sub": "workshop-app", "scope": ["tickets"]}',
	'{"sub": "workshop-app", "scope": "tickets", "exp": 4102444800}',
	'{"sub": "workshop-app", "scope": "tickets", "exp": 1000000000}',
	'{"sub": "workshop-app", "scope": "tickets", "nbf": 4102444800}',
	'{"scope": "tickets"}',
	'{"sub": "", "scope": "tickets"}',
	'{"sub": 42, "scope": "tickets"}',
	'{"sub": "workshop-app"}',
	'{"sub": "workshop-app", "scope": "ticketsx"}',
	'{"sub": "workshop-app", "scope": "read"}'
	]) c;
-- signed with another secret; the scheme in another case
SELECT pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"0"}}',
	jsonb_build_object('authorization', 'Bearer ' || pgticket.jwt_sign(
		'{"sub": "x", "scope": "tickets"}', 'another-secret')))));
SELECT (api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"0"}}',
	jsonb_build_object('authorization', 'bearer ' || pgticket.jwt_sign(
		'{"sub": "x", "scope": "tickets"}', 'pgticket-demo-secret'))))).status;
-- an inactive client, a client without the scope, another API's client
BEGIN;
INSERT INTO pgticket.api_client (api, name, key_hash, scopes) VALUES
	('workshop', 'no-scope', sha256('no-scope-key'), '{read}'),
	('crm', 'crm-client', sha256('crm-key'), '{tickets}');
UPDATE pgticket.api_client SET active = false WHERE name = 'demo-workshop';
SELECT k, (api_workshop.list_pending_tickets(pg_temp.req('{}',
	jsonb_build_object('x-api-key', k)))).status
FROM unnest(ARRAY['demo-workshop-key', 'no-scope-key', 'crm-key']) k;
ROLLBACK;
-- auth comes before the parameters
SELECT pg_temp.show(api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"-1"}}', '{}')));

--
-- GET /v2/tickets/pending-tickets/{id}
--
SELECT pg_temp.show(api_workshop.get_pending_ticket(pg_temp.req('{"params":{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}')));
SELECT pg_temp.show(api_workshop.get_pending_ticket(pg_temp.req('{"params":{"id":"497F6ECA-6276-4993-BFEB-53CBBBBA6F08"}}', pg_temp.bearer('{"sub":"app","scope":"tickets"}'))));
SELECT pg_temp.show(api_workshop.get_pending_ticket(pg_temp.req('{"params":{"id":"00000000-0000-4000-8000-000000000000"}}')));
SELECT pg_temp.show(api_workshop.get_pending_ticket(pg_temp.req('{"params":{"id":"497f6eca"}}')));
SELECT pg_temp.show(api_workshop.get_pending_ticket(pg_temp.req('{"params":{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}', '{}')));
-- a ticket of another workflow is no workshop ticket
SELECT (api_workshop.get_pending_ticket(pg_temp.req(jsonb_build_object('params',
	jsonb_build_object('id', (SELECT uuid FROM pgticket.ticket
							  WHERE workflow = 'helpdesk' AND number = 11)))))).status;
-- not in progress yet
SELECT pg_temp.show(api_workshop.get_in_progress_ticket(pg_temp.req('{"params":{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}')));

--
-- PATCH /v2/tickets/pending-tickets/{id}: start-service
--
SELECT pg_temp.snap();
-- refused: nothing written
SELECT b, pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08', b::jsonb)))
FROM unnest(ARRAY[
	'{}',
	'[]',
	'{"transition":"start-service"}',
	'{"transition":{}}',
	'{"transition":{"type":"finish","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}',
	'{"transition":{"type":["start-service"],"operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}',
	'{"transition":{"type":"start-service","operator_id":"6f1c2d3e"}}',
	'{"transition":{"type":"start-service","operator_id":42}}',
	'{"transition":{"type":"start-service","operator_id":"00000000-0000-4000-8000-000000000000"}}',
	'{"transition":{"type":"start-service","operator_id":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}}'
	]) b;
SELECT pg_temp.show(api_workshop.transition_pending_ticket(pg_temp.patch('nope',
	'{"transition":{"type":"start-service","operator_id":"x"}}')));
SELECT pg_temp.show(api_workshop.transition_pending_ticket(pg_temp.patch(
	'00000000-0000-4000-8000-000000000000',
	'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')));
SELECT pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08', NULL)
	|| '{"body_error":"malformed JSON body"}'));
-- the content type must be JSON
SELECT ct, pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08',
		'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')
	|| jsonb_build_object('headers', jsonb_strip_nulls(jsonb_build_object(
		'x-api-key', 'demo-workshop-key', 'content-type', ct)))))
FROM unnest(ARRAY['text/plain', 'application/x-www-form-urlencoded', 'json',
	NULL]) ct;
-- an inactive operator
BEGIN;
UPDATE pgticket.staff SET active = false WHERE username = 'workshop-operator';
SELECT pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08',
		'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')));
ROLLBACK;
SELECT pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08',
		'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')
	|| '{"headers":{"content-type":"application/json"}}'));
SELECT pg_temp.changes();

-- the seed's request: 303 to the in-progress ticket
SELECT pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08',
		'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')));
SELECT pg_temp.changes();
SELECT t.state, s.username, h.transition, h.from_state, h.to_state,
	h.actor_kind, h.reason
FROM pgticket.ticket t JOIN pgticket.staff s ON s.id = t.assignee_id
JOIN pgticket.ticket_history h ON h.ticket_id = t.id AND h.transition = 'start-service'
JOIN pgticket.staff a ON a.id = h.actor_staff_id
WHERE t.uuid = '497f6eca-6276-4993-bfeb-53cbbbba6f08';
SELECT pg_temp.show(api_workshop.get_in_progress_ticket(pg_temp.req('{"params":{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}')));
-- no longer pending: 404 on GET, 409 on PATCH, out of the list
SELECT pg_temp.snap();
SELECT pg_temp.show(api_workshop.get_pending_ticket(pg_temp.req('{"params":{"id":"497f6eca-6276-4993-bfeb-53cbbbba6f08"}}')));
SELECT pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch('497f6eca-6276-4993-bfeb-53cbbbba6f08',
		'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')));
SELECT pg_temp.changes();
SELECT r.body::json -> 'total', r.body::json #>> '{result,0,ticket_number}'
FROM api_workshop.list_pending_tickets(pg_temp.req('{"query":{"limit":"1"}}')) r;
-- with a Bearer token, the reason names its subject
SELECT pg_temp.show(api_workshop.transition_pending_ticket(
	pg_temp.patch(md5('pgticket-demo-workshop-1')::uuid::text,
		'{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}')
	|| jsonb_build_object('headers', pg_temp.bearer('{"sub":"workshop-app","scope":"tickets"}')
		|| '{"content-type":"application/json; charset=utf-8"}')));
SELECT h.reason FROM pgticket.ticket_history h JOIN pgticket.ticket t ON t.id = h.ticket_id
WHERE t.uuid = md5('pgticket-demo-workshop-1')::uuid AND h.transition = 'start-service';

-- a workshop ticket is a row like any other in the reports
SELECT r.number, r.workflow, r.state, r.category, r.assignee
FROM pgticket_report.tickets r
WHERE r.uuid = '497f6eca-6276-4993-bfeb-53cbbbba6f08';


-- start-service finds the operator, and checks the foreign keys to staff,
-- through the staff table's keys, not by reading the table: with 125 staff
-- members on 2 pages, as at 1 M tickets in make bench (rolled back), a
-- fresh session's call scans staff by index only
\c
BEGIN;
INSERT INTO pgticket.staff (username, name, role)
SELECT 'bulk' || i || '@workshop.example', 'Bulk ' || i, 'agent'
FROM generate_series(1, 120) i;
CLUSTER pgticket.staff USING staff_pkey;
ANALYZE pgticket.staff;
SELECT relpages FROM pg_class WHERE oid = 'pgticket.staff'::regclass;
CREATE TEMP TABLE staff_scans AS
SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
WHERE relid = 'pgticket.staff'::regclass;
SELECT (api_workshop.transition_pending_ticket(jsonb_build_object(
	'method', 'PATCH', 'query', '{}'::jsonb, 'body_type', 'json',
	'params', jsonb_build_object('id', md5('pgticket-demo-workshop-2')::uuid),
	'headers', '{"x-api-key": "demo-workshop-key", "content-type": "application/json"}'::jsonb,
	'body', '{"transition":{"type":"start-service","operator_id":"6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}}'::jsonb))).status;
SELECT x.seq_scan - s.seq_scan AS seq_scans, x.idx_scan - s.idx_scan > 0 AS key_lookups
FROM pg_stat_xact_user_tables x, staff_scans s
WHERE x.relid = 'pgticket.staff'::regclass;
ROLLBACK;
