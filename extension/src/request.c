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

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#define ERRCODE_PGTICKET_BAD_REQUEST	MAKE_SQLSTATE('P','T','4','0','0')

PG_FUNCTION_INFO_V1(pgticket_req_arg);

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
	Jsonb	   *request = PG_GETARG_JSONB_P(0);
	text	   *name = PG_GETARG_TEXT_PP(1);
	static const char *const places[] = {"params", "body", "query"};
	int			i;

	if (!JB_ROOT_IS_OBJECT(request))
		PG_RETURN_NULL();
	for (i = 0; i < (int) lengthof(places); i++)
	{
		text	   *v = place_value(&request->root, places[i], name);

		if (v != NULL)
			PG_RETURN_TEXT_P(v);
	}
	PG_RETURN_NULL();
}
