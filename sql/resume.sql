--
-- 000 resume-service facade (api_resume.create_ticket) called with request
-- documents, on the demo data: Basic credentials, the idempotency key,
-- every validation rule, and what a success writes.  Ticket numbers depend
-- on what ran before, so answers show them as <n> and a query checks them.
--
SET timezone = 'UTC';
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
\set ECHO none
\i tests/demo-data.sql
\set ECHO all
\set SHOW_CONTEXT never

-- Row counts of the tables the facade writes, and what changed since the
-- last snapshot.
CREATE TEMP TABLE snapshot (tbl text PRIMARY KEY, n bigint);
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (tbl text, n bigint)
LANGUAGE sql AS $$
	SELECT 'ticket', count(*) FROM pgticket.ticket
	UNION ALL SELECT 'ticket_history', count(*) FROM pgticket.ticket_history
	UNION ALL SELECT 'ticket_dispatch', count(*) FROM pgticket.ticket_dispatch
	UNION ALL SELECT 'idempotency_key', count(*) FROM pgticket.idempotency_key
	UNION ALL SELECT 'customer', count(*) FROM pgticket.customer
	UNION ALL SELECT 'api_client', count(*) FROM pgticket.api_client
$$;
CREATE FUNCTION pg_temp.snap() RETURNS void LANGUAGE sql AS $$
	DELETE FROM snapshot;
	INSERT INTO snapshot SELECT * FROM pg_temp.counts();
$$;
CREATE FUNCTION pg_temp.changes() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(c.tbl || ' ' || to_char(c.n - s.n, 'SG999'),
		', ' ORDER BY c.tbl), 'nothing changed')
	FROM pg_temp.counts() c JOIN snapshot s USING (tbl)
	WHERE c.n <> s.n
$$;

-- A request document as nginx sends it (headers lower-cased); a NULL
-- header is left out.
CREATE FUNCTION pg_temp.req(body jsonb, key text DEFAULT 'regress-1',
	auth text DEFAULT 'Basic b2NzdXNlcjpvY3N1c2Vy',
	customer text DEFAULT '104127993008', profile text DEFAULT 'Siebel_201',
	body_type text DEFAULT 'json')
RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('method', 'POST',
		'path', '/api/v1/customers/' || customer || '/tickets',
		'params', jsonb_build_object('customerId', customer),
		'query', '{}'::jsonb,
		'headers', jsonb_strip_nulls(jsonb_build_object(
			'authorization', auth, 'request-tracking-id', key,
			'profileid', profile)),
		'body', body, 'body_type', body_type, 'remote_addr', '127.0.0.1')
$$;
-- Basic credentials of user:password
CREATE FUNCTION pg_temp.basic(pair text) RETURNS text LANGUAGE sql AS $$
	SELECT 'Basic ' || translate(encode(convert_to(pair, 'UTF8'), 'base64'),
		E'\n', '')
$$;
-- The seed's fields; extra replaces fields.  A fixed dispatch time, so
-- that a replay is the same request whenever it runs.
CREATE FUNCTION pg_temp.body(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'customer_id', 104127993008,
		'reason_code', 'RS01',
		'reason', 'Payment received',
		'dispatch_date_time', '2099-06-01T09:00:00Z',
		'service', jsonb_build_object('id', '26984565', 'code', 'INT',
			'description', 'Internet'),
		'requestor_info', jsonb_build_object('name', 'Karen Hain',
			'phone', 5551234567, 'email', 'karen@example.com'),
		'assigned_to_user', 'tech01') || extra
$$;
-- An answer with the transaction_id masked
CREATE FUNCTION pg_temp.show(r pgticket.http_response) RETURNS text
LANGUAGE sql AS $$
	SELECT r.status || ' ' || r.headers::text || ' '
		|| regexp_replace(coalesce(r.body, '-'),
			'"transaction_id":[0-9]+', '"transaction_id":<n>')
