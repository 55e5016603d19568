/*-------------------------------------------------------------------------
 *
 * request.c
 *	  Reading the request document nginx sends: named parameters.
 *
 * Every facade reads several parameters per request with
 * pgticket.req_arg(request, name).  Written in SQL it was inlined into each
 * caller as some sixty expression nodes (three places, each tested for
 * absence, JSON null, array and object), and PL/pgSQL sets up and
 * permission-checks every node of an expression again in each
 * transaction: about 12 us per parameter read, more than most facades'
 * queries.  Here it is one call that looks the name up in each place once.
 * What it answers is unchanged (40_request.sql, contract.md "Errors, for
 * every API").
 *
 * extension/src/request.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/objectaccess.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#define ERRCODE_PGTICKET_BAD_REQUEST	MAKE_SQLSTATE('P','T','4','0','0')

PG_FUNCTION_INFO_V1(pgticket_req_arg);
PG_FUNCTION_INFO_V1(pgticket_helpdesk_number);
PG_FUNCTION_INFO_V1(pgticket_helpdesk_list_query);
PG_FUNCTION_INFO_V1(pgticket_queue_arg);
PG_FUNCTION_INFO_V1(pgticket_queue_list_query);
PG_FUNCTION_INFO_V1(pgticket_parse_uuid);

/*
 * The value of key in an object container, or NULL when the container is
 * not an object or has no such key.  *buf receives a scalar value.
 */
static JsonbValue *
object_member(JsonbContainer *container, const char *key, int keylen,
			  JsonbValue *buf)
{
	if (container == NULL || !JsonContainerIsObject(container))
		return NULL;
	return getKeyJsonValueFromContainer(container, key, keylen, buf);
}

/*
 * The parameter's text in one place (params, body or query), or NULL when
 * it is absent, JSON null or empty there.  An array or an object is the
 * 400 req_not_single raises: SQLSTATE PT400, the name in COLUMN.
 */
static text *
place_value(JsonbContainer *root, const char *place, text *name)
{
	JsonbValue	pbuf;
	JsonbValue	vbuf;
	JsonbValue *p;
	JsonbValue *v;
	char	   *nm;

	p = object_member(root, place, strlen(place), &pbuf);
	if (p == NULL || p->type != jbvBinary)
		return NULL;			/* "->" on a scalar gives NULL */
	v = object_member(p->val.binary.data, VARDATA_ANY(name),
					  VARSIZE_ANY_EXHDR(name), &vbuf);
	if (v == NULL)
		return NULL;

	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvString:
			if (v->val.string.len == 0)
				return NULL;
			return cstring_to_text_with_len(v->val.string.val,
											v->val.string.len);
		case jbvNumeric:
			return cstring_to_text(DatumGetCString(
				DirectFunctionCall1(numeric_out,
									NumericGetDatum(v->val.numeric))));
		case jbvBool:
			return cstring_to_text(v->val.boolean ? "true" : "false");
		case jbvBinary:
			nm = text_to_cstring(name);
			ereport(ERROR,
					(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
					 errmsg("The %s parameter must be a single value, not %s",
							nm,
							JsonContainerIsObject(v->val.binary.data)
							? "an object"
							: "a list (or a field given twice)"),
					 err_generic_string(PG_DIAG_COLUMN_NAME, nm)));
			break;
		default:
			break;
	}
	return NULL;
}

/*
 * The parameter as req_arg finds it: the first place (params, body,
 * query) where it is present, not null and not empty; NULL otherwise.
 */
static text *
req_arg_text(Jsonb *request, text *name)
{
	static const char *const places[] = {"params", "body", "query"};
	int			i;

	if (!JB_ROOT_IS_OBJECT(request))
		return NULL;
	for (i = 0; i < (int) lengthof(places); i++)
	{
		text	   *v = place_value(&request->root, places[i], name);

		if (v != NULL)
			return v;
	}
	return NULL;
}

