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
 * extension/src/render.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pgticket_json_compact);

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
