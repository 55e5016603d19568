--
-- 004 helpdesk facades (api_helpdesk.*) called with request documents, on
-- the demo data.  Output that depends on now() (new tickets' numbers and
-- times) is masked; the demo tickets' times are shown as they are.
--
SET timezone = 'UTC';
\pset format unaligned
\pset tuples_only on

-- Bodies are compact JSON (contract.md): whitespace goes, except in strings
SELECT pgticket.json_compact('{"a" : "b \" c , d" , "e" : [1, 2, {"f" : "\\"}],
	"g" : " x "}');

-- json_strings: string members, compact, keys in the order given, NULL
-- values null, what json_build_object writes (escapes included)
SELECT pgticket.json_strings('b', 'x " \ y', 'a', NULL, 'c', E'tab\t\u0001 ü 😀', 'd', '');
SELECT pgticket.json_strings('b', 'x " \ y', 'a', NULL, 'c', E'tab\t\u0001 ü 😀', 'd', '')::text
	= pgticket.json_compact(json_build_object('b', 'x " \ y', 'a', NULL, 'c', E'tab\t\u0001 ü 😀', 'd', '')) AS as_json_build_object;
SELECT pgticket.json_strings(VARIADIC '{}'::text[]);
\set VERBOSITY terse
SELECT pgticket.json_strings('odd');
SELECT pgticket.json_strings(NULL, 'x');
SELECT pgticket.json_strings(VARIADIC NULL::text[]);
\set VERBOSITY default
-- fmt_ts: to_char's 'YYYY-MM-DD HH24:MI:SS' in the session time zone, ''
-- for NULL and infinity; the edges of the year's digits and BC dates
SELECT ts, pgticket.fmt_ts(ts) FROM unnest(ARRAY['2024-02-29 23:59:59.999+00',
	'0044-03-15 12:00+00 BC', '0999-01-01 00:00+00', '12345-06-07 08:09:10+00',
	'infinity', NULL]::timestamptz[]) ts;
SET timezone = 'Asia/Kathmandu';
SELECT count(*) FILTER (WHERE pgticket.fmt_ts(ts) <> to_char(ts, 'YYYY-MM-DD HH24:MI:SS')) AS differ
FROM (SELECT timestamptz '1969-12-31 23:00+00' + g * interval '13 days 1 hour 1 minute 1.5 seconds' ts
	  FROM generate_series(1, 3000) g) s;
SET timezone = 'UTC';

-- Row counts of the tables the facades write, and what changed since the
-- last snapshot.
CREATE TEMP TABLE snapshot (tbl text PRIMARY KEY, n bigint);
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (tbl text, n bigint)
LANGUAGE sql AS $$
	SELECT 'ticket', count(*) FROM pgticket.ticket
	UNION ALL SELECT 'ticket_history', count(*) FROM pgticket.ticket_history
	UNION ALL SELECT 'ticket_helpdesk', count(*) FROM pgticket.ticket_helpdesk
	UNION ALL SELECT 'message', count(*) FROM pgticket.message
	UNION ALL SELECT 'rating', count(*) FROM pgticket.rating
	UNION ALL SELECT 'customer', count(*) FROM pgticket.customer
	UNION ALL SELECT 'staff', count(*) FROM pgticket.staff
	UNION ALL SELECT 'api_client', count(*) FROM pgticket.api_client
	UNION ALL SELECT 'issue_type', count(*) FROM pgticket.issue_type
	UNION ALL SELECT 'ticket_crm', count(*) FROM pgticket.ticket_crm
	UNION ALL SELECT 'ticket_queue', count(*) FROM pgticket.ticket_queue
	UNION ALL SELECT 'ticket_vehicle', count(*) FROM pgticket.ticket_vehicle
	UNION ALL SELECT 'setting', count(*) FROM pgticket.setting
	UNION ALL SELECT 'service', count(*) FROM pgticket.service
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
-- An answer with the times of the last day and the numbers of new tickets
-- (4 digits or more) masked.
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
	b := regexp_replace(b, 'ID( ?)[0-9]{4,}', 'ID\1<n>', 'g');
	b := regexp_replace(b, '"(ticketId|id)" : "[0-9]{4,}"', '"\1" : "<n>"', 'g');
	RETURN r.status || ' ' || coalesce(r.headers ->> 'Content-Type', '-')
		|| ' ' || b;
END
$$;

-- The demo data, twice: the second run changes nothing.
\set ECHO none
\i tests/demo-data.sql
\set ECHO all
SELECT pg_temp.snap();
\set ECHO none
\i tests/demo-data.sql
\set ECHO all
SELECT pg_temp.changes();
SELECT number, state, priority, type, subject, due_at, created_at
FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number IN (11, 12)
ORDER BY number;