/*
 * pgticket_req_arg
 *		pgticket.req_arg(request jsonb, name text) returns text
 *
 * The parameter from the path parameters, else the body (a JSON object or
 * form fields), else the query string: the first place where it is
 * present, not null and not empty.  Strings come without quotes, numbers
 * and booleans as their JSON text.  STRICT: NULL for NULL.
 */
Datum
pgticket_req_arg(PG_FUNCTION_ARGS)
{
	text	   *v = req_arg_text(PG_GETARG_JSONB_P(0), PG_GETARG_TEXT_PP(1));

	if (v == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(v);
}

/*
 * Whether s is a JSON number as pgticket.parse_json_number takes one:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,3})?, at most 64
 * characters.
 */
static bool
is_json_number(const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;
	int			digits;

	if (len > 64)
		return false;
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (p < end && *p == '.')
	{
		p++;
		for (digits = 0; p < end && *p >= '0' && *p <= '9'; digits++)
			p++;
		if (digits == 0)
			return false;
	}
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < end && (*p == '-' || *p == '+'))
			p++;
		for (digits = 0; p < end && *p >= '0' && *p <= '9'; digits++)
			p++;
		if (digits == 0 || digits > 3)
			return false;
	}
	return p == end;
}

/*
 * s as pgticket.parse_whole_number reads it: a JSON number (is_json_number)
 * that is whole and within bigint.
 */
bool
PgticketWholeNumber(const char *s, int64 *out)
{
	int			len = strlen(s);
	Datum		n;

	/* the usual id or count, 1 to 18 digits without a leading zero */
	if (len >= 1 && len <= 18 && strspn(s, "0123456789") == (size_t) len &&
		(s[0] != '0' || len == 1))
	{
		*out = strtoi64(s, NULL, 10);
		return true;
	}
	if (!is_json_number(s, len))
		return false;
	n = DirectFunctionCall3(numeric_in, CStringGetDatum(s),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall2(numeric_trunc, n,
															  Int32GetDatum(0)))) != 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall1(int8_numeric,
															  Int64GetDatum(PG_INT64_MIN)))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall1(int8_numeric,
															  Int64GetDatum(PG_INT64_MAX)))) > 0)
		return false;
	*out = DatumGetInt64(DirectFunctionCall1(numeric_int8, n));
	return true;
}

/*
 * Call name(argtypes) of the schema fn_oid is in: a C function deferring
 * to one of pgticket's SQL helpers, so that each rule is written once.
 * At most two arguments.  The result; *isnull says whether it is NULL
 * (isnull may be NULL when the callee is called for what it raises).
 * As a call from SQL: EXECUTE is checked, a strict callee with a NULL
 * argument answers NULL.  The callee runs in the caller's session: it
 * must SET its own search_path, or a DBA's hostile one changes what it
 * answers.
 */
static Datum
call_sibling(Oid fn_oid, const char *name, int nargs, Oid *argtypes,
			 Datum *args, bool *argnulls, bool *isnull)
{
	LOCAL_FCINFO(call, 2);
	FmgrInfo	flinfo;
	Oid			callee;
	AclResult	aclresult;
	Datum		result;
	int			i;

	Assert(nargs <= 2);
	callee = LookupFuncName(list_make2(makeString(get_namespace_name(
										   get_func_namespace(fn_oid))),
									   makeString(pstrdup(name))),
							nargs, argtypes, false);
	/* the EXECUTE check a call from SQL makes */
	aclresult = pg_proc_aclcheck(callee, GetUserId(), ACL_EXECUTE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FUNCTION, name);
	InvokeFunctionExecuteHook(callee);
	fmgr_info(callee, &flinfo);
	InitFunctionCallInfoData(*call, &flinfo, nargs, InvalidOid, NULL, NULL);
	for (i = 0; i < nargs; i++)
	{
		call->args[i].value = args[i];
		call->args[i].isnull = argnulls[i];
		if (argnulls[i] && flinfo.fn_strict)
		{
			if (isnull != NULL)
				*isnull = true;
			return (Datum) 0;
		}
	}
	result = FunctionCallInvoke(call);
	if (isnull != NULL)
		*isnull = call->isnull;
	return result;
}

