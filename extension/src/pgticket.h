/*-------------------------------------------------------------------------
 *
 * pgticket.h
 *	  Declarations shared by the C parts of the pgticket extension.
 *
 * Vocabulary.  A ticket follows a workflow: a set of states, each in a
 * reporting category, and named transitions between them, all kept in the
 * tables pgticket.workflow_state and pgticket.workflow_transition.  The C
 * code never names a state: it reads the tables.
 *
 * SQLSTATEs.  pgticket raises errors of its own in class "PT", so the nginx
 * module can map them to HTTP statuses:
 *	  PT401  not authenticated (a token or secret that does not check out)
 *	  PT403  not permitted (wrong customer, append-only history, ...)
 *	  PT404  not found (ticket, customer, staff, service, workflow)
 *	  PT409  refused by a rule (illegal transition, stale expected state, ...)
 *
 * extension/src/pgticket.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGTICKET_H
#define PGTICKET_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#define ERRCODE_PGTICKET_UNAUTHENTICATED	MAKE_SQLSTATE('P','T','4','0','1')
#define ERRCODE_PGTICKET_NOT_PERMITTED	MAKE_SQLSTATE('P','T','4','0','3')
#define ERRCODE_PGTICKET_NOT_FOUND		MAKE_SQLSTATE('P','T','4','0','4')
#define ERRCODE_PGTICKET_REFUSED		MAKE_SQLSTATE('P','T','4','0','9')

/* Bounds of a rating value (pgticket.rating.value) */
#define PGTICKET_RATING_MIN		1
#define PGTICKET_RATING_MAX		5

/*
 * Raise 22004 naming a required argument that was passed as NULL.  Every
 * SQL-callable function is declared non-STRICT so that it can say which.
 */
#define PGTICKET_REQUIRE_ARG(fcinfo, argno, argname) \
	do { \
		if (PG_ARGISNULL(argno)) \
			ereport(ERROR, \
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), \
					 errmsg("argument \"%s\" must not be null", (argname)), \
					 errdetail("%s() was called with a NULL \"%s\".", \
							   get_func_name((fcinfo)->flinfo->fn_oid), \
							   (argname)))); \
	} while (0)

/*
 * A row of pgticket.ticket_history, as PgticketAppendHistory writes it.
 * The actor ids (int8) and the reason (text) may be NULL; from_state is
 * NULL only for the row that creates a ticket.
 */
typedef struct PgticketHistory
{
	int64		ticket_id;
	const char *actor_kind;		/* staff, customer or system */
	NullableDatum actor_staff_id;
	NullableDatum actor_customer_id;
	const char *transition;		/* a transition's name, or assign, rate... */
	const char *from_state;
	const char *to_state;
	NullableDatum reason;
} PgticketHistory;

/* pgticket.c */
extern SPIPlanPtr PgticketPreparePlan(const char *sql, int nargs,
									  Oid *argtypes);
extern Oid	PgticketTypeOid(const char *typname);
extern void PgticketExecPlan(SPIPlanPtr plan, Datum *values,
							 const char *nulls, bool read_only, long count);
extern HeapTuple PgticketLockTicket(SPIPlanPtr plan, int64 ticket_id);
extern void PgticketAppendHistory(const PgticketHistory *entry);
extern void PgticketTicketNotFound(int64 ticket_id) pg_attribute_noreturn();

/* request.c */
extern bool PgticketWholeNumber(const char *s, int64 *out);

/* token.c */
extern Jsonb *TokenVerify(text *token, text *secret, TimestampTz at);
extern text *TokenSecret(void);

#endif							/* PGTICKET_H */
