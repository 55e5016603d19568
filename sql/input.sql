--
-- input: typed strictly and predictably (contract.md, "Errors, for every
-- API"; the README's "Input types").  Where a single value is expected, an
-- array or an object is a 400 naming the parameter; where a whole number
-- is expected, every JSON spelling of one is that number and anything else
-- is a 400 naming it.  The shared helpers, then each of the 000-003
-- facades with request documents, on the demo data; nothing is kept.
--
SET timezone = 'UTC';
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
\set ECHO none
\i tests/demo-data.sql
\set ECHO all
\set SHOW_CONTEXT never

-- an error's SQLSTATE, message and COLUMN (the parameter it names)
CREATE FUNCTION pg_temp.refusal(request jsonb, name text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_state text;
	v_msg text;
	v_col text;
BEGIN
	RETURN 'accepted: ' || coalesce(pgticket.req_arg(request, name), '<null>');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
		v_col = COLUMN_NAME;
	RETURN format('%s %s (%s)', v_state, v_msg, v_col);
END
$$;
CREATE FUNCTION pg_temp.show(r pgticket.http_response) RETURNS text
LANGUAGE sql AS $$
	SELECT r.status || ' ' || coalesce(r.body, '<no body>')
$$;

--
-- single values: req_arg (path, then body, then query)
--
SELECT pg_temp.refusal(d::jsonb, 'a') FROM unnest(ARRAY[
	'{"query": {"a": "q"}}',
	'{"body": {"a": 12.50}}',
	'{"body": {"a": true}}',
	'{"body": {"a": null}, "query": {"a": "q"}}',
	'{"query": {"a": ["q1", "q2"]}}',
	'{"body": {"a": ["b"]}}',
	'{"body": {"a": []}}',
	'{"body": {"a": {"x": 1}}}',
	'{"params": {"a": "p"}, "query": {"a": ["q1", "q2"]}}',
	'{"body": ["a"], "query": {"a": "q"}}']) d;

--
-- whole numbers: every JSON spelling, within bigint
--
SELECT v, pgticket.parse_whole_number(v) FROM unnest(ARRAY['7', '7.0',
	'7e0', '0.7e1', '70e-1', '-0', '-7', '9223372036854775807',
	'-9223372036854775808', '9.223372036854775807e18', '9223372036854775808',
	'1e19', '1e400', '1e1000', '7.5', '1e-1', '007', '+7', ' 7', '7 ', '0x10',
	'NaN', 'Infinity', '1_000', '', NULL]) v;

--
-- 000: customerId in the path and customer_id in the body are whole
-- numbers; string fields refuse arrays, objects and booleans
--
CREATE FUNCTION pg_temp.resume(customer text, body jsonb,
	key text DEFAULT 'input-1')
RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.show(api_resume.create_ticket(jsonb_build_object(
		'method', 'POST',
		'path', '/api/v1/customers/' || customer || '/tickets',
		'params', jsonb_build_object('customerId', customer),
		'query', '{}'::jsonb,
		'headers', jsonb_build_object(
			'authorization', 'Basic b2NzdXNlcjpvY3N1c2Vy',
			'request-tracking-id', key, 'profileid', 'Siebel_201'),
		'body', body, 'body_type', 'json')))
$$;
CREATE FUNCTION pg_temp.resume_body(extra jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'customer_id', 104127993008, 'reason_code', 'RS01',
		'dispatch_date_time', '2099-06-01T09:00:00Z',
		'service', jsonb_build_object('id', '26984565', 'code', 'INT')) || extra
$$;
BEGIN;
SELECT c, regexp_replace(pg_temp.resume(c, pg_temp.resume_body(), 'input-' || c),
		'"transaction_id":[0-9]+', '"transaction_id":<n>')
FROM unnest(ARRAY['104127993008', '104127993008.0', '1.04127993008e11',
	'0', '-104127993008', '104127993008.5', '1e400', '0104127993008',
	'104127993008 ', 'x']) c;
ROLLBACK;
SELECT v, pg_temp.resume('104127993008',
	pg_temp.resume_body(jsonb_build_object('customer_id', v::jsonb)))
FROM unnest(ARRAY['"104127993008"', '104127993008.5', '-104127993008', '0',
	'1e400', '[104127993008]', '{"id": 104127993008}', 'true', 'null']) v;
SELECT f, pg_temp.resume('104127993008', pg_temp.resume_body() || v::jsonb)
FROM (VALUES ('reason_code', '{"reason_code": ["RS01", "RS02"]}'),
			 ('reason_code', '{"reason_code": {"code": "RS01"}}'),
			 ('reason', '{"reason": ["a"]}'),
			 ('dispatch_date_time', '{"dispatch_date_time": ["2099-06-01T09:00:00Z"]}'),
			 ('service', '{"service": ["26984565", "INT"]}'),
			 ('service.code', '{"service": {"id": "1", "code": ["INT"]}}'),
			 ('service.id', '{"service": {"id": {"n": 1}, "code": "INT"}}'),
			 ('requestor_info', '{"requestor_info": "Karen"}'),
			 ('requestor_info.phone', '{"requestor_info": {"phone": [5551234567]}}'),
			 ('assigned_to_user', '{"assigned_to_user": false}')) AS t(f, v);

--
-- 001: ticketNo and contactId are numbers (any JSON spelling, or with
-- their prefix); body parameters refuse arrays and objects
--
SELECT pgticket.jwt_sign('{"sub": "24218"}', 'pgticket-demo-secret') AS tok \gset
CREATE FUNCTION pg_temp.crm(fn text, operation text, body jsonb,
	body_type text DEFAULT 'json')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r pgticket.http_response;
	req jsonb := jsonb_build_object('method', 'POST',
		'params', '{}'::jsonb, 'query', '{}'::jsonb,
		'headers', jsonb_build_object('token', current_setting('input.tok'),
			'correlationid', '1', 'source', 'Selfcare', 'srdate', '11-09-2021',
			'operation', operation, 'destination', 'CRM'),
		'body', body, 'body_type', body_type);
BEGIN
	EXECUTE format('SELECT * FROM api_crm.%I($1)', fn) INTO r USING req;
	RETURN pg_temp.show(r);
END
$$;
SELECT set_config('input.tok', :'tok', false) IS NOT NULL;
BEGIN;
SELECT v, pg_temp.crm('add_comment', 'addTicketComment', jsonb_build_object(
		'ticketNo', v::jsonb, 'comment', 'typed', 'contactId', '24218'))
FROM unnest(ARRAY['1524', '"1524"', '"TT1524"', '1524.0', '1.524e3',
	'"1.524e3"', '1524.5', '0', '-1524', '1e400', '"TT1524.0"', '"tt1524"',
	'[1524]', '{"no": 1524}']) v;
SELECT v, pg_temp.crm('add_comment', 'addTicketComment', jsonb_build_object(
		'ticketNo', '1524', 'comment', 'typed', 'contactId', v::jsonb))
FROM unnest(ARRAY['24218', '"12x24218"', '24218.0', '2.4218e4', '24218.5',
	'"12x"', '-24218', '649797', '["24218"]']) v;
ROLLBACK;
SELECT v, pg_temp.crm('create_social_ticket', 'create',
	'{"source": "app", "ticketstatus": "Open", "effectivedate": "",
	  "ticketcategories": "Plan change", "ticket_title": "typed",
	  "description": "", "subcategory": "", "status": "", "category": "",
	  "vouchertype": "", "voucheridformat": "", "passwordpattern": ""}'::jsonb
	|| jsonb_build_object('contactId', v::jsonb))
FROM unnest(ARRAY['24218.5', '0', '"12x"', '{"id": 1}', '999999999']) v;
-- a form field given twice, a JSON list, an object
SELECT pg_temp.crm('add_comment', 'addTicketComment',
	'{"ticketNo": ["1524", "1525"], "comment": "x", "contactId": "24218"}',
	'form');
SELECT pg_temp.crm('add_comment', 'addTicketComment',
	'{"ticketNo": "1524", "comment": {"text": "x"}, "contactId": "24218"}');

--
-- 002: offset and limit are whole numbers in range; every other parameter
-- is a single value (errors have no body: the status says it)
--
CREATE FUNCTION pg_temp.queue_list(query jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT pg_temp.show(api_queue.list_tickets(jsonb_build_object(
		'params', '{}'::jsonb, 'body', NULL, 'body_type', 'none',
		'query', '{"customer_id_type": "DNI",
				   "customer_id_number": "30111222",
				   "fields": "number"}'::jsonb || query)))
$$;
SELECT q, pg_temp.queue_list(q::jsonb) FROM unnest(ARRAY[
	'{"limit": "1"}', '{"limit": "1.0"}', '{"limit": "1e0"}',
	'{"limit": "0.1e1", "offset": "1e0"}', '{"limit": "1.5"}',
	'{"limit": "51"}', '{"limit": "5e1"}', '{"limit": "1e400"}',
	'{"offset": "-1"}', '{"offset": "9223372036854775808"}',
	'{"limit": ["1", "2"]}', '{"customer_id_number": ["30111222", "1"]}']) q;
SELECT pg_temp.show(api_queue.create_ticket(jsonb_build_object(
	'params', '{}'::jsonb, 'query', '{}'::jsonb, 'body_type', 'json',
	'body', '{"channel": {"code": "web"}, "branch_id": "B01",
			  "sector_id": "S01", "service_id": "SV01"}'::jsonb)));

--
-- 003: limit, offset and ticket_number are whole numbers in range; a
-- violation names each bad one
--
CREATE FUNCTION pg_temp.pending(query jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT pg_temp.show(api_workshop.list_pending_tickets(jsonb_build_object(
		'params', '{}'::jsonb, 'body', NULL, 'body_type', 'none',
		'headers', '{"x-api-key": "demo-workshop-key"}'::jsonb,
		'query', query)))
$$;
SELECT q, regexp_replace(pg_temp.pending(q::jsonb), '"result":\[.*\],"total"',
		'"result":[...],"total"')
FROM unnest(ARRAY[
	'{"limit": "1e0", "ticket_number": "7.440303e6"}',
	'{"limit": "1.5", "offset": "-1", "ticket_number": "1e19"}',
	'{"limit": "1e4"}', '{"limit": ["1", "2"]}']) q;

--
-- 004: ticketId, userId (0: every user, in get_tickets), limit, offset and
-- ratingValue are whole numbers in any JSON spelling, in range; a fraction,
-- another spelling or a number out of range is a 400 naming it (a success
-- is shown as "ok" and the user of the first ticket listed: the lists
-- depend on what other tests left)
--
CREATE FUNCTION pg_temp.brief(r pgticket.http_response) RETURNS text
LANGUAGE sql AS $$
	SELECT r.status || ' ' || CASE WHEN r.status = 200
		THEN 'ok' || coalesce(', user ' || (r.body::json #>> '{data,0,Ticket,user}'), '')
		ELSE r.body END
$$;
SELECT left(v::text, 24), pg_temp.brief(api_helpdesk.get_tickets(jsonb_build_object(
	'nginx', '{"audience": "admin"}'::jsonb, 'body_type', 'json',
	'body', jsonb_build_object('userId', v, 'limit', 1))))
FROM unnest(ARRAY['6'::jsonb, '6.0', '60e-1', '0.6e1', '"6"', '"6.00"',
	'"6e0"', '0', '-0', '0.0e5', '6.5', '-6', '"+6"', '"06"', '" 6"', '"0x6"',
	'9223372036854775807', '9223372036854775808', '1e19', '1e400',
	'"1e999999"', 'true', '""']) v;
SELECT v, pg_temp.brief(api_helpdesk.get_tickets(jsonb_build_object(
	'params', '{"userId": "6"}'::jsonb, 'query', jsonb_build_object('limit', v))))
FROM unnest(ARRAY['1', '1000', '1e3', '1000.0', '0', '1001', '1e4', '2.5']) v;
SELECT v, pg_temp.brief(api_helpdesk.ticket_rating(jsonb_build_object(
	'body_type', 'json', 'body', jsonb_build_object('ticketId', 999999999,
		'userId', 6, 'ratingValue', v))))
FROM unnest(ARRAY['4'::jsonb, '4.0', '0.4e1', '"4e0"', '0', '6', '4.5',
	'-1', '"four"']) v;
SELECT v, pg_temp.brief(api_helpdesk.get_ticket_details(jsonb_build_object(
	'params', jsonb_build_object('ticketId', v), 'query', '{"userId": "6"}'::jsonb)))
FROM unnest(ARRAY['11', '11.0', '1.1e1', '110e-1', '0', '-11', '11.5',
	'1e19']) v;
