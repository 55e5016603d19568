/*-------------------------------------------------------------------------
 *
 * jwt.c
 *	  HS256 JSON Web Tokens (RFC 7519): the parsing and checking.
 *
 * A token is three base64url parts, header.payload.signature; the
 * signature is the HMAC-SHA256 of "header.payload" under a secret.
 * JwtVerify() checks, in this order, the length, the structure, the header
 * (alg must be HS256: "none" and every other algorithm are refused, so a
 * token cannot choose how it is checked; crit is refused), the signature
 * (compared in constant time, before the payload is read), the payload, and
 * the time claims exp and nbf.  It raises no error: it says what is wrong
 * in a JwtCheck, and token.c words it for the client.
 *
 * This file uses only what src/common gives both the server and client
 * programs, so that tests/fuzz can build it with -DFRONTEND against
 * libpgcommon and libpgport and fuzz exactly the code the server runs.
 * Everything it allocates it frees, but the claims it returns.
 *
 * extension/src/jwt.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "common/base64.h"
#include "common/hmac.h"
#include "common/jsonapi.h"
#include "common/sha2.h"
#include "mb/pg_wchar.h"

#include "jwt.h"

/* The top-level members of a part the checks read */
typedef enum JwtMember
{
	MEMBER_OTHER,
	MEMBER_ALG,
	MEMBER_CRIT,
	MEMBER_EXP,
	MEMBER_NBF
} JwtMember;

typedef enum JwtAlg
{
	ALG_ABSENT,
	ALG_NONE,					/* "none", in any case */
	ALG_HS256,
	ALG_OTHER					/* another string, or not a string */
} JwtAlg;

typedef enum JwtTime
{
	TIME_ABSENT,
	TIME_VALID,
	TIME_INVALID
} JwtTime;

/* What the JSON parser's callbacks learn about one part */
typedef struct JwtPart
{
	int			depth;			/* nesting: 1 inside the top-level object */
	bool		root_object;	/* the part is an object */
	bool		bad_number;		/* a number jsonb could not hold */
	JwtMember	member;			/* the top-level member being read */
	JwtAlg		alg;
	bool		crit;
	JwtTime		exp_state;
	JwtTime		nbf_state;
	double		exp;
	double		nbf;
} JwtPart;

static bool Base64UrlDecode(const char *src, int len, char **dst,
							int *dstlen);
static void PartObjectStart(void *state);
static void PartObjectEnd(void *state);
static void PartArrayStart(void *state);
static void PartArrayEnd(void *state);
static void PartMember(void *state, char *fname, bool isnull);
static void PartScalar(void *state, char *token, JsonTokenType tokentype);
static JwtStatus DecodePart(const char *src, int len, JwtPart *part,
							char **json, int *jsonlen);

/*
 * Base64UrlDecode
 *		Decode unpadded base64url (RFC 4648, section 5) into a palloc'd,
 *		NUL-terminated buffer.
 *
 * Only the alphabet is accepted: pg_b64_decode would skip whitespace and
 * take '+', '/' and '=', none of which a JWT may contain.  And only the
 * canonical encoding (RFC 4648, section 3.5): the bits of the last
 * character that hold no data must be zero, or "...Cm98" and "...Cm99"
 * would be two spellings of one signature (tests/fuzz found it).
 */
static bool
Base64UrlDecode(const char *src, int len, char **dst, int *dstlen)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	int			padded = (len + 3) & ~3;
	char	   *buf;
	const char *last;
	int			i;

	if (len % 4 == 1)
		return false;
	if (len % 4 != 0)
	{
		/* 2 characters hold 1 byte (4 spare bits), 3 hold 2 (2 spare) */
		last = memchr(alphabet, src[len - 1], 64);
		if (last == NULL || ((last - alphabet) & (len % 4 == 2 ? 15 : 3)))
			return false;
	}
	buf = palloc(padded + 1);
	for (i = 0; i < len; i++)
	{
		char		c = src[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				   (c >= '0' && c <= '9')))
		{
			pfree(buf);
			return false;
		}
		buf[i] = c;
	}
	for (; i < padded; i++)
		buf[i] = '=';

	*dst = palloc(pg_b64_dec_len(padded) + 1);
	*dstlen = pg_b64_decode(buf, padded, *dst, pg_b64_dec_len(padded));
	pfree(buf);
	if (*dstlen < 0)
	{
		pfree(*dst);
		return false;
	}
	(*dst)[*dstlen] = '\0';
	return true;
}

/*
 * JwtBase64UrlEncode
 *		Encode as unpadded base64url, palloc'd and NUL-terminated; NULL if
 *		the encoder fails (it cannot, for a buffer of its own size).
 */
