/*
 * 004 helpdesk API: one function per endpoint, each taking the request
 * document nginx sends and returning the whole HTTP answer.
 *
 * Vocabulary.  The API's ticket id (ticketId, "id") is the human number of a
 * ticket of workflow 'helpdesk'; userId is customer.helpdesk_user_id; an
 * admin is a staff member of role admin, named by username.  Success is
 * {"status":"success","errorCode":200,...}; failure is
 * {"status":"error","errorCode":<HTTP status>,"message":"..."} with the same
 * HTTP status.  Keys are emitted in the seed's order (json_build_object).
 *
 * Every facade runs its checks and changes inside one BEGIN ... EXCEPTION
 * block: a client error (SQLSTATE PT4nn raised here or by the core, or a
 * class 22 data exception) rolls back whatever the block did and is answered
 * in the error shape; anything else escapes and nginx answers 500.
 */

/* 90_roles.sql comments the schema and grants EXECUTE to pgticket_web. */
CREATE SCHEMA IF NOT EXISTS api_helpdesk;

/* ----------------------------------------------------------- private helpers */

/*
 * helpdesk_error: the error shape, with the HTTP status repeated as
 * errorCode.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_error(status integer, message text)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pgticket.http_json(status, json_build_object(
		'status', 'error', 'errorCode', status, 'message', message))
$$;
COMMENT ON FUNCTION pgticket.helpdesk_error(integer, text) IS
	'004 error answer: {"status":"error","errorCode":<status>,"message":...} with that HTTP status';

/*
 * helpdesk_caught: the error answer for a caught SQLSTATE, or NULL when the
 * error is not a client error (the caller re-raises it).  PT403 ("not
 * yours") is answered 404, so a client cannot tell that the ticket exists.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_caught(sqlstate text, message text)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate = 'PT403' THEN
			pgticket.helpdesk_error(404, 'The ticket was not found')
		WHEN pgticket.http_status_of(sqlstate) IS NOT NULL THEN
			pgticket.helpdesk_error(pgticket.http_status_of(sqlstate), message)
	END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_caught(text, text) IS
	'004 error answer for a client-error SQLSTATE (PT4nn, class 22; PT403 shown as 404), NULL for other errors';

/*
 * helpdesk_check_body: refuse a body nginx could not parse, or a JSON body
 * that is not an object.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_check_body(request jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	CASE pgticket.req_body_problem(request)
		WHEN 'malformed' THEN
			PERFORM pgticket.req_fail(400, 'Malformed request body');
		WHEN 'not an object' THEN
			PERFORM pgticket.req_fail(400, 'The request body must be a JSON object');
		ELSE
			NULL;
	END CASE;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_check_body(jsonb) IS
	'Raise PT400 when the request body is malformed or a JSON body is not an object';

/*
 * helpdesk_required: a parameter that must be present and not blank.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_required(request jsonb, name text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v text := pgticket.req_arg(request, name);
BEGIN
	IF v IS NULL OR btrim(v, E' \t\r\n') = '' THEN
		PERFORM pgticket.req_fail(400,
			format('The %s parameter is required', name));
	END IF;
	RETURN v;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_required(jsonb, text) IS
	'A required request parameter; PT400 "The <name> parameter is required" when absent or blank';

/*
 * helpdesk_number: a whole-number parameter in any JSON spelling ("7",
 * "7.0", "7e0", a JSON number), from min to max; NULL when optional and
 * absent.  Anything else, blank included, is PT400 naming the parameter
 * (contract.md: errors, for every API).  In C (extension/src/request.c):
 * every 004 facade reads one to three, and in PL/pgSQL each read set up
 * its expressions again in every transaction (about 10 us).
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_number(request jsonb, name text,
	required boolean DEFAULT true, min bigint DEFAULT 1,
	max bigint DEFAULT 9223372036854775807)
RETURNS bigint
LANGUAGE C IMMUTABLE
AS 'MODULE_PATHNAME', 'pgticket_helpdesk_number';
COMMENT ON FUNCTION pgticket.helpdesk_number(jsonb, text, boolean, bigint, bigint) IS
	'A whole-number request parameter in any JSON spelling (7, 7.0, 7e0), from min to max (default 1 to the largest bigint); PT400 "The <name> parameter is required" when absent and required, "The <name> parameter must be a whole number from <min> to <max>" otherwise (a NULL bound is no bound and is left out of the message: ", <min> or more", ", at most <max>"; a number outside bigint is this PT400 too, never 22003). contract.md: whole numbers';

/*
 * helpdesk_list_query: what get_tickets reads after userId, checked, in
 * one call (new in 1.1; C, extension/src/request.c): as PL/pgSQL, its
 * fifteen expressions were set up again in every transaction, 15 % of a
 * user's page.
 */
