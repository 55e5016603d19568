--
-- 001 CRM facades (api_crm.*) called with request documents, on the demo
-- data: the mandatory headers, tokens good and bad, the response envelope,
-- every body rule, comments, and a CRM ticket seen through 004 and the
-- reporting views.  New tickets' numbers, record ids and times are masked.
--
SET timezone = 'UTC';
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
\set ECHO none
\i tests/demo-data.sql
\set ECHO all
\set SHOW_CONTEXT never

CREATE TEMP TABLE snapshot (tbl text PRIMARY KEY, n bigint);
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (tbl text, n bigint)
LANGUAGE sql AS $$
	SELECT 'ticket', count(*) FROM pgticket.ticket
	UNION ALL SELECT 'ticket_history', count(*) FROM pgticket.ticket_history
	UNION ALL SELECT 'ticket_crm', count(*) FROM pgticket.ticket_crm
	UNION ALL SELECT 'message', count(*) FROM pgticket.message
	UNION ALL SELECT 'customer', count(*) FROM pgticket.customer
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

-- tokens: the demo secret's, and by hand
CREATE FUNCTION pg_temp.b64url(t text) RETURNS text LANGUAGE sql AS $$
	SELECT rtrim(translate(encode(convert_to(t, 'UTF8'), 'base64'),
		E'+/\n', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.token(claims jsonb,
	secret text DEFAULT 'pgticket-demo-secret')
RETURNS text LANGUAGE sql AS $$
	SELECT pgticket.jwt_sign(claims, secret)
$$;
SELECT pg_temp.token('{"sub": "24218"}') AS tok \gset
SELECT pg_temp.token('{"sub": "649797"}') AS tok2 \gset

-- A request document as nginx sends it: the seed's headers (lower-cased
-- names), then extra ones; a NULL header is left out.
CREATE FUNCTION pg_temp.req(path text, operation text, token text,
	body jsonb DEFAULT NULL, headers jsonb DEFAULT '{}',
	body_type text DEFAULT 'json')
RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('method',
			CASE WHEN path LIKE '%details' OR path LIKE '%issues'
				THEN 'GET' ELSE 'POST' END,
		'path', path, 'params', '{}'::jsonb, 'query', '{}'::jsonb,
		'headers', jsonb_strip_nulls(jsonb_build_object(
			'token', token,
			'correlationid', '123e4567-e89b-12d3-a456-426614174000',
			'source', 'Selfcare', 'srdate', '11-09-2021',
			'operation', operation, 'destination', 'CRM') || headers),
		'body', body,
		'body_type', CASE WHEN body IS NULL THEN 'none' ELSE body_type END,
		'remote_addr', '127.0.0.1')
$$;
-- The seed's create request body; extra replaces keys
CREATE FUNCTION pg_temp.seed_body(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT '{"source": "app", "ticketstatus": "Open",
		"effectivedate": "YYYY-MM-DD", "ticketcategories": "Plan change",
		"ticket_title": "Plan change", "description": "Plan change request for ",
		"subcategory": "sub1", "status": "New", "category": "cat1",
		"vouchertype": "", "voucheridformat": "", "passwordpattern": ""}'::jsonb
		|| extra
$$;
-- An answer with what depends on the run masked: times of the last day,
-- numbers of tickets raised here (TT<n>, n > 10057), new record ids, the
-- current time in token messages.
CREATE FUNCTION pg_temp.show(r pgticket.http_response) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	b text := r.body;
	m text;
BEGIN
	FOR m IN SELECT DISTINCT x[1] FROM regexp_matches(b,
			'([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})', 'g') x LOOP
		IF m::timestamptz > now() - interval '1 day' THEN
			b := replace(b, m, '<now>');
		END IF;
	END LOOP;
	FOR m IN SELECT DISTINCT x[1] FROM regexp_matches(b, 'TT([0-9]+)', 'g') x LOOP
		IF m::bigint > 10057 THEN
			b := replace(b, 'TT' || m, 'TT<n>');
		END IF;
	END LOOP;
	b := regexp_replace(b, '17x1[0-9]{5,}', '17x<crm>', 'g');
	b := regexp_replace(b, 'Current time: [^,]*, a difference of [0-9]+',
		'Current time: <now>, a difference of <n>', 'g');
	RETURN r.status || ' ' || coalesce(r.headers ->> 'Content-Type', '-')
		|| ' ' || b;
END
$$;

--
-- GET /crm/v1/ticket/details and /crm/v1/ticket/issues: the seed's answers
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok2')));
SELECT pg_temp.show(api_crm.issue_types(pg_temp.req('/crm/v1/ticket/issues', 'issueTypes', :'tok')));
-- sub written as the rendered contact id; exp honoured when in the future
SELECT pg_temp.show(api_crm.issue_types(pg_temp.req('/crm/v1/ticket/issues', 'issueTypes',
	pg_temp.token('{"sub": "12x24218"}'))));
SELECT pg_temp.show(api_crm.issue_types(pg_temp.req('/crm/v1/ticket/issues', 'issueTypes',
	pg_temp.token(jsonb_build_object('sub', '24218',
		'exp', extract(epoch FROM now() + interval '1 hour')::bigint)))));

--
-- mandatory headers: the first missing one in the contract's order, then
-- operation, then srdate; nothing written
--
SELECT pg_temp.show(api_crm.ticket_details(jsonb_build_object('headers', '{}'::jsonb)));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', NULL, NULL,
	headers => '{"correlationid": null, "source": null, "srdate": null, "destination": null}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', NULL, 'x',
	headers => '{"correlationid": null, "source": null, "srdate": null, "destination": null}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', NULL, 'x',
	headers => '{"source": null, "srdate": null, "destination": null}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', NULL, 'x',
	headers => '{"srdate": null, "destination": null}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', NULL, 'x',
	headers => '{"destination": null}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', 'x',
	headers => '{"destination": null}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', 'x',
	headers => '{"destination": "  "}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', '')));