char *
JwtBase64UrlEncode(const uint8 *src, int len)
{
	int			enclen = pg_b64_enc_len(len);
	char	   *dst = palloc(enclen + 1);
	int			n;
	int			i;

	n = pg_b64_encode((const char *) src, len, dst, enclen);
	if (n < 0)
	{
		pfree(dst);
		return NULL;
	}
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
 * JwtHs256
 *		HMAC-SHA256 of data under secret, into mac (JWT_MAC_LENGTH bytes);
 *		false when it could not be computed (out of memory).
 */
bool
JwtHs256(const char *secret, int secretlen, const char *data, int len,
		 uint8 *mac)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	bool		ok;

	ok = ctx != NULL &&
		pg_hmac_init(ctx, (const uint8 *) secret, secretlen) == 0 &&
		pg_hmac_update(ctx, (const uint8 *) data, len) == 0 &&
		pg_hmac_final(ctx, mac, JWT_MAC_LENGTH) == 0;
	pg_hmac_free(ctx);
	return ok;
}

/*
 * TimingSafeEqual
 *		Compare two byte strings in time that depends only on their length.
 */
bool
TimingSafeEqual(const uint8 *a, const uint8 *b, int len)
{
	uint8		diff = 0;
	int			i;

	for (i = 0; i < len; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}

/* JSON parser callbacks: the members of the top-level object, last wins */

static void
PartObjectStart(void *state)
{
	JwtPart    *part = state;

	if (part->depth++ == 0)
		part->root_object = true;
}

static void
PartObjectEnd(void *state)
{
	((JwtPart *) state)->depth--;
}

static void
PartArrayStart(void *state)
{
	((JwtPart *) state)->depth++;
}

static void
PartArrayEnd(void *state)
{
	((JwtPart *) state)->depth--;
}

/*
 * A member of the top-level object: what it is until its value says
 * otherwise (alg other than a string is no algorithm; a time claim other
 * than a number is no time), as jsonb would keep the last of two.
 */
static void
PartMember(void *state, char *fname, bool isnull)
{
	JwtPart    *part = state;

	if (part->depth == 1)
	{
		part->member = MEMBER_OTHER;
		if (strcmp(fname, "alg") == 0)
		{
			part->member = MEMBER_ALG;
			part->alg = ALG_OTHER;
		}
		else if (strcmp(fname, "crit") == 0)
			part->crit = true;
		else if (strcmp(fname, "exp") == 0)
		{
			part->member = MEMBER_EXP;
			part->exp_state = TIME_INVALID;
		}
		else if (strcmp(fname, "nbf") == 0)
		{
			part->member = MEMBER_NBF;
			part->nbf_state = TIME_INVALID;
		}
	}
	pfree(fname);
}

/*
 * A scalar: numbers jsonb could not hold are flagged; at depth 1 it is the
 * value of the member just named.  A time is a number from 0 (a negative
 * zero too, but no negative number however small) to JWT_MAX_SECONDS, as
 * strtod reads it.
 */
static void
PartScalar(void *state, char *token, JsonTokenType tokentype)
{
	JwtPart    *part = state;
	char	   *e;

	if (tokentype == JSON_TOKEN_NUMBER)
	{
		if (strlen(token) > JWT_MAX_NUMBER_LENGTH)
			part->bad_number = true;
		else if ((e = strpbrk(token, "eE")) != NULL &&
				 labs(strtol(e + 1, NULL, 10)) > 1000)
			part->bad_number = true;
	}

	if (part->depth == 1 && part->member == MEMBER_ALG &&
		tokentype == JSON_TOKEN_STRING)
	{
		if (strlen(token) == 4 && pg_strncasecmp(token, "none", 4) == 0)
			part->alg = ALG_NONE;
		else if (strcmp(token, "HS256") == 0)
			part->alg = ALG_HS256;
	}
	else if (part->depth == 1 && tokentype == JSON_TOKEN_NUMBER &&
			 !part->bad_number &&
			 (part->member == MEMBER_EXP || part->member == MEMBER_NBF))
	{
		double		seconds = strtod(token, NULL);
		bool		valid = seconds <= JWT_MAX_SECONDS &&
			(token[0] != '-' || strspn(token, "-0.") >= strcspn(token, "eE"));

		if (part->member == MEMBER_EXP)
		{
			part->exp_state = valid ? TIME_VALID : TIME_INVALID;
			part->exp = seconds;
		}
		else
		{
			part->nbf_state = valid ? TIME_VALID : TIME_INVALID;
			part->nbf = seconds;
		}
	}
	pfree(token);
}

/*
 * DecodePart
 *		A base64url part that must hold a JSON object jsonb can hold: its
 *		JSON text (palloc'd, NUL-terminated) and what JwtPart records.
 *
 * The JSON is validated (UTF-8, no NUL, syntax, numbers) as jsonb_in would,
 * so that the claims of a good token always convert.
 */
static JwtStatus
DecodePart(const char *src, int len, JwtPart *part, char **json,
		   int *jsonlen)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	JsonParseErrorType rc;

	memset(part, 0, sizeof(*part));
	if (!Base64UrlDecode(src, len, json, jsonlen))
		return JWT_BASE64;
	if (memchr(*json, '\0', *jsonlen) != NULL ||
		pg_encoding_verifymbstr(PG_UTF8, *json, *jsonlen) != *jsonlen)
	{
		pfree(*json);
		return JWT_UTF8;
	}

	memset(&sem, 0, sizeof(sem));
	sem.semstate = part;
	sem.object_start = PartObjectStart;
	sem.object_end = PartObjectEnd;
	sem.array_start = PartArrayStart;
	sem.array_end = PartArrayEnd;
	sem.object_field_start = PartMember;
	sem.scalar = PartScalar;
	lex = makeJsonLexContextCstringLen(*json, *jsonlen, PG_UTF8, true);
	rc = pg_parse_json(lex, &sem);
	pfree(lex->strval->data);
	pfree(lex->strval);
	pfree(lex);

	if (rc != JSON_SUCCESS || part->bad_number)
	{
		pfree(*json);
		return JWT_JSON;
	}
	if (!part->root_object)
	{
		pfree(*json);
		return JWT_NOT_OBJECT;
	}
	return JWT_OK;
}

