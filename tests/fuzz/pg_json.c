/*-------------------------------------------------------------------------
 *
 * pg_json.c
 *	  PostgreSQL's JSON parser (src/common/jsonapi.c, in libpgcommon, the
 *	  one jsonb_in runs) as the request harness's judge: a document the
 *	  nginx module builds must be one PostgreSQL parses.  A file of its
 *	  own: PostgreSQL's and nginx's headers do not mix.
 *
 * tests/fuzz/pg_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

int			pg_json_valid(const char *text, size_t len);

int
pg_json_valid(const char *text, size_t len)
{
	JsonLexContext *lex;
	JsonParseErrorType rc;

	lex = makeJsonLexContextCstringLen((char *) text, (int) len, PG_UTF8,
									   true);
	rc = pg_parse_json(lex, &nullSemAction);
	if (lex->strval)
	{
		pfree(lex->strval->data);
		pfree(lex->strval);
	}
	pfree(lex);
	return rc == JSON_SUCCESS;
}