--
-- request helpers
--
SELECT pgticket.req_arg('{"params":{"a":"p"},"body":{"a":"b"},"query":{"a":"q"}}', 'a'),
	pgticket.req_arg('{"params":{"a":""},"body":{"a":"b"},"query":{"a":"q"}}', 'a'),
	pgticket.req_arg('{"params":{},"body":{"a":null},"query":{"a":"q1"}}', 'a'),
	pgticket.req_arg('{"body":{"a":12},"query":{}}', 'a'),
	pgticket.req_arg('{"body":["a"]}', 'a') IS NULL;
SELECT v, pgticket.parse_id(v) FROM unnest(ARRAY['0', '007', '42',
	'9223372036854775807', '9223372036854775808', '99999999999999999999',
	'-1', '+1', '1e3', '1.0', ' 1', '1 OR 1=1', '', NULL]) v;
SELECT v, pgticket.parse_dmy_hm(v) FROM unnest(ARRAY['21-11-2016 17:01',
	'1-2-2016 3:4', '21-11-2016', '31-02-2016 10:00', '21-11-2016 25:00',
	'2016-11-21 17:01', '21/11/2016 17:01', 'x']) v;

-- A request through the admin door: nginx sets "audience": "admin" in the
-- document's "nginx" member (pgticket_param); the other requests here are
-- the user's door, as from any address of the shipped nginx.conf but
-- loopback.
CREATE FUNCTION pg_temp.admin(request jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT request || '{"nginx":{"audience":"admin"}}'
$$;

--
-- get_tickets
--
-- the seed's sample: user 6, path parameter
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"GET","path":"/api/v1/get_tickets/6","params":{"userId":"6"},"query":{},"headers":{},"body":null,"body_type":"none"}'));
-- the same from the query string and from a JSON body
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"GET","params":{},"query":{"userId":"6","status":"unassigned"},"body":null,"body_type":"none"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"POST","params":{},"query":{},"body":{"userId":6,"status":"overdue"},"body_type":"json"}'));
-- path parameters win over the body
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"POST","params":{"userId":"7"},"body":{"userId":"6"},"body_type":"form"}'));
-- every status filter on user 6 (both demo tickets are overdue and unassigned)
SELECT s, json_array_length(r.body::json -> 'data') AS tickets
FROM unnest(ARRAY['all', 'unresolved', 'overdue', 'duetoday', 'open', 'onhold',
	'unassigned', 'resolved', 'closed']) s,
	api_helpdesk.get_tickets(jsonb_build_object('params',
		jsonb_build_object('userId', '6', 'status', s))) r;