/*
 * A whole-number parameter of API 004 (helpdesk_number below): false when
 * absent and not required, else true with the number in *out.  min and max
 * may be NULL: no bound.
 */
static bool
helpdesk_whole_number(Jsonb *request, text *name, bool required,
					  const int64 *min, const int64 *max, int64 *out)
{
	text	   *v = NULL;
	bool		bad;

	if (request != NULL && name != NULL)
		v = req_arg_text(request, name);
	if (v == NULL)
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
					 errmsg("The %s parameter is required",
							name ? text_to_cstring(name) : "")));
		return false;
	}

	/*
	 * A number outside bigint is outside [min, max] too, and a 400 with no
	 * bound either: a client's number, never 22003.  A NULL bound (a DBA's
	 * call; the facades pass both) is left out of the message.
	 */
	bad = !PgticketWholeNumber(text_to_cstring(v), out) ||
		(min != NULL && *out < *min) || (max != NULL && *out > *max);
	if (bad && min != NULL && max != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
				 errmsg("The %s parameter must be a whole number from "
						INT64_FORMAT " to " INT64_FORMAT,
						text_to_cstring(name), *min, *max)));
	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
				 errmsg("The %s parameter must be a whole number%s",
						text_to_cstring(name),
						min ? psprintf(", " INT64_FORMAT " or more", *min) :
						max ? psprintf(", at most " INT64_FORMAT, *max) :
						"")));
	return true;
}

/*
 * pgticket_helpdesk_number
 *		pgticket.helpdesk_number(request jsonb, name text, required boolean,
 *								 min bigint, max bigint) returns bigint
 *
 * A whole-number parameter of API 004 in any JSON spelling, from min to
 * max; NULL when absent and not required.  PT400 naming the parameter
 * otherwise.  In C because every 004 facade reads one to three of them:
 * as PL/pgSQL each read set up its half-dozen expressions again in every
 * transaction (about 10 us).  It answers what the PL/pgSQL version did,
 * NULL arguments included (a NULL bound is no bound, as "n < NULL" was).
 */
Datum
pgticket_helpdesk_number(PG_FUNCTION_ARGS)
{
	int64		min = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3);
	int64		max = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT64(4);
	int64		n;

	if (!helpdesk_whole_number(PG_ARGISNULL(0) ? NULL : PG_GETARG_JSONB_P(0),
							   PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1),
							   !PG_ARGISNULL(2) && PG_GETARG_BOOL(2),
							   PG_ARGISNULL(3) ? NULL : &min,
							   PG_ARGISNULL(4) ? NULL : &max, &n))
		PG_RETURN_NULL();
	PG_RETURN_INT64(n);
}

/*
 * A date filter of get_tickets: NULL when absent, else the date as
 * pgticket.parse_dmy_hm (in the schema of fn_oid, the caller's) reads it,
 * PT400 naming the parameter when it cannot.  toDate includes its whole
 * minute, or its whole day when written without a time.
 */
static bool
helpdesk_date(Jsonb *request, const char *name, bool is_end, Oid fn_oid,
			  Datum *out)
{
	text	   *v = req_arg_text(request, cstring_to_text(name));
	Oid			argtype = TEXTOID;
	Datum		arg;
	bool		argnull = false;
	bool		isnull;
	Datum		ts;
	Interval	span = {0};

	if (v == NULL)
		return false;
	arg = PointerGetDatum(v);
	ts = call_sibling(fn_oid, "parse_dmy_hm", 1, &argtype, &arg, &argnull,
					  &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
				 errmsg("The %s parameter must be a date as dd-mm-yyyy H:m",
						name)));
	if (is_end)
	{
		if (memchr(VARDATA_ANY(v), ':', VARSIZE_ANY_EXHDR(v)) != NULL)
			span.time = USECS_PER_MINUTE;
		else
			span.day = 1;
		ts = DirectFunctionCall2(timestamptz_pl_interval, ts,
								 IntervalPGetDatum(&span));
	}
	*out = ts;
	return true;
}