-- operation must be the endpoint's (case matters)
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'issueTypes', :'tok')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketdetail', :'tok')));
SELECT pg_temp.show(api_crm.issue_types(pg_temp.req('/crm/v1/ticket/issues', 'ticketDetail', :'tok')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'addTicketComment', :'tok', pg_temp.seed_body())));
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'ticketDetail', NULL, pg_temp.seed_body())));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'create', :'tok',
	'{"ticketNo": "1524", "comment": "x", "contactId": "24218"}')));
-- srdate dd-mm-yyyy, a real date
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok',
	headers => '{"srdate": "2021-09-11"}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok',
	headers => '{"srdate": "31-02-2021"}')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok',
	headers => '{"srdate": "1-9-2021"}')));
SELECT pg_temp.changes();

--
-- tokens: every refusal is 401 INVALID_TOKEN with its own message
--
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', 'string')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', 'a.b')));
-- alg none, with and without a signature; another alg
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.b64url('{"alg":"none","typ":"JWT"}') || '.' || pg_temp.b64url('{"sub":"24218"}') || '.')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.b64url('{"alg":"none"}') || '.' || pg_temp.b64url('{"sub":"24218"}') || '.' || split_part(:'tok', '.', 3))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.b64url('{"alg":"HS512"}') || '.' || pg_temp.b64url('{"sub":"24218"}') || '.' || split_part(:'tok', '.', 3))));
-- signed with another secret; forged (another contact under the old
-- signature); signature truncated or missing
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.token('{"sub": "24218"}', 'another-secret'))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	split_part(:'tok', '.', 1) || '.' || pg_temp.b64url('{"sub":"649797"}') || '.' || split_part(:'tok', '.', 3))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	left(:'tok', length(:'tok') - 5))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	split_part(:'tok', '.', 1) || '.' || split_part(:'tok', '.', 2) || '.')));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	'!!!.' || split_part(:'tok', '.', 2) || '.' || split_part(:'tok', '.', 3))));
-- expired (exp 2020-01-01), not yet valid
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.token('{"sub": "24218", "exp": 1577836800}'))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.token('{"sub": "24218", "nbf": 4102444800}'))));
-- valid tokens whose subject is no contact
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.token('{"sub": "999999"}'))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.token('{"name": "no subject"}'))));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail',
	pg_temp.token('{"sub": "24218 OR 1=1"}'))));