-- user 0: every user
SELECT r.status, json_array_length(r.body::json -> 'data') >= 5
FROM api_helpdesk.get_tickets(pg_temp.admin('{"params":{"userId":"0"}}')) r;
-- dates: POST form fields fromDate/toDate (toDate includes its minute)
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"POST","params":{"userId":"6"},"body":{"fromDate":"21-11-2016 17:02","toDate":"21-11-2016 17:03"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"POST","params":{"userId":"6"},"body":{"fromDate":"21-11-2016 0:0","toDate":"21-11-2016 17:01"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"method":"POST","params":{"userId":"6"},"body":{"toDate":"20-11-2016"},"body_type":"form"}'));
-- an admin nobody is assigned to, an unknown admin: no match
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6","status":"all","assigned_admin":"support@jazenetworks.example"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6","status":"all","assigned_admin":"x'' OR ''1''=''1"}}'));
-- pages: limit (1 to 1000, default 100) tickets after offset (default 0);
-- consecutive pages of every user's tickets, from the query, a form or a
-- JSON body, make the whole list, in order
CREATE FUNCTION pg_temp.ids(r pgticket.http_response) RETURNS text
LANGUAGE sql AS $$
	SELECT r.status || ' ' || coalesce(string_agg(d #>> '{Ticket,id}', ',' ORDER BY n), '-')
	FROM json_array_elements(r.body::json -> 'data') WITH ORDINALITY AS x(d, n)
$$;
SELECT pg_temp.ids(api_helpdesk.get_tickets(pg_temp.admin('{"params":{"userId":"0"}}'))) =
	(SELECT '200 ' || string_agg(p, ',' ORDER BY o)
	 FROM (SELECT o, substr(pg_temp.ids(api_helpdesk.get_tickets(pg_temp.admin(jsonb_build_object(
			'params', jsonb_build_object('userId', '0'),
			'query', jsonb_build_object('limit', '2', 'offset', o::text))))), 5) AS p
		   FROM generate_series(0, 98, 2) o) pages
	 WHERE p <> '-') AS pages_make_the_list;
SELECT pg_temp.ids(api_helpdesk.get_tickets('{"params":{"userId":"6"},"query":{"limit":"1"}}')),
	pg_temp.ids(api_helpdesk.get_tickets('{"params":{"userId":"6"},"body":{"limit":"1","offset":"1"},"body_type":"form"}')),
	pg_temp.ids(api_helpdesk.get_tickets('{"params":{"userId":"6"},"body":{"limit":1,"offset":1},"body_type":"json"}')),
	pg_temp.ids(api_helpdesk.get_tickets(pg_temp.admin('{"params":{"userId":"0","status":"closed"},"query":{"limit":"1000","offset":"9223372036854775807"}}')));
-- errors
SELECT pg_temp.snap();
SELECT v, pg_temp.show(api_helpdesk.get_tickets(pg_temp.admin(jsonb_build_object(
	'params', jsonb_build_object('userId', '0'), 'query', jsonb_build_object('limit', v)))))
FROM unnest(ARRAY['0', '1001', '-1', '1.5', 'abc', '10 OR 1=1', '99999999999999999999']) v;
SELECT v, pg_temp.show(api_helpdesk.get_tickets(pg_temp.admin(jsonb_build_object(
	'params', jsonb_build_object('userId', '0'), 'query', jsonb_build_object('offset', v)))))
FROM unnest(ARRAY['-1', '1.5', 'abc', '99999999999999999999']) v;
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{},"query":{}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":""}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"abc"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"-1"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"1e3"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"99999999999999999999"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6 OR 1=1"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6; DROP TABLE pgticket.ticket"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"99"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6","status":"pending"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6","status":"open'' OR ''1''=''1"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6"},"body":{"fromDate":"2016-11-21 17:02"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6"},"body":{"toDate":"31-02-2016 17:02"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6"},"body":null,"body_type":"json","body_error":"malformed JSON body"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6"},"body":[1,2],"body_type":"json"}'));
SELECT pg_temp.changes();

--
-- raise_ticket
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"subject":"s","userId":"6","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","userId":"6","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"6","comments":"   "},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"6","comments":"c","priority":"critical"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Billing","subject":"s","userId":"6","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment'' OR ''1''=''1","subject":"s","userId":"6","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"6abc","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"99","comments":"c"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"6","comments":"c","closeTicketImmediately":"yes"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"6","comments":"c","closeTicketImmediately":"true"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"s","userId":"6","comments":"c","closeTicketImmediately":"true","resolutionType":"Duplicate"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":null,"body_type":"json","body_error":"malformed JSON body"}'));
SELECT pg_temp.changes();
-- a good one (form), then a JSON one with a number userId and a priority
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Technical","subject":"Router offline","userId":"7","comments":"connection timeout"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT t.priority, t.type, t.subject, t.description, t.state, c.helpdesk_user_id,
	h.group_name, t.due_at - t.created_at AS sla
FROM pgticket.ticket t JOIN pgticket.customer c ON c.id = t.customer_id
JOIN pgticket.ticket_helpdesk h ON h.ticket_id = t.id
WHERE t.workflow = 'helpdesk' ORDER BY t.id DESC LIMIT 1;
SELECT pg_temp.snap();
SELECT pg_temp.show(r), (r.body::json ->> 'ticketId') ~ '^[0-9]+$' AS id_is_numeric_string,
	r.body::json ->> 'message' = format('Your ticket with the ID %s has been raised. Please wait for the response and note the ticket Id for future reference.', r.body::json ->> 'ticketId') AS message_names_it
FROM api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"Refund","userId":6,"comments":"please refund","priority":"high"},"body_type":"json"}') r;
SELECT pg_temp.changes();
-- raised and closed in one go
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.raise_ticket('{"method":"POST","body":{"type":"Payment","subject":"Paid twice","userId":"6","comments":"I was charged twice","closeTicketImmediately":"true","resolutionType":"Refund","resolutionSubject":"Refunded at once"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT t.state, t.closed_at IS NOT NULL AS closed_at_set, h.resolution_type, h.resolution_subject,
	(SELECT string_agg(coalesce(from_state, '-') || '>' || to_state, ' ' ORDER BY id)
	 FROM pgticket.ticket_history WHERE ticket_id = t.id) AS history
FROM pgticket.ticket t JOIN pgticket.ticket_helpdesk h ON h.ticket_id = t.id
WHERE t.workflow = 'helpdesk' ORDER BY t.id DESC LIMIT 1;
-- the new tickets are listed after the demo ones
SELECT r.body::json #>> '{data,0,Ticket,id}' AS first,
	r.body::json #>> '{data,1,Ticket,id}' AS second,
	json_array_length(r.body::json -> 'data') AS n
FROM api_helpdesk.get_tickets('{"params":{"userId":"6"}}') r;
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6","status":"closed"}}'));

--
-- send_message
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message('{"body":{"ticketId":"11","ticketMessage":"m","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.send_message('{"body":{"ticketId":"11","ticketMessage":"m","sender":"robot","sender_name":"x","showToUser":"true"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"1"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11 OR 1=1","ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"999999","ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"nobody@example","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"x'' OR ''1''=''1","showToUser":"true"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message('{"body":null,"body_type":"form","body_error":"malformed form body"}'));
SELECT pg_temp.changes();
-- an internal note, a public reply, the user's answer (public even when
-- showToUser is false)
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":"11","ticketMessage":"card processor is down","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"false"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.admin('{"body":{"ticketId":11,"ticketMessage":"ok. Looking on it","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":true},"body_type":"json"}')));
SELECT pg_temp.show(api_helpdesk.send_message('{"query":{"ticketId":"11","ticketMessage":"thanks","sender":"user","sender_name":"max","showToUser":"false"}}'));
SELECT pg_temp.changes();
SELECT author_kind, author_name, body, visibility FROM pgticket.message
WHERE ticket_id = (SELECT id FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number = 11)
ORDER BY id;

