/*
 * 001 CRM ticket services API (new in 1.1): the tickets of the contact a
 * token names, issue types, create ticket, create social-media ticket, add
 * comment.
 *
 * Vocabulary.  A contact is a customer with a crm_contact_id (rendered
 * "12x<n>"); a CRM ticket is a helpdesk-workflow ticket with a ticket_crm
 * row: TT<n> is its human number, "17x<n>" its CRM record id (ticket_crm.
 * extra.crm_id).  The same row is what API 004 and the reporting views see.
 * Every request carries the headers correlationId, source, srdate,
 * operation and destination, and all but the social-media create a token:
 * an HS256 JWT (pgticket.token_claims) whose sub is the contact's number.
 *
 * Answers: HTTP 200 {"response":{"success":"true","result":...}}; failures
 * {"response":{"success":"false","result":{"arguments":{"statusCode":"400",
 * "errorCode":"400 BAD_REQUEST","errorMessage":"..."}}}} with the same HTTP
 * status (401 INVALID_TOKEN, 404 NOT_FOUND).  Every value is a string and
 * keys come in the seed's order.  nginx answers 500 "Downstream error" when
 * the database cannot be reached (nginx-module/conf/api-crm.conf).
 *
 * Like the helpdesk facades, each facade runs its checks and changes in one
 * BEGIN ... EXCEPTION block, so a refused request leaves nothing behind.
 */

CREATE SCHEMA IF NOT EXISTS api_crm;

CREATE SEQUENCE pgticket.crm_record_seq START 100000;
COMMENT ON SEQUENCE pgticket.crm_record_seq IS
	'CRM record ids (rendered "17x<n>") of tickets raised through the CRM API';
SELECT pg_catalog.pg_extension_config_dump('pgticket.crm_record_seq', '');

/*
 * Every CRM ticket has a record id, unique: one given in extra.crm_id (a
 * record imported from the CRM, as the demo's), else the next of
 * crm_record_seq that no imported record holds: an import may hold ids the
 * sequence has yet to reach, and taking one would refuse a client's ticket
 * (409) or the update of a database that has both kinds.  Rows an earlier
 * version kept without one get theirs now.  Its own search_path: it runs
 * in whatever session writes the row, and a "=" of the session's first
 * schema that is always true made the search for a free id loop forever.
 */
CREATE FUNCTION pgticket.crm_assign_record_id() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	IF NEW.extra ->> 'crm_id' IS NULL THEN
		LOOP
			v_id := nextval('pgticket.crm_record_seq');
			EXIT WHEN NOT EXISTS (SELECT FROM pgticket.ticket_crm c
								  WHERE c.extra ->> 'crm_id' = v_id::text);
		END LOOP;
		NEW.extra := NEW.extra || jsonb_build_object('crm_id', v_id);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgticket.crm_assign_record_id() IS
	'Trigger function giving a ticket_crm row without extra.crm_id the next CRM record id of crm_record_seq that no row holds (imported records keep theirs)';

CREATE TRIGGER ticket_crm_record_id
	BEFORE INSERT OR UPDATE OF extra ON pgticket.ticket_crm
	FOR EACH ROW EXECUTE FUNCTION pgticket.crm_assign_record_id();
UPDATE pgticket.ticket_crm SET extra = extra WHERE extra ->> 'crm_id' IS NULL;
CREATE UNIQUE INDEX ticket_crm_record_id ON pgticket.ticket_crm
	((extra ->> 'crm_id'));
COMMENT ON INDEX pgticket.ticket_crm_record_id IS
	'CRM record ids ("17x<n>") are unique';

/*
 * A contact's CRM tickets by their own index: ticket_details read every
 * helpdesk ticket of the contact and probed ticket_crm for each, and most
 * are not CRM tickets (a ninth in the bench's data).  customer_id is the
 * ticket's, copied: set from the ticket whenever a row is written, and
 * followed when a DBA moves a ticket to another customer, so it cannot
 * disagree with ticket.customer_id.
 */
