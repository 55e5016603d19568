/*-------------------------------------------------------------------------
 *
 * crm.c
 *	  The checks every API 001 (CRM) request goes through.
 *
 * Each CRM facade first checks the six mandatory headers in the contract's
 * order, the operation, the srdate date, then the token and the contact
 * number its sub names (contract.md 001).  As PL/pgSQL that was a dozen
 * expressions and two regular expressions set up again in every
 * transaction, and a second PL/pgSQL function for the token: some 40 us
 * per request, a quarter of GET /crm/v1/ticket/details.  Here it is one
 * call; what it answers (results, SQLSTATEs, messages, the order in which
 * things are refused) is what the PL/pgSQL version answered.
 *
 * extension/src/crm.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#define ERRCODE_PGTICKET_BAD_REQUEST	MAKE_SQLSTATE('P','T','4','0','0')

PG_FUNCTION_INFO_V1(pgticket_crm_token_contact);

/* The mandatory headers in the contract's order: key as nginx sends it */
static const struct
{
	const char *key;			/* lower case, as nginx sends header names */
	const char *name;			/* as the contract and the errors name it */
}			crm_headers[] = {
	{"token", "token"},
	{"correlationid", "correlationId"},
	{"source", "source"},
	{"srdate", "srdate"},
	{"operation", "operation"},
	{"destination", "destination"},
};

/*
 * The text of key in an object container as "->>" gives it (strings
 * unquoted, numbers and booleans as JSON text, arrays and objects as
 * JSON), or NULL when the container is not an object, has no such key or
 * holds JSON null there.
 */
static char *
member_text(JsonbContainer *container, const char *key, int *len)
{
	JsonbValue	buf;
	JsonbValue *v;
	StringInfoData s;

	if (container == NULL || !JsonContainerIsObject(container))
		return NULL;
	v = getKeyJsonValueFromContainer(container, key, strlen(key), &buf);
	if (v == NULL)
		return NULL;
	switch (v->type)
	{
		case jbvString:
			*len = v->val.string.len;
			return v->val.string.val;
		case jbvNumeric:
			s.data = DatumGetCString(DirectFunctionCall1(numeric_out,
								NumericGetDatum(v->val.numeric)));
			*len = strlen(s.data);
			return s.data;
		case jbvBool:
			*len = v->val.boolean ? 4 : 5;
			return v->val.boolean ? "true" : "false";
		case jbvBinary:
			initStringInfo(&s);
			JsonbToCString(&s, v->val.binary.data, -1);
			*len = s.len;
			return s.data;
		default:
			return NULL;		/* JSON null */
	}
}

/* Whether a header is absent or blank: btrim() leaves "" (spaces only) */
static bool
is_blank(const char *s, int len)
{
	int			i;

	if (s == NULL)
		return true;
	for (i = 0; i < len; i++)
		if (s[i] != ' ')
			return false;
	return true;
}

static void crm_refuse(const char *message) pg_attribute_noreturn();

/* PT400 with the message the client sees, as pgticket.req_fail raises it */
static void
crm_refuse(const char *message)
{
	ereport(ERROR,
			(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
			 errmsg_internal("%s", message)));
}

/* Whether the n bytes at s are all ASCII digits */
static bool
digits(const char *s, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Whether s is a real date written dd-mm-yyyy: years 0001 to 9999,
 * Gregorian leap years (the srdate header, as parse_dmy_hm reads dates).
 */
static bool
is_dmy_date(const char *s, int len)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			day;
	int			month;
	int			year;
	int			last;

	if (s == NULL || len != 10 || s[2] != '-' || s[5] != '-' ||
		!digits(s, 2) || !digits(s + 3, 2) || !digits(s + 6, 4))
		return false;
	day = (s[0] - '0') * 10 + (s[1] - '0');
	month = (s[3] - '0') * 10 + (s[4] - '0');
	year = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 +
		(s[9] - '0');
	if (month < 1 || month > 12 || year == 0)
		return false;
	last = mdays[month - 1];
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		last = 29;
	return day >= 1 && day <= last;
}

/*
 * The contact number a token's sub names: "12x<n>" or "<n>", n plain
 * decimal digits (at most 19) that fit in bigint; false for anything else.
 */
static bool
sub_contact(const char *s, int len, int64 *contact)
{
	uint64		n = 0;
	int			i;

	if (s == NULL)
		return false;
	if (len > 3 && strncmp(s, "12x", 3) == 0)
	{
		s += 3;
		len -= 3;
	}
	if (len < 1 || len > 19 || !digits(s, len))
		return false;
	for (i = 0; i < len; i++)
		n = n * 10 + (s[i] - '0');	/* 19 digits fit in uint64 */
	if (n > (uint64) PG_INT64_MAX)
		return false;
	*contact = (int64) n;
	return true;
}

/*
 * pgticket_crm_token_contact
 *		pgticket.crm_token_contact(request jsonb, operation text,
 *								   need_token boolean) returns bigint
 *
 * The mandatory headers (the first absent or blank one in the contract's
 * order: PT400 "Header '<name>' not present in the request."; the token
 * only with need_token), operation equal to the endpoint's (unless NULL),
 * srdate a dd-mm-yyyy date; then, with need_token (NULL counts as true),
 * the claims of the token under the token_secret setting (PT401, 55000 as
 * pgticket.token_claims) and the contact number its sub names, NULL when
 * it names none.  NULL without need_token.
 */
Datum
pgticket_crm_token_contact(PG_FUNCTION_ARGS)
{
	JsonbContainer *headers = NULL;
	bool		need_token = PG_ARGISNULL(2) || PG_GETARG_BOOL(2);
	char	   *value;
	int			len = 0;
	int			i;
	Jsonb	   *claims;
	int64		contact;

	if (!PG_ARGISNULL(0))
	{
		Jsonb	   *request = PG_GETARG_JSONB_P(0);
		JsonbValue	buf;
		JsonbValue *h = NULL;

		if (JB_ROOT_IS_OBJECT(request))
			h = getKeyJsonValueFromContainer(&request->root, "headers", 7,
											 &buf);
		if (h != NULL && h->type == jbvBinary)
			headers = h->val.binary.data;
	}

	for (i = need_token ? 0 : 1; i < (int) lengthof(crm_headers); i++)
	{
		value = member_text(headers, crm_headers[i].key, &len);
		if (is_blank(value, len))
			crm_refuse(psprintf("Header '%s' not present in the request.",
								crm_headers[i].name));
	}
	if (!PG_ARGISNULL(1))
	{
		text	   *operation = PG_GETARG_TEXT_PP(1);

		value = member_text(headers, "operation", &len);
		if (len != (int) VARSIZE_ANY_EXHDR(operation) ||
			memcmp(value, VARDATA_ANY(operation), len) != 0)
			crm_refuse(psprintf("Header 'operation' must be '%s' for this "
								"service.", text_to_cstring(operation)));
	}
	value = member_text(headers, "srdate", &len);
	if (!is_dmy_date(value, len))
		crm_refuse("Header 'srdate' must be a date as dd-mm-yyyy.");
	if (!need_token)
		PG_RETURN_NULL();

	value = member_text(headers, "token", &len);
	claims = TokenVerify(cstring_to_text_with_len(value, len), TokenSecret(),
						 GetCurrentTransactionStartTimestamp());
	value = member_text(&claims->root, "sub", &len);
	if (!sub_contact(value, len, &contact))
		PG_RETURN_NULL();
	PG_RETURN_INT64(contact);
}
