/*-------------------------------------------------------------------------
 *
 * render.c
 *	  Rendering answers: compact JSON text.
 *
 * The facades build their bodies with json_build_object, which keeps the
 * keys in the order the seeds show but writes " : " and ", " between
 * them.  The contract wants compact JSON ({"status":"success",...}), so
 * pgticket.json_compact() drops the whitespace outside strings: one pass
 * over the bytes, nothing parsed or reordered.
 *
 * A 002 queue ticket is rendered here too (pgticket.queue_ticket_json): the
 * list renders up to fifty, and json_build_object spends about 4.5 us on
 * each 14-key object (it looks up the type of every argument, keys
 * included, on every call) and to_char another 0.4 us per time.  Here the
 * object is written compact from its columns, keys in the seed's order.
 * So are the objects whose values are all strings (pgticket.json_strings)
 * and the times the 004 and 001 answers show (pgticket.fmt_ts).
 *
 * extension/src/render.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

PG_FUNCTION_INFO_V1(pgticket_json_compact);
PG_FUNCTION_INFO_V1(pgticket_queue_ticket_json);
PG_FUNCTION_INFO_V1(pgticket_fmt_ts);
PG_FUNCTION_INFO_V1(pgticket_json_strings);

/*
 * pgticket_json_compact
 *		pgticket.json_compact(json) returns text
 *
 * The json value's text without insignificant whitespace.  The input is
 * valid JSON (the json type checked it), so a string ends at the first '"'
 * that no backslash escapes.
 */
Datum
pgticket_json_compact(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	const char *src = VARDATA_ANY(in);
	int			len = VARSIZE_ANY_EXHDR(in);
	text	   *out = (text *) palloc(len + VARHDRSZ);
	char	   *dst = VARDATA(out);
	bool		in_string = false;
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = src[i];

		if (in_string)
		{
			*dst++ = c;
			if (c == '\\' && i + 1 < len)
				*dst++ = src[++i];
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
		{
			*dst++ = c;
			in_string = true;
		}
		else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			*dst++ = c;
	}
	SET_VARSIZE(out, dst - VARDATA(out) + VARHDRSZ);
	PG_RETURN_TEXT_P(out);
}

/*
 * The keys of a 002 ticket, in the order the API renders them (contract.md
 * 002, Ticket; pgticket.queue_ticket_fields() lists the same).
 */
static const char *const queue_ticket_keys[] = {
	"id", "number", "status", "channel", "branch_id", "sector_id",
	"service_id", "customer_id_type", "customer_id_number", "phone",
	"created_at", "called_at", "finished_at", "position"
};

#define QUEUE_TICKET_NKEYS ((int) lengthof(queue_ticket_keys))

/* sep and two digits of v (0 .. 99) at p; returns the end */
static char *
append_2digits(char *p, char sep, int v)
{
	p[0] = sep;
	p[1] = '0' + v / 10;
	p[2] = '0' + v % 10;
	return p + 3;
}

/*
 * Append ts as "YYYY-MM-DDTHH:MM:SSZ" in UTC (utc), as pgticket.fmt_iso8601
 * writes it with to_char, or as "YYYY-MM-DD HH:MM:SS" in the session's time
 * zone, as to_char(ts, 'YYYY-MM-DD HH24:MI:SS') does: the year of a BC date
 * without its sign, at least four digits; the fraction of a second
 * dropped.  False for infinity, which to_char answers with NULL.
 */