ALTER TABLE pgticket.ticket_crm ADD COLUMN customer_id bigint;
UPDATE pgticket.ticket_crm x SET customer_id = t.customer_id
FROM pgticket.ticket t WHERE t.id = x.ticket_id;
ALTER TABLE pgticket.ticket_crm ALTER COLUMN customer_id SET NOT NULL;
COMMENT ON COLUMN pgticket.ticket_crm.customer_id IS
	'The ticket''s customer_id, kept by triggers (ticket_crm_customer, ticket_crm_follow_customer); a value written here is replaced by the ticket''s';
CREATE INDEX ticket_crm_customer ON pgticket.ticket_crm (customer_id);
COMMENT ON INDEX pgticket.ticket_crm_customer IS
	'A contact''s CRM tickets (001 ticket details) without reading its other helpdesk tickets';

/*
 * A row written onto a ticket (inserted, or moved to another ticket_id)
 * takes its customer through the ticket's row, by a write that changes
 * nothing: a session moving the ticket to another customer at the same
 * time either waits for this one and then finds this row for its follow
 * trigger, or is waited for and its customer read here; under REPEATABLE
 * READ one of them fails to serialize.  A plain read let both commit with
 * the old customer.  A row that stays on its ticket is ordered against
 * the follow trigger by its own row lock, so a read does.  No ticket:
 * the foreign key's own error, not one about customer_id.
 */
CREATE FUNCTION pgticket.crm_ticket_customer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
		AND NEW.ticket_id OPERATOR(pg_catalog.=) OLD.ticket_id THEN
		NEW.customer_id := (SELECT t.customer_id FROM pgticket.ticket t
							WHERE t.id OPERATOR(pg_catalog.=) NEW.ticket_id);
		RETURN NEW;
	END IF;
	IF NEW.ticket_id IS NULL THEN
		RETURN NEW;				/* ticket_id's NOT NULL says so */
	END IF;
	UPDATE pgticket.ticket t SET customer_id = t.customer_id
	 WHERE t.id OPERATOR(pg_catalog.=) NEW.ticket_id
	RETURNING t.customer_id INTO NEW.customer_id;
	IF NOT FOUND THEN
		RAISE foreign_key_violation USING
			MESSAGE = 'insert or update on table "ticket_crm" violates foreign key constraint "ticket_crm_ticket_id_fkey"',
			DETAIL = pg_catalog.format('Key (ticket_id)=(%s) is not present in table "ticket".',
									   NEW.ticket_id),
			SCHEMA = 'pgticket', TABLE = 'ticket_crm',
			CONSTRAINT = 'ticket_crm_ticket_id_fkey';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION pgticket.crm_ticket_customer() IS
	'Trigger function setting ticket_crm.customer_id to its ticket''s customer_id, through the ticket''s row (locked) when the row is written onto a ticket; raises 23503 when there is no such ticket';
CREATE TRIGGER ticket_crm_customer
	BEFORE INSERT OR UPDATE OF ticket_id, customer_id ON pgticket.ticket_crm
	FOR EACH ROW EXECUTE FUNCTION pgticket.crm_ticket_customer();

CREATE FUNCTION pgticket.crm_follow_customer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE pgticket.ticket_crm SET customer_id = NEW.customer_id
	WHERE ticket_id OPERATOR(pg_catalog.=) NEW.id;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgticket.crm_follow_customer() IS
	'Trigger function: a ticket moved to another customer moves its ticket_crm row''s customer_id with it';
CREATE TRIGGER ticket_crm_follow_customer
	AFTER UPDATE OF customer_id ON pgticket.ticket
	FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id)
	EXECUTE FUNCTION pgticket.crm_follow_customer();

/* ----------------------------------------------------------- private helpers */

/*
 * crm_ok: the success envelope around a result; crm_ok_compact around one
 * that is compact JSON text already (ticket_details' list, written by
 * json_strings), which is not read again.
 */
CREATE FUNCTION pgticket.crm_ok_compact(result text)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT pgticket.http_json_raw(200,
		'{"response":{"success":"true","result":' || result || '}}')