-- rotating the secret: old tokens stop working at once
BEGIN;
UPDATE pgticket.setting SET value = 'rotated' WHERE name = 'token_secret';
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok')));
SELECT pg_temp.show(api_crm.issue_types(pg_temp.req('/crm/v1/ticket/issues', 'issueTypes',
	pg_temp.token('{"sub": "24218"}', 'rotated'))));
ROLLBACK;
SELECT pg_temp.changes();

--
-- crm_token_contact (C) on its own: the contact number, or the error every
-- facade turns into its answer
--
CREATE FUNCTION pg_temp.check(headers jsonb, operation text DEFAULT 'ticketDetail',
	need_token boolean DEFAULT true, request jsonb DEFAULT NULL)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN coalesce(pgticket.crm_token_contact(coalesce(request,
		jsonb_build_object('headers', jsonb_strip_nulls(jsonb_build_object(
			'token', pg_temp.token('{"sub": "12x24218"}'),
			'correlationid', 'c', 'source', 's', 'srdate', '29-02-2024',
			'operation', 'ticketDetail', 'destination', 'd') || headers))),
		operation, need_token)::text, 'NULL');
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
SELECT pg_temp.check('{}');
-- each header absent, JSON null, empty or blank (spaces only): named;
-- a tab or a number is not blank
SELECT h, pg_temp.check(jsonb_build_object(h, v)) FROM unnest(ARRAY['token',
	'correlationid', 'source', 'srdate', 'operation', 'destination']) h,
	unnest(ARRAY['null', '""', '"   "']::jsonb[]) v;
SELECT pg_temp.check('{"destination": "\t"}'), pg_temp.check('{"destination": 0}'),
	pg_temp.check('{"destination": {}}');
-- the first missing one in the contract's order; no token asked without
-- need_token (NULL asks)
SELECT pg_temp.check('{"destination": null, "source": null}'),
	pg_temp.check('{"token": null, "srdate": null}'),
	pg_temp.check('{"token": null}', need_token => false),
	pg_temp.check('{"token": null}', need_token => NULL);
-- documents without headers
SELECT r, pg_temp.check('{}', request => r::jsonb) FROM unnest(ARRAY['{}',
	'[]', '5', '{"headers": null}', '{"headers": "x"}', '{"headers": []}']) r;
SELECT pg_temp.check('{}', request => NULL::jsonb), pg_temp.check('{}', request => 'null');
-- operation: the endpoint's exactly; NULL takes any
SELECT o, pg_temp.check(jsonb_build_object('operation', o)) FROM unnest(ARRAY[
	'"ticketDetail"', '"ticketdetail"', '"ticketDetail "', '"create"', '5', 'true',
	'{"a": 1}']::jsonb[]) o;
SELECT pg_temp.check('{"operation": "create"}', 'create'),
	pg_temp.check('{"operation": "anything"}', NULL),
	pg_temp.check('{"operation": 5}', '5');
-- srdate: a real dd-mm-yyyy date, Gregorian leap years, years 0001-9999
SELECT d, pg_temp.check(jsonb_build_object('srdate', d)) FROM unnest(ARRAY[
	'29-02-2024', '29-02-2023', '29-02-2000', '29-02-1900', '31-04-2024',
	'30-04-2024', '31-12-9999', '00-01-2024', '01-00-2024', '01-13-2024',
	'32-01-2024', '01-01-0000', '01-01-0001', '1-01-2024', '01-01-24',
	'2024-01-01', '01/01/2024', '01-01-2024 ', E'01-01-2024\n',
	'01-01-2024 10:00']) d;
SELECT pg_temp.check('{"srdate": 1}');
-- the contact the token's sub names: 12x<n> or <n>, n plain digits within
-- bigint; NULL for anything else (the facades answer "Unknown contact.")
SELECT s, pg_temp.check(jsonb_build_object('token', pg_temp.token(
	jsonb_build_object('sub', s)))) FROM unnest(ARRAY['"12x24218"', '"24218"',
	'"007"', '"12x"', '"12x0"', '"12X5"', '"12x12x5"', '" 5"', '"5 "', '"-5"',
	'"+5"', '"5.0"', '"12x9223372036854775807"', '"9223372036854775808"',
	'"00000000000000000001"', '24218', '2.4218e4', '5.5', 'true', 'null',
	'{"a": 5}', '[5]']::jsonb[]) s;