$$;
CREATE FUNCTION pg_temp.call(request jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.show(api_resume.create_ticket(request))
$$;

--
-- success: the ticket, its dispatch, the stored answer
--
SELECT pg_temp.snap();
SELECT api_resume.create_ticket(pg_temp.req(pg_temp.body())) AS r \gset
SELECT pg_temp.show(:'r'::pgticket.http_response);
SELECT pg_temp.changes();
SELECT (:'r'::pgticket.http_response).body::json ->> 'transaction_id' AS n \gset
SELECT t.workflow, t.state, t.type, t.subject, t.description, t.channel,
	   t.priority, c.resume_customer_id,
	   t.due_at = (pg_temp.body() ->> 'dispatch_date_time')::timestamptz AS due_at_dispatch,
	   d.dispatch_at = t.due_at AS dispatch_at,
	   d.reason_code, d.reason, d.service_id, d.service_code,
	   d.service_description, d.requestor, d.assigned_to_user, d.profile_id
  FROM pgticket.ticket t
  JOIN pgticket.ticket_dispatch d ON d.ticket_id = t.id
  JOIN pgticket.customer c ON c.id = t.customer_id
 WHERE t.workflow = 'resume' AND t.number = :n;
SELECT h.transition, h.from_state, h.to_state, h.actor_kind
  FROM pgticket.ticket_history h JOIN pgticket.ticket t ON t.id = h.ticket_id
 WHERE t.workflow = 'resume' AND t.number = :n;
SELECT k.api, cl.name, k.key, k.status, k.body = (:'r'::pgticket.http_response).body AS same_body,
	   k.ticket_id = t.id AS same_ticket
  FROM pgticket.idempotency_key k
  JOIN pgticket.api_client cl ON cl.id = k.client_id
  JOIN pgticket.ticket t ON t.workflow = 'resume' AND t.number = :n
 WHERE k.key = 'regress-1';
-- each row is written once: the ticket with its due date, the key with its
-- answer (rolled back)
BEGIN;
CREATE TEMP TABLE writes0 AS
SELECT pg_stat_get_xact_tuples_inserted(oid) AS ins,
	pg_stat_get_xact_tuples_updated(oid) AS upd, relname
FROM pg_class WHERE oid IN ('pgticket.ticket'::regclass,
	'pgticket.idempotency_key'::regclass);
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-once'));
SELECT w.relname, pg_stat_get_xact_tuples_inserted(c.oid) - w.ins AS inserted,
	pg_stat_get_xact_tuples_updated(c.oid) - w.upd AS updated
FROM writes0 w JOIN pg_class c ON c.relname = w.relname
	AND c.relnamespace = 'pgticket'::regnamespace
ORDER BY 1;
ROLLBACK;
-- the ticket follows the resume workflow
SELECT state FROM pgticket.transition((SELECT id FROM pgticket.ticket
	WHERE workflow = 'resume' AND number = :n), 'dispatched');

--
-- the idempotency key
--
-- the same request again: the first answer, byte for byte, and nothing new;
-- the body's key order and spacing do not make another request
SELECT pg_temp.snap();
SELECT (api_resume.create_ticket(pg_temp.req(pg_temp.body()))).body
	= (:'r'::pgticket.http_response).body AS same_answer;
SELECT (api_resume.create_ticket(pg_temp.req(
	(SELECT jsonb_object_agg(key, value) FROM jsonb_each(pg_temp.body()))))).status;
SELECT pg_temp.changes();
-- even once the dispatch time has passed or the customer is no longer cut off
UPDATE pgticket.customer SET cut_off = false WHERE resume_customer_id = 104127993008;
SELECT pg_temp.call(pg_temp.req(pg_temp.body()));
UPDATE pgticket.customer SET cut_off = true WHERE resume_customer_id = 104127993008;
-- another body, another path, an invalid body: 409, nothing written
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason_code": "RS02"}')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), customer => '104127993009'));
SELECT pg_temp.call(pg_temp.req('{}'));
SELECT pg_temp.changes();
-- a key belongs to its API client: another client's "regress-1" is its own
SELECT length(pgticket.add_api_client('resume', 'regress-client', 'pa:ss w0rd')) AS secret_length;
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason_code": "RS02"}'),
	auth => pg_temp.basic('regress-client:pa:ss w0rd')));
SELECT pg_temp.changes();
-- a refused request does not keep its key: the corrected request succeeds
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason_code": null}'), key => 'regress-2'));
SELECT pg_temp.changes();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-2'));
SELECT pg_temp.changes();
-- a cut-off customer may hold several scheduled tickets
SELECT count(*) FROM pgticket.ticket t JOIN pgticket.customer c ON c.id = t.customer_id
 WHERE c.resume_customer_id = 104127993008 AND t.state = 'scheduled';