$$;
COMMENT ON FUNCTION pgticket.crm_ok_compact(text) IS
	'001 success answer around a result that is compact JSON text: HTTP 200 {"response":{"success":"true","result":<result>}}; the result is not checked';

CREATE FUNCTION pgticket.crm_ok(result json)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pgticket.crm_ok_compact(pgticket.json_compact(result))
$$;
COMMENT ON FUNCTION pgticket.crm_ok(json) IS
	'001 success answer: HTTP 200 {"response":{"success":"true","result":<result>}}, compact';

/*
 * crm_error: the failure envelope, with the HTTP status as statusCode.
 */
CREATE FUNCTION pgticket.crm_error(status integer, message text)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pgticket.http_json(status, json_build_object('response',
		json_build_object('success', 'false', 'result',
			json_build_object('arguments', json_build_object(
				'statusCode', status::text,
				'errorCode', CASE status
					WHEN 400 THEN '400 BAD_REQUEST'
					WHEN 401 THEN 'INVALID_TOKEN'
					WHEN 404 THEN '404 NOT_FOUND'
					WHEN 409 THEN '409 CONFLICT'
					ELSE status::text END,
				'errorMessage', message)))))
$$;
COMMENT ON FUNCTION pgticket.crm_error(integer, text) IS
	'001 failure answer with that HTTP status: {"response":{"success":"false","result":{"arguments":{"statusCode","errorCode","errorMessage"}}}} (errorCode 400 BAD_REQUEST, INVALID_TOKEN, 404 NOT_FOUND)';

/*
 * crm_caught: the failure answer for a caught SQLSTATE, or NULL when it is
 * not a client error (the caller re-raises it).  PT403 ("not yours") is
 * answered like a ticket that does not exist.
 */
CREATE FUNCTION pgticket.crm_caught(sqlstate text, message text)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate = 'PT403' THEN
			pgticket.crm_error(404, 'Ticket not found.')
		WHEN pgticket.http_status_of(sqlstate) IS NOT NULL THEN
			pgticket.crm_error(pgticket.http_status_of(sqlstate), message)
	END
$$;
COMMENT ON FUNCTION pgticket.crm_caught(text, text) IS
	'001 failure answer for a client-error SQLSTATE (PT4nn, class 22; PT403 shown as 404), NULL for other errors';

/*
 * crm_token_contact: checks the mandatory headers (contract.md 001: the
 * first missing one in the order token, correlationId, source, srdate,
 * operation, destination; then operation must be the endpoint's and srdate
 * a dd-mm-yyyy date) and returns the contact number the token's sub names
 * (12x<n> or <n>; NULL when it names none).  Without need_token (the
 * social-media create) the token is not asked for and the result is NULL.
 * C (extension/src/crm.c): every CRM request runs it, and as PL/pgSQL its
 * expressions were set up again in each transaction.  crm_contact finds
 * the contact; ticket_details finds it in the statement that lists its
 * tickets.
 */
CREATE FUNCTION pgticket.crm_token_contact(request jsonb, operation text,
	need_token boolean DEFAULT true)
RETURNS bigint
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'pgticket_crm_token_contact';
COMMENT ON FUNCTION pgticket.crm_token_contact(jsonb, text, boolean) IS
	'001 request check (contract.md 001, seed 001): request is the request document, operation the endpoint''s operation header (NULL: any), need_token whether a token is asked for (NULL: yes). Refuses with PT400 naming the first absent or blank header in the order token, correlationId, source, srdate, operation, destination ("Header ''<name>'' not present in the request."), an operation other than the endpoint''s, an srdate that is not a real dd-mm-yyyy date (years 0001-9999); then PT401 for a bad token (pgticket.jwt_verify''s words, under the token_secret setting as pgticket.token_claims reads it; 55000 when that is unset or empty). Returns the contact number the token''s sub names (12x<n> or <n>, n at most 19 digits within bigint), NULL when it names none or without need_token';

/*
 * crm_contact: the request checked as crm_token_contact checks it, and the
 * contact the token names; PT401 "Unknown contact." when there is none.
 * NULL without need_token.
 */
