--
-- token: HS256 JSON Web Tokens (pgticket.jwt_verify, jwt_sign,
-- token_claims) and hashed secrets (secret_matches).  Every refusal is
-- PT401 with the message a client sees.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
\set VERBOSITY default

-- base64url of a text, to build tokens by hand
CREATE FUNCTION pg_temp.b64url(t text) RETURNS text LANGUAGE sql AS $$
	SELECT rtrim(translate(encode(convert_to(t, 'UTF8'), 'base64'),
		E'+/\n', '-_'), '=')
$$;
\set at '''2026-01-01 00:00:00+00'''

-- The example token of RFC 7519 tools (jwt.io), signed elsewhere: verifying
-- it proves the HMAC and base64url agree with other implementations.
SELECT pgticket.jwt_verify(
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
	'your-256-bit-secret');
-- ... and the same token under another secret is refused
SELECT pgticket.jwt_verify(
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
	'another-secret');
:e

-- sign and verify round trip; exp and nbf honoured at the given time
SELECT pgticket.jwt_sign('{"sub": "24218"}', 's3cret') AS t \gset
SELECT :'t' ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$' AS three_parts;
SELECT pgticket.jwt_verify(:'t', 's3cret');
SELECT pgticket.jwt_verify(pgticket.jwt_sign(
	'{"sub": "7", "exp": 1767225601, "nbf": 1767225600}', 's3cret'),
	's3cret', :at::timestamptz + interval '0.5 s') ->> 'sub' AS sub;

-- a second spelling of the signature (the same bits, and spare bits set in
-- its last character) is refused: found by tests/fuzz (regress/
-- noncanonical-signature)
SELECT pgticket.jwt_verify('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5d',
	'your-256-bit-secret');
:e
SELECT pgticket.jwt_verify(left(:'t', -1) || chr(ascii(right(:'t', 1)) + 1), 's3cret');
:e
-- (and a header spelled so: "e30" is {}, "e31" the same bits and a spare)
SELECT pgticket.jwt_verify('e31.e30.x', 's3cret');
:e

-- structure
SELECT pgticket.jwt_verify('', 's3cret');
:e
SELECT pgticket.jwt_verify('abc', 's3cret');
:e
SELECT pgticket.jwt_verify('a.b', 's3cret');
:e
SELECT pgticket.jwt_verify('a.b.c.d', 's3cret');
:e
SELECT pgticket.jwt_verify(repeat('a', 9000) || '.b.c', 's3cret');
:e
-- not base64url: whitespace, padding, the standard alphabet's + and /
SELECT pgticket.jwt_verify(' ' || :'t', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"HS256"}') || '=.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify('eyJhbGciOi+IUzI1NiJ9.e30.x', 's3cret');
:e
-- the header: JSON, an object, UTF-8, numbers jsonb can hold
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('["HS256"]') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(rtrim(translate(encode('\xff7b7d'::bytea, 'base64'), '+/', '-_'), '=') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"HS256","n":1e99999}') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"HS256","s":"\u0000"}') || '.e30.x', 's3cret');
:e
-- alg: none (any case, with or without a signature), others, missing, crit
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"none"}') || '.' || pg_temp.b64url('{"sub":"24218"}') || '.', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"NoNe"}') || '.' || pg_temp.b64url('{"sub":"24218"}') || '.' || split_part(:'t', '.', 3), 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"RS256"}') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"HS512"}') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"typ":"JWT"}') || '.e30.x', 's3cret');
:e
SELECT pgticket.jwt_verify(pg_temp.b64url('{"alg":"HS256","crit":["exp"]}') || '.e30.x', 's3cret');
:e
-- signature: another secret, a changed payload, a truncated or missing one
SELECT pgticket.jwt_verify(:'t', 'S3cret');
:e
SELECT pgticket.jwt_verify(split_part(:'t', '.', 1) || '.' || pg_temp.b64url('{"sub":"649797"}') || '.' || split_part(:'t', '.', 3), 's3cret');
:e
SELECT pgticket.jwt_verify(left(:'t', -1), 's3cret');
:e
SELECT pgticket.jwt_verify(split_part(:'t', '.', 1) || '.' || split_part(:'t', '.', 2) || '.', 's3cret');
:e
-- time claims
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{"sub": "7", "exp": 1767225600}', 's3cret'), 's3cret', :at);
:e
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{"sub": "7", "exp": 1767225000.5}', 's3cret'), 's3cret', :at);
:e
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{"sub": "7", "nbf": 1767225660}', 's3cret'), 's3cret', :at);
:e
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{"sub": "7", "exp": "tomorrow"}', 's3cret'), 's3cret', :at);
:e
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{"sub": "7", "exp": 1e300}', 's3cret'), 's3cret', :at);
:e
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{"sub": "7", "exp": -1}', 's3cret'), 's3cret', :at);
:e
-- the payload must be an object too
SELECT pgticket.jwt_verify(pgticket.jwt_sign('{}', 's3cret'), 's3cret');
SELECT pgticket.jwt_sign('[1]', 's3cret');
:e
-- server-side mistakes are not the client's: 55000, 22023, 22004
SELECT pgticket.jwt_verify(:'t', '');
:e
SELECT pgticket.jwt_sign('{}', '');
:e
SELECT pgticket.jwt_verify(NULL, 's3cret');
:e

-- token_claims: the secret of pgticket.setting, rotated with one UPDATE
INSERT INTO pgticket.setting (name, value) VALUES ('token_secret', 'old')
	ON CONFLICT (name) DO UPDATE SET value = excluded.value;
SELECT pgticket.jwt_sign('{"sub": "24218"}', 'old') AS old_token \gset
SELECT pgticket.token_claims(:'old_token') ->> 'sub' AS sub;
UPDATE pgticket.setting SET value = 'new' WHERE name = 'token_secret';
SELECT pgticket.token_claims(:'old_token');
:e
DELETE FROM pgticket.setting WHERE name = 'token_secret';
SELECT pgticket.token_claims(:'old_token');
:e
-- the secret's lookup names its operator: an "=" that is always true
-- first on the caller's search_path cannot make another setting the secret
BEGIN;
INSERT INTO pgticket.setting (name, value) VALUES ('token_secret', 'old');
INSERT INTO pgticket.setting (name, value) VALUES ('not_the_secret', 'other')
	ON CONFLICT (name) DO NOTHING;
UPDATE pgticket.setting SET value = value WHERE name = 'token_secret';
CREATE SCHEMA evil;
CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
SET LOCAL search_path = evil, pg_catalog, public;
SELECT pgticket.token_claims(:'old_token') ->> 'sub' AS sub;
ROLLBACK;

-- secret_matches: sha256(salt || secret), constant-time compare
SELECT pgticket.secret_matches('ocsuser', '\x0102'::bytea,
	sha256('\x0102'::bytea || convert_to('ocsuser', 'UTF8'))) AS right_secret,
	pgticket.secret_matches('ocsuser2', '\x0102'::bytea,
	sha256('\x0102'::bytea || convert_to('ocsuser', 'UTF8'))) AS wrong_secret,
	pgticket.secret_matches('', '\x0102'::bytea,
	sha256('\x0102'::bytea || convert_to('ocsuser', 'UTF8'))) AS empty_secret,
	pgticket.secret_matches('ocsuser', '\x0103'::bytea,
	sha256('\x0102'::bytea || convert_to('ocsuser', 'UTF8'))) AS other_salt,
	pgticket.secret_matches('ocsuser', '\x'::bytea, '\x00'::bytea) AS short_hash,
	pgticket.secret_matches('ocsuser', NULL, NULL) AS no_client;