CREATE TYPE pgticket.helpdesk_list_query AS (
	page_limit	bigint,
	page_offset	bigint,
	status		text,
	assigned_admin text,
	created_from timestamptz,
	created_before timestamptz
);
COMMENT ON TYPE pgticket.helpdesk_list_query IS
	'The paging and filter parameters of a 004 get_tickets request, as pgticket.helpdesk_list_query reads them';

CREATE FUNCTION pgticket.helpdesk_list_query(request jsonb)
RETURNS pgticket.helpdesk_list_query
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'pgticket_helpdesk_list_query';
COMMENT ON FUNCTION pgticket.helpdesk_list_query(jsonb) IS
	'The parameters of a 004 get_tickets request after userId, checked in its order (seed 004, contract.md): limit (1 to 1000, default 100; PT400 "The limit parameter must be a whole number from 1 to 1000"), offset (0 or more, default 0; PT400 "... from 0 to 9223372036854775807"), status (default all; PT400 "The status parameter must be one of unresolved, overdue, duetoday, open, onhold, unassigned, resolved, closed, all"), assigned_admin (as given), fromDate and toDate (dd-mm-yyyy [H:m] in the session time zone as pgticket.parse_dmy_hm reads them; PT400 "The fromDate parameter must be a date as dd-mm-yyyy H:m"; created_before is toDate plus its whole minute, or its whole day without a time, and never before created_from: a fromDate after toDate is an empty window; NULL when absent). Whole numbers in any JSON spelling; a parameter found as an array or object is PT400 naming it, as pgticket.req_arg; 22004 for a NULL request';

