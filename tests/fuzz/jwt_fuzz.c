/*-------------------------------------------------------------------------
 *
 * jwt_fuzz.c
 *	  libFuzzer harness over the extension's token verification: JwtVerify
 *	  of extension/src/jwt.c, the code the server runs, built with
 *	  -DFRONTEND against PostgreSQL's libpgcommon and libpgport (their
 *	  base64, HMAC and JSON parser) and with AddressSanitizer and
 *	  UndefinedBehaviorSanitizer.  tests/fuzz/run.sh builds and runs it.
 *
 * The first byte of an input picks how the rest becomes a token, so that
 * the fuzzer reaches every check, not only the signature's:
 *
 *	 0  the rest is the token;
 *	 1  the rest is "header.payload", signed here;
 *	 2  the rest is the header's JSON, a NUL byte, the payload's JSON:
 *		encoded and signed here;
 *	 3  as 2, with the signature of something else.
 *
 * Beyond the sanitizers, each input must keep these properties (a broken
 * one aborts, which libFuzzer reports as a crash):
 *
 *	 - the verdict is one of JwtStatus, and the same input gets it twice;
 *	 - a token is accepted only with the canonical HMAC of its first two
 *	   parts: no forged or altered signature, no second spelling of one;
 *	 - a token signed here is never refused for its signature, and one
 *	   signed for something else is never accepted;
 *	 - accepted claims are a JSON object of claimslen bytes of UTF-8, and
 *	   the token is within its exp and nbf.
 *
 * tests/fuzz/jwt_fuzz.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#include "jwt.h"

#define FUZZ_SECRET		"pgticket-demo-secret"
#define FUZZ_NOW		1767225600.0	/* 2026-01-01T00:00:00Z */

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

static void
Violated(const char *property)
{
	fprintf(stderr, "jwt_fuzz: property violated: %s\n", property);
	abort();
}

/* "a.b" and its signature: a.b.base64url(HMAC(a.b)) */
static char *
Signed(const char *input, int len, bool wrong)
{
	uint8		mac[JWT_MAC_LENGTH];
	char	   *sig;
	char	   *token;

	if (!JwtHs256(FUZZ_SECRET, strlen(FUZZ_SECRET), input, len, mac))
		Violated("HMAC computed");
	if (wrong)
		mac[0] ^= 1;
	sig = JwtBase64UrlEncode(mac, sizeof(mac));
	token = psprintf("%.*s.%s", len, input, sig);
	pfree(sig);
	return token;
}

/* the header's and the payload's JSON, encoded as a token's first parts */
static char *
Encoded(const char *rest, int len)
{
	const char *nul = memchr(rest, '\0', len);
	int			hlen = nul ? nul - rest : len;
	char	   *h = JwtBase64UrlEncode((const uint8 *) rest, hlen);
	char	   *p = nul ? JwtBase64UrlEncode((const uint8 *) nul + 1,
											 len - hlen - 1)
		: pstrdup("");
	char	   *input = psprintf("%s.%s", h, p);

	pfree(h);
	pfree(p);
	return input;
}

static void
CheckAccepted(const char *token, int len, const JwtCheck *check)
{
	const char *dot2 = strrchr(token, '.');
	char	   *canonical;
	JsonLexContext *lex;
	JsonParseErrorType rc;

	/* the canonical signature of the first two parts, and no other */
	if (dot2 == NULL)
		Violated("an accepted token has periods");
	canonical = Signed(token, dot2 - token, false);
	if ((int) strlen(canonical) != len || memcmp(canonical, token, len) != 0)
		Violated("an accepted token carries the canonical HMAC of its first "
				 "two parts");
	pfree(canonical);

	if (check->claims == NULL ||
		(int) strlen(check->claims) != check->claimslen ||
		pg_encoding_verifymbstr(PG_UTF8, check->claims, check->claimslen) !=
		check->claimslen)
		Violated("accepted claims are claimslen bytes of UTF-8");
	lex = makeJsonLexContextCstringLen(check->claims, check->claimslen,
									   PG_UTF8, true);
	rc = pg_parse_json(lex, &nullSemAction);
	pfree(lex->strval->data);
	pfree(lex->strval);
	pfree(lex);
	/* JSON may begin with whitespace (regress/payload-with-leading-...) */
	if (rc != JSON_SUCCESS ||
		check->claims[strspn(check->claims, " \t\n\r")] != '{')
		Violated("accepted claims are a JSON object");
	if ((check->exp >= 0 && FUZZ_NOW >= check->exp) ||
		(check->nbf >= 0 && FUZZ_NOW < check->nbf))
		Violated("an accepted token is within its exp and nbf");
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	int			mode;
	const char *rest;
	int			restlen;
	char	   *token;
	int			len;
	char	   *input;
	JwtCheck	check;
	JwtCheck	again;

	if (size < 1 || size > JWT_MAX_LENGTH + 64)
		return 0;
	mode = data[0] % 4;
	rest = (const char *) data + 1;
	restlen = size - 1;
	if (mode == 1)				/* text to sign: up to a NUL */
		restlen = strnlen(rest, restlen);

	switch (mode)
	{
		case 1:
			token = Signed(rest, restlen, false);
			break;
		case 2:
		case 3:
			input = Encoded(rest, restlen);
			token = Signed(input, strlen(input), mode == 3);
			pfree(input);
			break;
		default:
			token = palloc(restlen + 1);
			memcpy(token, rest, restlen);
			token[restlen] = '\0';
			break;
	}
	len = (mode == 0) ? restlen : (int) strlen(token);

	JwtVerify(token, len, FUZZ_SECRET, strlen(FUZZ_SECRET), FUZZ_NOW, &check);
	JwtVerify(token, len, FUZZ_SECRET, strlen(FUZZ_SECRET), FUZZ_NOW, &again);

	if (check.status < JWT_OK || check.status > JWT_INTERNAL)
		Violated("the verdict is a JwtStatus");
	if (check.status != again.status || check.exp != again.exp ||
		check.nbf != again.nbf)
		Violated("the same token gets the same verdict");
	if (check.status == JWT_INTERNAL)
		Violated("the HMAC can be computed");
	if (mode != 0 && mode != 3 && check.status == JWT_SIGNATURE)
		Violated("a token signed here is not refused for its signature");
	if (mode == 3 && check.status == JWT_OK)
		Violated("a token signed for something else is refused");
	if (check.status == JWT_OK)
		CheckAccepted(token, len, &check);

	JwtCheckFree(&check);
	JwtCheckFree(&again);
	pfree(token);
	return 0;
}
