/*-------------------------------------------------------------------------
 *
 * resume.c
 *	  The fields of an API 000 (resume-service) request.
 *
 * POST /api/v1/customers/{customerId}/tickets reads the path's customerId
 * and a dozen body fields, each checked for presence, JSON type and
 * shape.  As PL/pgSQL that was some sixty expressions and fifteen calls of
 * helper functions, set up again in every transaction, and a
 * subtransaction for the dispatch time's cast: about a sixth of the
 * request.  Here it is one call.  What it answers (values, messages,
 * the order in which fields are refused) is what the PL/pgSQL version
 * answered, save that a dispatch time whose offset is out of range
 * (+16:00) is refused as malformed, naming the field, not with the
 * cast's own message.
 *
 * extension/src/resume.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/numeric.h"

#define ERRCODE_PGTICKET_BAD_REQUEST	MAKE_SQLSTATE('P','T','4','0','0')

/* contract.md 000: what an e-mail address looks like */
#define RESUME_EMAIL_PATTERN	"^[^@[:space:]]+@[^@[:space:]]+$"

/* The columns of pgticket.resume_request, in order */
enum
{
	RQ_CUSTOMER_ID,
	RQ_REASON_CODE,
	RQ_REASON,
	RQ_DISPATCH_AT,
	RQ_SERVICE_ID,
	RQ_SERVICE_CODE,
	RQ_SERVICE_DESCRIPTION,
	RQ_REQUESTOR,
	RQ_ASSIGNED_TO_USER,
	RQ_NATTS
};

PG_FUNCTION_INFO_V1(pgticket_resume_request);

/* PT400 with the message the facade answers */
#define bad_field(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_PGTICKET_BAD_REQUEST), errmsg(__VA_ARGS__)))

/* The member key of an object, or NULL: -> on anything else is NULL */
static JsonbValue *
member(JsonbValue *object, const char *key, JsonbValue *buf)
{
	if (object == NULL || object->type != jbvBinary ||
		!JsonContainerIsObject(object->val.binary.data))
		return NULL;
	return getKeyJsonValueFromContainer(object->val.binary.data, key,
										strlen(key), buf);
}

/* jsonb_typeof's name for a value, as the messages say it */
static const char *
kind_of(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return "a string";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data)
				? "an object" : "a list";
		default:
			return "a number";
	}
}

/* A JSON scalar's text, as #>> '{}' gives it (v a string or a number) */
static char *
scalar_text(JsonbValue *v)
{
	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	return DatumGetCString(DirectFunctionCall1(numeric_out,
											   NumericGetDatum(v->val.numeric)));
}

/*
 * A string field (a JSON number is taken as its text): NULL when absent or
 * null and not required; "required" when blank (spaces) and required.
 */
static char *
string_field(JsonbValue *v, const char *name, bool required)
{
	char	   *s;

	if (v == NULL || v->type == jbvNull)
	{
		if (required)
			bad_field("The %s field is required", name);
		return NULL;
	}
	if (v->type != jbvString && v->type != jbvNumeric)
		bad_field("The %s field must be a string", name);
	s = scalar_text(v);
	if (required && s[strspn(s, " ")] == '\0')
		bad_field("The %s field is required", name);
	return s;
}

/* An object field: NULL when absent or null and not required */
static JsonbValue *
object_field(JsonbValue *v, const char *name, bool required)
{
	if (v == NULL || v->type == jbvNull)
	{
		if (required)
			bad_field("The %s field is required", name);
		return NULL;
	}
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		bad_field("The %s field must be an object", name);
	return v;
}

/* Whether s matches an ARE as "s ~ pattern" does (the database collation) */
static bool
matches(const char *s, const char *pattern)
{
	return DatumGetBool(DirectFunctionCall2Coll(textregexeq,
												DEFAULT_COLLATION_OID,
												CStringGetTextDatum(s),
												CStringGetTextDatum(pattern)));
}

#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')

/* Whether the n characters at *p are digits; *p moves past them */
static bool
skip_digits(const char **p, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!IS_DIGIT((*p)[i]))
			return false;
	*p += n;
	return true;
}

/*
 * Whether s is an ISO 8601 date and time in extended format, as the
 * regular expression ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}
 * (:[0-9]{2}([.,][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$ has it.
 * A loop, not the regex: PostgreSQL's engine builds a counted
 * repetition's states again on every match (1 us).
 */