--
-- Basic credentials: each refusal says what is wrong, writes nothing
--
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => NULL));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => ''));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'Bearer abc'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'Basic'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'Basic !!!!'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'Basic b2NzdXNlcjpvY3N1c2V'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'Basic /w=='));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('ocsuser')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic(':ocsuser')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('ocsuser:')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('ocsuser:ocsuser2')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('ocsuser:OCSUSER')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('nobody:ocsuser')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('ocsuser:' || repeat('x', 513))));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'Basic ' || repeat('QUFB', 400)));
-- a client of another API, an inactive client
SELECT length(pgticket.add_api_client('workshop', 'regress-other', 'secret-of-another-api-0123456789')) AS secret_length;
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('regress-other:secret-of-another-api-0123456789')));
UPDATE pgticket.api_client SET active = false WHERE name = 'regress-client';
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => pg_temp.basic('regress-client:pa:ss w0rd')));
UPDATE pgticket.api_client SET active = true WHERE name = 'regress-client';
-- the scheme is case-insensitive (RFC 7617)
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-3', auth => 'bAsIc b2NzdXNlcjpvY3N1c2Vy'));
SELECT pg_temp.changes();

--
-- headers and body
--
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => NULL));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => ' '));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => repeat('k', 201)));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-4', profile => NULL));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-4', profile => ''));
SELECT pg_temp.call(pg_temp.req(NULL, key => 'regress-4', body_type => 'none'));
SELECT pg_temp.call(pg_temp.req('[1, 2]', key => 'regress-4'));
SELECT pg_temp.call(pg_temp.req('"text"', key => 'regress-4'));
SELECT pg_temp.call(pg_temp.req('{"customer_id": "104127993008"}', key => 'regress-4', body_type => 'form'));
SELECT pg_temp.call(pg_temp.req(NULL, key => 'regress-4') || '{"body_error": "malformed JSON body"}');
SELECT pg_temp.changes();

--
-- every field rule, each refusal naming the field; nothing written
--
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-5', customer => 'abc'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-5', customer => '0'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-5', customer => '99999999999999999999'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body() - 'customer_id', key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": null}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": "104127993008"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 104127993008.5}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": -104127993008}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 1e30}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": {"id": 1}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 104127993009}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body() - 'reason_code', key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason_code": " "}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason_code": ["RS01"]}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason_code": true}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"reason": {"text": "x"}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body() - 'dispatch_date_time', key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "tomorrow"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "2099-02-30T09:00:00Z"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "2099-01-31"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "31-01-2099 09:00"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "2099-01-31T25:00:00Z"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "2020-01-31T09:00:00Z"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": 20990131}'), key => 'regress-5'));
-- an offset out of range is the field's refusal, not the cast's message
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "2099-01-31T09:00:00+16:00"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"dispatch_date_time": "2099-01-31T09:00:00,5-99"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body() - 'service', key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"service": "INT"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"service": {"code": "INT"}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"service": {"id": "", "code": "INT"}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"service": {"id": "1"}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"service": {"id": "1", "code": {}}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"service": {"id": "1", "code": "INT", "description": []}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"requestor_info": "Karen"}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"requestor_info": {"phone": "call me"}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"requestor_info": {"email": "karen"}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"requestor_info": {"name": ["K"]}}'), key => 'regress-5'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"assigned_to_user": {"id": 1}}'), key => 'regress-5'));
-- customer: unknown (404), not cut off (409)
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 104127993010}'), key => 'regress-5', customer => '104127993010'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 104127993009}'), key => 'regress-5', customer => '104127993009'));
-- SQL in every string reaches SQL only as a value
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 104127993010}'), key => 'x''; DROP TABLE pgticket.ticket; --', customer => '104127993010'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-5', customer => '1 OR 1=1'));
SELECT pg_temp.changes();

-- any JSON spelling of the whole number, other ISO 8601 spellings, a
-- service id given as a number, no requestor: all accepted
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(jsonb_build_object(
	'customer_id', 104127993008.0,
	'dispatch_date_time', to_char(now() + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
	'service', '{"id": 26984565, "code": "INT"}'::jsonb)) - 'requestor_info', key => 'regress-6'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(jsonb_build_object(
	'customer_id', '1.04127993008e11'::jsonb,
	'dispatch_date_time', to_char(now() + interval '1 day', 'YYYY-MM-DD"T"HH24:MI'))), key => 'regress-7'));