SELECT pg_temp.check(jsonb_build_object('token', pg_temp.token('{}')));
-- a bad token after the header checks; without need_token not even read
SELECT pg_temp.check('{"token": "a.b"}'), pg_temp.check('{"token": 5}'),
	pg_temp.check('{"token": "a.b"}', need_token => false),
	pg_temp.check('{"token": "a.b", "srdate": "x"}');
-- the secret read on every call: unset or empty is the server's fault (55000)
BEGIN;
UPDATE pgticket.setting SET value = '' WHERE name = 'token_secret';
SELECT pg_temp.check('{}'), pg_temp.check('{}', need_token => false);
DELETE FROM pgticket.setting WHERE name = 'token_secret';
SELECT pg_temp.check('{}');
ROLLBACK;
SELECT pg_temp.check('{}');
-- the secret's lookup names everything: an "=" that is always true first
-- on the search_path cannot make another setting the secret
BEGIN;
CREATE SCHEMA evil;
CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
-- (the secret's row moved to the end of the heap, behind the others)
UPDATE pgticket.setting SET value = value WHERE name = 'token_secret';
SET LOCAL search_path = evil, pg_catalog, public;
SELECT count(*) FROM pgticket.setting WHERE name = 'token_secret' AND value <> '';
SELECT pg_temp.check('{}');
ROLLBACK;

--
-- POST /crm/v1/ticket: the seed's request, the whole record
--
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body())));
SELECT pg_temp.changes();
SELECT max(number) AS n FROM pgticket.ticket WHERE workflow = 'helpdesk' \gset
SELECT t.workflow, t.state, t.type, t.subject, t.description, t.channel,
	   t.priority, c.crm_contact_id, x.status_label,
	   x.extra - 'crm_id' AS extra, (x.extra ->> 'crm_id')::bigint >= 100000 AS crm_id
  FROM pgticket.ticket t
  JOIN pgticket.customer c ON c.id = t.customer_id
  JOIN pgticket.ticket_crm x ON x.ticket_id = t.id
 WHERE t.workflow = 'helpdesk' AND t.number = :n;
-- the ticket is the contact's newest
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok')));
-- body keys regardless of case and underscores; an effective date; form
-- bodies; numbers as their text; record keys a client sets are kept
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok',
	'{"Source": "", "ticketStatus": "open", "effectiveDate": "2021-09-11",
	  "ticketCategories": "Request", "TicketTitle": "Roaming", "Description": "Enable roaming",
	  "subCategory": "sub2", "STATUS": "New", "category": "cat2", "voucherType": "",
	  "voucherIdFormat": "", "password_pattern": "", "ticket_priorities": "High",
	  "hours": 2, "unknown": "ignored"}')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok2',
	'{"source": "app", "ticketstatus": "Open", "effectivedate": "", "ticketcategories": "Request",
	  "tickettitle": "Form", "description": "sent as a form", "subcategory": "",
	  "status": "", "category": "", "vouchertype": "", "voucheridformat": "",
	  "passwordpattern": ""}', body_type => 'form')));
SELECT pg_temp.changes();

-- every refusal names the parameter; nothing written
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'ticketstatus')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'effectivedate')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'ticketcategories')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'ticket_title')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'description')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'subcategory')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'status')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'category')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'vouchertype')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'voucheridformat')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'passwordpattern')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body() - 'source')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"ticket_title": " "}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"ticketstatus": "Closed"}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"ticketcategories": null}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"description": {"text": "x"}}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"effectivedate": "2021-13-01"}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"effectivedate": "11-09-2021"}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', pg_temp.seed_body('{"tags": ["a", "b"]}'))));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', '[1, 2]')));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', :'tok', NULL)
	|| '{"body_error": "malformed JSON body"}'));
SELECT pg_temp.show(api_crm.create_ticket(pg_temp.req('/crm/v1/ticket', 'create', pg_temp.token('{"sub": "1"}'), pg_temp.seed_body())));
SELECT pg_temp.changes();

