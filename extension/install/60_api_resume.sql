/*
 * 000 resume-service tickets API (new in 1.1): POST
 * /api/v1/customers/{customerId}/tickets raises a resume-workflow ticket
 * for a cut-off customer, due at the dispatch time.
 *
 * Vocabulary.  The caller is an API client of pgticket.api_client (api
 * 'resume') authenticated with HTTP Basic: its password is kept only as
 * sha256(salt || password) and checked in constant time.  ProfileId names
 * the profile acting for it (recorded on the dispatch).  Request-Tracking-Id
 * is the idempotency key: the first answer given to a key is stored with the
 * ticket, in the same transaction, and given again to every replay of the
 * same request; another request under a used key is refused (409).
 * transaction_id is the ticket's human number.  Success is
 * 201 {"status":"success","transaction_id":<number>}; every failure is
 * {"status":"error","transaction_id":null,"message":"..."} with a 4xx
 * status and a message naming what is wrong.
 *
 * Like the helpdesk facades (50_api_helpdesk.sql), the facade runs its checks
 * and changes in one BEGIN ... EXCEPTION block, so a refused request leaves
 * nothing behind: not the ticket, not the idempotency key.
 */

CREATE SCHEMA IF NOT EXISTS api_resume;

/*
 * An idempotency key belongs to the API client that sent it: two clients
 * may use the same Request-Tracking-Id without seeing each other's answers.
 * 1.0 never wrote the table, so the column can be required at once.
 */
ALTER TABLE pgticket.idempotency_key
	ADD COLUMN client_id bigint NOT NULL
		REFERENCES pgticket.api_client ON DELETE CASCADE,
	DROP CONSTRAINT idempotency_key_pkey,
	ADD PRIMARY KEY (api, client_id, key);
COMMENT ON COLUMN pgticket.idempotency_key.client_id IS
	'API client that sent the key; keys are unique per API and client';
COMMENT ON COLUMN pgticket.idempotency_key.request_hash IS
	'sha256 of what identifies the request (path parameters and body as jsonb); a replay with another hash is refused';

/* ------------------------------------------------------------ API clients */

/*
 * api_client_secret: a random secret for an API client: 32 bytes of
 * gen_random_uuid() (pg_strong_random), base64url.
 */
CREATE FUNCTION pgticket.api_client_secret() RETURNS text
LANGUAGE sql VOLATILE
AS $$
	SELECT rtrim(translate(encode(
		uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()),
		'base64'), '+/', '-_'), '=')
$$;
COMMENT ON FUNCTION pgticket.api_client_secret() IS
	'A random API-client secret (244 random bits from gen_random_uuid, base64url); used by add_api_client and set_api_client_secret';

/*
 * api_client_check: the rules a client's name and secret follow.  A Basic
 * user-id cannot hold ":" (RFC 7617), and the resume API refuses longer
 * credentials before hashing them: user-id and password 1 to 512 bytes
 * each.  A longer name could never sign in, and past some 2700 bytes the
 * (api, name) index refused it with an internal "index row size" error.
 */