SELECT pg_temp.changes();

--
-- as nginx's role: the facade is all it can reach
--
SET ROLE pgticket_web;
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-1'));
SELECT count(*) FROM pgticket.idempotency_key;
RESET ROLE;

--
-- API clients: add, refuse, rotate
--
SELECT pgticket.add_api_client('resume', 'regress-client', 'x');
SELECT pgticket.add_api_client('resume', 'bad:name', 'x');
SELECT pgticket.add_api_client('resume', 'regress-empty', '');
SELECT pgticket.add_api_client('resume', 'regress-long', repeat('x', 513));
-- a name is a Basic user-id too: at most 512 bytes (a longer one could never
-- sign in, and a still longer one broke the (api, name) index)
SELECT pgticket.add_api_client('resume', repeat('n', 513), 'x');
SELECT pgticket.add_api_client('resume', repeat('é', 257), 'x');
SELECT pgticket.add_api_client('resume', (SELECT string_agg(md5(i::text), '')
										  FROM generate_series(1, 100) i), 'x');
BEGIN;
SELECT length(pgticket.add_api_client('resume', repeat('n', 512), 'x')) AS longest_name;
ROLLBACK;
-- a workshop API key is looked up by its unsalted hash: stored so, and a
-- DBA's own one must be high-entropy; a key is no other client's
BEGIN;
\set ON_ERROR_ROLLBACK on
SELECT length(pgticket.add_api_client('workshop', 'regress-key')) AS random_key;
SELECT salt = '' AS unsalted FROM pgticket.api_client WHERE name = 'regress-key';
SELECT pgticket.add_api_client('workshop', 'regress-short', repeat('k', 31));
SELECT pgticket.add_api_client('workshop', 'regress-own', repeat('k', 32)) AS own_key;
SELECT pgticket.add_api_client('workshop', 'regress-same', repeat('k', 32));
SELECT pgticket.set_api_client_secret('workshop', 'regress-key', repeat('k', 32));
SELECT pgticket.set_api_client_secret('workshop', 'regress-key', 'short');
SELECT salt <> '' AS salted FROM pgticket.api_client WHERE name = 'regress-client';
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SELECT pgticket.add_api_client('nowhere', 'regress-api', 'x');
SELECT pgticket.add_api_client(NULL, 'regress-api', 'x');
-- a random secret: 43 base64url characters, salted, never stored
SELECT pgticket.add_api_client('resume', 'regress-random') AS secret \gset
SELECT :'secret' ~ '^[A-Za-z0-9_-]{43}$' AS base64url,
	   octet_length(salt) AS salt_bytes,
	   key_hash = sha256(salt || convert_to(:'secret', 'UTF8')) AS hashed,
	   position(convert_to(:'secret', 'UTF8') in key_hash) = 0 AS not_stored
  FROM pgticket.api_client WHERE name = 'regress-random';
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-8',
	auth => pg_temp.basic('regress-random:' || :'secret')));
-- rotation: the old secret stops working, the new one works
SELECT pgticket.set_api_client_secret('resume', 'regress-random', 'n3w secret');
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-9',
	auth => pg_temp.basic('regress-random:' || :'secret')));
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-10',
	auth => pg_temp.basic('regress-random:n3w secret')));
SELECT pgticket.set_api_client_secret('resume', 'nobody', 'x');
-- deleting a client deletes its keys
SELECT count(*) FROM pgticket.idempotency_key k JOIN pgticket.api_client c
	ON c.id = k.client_id WHERE c.name = 'regress-random';
DELETE FROM pgticket.api_client WHERE name LIKE 'regress-%';
SELECT count(*) FROM pgticket.idempotency_key k
 WHERE NOT EXISTS (SELECT FROM pgticket.api_client c WHERE c.id = k.client_id);

--
-- a replay spelling customer_id as 104127993008.000 or 1.04127993008e11
-- is the same request (contract.md: any JSON spelling of a whole number is
-- that number): the first answer, one ticket; a string is another request
--
SELECT pg_temp.snap();
SELECT pg_temp.call(pg_temp.req(pg_temp.body(), key => 'regress-spell'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 104127993008.000}'),
	key => 'regress-spell'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": 1.04127993008e11}'),
	key => 'regress-spell'));
