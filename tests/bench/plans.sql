-- make bench: the plans of every statement one call of each facade runs,
-- with their timings (auto_explain, nested statements included), on ids
-- the load scripts would pick.  Writes are rolled back.  psql variables:
-- n, c, id0 (run.sh passes them).
\set QUIET on
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT 1000000 + 20 * (1 + floor(random() * ((:n - 8) / 20)))::bigint AS hd_number,
	1000000 + floor(random() * :c)::bigint + 1 AS hd_user,
	50000000 + floor(random() * :c)::bigint + 1 AS dni,
	bench.uuid_of(20 * (1 + floor(random() * ((:n - 14) / 20)))::bigint + 9) AS q_uuid,
	bench.uuid_of(20 * ((9 * :n / 10) / 20 + 1) + 15) AS ws_uuid,
	(SELECT token FROM bench.crm_token WHERE i = 1) AS token,
	:id0 + 1 + floor(random() * :n)::bigint AS ticket_id
\gset

\echo '==== lookup'
SELECT status FROM bench.lookup(bench.doc(jsonb_build_object('id', :'ticket_id')));
\echo '==== hd-details'
SELECT status FROM api_helpdesk.get_ticket_details(bench.doc(jsonb_build_object('ticketId', :'hd_number')) || bench.admin_door());
\echo '==== q-get'
SELECT status FROM api_queue.get_ticket(bench.doc(jsonb_build_object('ticket_id', :'q_uuid')));
\echo '==== ws-get'
SELECT status FROM api_workshop.get_pending_ticket(bench.doc(jsonb_build_object('id', :'ws_uuid'), '{}', '{"x-api-key": "demo-workshop-key"}'));
\echo '==== hd-list'
SELECT status FROM api_helpdesk.get_tickets(bench.doc(jsonb_build_object('userId', :'hd_user', 'status', 'unresolved')));
\echo '==== q-list'
SELECT status FROM api_queue.list_tickets(bench.doc('{}', jsonb_build_object('customer_id_type', 'DNI', 'customer_id_number', :'dni')));
\echo '==== crm-details'
SELECT status FROM api_crm.ticket_details(bench.doc('{}', '{}', jsonb_build_object('token', :'token', 'correlationid', 'bench', 'source', 'bench', 'srdate', '01-01-2030', 'operation', 'ticketDetail', 'destination', 'crm')));

BEGIN;
\echo '==== hd-raise'
SELECT status FROM api_helpdesk.raise_ticket(jsonb_build_object('method', 'POST', 'params', '{}'::jsonb, 'query', '{}'::jsonb, 'headers', '{}'::jsonb, 'body', jsonb_build_object('type', 'Technical', 'subject', 'Bench ticket', 'userId', :'hd_user', 'comments', 'It stopped working.', 'priority', 'low'), 'body_type', 'json'));
\echo '==== q-create'
SELECT status FROM api_queue.create_ticket(jsonb_build_object('method', 'POST', 'params', '{}'::jsonb, 'query', jsonb_build_object('customer_id_type', 'DNI', 'customer_id_number', :'dni'), 'headers', '{}'::jsonb, 'body', '{"channel": "kiosk", "branch_id": "BR001", "sector_id": "S1", "service_id": "SV1", "phone": "+34600000000"}'::jsonb, 'body_type', 'form'));
\echo '==== res-create'
SELECT status FROM api_resume.create_ticket(jsonb_build_object('method', 'POST', 'params', '{"customerId": "300000000010"}'::jsonb, 'query', '{}'::jsonb, 'headers', jsonb_build_object('authorization', 'Basic b2NzdXNlcjpvY3N1c2Vy', 'request-tracking-id', 'plans-' || gen_random_uuid(), 'profileid', 'Siebel_201'), 'body', '{"customer_id": 300000000010, "reason_code": "RS01", "reason": "Payment received", "dispatch_date_time": "2031-01-31T09:00:00Z", "service": {"id": "26984565", "code": "INT", "description": "Internet"}, "requestor_info": {"name": "Karen Hain", "phone": "5551234567", "email": "karen@example.com"}}'::jsonb, 'body_type', 'json'));
\echo '==== ws-start'
SELECT status FROM api_workshop.transition_pending_ticket(jsonb_build_object('method', 'PATCH', 'params', jsonb_build_object('id', :'ws_uuid'), 'query', '{}'::jsonb, 'headers', '{"x-api-key": "demo-workshop-key", "content-type": "application/json"}'::jsonb, 'body', jsonb_build_object('transition', jsonb_build_object('type', 'start-service', 'operator_id', bench.operator_uuid(1))), 'body_type', 'json'));
\echo '==== hd-close'
SELECT status FROM api_helpdesk.close_ticket(bench.doc(jsonb_build_object('ticketId', (SELECT number::text FROM pgticket.ticket WHERE workflow = 'helpdesk' AND state = 'new' ORDER BY id DESC LIMIT 1))) || bench.admin_door());
ROLLBACK;