--
-- get_ticket_details
--
-- the user's view: internal messages left out
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"method":"GET","params":{"ticketId":"11"},"query":{"userId":"6"}}'));
-- the admin console: everything
SELECT pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin('{"method":"GET","params":{"ticketId":"11"},"query":{}}')));
-- ticketId from the query (the path segment omitted)
SELECT pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin('{"method":"GET","params":{},"query":{"ticketId":"12"}}')));
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":"7"}}'));
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":"0"}}'));
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":"6 OR 1=1"}}'));
SELECT pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin('{"params":{"ticketId":"404"}}')));
SELECT pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin('{"params":{"ticketId":"11abc"}}')));
SELECT pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin('{"params":{}}')));

--
-- assign_ticket_to_admin
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"admin":"support@jazenetworks.example"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"12"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"12","admin":"nobody@example"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"12","admin":"workshop-operator"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"404","admin":"support@jazenetworks.example"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"12)--","admin":"support@jazenetworks.example"},"body_type":"form"}')));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"12","admin":"billing@jazenetworks.example"},"body_type":"form"}')));
SELECT pg_temp.changes();
SELECT t.state, s.username FROM pgticket.ticket t JOIN pgticket.staff s ON s.id = t.assignee_id
WHERE t.workflow = 'helpdesk' AND t.number = 12;
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"6","status":"open"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets(pg_temp.admin('{"params":{"userId":"0","status":"all","assigned_admin":"billing@jazenetworks.example"}}')));
-- reassigning an open ticket keeps it open
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":12,"admin":"support@jazenetworks.example"},"body_type":"json"}')));
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"12"},"query":{"userId":"6"}}'));

--
-- ticket_rating before the ticket is solved, then close_ticket
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"12","userId":"6","ratingValue":"5"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.close_ticket(pg_temp.admin('{"method":"GET","params":{}}')));
SELECT pg_temp.show(api_helpdesk.close_ticket(pg_temp.admin('{"method":"GET","params":{"ticketId":"404"}}')));
SELECT pg_temp.show(api_helpdesk.close_ticket(pg_temp.admin('{"method":"GET","params":{"ticketId":"12 OR 1=1"}}')));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.close_ticket(pg_temp.admin('{"method":"GET","params":{"ticketId":"12"}}')));
SELECT pg_temp.changes();
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.close_ticket(pg_temp.admin('{"method":"POST","params":{},"body":{"ticketId":"12"},"body_type":"form"}')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.admin('{"body":{"ticketId":"12","admin":"support@jazenetworks.example"},"body_type":"form"}')));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"12"},"query":{"userId":"6"}}'));

--
-- ticket_rating
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.ticket_rating(jsonb_build_object('body',
	jsonb_build_object('ticketId', '12', 'userId', '6', 'ratingValue', v),
	'body_type', 'form')))
FROM unnest(ARRAY['0', '6', '-1', '3.5', 'abc', '1 OR 1=1', '']) v;
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"12","userId":"6"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"12","ratingValue":"4"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"userId":"6","ratingValue":"4"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"12","userId":"7","ratingValue":"4"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"12","userId":"99","ratingValue":"4"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"404","userId":"6","ratingValue":"4"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":"12","userId":"6","ratingValue":"4"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.ticket_rating('{"body":{"ticketId":12,"userId":6,"ratingValue":2},"body_type":"json"}'));
SELECT pg_temp.changes();
SELECT value, superseded_at IS NOT NULL AS superseded FROM pgticket.rating
WHERE ticket_id = (SELECT id FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number = 12)
ORDER BY id;

