/*
 * Credentials (new in 1.1): HS256 JSON Web Tokens for APIs 001 and 003, and
 * hashed API-client secrets for API 000's HTTP Basic.  C in token.c, on
 * PostgreSQL's own HMAC, SHA-256, base64 and JSON parser.
 */

CREATE FUNCTION pgticket.jwt_verify(token text, secret text,
									at timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_jwt_verify';
COMMENT ON FUNCTION pgticket.jwt_verify(text, text, timestamptz) IS
	'Claims (jsonb) of an HS256 JWT signed under secret and valid at "at" (exp and nbf, seconds since 1970, no clock skew). Refuses with PT401 and a client-facing message (jjwt wording, contract.md 001): not three parts ("JWT strings must contain exactly 2 period characters. Found: N"), bad base64url or JSON, alg other than HS256 (none included), crit headers, a wrong signature (compared in constant time), expired or not yet valid, longer than 8192 bytes. 55000 when secret is empty; 22004 for a NULL argument';

CREATE FUNCTION pgticket.jwt_sign(claims jsonb, secret text)
RETURNS text
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_jwt_sign';
COMMENT ON FUNCTION pgticket.jwt_sign(jsonb, text) IS
	'An HS256 JWT carrying claims (a JSON object), signed under secret: for minting tokens from psql and for tests. 22023 when claims is not an object or secret is empty; 22004 for a NULL argument';

/*
 * PL/pgSQL, so that the session keeps the plan of the setting's lookup: a
 * SQL function with a subquery is never inlined, and PostgreSQL 15 parses
 * and plans its body on every call.  Without a SET clause (the caller's
 * search_path applies), so the operator is named with its schema: an "="
 * put first on the path cannot pick another row as the secret.
 */
CREATE FUNCTION pgticket.token_claims(token text, at timestamptz DEFAULT now())
RETURNS jsonb
LANGUAGE plpgsql STABLE
AS $$
DECLARE
	secret text;
BEGIN
	SELECT s.value INTO secret FROM pgticket.setting s
	WHERE s.name OPERATOR(pg_catalog.=) 'token_secret';
	RETURN pgticket.jwt_verify(token, coalesce(secret, ''), at);
END
$$;
COMMENT ON FUNCTION pgticket.token_claims(text, timestamptz) IS
	'Claims of an API token checked with pgticket.jwt_verify under the token_secret setting (rotate it with UPDATE pgticket.setting SET value = ''...'' WHERE name = ''token_secret''). PT401 for a bad token; 55000 when the secret is unset or empty';

CREATE FUNCTION pgticket.secret_matches(secret text, salt bytea, key_hash bytea)
RETURNS boolean
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_secret_matches';
COMMENT ON FUNCTION pgticket.secret_matches(text, bytea, bytea) IS
	'Whether sha256(salt || secret) equals key_hash (pgticket.api_client), compared in constant time; false when any argument is NULL';
