/*-------------------------------------------------------------------------
 *
 * token.c
 *	  Credentials: HS256 JSON Web Tokens (RFC 7519) and hashed secrets.
 *
 * APIs 001 and 003 authenticate with a JWT signed with HMAC-SHA256 under a
 * secret the database keeps (pgticket.setting "token_secret").  A token is
 * three base64url parts, header.payload.signature; the signature is the
 * HMAC of "header.payload".  pgticket.jwt_verify() checks, in this order,
 * the structure, the header (alg must be HS256: "none" and every other
 * algorithm are refused, so a token cannot choose how it is checked), the
 * signature (compared in constant time, before the payload is read), the
 * payload, and the time claims exp and nbf; it returns the claims.  Every
 * refusal is SQLSTATE PT401 whose message is the one a client is shown,
 * worded as the Java library behind the CRM seed (jjwt) words it.
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

#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/jsonapi.h"
#include "common/sha2.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/*
 * Longer tokens are refused before anything is decoded: real ones are a few
 * hundred bytes, and this bounds the work and the JSON nesting depth.
 */
#define JWT_MAX_LENGTH			8192

/*
 * Time claims are seconds since 1970 and must lie between then and the end
 * of year 9999, so that they convert to a timestamp.
 */
#define JWT_MAX_SECONDS			253402300799.0

/*
 * JSON numbers jsonb could not hold (numeric_in refuses exponents beyond
 * +-1000, and overflows on absurd lengths) are refused while parsing, so a
 * token never makes jsonb_in raise an error of its own.
 */
#define JWT_MAX_NUMBER_LENGTH	1000

static const char *jwt_hint =
"Send a token signed with HS256 under the server's token secret.";

static void TokenRefuse(const char *message, const char *detail)
			pg_attribute_noreturn();
static bool Base64UrlDecode(const char *src, int len, char **dst,
							int *dstlen);
static char *Base64UrlEncode(const uint8 *src, int len);
static void CheckNumber(void *state, char *token, JsonTokenType tokentype);
static Jsonb *DecodeJsonPart(const char *src, int len, const char *part);
static void Hs256(const char *secret, int secretlen, const char *data,
				  int len, uint8 *mac);
static bool ConstantTimeEqual(const uint8 *a, const uint8 *b, int len);
static double TimeClaim(Jsonb *claims, const char *name);
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
 * Base64UrlDecode
 *		Decode unpadded base64url (RFC 4648, section 5).
 *
 * Only the alphabet is accepted: pg_b64_decode would skip whitespace and
 * take '+', '/' and '=', none of which a JWT may contain.  The result is
 * NUL-terminated.
 */
static bool
Base64UrlDecode(const char *src, int len, char **dst, int *dstlen)
{
	int			padded = (len + 3) & ~3;
	char	   *buf;
	int			i;

	if (len % 4 == 1)
		return false;
	buf = palloc(padded);
	for (i = 0; i < len; i++)
	{
		char		c = src[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				   (c >= '0' && c <= '9')))
			return false;
		buf[i] = c;
	}
	for (; i < padded; i++)
		buf[i] = '=';

	*dst = palloc(pg_b64_dec_len(padded) + 1);
	*dstlen = pg_b64_decode(buf, padded, *dst, pg_b64_dec_len(padded));
	pfree(buf);
	if (*dstlen < 0)
		return false;
	(*dst)[*dstlen] = '\0';
	return true;
}

/*
 * Base64UrlEncode
 *		Encode as unpadded base64url.
 */
