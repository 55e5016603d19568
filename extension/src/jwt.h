/*-------------------------------------------------------------------------
 *
 * jwt.h
 *	  HS256 JSON Web Tokens (RFC 7519): the parsing and checking, apart from
 *	  the server.
 *
 * JwtVerify() decides whether a token is good and, if not, why; it uses
 * only what PostgreSQL's src/common offers both the server and client
 * programs (base64, HMAC, the JSON parser, UTF-8 checks, palloc), so the
 * same code is compiled into the extension (token.c turns its verdict into
 * PT401 errors and jsonb) and, with libpgcommon and libpgport, into the
 * fuzzer of tests/fuzz (built with -DFRONTEND).
 *
 * extension/src/jwt.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGTICKET_JWT_H
#define PGTICKET_JWT_H

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
 * token's claims always convert to jsonb.
 */
#define JWT_MAX_NUMBER_LENGTH	1000

#define JWT_MAC_LENGTH			32	/* HMAC-SHA256 */

/* What is wrong with a token, in the order JwtVerify looks */
typedef enum JwtStatus
{
	JWT_OK,
	JWT_TOO_LONG,				/* over JWT_MAX_LENGTH bytes */
	JWT_PARTS,					/* not exactly two periods (dots) */
	JWT_BASE64,					/* a part (part) is not unpadded base64url */
	JWT_UTF8,					/* a part holds NUL or invalid UTF-8 */
	JWT_JSON,					/* a part is not JSON jsonb can hold */
	JWT_NOT_OBJECT,				/* a part is JSON, but not an object */
	JWT_ALG_NONE,				/* the header's alg is "none", in any case */
	JWT_ALG,					/* alg is missing or other than "HS256" */
	JWT_CRIT,					/* the header has a crit member */
	JWT_SIGNATURE,				/* the signature is not the HMAC */
	JWT_TIME,					/* a time claim (claim) is not a time */
	JWT_EXPIRED,				/* now >= exp */
	JWT_NOT_YET,				/* now < nbf */
	JWT_INTERNAL				/* the HMAC could not be computed */
} JwtStatus;

/* The verdict on a token */
typedef struct JwtCheck
{
	JwtStatus	status;
	const char *part;			/* "header" or "payload" (decoding errors) */
	const char *claim;			/* "exp" or "nbf" (JWT_TIME) */
	int			dots;			/* periods in the token (JWT_PARTS) */
	double		exp;			/* time claims in seconds, -1 when absent */
	double		nbf;
	char	   *claims;			/* JWT_OK: the payload, NUL-terminated JSON */
	int			claimslen;
} JwtCheck;

extern void JwtVerify(const char *token, int len, const char *secret,
					  int secretlen, double now, JwtCheck *check);
extern void JwtCheckFree(JwtCheck *check);
extern bool JwtHs256(const char *secret, int secretlen, const char *data,
					 int len, uint8 *mac);
extern char *JwtBase64UrlEncode(const uint8 *src, int len);
extern bool TimingSafeEqual(const uint8 *a, const uint8 *b, int len);

#endif							/* PGTICKET_JWT_H */