--
-- reopen_ticket
--
SELECT pg_temp.snap();
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"userId":"6","comments":"again"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"ticketId":"12","comments":"again"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"ticketId":"12","userId":"6"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"ticketId":"12","userId":"7","comments":"again"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"ticketId":"11","userId":"6","comments":"again"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"ticketId":"12","userId":"6'' OR ''1''=''1","comments":"again"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":null,"body_type":"json","body_error":"malformed JSON body"}'));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.reopen_ticket('{"body":{"ticketId":"12","userId":"6","comments":"It failed again today"},"body_type":"form"}'));
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"12"},"query":{"userId":"6"}}'));
SELECT transition, from_state, to_state, actor_kind FROM pgticket.ticket_history
WHERE ticket_id = (SELECT id FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number = 12)
ORDER BY id;

--
-- the status filters open, onhold and closed are states (contract.md),
-- whoever is assigned: the ticket raised and closed at once, reopened with
-- nobody assigned, is in state open and shows "unassigned"; a ticket put on
-- hold with nobody assigned shows "onhold" and is unassigned too
--
SELECT pg_temp.show(api_helpdesk.reopen_ticket(jsonb_build_object('body',
	jsonb_build_object('ticketId', (SELECT number::text FROM pgticket.ticket
		WHERE workflow = 'helpdesk' AND subject = 'Paid twice'),
		'userId', '6', 'comments', 'Charged a third time'),
	'body_type', 'form')));
SELECT state FROM pgticket.transition((SELECT id FROM pgticket.ticket
	WHERE workflow = 'helpdesk' AND subject = 'Refund'), 'on_hold');
SELECT s, (SELECT coalesce(string_agg((d #>> '{Ticket,subject}') || ' ('
		|| (d #>> '{Ticket,status}') || ')', ', '), '-')
	FROM json_array_elements(r.body::json -> 'data') d) AS tickets
FROM unnest(ARRAY['unresolved', 'unassigned', 'open', 'onhold', 'resolved',
	'closed']) s,
	api_helpdesk.get_tickets(jsonb_build_object('params',
		jsonb_build_object('userId', '6', 'status', s))) r;

--
-- The doors (issue 10).  What only the admin console may do (every user's
-- tickets, a ticket without a userId and its internal notes, a message as
-- the admin, assign, close) needs "audience": "admin" in the document's
-- "nginx" member, which nginx alone writes (pgticket_param); anything else
-- is the user's door: a 403, or the user's view.  A client's "nginx" in
-- the body or the query is just another parameter.
--
CREATE FUNCTION pg_temp.door(request jsonb, door jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT request || door
$$;
SELECT pg_temp.snap();

SELECT d, pg_temp.show(api_helpdesk.close_ticket(pg_temp.door(
	'{"method":"GET","params":{"ticketId":"12"}}', d)))
FROM unnest(ARRAY['{}', '{"nginx":{}}', '{"nginx":{"audience":"user"}}',
	'{"nginx":{"audience":"Admin"}}', '{"nginx":{"audience":"admin "}}',
	'{"nginx":{"audience":["admin"]}}', '{"nginx":{"audience":null}}',
	'{"nginx":"admin"}', '{"nginx":{"admin":"support@jazenetworks.example"}}',
	'{"body":{"nginx":{"audience":"admin"}},"body_type":"json"}',
	'{"query":{"nginx":"{\"audience\":\"admin\"}","audience":"admin"}}',
	'{"headers":{"nginx":"audience=admin"}}']::jsonb[]) d;
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin('{"body":{"ticketId":"12","admin":"support@jazenetworks.example"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"0"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{"userId":"0.0"},"query":{"status":"all"}}'));
SELECT pg_temp.show(api_helpdesk.get_tickets('{"params":{},"query":{"userId":"0e0"}}'));
SELECT pg_temp.show(api_helpdesk.send_message('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"false"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.send_message('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}'));
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"}}'));
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{},"query":{"ticketId":"11"}}'));
SELECT pg_temp.changes();
-- the user's view of the same ticket, through either door: no internal note
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":"6"}}'))
	= pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin('{"params":{"ticketId":"11"},"query":{"userId":"6"}}')))
	AS same_view,
	api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":"6"}}')
		::text ~ 'card processor' AS internal_note_shown;
-- a present but blank userId is never the admin's view, on either door
SELECT d, pg_temp.show(api_helpdesk.get_ticket_details(pg_temp.admin(d)))
FROM unnest(ARRAY['{"params":{"ticketId":"11"},"query":{"userId":""}}',
	'{"params":{"ticketId":"11"},"body":{"userId":null},"body_type":"json"}',
	'{"params":{"ticketId":"11"},"body":{"userId":""},"body_type":"form"}',
	'{"params":{"ticketId":"11"},"query":{"userId":" "}}',
	'{"params":{"ticketId":"11"},"query":{"userId":"6.0"}}']::jsonb[]) d;
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":""}}'));
-- an admin nginx signed in (pgticket_param admin $remote_user): who acts,
-- recorded as such; sender_name must be that admin; someone who is not an
-- active helpdesk admin is refused
CREATE FUNCTION pg_temp.signed_in(request jsonb, admin text) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT request || jsonb_build_object('nginx',
		jsonb_build_object('audience', 'admin', 'admin', admin))
$$;
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.signed_in('{"body":{"ticketId":"11","ticketMessage":"m","sender":"admin","sender_name":"billing@jazenetworks.example","showToUser":"true"},"body_type":"form"}', 'support@jazenetworks.example')));
SELECT a, pg_temp.show(api_helpdesk.close_ticket(pg_temp.signed_in('{"params":{"ticketId":"12"}}', a)))
FROM unnest(ARRAY['nobody@example', 'workshop-operator', 'SUPPORT@jazenetworks.example']) a;
SELECT pg_temp.changes();
SELECT pg_temp.show(api_helpdesk.send_message(pg_temp.signed_in('{"body":{"ticketId":"12","ticketMessage":"on it","sender":"admin","sender_name":"support@jazenetworks.example","showToUser":"true"},"body_type":"form"}', 'support@jazenetworks.example')));
SELECT pg_temp.show(api_helpdesk.assign_ticket_to_admin(pg_temp.signed_in('{"body":{"ticketId":"12","admin":"billing@jazenetworks.example"},"body_type":"form"}', 'support@jazenetworks.example')));
SELECT pg_temp.show(api_helpdesk.close_ticket(pg_temp.signed_in('{"params":{"ticketId":"12"}}', 'support@jazenetworks.example')));
SELECT pg_temp.changes();
SELECT h.transition, h.to_state, h.actor_kind, s.username AS actor
FROM pgticket.ticket_history h LEFT JOIN pgticket.staff s ON s.id = h.actor_staff_id
WHERE h.ticket_id = (SELECT id FROM pgticket.ticket WHERE workflow = 'helpdesk' AND number = 12)
ORDER BY h.id DESC LIMIT 2;