static char *
Base64UrlEncode(const uint8 *src, int len)
{
	int			enclen = pg_b64_enc_len(len);
	char	   *dst = palloc(enclen + 1);
	int			n;
	int			i;

	n = pg_b64_encode((const char *) src, len, dst, enclen);
	if (n < 0)
		elog(ERROR, "could not encode base64");
	while (n > 0 && dst[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
	{
		if (dst[i] == '+')
			dst[i] = '-';
		else if (dst[i] == '/')
			dst[i] = '_';
	}
	dst[n] = '\0';
	return dst;
}

/*
 * CheckNumber
 *		JSON scalar callback: flag numbers jsonb_in would refuse.
 */
static void
CheckNumber(void *state, char *token, JsonTokenType tokentype)
{
	char	   *e;

	if (tokentype != JSON_TOKEN_NUMBER)
		return;
	if (strlen(token) > JWT_MAX_NUMBER_LENGTH)
		*(bool *) state = true;
	else if ((e = strpbrk(token, "eE")) != NULL &&
			 labs(strtol(e + 1, NULL, 10)) > 1000)
		*(bool *) state = true;
}

/*
 * DecodeJsonPart
 *		A base64url part of a token that must hold a JSON object, as jsonb.
 *
 * The JSON is validated (UTF-8, no NUL, syntax, numbers jsonb can hold)
 * before jsonb_in sees it, so a hostile token gets PT401, never another
 * error.
 */
static Jsonb *
DecodeJsonPart(const char *src, int len, const char *part)
{
	char	   *json;
	int			jsonlen;
	JsonLexContext *lex;
	JsonSemAction sem;
	bool		bad_number = false;
	Jsonb	   *jb;

	if (!Base64UrlDecode(src, len, &json, &jsonlen))
		TokenRefuse(psprintf("Malformed JWT: the %s is not base64url.", part),
					psprintf("The token's %s is not valid unpadded base64url.",
							 part));

	if ((int) strlen(json) != jsonlen ||
		!pg_verify_mbstr(PG_UTF8, json, jsonlen, true))
		TokenRefuse(psprintf("Malformed JWT JSON: the %s is not UTF-8 text.",
							 part),
					psprintf("The token's %s holds a NUL byte or invalid UTF-8.",
							 part));

	memset(&sem, 0, sizeof(sem));
	sem.semstate = &bad_number;
	sem.scalar = CheckNumber;
	lex = makeJsonLexContextCstringLen(json, jsonlen, PG_UTF8, true);
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS || bad_number)
		TokenRefuse(psprintf("Malformed JWT JSON: the %s is not valid JSON.",
							 part),
					psprintf("The token's %s does not parse as JSON that "
							 "PostgreSQL can hold.", part));

	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	if (!JB_ROOT_IS_OBJECT(jb))
		TokenRefuse(psprintf("Malformed JWT JSON: the %s is not a JSON object.",
							 part),
					psprintf("The token's %s is JSON, but not an object.",
							 part));
	return jb;
}

/*
 * Hs256
 *		HMAC-SHA256 of data under secret, into mac (32 bytes).
 */
static void
Hs256(const char *secret, int secretlen, const char *data, int len,
	  uint8 *mac)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL ||
		pg_hmac_init(ctx, (const uint8 *) secret, secretlen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_hmac_final(ctx, mac, PG_SHA256_DIGEST_LENGTH) < 0)
	{
		const char *why = ctx ? pg_hmac_error(ctx) : "out of memory";

		pg_hmac_free(ctx);
		elog(ERROR, "could not compute HMAC-SHA256: %s", why);
	}
	pg_hmac_free(ctx);
}

/*
 * ConstantTimeEqual
 *		Compare two byte strings in time that depends only on their length.
 */