SELECT pg_temp.call(pg_temp.req(pg_temp.body('{"customer_id": "104127993008"}'),
	key => 'regress-spell'));
SELECT pg_temp.changes();
-- the other spelling first: its replay in digits only is the same request
SELECT (api_resume.create_ticket(pg_temp.req(
		pg_temp.body('{"customer_id": 104127993008.0}'),
		key => 'regress-spell-2'))).body
	 = (api_resume.create_ticket(pg_temp.req(pg_temp.body(),
		key => 'regress-spell-2'))).body AS same_answer;

--
-- resume_request: what the facade reads from a request, as a DBA sees it.
-- A number is taken as its text, the requestor keeps the fields given, a
-- time without an offset is in the session's time zone, a comma may mark
-- the fraction; each refusal is PT400 naming the field, in the order the
-- fields are checked
--
SET TimeZone = 'America/Argentina/Buenos_Aires';
SELECT * FROM pgticket.resume_request(pg_temp.req(pg_temp.body(
	'{"reason_code": 7, "dispatch_date_time": "2099-01-31T09:00",
	  "service": {"id": 26984565, "code": "INT"},
	  "requestor_info": {"phone": 5551234567, "name": null}}')
	- 'assigned_to_user', customer => '1.04127993008e11'));
SELECT dispatch_at, requestor FROM pgticket.resume_request(pg_temp.req(
	pg_temp.body('{"dispatch_date_time": "2099-01-31T09:00:00,25+05:30"}')
	- 'requestor_info' - 'reason'));
RESET TimeZone;

-- the dispatch time and the phone are read by loops in C, not by the
-- regular expressions of the contract: on some thousands of spellings
-- (prefixes, and each character deleted, replaced or doubled), they answer
-- what the expressions and the cast answered
CREATE FUNCTION pg_temp.mutations(bases text[], chars text[]) RETURNS SETOF text
LANGUAGE sql AS $$
	SELECT DISTINCT v FROM unnest(bases) b,
		LATERAL (SELECT left(b, i) FROM generate_series(0, length(b)) i
			UNION ALL
			SELECT overlay(b placing '' from i for 1) FROM generate_series(1, length(b)) i
			UNION ALL
			SELECT overlay(b placing c from i for 1)
			FROM generate_series(1, length(b)) i, unnest(chars) c
			UNION ALL
			SELECT overlay(b placing c || substr(b, i, 1) from i for 1)
			FROM generate_series(1, length(b)) i, unnest(chars) c) m(v)
$$;
CREATE FUNCTION pg_temp.dispatch_by_regex(value text) RETURNS timestamptz
LANGUAGE plpgsql AS $$
BEGIN
	IF value !~ ('^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}'
			|| '(:[0-9]{2}([.,][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$') THEN
		RETURN NULL;
	END IF;
	RETURN nullif(greatest(replace(value, ',', '.')::timestamptz, now()), now());
EXCEPTION WHEN data_exception THEN
	RETURN NULL;
END
$$;
CREATE FUNCTION pg_temp.dispatch_by_c(value text) RETURNS timestamptz
LANGUAGE plpgsql AS $$
BEGIN
	RETURN (pgticket.resume_request(pg_temp.req(pg_temp.body(
		jsonb_build_object('dispatch_date_time', value))))).dispatch_at;
EXCEPTION WHEN SQLSTATE 'PT400' THEN
	RETURN NULL;
END
$$;
CREATE FUNCTION pg_temp.phone_by_c(value text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pgticket.resume_request(pg_temp.req(pg_temp.body(jsonb_build_object(
		'requestor_info', jsonb_build_object('phone', value)))));
	RETURN true;
EXCEPTION WHEN SQLSTATE 'PT400' THEN
	RETURN false;
END
$$;
SET TimeZone = 'Asia/Kathmandu';
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE pg_temp.dispatch_by_c(v) IS NOT NULL) AS accepted,
	count(*) FILTER (WHERE pg_temp.dispatch_by_c(v)
		IS DISTINCT FROM pg_temp.dispatch_by_regex(v)) AS differ
FROM pg_temp.mutations(ARRAY['2099-01-31T09:00', '2099-01-31T09:00:59.123456789',
	'2099-01-31T09:00:59,5Z', '2099-12-31T23:59:59+05:30',
	'2099-02-28T00:00-0330', '2096-02-29T12:00:00-03', '2099-01-31T24:00:00Z'],
	ARRAY['0', '9', 'x', ':', '-', '+', 'Z', '.', ',', 'T', ' ', 'é']) v;