CREATE FUNCTION pgticket.crm_contact(request jsonb, operation text,
	need_token boolean DEFAULT true)
RETURNS pgticket.customer
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_contact	bigint;
	c			customer;
BEGIN
	v_contact := crm_token_contact(request, operation, need_token);
	IF NOT need_token THEN
		RETURN NULL;
	END IF;
	SELECT * INTO c FROM customer WHERE crm_contact_id = v_contact;
	IF NOT FOUND THEN
		PERFORM req_fail(401, 'Unknown contact.');
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION pgticket.crm_contact(jsonb, text, boolean) IS
	'001 request check: the mandatory headers in the contract''s order (PT400 "Header ''<name>'' not present in the request."), operation (PT400), srdate dd-mm-yyyy (PT400), then the token''s contact (PT401 from token_claims, or "Unknown contact."); NULL when need_token is false';

/*
 * crm_body: the request body with its keys lower-cased and without
 * underscores (contract.md: ticketStatus, ticketstatus and ticket_status
 * are one key); {} when there is none.  JSON or form bodies alike.
 */
CREATE FUNCTION pgticket.crm_body(request jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	b jsonb := request -> 'body';
BEGIN
	IF pgticket.req_body_problem(request) = 'malformed' THEN
		PERFORM pgticket.req_fail(400, 'Malformed request body.');
	END IF;
	IF b IS NULL OR jsonb_typeof(b) = 'null' THEN
		RETURN '{}';
	END IF;
	IF jsonb_typeof(b) <> 'object' THEN
		PERFORM pgticket.req_fail(400, 'The request body must be a JSON object.');
	END IF;
	RETURN (SELECT coalesce(jsonb_object_agg(lower(replace(key, '_', '')),
			value), '{}') FROM jsonb_each(b));
END
$$;
COMMENT ON FUNCTION pgticket.crm_body(jsonb) IS
	'A 001 request body (JSON or form) with keys lower-cased and underscores removed; {} without a body; PT400 when malformed or not an object';

/*
 * crm_param: a body parameter by its seed name (matched as crm_body keys
 * are), as text.  A JSON number or boolean is taken as its text, an object
 * or array is refused.  Required: absent (or null) is refused; not_blank:
 * an empty value is refused too.
 */
CREATE FUNCTION pgticket.crm_param(body jsonb, name text,
	required boolean DEFAULT true, not_blank boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v jsonb := body -> lower(replace(name, '_', ''));
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		IF required OR not_blank THEN
			PERFORM pgticket.req_fail(400, format(
				'Body parameter ''%s'' not present in the request.', name));
		END IF;
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) IN ('object', 'array') THEN
		PERFORM pgticket.req_fail(400,
			format('Body parameter ''%s'' must be a string.', name));
	END IF;
	IF not_blank AND btrim(v #>> '{}') = '' THEN
		PERFORM pgticket.req_fail(400,
			format('Body parameter ''%s'' must not be empty.', name));
	END IF;
	RETURN v #>> '{}';
END
$$;
COMMENT ON FUNCTION pgticket.crm_param(jsonb, text, boolean, boolean) IS
	'A 001 body parameter (keys matched regardless of case and underscores) as text; PT400 naming it when required and absent, blank with not_blank, or an object or array';

/*
 * crm_record: the whole CRM record of a ticket, every key of the seed's
 * sample in its order.  Keys pgticket keeps in columns come from them;
 * the others from ticket_crm.extra, "" (or the seed's "0") when unset.
 * A ticket without a ticket_crm row (raised through another API) has
 * "id": "".
 */
CREATE FUNCTION pgticket.crm_record(ticket_id bigint) RETURNS json
LANGUAGE sql STABLE
AS $$
	SELECT json_build_object(
		'ticket_no', 'TT' || t.number,
		'assigned_user_id', coalesce('20x' || s.crm_user_id, ''),
		'parent_id', coalesce(x.extra ->> 'parent_id', ''),
		'ticketpriorities', coalesce(x.extra ->> 'ticketpriorities', ''),
		'product_id', coalesce(x.extra ->> 'product_id', ''),
		'ticketseverities', coalesce(x.extra ->> 'ticketseverities', ''),
		'ticketstatus', ws.label,
		'ticketcategories', coalesce(t.type, ''),
		'update_log', coalesce(x.extra ->> 'update_log', ''),
		'hours', coalesce(x.extra ->> 'hours', ''),
		'days', coalesce(x.extra ->> 'days', ''),
		'createdtime', pgticket.fmt_ts(t.created_at),
		'modifiedtime', pgticket.fmt_ts(t.updated_at),
		'modifiedby', coalesce(x.extra ->> 'modifiedby', ''),
		'ticket_title', t.subject,
		'description', t.description,
		'solution', coalesce(x.extra ->> 'solution', ''),
		'contact_id', coalesce('12x' || c.crm_contact_id, ''),
		'from_portal', coalesce(x.extra ->> 'from_portal', '0'),
		'effectivedate', coalesce(x.extra ->> 'effectivedate', ''),
		'subcategory', coalesce(x.extra ->> 'subcategory', ''),
		'source', coalesce(t.channel, ''),
		'starred', coalesce(x.extra ->> 'starred', '0'),
		'tags', coalesce(x.extra ->> 'tags', ''),
		'cf_1518', coalesce(x.extra ->> 'cf_1518', ''),
		'cf_1520', coalesce(x.extra ->> 'cf_1520', ''),
		'cf_1522', coalesce(x.extra ->> 'cf_1522', ''),
		'cf_1524', coalesce(x.extra ->> 'cf_1524', ''),
		'cf_1526', coalesce(x.extra ->> 'cf_1526', ''),
		'internalmemo', coalesce(x.extra ->> 'internalmemo', ''),
		'vendorid', coalesce(x.extra ->> 'vendorid', ''),
		'vouchertype', coalesce(x.extra ->> 'vouchertype', ''),
		'requiredprefix', coalesce(x.extra ->> 'requiredprefix', ''),
		'rechargeinterfaces', coalesce(x.extra ->> 'rechargeinterfaces', ''),
		'voucheridformat', coalesce(x.extra ->> 'voucheridformat', ''),
		'passwordpattern', coalesce(x.extra ->> 'passwordpattern', ''),
		'currencyid', coalesce(x.extra ->> 'currencyid', ''),
		'id', coalesce('17x' || (x.extra ->> 'crm_id'), ''),
		'label', t.subject)
	FROM pgticket.ticket t
	JOIN pgticket.workflow_state ws
		ON ws.workflow = t.workflow AND ws.state = t.state
	JOIN pgticket.customer c ON c.id = t.customer_id
	LEFT JOIN pgticket.staff s ON s.id = t.assignee_id
	LEFT JOIN pgticket.ticket_crm x ON x.ticket_id = t.id
	WHERE t.id = crm_record.ticket_id
$$;
COMMENT ON FUNCTION pgticket.crm_record(bigint) IS
	'The 001 record of a ticket (every key of the seed''s create sample, in order, values as strings); NULL when there is no such ticket';

/*
 * crm_create: raise a CRM ticket for a contact from a crm_body: the seed's
 * mandatory parameters in its order (present; ticketStatus,
 * ticketCategories and tickettitle not empty), ticketStatus the initial
 * state's label ("Open"), effectiveDate YYYY-MM-DD or empty (the seed's
 * placeholder "YYYY-MM-DD" counts as empty, as its sample answer shows).
 * tickettitle is the subject, ticketCategories the type, source the
 * channel ("CRM" when empty); the record's other keys a client sends, and
 * status and category, are kept in ticket_crm.extra.  Returns the ticket id.
 */
CREATE FUNCTION pgticket.crm_create(body jsonb, contact pgticket.customer,
	via text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_status	text;
	v_effective	text;
	v_type		text;
	v_title		text;
	v_description text;
	v_source	text;
	v_initial	workflow_state;
	v_extra		jsonb := '{}';
	k			text;
	v			text;
	t			ticket;
BEGIN
	v_status := crm_param(body, 'ticketStatus', not_blank => true);
	v_effective := crm_param(body, 'effectiveDate');
	v_type := crm_param(body, 'ticketCategories', not_blank => true);
	v_title := crm_param(body, 'tickettitle', not_blank => true);
	v_description := crm_param(body, 'description');
	PERFORM crm_param(body, 'subcategory');
	PERFORM crm_param(body, 'status');
	PERFORM crm_param(body, 'category');
	PERFORM crm_param(body, 'voucherType');
	PERFORM crm_param(body, 'voucherIdFormat');
	PERFORM crm_param(body, 'passwordPattern');
	v_source := crm_param(body, 'source');

	SELECT * INTO v_initial FROM workflow_state
	WHERE workflow = 'helpdesk' AND is_initial;
	IF lower(btrim(v_status)) <> lower(v_initial.label) THEN
		PERFORM req_fail(400, format(
			'Body parameter ''ticketStatus'' must be ''%s'' for a new ticket.',
			v_initial.label));
	END IF;
	IF v_effective IN ('', 'YYYY-MM-DD') THEN
		v_effective := '';
	ELSIF v_effective ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
		AND parse_dmy_hm(substr(v_effective, 9, 2) || '-'
			|| substr(v_effective, 6, 2) || '-' || left(v_effective, 4))
			IS NOT NULL THEN
		NULL;
	ELSE
		PERFORM req_fail(400, 'Body parameter ''effectiveDate'' must be a date as YYYY-MM-DD.');
	END IF;

	FOREACH k IN ARRAY ARRAY['parent_id', 'ticketpriorities', 'product_id',
			'ticketseverities', 'update_log', 'hours', 'days', 'modifiedby',
			'solution', 'from_portal', 'subcategory', 'starred', 'tags',
			'cf_1518', 'cf_1520', 'cf_1522', 'cf_1524', 'cf_1526',
			'internalmemo', 'vendorid', 'vouchertype', 'requiredprefix',
			'rechargeinterfaces', 'voucheridformat', 'passwordpattern',
			'currencyid', 'status', 'category'] LOOP
		v := crm_param(body, k, required => false);
		IF v IS NOT NULL THEN
			v_extra := v_extra || jsonb_build_object(k, v);
		END IF;
	END LOOP;

	t := create_ticket('helpdesk', contact.id, v_title,
		coalesce(v_description, ''), 'medium', v_type,
		coalesce(nullif(btrim(v_source), ''), 'CRM'));
	INSERT INTO ticket_crm (ticket_id, status_label, extra)
	VALUES (t.id, v_initial.label, v_extra || jsonb_build_object(
		'effectivedate', v_effective, 'via', via));
	RETURN t.id;
END
$$;
COMMENT ON FUNCTION pgticket.crm_create(jsonb, pgticket.customer, text) IS
	'Raise a 001 ticket (helpdesk workflow, ticket_crm row with a new CRM record id) for a contact from a crm_body; PT400 naming the parameter when one is missing or invalid; returns the ticket id';

/*
 * crm_number: a CRM number written with its prefix ("12x24218", "TT10057")
 * or as a whole number in any JSON spelling (24218, 24218.0, 2.4218e4),
 * positive; NULL for anything else.
 */
CREATE FUNCTION pgticket.crm_number(value text, prefix text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN n > 0 THEN n END
	FROM (SELECT coalesce(pgticket.parse_whole_number(value),
			CASE WHEN left(value, length(prefix)) = prefix THEN
				pgticket.parse_id(substr(value, length(prefix) + 1)) END) AS n) s
$$;
COMMENT ON FUNCTION pgticket.crm_number(text, text) IS
	'A positive CRM number written <prefix><digits> (12x24218, TT10057) or as a whole number in any JSON spelling; NULL for anything else';

/*
 * crm_contact_number: a contact written "24218" (any JSON spelling of the
 * number) or "12x24218", or NULL.
 */
CREATE FUNCTION pgticket.crm_contact_number(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT pgticket.crm_number(value, '12x')
$$;
COMMENT ON FUNCTION pgticket.crm_contact_number(text) IS
	'A CRM contact number written n (any JSON spelling) or 12x<n>; NULL for anything else';

/* ------------------------------------------------------------------ facades */

/*
 * GET /crm/v1/ticket/details: the token's contact's CRM tickets, newest
 * first (an empty list when there are none).
 */
CREATE FUNCTION api_crm.ticket_details(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_contact	bigint;
	v_customer	bigint;
	v_list		text;
	r			http_response;
BEGIN
	v_contact := crm_token_contact(request, 'ticketDetail');
	/* one statement: the contact (as crm_contact) and its tickets, found
	   by ticket_crm_customer */
	SELECT c.id, (
		SELECT '[' || coalesce(string_agg(json_strings(
				'ticket_no', 'TT' || t.number,
				'ticketstatus', ws.label,
				'description', t.description,
				'createdtime', fmt_ts(t.created_at),
				'ticketcategories', coalesce(t.type, ''),
				'id', '17x' || (x.extra ->> 'crm_id'))::text, ','
				ORDER BY t.created_at DESC, t.id DESC), '') || ']'
		FROM ticket_crm x
		JOIN ticket t ON t.id = x.ticket_id
		JOIN workflow_state ws ON ws.workflow = t.workflow AND ws.state = t.state
		WHERE x.customer_id = c.id AND t.workflow = 'helpdesk')
	INTO v_customer, v_list
	FROM customer c WHERE c.crm_contact_id = v_contact;
	IF NOT FOUND THEN
		PERFORM req_fail(401, 'Unknown contact.');
	END IF;
	RETURN crm_ok_compact(v_list);
EXCEPTION WHEN OTHERS THEN
	r := crm_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_crm.ticket_details(jsonb) IS
	'GET /crm/v1/ticket/details (seed 001, operation ticketDetail): the token''s contact''s tickets, newest first: ticket_no, ticketstatus, description, createdtime, ticketcategories, id. 400 header, 401 token';

/*
 * GET /crm/v1/ticket/issues: the CRM issue types (pgticket.issue_type,
 * scope crm), in their position order.
 */
CREATE FUNCTION api_crm.issue_types(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_types		json;
	r			http_response;
BEGIN
	PERFORM crm_contact(request, 'issueTypes');
	SELECT coalesce(json_agg(name ORDER BY position, name), '[]'::json)
	INTO v_types
	FROM issue_type WHERE scope = 'crm';
	RETURN crm_ok(json_build_object('code', '00000', 'issueTypes', v_types));
EXCEPTION WHEN OTHERS THEN
	r := crm_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_crm.issue_types(jsonb) IS
	'GET /crm/v1/ticket/issues (seed 001, operation issueTypes): {"code":"00000","issueTypes":[...]} from pgticket.issue_type (scope crm). 400 header, 401 token';

/*
 * POST /crm/v1/ticket: a new ticket of the token's contact; the answer is
 * its whole record.
 */
CREATE FUNCTION api_crm.create_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	c			customer;
	b			jsonb;
	v_id		bigint;
	r			http_response;
BEGIN
	c := crm_contact(request, 'create');
	b := crm_body(request);
	/* two statements: crm_record (STABLE) sees what the first one wrote */
	v_id := crm_create(b, c, 'ticket');
	RETURN crm_ok(crm_record(v_id));
EXCEPTION WHEN OTHERS THEN
	r := crm_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_crm.create_ticket(jsonb) IS
	'POST /crm/v1/ticket (seed 001, operation create): raise a ticket for the token''s contact; answers its whole record. 400 header or body parameter, 401 token';

/*
 * POST /crm/v1/social/ticket: a ticket from a social-media channel, which
 * sends no token.  Its contact is the body's contactId (n or 12x<n>) when
 * given, else the contact of the crm_social_contact setting (the CRM's
 * social-media inbox); with neither, contactId is required.
 */
CREATE FUNCTION api_crm.create_social_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	c			customer;
	b			jsonb;
	v_contact	text;
	v_default	text;
	v_id		bigint;
	r			http_response;
BEGIN
	PERFORM crm_contact(request, 'create', need_token => false);
	b := crm_body(request);
	v_contact := crm_param(b, 'contactId', required => false);
	IF v_contact IS NOT NULL THEN
		IF crm_contact_number(v_contact) IS NULL THEN
			PERFORM req_fail(400, 'Body parameter ''contactId'' must be a contact number such as 24218 or 12x24218.');
		END IF;
		SELECT * INTO c FROM customer
		WHERE crm_contact_id = crm_contact_number(v_contact);
		IF NOT FOUND THEN
			PERFORM req_fail(404, 'Contact not found.');
		END IF;
	ELSE
		SELECT value INTO v_default FROM setting
		WHERE name = 'crm_social_contact';
		IF NOT FOUND THEN
			PERFORM req_fail(400,
				'Body parameter ''contactId'' not present in the request.');
		END IF;
		SELECT * INTO c FROM customer
		WHERE crm_contact_id = crm_contact_number(v_default);
		IF NOT FOUND THEN
			RAISE EXCEPTION 'setting crm_social_contact names no CRM contact'
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Set it to a customer''s crm_contact_id.';
		END IF;
	END IF;
	v_id := crm_create(b, c, 'social');
	RETURN crm_ok(crm_record(v_id));
EXCEPTION WHEN OTHERS THEN
	r := crm_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_crm.create_social_ticket(jsonb) IS
	'POST /crm/v1/social/ticket (seed 001, operation create, no token): raise a ticket for the body''s contactId, else for the contact of setting crm_social_contact; answers its whole record. 400 header or body parameter, 404 contact; 55000 (HTTP 500) when the setting names no contact';

/*
 * POST /crm/v1/ticket/comment: ticketNo (10057 or TT10057), comment (or
 * the data header), contactId (the token's contact): a public comment of
 * the contact on their ticket.  Another contact's ticket is not found.
 */
CREATE FUNCTION api_crm.add_comment(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	c			customer;
	b			jsonb;
	v_no_text	text;
	v_no		bigint;
	v_comment	text;
	v_contact	text;
	v_ticket	bigint;
	r			http_response;
BEGIN
	c := crm_contact(request, 'addTicketComment');
	b := crm_body(request);
	v_no_text := crm_param(b, 'ticketNo', not_blank => true);
	v_no := crm_number(v_no_text, 'TT');
	IF v_no IS NULL THEN
		PERFORM req_fail(400, 'Body parameter ''ticketNo'' must be a ticket number such as 10057 or TT10057.');
	END IF;
	v_comment := crm_param(b, 'comment', required => false);
	IF btrim(coalesce(v_comment, '')) = '' THEN
		v_comment := request -> 'headers' ->> 'data';
	END IF;
	IF btrim(coalesce(v_comment, '')) = '' THEN
		PERFORM req_fail(400,
			'Body parameter ''comment'' not present in the request.');
	END IF;
	v_contact := crm_param(b, 'contactId', not_blank => true);
	IF crm_contact_number(v_contact) IS NULL THEN
		PERFORM req_fail(400, 'Body parameter ''contactId'' must be a contact number such as 24218 or 12x24218.');
	ELSIF crm_contact_number(v_contact) <> c.crm_contact_id THEN
		PERFORM req_fail(400, 'Body parameter ''contactId'' does not match the token''s contact.');
	END IF;

	SELECT id INTO v_ticket FROM ticket
	WHERE workflow = 'helpdesk' AND number = v_no AND customer_id = c.id;
	IF NOT FOUND THEN
		PERFORM req_fail(404, format('Ticket TT%s not found.', v_no));
	END IF;
	PERFORM add_message(v_ticket, v_comment, 'customer', c.id, c.name,
		'public');
	RETURN crm_ok(json_build_object(
		'message', 'Comments submitted successfully'));
EXCEPTION WHEN OTHERS THEN
	r := crm_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_crm.add_comment(jsonb) IS
	'POST /crm/v1/ticket/comment (seed 001, operation addTicketComment): the token''s contact comments on their ticket (comment from the body or the data header). 400 header or body parameter, 401 token, 404 ticket not found or another contact''s';