static bool
ConstantTimeEqual(const uint8 *a, const uint8 *b, int len)
{
	uint8		diff = 0;
	int			i;

	for (i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/*
 * TimeClaim
 *		exp, nbf...: seconds since 1970, or a negative number when absent.
 */
static double
TimeClaim(Jsonb *claims, const char *name)
{
	JsonbValue *v;
	double		seconds;

	v = getKeyJsonValueFromContainer(&claims->root, name, strlen(name), NULL);
	if (v == NULL)
		return -1;
	if (v->type == jbvNumeric)
	{
		/* bounded before converting: float8 would overflow on 1e999 */
		Datum		n = NumericGetDatum(v->val.numeric);
		Datum		lo = DirectFunctionCall1(float8_numeric,
											 Float8GetDatum(0));
		Datum		hi = DirectFunctionCall1(float8_numeric,
											 Float8GetDatum(JWT_MAX_SECONDS));

		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, n, lo)) >= 0 &&
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, n, hi)) <= 0)
		{
			seconds = DatumGetFloat8(DirectFunctionCall1(numeric_float8, n));
			return seconds;
		}
	}
	TokenRefuse(psprintf("Malformed JWT: the %s claim is not a time.", name),
				psprintf("The \"%s\" claim must be a number of seconds since "
						 "1970-01-01T00:00:00Z.", name));
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
	text	   *token_t;
	text	   *secret_t;
	char	   *token;
	int			len;
	char	   *dot1;
	char	   *dot2;
	int			dots = 0;
	int			i;
	Jsonb	   *header;
	Jsonb	   *claims;
	JsonbValue *alg;
	char	   *sig;
	int			siglen;
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	double		now;
	double		exp;
	double		nbf;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "token");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "secret");
	PGTICKET_REQUIRE_ARG(fcinfo, 2, "at");
	token_t = PG_GETARG_TEXT_PP(0);
	secret_t = PG_GETARG_TEXT_PP(1);
	now = (double) PG_GETARG_TIMESTAMPTZ(2) / USECS_PER_SEC +
		(double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

	if (VARSIZE_ANY_EXHDR(secret_t) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("token secret is empty"),
				 errdetail("No token can be verified without a secret."),
				 errhint("Set one: UPDATE pgticket.setting SET value = '...' "
						 "WHERE name = 'token_secret'.")));

	token = VARDATA_ANY(token_t);
	len = VARSIZE_ANY_EXHDR(token_t);
	if (len > JWT_MAX_LENGTH)
		TokenRefuse("Malformed JWT: the token is too long.",
					psprintf("The token has %d bytes; at most %d are accepted.",
							 len, JWT_MAX_LENGTH));
	for (i = 0; i < len; i++)
		if (token[i] == '.')
			dots++;
	if (dots != 2)
		TokenRefuse(psprintf("JWT strings must contain exactly 2 period "
							 "characters. Found: %d", dots),
					"A JWT is three base64url parts joined by periods.");
	dot1 = memchr(token, '.', len);
	dot2 = memchr(dot1 + 1, '.', len - (dot1 + 1 - token));

	/* the header says how the token is signed: only HS256 will do */
	header = DecodeJsonPart(token, dot1 - token, "header");
	alg = getKeyJsonValueFromContainer(&header->root, "alg", 3, NULL);
	if (alg != NULL && alg->type == jbvString &&
		alg->val.string.len == 4 &&
		pg_strncasecmp(alg->val.string.val, "none", 4) == 0)
		TokenRefuse("Unsigned Claims JWTs are not supported.",
					"The token's header names algorithm \"none\".");
	if (alg == NULL || alg->type != jbvString ||
		alg->val.string.len != 5 ||
		strncmp(alg->val.string.val, "HS256", 5) != 0)
		TokenRefuse("Unsupported JWT signature algorithm: only HS256 is "
					"accepted.",
					"The token's header names another algorithm, or none.");
	if (getKeyJsonValueFromContainer(&header->root, "crit", 4, NULL) != NULL)
		TokenRefuse("Unsupported JWT: critical header parameters are not "
					"supported.",
					"The token's header has a \"crit\" member.");

	/* the signature, before anything of the payload is read */
	Hs256(VARDATA_ANY(secret_t), VARSIZE_ANY_EXHDR(secret_t),
		  token, dot2 - token, mac);
	if (!Base64UrlDecode(dot2 + 1, len - (dot2 + 1 - token), &sig, &siglen) ||
		siglen != PG_SHA256_DIGEST_LENGTH ||
		!ConstantTimeEqual(mac, (uint8 *) sig, PG_SHA256_DIGEST_LENGTH))
		TokenRefuse("JWT signature does not match locally computed "
					"signature. JWT validity cannot be asserted and should "
					"not be trusted.",
					"The HMAC-SHA256 of the token under the token secret "
					"differs from its signature.");

	claims = DecodeJsonPart(dot1 + 1, dot2 - (dot1 + 1), "payload");
	exp = TimeClaim(claims, "exp");
	nbf = TimeClaim(claims, "nbf");
	if (exp >= 0 && now >= exp)
		TokenRefuse(psprintf("JWT expired at %s. Current time: %s, a "
							 "difference of " INT64_FORMAT " milliseconds.  "
							 "Allowed clock skew: 0 milliseconds.",
							 Iso8601(exp), Iso8601(now),
							 (int64) ((now - exp) * 1000)),
					"The token's \"exp\" claim has passed.");
	if (nbf >= 0 && now < nbf)
		TokenRefuse(psprintf("JWT must not be accepted before %s. Current "
							 "time: %s, a difference of " INT64_FORMAT
							 " milliseconds.  Allowed clock skew: 0 "
							 "milliseconds.",
							 Iso8601(nbf), Iso8601(now),
							 (int64) ((nbf - now) * 1000)),
					"The token's \"nbf\" claim has not come yet.");

	PG_RETURN_JSONB_P(claims);
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
	uint8		mac[PG_SHA256_DIGEST_LENGTH];

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
					 Base64UrlEncode((const uint8 *) header, strlen(header)),
					 Base64UrlEncode((const uint8 *) payload,
									 strlen(payload)));
	Hs256(VARDATA_ANY(secret_t), VARSIZE_ANY_EXHDR(secret_t),
		  input, strlen(input), mac);
	PG_RETURN_TEXT_P(cstring_to_text(
									 psprintf("%s.%s", input,
											  Base64UrlEncode(mac, sizeof(mac)))));
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
				   ConstantTimeEqual(digest, (uint8 *) VARDATA_ANY(key_hash),
									 sizeof(digest)));
}