/*
 * JwtVerify
 *		The verdict on an HS256 token signed under secret, at now (seconds
 *		since 1970).  On JWT_OK, check->claims holds the payload's JSON; free
 *		it with JwtCheckFree.
 */
void
JwtVerify(const char *token, int len, const char *secret, int secretlen,
		  double now, JwtCheck *check)
{
	const char *dot1;
	const char *dot2;
	JwtPart		part;
	char	   *json;
	int			jsonlen;
	char	   *sig;
	int			siglen;
	uint8		mac[JWT_MAC_LENGTH];
	int			i;

	memset(check, 0, sizeof(*check));
	check->exp = -1;
	check->nbf = -1;

	if (len > JWT_MAX_LENGTH)
	{
		check->status = JWT_TOO_LONG;
		return;
	}
	for (i = 0; i < len; i++)
		if (token[i] == '.')
			check->dots++;
	if (check->dots != 2)
	{
		check->status = JWT_PARTS;
		return;
	}
	dot1 = memchr(token, '.', len);
	dot2 = memchr(dot1 + 1, '.', len - (dot1 + 1 - token));

	/* the header says how the token is signed: only HS256 will do */
	check->part = "header";
	check->status = DecodePart(token, dot1 - token, &part, &json, &jsonlen);
	if (check->status != JWT_OK)
		return;
	pfree(json);
	if (part.alg == ALG_NONE)
		check->status = JWT_ALG_NONE;
	else if (part.alg != ALG_HS256)
		check->status = JWT_ALG;
	else if (part.crit)
		check->status = JWT_CRIT;
	if (check->status != JWT_OK)
		return;

	/* the signature, before anything of the payload is read */
	if (!JwtHs256(secret, secretlen, token, dot2 - token, mac))
	{
		check->status = JWT_INTERNAL;
		return;
	}
	if (!Base64UrlDecode(dot2 + 1, len - (dot2 + 1 - token), &sig, &siglen))
	{
		check->status = JWT_SIGNATURE;
		return;
	}
	if (siglen != JWT_MAC_LENGTH ||
		!TimingSafeEqual(mac, (uint8 *) sig, JWT_MAC_LENGTH))
		check->status = JWT_SIGNATURE;
	pfree(sig);
	if (check->status != JWT_OK)
		return;

	check->part = "payload";
	check->status = DecodePart(dot1 + 1, dot2 - (dot1 + 1), &part, &json,
							   &jsonlen);
	if (check->status != JWT_OK)
		return;

	if (part.exp_state == TIME_INVALID)
		check->claim = "exp";
	else if (part.nbf_state == TIME_INVALID)
		check->claim = "nbf";
	if (part.exp_state == TIME_VALID)
		check->exp = part.exp;
	if (part.nbf_state == TIME_VALID)
		check->nbf = part.nbf;

	if (check->claim != NULL)
		check->status = JWT_TIME;
	else if (check->exp >= 0 && now >= check->exp)
		check->status = JWT_EXPIRED;
	else if (check->nbf >= 0 && now < check->nbf)
		check->status = JWT_NOT_YET;
	if (check->status != JWT_OK)
	{
		pfree(json);
		return;
	}
	check->claims = json;
	check->claimslen = jsonlen;
}

/*
 * JwtCheckFree
 *		Free what a verdict holds.
 */
void
JwtCheckFree(JwtCheck *check)
{
	if (check->claims != NULL)
		pfree(check->claims);
	check->claims = NULL;
}