--
-- nginx's role may call the facades and nothing in pgticket
--
SET ROLE pgticket_web;
SELECT pg_temp.show(api_helpdesk.get_ticket_details('{"params":{"ticketId":"11"},"query":{"userId":"6"}}'));
SELECT pgticket.req_arg('{}', 'a');
SELECT count(*) FROM pgticket.ticket;
RESET ROLE;

--
-- get_tickets finds the tickets through an index, whatever the filter.
-- In a fresh session (no cached plan) and a transaction that adds 3000
-- tickets of user 7 and analyzes them (rolled back), a listing that does
-- not list those tickets reads a few rows of pgticket.ticket, not the
-- whole workflow
--
\c
BEGIN;
SELECT count(pgticket.create_ticket('helpdesk', (SELECT id FROM pgticket.customer
	WHERE helpdesk_user_id = 7), 'bulk', 'bulk', 'medium', 'Technical'))
FROM generate_series(1, 3000);
ANALYZE pgticket.ticket;
-- \c dropped the session's pg_temp functions: the admin's door again
CREATE FUNCTION pg_temp.admin(request jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT request || '{"nginx":{"audience":"admin"}}'
$$;
CREATE FUNCTION pg_temp.reads() RETURNS bigint LANGUAGE sql AS $$
	SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
	FROM pg_stat_xact_user_tables WHERE relid = 'pgticket.ticket'::regclass
$$;
CREATE FUNCTION pg_temp.probe(request jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	before bigint := pg_temp.reads();
	r pgticket.http_response := api_helpdesk.get_tickets(pg_temp.admin(request));
	reads bigint := pg_temp.reads() - before;
BEGIN
	RETURN r.status || ' ' || CASE WHEN reads < 100 THEN 'a few rows read'
		ELSE format('%s rows read', reads) END;
END
$$;
SELECT s, pg_temp.probe(jsonb_build_object('params',
	jsonb_build_object('userId', '0', 'status', s)))
FROM unnest(ARRAY['closed', 'resolved', 'onhold', 'open', 'overdue']) s;
SELECT pg_temp.probe('{"params":{"userId":"0","status":"all","assigned_admin":"billing@jazenetworks.example"}}');
SELECT pg_temp.probe('{"params":{"userId":"0","status":"unresolved","assigned_admin":"support@jazenetworks.example"}}');
SELECT pg_temp.probe('{"params":{"userId":"0","status":"all"},"body":{"fromDate":"01-01-2000 0:0","toDate":"31-12-2016"},"body_type":"form"}');
SELECT pg_temp.probe('{"params":{"userId":"6","status":"all"}}');
-- A page reads about the rows it lists, however many tickets match: every
-- user's (each state's tickets in creation order), one user's, one
-- admin's (3000 tickets each here, created a second apart)
UPDATE pgticket.ticket SET created_at = created_at - number * interval '1 second',
	updated_at = created_at - number * interval '1 second',
	assignee_id = (SELECT id FROM pgticket.staff
		WHERE username = 'support@jazenetworks.example')
WHERE subject = 'bulk';
ANALYZE pgticket.ticket;
SELECT pg_temp.probe('{"params":{"userId":"0"},"query":{"limit":"5"}}');
SELECT pg_temp.probe('{"params":{"userId":"0","status":"unresolved"},"query":{"limit":"5","offset":"10"}}');
SELECT pg_temp.probe('{"params":{"userId":"7"},"query":{"limit":"5"}}');
SELECT pg_temp.probe('{"params":{"userId":"0","status":"all","assigned_admin":"support@jazenetworks.example"},"query":{"limit":"5"}}');
-- without a limit, a page is 100 tickets
SELECT json_array_length(r.body::json -> 'data')
FROM api_helpdesk.get_tickets(pg_temp.admin('{"params":{"userId":"0"}}')) r;
ROLLBACK;

--
-- get_ticket_details finds each admin it shows (a message's, the
-- assignee) through the staff table's key, not by reading the table: with
-- 125 staff members on 2 pages, as at 1 M tickets in make bench (CLUSTER
-- packs them; analyzed, rolled back), a fresh session's call scans staff
-- by index only
--
\c
BEGIN;
INSERT INTO pgticket.staff (username, name, role)
SELECT 'bulk' || i || '@jazenetworks.example', 'Bulk ' || i, 'admin'
FROM generate_series(1, 120) i;
CLUSTER pgticket.staff USING staff_pkey;
ANALYZE pgticket.staff;
SELECT relpages FROM pg_class WHERE oid = 'pgticket.staff'::regclass;
UPDATE pgticket.ticket SET assignee_id = (SELECT id FROM pgticket.staff
	WHERE username = 'bulk100@jazenetworks.example')
WHERE workflow = 'helpdesk' AND number = 11;
SELECT pgticket.add_message(t.id, 'On it.', 'staff', s.id, s.name, 'public') > 0
FROM pgticket.ticket t, pgticket.staff s
WHERE t.workflow = 'helpdesk' AND t.number = 11
	AND s.username = 'bulk110@jazenetworks.example';
CREATE FUNCTION pg_temp.admin(request jsonb) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT request || '{"nginx":{"audience":"admin"}}'
$$;
CREATE TEMP TABLE staff_scans AS
SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
WHERE relid = 'pgticket.staff'::regclass;
SELECT r.status, r.body::json -> 'message' -> 'ticket_details' ->> 'assigned_to' AS assigned_to,
	r.body::json -> 'message' -> 'ticket_conversation' -> -1 ->> 'sender_name' AS sender
FROM api_helpdesk.get_ticket_details(pg_temp.admin('{"params":{"ticketId":"11"}}')) r;
SELECT x.seq_scan - s.seq_scan AS seq_scans, x.idx_scan - s.idx_scan AS key_lookups
FROM pg_stat_xact_user_tables x, staff_scans s
WHERE x.relid = 'pgticket.staff'::regclass;
-- and so does get_tickets, for the assignee of each ticket of a user's page
DELETE FROM staff_scans;
INSERT INTO staff_scans SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables
WHERE relid = 'pgticket.staff'::regclass;
SELECT r.status, (SELECT string_agg(DISTINCT e -> 'Ticket' ->> 'assigned_to', ',')
	FROM json_array_elements(r.body::json -> 'data') e) AS assigned_to
FROM api_helpdesk.get_tickets(format('{"params":{"userId":"%s"}}',
	(SELECT c.helpdesk_user_id FROM pgticket.ticket t
	 JOIN pgticket.customer c ON c.id = t.customer_id
	 WHERE t.workflow = 'helpdesk' AND t.number = 11))::jsonb) r;
SELECT x.seq_scan - s.seq_scan AS seq_scans, x.idx_scan - s.idx_scan > 0 AS key_lookups
FROM pg_stat_xact_user_tables x, staff_scans s
WHERE x.relid = 'pgticket.staff'::regclass;
ROLLBACK;

--
-- helpdesk_number: every spelling against the façades' bounds and a DBA's
-- NULL ones; a number outside bigint is the parameter's PT400 whatever the
-- bounds, never 22003, and a NULL bound is no bound and not in the message
--
CREATE FUNCTION pg_temp.hn(v jsonb, lo bigint, hi bigint) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN coalesce(pgticket.helpdesk_number(jsonb_build_object('query',
		jsonb_build_object('n', v)), 'n', true, lo, hi)::text, 'NULL');
EXCEPTION WHEN SQLSTATE 'PT400' THEN
	RETURN SQLERRM;
END
$$;
SELECT v, pg_temp.hn(v::jsonb, 1, 9223372036854775807) AS default_bounds,
	pg_temp.hn(v::jsonb, NULL, NULL) AS no_bounds,
	pg_temp.hn(v::jsonb, 0, NULL) AS min_only,
	pg_temp.hn(v::jsonb, NULL, 5) AS max_only
FROM unnest(ARRAY['"7"', '7', '"7.0"', '"7e0"', '"0.7e1"', '"-0"', '0',
	'"00"', '"1.5"', '"1e999"', '1e300', '"9223372036854775807"',
	'"9223372036854775808"', '"-9223372036854775808"',
	'"-9223372036854775809"', '"+7"', '" 7"', '"7 "', '"abc"', 'true']) v;
SELECT pg_temp.hn(NULL, NULL, NULL);

--
-- helpdesk_list_query: get_tickets' parameters after userId in one call:
-- the defaults, the places a parameter may come from, the end of toDate
-- (its whole day, or its whole minute), and errors in get_tickets' order
--
SET timezone = 'UTC';
SELECT * FROM pgticket.helpdesk_list_query('{}');
SELECT * FROM pgticket.helpdesk_list_query('{"params":{"status":"open"},
	"body":{"limit":"7.0","assigned_admin":"a@b"},"body_type":"json",
	"query":{"offset":"1e1","fromDate":"01-02-2020","toDate":"01-02-2020"}}');
SELECT created_before FROM pgticket.helpdesk_list_query('{"query":{"toDate":"29-02-2024 23:59"}}');
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"0"},
	"query":{"status":"bogus","limit":"0","toDate":"x"},"nginx":{"audience":"admin"}}') r;
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"0"},
	"query":{"status":"bogus","toDate":[1],"fromDate":"x"},"nginx":{"audience":"admin"}}') r;
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"0"},
	"query":{"toDate":[1],"fromDate":"x","assigned_admin":{}},"nginx":{"audience":"admin"}}') r;
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"0"},
	"query":{"toDate":[1],"fromDate":"31-04-2020"},"nginx":{"audience":"admin"}}') r;
