/*
 * Request-document helpers shared by the REST facades.
 *
 * nginx sends every request as one jsonb document:
 *
 *	{"method": "POST", "path": "/api/v1/...",
 *	 "params": {path parameters}, "query": {name: "v" or ["v1", "v2"]},
 *	 "headers": {lower-cased names}, "body": <JSON value, or form fields as
 *	 an object of strings (repeated fields as arrays)> or null,
 *	 "body_type": "json" | "form" | "multipart" | "none",
 *	 "body_error": "..." (only when the body could not be parsed),
 *	 "remote_addr": "..."}
 *
 * These functions read that document and build the pgticket.http_response a
 * facade returns.  They live in schema pgticket, not in an api_* schema, so
 * the web role cannot call them directly; facades (SECURITY DEFINER) do.
 * None of them builds SQL from request values.
 */

/*
 * Input is typed strictly and predictably (contract.md, "Errors, for every
 * API"; the README's "Input types"):
 *
 *   - where a single value is expected, a JSON array or object (or a form
 *     or query field given twice, which nginx sends as an array) is a 400
 *     naming the parameter, never its first element;
 *   - where a whole number is expected, every JSON spelling of one (7, 7.0,
 *     7e0, 0.7e1) is that number; fractions, other spellings and numbers
 *     out of range are a 400 naming the parameter.
 *
 * req_not_single raises that 400: PT400, the parameter in COLUMN so that
 * an API listing violations by field (003) can name it.
 */