CREATE FUNCTION pgticket.api_client_check(name text, secret text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	IF name !~ '^[^:[:cntrl:]]+$' OR octet_length(name) > 512 THEN
		RAISE EXCEPTION 'API client name must be 1 to 512 bytes, without ":" or control characters'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The name is the user-id of HTTP Basic (RFC 7617).';
	END IF;
	IF secret = '' OR octet_length(secret) > 512 THEN
		RAISE EXCEPTION 'API client secret must be 1 to 512 bytes'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.api_client_check(text, text) IS
	'Raise 22023 when an API client name is empty, over 512 bytes or holds ":" or control characters, or a secret is empty or over 512 bytes (helper of add_api_client; the resume API''s Basic credentials, RFC 7617)';

/*
 * api_client_salt: how a client's secret is stored, by API.  The resume
 * API finds a client by name and checks its Basic password, so the
 * password is salted.  The workshop API finds a client by its X-Api-Key
 * alone, looking the key's sha256 up (63_api_workshop.sql), so its keys are
 * stored unsalted; that is only safe for high-entropy keys, so one a DBA
 * chooses must be at least 32 bytes (the random ones are 43).
 */
CREATE FUNCTION pgticket.api_client_salt(api text, secret text)
RETURNS bytea
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	IF api = 'workshop' THEN
		IF octet_length(secret) < 32 THEN
			RAISE EXCEPTION 'a workshop API key must be at least 32 bytes'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'The workshop API looks a key up by its unsalted SHA-256 (X-Api-Key), which only a high-entropy key makes safe.',
					  HINT = 'Leave the secret out for a random one.';
		END IF;
		RETURN ''::bytea;
	END IF;
	RETURN uuid_send(gen_random_uuid());
END
$$;
COMMENT ON FUNCTION pgticket.api_client_salt(text, text) IS
	'The salt an API client''s secret is stored with: empty for workshop (keys looked up by their sha256, X-Api-Key; 22023 when such a key is under 32 bytes), 16 random bytes otherwise (helper of add_api_client and set_api_client_secret)';

CREATE FUNCTION pgticket.add_api_client(api text, name text,
										secret text DEFAULT NULL,
										scopes text[] DEFAULT '{}')
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_secret	text := coalesce(add_api_client.secret, api_client_secret());
	v_salt		bytea;
	v_constraint text;
BEGIN
	PERFORM require_arg(add_api_client.api, 'api');
	PERFORM require_arg(add_api_client.name, 'name');
	PERFORM require_arg(add_api_client.scopes, 'scopes');
	PERFORM api_client_check(add_api_client.name, v_secret);
	v_salt := api_client_salt(add_api_client.api, v_secret);
	INSERT INTO api_client (api, name, key_hash, salt, scopes)
	VALUES (add_api_client.api, add_api_client.name,
			sha256(v_salt || convert_to(v_secret, 'UTF8')), v_salt,
			add_api_client.scopes);
	RETURN v_secret;
EXCEPTION
	WHEN unique_violation THEN
		GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
		IF v_constraint = 'api_client_key_hash_key' THEN
			RAISE EXCEPTION 'that secret is already another API client''s key'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Leave the secret out for a random one.';
		END IF;
		RAISE EXCEPTION 'API client "%" of API "%" already exists',
				add_api_client.name, add_api_client.api
			USING ERRCODE = 'PT409',
				  HINT = 'Give it a new secret with pgticket.set_api_client_secret().';
	WHEN check_violation THEN
		RAISE EXCEPTION 'API "%" is not one pgticket serves', add_api_client.api
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The APIs are resume, crm, queue, workshop and helpdesk.';
END
$$;
COMMENT ON FUNCTION pgticket.add_api_client(text, text, text, text[]) IS
	'Add an API client (api: resume, crm, queue, workshop, helpdesk; name: the HTTP Basic user-id) whose secret (a random one when NULL) is stored only as sha256(salt || secret): with a random 16-byte salt, or none for workshop, whose X-Api-Key is looked up by its hash; returns the secret, which cannot be read back. 22023 unknown api, bad name or secret (1-512 bytes each; a workshop key at least 32), a secret that is another client''s key, PT409 already exists, 22004 NULL argument';

CREATE FUNCTION pgticket.set_api_client_secret(api text, name text,
											   secret text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_secret	text := coalesce(set_api_client_secret.secret, api_client_secret());
	v_salt		bytea;
BEGIN
	PERFORM require_arg(set_api_client_secret.api, 'api');
	PERFORM require_arg(set_api_client_secret.name, 'name');
	PERFORM api_client_check(set_api_client_secret.name, v_secret);
	v_salt := api_client_salt(set_api_client_secret.api, v_secret);
	UPDATE api_client c
	   SET key_hash = sha256(v_salt || convert_to(v_secret, 'UTF8')),
		   salt = v_salt
	 WHERE c.api = set_api_client_secret.api
	   AND c.name = set_api_client_secret.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'API client "%" of API "%" does not exist',
				set_api_client_secret.name, set_api_client_secret.api
			USING ERRCODE = 'PT404';
	END IF;
	RETURN v_secret;
EXCEPTION
	WHEN unique_violation THEN
		RAISE EXCEPTION 'that secret is already another API client''s key'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Leave the secret out for a random one.';
END
$$;
COMMENT ON FUNCTION pgticket.set_api_client_secret(text, text, text) IS
	'Give an API client a new secret (a random one when NULL) and a new salt (none for workshop, as add_api_client); the old secret stops working at commit; returns the secret. 22023 bad secret or another client''s key, PT404 no such client, 22004 NULL argument';

/* ----------------------------------------------------------- private helpers */

/*
 * resume_error: the error shape.  A 401 carries the Basic challenge
 * (RFC 7235 requires one).
 */
CREATE FUNCTION pgticket.resume_error(status integer, message text)
RETURNS pgticket.http_response
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT ROW(r.status,
		CASE WHEN status = 401 THEN r.headers
			|| '{"WWW-Authenticate": "Basic realm=\"resume\", charset=\"UTF-8\""}'
			ELSE r.headers END,
		r.body)::pgticket.http_response
	FROM pgticket.http_json(status, json_build_object(
		'status', 'error', 'transaction_id', NULL, 'message', message)) r
$$;
COMMENT ON FUNCTION pgticket.resume_error(integer, text) IS
	'000 error answer: {"status":"error","transaction_id":null,"message":...} with that HTTP status (401 with a Basic challenge)';

/*
 * resume_client: the API client an Authorization header names, or PT401
 * saying what is wrong with it.  An unknown user-id costs the same hash as
 * a known one, so the time taken does not tell which user-ids exist; a
 * wrong password and an unknown user-id get the same message.  The
 * credentials never appear in a message.
 */
CREATE FUNCTION pgticket.resume_client(auth_header text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	v_token		text;
	v_pair		text;
	v_colon		integer;
	v_secret	text;
	c			api_client;
BEGIN
	IF auth_header IS NULL OR btrim(auth_header) = '' THEN
		PERFORM req_fail(401,
			'The Authorization header is required (HTTP Basic credentials)');
	END IF;
	/*
	 * RFC 7617: the scheme is case-insensitive; token68 credentials.  A
	 * match, then the token cut out: regexp_match's capture cost 2 us.
	 */
	IF auth_header !~ '^[Bb][Aa][Ss][Ii][Cc] +[A-Za-z0-9+/]+={0,2} *$' THEN
		PERFORM req_fail(401,
			'The Authorization header must be HTTP Basic credentials (Basic base64(user-id:password))');
	END IF;
	v_token := btrim(substr(auth_header, 6));
	/* 1368 base64 characters hold 1026 bytes: user-id, ":" and 1-512 each */
	IF length(v_token) > 1368 THEN
		PERFORM req_fail(401, 'The Authorization credentials are too long');
	END IF;
	BEGIN
		v_pair := convert_from(decode(v_token, 'base64'), 'UTF8');
	EXCEPTION WHEN invalid_parameter_value OR character_not_in_repertoire
			OR untranslatable_character THEN
		v_pair := NULL;
	END;
	IF v_pair IS NULL THEN
		PERFORM req_fail(401,
			'The Authorization credentials are not valid base64 of UTF-8 text');
	END IF;
	v_colon := strpos(v_pair, ':');
	IF v_colon = 0 THEN
		PERFORM req_fail(401,
			'The Authorization credentials must be user-id:password');
	ELSIF v_colon = 1 THEN
		PERFORM req_fail(401, 'The Authorization user-id is empty');
	ELSIF v_colon = length(v_pair) THEN
		PERFORM req_fail(401, 'The Authorization password is empty');
	END IF;
	v_secret := substr(v_pair, v_colon + 1);
	IF octet_length(v_secret) > 512 OR v_colon > 513 THEN
		PERFORM req_fail(401, 'The Authorization credentials are too long');
	END IF;

	SELECT * INTO c FROM api_client
	WHERE api = 'resume' AND name = left(v_pair, v_colon - 1) AND active;
	IF NOT secret_matches(v_secret, coalesce(c.salt, '\x00'::bytea),
			coalesce(c.key_hash, sha256('\x00'::bytea)))
		OR c.id IS NULL THEN
		PERFORM req_fail(401,
			'The Authorization credentials are not valid: unknown user-id or wrong password');
	END IF;
	RETURN c.id;
END
$$;
COMMENT ON FUNCTION pgticket.resume_client(text) IS
	'The active resume API client named by an HTTP Basic Authorization header value whose password matches (pgticket.secret_matches); PT401 naming what is wrong (missing, not Basic, not base64, no colon, empty user-id or password, over 512 bytes, unknown user-id or wrong password)';

/*
 * resume_header: a required header of at most 200 characters.
 */
CREATE FUNCTION pgticket.resume_header(request jsonb, name text, label text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v text := request -> 'headers' ->> name;
BEGIN
	IF v IS NULL OR btrim(v) = '' THEN
		PERFORM pgticket.req_fail(400,
			format('The %s header is required', label));
	ELSIF length(v) > 200 THEN
		PERFORM pgticket.req_fail(400,
			format('The %s header must be at most 200 characters', label));
	END IF;
	RETURN v;
END
$$;
COMMENT ON FUNCTION pgticket.resume_header(jsonb, text, text) IS
	'A required request header (lower-cased name) of 1-200 characters; PT400 naming it (label) otherwise';

/*
 * resume_replay: the answer stored under an idempotency key, for a replay
 * of the request that got it; 409 for another request (another hash) under
 * the key.  The façade writes a key and its answer in one row, so a key
 * seen is a key answered.
 */
CREATE FUNCTION pgticket.resume_replay(client_id bigint, key text,
	request_hash bytea)
RETURNS pgticket.http_response
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	k			idempotency_key;
BEGIN
	/* a DBA's NULL hash must not match, nor a NULL key answer a 409 */
	IF client_id IS NULL OR key IS NULL OR request_hash IS NULL THEN
		PERFORM require_arg(client_id, 'client_id');
		PERFORM require_arg(key, 'key');
		PERFORM require_arg(request_hash, 'request_hash');
	END IF;
	SELECT * INTO k FROM idempotency_key i
	WHERE i.api = 'resume' AND i.client_id = resume_replay.client_id
		AND i.key = resume_replay.key;
	IF NOT FOUND OR k.request_hash IS DISTINCT FROM resume_replay.request_hash THEN
		RETURN resume_error(409, format('The Request-Tracking-Id %s was already used for another request', key));
	END IF;
	RETURN ROW(k.status, '{"Content-Type": "application/json"}'::jsonb,
		k.body)::http_response;
END
$$;
COMMENT ON FUNCTION pgticket.resume_replay(bigint, text, bytea) IS
	'000 idempotency (contract.md): the answer stored under an API client''s Request-Tracking-Id when request_hash is the one stored with it, else the 409 error answer (also when the key is gone); 22004 for a NULL argument';

/*
 * resume_key_taken: whether an idempotency key is answered, once a request
 * writing it meanwhile has committed or rolled back.  A request that fails
 * after its lookup found no key asks this before answering its error: a
 * concurrent first request under the key may have succeeded since, and its
 * replays get its answer (contract.md), not an error of their own (a
 * dispatch time passed or a customer changed meanwhile).  The probe row is
 * written to wait on the key's index entry, then undone.
 */
CREATE FUNCTION pgticket.resume_key_taken(client_id bigint, key text,
	request_hash bytea)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	taken		boolean;
BEGIN
	/* a DBA's NULL hash must not match, nor a NULL key answer a 409 */
	IF client_id IS NULL OR key IS NULL OR request_hash IS NULL THEN
		PERFORM require_arg(client_id, 'client_id');
		PERFORM require_arg(key, 'key');
		PERFORM require_arg(request_hash, 'request_hash');
	END IF;
	INSERT INTO idempotency_key (api, client_id, key, request_hash, status)
	VALUES ('resume', resume_key_taken.client_id, resume_key_taken.key,
		resume_key_taken.request_hash, 0)
	ON CONFLICT DO NOTHING;
	taken := NOT FOUND;
	RAISE EXCEPTION 'probe of an idempotency key undone' USING ERRCODE = 'PTKEY';
EXCEPTION WHEN SQLSTATE 'PTKEY' THEN
	RETURN taken;
END
$$;
COMMENT ON FUNCTION pgticket.resume_key_taken(bigint, text, bytea) IS
	'000 idempotency (contract.md: concurrent replays get the first answer): true when an API client''s Request-Tracking-Id is answered, after waiting for a transaction writing it; writes nothing; 22004 for a NULL argument, 23503 for an unknown client_id; 40001 under REPEATABLE READ when the key was answered after the snapshot';

/*
 * resume_request: the path's customerId and the body's fields, checked
 * in one call (C: as PL/pgSQL helpers they were set up again in every
 * transaction, a sixth of the request).
 */
CREATE TYPE pgticket.resume_request AS (
	customer_id			bigint,
	reason_code			text,
	reason				text,
	dispatch_at			timestamptz,
	service_id			text,
	service_code		text,
	service_description	text,
	requestor			jsonb,
	assigned_to_user	text
);
COMMENT ON TYPE pgticket.resume_request IS
	'The fields of a 000 create request, as pgticket.resume_request reads them: the path''s customerId, the body''s fields (requestor: the requestor_info fields given, as strings)';

CREATE FUNCTION pgticket.resume_request(request jsonb)
RETURNS pgticket.resume_request
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_resume_request';
COMMENT ON FUNCTION pgticket.resume_request(jsonb) IS
	'The fields of a 000 create request (seed 000, contract.md), checked in order: params.customerId (a positive whole number in any JSON spelling), body customer_id (a JSON number equal to it), reason_code, reason, dispatch_date_time (ISO 8601 extended format, in the future), service {id, code, description}, requestor_info {name, phone, email}, assigned_to_user; strings may be JSON numbers (taken as their text). PT400 naming the first field that is wrong; 22004 for a NULL request';

/* ------------------------------------------------------------------ facade */

/*
 * POST /api/v1/customers/{customerId}/tickets.  In order: the Basic
 * credentials (401), Request-Tracking-Id and ProfileId (400), the body
 * (400 when not a JSON object), the idempotency key (a replay of the same
 * request gets the stored answer, another request under the key 409),
 * then the body's fields (400), the customer (404) and its cut-off (409).
 *
 * The key is looked up first, and written once, last, with its answer
 * (not claimed first and updated at the end: one write of the key, not
 * two).  A concurrent request with the same key finds no key, writes
 * its own ticket, then waits on the primary key until the first commits:
 * if the first committed, the key is taken (ON CONFLICT), and the façade
 * raises PTKEY, which rolls its ticket back, and answers as the key was
 * answered; if the first rolled back, its own key and ticket stand.
 * Exactly one ticket per key.
 */
CREATE FUNCTION api_resume.create_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_client	bigint;
	v_key		text;
	v_profile	text;
	v_hash		bytea;
	b			jsonb;
	q			resume_request;
	c			customer;
	t			ticket;
	r			http_response;
BEGIN
	v_client := resume_client(request -> 'headers' ->> 'authorization');
	v_key := resume_header(request, 'request-tracking-id', 'Request-Tracking-Id');
	v_profile := resume_header(request, 'profileid', 'ProfileId');
	IF req_body_problem(request) = 'malformed' THEN
		PERFORM req_fail(400, 'Malformed request body: it must be JSON');
	END IF;
	b := request -> 'body';
	IF request ->> 'body_type' IS DISTINCT FROM 'json'
		OR jsonb_typeof(b) IS DISTINCT FROM 'object' THEN
		PERFORM req_fail(400, 'The request body must be a JSON object');
	END IF;

	/*
	 * the idempotency key: answer as it was answered (resume_replay).  The
	 * hash takes customer_id as its number (contract.md: 7.0 is 7), so a
	 * replay spelling it otherwise is the same request.
	 */
	IF jsonb_typeof(b -> 'customer_id') = 'number'
		AND strpos(b ->> 'customer_id', '.') > 0 THEN
		b := jsonb_set(b, '{customer_id}',
			to_jsonb(trim_scale((b ->> 'customer_id')::numeric)));
	END IF;
	v_hash := sha256(convert_to(jsonb_build_array(
		request -> 'params' -> 'customerId', b)::text, 'UTF8'));
	PERFORM FROM idempotency_key
	WHERE api = 'resume' AND client_id = v_client AND key = v_key;
	IF FOUND THEN
		RETURN resume_replay(v_client, v_key, v_hash);
	END IF;

	q := resume_request(request);

	SELECT * INTO c FROM customer WHERE resume_customer_id = q.customer_id;
	IF NOT FOUND THEN
		PERFORM req_fail(404,
			format('The customer %s was not found', q.customer_id));
	END IF;
	IF NOT c.cut_off THEN
		PERFORM req_fail(409, format('The customer %s is not cut off: resume-service tickets are only for cut-off customers',
			q.customer_id));
	END IF;

	t := create_ticket('resume', c.id,
		'Resume service ' || q.service_code,
		coalesce(q.reason, ''), type => q.reason_code, channel => 'resume',
		due_at => q.dispatch_at);
	INSERT INTO ticket_dispatch (ticket_id, reason_code, reason, dispatch_at,
		service_id, service_code, service_description, requestor,
		assigned_to_user, profile_id)
	VALUES (t.id, q.reason_code, q.reason, q.dispatch_at, q.service_id,
		q.service_code, q.service_description, q.requestor,
		q.assigned_to_user, v_profile);

	r := http_json(201, json_build_object(
		'status', 'success',
		'transaction_id', t.number));
	INSERT INTO idempotency_key (api, client_id, key, request_hash, status,
		body, ticket_id)
	VALUES ('resume', v_client, v_key, v_hash, r.status, r.body, t.id)
	ON CONFLICT DO NOTHING;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'the Request-Tracking-Id % was answered meanwhile',
			v_key USING ERRCODE = 'PTKEY';
	END IF;
	RETURN r;
EXCEPTION
	WHEN SQLSTATE 'PTKEY' THEN
		RETURN resume_replay(v_client, v_key, v_hash);
	WHEN OTHERS THEN
		IF pgticket.http_status_of(SQLSTATE) IS NULL THEN
			RAISE;
		END IF;
		/* a replay of a request answered meanwhile gets that answer */
		IF v_hash IS NOT NULL AND resume_key_taken(v_client, v_key, v_hash) THEN
			RETURN resume_replay(v_client, v_key, v_hash);
		END IF;
		RETURN resume_error(pgticket.http_status_of(SQLSTATE), SQLERRM);
END
$$;
COMMENT ON FUNCTION api_resume.create_ticket(jsonb) IS
	'POST /api/v1/customers/{customerId}/tickets (seed 000, contract.md): HTTP Basic API client, Request-Tracking-Id idempotency key, ProfileId; a resume-workflow ticket for a cut-off customer, due at dispatch_date_time. 201 {"status":"success","transaction_id":n}; 400 bad header or field, 401 credentials, 404 customer, 409 not cut off or key used for another request';