/*
 * helpdesk_flag: a "true"/"false" parameter; NULL when optional and absent.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_flag(request jsonb, name text,
	required boolean DEFAULT true)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v text := pgticket.req_arg(request, name);
BEGIN
	IF v IS NULL THEN
		IF required THEN
			PERFORM pgticket.req_fail(400,
				format('The %s parameter is required', name));
		END IF;
		RETURN NULL;
	END IF;
	IF v NOT IN ('true', 'false') THEN
		PERFORM pgticket.req_fail(400,
			format('The %s parameter must be true or false', name));
	END IF;
	RETURN v = 'true';
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_flag(jsonb, text, boolean) IS
	'A "true"/"false" request parameter; PT400 naming the parameter otherwise';

/*
 * helpdesk_admin_door: whether the request came through the admin door:
 * nginx set "audience": "admin" in the request document's "nginx" member
 * (pgticket_param audience ...;), which only nginx writes: a client's
 * query, body and headers are members of their own.  Anything else, the
 * member absent included, is the user's door.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_admin_door(request jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT coalesce(request #>> '{nginx,audience}' = 'admin', false)
$$;
COMMENT ON FUNCTION pgticket.helpdesk_admin_door(jsonb) IS
	'Whether a 004 request came through the admin door: "audience": "admin" in its "nginx" member (pgticket_param, set by nginx only; issue 10)';

/*
 * helpdesk_signed_in: the staff id of the admin nginx signed in (the
 * "admin" member of "nginx", e.g. $remote_user after auth_basic) when the
 * request came through the admin door and that admin is an active
 * helpdesk admin; NULL otherwise.  Recorded as who closed or assigned.
 * PL/pgSQL: with its SET clause a SQL function is never inlined, and was
 * parsed and planned on every close (~150 us); no query without an admin.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_signed_in(request jsonb)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	/* the shipped configuration sends "admin": "" (nobody signed in) */
	IF NOT helpdesk_admin_door(request)
		OR nullif(request #>> '{nginx,admin}', '') IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT s.id INTO v_id FROM staff s
	WHERE s.username = request #>> '{nginx,admin}'
		AND s.role = 'admin' AND s.active;
	RETURN v_id;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_signed_in(jsonb) IS
	'Staff id of the admin nginx signed in (the "admin" member of "nginx") on the 004 admin door, NULL when none or not an active helpdesk admin';

/*
 * helpdesk_refused: the 403 answer to a request for an admin's capability
 * (what: "close a ticket") that did not come through the admin door, or
 * whose admin signed in through nginx (pgticket_param admin $remote_user)
 * is no active helpdesk admin; NULL when the request may go on.  signed_in
 * is helpdesk_signed_in(request), which a facade that records the admin
 * as the actor needs too: one staff query, not two.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_refused(request jsonb, what text,
	signed_in bigint)
RETURNS pgticket.http_response
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT helpdesk_admin_door(request) THEN
		RETURN helpdesk_error(403, format('Only an admin may %s', what));
	END IF;
	IF nullif(request #>> '{nginx,admin}', '') IS NOT NULL
		AND signed_in IS NULL THEN
		RETURN helpdesk_error(403,
			'The admin signed in is not an active helpdesk admin');
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_refused(jsonb, text, bigint) IS
	'The 004 403 answer to an admin capability (what) asked for outside the admin door, or by a signed-in admin who is not an active helpdesk admin (signed_in: helpdesk_signed_in of the request); NULL when allowed';

/*
 * helpdesk_ticket: the helpdesk ticket numbered n, or PT404.  With for_user,
 * the ticket must also belong to the helpdesk user of that id: someone
 * else's ticket is "not found" too.  With for_update, the row is locked
 * first, so a facade that checks the state before changing it sees the
 * state a concurrent request just committed (and answers with its own
 * 409) instead of failing later in the core with the core's message.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_ticket(n bigint, for_user bigint DEFAULT NULL,
	for_update boolean DEFAULT false)
RETURNS pgticket.ticket
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	t			ticket;
	found_it	boolean;
BEGIN
	IF for_update THEN
		SELECT * INTO t FROM ticket
		WHERE workflow = 'helpdesk' AND number = n
		FOR UPDATE;
	ELSE
		SELECT * INTO t FROM ticket
		WHERE workflow = 'helpdesk' AND number = n;
	END IF;
	found_it := FOUND;
	IF found_it AND for_user IS NOT NULL THEN
		/* a query: run only for the user's view */
		found_it := EXISTS (SELECT 1 FROM customer c
			WHERE c.id = t.customer_id AND c.helpdesk_user_id = for_user);
	END IF;
	IF NOT found_it THEN
		PERFORM req_fail(404,
			format('The ticket with the ticketId %s was not found', n));
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_ticket(bigint, bigint, boolean) IS
	'The helpdesk-workflow ticket of that number (optionally: of that helpdesk user; optionally locked FOR UPDATE), or PT404';

/*
 * helpdesk_admin: the active admin of that username, or PT404 naming the
 * parameter the username came from.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_admin(username text, param text)
RETURNS pgticket.staff
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	s staff;
BEGIN
	SELECT * INTO s FROM staff
	WHERE staff.username = helpdesk_admin.username
		AND role = 'admin' AND active;
	IF NOT FOUND THEN
		PERFORM req_fail(404,
			format('The admin given in the %s parameter was not found', param));
	END IF;
	RETURN s;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_admin(text, text) IS
	'The active helpdesk admin of that username, or PT404 naming the parameter';

/*
 * helpdesk_shown_status: the status the API shows for a ticket in a state of
 * that reporting category: new/open tickets are "unassigned" until an admin
 * is assigned, then "open"; pending is "onhold"; solved is "resolved";
 * closed and cancelled are "closed".
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_shown_status(category pgticket.state_category,
	assignee_id bigint)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN category IN ('new', 'open') AND assignee_id IS NULL THEN 'unassigned'
		WHEN category IN ('new', 'open') THEN 'open'
		WHEN category = 'pending' THEN 'onhold'
		WHEN category = 'solved' THEN 'resolved'
		ELSE 'closed'
	END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_shown_status(pgticket.state_category, bigint) IS
	'Status shown by the 004 API: unassigned, open, onhold, resolved or closed';

/*
 * helpdesk_status_categories: the reporting categories of the states a
 * get_tickets status filter keeps (contract.md: unresolved, overdue,
 * duetoday and unassigned = category new/open/pending, overdue and duetoday
 * also by due date, unassigned also without an admin; open, onhold, closed
 * = that state, i.e. category open, pending, closed (or cancelled), whoever
 * is assigned: a reopened ticket nobody is assigned to is in state open and
 * shows "unassigned"; resolved = category solved; all = every ticket).
 * NULL for an unknown filter.
 */
CREATE OR REPLACE FUNCTION pgticket.helpdesk_status_categories(filter text)
RETURNS pgticket.state_category[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE filter
		WHEN 'all' THEN enum_range(NULL::pgticket.state_category)
		WHEN 'unresolved' THEN '{new,open,pending}'
		WHEN 'overdue' THEN '{new,open,pending}'
		WHEN 'duetoday' THEN '{new,open,pending}'
		WHEN 'unassigned' THEN '{new,open,pending}'
		WHEN 'open' THEN '{open}'
		WHEN 'onhold' THEN '{pending}'
		WHEN 'resolved' THEN '{solved}'
		WHEN 'closed' THEN '{closed,cancelled}'
	END::pgticket.state_category[]
$$;
COMMENT ON FUNCTION pgticket.helpdesk_status_categories(text) IS
	'get_tickets status filter (all, unresolved, overdue, duetoday, unassigned, open, onhold, resolved, closed) as the categories of the states it keeps; NULL for another filter';

/* ------------------------------------------------------------------ facades */

/*
 * Every facade runs with plan_cache_mode = force_generic_plan: each of its
 * statements is written to have a good generic plan (no "x IS NULL OR"
 * around an indexed column), and re-planning a multi-join rendering query
 * on every call would cost more than the query itself.
 */

/*
 * POST /api/v1/raise_ticket: type, subject, userId, comments required;
 * priority (default medium); closeTicketImmediately true/false, and when
 * true resolutionType and resolutionSubject.  comments become the
 * description and the first public message of the user.
 */
CREATE OR REPLACE FUNCTION api_helpdesk.raise_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_type		text;
	v_subject	text;
	v_priority	text;
	v_user		bigint;
	v_comments	text;
	v_close		boolean;
	v_res_type	text;
	v_res_subject text;
	v_group		text;
	c			customer;
	t			ticket;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_type := helpdesk_required(request, 'type');
	v_subject := helpdesk_required(request, 'subject');
	v_priority := lower(coalesce(req_arg(request, 'priority'), 'medium'));
	IF v_priority <> ALL (enum_range(NULL::priority)::text[]) THEN
		PERFORM req_fail(400,
			'The priority parameter must be one of low, medium, high, urgent');
	END IF;
	v_user := helpdesk_number(request, 'userId');
	v_comments := helpdesk_required(request, 'comments');
	v_close := coalesce(helpdesk_flag(request, 'closeTicketImmediately', false),
		false);
	IF v_close THEN
		v_res_type := helpdesk_required(request, 'resolutionType');
		v_res_subject := helpdesk_required(request, 'resolutionSubject');
	END IF;

	SELECT group_name INTO v_group FROM issue_type
	WHERE scope = 'helpdesk' AND name = v_type;
	IF NOT FOUND THEN
		PERFORM req_fail(400, format('The type parameter must be one of: %s',
			(SELECT string_agg(name, ', ' ORDER BY position, name)
			 FROM issue_type WHERE scope = 'helpdesk')));
	END IF;

	SELECT * INTO c FROM customer WHERE helpdesk_user_id = v_user;
	IF NOT FOUND THEN
		PERFORM req_fail(404,
			format('The user with the userId %s was not found', v_user));
	END IF;

	t := create_ticket('helpdesk', c.id, v_subject, v_comments,
		v_priority::priority, v_type, 'helpdesk');
	INSERT INTO ticket_helpdesk (ticket_id, group_name, resolution_type,
		resolution_subject)
	VALUES (t.id, v_group, v_res_type, v_res_subject);
	PERFORM add_message(t.id, v_comments, 'customer', c.id, c.name, 'public',
		t.created_at);
	IF v_close THEN
		t := transition(t.id, 'closed', actor_customer_id => c.id,
			reason => v_res_subject, expected_state => t.state);
	END IF;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', format('Your ticket with the ID %s has been raised. Please wait for the response and note the ticket Id for future reference.', t.number),
		'ticketId', t.number::text));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.raise_ticket(jsonb) IS
	'POST /api/v1/raise_ticket: raise a helpdesk ticket (optionally raised and closed at once)';