CREATE OR REPLACE FUNCTION pgticket.req_not_single(name text, kind text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'PT400', COLUMN = name,
		MESSAGE = format('The %s parameter must be a single value, not %s',
						 name, CASE kind WHEN 'object' THEN 'an object'
										 ELSE 'a list (or a field given twice)' END);
END
$$;
COMMENT ON FUNCTION pgticket.req_not_single(text, text) IS
	'Raise PT400 "The <name> parameter must be a single value, not a list/an object" (the name in COLUMN); kind is the jsonb_typeof of what came. contract.md: an object or array where a string is expected is a 400 naming the parameter';

/*
 * req_scalar: one value of the document as text.  JSON null is "absent";
 * strings come back without quotes, numbers and booleans as their JSON
 * text; an array or an object is a 400 naming the parameter.  Only an
 * array or object reaches req_not_single, and its argument comes from the
 * request, so the planner never calls it while folding constants.
 */
CREATE OR REPLACE FUNCTION pgticket.req_scalar(value jsonb, name text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN value IS NULL OR jsonb_typeof(value) = 'null' THEN NULL
		WHEN jsonb_typeof(value) IN ('array', 'object') THEN
			pgticket.req_not_single(name, jsonb_typeof(value))
		ELSE value #>> '{}'
	END
$$;
COMMENT ON FUNCTION pgticket.req_scalar(jsonb, text) IS
	'A request value as text: null for JSON null, the text of a string, number or boolean; PT400 naming the parameter for an array (a repeated field) or an object';

/*
 * req_arg: a named parameter of the request, looked up in the path
 * parameters, then the body (JSON object or form fields), then the query
 * string.  The first place that has a non-empty value wins, so an omitted
 * trailing path segment falls through to the body or query; in that place
 * it is read as req_scalar reads a value (an array or object is a 400
 * naming the parameter).  In C since 1.1 (extension/src/request.c): a
 * facade reads several parameters per request, and as a SQL expression
 * inlined into PL/pgSQL each read cost some sixty expression nodes set up
 * again in every transaction.
 */
CREATE OR REPLACE FUNCTION pgticket.req_arg(request jsonb, name text) RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_req_arg';
COMMENT ON FUNCTION pgticket.req_arg(jsonb, text) IS
	'A request parameter as text: path parameters first, then the body (JSON object or form fields), then the query; NULL when absent or empty; PT400 naming it when the first place that has it holds an array or object';

/*
 * req_body_problem: why the body cannot be used, or NULL when it can.
 * nginx flags a body it could not parse with body_error; a JSON body that is
 * not an object carries no named parameters and is refused too.
 */
CREATE OR REPLACE FUNCTION pgticket.req_body_problem(request jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN request ? 'body_error' THEN 'malformed'
		WHEN request ->> 'body_type' = 'json'
			AND jsonb_typeof(request -> 'body') IS DISTINCT FROM 'object'
			THEN 'not an object'
	END
$$;
COMMENT ON FUNCTION pgticket.req_body_problem(jsonb) IS
	'NULL when the request body is usable; else "malformed" (nginx set body_error) or "not an object" (a JSON body without named fields)';

/*
 * parse_id: a non-negative whole number written as plain decimal digits
 * that fits in bigint, or NULL.  Signs, spaces, exponents, decimals and
 * anything else (including "1 OR 1=1") give NULL.
 */
CREATE OR REPLACE FUNCTION pgticket.parse_id(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN value ~ '^[0-9]{1,19}$' THEN
		CASE WHEN value::numeric <= 9223372036854775807
			THEN value::bigint END
	END
$$;
COMMENT ON FUNCTION pgticket.parse_id(text) IS
	'Plain decimal digits that fit in bigint as a bigint; NULL for anything else (signs, spaces, exponents, overflow)';

/*
 * parse_json_number: text that is a JSON number ("7", "-0.5", "7e0"), as
 * numeric; NULL for anything else: other spellings ("+7", "007", " 7",
 * "NaN"), and exponents of more than three digits, which numeric cannot
 * hold whole.
 */
CREATE OR REPLACE FUNCTION pgticket.parse_json_number(value text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN length(value) <= 64 AND value ~
			'^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?$'
		THEN value::numeric END
$$;
COMMENT ON FUNCTION pgticket.parse_json_number(text) IS
	'Text spelled as a JSON number (RFC 8259: no sign "+", no leading zeros, exponent of at most three digits, at most 64 characters) as numeric; NULL for anything else';

/*
 * parse_whole_number: a whole number in any JSON spelling ("7", "7.0",
 * "7e0", "-0"), within bigint; NULL for anything else (contract.md:
 * "any JSON spelling of one is that number").
 */
CREATE OR REPLACE FUNCTION pgticket.parse_whole_number(value text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	n numeric := pgticket.parse_json_number(value);
BEGIN
	IF n <> trunc(n)
		OR n NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN
		RETURN NULL;
	END IF;
	RETURN n::bigint;
END
$$;
COMMENT ON FUNCTION pgticket.parse_whole_number(text) IS
	'A whole number written as JSON writes numbers (7, 7.0, 7e0) as a bigint; NULL for anything else (other spellings, fractions, out of range). contract.md: a whole number in any JSON spelling';

/*
 * parse_dmy_hm: a date written dd-mm-yyyy, optionally followed by a space
 * and H:m (hours and minutes, one or two digits each), as a timestamptz in
 * the session's time zone.  NULL when malformed or not a real date.
 * Its own search_path: helpdesk_list_query (C) calls it in the caller's
 * session, whatever path a DBA set.
 */
CREATE OR REPLACE FUNCTION pgticket.parse_dmy_hm(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	m		text[];
	y		integer;
	mon		integer;
	d		integer;
	h		integer;
	mi		integer;
BEGIN
	m := regexp_match(value,
		'^([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})(?: ([0-9]{1,2}):([0-9]{1,2}))?$');
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	y := m[3];
	mon := m[2];
	d := m[1];
	h := coalesce(m[4], '0');
	mi := coalesce(m[5], '0');
	/*
	 * What make_timestamptz would refuse, checked first: no EXCEPTION
	 * block (a subtransaction on every call) to catch it.  24:00 is the
	 * next day's midnight, as make_timestamptz takes it.
	 */
	IF y < 1 OR mon NOT BETWEEN 1 AND 12 OR d < 1
		OR d > extract(day FROM make_date(y, mon, 1) + interval '1 month - 1 day')
		OR mi > 59 OR h > 24 OR (h = 24 AND mi > 0) THEN
		RETURN NULL;
	END IF;
	RETURN make_timestamptz(y, mon, d, h, mi, 0);
END
$$;
COMMENT ON FUNCTION pgticket.parse_dmy_hm(text) IS
	'A "dd-mm-yyyy" or "dd-mm-yyyy H:m" date in the session time zone; NULL when malformed or impossible';

/*
 * fmt_ts: a timestamp as "YYYY-MM-DD HH24:MI:SS" in the session time zone
 * (the server's unless the session changed it); '' for NULL.  C
 * (extension/src/render.c): the 004 and 001 answers show several times per
 * ticket, and to_char parses its format on every call.
 */
CREATE OR REPLACE FUNCTION pgticket.fmt_ts(ts timestamptz) RETURNS text
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_fmt_ts';
COMMENT ON FUNCTION pgticket.fmt_ts(timestamptz) IS
	'A timestamp as YYYY-MM-DD HH24:MI:SS in the session time zone, as to_char writes it (at least four digits of year, a BC year without its sign, seconds truncated); empty string for NULL and infinity. C since 1.1 (1.0: SQL around to_char, same answers)';

/*
 * json_compact: JSON text without insignificant whitespace (new in 1.1).
 * json_build_object writes " : " and ", "; the contract wants compact
 * bodies in the seeds' key order, which json (not jsonb) keeps.
 */
CREATE OR REPLACE FUNCTION pgticket.json_compact(body json) RETURNS text
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_json_compact';
COMMENT ON FUNCTION pgticket.json_compact(json) IS
	'The JSON text without whitespace outside strings ({"a":1,"b":[2,3]}), keys in the order given; NULL for NULL (contract.md: bodies are compact JSON)';

/*
 * json_strings: a compact JSON object of string members, keys and values
 * alternating (new in 1.1; C, extension/src/render.c).  The 004 and 001
 * tickets and messages have only strings, and json_build_object looks up
 * the type of each argument on every call.
 */
CREATE OR REPLACE FUNCTION pgticket.json_strings(VARIADIC keys_and_values text[])
RETURNS json
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_json_strings';
COMMENT ON FUNCTION pgticket.json_strings(text[]) IS
	'A compact JSON object from alternating keys and values, all text, keys in the order given, a NULL value as null (json_build_object''s answer without its spaces, for string members). 22023 for an odd number of arguments, 22004 for a NULL key or array';

/*
 * http_json: a JSON response, compact.  The json variant keeps the keys in
 * the order they were built (json_build_object), which is what the seeds'
 * samples show; the jsonb variant is for bodies whose key order does not
 * matter.
 */
CREATE OR REPLACE FUNCTION pgticket.http_json(status integer, body json)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, '{"Content-Type": "application/json"}'::jsonb,
		pgticket.json_compact(body))::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_json(integer, json) IS
	'An HTTP response with a compact JSON body, keys in the order given (build it with json_build_object)';

CREATE OR REPLACE FUNCTION pgticket.http_json(status integer, body jsonb)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, '{"Content-Type": "application/json"}'::jsonb,
		pgticket.json_compact(body::json))::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_json(integer, jsonb) IS
	'An HTTP response with a compact JSON body (jsonb: key order not preserved)';

/*
 * http_json_raw: a JSON response whose body is already compact JSON text,
 * as the C renderers write it (new in 1.1): json_agg would put ", "
 * between them, and http_json read the whole body again to take it out.
 */
CREATE OR REPLACE FUNCTION pgticket.http_json_raw(status integer, body text)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, '{"Content-Type": "application/json"}'::jsonb,
		body)::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_json_raw(integer, text) IS
	'An HTTP response with a JSON body sent as given: status (HTTP status), body (compact JSON text, e.g. ''['' || string_agg(pgticket.queue_ticket_json(...)::text, '','') || '']''; NULL for none); nothing is checked';

/*
 * http_empty: a response without a body (e.g. 204, or the queue API's
 * bodiless errors), with optional extra headers.
 */
CREATE OR REPLACE FUNCTION pgticket.http_empty(status integer,
	headers jsonb DEFAULT '{}')
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, headers, NULL::text)::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_empty(integer, jsonb) IS
	'An HTTP response without a body';

/*
 * req_fail: raise a client error a facade turns into its own error shape.
 * The SQLSTATE is "PT" followed by the HTTP status (PT400, PT404, PT409...),
 * the message is the text the client sees.
 */
CREATE OR REPLACE FUNCTION pgticket.req_fail(status integer, message text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	IF status NOT BETWEEN 400 AND 499 THEN
		RAISE EXCEPTION 'req_fail status must be a 4xx status, not %', status
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'PT' || status::text, MESSAGE = message;
END
$$;
COMMENT ON FUNCTION pgticket.req_fail(integer, text) IS
	'Raise SQLSTATE PT<status> with the client-facing message; facades catch it and answer in their own error shape';

/*
 * http_status_of: the HTTP status a client error's SQLSTATE stands for, or
 * NULL when it is not a client error.  PTnnn gives nnn; data exceptions
 * (class 22: bad number, value out of range...) give 400.
 */
CREATE OR REPLACE FUNCTION pgticket.http_status_of(sqlstate text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate ~ '^PT4[0-9]{2}$' THEN substr(sqlstate, 3)::integer
		WHEN sqlstate LIKE '22%' THEN 400
	END
$$;
COMMENT ON FUNCTION pgticket.http_status_of(text) IS
	'HTTP status of a client-error SQLSTATE (PT4nn -> 4nn, class 22 -> 400); NULL for anything else';