static bool
append_timestamp(StringInfo buf, TimestampTz ts, bool utc)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;
	char		digits[12];
	char		out[32];
	char	   *p = out;
	int			year;
	int			len;
	int			i;

	if (TIMESTAMP_NOT_FINITE(ts))
		return false;
	if (timestamp2tm(ts, utc ? NULL : &tz, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	year = tm.tm_year > 0 ? tm.tm_year : -(tm.tm_year - 1);
	/* digits by hand: printf's format parsing was most of a ticket's cost */
	len = pg_ltoa(year, digits);
	for (i = len; i < 4; i++)
		*p++ = '0';
	memcpy(p, digits, len);
	p += len;
	p = append_2digits(append_2digits(p, '-', tm.tm_mon), '-', tm.tm_mday);
	p = append_2digits(p, utc ? 'T' : ' ', tm.tm_hour);
	p = append_2digits(append_2digits(p, ':', tm.tm_min), ':', tm.tm_sec);
	if (utc)
		*p++ = 'Z';
	appendBinaryStringInfo(buf, out, p - out);
	return true;
}

/*
 * pgticket_fmt_ts
 *		pgticket.fmt_ts(ts timestamptz) returns text
 *
 * ts as "YYYY-MM-DD HH:MM:SS" in the session's time zone, as
 * to_char(ts, 'YYYY-MM-DD HH24:MI:SS') writes it; '' for NULL and
 * infinity.  The 004 and 001 answers show every time so, several per
 * ticket: to_char parses its format on every call.
 */
Datum
pgticket_fmt_ts(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (!PG_ARGISNULL(0))
		append_timestamp(&buf, PG_GETARG_TIMESTAMPTZ(0), false);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/*
 * pgticket_json_strings
 *		pgticket.json_strings(VARIADIC keys_and_values text[]) returns json
 *
 * A compact JSON object of string members, keys and values alternating,
 * in the order given; a NULL value is null.  For the objects whose values
 * are all strings (004 tickets and messages, 001 tickets):
 * json_build_object looks up the output function of each argument's type,
 * keys included, on every call, most of what a rendered ticket cost.
 */
Datum
pgticket_json_strings(PG_FUNCTION_ARGS)
{
	ArrayType  *pairs;
	Datum	   *items;
	bool	   *nulls;
	int			n;
	int			i;
	StringInfoData buf;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "keys_and_values");
	pairs = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(pairs, TEXTOID, -1, false, TYPALIGN_INT,
					  &items, &nulls, &n);
	if (n % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument list must have even number of elements"),
				 errhint("The arguments of json_strings must consist of alternating keys and values.")));
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < n; i += 2)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("null value not allowed for object key")));
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		escape_json(&buf, TextDatumGetCString(items[i]));
		appendStringInfoChar(&buf, ':');
		if (nulls[i + 1])
			appendStringInfoString(&buf, "null");
		else
			escape_json(&buf, TextDatumGetCString(items[i + 1]));
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* Which keys to render: all for a NULL array, else those it names. */
static void
queue_ticket_mask(FunctionCallInfo fcinfo, int argno, bool *show)
{
	ArrayType  *fields;
	Datum	   *names;
	bool	   *nulls;
	int			n;
	int			i;
	int			k;

	if (PG_ARGISNULL(argno))
	{
		for (k = 0; k < QUEUE_TICKET_NKEYS; k++)
			show[k] = true;
		return;
	}
	for (k = 0; k < QUEUE_TICKET_NKEYS; k++)
		show[k] = false;
	fields = PG_GETARG_ARRAYTYPE_P(argno);
	deconstruct_array(fields, TEXTOID, -1, false, TYPALIGN_INT,
					  &names, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		text	   *name;
		Size		len;

		if (nulls[i])
			continue;
		name = DatumGetTextPP(names[i]);
		len = VARSIZE_ANY_EXHDR(name);
		for (k = 0; k < QUEUE_TICKET_NKEYS; k++)
			if (strlen(queue_ticket_keys[k]) == len &&
				memcmp(VARDATA_ANY(name), queue_ticket_keys[k], len) == 0)
				show[k] = true;
	}
}

/* The separator and "key": of the next member. */
static void
append_key(StringInfo buf, int k)
{
	if (buf->len > 1)
		appendStringInfoChar(buf, ',');
	appendStringInfoChar(buf, '"');
	appendStringInfoString(buf, queue_ticket_keys[k]);
	appendStringInfoString(buf, "\":");
}