--
-- POST /crm/v1/social/ticket: no token; the contact of the body's
-- contactId, else the crm_social_contact setting (12x24218 in the demo)
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL, pg_temp.seed_body())));
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL,
	pg_temp.seed_body('{"contactId": "12x649797", "ticket_title": "From Twitter"}'))));
SELECT x.extra ->> 'via' FROM pgticket.ticket_crm x
	JOIN pgticket.ticket t ON t.id = x.ticket_id WHERE t.subject = 'From Twitter';
SELECT pg_temp.changes();
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL,
	pg_temp.seed_body('{"contact_id": "777"}'))));
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL,
	pg_temp.seed_body('{"contactId": "x"}'))));
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL,
	pg_temp.seed_body() - 'ticketstatus')));
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL,
	pg_temp.seed_body(), headers => '{"correlationid": null}')));
BEGIN;
DELETE FROM pgticket.setting WHERE name = 'crm_social_contact';
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL, pg_temp.seed_body())));
INSERT INTO pgticket.setting VALUES ('crm_social_contact', 'nobody');
SELECT pg_temp.show(api_crm.create_social_ticket(pg_temp.req('/crm/v1/social/ticket', 'create', NULL, pg_temp.seed_body())));
ROLLBACK;
SELECT pg_temp.changes();

--
-- POST /crm/v1/ticket/comment
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok2',
	'{"ticketNo": "10057", "comment": "venki testing", "contactId": "649797"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketno": "TT1524", "contact_id": "12x24218"}', headers => '{"data": "comment from the data header"}')));
SELECT pg_temp.changes();
SELECT t.number, m.author_kind, m.visibility, m.body, c.crm_contact_id
  FROM pgticket.message m
  JOIN pgticket.ticket t ON t.id = m.ticket_id
  JOIN pgticket.customer c ON c.id = m.customer_id
 WHERE t.workflow = 'helpdesk' AND t.number IN (10057, 1524)
 ORDER BY m.id;
-- refused, nothing written: another contact's ticket and an unknown one
-- look the same; the contactId must be the token's
SELECT pg_temp.snap();
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "10057", "comment": "not mine", "contactId": "24218"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "99999999", "comment": "nobody''s", "contactId": "24218"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "10057", "comment": "pretending", "contactId": "649797"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"comment": "x", "contactId": "24218"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "1524 OR 1=1", "comment": "x", "contactId": "24218"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "1524", "contactId": "24218"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "1524", "comment": " ", "contactId": "24218"}', headers => '{"data": ""}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', :'tok',
	'{"ticketNo": "1524", "comment": "x"}')));
SELECT pg_temp.show(api_crm.add_comment(pg_temp.req('/crm/v1/ticket/comment', 'addTicketComment', NULL,
	'{"ticketNo": "1524", "comment": "x", "contactId": "24218"}')));
SELECT pg_temp.changes();

--
-- One store: the CRM ticket raised above through 004 and the reports
--
SELECT t.number AS n, t.id AS tid FROM pgticket.ticket t
 WHERE t.workflow = 'helpdesk' AND t.subject = 'Roaming' \gset
SELECT pg_temp.show(api_helpdesk.get_ticket_details(jsonb_build_object(
	'params', jsonb_build_object('ticketId', :'n'),
	'nginx', '{"audience": "admin"}'::jsonb)));
SELECT pg_temp.show(api_helpdesk.close_ticket(jsonb_build_object(
	'params', jsonb_build_object('ticketId', :'n'),
	'nginx', '{"audience": "admin"}'::jsonb)));
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok')));
SELECT id = :tid AS same_row, workflow, state, category, customer, channel, type
  FROM pgticket_report.tickets WHERE workflow = 'helpdesk' AND number = :n;

--
-- as nginx's role: the facades are all it can reach
--
SET ROLE pgticket_web;
SELECT pg_temp.show(api_crm.issue_types(pg_temp.req('/crm/v1/ticket/issues', 'issueTypes', :'tok')));
SELECT pgticket.token_claims(:'tok');
RESET ROLE;

-- CRM record ids are unique; a row given none gets the next one
\set VERBOSITY terse
INSERT INTO pgticket.ticket_crm (ticket_id, extra)
SELECT id, '{"crm_id": 95784}' FROM pgticket.ticket
 WHERE workflow = 'helpdesk' AND number = 11;