/*
 * The composite a *_list_query function returns, natts columns, blessed
 * for heap_form_tuple.
 */
static TupleDesc
list_query_type(FunctionCallInfo fcinfo, int natts)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE ||
		tupdesc->natts != natts)
		elog(ERROR, "%s: unexpected result type",
			 get_func_name(fcinfo->flinfo->fn_oid));
	return BlessTupleDesc(tupdesc);
}

/*
 * pgticket_helpdesk_list_query
 *		pgticket.helpdesk_list_query(request jsonb)
 *		returns pgticket.helpdesk_list_query
 *
 * What get_tickets reads after userId, checked in its order: limit (1 to
 * 1000, default 100), offset (0 or more, default 0), status (one of the
 * filters, default "all"), assigned_admin, fromDate, toDate (never
 * before fromDate).  One call
 * instead of some fifteen PL/pgSQL expressions: get_tickets is 004's
 * hottest read, and PL/pgSQL sets each expression up again in every
 * transaction.
 */
Datum
pgticket_helpdesk_list_query(PG_FUNCTION_ARGS)
{
	/* contract.md 004: the status filters (helpdesk_status_categories) */
	static const char *const filters[] = {
		"unresolved", "overdue", "duetoday", "open", "onhold", "unassigned",
		"resolved", "closed", "all"
	};
	static const int64 limit_min = 1;
	static const int64 limit_max = 1000;
	static const int64 offset_min = 0;
	static const int64 offset_max = PG_INT64_MAX;
	Jsonb	   *request;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6];
	int64		n;
	text	   *v;
	char	   *status;
	int			i;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "request");
	request = PG_GETARG_JSONB_P(0);
	tupdesc = list_query_type(fcinfo, lengthof(values));
	memset(nulls, false, sizeof(nulls));

	if (!helpdesk_whole_number(request, cstring_to_text("limit"), false,
							   &limit_min, &limit_max, &n))
		n = 100;
	values[0] = Int64GetDatum(n);
	if (!helpdesk_whole_number(request, cstring_to_text("offset"), false,
							   &offset_min, &offset_max, &n))
		n = 0;
	values[1] = Int64GetDatum(n);

	v = req_arg_text(request, cstring_to_text("status"));
	status = v ? text_to_cstring(v) : "all";
	for (i = 0; i < (int) lengthof(filters); i++)
		if (strcmp(status, filters[i]) == 0)
			break;
	if (i == (int) lengthof(filters))
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
				 errmsg("The status parameter must be one of unresolved, overdue, duetoday, open, onhold, unassigned, resolved, closed, all")));
	values[2] = CStringGetTextDatum(status);

	v = req_arg_text(request, cstring_to_text("assigned_admin"));
	values[3] = PointerGetDatum(v);
	nulls[3] = v == NULL;
	nulls[4] = !helpdesk_date(request, "fromDate", false,
							  fcinfo->flinfo->fn_oid, &values[4]);
	nulls[5] = !helpdesk_date(request, "toDate", true,
							  fcinfo->flinfo->fn_oid, &values[5]);

	/*
	 * fromDate after toDate is a window nothing is in: an empty range, as
	 * the comparisons of the admin's view read it, and not the error
	 * tstzrange() raises for a lower bound above the upper one.
	 */
	if (!nulls[4] && !nulls[5] &&
		DatumGetTimestampTz(values[5]) < DatumGetTimestampTz(values[4]))
		values[5] = values[4];
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}

/*
 * A parameter of API 002 (queue_arg below): NULL when absent, JSON null or
 * "".
 */