/* A uuid as uuid_out writes it (lower-case 8-4-4-4-12), quoted. */
static void
append_uuid(StringInfo buf, pg_uuid_t *uuid)
{
	static const char hex[] = "0123456789abcdef";
	char		out[2 * UUID_LEN + 6];
	char	   *p = out;
	int			i;

	*p++ = '"';
	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid->data[i] >> 4];
		*p++ = hex[uuid->data[i] & 0x0F];
	}
	*p++ = '"';
	appendBinaryStringInfo(buf, out, p - out);
}

/* A text argument as a JSON string, or null. */
static void
append_text_arg(StringInfo buf, FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, text_to_cstring(PG_GETARG_TEXT_PP(argno)));
}

/* A timestamptz argument as a JSON string, or null (NULL, infinity). */
static void
append_time_arg(StringInfo buf, FunctionCallInfo fcinfo, int argno)
{
	int			start = buf->len;

	if (PG_ARGISNULL(argno))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	appendStringInfoChar(buf, '"');
	if (append_timestamp(buf, PG_GETARG_TIMESTAMPTZ(argno), true))
		appendStringInfoChar(buf, '"');
	else
	{
		buf->len = start;
		buf->data[start] = '\0';
		appendStringInfoString(buf, "null");
	}
}

/*
 * The queue number as pgticket.queue_label shows it: prefix || '-' ||
 * lpad(number, 3, '0') below 1000 (lpad also cuts to three characters),
 * the number as it is from 1000 on; null when either is NULL.
 */
static void
append_label(StringInfo buf, FunctionCallInfo fcinfo, int prefix_arg,
			 int number_arg)
{
	StringInfoData label;
	char		digits[12];
	int32		number;
	int			len;
	int			i;

	if (PG_ARGISNULL(prefix_arg) || PG_ARGISNULL(number_arg))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	number = PG_GETARG_INT32(number_arg);
	len = pg_ltoa(number, digits);
	initStringInfo(&label);
	appendStringInfoString(&label,
						   text_to_cstring(PG_GETARG_TEXT_PP(prefix_arg)));
	appendStringInfoChar(&label, '-');
	if (number < 1000)
	{
		for (i = len; i < 3; i++)
			appendStringInfoChar(&label, '0');
		len = Min(len, 3);
	}
	appendBinaryStringInfo(&label, digits, len);
	escape_json(buf, label.data);
	pfree(label.data);
}

/*
 * pgticket_queue_ticket_json
 *		pgticket.queue_ticket_json(fields text[], id uuid, prefix text,
 *			queue_number integer, status text, channel text, branch text,
 *			sector text, service text, customer_id_type text,
 *			customer_id_number text, phone text, created_at timestamptz,
 *			called_at timestamptz, finished_at timestamptz, position bigint)
 *		returns json
 *
 * One 002 ticket as a compact JSON object, keys in queue_ticket_keys'
 * order, only those fields names (all when NULL); NULL columns are null.
 */
Datum
pgticket_queue_ticket_json(PG_FUNCTION_ARGS)
{
	bool		show[QUEUE_TICKET_NKEYS];
	StringInfoData buf;
	int			k;

	queue_ticket_mask(fcinfo, 0, show);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (k = 0; k < QUEUE_TICKET_NKEYS; k++)
	{
		if (!show[k])
			continue;
		append_key(&buf, k);
		switch (k)
		{
			case 0:				/* id */
				if (PG_ARGISNULL(1))
					appendStringInfoString(&buf, "null");
				else
					append_uuid(&buf, PG_GETARG_UUID_P(1));
				break;
			case 1:				/* number */
				append_label(&buf, fcinfo, 2, 3);
				break;
			case 10:			/* created_at */
			case 11:			/* called_at */
			case 12:			/* finished_at */
				append_time_arg(&buf, fcinfo, k + 2);
				break;
			case 13:			/* position */
				if (PG_ARGISNULL(15))
					appendStringInfoString(&buf, "null");
				else
				{
					char		digits[MAXINT8LEN + 1];

					appendBinaryStringInfo(&buf, digits,
										   pg_lltoa(PG_GETARG_INT64(15),
													digits));
				}
				break;
			default:			/* status .. phone: arguments 4 .. 11 */
				append_text_arg(&buf, fcinfo, k + 2);
				break;
		}
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}
