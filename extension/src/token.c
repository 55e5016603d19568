/*-------------------------------------------------------------------------
 *
 * token.c
 *	  Credentials: HS256 JSON Web Tokens (RFC 7519) and hashed secrets.
 *
 * APIs 001 and 003 authenticate with a JWT signed with HMAC-SHA256 under a
 * secret the database keeps (pgticket.setting "token_secret").
 * pgticket.jwt_verify() asks JwtVerify (jwt.c, which the fuzzer of
 * tests/fuzz runs too) for its verdict and returns the claims as jsonb;
 * every refusal is SQLSTATE PT401 whose message is the one a client is
 * shown, worded as the Java library behind the CRM seed (jjwt) words it.
 *
 * API clients with a password (000's HTTP Basic) are stored as
 * sha256(salt || secret); pgticket.secret_matches() compares in constant
 * time.
 *
 * The cryptography, the encoding and the JSON parsing are PostgreSQL's own
 * (common/hmac.h, common/cryptohash.h, common/base64.h, common/jsonapi.h).
 *
 * extension/src/token.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "datatype/timestamp.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "jwt.h"

static const char *jwt_hint =
"Send a token signed with HS256 under the server's token secret.";

static void TokenRefuse(const char *message, const char *detail)
			pg_attribute_noreturn();
static void TokenRefuseCheck(const JwtCheck *check, int len, double now)
			pg_attribute_noreturn();
static char *Iso8601(double seconds);

/*
 * TokenRefuse
 *		Raise PT401 with the message a client sees.
 */
static void
TokenRefuse(const char *message, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_PGTICKET_UNAUTHENTICATED),
			 errmsg_internal("%s", message),
			 errdetail_internal("%s", detail),
			 errhint("%s", jwt_hint)));
}

/*
 * TokenRefuseCheck
 *		Raise PT401 for what JwtVerify found wrong, worded as the Java
 *		library behind the CRM seed (jjwt) words it where it has words.
 */
static void
TokenRefuseCheck(const JwtCheck *check, int len, double now)
{
	const char *part = check->part;

	switch (check->status)
	{
		case JWT_TOO_LONG:
			TokenRefuse("Malformed JWT: the token is too long.",
						psprintf("The token has %d bytes; at most %d are "
								 "accepted.", len, JWT_MAX_LENGTH));
		case JWT_PARTS:
			TokenRefuse(psprintf("JWT strings must contain exactly 2 period "
								 "characters. Found: %d", check->dots),
						"A JWT is three base64url parts joined by periods.");
		case JWT_BASE64:
			TokenRefuse(psprintf("Malformed JWT: the %s is not base64url.",
								 part),
						psprintf("The token's %s is not valid unpadded "
								 "base64url.", part));
		case JWT_UTF8:
			TokenRefuse(psprintf("Malformed JWT JSON: the %s is not UTF-8 "
								 "text.", part),
						psprintf("The token's %s holds a NUL byte or invalid "
								 "UTF-8.", part));
		case JWT_JSON:
			TokenRefuse(psprintf("Malformed JWT JSON: the %s is not valid "
								 "JSON.", part),
						psprintf("The token's %s does not parse as JSON that "
								 "PostgreSQL can hold.", part));
		case JWT_NOT_OBJECT:
			TokenRefuse(psprintf("Malformed JWT JSON: the %s is not a JSON "
								 "object.", part),
						psprintf("The token's %s is JSON, but not an object.",
								 part));
		case JWT_ALG_NONE:
			TokenRefuse("Unsigned Claims JWTs are not supported.",
						"The token's header names algorithm \"none\".");
		case JWT_ALG:
			TokenRefuse("Unsupported JWT signature algorithm: only HS256 is "
						"accepted.",
						"The token's header names another algorithm, or none.");
		case JWT_CRIT:
			TokenRefuse("Unsupported JWT: critical header parameters are not "
						"supported.",
						"The token's header has a \"crit\" member.");
		case JWT_SIGNATURE:
			TokenRefuse("JWT signature does not match locally computed "
						"signature. JWT validity cannot be asserted and should "
						"not be trusted.",
						"The HMAC-SHA256 of the token under the token secret "
						"differs from its signature.");
		case JWT_TIME:
			TokenRefuse(psprintf("Malformed JWT: the %s claim is not a time.",
								 check->claim),
						psprintf("The \"%s\" claim must be a number of seconds "
								 "since 1970-01-01T00:00:00Z.", check->claim));
		case JWT_EXPIRED:
			TokenRefuse(psprintf("JWT expired at %s. Current time: %s, a "
								 "difference of " INT64_FORMAT " milliseconds.  "
								 "Allowed clock skew: 0 milliseconds.",
								 Iso8601(check->exp), Iso8601(now),
								 (int64) ((now - check->exp) * 1000)),
						"The token's \"exp\" claim has passed.");
		case JWT_NOT_YET:
			TokenRefuse(psprintf("JWT must not be accepted before %s. Current "
								 "time: %s, a difference of " INT64_FORMAT
								 " milliseconds.  Allowed clock skew: 0 "
								 "milliseconds.",
								 Iso8601(check->nbf), Iso8601(now),
								 (int64) ((check->nbf - now) * 1000)),
						"The token's \"nbf\" claim has not come yet.");
		case JWT_INTERNAL:
		case JWT_OK:
			break;
	}
	elog(ERROR, "could not compute HMAC-SHA256");
}

/*
 * Iso8601
 *		Seconds since 1970 as "2020-01-31T12:00:00Z".
 */