BEGIN;
INSERT INTO pgticket.ticket_crm (ticket_id, extra)
SELECT id, '{}' FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number = 11
RETURNING (extra ->> 'crm_id')::bigint = currval('pgticket.crm_record_seq') AS from_sequence;
ROLLBACK;
-- an imported record holding the ids the sequence gives next: a row given
-- none skips them, instead of failing on the unique index (a client's 409)
BEGIN;
SELECT nextval('pgticket.crm_record_seq') AS seq \gset
INSERT INTO pgticket.ticket_crm (ticket_id, extra)
SELECT (pgticket.create_ticket('helpdesk', t.customer_id, 'imported ' || n)).id,
	   jsonb_build_object('crm_id', :seq + n)
  FROM pgticket.ticket t, generate_series(1, 2) n
 WHERE t.workflow = 'helpdesk' AND t.number = 11;
INSERT INTO pgticket.ticket_crm (ticket_id, extra)
SELECT id, '{}' FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number = 11
RETURNING (extra ->> 'crm_id')::bigint - :seq AS after_seq;
ROLLBACK;
\set VERBOSITY default

--
-- ticket_crm.customer_id is its ticket's: set whatever a writer gives,
-- and followed when a DBA moves the ticket to another contact, whose
-- ticket details then list it.  The list reads the contact's CRM tickets
-- by ticket_crm_customer, none of its other helpdesk tickets.
--
BEGIN;
SELECT id AS c1 FROM pgticket.customer WHERE crm_contact_id = 24218 \gset
SELECT id AS c2 FROM pgticket.customer WHERE crm_contact_id = 649797 \gset
UPDATE pgticket.ticket_crm SET customer_id = :c2
 WHERE ticket_id = (SELECT id FROM pgticket.ticket
					WHERE workflow = 'helpdesk' AND number = 990)
RETURNING customer_id = :c1 AS kept_the_tickets;
INSERT INTO pgticket.ticket_crm (ticket_id, customer_id)
SELECT (pgticket.create_ticket('helpdesk', :c1, 'written with c2')).id, :c2
RETURNING customer_id = :c1 AS set_from_the_ticket;
UPDATE pgticket.ticket SET customer_id = :c2
 WHERE workflow = 'helpdesk' AND number = 990;
SELECT t.number, x.customer_id = :c2 AS followed
  FROM pgticket.ticket_crm x JOIN pgticket.ticket t ON t.id = x.ticket_id
 WHERE t.number = 990 AND t.workflow = 'helpdesk';
SELECT pg_temp.show(api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok2')));
-- 2000 helpdesk tickets of tok's contact that are no CRM tickets, and
-- 1000 other contacts with a CRM ticket each (analyzed, rolled back): the
-- details read its CRM tickets' rows only
SELECT count(*) FROM (SELECT pgticket.create_ticket('helpdesk', :c1, 'not crm ' || n)
					  FROM generate_series(1, 2000) n) s;
WITH c AS (
	INSERT INTO pgticket.customer (name, crm_contact_id)
	SELECT 'contact ' || n, 900000 + n FROM generate_series(1, 1000) n
	RETURNING id)
INSERT INTO pgticket.ticket_crm (ticket_id)
SELECT (pgticket.create_ticket('helpdesk', c.id, 'crm')).id FROM c;
ANALYZE pgticket.ticket, pgticket.ticket_crm;
CREATE FUNCTION pg_temp.ticket_reads() RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
	FROM pg_stat_xact_user_tables WHERE relid = 'pgticket.ticket'::regclass
$$;
SELECT pg_temp.ticket_reads() AS before \gset
SELECT jsonb_array_length(r.body::jsonb -> 'response' -> 'result') AS crm_tickets
  FROM api_crm.ticket_details(pg_temp.req('/crm/v1/ticket/details', 'ticketDetail', :'tok')) r;
SELECT CASE WHEN n < 20 THEN 'a few ticket rows read'
	   ELSE format('%s ticket rows read', n) END AS reads
  FROM (SELECT pg_temp.ticket_reads() - :before AS n) s;
ROLLBACK;

--
-- customer_id whatever the statement: a CRM row onto a ticket that does not
-- exist is the foreign key's error (not one about customer_id); a merge of
-- a contact's tickets into another, INSERT ... ON CONFLICT moving a row to
-- another ticket leave every row with its ticket's customer (COPY fires the
-- same row trigger: tests/t/029-dump.t restores CRM rows through it).
--
BEGIN;
\set VERBOSITY terse
SAVEPOINT s;
INSERT INTO pgticket.ticket_crm (ticket_id) VALUES (0);
ROLLBACK TO s;
UPDATE pgticket.ticket_crm SET ticket_id = -1
 WHERE ticket_id = (SELECT min(ticket_id) FROM pgticket.ticket_crm);
ROLLBACK TO s;
\set VERBOSITY default
SELECT id AS c1 FROM pgticket.customer WHERE crm_contact_id = 24218 \gset
SELECT id AS c2 FROM pgticket.customer WHERE crm_contact_id = 649797 \gset
UPDATE pgticket.ticket SET customer_id = :c2 WHERE customer_id = :c1;
SELECT (pgticket.create_ticket('helpdesk', :c1, 'upsert target')).id AS t2 \gset
INSERT INTO pgticket.ticket_crm (ticket_id, customer_id)
SELECT ticket_id, 0 FROM pgticket.ticket_crm
 WHERE customer_id = :c2 ORDER BY ticket_id LIMIT 1
ON CONFLICT (ticket_id) DO UPDATE SET ticket_id = :t2, customer_id = 0
RETURNING ticket_id = :t2 AS moved, customer_id = :c1 AS onto_its_customer;
SELECT count(*) AS crm_rows, count(*) FILTER (WHERE x.customer_id <> t.customer_id) AS wrong
  FROM pgticket.ticket_crm x JOIN pgticket.ticket t ON t.id = x.ticket_id;
ROLLBACK;

--
-- The CRM rows' triggers under a session's hostile search_path: a schema
-- first whose "=" is always true and whose tables shadow pgticket's.  The
-- record id is still the next free one (an always-true "=" made the
-- search for a free id loop forever), and customer_id still the ticket's.
-- statement_timeout only stops a broken run.
--
BEGIN;
SET LOCAL statement_timeout = '10s';
CREATE SCHEMA evil;
CREATE TABLE evil.ticket (id bigint, customer_id bigint);
CREATE TABLE evil.ticket_crm (ticket_id bigint, customer_id bigint, extra jsonb);
CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
CREATE FUNCTION evil.eq(bigint, bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.eq);
SELECT id AS c1 FROM pgticket.customer WHERE crm_contact_id = 24218 \gset
SELECT id AS c2 FROM pgticket.customer WHERE crm_contact_id = 649797 \gset
SELECT (pgticket.create_ticket('helpdesk', :c1, 'hostile path')).id AS t1 \gset
SELECT (pgticket.create_ticket('helpdesk', :c2, 'hostile path')).id AS t2 \gset
SELECT last_value AS seq FROM pgticket.crm_record_seq \gset
SET LOCAL search_path = evil, pg_catalog, public;
INSERT INTO pgticket.ticket_crm (ticket_id, customer_id) VALUES (:t1, 0)
RETURNING customer_id OPERATOR(pg_catalog.=) :c1 AS its_customer,
	(extra ->> 'crm_id')::bigint OPERATOR(pg_catalog.-) :seq AS after_seq;
UPDATE pgticket.ticket_crm SET ticket_id = :t2
 WHERE ticket_id OPERATOR(pg_catalog.=) :t1
RETURNING customer_id OPERATOR(pg_catalog.=) :c2 AS its_customer;
UPDATE pgticket.ticket SET customer_id = :c1 WHERE id OPERATOR(pg_catalog.=) :t2;
RESET search_path;
SELECT count(*) AS crm_rows, count(*) FILTER (WHERE x.customer_id <> t.customer_id) AS wrong,
	count(DISTINCT x.extra ->> 'crm_id') AS record_ids
  FROM pgticket.ticket_crm x JOIN pgticket.ticket t ON t.id = x.ticket_id;
ROLLBACK;