static text *
queue_arg_text(Jsonb *request, const char *name)
{
	static const char *const places[] = {"params", "body", "query"};
	int			i;

	if (!JB_ROOT_IS_OBJECT(request))
		return NULL;
	for (i = 0; i < (int) lengthof(places); i++)
	{
		JsonbValue	pbuf;
		JsonbValue	vbuf;
		JsonbValue *p;
		JsonbValue *v;

		p = object_member(&request->root, places[i], strlen(places[i]),
						  &pbuf);
		if (p == NULL || p->type != jbvBinary)
			continue;
		v = object_member(p->val.binary.data, name, strlen(name), &vbuf);
		if (v == NULL)
			continue;
		switch (v->type)
		{
			case jbvString:
				if (v->val.string.len == 0)
					return NULL;
				return cstring_to_text_with_len(v->val.string.val,
												v->val.string.len);
			case jbvNumeric:
				return cstring_to_text(DatumGetCString(
					DirectFunctionCall1(numeric_out,
										NumericGetDatum(v->val.numeric))));
			case jbvBool:
				return cstring_to_text(v->val.boolean ? "true" : "false");
			case jbvBinary:
				ereport(ERROR,
						(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
						 errmsg("The %s parameter must be a single value",
								name)));
				break;
			default:
				return NULL;	/* JSON null */
		}
	}
	return NULL;
}

/*
 * pgticket_queue_arg
 *		pgticket.queue_arg(request jsonb, name text) returns text
 *
 * A parameter of API 002: the first place (params, body when it is an
 * object, query) that has the key decides, even when it holds null or
 * "" (then NULL); an object or an array there is PT400 "The <name>
 * parameter must be a single value".  In C for the reason
 * helpdesk_number is.
 */
Datum
pgticket_queue_arg(PG_FUNCTION_ARGS)
{
	text	   *v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	v = queue_arg_text(PG_GETARG_JSONB_P(0),
					   text_to_cstring(PG_GETARG_TEXT_PP(1)));
	if (v == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(v);
}

/* A customer_id_number as contract.md 002 has it: ^[A-Za-z0-9-]{1,32}$ */
static bool
is_customer_id_number(text *v)
{
	const char *p = VARDATA_ANY(v);
	int			len = VARSIZE_ANY_EXHDR(v);
	int			i;

	if (len < 1 || len > 32)
		return false;
	for (i = 0; i < len; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
			  (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return false;
	return true;
}

/*
 * request -> 'query' ? key, as jsonb's ? answers it (jsonb_exists: a key of
 * an object, a string element of an array or a scalar), without copying
 * the query out into a jsonb of its own first
 */
static bool
query_has(Jsonb *request, const char *key)
{
	JsonbValue	buf;
	JsonbValue	k;
	JsonbValue *query;

	query = object_member(&request->root, "query", 5, &buf);
	if (query == NULL)
		return false;
	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	if (query->type != jbvBinary)
		return query->type == jbvString &&
			query->val.string.len == k.val.string.len &&
			memcmp(query->val.string.val, key, k.val.string.len) == 0;
	return findJsonbValueFromContainer(query->val.binary.data,
									   JB_FOBJECT | JB_FARRAY, &k) != NULL;
}

/*
 * A page bound of 002's list: NULL (false) when absent, else a whole
 * number in any JSON spelling from min to max, as pgticket.
 * parse_whole_number reads it; PT400 with message otherwise.
 */
static bool
queue_page_bound(Jsonb *request, const char *name, int64 min, int64 max,
				 const char *message, int64 *out)
{
	text	   *v = queue_arg_text(request, name);

	if (v == NULL)
		return false;
	if (!PgticketWholeNumber(text_to_cstring(v), out) ||
		*out < min || *out > max)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_BAD_REQUEST),
				 errmsg("%s", message)));
	return true;
}