static bool
is_iso8601(const char *p)
{
	int			n;

	if (!skip_digits(&p, 4) || *p++ != '-' || !skip_digits(&p, 2) ||
		*p++ != '-' || !skip_digits(&p, 2) || *p++ != 'T' ||
		!skip_digits(&p, 2) || *p++ != ':' || !skip_digits(&p, 2))
		return false;
	if (*p == ':')
	{
		p++;
		if (!skip_digits(&p, 2))
			return false;
		if (*p == '.' || *p == ',')
		{
			for (p++, n = 0; n < 9 && IS_DIGIT(*p); n++)
				p++;
			if (n == 0)
				return false;
		}
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		p++;
		if (!skip_digits(&p, 2))
			return false;
		if (*p == ':' || IS_DIGIT(*p))
		{
			p += *p == ':';
			if (!skip_digits(&p, 2))
				return false;
		}
	}
	return *p == '\0';
}

/*
 * Whether s is a phone number as contract.md 000 has it: the regular
 * expression ^\+?[0-9][0-9 ()-]{0,31}$, as a loop (see is_iso8601)
 */
static bool
is_phone(const char *p)
{
	int			n;

	p += *p == '+';
	if (!IS_DIGIT(*p))
		return false;
	for (p++, n = 0; *p != '\0'; p++, n++)
		if (n == 31 || !(IS_DIGIT(*p) || *p == ' ' || *p == '(' ||
						 *p == ')' || *p == '-'))
			return false;
	return true;
}

/*
 * The customer_id field: a whole number in any JSON spelling (7, 7.0,
 * 7e0), positive and within bigint (contract.md).
 */
static int64
customer_id_field(JsonbValue *v)
{
	Datum		n;
	Datum		whole;

	if (v == NULL || v->type == jbvNull)
		bad_field("The customer_id field is required");
	if (v->type != jbvNumeric)
		bad_field("The customer_id field must be a number, not %s",
				  kind_of(v));
	n = NumericGetDatum(v->val.numeric);
	whole = DirectFunctionCall2(numeric_trunc, n, Int32GetDatum(0));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, n, whole)) != 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall1(int8_numeric,
															  Int64GetDatum(1)))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall1(int8_numeric,
															  Int64GetDatum(PG_INT64_MAX)))) > 0)
		bad_field("The customer_id field must be a positive whole number");
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, n));
}

/*
 * The customerId of the path: a whole number in any JSON spelling, as
 * pgticket.parse_whole_number reads request -> 'params' ->> 'customerId'.
 */
static int64
path_customer_id(JsonbValue *request)
{
	JsonbValue	pbuf;
	JsonbValue	vbuf;
	JsonbValue *v;
	int64		id;

	v = member(member(request, "params", &pbuf), "customerId", &vbuf);
	if (v == NULL || (v->type != jbvString && v->type != jbvNumeric) ||
		!PgticketWholeNumber(scalar_text(v), &id) || id < 1)
		bad_field("The customerId in the path must be a positive whole number");
	return id;
}

/*
 * The dispatch time: an ISO 8601 date and time in extended format, read
 * as a timestamptz (without an offset, in the session's time zone) and
 * in the future.  Parsed as timestamptz_in parses, but an impossible
 * date, an offset out of range or a year past timestamptz's range is
 * the field's 400, not the cast's error.
 */
static TimestampTz
dispatch_field(JsonbValue *v)
{
	char	   *s = string_field(v, "dispatch_date_time", true);
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	struct pg_tm tt;
	fsec_t		fsec;
	int			tz;
	TimestampTz result;
	char	   *comma;

	if (!is_iso8601(s))
		goto malformed;
	if ((comma = strchr(s, ',')) != NULL)
		*comma = '.';
	if (ParseDateTime(s, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0 ||
		DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, &tz) != 0 ||
		dtype != DTK_DATE || tm2timestamp(&tt, fsec, &tz, &result) != 0)
		goto malformed;
	if (result <= GetCurrentTransactionStartTimestamp())
		bad_field("The dispatch_date_time field must be in the future");
	return result;

malformed:
	bad_field("The dispatch_date_time field must be an ISO 8601 date and time, such as 2030-01-31T09:00:00Z");
}