RESET TimeZone;
-- what the README says of the spellings: an offset with or without its
-- colon, 24:00 the next day's midnight, a second 60 the next minute
SET TimeZone = 'UTC';
SELECT v, pg_temp.dispatch_by_c(v) AS dispatch_at
FROM unnest(ARRAY['2099-01-31T09:00+05:30', '2099-01-31T09:00+0530',
	'2099-01-31T09:00+05', '2099-01-31T24:00Z', '2099-01-31T09:00:60Z',
	'2099-01-31T09:00+16:00', '2099-01-31T25:00Z', '2099-02-30T09:00Z']) v;
RESET TimeZone;
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE pg_temp.phone_by_c(v)) AS accepted,
	count(*) FILTER (WHERE pg_temp.phone_by_c(v)
		IS DISTINCT FROM (v ~ '^\+?[0-9][0-9 ()-]{0,31}$')) AS differ
FROM pg_temp.mutations(ARRAY['5551234567', '+34 (600) 000-000', '+1',
	'1' || repeat('0', 31), '+1' || repeat('-', 31), '(555) 1'],
	ARRAY['0', '+', '(', ')', '-', ' ', '.', 'a', 'é']) v;
-- resume_client cuts the token out of a header that matches (no capture):
-- the token regexp_match captured, on every spelling
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE v ~ '^[Bb][Aa][Ss][Ii][Cc] +[A-Za-z0-9+/]+={0,2} *$') AS matched,
	count(*) FILTER (WHERE (regexp_match(v,
			'^[Bb][Aa][Ss][Ii][Cc] +([A-Za-z0-9+/]+={0,2}) *$'))[1]
		IS DISTINCT FROM CASE
			WHEN v ~ '^[Bb][Aa][Ss][Ii][Cc] +[A-Za-z0-9+/]+={0,2} *$'
			THEN btrim(substr(v, 6)) END) AS differ
FROM pg_temp.mutations(ARRAY['Basic b2NzdXNlcjpvY3N1c2Vy', 'bAsIc   QQ==  ',
	'Basic  a+b/c=', 'basic x'], ARRAY[' ', '=', '+', '/', 'a', 'Z', '0', ':',
	E'\t', 'é']) v;
-- blank and white space, as the PL/pgSQL helpers had them: a required
-- string that is only spaces (btrim) is "required", any other value,
-- tabs and newlines and Unicode spaces included, is kept as given, and so
-- is a blank optional one; an e-mail address with any white space in it
-- ([:space:]: tab, newline, CR, FF, VT too) is refused
CREATE FUNCTION pg_temp.field_by_c(field text[], answer text[], value text)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN to_jsonb(pgticket.resume_request(pg_temp.req(jsonb_set(
		pg_temp.body(), field, to_jsonb(value))))) #>> answer;
EXCEPTION WHEN SQLSTATE 'PT400' THEN
	RETURN SQLERRM;
END
$$;
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE got LIKE '% is required') AS required,
	count(*) FILTER (WHERE got IS DISTINCT FROM CASE
		WHEN name IN ('reason_code', 'service.id', 'service.code')
			AND btrim(v) = '' THEN format('The %s field is required', name)
		ELSE v END) AS differ
FROM (SELECT DISTINCT a || b FROM unnest(ARRAY['', ' ', E'\t', E'\n', E'\r',
		E'\u00a0', E'\u3000', 'x']) a, unnest(ARRAY['', ' ', E'\t', E'\n', E'\r',
		E'\u00a0', E'\u3000', 'x']) b) s(v),
	(VALUES ('reason_code', '{reason_code}', '{reason_code}'),
		('reason', '{reason}', '{reason}'),
		('service.id', '{service,id}', '{service_id}'),
		('service.code', '{service,code}', '{service_code}'),
		('service.description', '{service,description}', '{service_description}'),
		('requestor_info.name', '{requestor_info,name}', '{requestor,name}'),
		('assigned_to_user', '{assigned_to_user}', '{assigned_to_user}'))
		f(name, field, answer),
	LATERAL pg_temp.field_by_c(field::text[], answer::text[], v) got;