/*
 * pgticket_queue_list_query
 *		pgticket.queue_list_query(request jsonb)
 *		returns pgticket.queue_list_query
 *
 * What list_tickets reads, checked in its order: customer_id_type and
 * customer_id_number (pgticket.queue_check_customer_id's refusals, which
 * it runs only when the pair is missing or the number malformed: a
 * customer the list finds has a configured type), offset (0 or more,
 * default 0), limit (1 to 50, default 10), fields (queue_fields, when the
 * query has it).  One call for the some ten expressions PL/pgSQL set up
 * again in every transaction.
 */
Datum
pgticket_queue_list_query(PG_FUNCTION_ARGS)
{
	Jsonb	   *request;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5];
	text	   *id_type;
	text	   *id_number;
	int64		n;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "request");
	request = PG_GETARG_JSONB_P(0);
	tupdesc = list_query_type(fcinfo, lengthof(values));
	memset(nulls, false, sizeof(nulls));

	id_type = queue_arg_text(request, "customer_id_type");
	id_number = queue_arg_text(request, "customer_id_number");
	if (id_type == NULL || id_number == NULL ||
		!is_customer_id_number(id_number))
	{
		Datum		args[2] = {PointerGetDatum(id_type),
		PointerGetDatum(id_number)};
		bool		argnulls[2] = {id_type == NULL, id_number == NULL};
		Oid			argtypes[2] = {TEXTOID, TEXTOID};

		call_sibling(fcinfo->flinfo->fn_oid, "queue_check_customer_id", 2,
					 argtypes, args, argnulls, NULL);
	}
	values[0] = PointerGetDatum(id_type);
	nulls[0] = id_type == NULL;
	values[1] = PointerGetDatum(id_number);
	nulls[1] = id_number == NULL;

	if (!queue_page_bound(request, "offset", 0, PG_INT64_MAX,
						  "The offset parameter must be a whole number, 0 or more",
						  &n))
		n = 0;
	values[2] = Int64GetDatum(n);
	if (!queue_page_bound(request, "limit", 1, 50,
						  "The limit parameter must be a whole number from 1 to 50",
						  &n))
		n = 10;
	values[3] = Int64GetDatum(n);

	nulls[4] = true;
	if (query_has(request, "fields"))
	{
		Datum		arg = PointerGetDatum(request);
		bool		argnull = false;
		Oid			argtype = JSONBOID;

		values[4] = call_sibling(fcinfo->flinfo->fn_oid, "queue_fields", 1,
								 &argtype, &arg, &argnull, &nulls[4]);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values,
													  nulls)));
}

/* The value of a hexadecimal digit, or -1 */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * pgticket_parse_uuid
 *		pgticket.parse_uuid(value text) returns uuid
 *
 * A uuid in its canonical spelling (8-4-4-4-12 hexadecimal digits, either
 * case), or NULL for anything else, NULL included.  uuid's input function
 * also takes braces and missing hyphens, and raises; an API id is only
 * ever written the canonical way, and a malformed one is the API's own
 * 400.  In C: as the regular expression it was, it cost 45,000
 * instructions a call (the regex engine builds its automaton's states again
 * on every match), 15 % of 002's GET of a ticket.
 */
Datum
pgticket_parse_uuid(PG_FUNCTION_ARGS)
{
	text	   *value;
	const char *s;
	pg_uuid_t  *uuid;
	int			i;
	int			n;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	value = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(value) != 36)
		PG_RETURN_NULL();
	s = VARDATA_ANY(value);
	uuid = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));
	for (i = 0, n = 0; i < 36; i++)
	{
		int			hi;
		int			lo;

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (s[i] != '-')
				PG_RETURN_NULL();
			continue;
		}
		hi = hex_value(s[i++]);
		lo = hex_value(s[i]);
		if (hi < 0 || lo < 0)
			PG_RETURN_NULL();
		uuid->data[n++] = (unsigned char) (hi << 4 | lo);
	}
	PG_RETURN_UUID_P(uuid);
}