-- fromDate after toDate: a window nothing is in, for a user as for the
-- admin, not tstzrange's "range lower bound must be less than or equal to
-- range upper bound" (a 400 naming no parameter)
SELECT created_from, created_before FROM pgticket.helpdesk_list_query(
	'{"query":{"fromDate":"05-01-2020","toDate":"01-01-2020 23:59"}}');
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"6"},
	"query":{"fromDate":"22-11-2016","toDate":"20-11-2016"}}') r;
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"6"},
	"query":{"fromDate":"21-11-2016 17:02","toDate":"21-11-2016 17:00"}}') r;
SELECT r.status, r.body FROM api_helpdesk.get_tickets('{"params":{"userId":"0"},
	"query":{"fromDate":"22-11-2016","toDate":"20-11-2016"},"nginx":{"audience":"admin"}}') r;
\set VERBOSITY terse
SELECT pgticket.helpdesk_list_query(NULL);
\set VERBOSITY default
-- a DBA session with a hostile search_path reads the same dates: the
-- helper the C function defers to (parse_dmy_hm) does not follow it
BEGIN;
CREATE SCHEMA evil;
CREATE FUNCTION evil.regexp_match(text, text) RETURNS text[] LANGUAGE sql
	AS $$SELECT '{01,01,2000,0,0}'::text[]$$;