SELECT count(*) AS spellings,
	count(*) FILTER (WHERE got = v) AS accepted,
	count(*) FILTER (WHERE got IS DISTINCT FROM CASE
		WHEN v ~ '^[^@[:space:]]+@[^@[:space:]]+$' THEN v
		ELSE 'The requestor_info.email field must be an e-mail address' END)
		AS differ
FROM (SELECT replace(b, '_', w) FROM unnest(ARRAY['a@b', '_a@b', 'a_@b',
		'a@_b', 'a@b_', 'a_b@c', 'a@b_c', '_', '@', 'a@', '@b', 'a@@b', 'a@b@c']) b,
	unnest(ARRAY[' ', E'\t', E'\n', E'\r', E'\f', E'\013', '', 'x', '@']) w) s(v),
	LATERAL pg_temp.field_by_c('{requestor_info,email}', '{requestor,email}', v) got;
-- customer_id of each JSON type that is not a number: the message says which
CREATE FUNCTION pg_temp.refusal_by_c(request jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pgticket.resume_request(request);
	RETURN 'accepted';
EXCEPTION WHEN SQLSTATE 'PT400' THEN
	RETURN SQLERRM;
END
$$;
SELECT v, pg_temp.refusal_by_c(pg_temp.req(pg_temp.body(
	jsonb_build_object('customer_id', v))))
FROM unnest(ARRAY['true', 'false', '[]', '[104127993008]', '{}',
	'"104127993008"', 'null', '104127993008e0']::jsonb[]) v;
-- a DBA's request whose path customerId is not text (nginx always sends
-- text): as ->> read it, a number is its spelling, anything else refused
SELECT v, pg_temp.refusal_by_c(jsonb_set(pg_temp.req(pg_temp.body()),
	'{params,customerId}', v))
FROM unnest(ARRAY['true', 'false', '[]', '["104127993008"]', '{}', 'null',
	'104127993008', '104127993008.0', '"1.04127993008e11"',
	'"104127993008.5"']::jsonb[]) v;
-- params, body or service a list (a DBA's request; the facade refuses a
-- body that is not an object): -> on a list is NULL, its elements are not
-- keys
SELECT f, v, pg_temp.refusal_by_c(jsonb_set(pg_temp.req(pg_temp.body()),
	f::text[], v))
FROM (VALUES ('{params}', '"104127993008"'::jsonb),
	('{params}', '["customerId", "104127993008"]'),
	('{body}', '["customer_id", 104127993008]'),
	('{body,service}', '["id", "code"]')) t(f, v);

\set SHOW_CONTEXT never
SELECT pgticket.resume_request(NULL);
SELECT pgticket.resume_request('{}');
SELECT pgticket.resume_request('{"params": {"customerId": "7"}}');
SELECT pgticket.resume_request(pg_temp.req(pg_temp.body(
	'{"reason_code": [], "service": "INT"}')));
SELECT pgticket.resume_request(pg_temp.req(pg_temp.body(
	'{"requestor_info": {"phone": "+", "email": "a b@c"}}')));
SELECT pgticket.resume_request(pg_temp.req(pg_temp.body(
	'{"requestor_info": {"email": "a b@c"}}')));
\set SHOW_CONTEXT errors

--
-- resume_replay and resume_key_taken called by a DBA: a NULL argument is
-- 22004 naming it (a NULL hash used to get the stored answer), nothing
-- written
--
SELECT id AS ocs FROM pgticket.api_client WHERE name = 'ocsuser' \gset
\set SHOW_CONTEXT never
SELECT pgticket.resume_replay(:ocs, 'regress-spell', NULL);
SELECT pgticket.resume_replay(NULL, 'regress-spell', '\x00');
SELECT pgticket.resume_key_taken(:ocs, NULL, '\x00');
SELECT pgticket.resume_key_taken(:ocs, 'regress-none', NULL);
SELECT pgticket.resume_key_taken(-1, 'regress-none', '\x00');
\set SHOW_CONTEXT errors
SELECT pg_temp.show(pgticket.resume_replay(:ocs, 'regress-spell', '\x00'));
SELECT pgticket.resume_key_taken(:ocs, 'regress-none', '\x00') AS taken,
	   pgticket.resume_key_taken(:ocs, 'regress-spell', '\x00') AS taken;
SELECT count(*) FROM pgticket.idempotency_key WHERE key = 'regress-none';
