/*
 * 003 workshop pending tickets API, v2 (new in 1.1): one function per
 * endpoint of seed 003, as contract.md settles it.
 *
 * Vocabulary.  A workshop ticket is a ticket of workflow 'workshop' with a
 * row of ticket_vehicle; a pending ticket is one in state pending.  The
 * API's id is the ticket's uuid, ticket_number its human number,
 * customer_id the customer's uuid; an operator is a staff member with
 * is_operator, named by uuid.  The caller is an API client: a Bearer
 * access token (HS256 JWT with sub and a scope that includes "tickets") or
 * an API key (X-Api-Key, stored as its SHA-256 in api_client).
 *
 * Every error is application/problem+json (RFC 7807) with type, title,
 * status, detail and violations, in that order; violations lists one
 * {"field","message"} per bad field on a 400 (type "/problems/violations",
 * as the seed shows) and is empty otherwise (type "about:blank", title the
 * status's name).  The shipped nginx-module/conf/api-workshop.conf gives
 * nginx's own answers the same shape.
 */

/* 90_roles.sql comments the schema and grants EXECUTE to pgticket_web. */
CREATE SCHEMA IF NOT EXISTS api_workshop;

/* ------------------------------------------------------------- schema */

CREATE INDEX IF NOT EXISTS ticket_vehicle_vin ON pgticket.ticket_vehicle (vin);
COMMENT ON INDEX pgticket.ticket_vehicle_vin IS
	'Workshop tickets by VIN (the vin filter of GET /v2/tickets/pending-tickets)';

/* ---------------------------------------------------------- helpers */

/*
 * workshop_problem: a problem details answer.  The title is the status's
 * name; a 400 is "/problems/violations" with the seed's title and detail.
 */
CREATE FUNCTION pgticket.workshop_problem(status integer, detail text,
	violations jsonb DEFAULT '[]', headers jsonb DEFAULT '{}')
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT ROW(status,
		'{"Content-Type": "application/problem+json"}'::jsonb || headers,
		pgticket.json_compact(json_build_object(
			'type', CASE WHEN status = 400 THEN '/problems/violations'
				ELSE 'about:blank' END,
			'title', CASE status
				WHEN 400 THEN 'Bad request'
				WHEN 401 THEN 'Unauthorized'
				WHEN 403 THEN 'Forbidden'
				WHEN 404 THEN 'Not found'
				WHEN 409 THEN 'Conflict'
				WHEN 415 THEN 'Unsupported media type'
				ELSE 'Error' END,
			'status', status,
			'detail', CASE WHEN status = 400 THEN 'The request violates one or more constraints. Please resolve all of them and try again.'
				ELSE detail END,
			'violations', violations::json)))::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.workshop_problem(integer, text, jsonb, jsonb) IS
	'003 error answer: application/problem+json {"type","title","status","detail","violations"} (a 400 is /problems/violations with the seed''s title and detail), with extra headers';

/*
 * workshop_violation: one entry of violations.
 */
CREATE FUNCTION pgticket.workshop_violation(field text, message text)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT jsonb_build_array(jsonb_build_object('field', field,
		'message', message))
$$;
COMMENT ON FUNCTION pgticket.workshop_violation(text, text) IS
	'A one-entry violations array [{"field": ..., "message": ...}] (keys in that order)';

/*
 * workshop_fail: raise a client error naming a field (PT400: one
 * violation) or none.  The field travels in the error's COLUMN field.
 */