/*
 * GET|POST /api/v1/get_tickets/{userId}/{status}/{assigned_admin}: the
 * tickets of a user (0: of every user), oldest first, optionally filtered
 * by status, assigned admin and creation time (fromDate/toDate, dd-mm-yyyy
 * H:m; toDate includes its whole minute, or its whole day without a time),
 * one page at a time: limit tickets (1 to 1000, default 100) after the
 * first offset (default 0), so that no answer grows with the table.
 * random_page_cost as for get_ticket_details: each ticket's assignee by
 * the staff key, not by reading the staff table (-8 % of a user's page's
 * instructions at 1 M tickets).
 */
CREATE OR REPLACE FUNCTION api_helpdesk.get_tickets(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET random_page_cost = 1.1
AS $$
DECLARE
	v_user		bigint;
	q			helpdesk_list_query;
	v_customer	bigint;
	v_admin		bigint;
	v_states	text[];
	v_due_from	timestamptz;
	v_due_to	timestamptz;
	v_ids		bigint[];
	v_data		text;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_user := helpdesk_number(request, 'userId', min => 0);
	IF v_user = 0 THEN
		r := helpdesk_refused(request, 'list the tickets of every user',
			helpdesk_signed_in(request));
		IF r IS NOT NULL THEN
			RETURN r;
		END IF;
	END IF;
	/* the rest of the request, checked, in one call */
	q := helpdesk_list_query(request);
	IF q.assigned_admin IS NOT NULL THEN
		/* an unknown admin is a filter nothing matches */
		SELECT id INTO v_admin FROM staff WHERE username = q.assigned_admin;
		v_admin := coalesce(v_admin, 0);
	END IF;

	/*
	 * The filter as index conditions: the states it keeps, and a creation
	 * range (NULL bounds: unbounded).  overdue, duetoday and unassigned add
	 * a condition on the rows found.
	 */
	IF q.status IN ('overdue', 'duetoday') THEN
		v_due_from := CASE q.status WHEN 'overdue' THEN '-infinity'
			ELSE date_trunc('day', now()) END;
		v_due_to := CASE q.status WHEN 'overdue' THEN now()
			ELSE date_trunc('day', now()) + interval '1 day' END;
	END IF;

	/*
	 * Find one page of tickets first, then render them by primary key (a
	 * user's page is found and rendered in one statement).  One
	 * static statement per driving index, so that each keeps a cached
	 * generic plan that is an index scan: a user's tickets by
	 * ticket_customer, an admin's by ticket_assignee, overdue and duetoday
	 * by ticket_due, the rest by ticket_workflow_state.  ("v IS NULL OR col
	 * = v" on the driving column would make that plan a seq scan.)  The "IS
	 * NULL OR" left below only filter rows an index already found.  All but
	 * ticket_due are in the page's order (created_at, number), so the scan
	 * stops at the page's end; overdue and duetoday read the unresolved
	 * tickets due in their window.
	 */
	IF v_user <> 0 THEN
		/*
		 * One statement: the user, and the page of their tickets rendered
		 * (every member a string: json_strings).
		 * Each state's range of ticket_customer, in creation order, merged
		 * as in the last branch: only the user's helpdesk tickets in those
		 * states are read, whatever else the customer has.  An admin
		 * filter only drops rows found (with unassigned it keeps none).
		 * The dates filter the user's rows (tstzrange @>) rather than
		 * bound the scan: as an index range of unknown bounds they made
		 * ticket_workflow_state, which also has created_at, look as cheap
		 * as ticket_customer in the generic plan, and a user's page then
		 * read every ticket of the state (sql/helpdesk: 3032 rows beside
		 * another user's 3000).  At worst the user's own tickets before
		 * fromDate are read.
		 */
		SELECT c.id, (
			SELECT '[' || coalesce(string_agg('{"Ticket":' || json_strings(
					'id', p.number::text,
					'account_id', coalesce(c.account, ''),
					'user', coalesce(c.helpdesk_user_id::text, ''),
					'subject', p.subject,
					'type', coalesce(p.type, ''),
					'priority', p.priority::text,
					'due', fmt_ts(p.due_at),
					'status', helpdesk_shown_status(p.category, p.assignee_id),
					'assigned_to', coalesce((SELECT s.username FROM staff s
						WHERE s.id = p.assignee_id), 'NULL'),
					'group_name', coalesce(h.group_name,
						(SELECT it.group_name FROM issue_type it
						 WHERE it.scope = 'helpdesk' AND it.name = p.type), ''),
					'created', fmt_ts(p.created_at))::text || '}', ','
					ORDER BY p.created_at, p.number), '') || ']'
			FROM (SELECT t.*, ws.category
				FROM workflow_state ws
				CROSS JOIN LATERAL (
					SELECT t.id, t.number, t.subject, t.type, t.priority,
						t.due_at, t.assignee_id, t.created_at
					FROM ticket t
					WHERE t.customer_id = c.id
						AND t.workflow = 'helpdesk' AND t.state = ws.state
						AND tstzrange(q.created_from, q.created_before)
							@> t.created_at
						AND (q.status <> 'unassigned' OR t.assignee_id IS NULL)
						AND (v_admin IS NULL OR t.assignee_id = v_admin)
						AND (v_due_to IS NULL
							OR (t.due_at >= v_due_from AND t.due_at < v_due_to))
					ORDER BY t.created_at, t.number
					LIMIT least(q.page_offset, 9223372036854775807 - q.page_limit) + q.page_limit
				) t
				WHERE ws.workflow = 'helpdesk'
					AND ws.category = ANY (helpdesk_status_categories(q.status))
				ORDER BY t.created_at, t.number
				OFFSET q.page_offset LIMIT q.page_limit) p
			LEFT JOIN ticket_helpdesk h ON h.ticket_id = p.id)
		INTO v_customer, v_data
		FROM customer c WHERE c.helpdesk_user_id = v_user;
		IF NOT FOUND THEN
			PERFORM req_fail(404,
				format('The user with the userId %s was not found', v_user));
		END IF;
		RETURN http_json_raw(200,
			'{"status":"success","errorCode":200,"data":' || v_data || '}');
	END IF;

	SELECT array_agg(ws.state) INTO v_states FROM workflow_state ws
	WHERE ws.workflow = 'helpdesk'
		AND ws.category = ANY (helpdesk_status_categories(q.status));
	v_states := coalesce(v_states, '{}');
	IF v_admin IS NOT NULL THEN
		SELECT array_agg(p.id ORDER BY p.created_at, p.number) INTO v_ids
		FROM (SELECT t.id, t.created_at, t.number
			FROM ticket t
			WHERE t.assignee_id = v_admin
				AND t.created_at >= coalesce(q.created_from, '-infinity')
				AND t.created_at < coalesce(q.created_before, 'infinity')
				AND t.workflow = 'helpdesk' AND t.state = ANY (v_states)
				AND q.status <> 'unassigned'
				AND (v_due_to IS NULL
					OR (t.due_at >= v_due_from AND t.due_at < v_due_to))
			ORDER BY t.created_at, t.number
			OFFSET q.page_offset LIMIT q.page_limit) p;
	ELSIF v_due_to IS NOT NULL THEN
		/* unresolved tickets are never closed: ticket_due's predicate */
		SELECT array_agg(p.id ORDER BY p.created_at, p.number) INTO v_ids
		FROM (SELECT t.id, t.created_at, t.number
			FROM ticket t
			WHERE t.due_at >= v_due_from AND t.due_at < v_due_to
				AND t.closed_at IS NULL
				AND t.created_at >= coalesce(q.created_from, '-infinity')
				AND t.created_at < coalesce(q.created_before, 'infinity')
				AND t.workflow = 'helpdesk' AND t.state = ANY (v_states)
			ORDER BY t.created_at, t.number
			OFFSET q.page_offset LIMIT q.page_limit) p;
	ELSE
		/*
		 * Each state's range of ticket_workflow_state is in creation
		 * order: take the first offset + limit tickets of each, and the
		 * page from their merge, so the work stays within (states) x
		 * (offset + limit) rows however many tickets there are.
		 */
		SELECT array_agg(p.id ORDER BY p.created_at, p.number) INTO v_ids
		FROM (SELECT t.id, t.created_at, t.number
			FROM unnest(v_states) AS s(state)
			CROSS JOIN LATERAL (
				SELECT t.id, t.created_at, t.number
				FROM ticket t
				WHERE t.workflow = 'helpdesk' AND t.state = s.state
					AND t.created_at >= coalesce(q.created_from, '-infinity')
					AND t.created_at < coalesce(q.created_before, 'infinity')
					AND (q.status <> 'unassigned' OR t.assignee_id IS NULL)
				ORDER BY t.created_at, t.number
				LIMIT least(q.page_offset, 9223372036854775807 - q.page_limit) + q.page_limit
			) t
			ORDER BY t.created_at, t.number
			OFFSET q.page_offset LIMIT q.page_limit) p;
	END IF;

	SELECT '[' || coalesce(string_agg('{"Ticket":' || json_strings(
			'id', t.number::text,
			'account_id', coalesce(c.account, ''),
			'user', coalesce(c.helpdesk_user_id::text, ''),
			'subject', t.subject,
			'type', coalesce(t.type, ''),
			'priority', t.priority::text,
			'due', fmt_ts(t.due_at),
			'status', helpdesk_shown_status(ws.category, t.assignee_id),
			'assigned_to', coalesce((SELECT s.username FROM staff s
				WHERE s.id = t.assignee_id), 'NULL'),
			'group_name', coalesce(h.group_name,
				(SELECT it.group_name FROM issue_type it
				 WHERE it.scope = 'helpdesk' AND it.name = t.type), ''),
			'created', fmt_ts(t.created_at))::text || '}', ','
			ORDER BY f.n), '') || ']'
	INTO v_data
	FROM unnest(v_ids) WITH ORDINALITY AS f(id, n)
	JOIN ticket t ON t.id = f.id
	JOIN workflow_state ws ON ws.workflow = t.workflow AND ws.state = t.state
	JOIN customer c ON c.id = t.customer_id
	LEFT JOIN ticket_helpdesk h ON h.ticket_id = t.id;

	RETURN http_json_raw(200,
		'{"status":"success","errorCode":200,"data":' || v_data || '}');
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.get_tickets(jsonb) IS
	'GET|POST /api/v1/get_tickets/{userId}/{status}/{assigned_admin}: one page of tickets by user, status, admin and creation dates (fromDate, toDate), oldest first (seed 004, contract.md); limit = tickets per page, 1 to 1000, default 100; offset = tickets skipped, default 0 (pgticket''s, the seed has no paging). 400 naming a bad parameter, 404 for an unknown userId';

/*
 * POST /api/v1/send_message: ticketId, ticketMessage, sender (admin|user),
 * sender_name, showToUser (true|false).  An admin is the staff member whose
 * username is sender_name; a user's message is written as the ticket's own
 * customer (sender_name is required but not matched) and is always public.
 */
CREATE OR REPLACE FUNCTION api_helpdesk.send_message(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_text		text;
	v_sender	text;
	v_name		text;
	v_show		boolean;
	t			ticket;
	s			staff;
	c			customer;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_number := helpdesk_number(request, 'ticketId');
	v_text := helpdesk_required(request, 'ticketMessage');
	v_sender := helpdesk_required(request, 'sender');
	IF v_sender NOT IN ('admin', 'user') THEN
		PERFORM req_fail(400, 'The sender parameter must be admin or user');
	END IF;
	v_name := helpdesk_required(request, 'sender_name');
	v_show := helpdesk_flag(request, 'showToUser');
	IF v_sender = 'admin' THEN
		r := helpdesk_refused(request, 'send a message as the admin',
			helpdesk_signed_in(request));
		IF r IS NOT NULL THEN
			RETURN r;
		END IF;
		IF v_name <> coalesce(nullif(request #>> '{nginx,admin}', ''), v_name) THEN
			RETURN helpdesk_error(403,
				'The sender_name parameter must be the admin signed in');
		END IF;
	END IF;

	t := helpdesk_ticket(v_number);
	IF v_sender = 'admin' THEN
		s := helpdesk_admin(v_name, 'sender_name');
		PERFORM add_message(t.id, v_text, 'staff', s.id, s.username,
			CASE WHEN v_show THEN 'public' ELSE 'internal' END::visibility);
	ELSE
		SELECT * INTO c FROM customer WHERE id = t.customer_id;
		PERFORM add_message(t.id, v_text, 'customer', c.id, c.name, 'public');
	END IF;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', CASE v_sender
			WHEN 'admin' THEN 'The message has been sent to the user'
			ELSE 'The message has been sent to the admin' END));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.send_message(jsonb) IS
	'POST /api/v1/send_message: add a message from the admin or the user to a ticket';

/*
 * GET /api/v1/get_ticket_details/{ticketId}: the conversation and status of
 * a ticket.  With userId (the end-user portal) the ticket must be that
 * user's and internal messages are left out; without it (the admin
 * console) everything is shown.
 *
 * random_page_cost: the default 4 prices a page as a disk read, so a staff
 * table of a few pages is read whole (every row compared) for each
 * message's admin and for the assignee, rather than through its primary
 * key.  Its pages are in memory like the rest: at 1.1 the plan takes the
 * key, which cut 12 % of the instructions of a call at 1 M tickets (124
 * staff).  Plans are made once per session (force_generic_plan).
 */
CREATE OR REPLACE FUNCTION api_helpdesk.get_ticket_details(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET random_page_cost = 1.1
AS $$
DECLARE
	v_number	bigint;
	v_user		bigint;
	v_body		text;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_number := helpdesk_number(request, 'ticketId');
	v_user := helpdesk_number(request, 'userId', false);
	IF v_user IS NULL AND (request -> 'params' ? 'userId'
			OR coalesce(request -> 'body' ? 'userId', false)
			OR request -> 'query' ? 'userId') THEN
		/* given, but empty or null: never taken for the admin's view */
		PERFORM req_fail(400, 'The userId parameter must not be blank');
	END IF;
	/*
	 * The admin console's view: internal notes, any user's ticket.  The
	 * admin door without a signed-in admin (the shipped configuration)
	 * needs neither helper: both would answer NULL.
	 */
	IF v_user IS NULL AND (NOT helpdesk_admin_door(request)
			OR nullif(request #>> '{nginx,admin}', '') IS NOT NULL) THEN
		r := helpdesk_refused(request, 'see a ticket without a userId',
			helpdesk_signed_in(request));
		IF r IS NOT NULL THEN
			RETURN r;
		END IF;
	END IF;

	/*
	 * One statement: the ticket (with userId, that user's: someone else's
	 * is "not found" too, as helpdesk_ticket answers), its conversation,
	 * status and admin.  A message's staff member (or customer, when it
	 * carries no name of its own) is looked up only for the messages that
	 * show it.  Every member is a string, written compact by json_strings
	 * (json_build_object looked up each argument's type on every call),
	 * and so is the envelope around them (http_json_raw).
	 */
	SELECT '{"status":"success","errorCode":200,"message":{"ticket_conversation":['
		|| coalesce((SELECT string_agg(json_strings(
				'sender', CASE m.author_kind
					WHEN 'customer' THEN 'user'
					WHEN 'staff' THEN 'admin'
					ELSE 'system' END,
				'sender_name', CASE m.author_kind
					WHEN 'staff' THEN coalesce(
						(SELECT s.username FROM staff s
						 WHERE s.id = m.staff_id), m.author_name)
					ELSE coalesce(nullif(m.author_name, ''),
						(SELECT c.name FROM customer c
						 WHERE c.id = m.customer_id), '') END,
				'ticket_message', m.body,
				'created', fmt_ts(m.created_at),
				'show_to_user', CASE m.visibility
					WHEN 'public' THEN '1' ELSE '0' END)::text, ','
				ORDER BY m.created_at, m.id)
			FROM message m
			WHERE m.ticket_id = t.id
				AND (v_user IS NULL OR m.visibility = 'public')), '')
		|| '],"ticket_details":' || json_strings(
			'status', (SELECT helpdesk_shown_status(ws.category, t.assignee_id)
					   FROM workflow_state ws
					   WHERE ws.workflow = t.workflow AND ws.state = t.state),
			'assigned_to', coalesce((SELECT s.username FROM staff s
									 WHERE s.id = t.assignee_id), 'NULL'),
			'created', fmt_ts(t.created_at))::text
		|| '}}'
	INTO v_body
	FROM ticket t
	WHERE t.workflow = 'helpdesk' AND t.number = v_number
		AND (v_user IS NULL OR EXISTS (SELECT 1 FROM customer c
			WHERE c.id = t.customer_id AND c.helpdesk_user_id = v_user));
	IF NOT FOUND THEN
		PERFORM req_fail(404,
			format('The ticket with the ticketId %s was not found', v_number));
	END IF;
	RETURN http_json_raw(200, v_body);
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.get_ticket_details(jsonb) IS
	'GET /api/v1/get_ticket_details/{ticketId}: conversation and status of a ticket (userId: the user''s view)';

/*
 * GET|POST /api/v1/close_ticket/{ticketId}: close a ticket that is not
 * closed yet.
 */
CREATE OR REPLACE FUNCTION api_helpdesk.close_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_actor		bigint;
	t			ticket;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_actor := helpdesk_signed_in(request);
	r := helpdesk_refused(request, 'close a ticket', v_actor);
	IF r IS NOT NULL THEN
		RETURN r;
	END IF;
	t := helpdesk_ticket(helpdesk_number(request, 'ticketId'),
		for_update => true);
	IF t.state = 'closed' THEN
		PERFORM req_fail(409, 'The ticket is already closed');
	END IF;
	PERFORM transition(t.id, 'closed',
		actor_staff_id => v_actor,
		reason => 'closed through the helpdesk API', expected_state => t.state);

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', 'The ticket has been closed'));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.close_ticket(jsonb) IS
	'GET|POST /api/v1/close_ticket/{ticketId}: close a ticket';

/*
 * POST /api/v1/assign_ticket_to_admin: ticketId, admin (username).  Assigns
 * the ticket and moves a new ticket to open.
 */
CREATE OR REPLACE FUNCTION api_helpdesk.assign_ticket_to_admin(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_admin		text;
	v_actor		bigint;
	t			ticket;
	s			staff;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_actor := helpdesk_signed_in(request);
	r := helpdesk_refused(request, 'assign a ticket', v_actor);
	IF r IS NOT NULL THEN
		RETURN r;
	END IF;
	v_number := helpdesk_number(request, 'ticketId');
	v_admin := helpdesk_required(request, 'admin');
	t := helpdesk_ticket(v_number, for_update => true);
	s := helpdesk_admin(v_admin, 'admin');
	IF t.state = 'closed' THEN
		PERFORM req_fail(409, 'A closed ticket cannot be assigned');
	END IF;
	t := assign(t.id, s.id, actor_staff_id => v_actor,
		reason => 'assigned through the helpdesk API');
	IF t.state = 'new' THEN
		PERFORM transition(t.id, 'open', actor_staff_id => v_actor,
			expected_state => 'new');
	END IF;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', 'Admin assigned to the ticket successfully'));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.assign_ticket_to_admin(jsonb) IS
	'POST /api/v1/assign_ticket_to_admin: assign a ticket to an admin (a new ticket becomes open)';

/*
 * POST /api/v1/reopen_ticket: ticketId, userId, comments.  Only a closed
 * ticket, only by its user; comments become a public message of the user.
 */
CREATE OR REPLACE FUNCTION api_helpdesk.reopen_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_user		bigint;
	v_comments	text;
	t			ticket;
	c			customer;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_number := helpdesk_number(request, 'ticketId');
	v_user := helpdesk_number(request, 'userId');
	v_comments := helpdesk_required(request, 'comments');
	t := helpdesk_ticket(v_number, v_user, for_update => true);
	IF t.state <> 'closed' THEN
		PERFORM req_fail(409, 'Only a closed ticket can be reopened');
	END IF;
	SELECT * INTO c FROM customer WHERE id = t.customer_id;
	PERFORM transition(t.id, 'open', actor_customer_id => c.id,
		reason => v_comments, expected_state => 'closed');
	PERFORM add_message(t.id, v_comments, 'customer', c.id, c.name, 'public');

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'message', 'Ticket has been reopened successfully',
		'errorCode', 200));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.reopen_ticket(jsonb) IS
	'POST /api/v1/reopen_ticket: the user reopens their closed ticket with a comment';

/*
 * POST /api/v1/ticket_rating: ticketId, userId, ratingValue 1..5.  Only the
 * ticket's user, once it is resolved or closed; a new rating replaces the
 * previous one.
 */
CREATE OR REPLACE FUNCTION api_helpdesk.ticket_rating(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_user		bigint;
	v_value		integer;
	v_category	state_category;
	t			ticket;
	r			http_response;
BEGIN
	IF req_body_problem(request) IS NOT NULL THEN
		PERFORM helpdesk_check_body(request);
	END IF;
	v_number := helpdesk_number(request, 'ticketId');
	v_user := helpdesk_number(request, 'userId');
	v_value := helpdesk_number(request, 'ratingValue', true, 1, 5);
	t := helpdesk_ticket(v_number, v_user, for_update => true);
	SELECT category INTO v_category FROM workflow_state
	WHERE workflow = t.workflow AND state = t.state;
	IF v_category NOT IN ('solved', 'closed') THEN
		PERFORM req_fail(409,
			'The ticket can be rated once it is resolved or closed');
	END IF;
	PERFORM rate(t.id, t.customer_id, v_value);

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'message', format('Thanks for your feedback, your rating has been saved for the ticket ID%s', t.number),
		'errorCode', 200));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.ticket_rating(jsonb) IS
	'POST /api/v1/ticket_rating: the user rates their resolved or closed ticket (1-5; a new rating replaces the old)';