SET LOCAL search_path = evil, pg_catalog, public;
SELECT created_from FROM pgticket.helpdesk_list_query('{"query":{"fromDate":"21-11-2016 17:00"}}');
SELECT pgticket.parse_dmy_hm('30-02-2016');
ROLLBACK;
RESET timezone;

-- helpdesk_number reads a number as parse_whole_number does, the plain
-- digits it takes without numeric included: 0 differ
CREATE FUNCTION pg_temp.hn(v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN pgticket.helpdesk_number(jsonb_build_object('params',
		jsonb_build_object('n', v)), 'n', false, NULL, NULL)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END $$;
SELECT count(*) FILTER (WHERE pg_temp.hn(v) IS DISTINCT FROM
		pgticket.parse_whole_number(v)::text) AS differ
FROM (SELECT unnest(ARRAY['0', '7', '00', '07', '123456789012345678',
		'999999999999999999', '1234567890123456789', '9223372036854775807',
		'9223372036854775808', '1e1', '-5', '-0', '1.0', '', ' 1', '1 ', '+1',
		'0x1', '٣']) v
	  UNION ALL SELECT g::text FROM generate_series(-50, 5000, 7) g
	  UNION ALL SELECT (g::numeric * 1234567891234)::text
	  FROM generate_series(1, 200) g) s;