/* A text column that is NULL when s is */
static Datum
optional_text(const char *s, bool *isnull)
{
	*isnull = s == NULL;
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* Add key: value to the object being built, when value is not NULL */
static void
push_string(JsonbParseState **state, const char *key, const char *value)
{
	JsonbValue	jv;

	if (value == NULL)
		return;
	jv.type = jbvString;
	jv.val.string.val = (char *) key;
	jv.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &jv);
	jv.val.string.val = (char *) value;
	jv.val.string.len = strlen(value);
	pushJsonbValue(state, WJB_VALUE, &jv);
}

/*
 * pgticket_resume_request
 *		pgticket.resume_request(request jsonb) returns pgticket.resume_request
 *
 * The path's customerId and the body's fields of a 000 request, checked in
 * the contract's order: customerId, customer_id (equal to it),
 * reason_code, reason, dispatch_date_time, service (id, code,
 * description), requestor_info (name, phone, email), assigned_to_user.
 * PT400 naming the first field that is wrong.  requestor is the
 * requestor_info fields given, as strings ({} for none).
 */
Datum
pgticket_resume_request(PG_FUNCTION_ARGS)
{
	Jsonb	   *request;
	JsonbValue	root;
	JsonbValue	bbuf;
	JsonbValue	buf;
	JsonbValue	sbuf;
	JsonbValue	rbuf;
	JsonbValue *body;
	JsonbValue *service;
	JsonbValue *requestor;
	TupleDesc	tupdesc;
	Datum		values[RQ_NATTS];
	bool		nulls[RQ_NATTS];
	int64		body_id;
	char	   *s;
	char	   *name;
	char	   *phone;
	char	   *email;
	JsonbParseState *state = NULL;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "request");
	request = PG_GETARG_JSONB_P(0);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE ||
		tupdesc->natts != RQ_NATTS)
		elog(ERROR, "resume_request: unexpected result type");
	root.type = jbvBinary;
	root.val.binary.data = &request->root;
	root.val.binary.len = VARSIZE(request) - VARHDRSZ;
	body = member(&root, "body", &bbuf);
	memset(nulls, false, sizeof(nulls));

	values[RQ_CUSTOMER_ID] = Int64GetDatum(path_customer_id(&root));
	body_id = customer_id_field(member(body, "customer_id", &buf));
	if (body_id != DatumGetInt64(values[RQ_CUSTOMER_ID]))
		bad_field("The customer_id field (" INT64_FORMAT ") must equal the customerId in the path (" INT64_FORMAT ")",
				  body_id, DatumGetInt64(values[RQ_CUSTOMER_ID]));

	s = string_field(member(body, "reason_code", &buf), "reason_code", true);
	values[RQ_REASON_CODE] = CStringGetTextDatum(s);
	s = string_field(member(body, "reason", &buf), "reason", false);
	values[RQ_REASON] = optional_text(s, &nulls[RQ_REASON]);
	values[RQ_DISPATCH_AT] =
		TimestampTzGetDatum(dispatch_field(member(body, "dispatch_date_time",
												  &buf)));

	service = object_field(member(body, "service", &sbuf), "service", true);
	s = string_field(member(service, "id", &buf), "service.id", true);
	values[RQ_SERVICE_ID] = CStringGetTextDatum(s);
	s = string_field(member(service, "code", &buf), "service.code", true);
	values[RQ_SERVICE_CODE] = CStringGetTextDatum(s);
	s = string_field(member(service, "description", &buf),
					 "service.description", false);
	values[RQ_SERVICE_DESCRIPTION] =
		optional_text(s, &nulls[RQ_SERVICE_DESCRIPTION]);

	requestor = object_field(member(body, "requestor_info", &rbuf),
							 "requestor_info", false);
	name = string_field(member(requestor, "name", &buf),
						"requestor_info.name", false);
	phone = string_field(member(requestor, "phone", &buf),
						 "requestor_info.phone", false);
	if (phone != NULL && !is_phone(phone))
		bad_field("The requestor_info.phone field must be a phone number");
	email = string_field(member(requestor, "email", &buf),
						 "requestor_info.email", false);
	if (email != NULL && !matches(email, RESUME_EMAIL_PATTERN))
		bad_field("The requestor_info.email field must be an e-mail address");
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	push_string(&state, "name", name);
	push_string(&state, "phone", phone);
	push_string(&state, "email", email);
	values[RQ_REQUESTOR] =
		JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state,
														WJB_END_OBJECT,
														NULL)));

	s = string_field(member(body, "assigned_to_user", &buf),
					 "assigned_to_user", false);
	values[RQ_ASSIGNED_TO_USER] =
		optional_text(s, &nulls[RQ_ASSIGNED_TO_USER]);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