static char *
Iso8601(double seconds)
{
	TimestampTz ts;
	struct pg_tm tm;
	fsec_t		fsec;

	ts = (TimestampTz) ((seconds -
						((double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
						 SECS_PER_DAY)) * USECS_PER_SEC);
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "timestamp out of range");
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

PG_FUNCTION_INFO_V1(pgticket_jwt_verify);

/*
 * pgticket_jwt_verify
 *		pgticket.jwt_verify(token text, secret text, at timestamptz)
 *		returns jsonb
 *
 * The claims of an HS256 token signed under secret and valid at "at"; PT401
 * otherwise.  An empty secret is a server misconfiguration (55000), never
 * the client's fault.
 */
Datum
pgticket_jwt_verify(PG_FUNCTION_ARGS)
{
	PGTICKET_REQUIRE_ARG(fcinfo, 0, "token");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "secret");
	PGTICKET_REQUIRE_ARG(fcinfo, 2, "at");
	PG_RETURN_JSONB_P(TokenVerify(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1),
								  PG_GETARG_TIMESTAMPTZ(2)));
}

/*
 * TokenVerify
 *		The claims of an HS256 token signed under secret and valid at "at";
 *		PT401 otherwise, 55000 for an empty secret (pgticket.jwt_verify).
 */
Jsonb *
TokenVerify(text *token, text *secret, TimestampTz at)
{
	double		now;
	JwtCheck	check;
	Jsonb	   *claims;

	now = (double) at / USECS_PER_SEC +
		(double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

	if (VARSIZE_ANY_EXHDR(secret) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("token secret is empty"),
				 errdetail("No token can be verified without a secret."),
				 errhint("Set one: UPDATE pgticket.setting SET value = '...' "
						 "WHERE name = 'token_secret'.")));

	JwtVerify(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token),
			  VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret), now, &check);
	if (check.status != JWT_OK)
		TokenRefuseCheck(&check, VARSIZE_ANY_EXHDR(token), now);

	/* JwtVerify checked the claims as jsonb_in would: they convert */
	claims = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												CStringGetDatum(check.claims)));
	JwtCheckFree(&check);
	return claims;
}

/*
 * TokenSecret
 *		The token_secret setting, "" when there is none: what
 *		pgticket.token_claims reads, with the same statement run through SPI
 *		as the caller (the plan is kept for the session, and replanned by
 *		the plan cache when the table changes).  Every name is qualified,
 *		so no search_path can put another table or "=" in its place.
 */
text *
TokenSecret(void)
{
	static SPIPlanPtr plan = NULL;
	Datum		value = (Datum) 0;
	bool		isnull = true;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan == NULL)
		plan = PgticketPreparePlan("SELECT s.value FROM pgticket.setting s "
								   "WHERE s.name OPERATOR(pg_catalog.=) "
								   "'token_secret'", 0, NULL);
	PgticketExecPlan(plan, NULL, NULL, true, 1);
	if (SPI_processed > 0)
		value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
							  &isnull);
	if (!isnull)				/* into the caller's context */
		value = SPI_datumTransfer(value, false, -1);
	SPI_finish();
	return isnull ? cstring_to_text("") : DatumGetTextPP(value);
}

PG_FUNCTION_INFO_V1(pgticket_jwt_sign);

/*
 * pgticket_jwt_sign
 *		pgticket.jwt_sign(claims jsonb, secret text) returns text
 *
 * An HS256 token carrying claims: for DBAs minting tokens, and for tests.
 */
Datum
pgticket_jwt_sign(PG_FUNCTION_ARGS)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	Jsonb	   *claims;
	text	   *secret_t;
	char	   *payload;
	char	   *input;
	uint8		mac[JWT_MAC_LENGTH];

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "claims");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "secret");
	claims = PG_GETARG_JSONB_P(0);
	secret_t = PG_GETARG_TEXT_PP(1);
	if (!JB_ROOT_IS_OBJECT(claims))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("token claims must be a JSON object")));
	if (VARSIZE_ANY_EXHDR(secret_t) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("token secret must not be empty")));

	payload = JsonbToCString(NULL, &claims->root, VARSIZE(claims));
	input = psprintf("%s.%s",
					 JwtBase64UrlEncode((const uint8 *) header, strlen(header)),
					 JwtBase64UrlEncode((const uint8 *) payload,
										strlen(payload)));
	if (!JwtHs256(VARDATA_ANY(secret_t), VARSIZE_ANY_EXHDR(secret_t),
				  input, strlen(input), mac))
		elog(ERROR, "could not compute HMAC-SHA256");
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s.%s", input,
											  JwtBase64UrlEncode(mac,
																 sizeof(mac)))));
}

PG_FUNCTION_INFO_V1(pgticket_secret_matches);

/*
 * pgticket_secret_matches
 *		pgticket.secret_matches(secret text, salt bytea, key_hash bytea)
 *		returns boolean
 *
 * Whether sha256(salt || secret) equals key_hash, compared in constant
 * time; a NULL argument (no such client) is simply false.
 */
Datum
pgticket_secret_matches(PG_FUNCTION_ARGS)
{
	text	   *secret;
	bytea	   *salt;
	bytea	   *key_hash;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	secret = PG_GETARG_TEXT_PP(0);
	salt = PG_GETARG_BYTEA_PP(1);
	key_hash = PG_GETARG_BYTEA_PP(2);

	ctx = pg_cryptohash_create(PG_SHA256);
	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(salt),
							 VARSIZE_ANY_EXHDR(salt)) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) VARDATA_ANY(secret),
							 VARSIZE_ANY_EXHDR(secret)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute SHA-256");
	}
	pg_cryptohash_free(ctx);

	PG_RETURN_BOOL(VARSIZE_ANY_EXHDR(key_hash) == sizeof(digest) &&
				   TimingSafeEqual(digest, (uint8 *) VARDATA_ANY(key_hash),
								   sizeof(digest)));
}