CREATE FUNCTION pgticket.workshop_fail(status integer, message text,
	field text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'PT' || status::text, MESSAGE = message,
		COLUMN = coalesce(field, '');
END
$$;
COMMENT ON FUNCTION pgticket.workshop_fail(integer, text, text) IS
	'Raise SQLSTATE PT<status> with the client-facing message and the offending field (COLUMN); the facades answer it as a problem';

/*
 * workshop_caught: the problem answer for a caught SQLSTATE, or NULL when
 * the error is not a client error (the caller re-raises it).  401 and 403
 * carry WWW-Authenticate (RFC 6750).
 */
CREATE FUNCTION pgticket.workshop_caught(sqlstate text, message text,
	field text)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate = 'PT401' THEN pgticket.workshop_problem(401, message,
			headers => '{"WWW-Authenticate": "Bearer realm=\"pgticket\""}')
		WHEN sqlstate = 'PT403' THEN pgticket.workshop_problem(403, message,
			headers => '{"WWW-Authenticate": "Bearer realm=\"pgticket\", error=\"insufficient_scope\", scope=\"tickets\""}')
		WHEN sqlstate = 'PT415' THEN pgticket.workshop_problem(415, message,
			pgticket.workshop_violation('Content-Type',
										'must be application/json'))
		WHEN pgticket.http_status_of(sqlstate) = 400 THEN
			pgticket.workshop_problem(400, message,
				pgticket.workshop_violation(coalesce(nullif(field, ''), 'body'),
											message))
		WHEN pgticket.http_status_of(sqlstate) IS NOT NULL THEN
			pgticket.workshop_problem(pgticket.http_status_of(sqlstate), message)
	END
$$;
COMMENT ON FUNCTION pgticket.workshop_caught(text, text, text) IS
	'003 problem answer for a client-error SQLSTATE (PT401, PT403, PT404, PT409, PT415; PT400 and class 22 as a 400 naming the field); NULL for other errors';

/*
 * workshop_client: who calls, from the Authorization or X-Api-Key header.
 * A Bearer token must verify under the token_secret setting (signature,
 * exp, nbf: pgticket.token_claims), carry a subject and a scope that
 * includes "tickets"; an API key must be an active workshop client's,
 * found by its SHA-256 (keys are high-entropy and unsalted), with the
 * tickets scope.  When Authorization is sent it decides, whatever
 * X-Api-Key says.  PT401 when missing or bad, PT403 without the scope.
 */
CREATE FUNCTION pgticket.workshop_client(request jsonb) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_auth		text := request -> 'headers' ->> 'authorization';
	v_key		text := request -> 'headers' ->> 'x-api-key';
	v_token		text;
	v_claims	jsonb;
	v_scope		jsonb;
	v_client	api_client;
BEGIN
	IF v_auth IS NOT NULL THEN
		v_token := substring(v_auth FROM '^[Bb][Ee][Aa][Rr][Ee][Rr] +([^ ]+) *$');
		IF v_token IS NULL THEN
			PERFORM workshop_fail(401, 'The Authorization header must be "Bearer <access token>".');
		END IF;
		v_claims := token_claims(v_token);
		IF jsonb_typeof(v_claims -> 'sub') IS DISTINCT FROM 'string'
			OR v_claims ->> 'sub' = '' THEN
			PERFORM workshop_fail(401, 'The access token has no subject (sub).');
		END IF;
		v_scope := v_claims -> 'scope';
		IF NOT coalesce((jsonb_typeof(v_scope) = 'string'
				 AND 'tickets' = ANY (regexp_split_to_array(v_scope #>> '{}', ' +')))
				OR (jsonb_typeof(v_scope) = 'array' AND v_scope ? 'tickets'),
				false) THEN
			PERFORM workshop_fail(403, 'The access token does not grant the tickets scope.');
		END IF;
		RETURN v_claims ->> 'sub';
	END IF;

	IF v_key IS NULL THEN
		PERFORM workshop_fail(401, 'Authentication is required: an access token (Authorization: Bearer) or an API key (X-Api-Key).');
	END IF;
	SELECT * INTO v_client FROM api_client c
	WHERE c.key_hash = sha256(convert_to(v_key, 'UTF8'))
		AND c.api = 'workshop' AND c.salt = ''::bytea AND c.active;
	IF NOT FOUND THEN
		PERFORM workshop_fail(401, 'The API key is not valid.');
	END IF;
	IF 'tickets' <> ALL (v_client.scopes) THEN
		PERFORM workshop_fail(403, 'The API key does not grant the tickets scope.');
	END IF;
	RETURN v_client.name;
END
$$;
COMMENT ON FUNCTION pgticket.workshop_client(jsonb) IS
	'The 003 caller (token subject or API client name) from a request''s Authorization: Bearer (HS256 JWT, pgticket.token_claims, sub and scope "tickets" required) or X-Api-Key (sha256 of an active workshop client, scope "tickets"); PT401 when missing or bad, PT403 without the tickets scope (contract.md 003, RFC 6750)';

/*
 * workshop_query_number: an optional query parameter holding a whole
 * number (any JSON spelling) within [low, high]; appends a violation and
 * returns NULL when it is anything else.
 */
CREATE FUNCTION pgticket.workshop_query_number(request jsonb, name text,
	low bigint, high bigint, INOUT violations jsonb, OUT value bigint)
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v jsonb := request -> 'query' -> name;
	n numeric;
BEGIN
	IF v IS NULL THEN
		RETURN;
	END IF;
	IF jsonb_typeof(v) <> 'string' THEN
		violations := violations || pgticket.workshop_violation(name,
			'must be given once');
		RETURN;
	END IF;
	n := pgticket.parse_json_number(v #>> '{}');
	IF n IS NULL OR n <> trunc(n) THEN
		violations := violations || pgticket.workshop_violation(name,
			'must be an integer');
	ELSIF n NOT BETWEEN low AND high THEN
		violations := violations || pgticket.workshop_violation(name,
			CASE WHEN high < 9223372036854775807
				THEN format('must be between %s and %s', low, high)
				WHEN n < low
				THEN format('must be greater than or equal to %s', low)
				ELSE format('must be less than or equal to %s', high) END);
	ELSE
		value := n;
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.workshop_query_number(jsonb, text, bigint, bigint, jsonb) IS
	'An optional whole-number query parameter within [low, high]; NULL and one more violation when it is malformed or out of range';

/*
 * workshop_render: the workshop tickets of these ids as a JSON array in
 * the order given, in the seed's Pending ticket shape; with_operator adds
 * operator_id (the assignee's uuid), for in-progress tickets.  PL/pgSQL,
 * so that the session keeps the statement's plan (as queue_render).
 */
CREATE FUNCTION pgticket.workshop_render(ids bigint[],
	with_operator boolean DEFAULT false)
RETURNS json
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
BEGIN
	RETURN (SELECT coalesce(json_agg(CASE WHEN with_operator THEN
				json_build_object(
					'id', t.uuid,
					'created_at', fmt_iso8601(t.created_at),
					'customer_id', c.uuid,
					'ticket_number', t.number,
					'vehicle_model_id', v.vehicle_model_id,
					'vin', v.vin,
					'connection_id', v.connection_id,
					'operator_id', s.uuid)
			ELSE
				json_build_object(
					'id', t.uuid,
					'created_at', fmt_iso8601(t.created_at),
					'customer_id', c.uuid,
					'ticket_number', t.number,
					'vehicle_model_id', v.vehicle_model_id,
					'vin', v.vin,
					'connection_id', v.connection_id)
			END ORDER BY f.n), '[]'::json)
		FROM unnest(ids) WITH ORDINALITY AS f(id, n)
		JOIN ticket t ON t.id = f.id
		JOIN customer c ON c.id = t.customer_id
		LEFT JOIN ticket_vehicle v ON v.ticket_id = t.id
		LEFT JOIN staff s ON s.id = t.assignee_id);
END
$$;
COMMENT ON FUNCTION pgticket.workshop_render(bigint[], boolean) IS
	'003 tickets of these ticket ids as a JSON array in the order given (seed 003 Pending ticket; with_operator adds operator_id)';

/*
 * workshop_get: the answer to GET of one workshop ticket in a state, named
 * by the path parameter id: the ticket, 400 for a malformed id (the
 * violation names the seed's path parameter), 404 when no ticket of that
 * id is in that state.
 */
CREATE FUNCTION pgticket.workshop_get(request jsonb, state text, field text)
RETURNS pgticket.http_response
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_client text;
	v_id	uuid;
	v_doc	json;
BEGIN
	/* assigned, not PERFORMed: an expression, not a statement */
	v_client := workshop_client(request);
	v_id := parse_uuid(request -> 'params' ->> 'id');
	IF v_id IS NULL THEN
		PERFORM workshop_fail(400, 'must be a UUID', field);
	END IF;
	/*
	 * One statement: the ticket, rendered as workshop_render does.  The
	 * operator by a subquery, only for an in-progress ticket (a join made
	 * the generic plan hash the whole staff table on every call).
	 */
	SELECT CASE WHEN workshop_get.state <> 'pending' THEN
			json_build_object(
				'id', t.uuid,
				'created_at', fmt_iso8601(t.created_at),
				'customer_id', c.uuid,
				'ticket_number', t.number,
				'vehicle_model_id', v.vehicle_model_id,
				'vin', v.vin,
				'connection_id', v.connection_id,
				'operator_id', (SELECT s.uuid FROM staff s
								WHERE s.id = t.assignee_id))
		ELSE
			json_build_object(
				'id', t.uuid,
				'created_at', fmt_iso8601(t.created_at),
				'customer_id', c.uuid,
				'ticket_number', t.number,
				'vehicle_model_id', v.vehicle_model_id,
				'vin', v.vin,
				'connection_id', v.connection_id)
		END
	INTO v_doc
	FROM ticket t
	JOIN customer c ON c.id = t.customer_id
	LEFT JOIN ticket_vehicle v ON v.ticket_id = t.id
	WHERE t.uuid = v_id AND t.workflow = 'workshop'
		AND t.state = workshop_get.state;
	IF NOT FOUND THEN
		PERFORM workshop_fail(404, format('No %s ticket has the id %s.',
			replace(workshop_get.state, '_', '-'), v_id));
	END IF;
	RETURN http_json(200, v_doc);
END
$$;
COMMENT ON FUNCTION pgticket.workshop_get(jsonb, text, text) IS
	'GET of one 003 ticket in that state by the path parameter id: 200 with the ticket; PT401/PT403 (auth), PT400 naming field for a malformed id, PT404';

/* ------------------------------------------------------------------ facades */

/*
 * GET /v2/tickets/pending-tickets: limit (0..1000, default 25), offset
 * (0 or more, default 0), ticket_number and vin filters; the pending
 * tickets oldest first, with the applied parameters and the total.  One
 * static statement per driving index (ticket_workflow_state for the whole
 * list, the ticket number's unique index, ticket_vehicle_vin), so each has
 * a generic plan that is an index scan.
 */
CREATE FUNCTION api_workshop.list_pending_tickets(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_bad		jsonb := '[]';
	v_limit		bigint;
	v_offset	bigint;
	v_number	bigint;
	v_vin		jsonb;
	v_total		bigint;
	v_ids		bigint[];
	v_field		text;
	r			http_response;
BEGIN
	PERFORM workshop_client(request);
	SELECT * INTO v_bad, v_limit
	FROM workshop_query_number(request, 'limit', 0, 1000, v_bad);
	SELECT * INTO v_bad, v_offset
	FROM workshop_query_number(request, 'offset', 0, 9223372036854775807, v_bad);
	SELECT * INTO v_bad, v_number
	FROM workshop_query_number(request, 'ticket_number',
		-9223372036854775808, 9223372036854775807, v_bad);
	v_vin := request -> 'query' -> 'vin';
	IF jsonb_typeof(v_vin) = 'array' THEN
		v_bad := v_bad || workshop_violation('vin', 'must be given once');
	ELSIF v_vin IS NOT NULL
		AND v_vin #>> '{}' !~ '^[A-HJ-NPR-Z0-9]{17}$' THEN
		v_bad := v_bad || workshop_violation('vin',
			'must be 17 characters: digits and capital letters other than I, O and Q');
	END IF;
	IF jsonb_array_length(v_bad) > 0 THEN
		RETURN workshop_problem(400, NULL, v_bad);
	END IF;
	v_limit := coalesce(v_limit, 25);
	v_offset := coalesce(v_offset, 0);

	IF v_number IS NOT NULL THEN
		SELECT array_agg(t.id) INTO v_ids
		FROM ticket t
		LEFT JOIN ticket_vehicle v ON v.ticket_id = t.id
		WHERE t.workflow = 'workshop' AND t.number = v_number
			AND t.state = 'pending'
			AND (v_vin IS NULL OR v.vin = v_vin #>> '{}');
	ELSIF v_vin IS NOT NULL THEN
		SELECT array_agg(t.id ORDER BY t.created_at, t.id) INTO v_ids
		FROM ticket_vehicle v JOIN ticket t ON t.id = v.ticket_id
		WHERE v.vin = v_vin #>> '{}'
			AND t.workflow = 'workshop' AND t.state = 'pending';
	ELSE
		SELECT count(*) INTO v_total FROM ticket t
		WHERE t.workflow = 'workshop' AND t.state = 'pending';
		SELECT array_agg(p.id ORDER BY p.created_at, p.id) INTO v_ids
		FROM (SELECT t.id, t.created_at FROM ticket t
			  WHERE t.workflow = 'workshop' AND t.state = 'pending'
			  ORDER BY t.created_at, t.id
			  OFFSET v_offset LIMIT v_limit) p;
	END IF;
	IF v_total IS NULL THEN
		/*
		 * A filter's matches, paged here.  Array subscripts are int4: an
		 * offset past them (any bigint the API accepts) is an empty page.
		 */
		v_total := coalesce(array_length(v_ids, 1), 0);
		IF v_offset >= v_total THEN
			v_ids := '{}';
		ELSE
			v_ids := v_ids[v_offset + 1 : least(v_offset + v_limit, v_total)];
		END IF;
	END IF;

	RETURN http_json(200, json_build_object(
		'query', json_strip_nulls(json_build_object(
			'limit', v_limit,
			'offset', v_offset,
			'ticket_number', v_number,
			'vin', v_vin #>> '{}')),
		'result', workshop_render(coalesce(v_ids, '{}')),
		'total', v_total));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_field = COLUMN_NAME;
	r := workshop_caught(SQLSTATE, SQLERRM, v_field);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_workshop.list_pending_tickets(jsonb) IS
	'GET /v2/tickets/pending-tickets (seed 003): pending tickets oldest first; limit 0-1000 (default 25), offset >= 0 (default 0), ticket_number, vin; {"query","result","total"}; 200, 400 (violations), 401, 403';

/*
 * GET /v2/tickets/pending-tickets/{id}: one pending ticket.
 */
CREATE FUNCTION api_workshop.get_pending_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_field		text;
	r			http_response;
BEGIN
	RETURN workshop_get(request, 'pending', 'pending-ticket-id');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_field = COLUMN_NAME;
	r := workshop_caught(SQLSTATE, SQLERRM, v_field);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_workshop.get_pending_ticket(jsonb) IS
	'GET /v2/tickets/pending-tickets/{pending-ticket-id} (seed 003): one pending ticket; 200, 400 (not a uuid), 401, 403, 404';

/*
 * GET /v2/tickets/in-progress-tickets/{id}: one in-progress ticket, where
 * start-service sends the client (the pending shape and operator_id).
 */
CREATE FUNCTION api_workshop.get_in_progress_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_field		text;
	r			http_response;
BEGIN
	RETURN workshop_get(request, 'in_progress', 'in-progress-ticket-id');
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_field = COLUMN_NAME;
	r := workshop_caught(SQLSTATE, SQLERRM, v_field);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_workshop.get_in_progress_ticket(jsonb) IS
	'GET /v2/tickets/in-progress-tickets/{id} (contract.md 003, the Location of start-service): one in-progress ticket with operator_id; 200, 400 (not a uuid), 401, 403, 404';

/*
 * PATCH /v2/tickets/pending-tickets/{id}, application/json body
 * {"transition":{"type":"start-service","operator_id":"<uuid>"}}: the
 * operator (an active staff member with is_operator) is assigned and the
 * ticket moves to in_progress; 303 to the in-progress ticket.  The ticket
 * is locked before its state is checked, so of racing requests one wins
 * and the others get 409.  random_page_cost as in 002's create_ticket: the
 * operator, and the foreign keys to staff, by the staff keys, not by
 * reading the staff table three times.
 */
CREATE FUNCTION api_workshop.transition_pending_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET random_page_cost = 1.1
AS $$
DECLARE
	v_client	text;
	v_type		text;
	v_bad		jsonb := '[]';
	v_id		uuid;
	v_tr		jsonb;
	v_op_id		uuid;
	v_field		text;
	op			staff;
	t			ticket;
	r			http_response;
BEGIN
	v_client := workshop_client(request);
	-- OWS around the media type is SP or HTAB (RFC 9110, 5.6.3)
	v_type := lower(btrim(split_part(
		request -> 'headers' ->> 'content-type', ';', 1), E' \t'));
	IF v_type IS NULL OR NOT (v_type = 'application/json'
							  OR v_type ~ '^application/[^/]+\+json$') THEN
		PERFORM workshop_fail(415, 'The Content-Type header must be application/json.');
	END IF;

	v_id := parse_uuid(request -> 'params' ->> 'id');
	IF v_id IS NULL THEN
		v_bad := v_bad || workshop_violation('pending-ticket-id', 'must be a UUID');
	END IF;
	IF request ? 'body_error' THEN
		v_bad := v_bad || workshop_violation('body', 'must be valid JSON');
	ELSIF jsonb_typeof(request -> 'body') IS DISTINCT FROM 'object' THEN
		v_bad := v_bad || workshop_violation('body', 'must be a JSON object');
	ELSE
		v_tr := request -> 'body' -> 'transition';
		IF v_tr IS NULL OR jsonb_typeof(v_tr) = 'null' THEN
			v_bad := v_bad || workshop_violation('transition', 'is required');
		ELSIF jsonb_typeof(v_tr) <> 'object' THEN
			v_bad := v_bad || workshop_violation('transition', 'must be an object');
		ELSE
			IF v_tr -> 'type' IS NULL OR jsonb_typeof(v_tr -> 'type') = 'null' THEN
				v_bad := v_bad || workshop_violation('transition.type', 'is required');
			ELSIF v_tr -> 'type' <> '"start-service"'::jsonb THEN
				v_bad := v_bad || workshop_violation('transition.type',
					'must be one of: start-service');
			END IF;
			IF v_tr -> 'operator_id' IS NULL
				OR jsonb_typeof(v_tr -> 'operator_id') = 'null' THEN
				v_bad := v_bad || workshop_violation('transition.operator_id',
					'is required');
			ELSE
				IF jsonb_typeof(v_tr -> 'operator_id') = 'string' THEN
					v_op_id := parse_uuid(v_tr ->> 'operator_id');
				END IF;
				IF v_op_id IS NULL THEN
					v_bad := v_bad || workshop_violation('transition.operator_id',
						'must be a UUID');
				END IF;
			END IF;
		END IF;
	END IF;
	IF jsonb_array_length(v_bad) > 0 THEN
		RETURN workshop_problem(400, NULL, v_bad);
	END IF;

	SELECT tk.* INTO t FROM ticket tk
	WHERE tk.uuid = v_id AND tk.workflow = 'workshop'
	FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM workshop_fail(404, format('No pending ticket has the id %s.', v_id));
	END IF;
	IF t.state <> 'pending' THEN
		PERFORM workshop_fail(409, format('The ticket is not pending: it is %s.',
			replace(t.state, '_', ' ')));
	END IF;

	SELECT s.* INTO op FROM staff s WHERE s.uuid = v_op_id;
	IF NOT FOUND THEN
		PERFORM workshop_fail(400, 'must be the id of an operator: there is no employee with this id',
			'transition.operator_id');
	ELSIF NOT op.is_operator THEN
		PERFORM workshop_fail(400, 'must be the id of an operator: this employee''s is_operator is false',
			'transition.operator_id');
	ELSIF NOT op.active THEN
		PERFORM workshop_fail(400, 'must be the id of an operator: this operator is not active',
			'transition.operator_id');
	END IF;

	PERFORM transition(t.id, 'in_progress', actor_staff_id => op.id,
		reason => format('start-service through the workshop API by %s', v_client),
		expected_state => 'pending', assignee_id => op.id);

	RETURN http_empty(303, jsonb_build_object('Location',
		'/v2/tickets/in-progress-tickets/' || t.uuid));
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_field = COLUMN_NAME;
	r := workshop_caught(SQLSTATE, SQLERRM, v_field);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_workshop.transition_pending_ticket(jsonb) IS
	'PATCH /v2/tickets/pending-tickets/{pending-ticket-id} (seed 003): {"transition":{"type":"start-service","operator_id":<uuid>}} assigns the operator and moves the ticket to in_progress; 303 with Location /v2/tickets/in-progress-tickets/{id}; 400 (violations), 401, 403, 404, 409 (not pending: a lost race), 415 (not JSON)';
