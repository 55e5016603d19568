/*-------------------------------------------------------------------------
 *
 * pgticket.c
 *	  Entry point of the pgticket library and the SPI helpers every other
 *	  file uses.
 *
 * Each SQL-callable C function keeps its statements as SPI plans that are
 * prepared on first use, kept for the life of the backend (SPI_keepplan)
 * and executed with bound parameters.  The plan cache re-plans them by
 * itself when a DBA alters the tables they read.
 *
 * extension/src/pgticket.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/syscache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init
 *		Library load: reserve the "pgticket." prefix for our settings.
 *
 * pgticket has no GUCs yet; reserving the prefix now makes a misspelt
 * "pgticket.something" an error instead of a silently ignored placeholder,
 * and keeps the name space free for the settings to come.
 */
void
_PG_init(void)
{
	MarkGUCPrefixReserved("pgticket");
}

/*
 * PgticketPreparePlan
 *		Prepare a parameterised statement and keep it for the backend's life.
 *
 * Must be called between SPI_connect and SPI_finish.  Callers cache the
 * result in a static variable and prepare only when it is still NULL.
 */
SPIPlanPtr
PgticketPreparePlan(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan;

	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

/*
 * PgticketExecPlan
 *		Execute a kept plan; any SPI failure is a "cannot happen" error.
 *
 * Errors raised by the statement itself (constraints, triggers) propagate
 * as they are, with their own SQLSTATE.
 */
void
PgticketExecPlan(SPIPlanPtr plan, Datum *values, const char *nulls,
				 bool read_only, long count)
{
	int			rc;

	rc = SPI_execute_plan(plan, values, nulls, read_only, count);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s",
			 SPI_result_code_string(rc));
}

/*
 * PgticketTypeOid
 *		OID of a type of schema pgticket, looked up by name.
 */
Oid
PgticketTypeOid(const char *typname)
{
	Oid			nspid;
	Oid			typid;

	nspid = get_namespace_oid("pgticket", false);
	typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							CStringGetDatum(typname),
							ObjectIdGetDatum(nspid));
	if (!OidIsValid(typid))
		elog(ERROR, "type pgticket.%s does not exist", typname);
	return typid;
}

/*
 * PgticketLockTicket
 *		Run a plan that locks one ticket row (its only parameter the ticket
 *		id) and return that row, or raise PT404 when there is none.
 *
 * The tuple lives in SPI_tuptable, until SPI_finish.
 */
HeapTuple
PgticketLockTicket(SPIPlanPtr plan, int64 ticket_id)
{
	Datum		values[1];

	values[0] = Int64GetDatum(ticket_id);
	PgticketExecPlan(plan, values, NULL, false, 1);
	if (SPI_processed == 0)
		PgticketTicketNotFound(ticket_id);
	return SPI_tuptable->vals[0];
}

/*
 * PgticketAppendHistory
 *		Append one row to pgticket.ticket_history.
 *
 * The one place that writes history from C, so every change of a ticket is
 * recorded alike.  Must be called between SPI_connect and SPI_finish, with
 * the ticket row already locked by the caller.
 */
void
PgticketAppendHistory(const PgticketHistory *entry)
{
	static SPIPlanPtr history_plan = NULL;
	Oid			argtypes[8] = {INT8OID, TEXTOID, INT8OID, INT8OID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[8];
	char		nulls[8];

	if (history_plan == NULL)
		history_plan = PgticketPreparePlan(
										   "INSERT INTO pgticket.ticket_history"
										   " (ticket_id, actor_kind, actor_staff_id,"
										   "  actor_customer_id, transition, from_state, to_state,"
										   "  reason)"
										   " VALUES ($1, $2::pgticket.author_kind, $3, $4, $5, $6,"
										   "         $7, $8)", 8, argtypes);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(entry->ticket_id);
	values[1] = CStringGetTextDatum(entry->actor_kind);
	values[2] = entry->actor_staff_id.value;
	nulls[2] = entry->actor_staff_id.isnull ? 'n' : ' ';
	values[3] = entry->actor_customer_id.value;
	nulls[3] = entry->actor_customer_id.isnull ? 'n' : ' ';
	values[4] = CStringGetTextDatum(entry->transition);
	values[5] = (Datum) 0;
	nulls[5] = 'n';
	if (entry->from_state)
	{
		values[5] = CStringGetTextDatum(entry->from_state);
		nulls[5] = ' ';
	}
	values[6] = CStringGetTextDatum(entry->to_state);
	values[7] = entry->reason.value;
	nulls[7] = entry->reason.isnull ? 'n' : ' ';
	PgticketExecPlan(history_plan, values, nulls, false, 0);
}

/*
 * PgticketTicketNotFound
 *		The one "unknown ticket" error, so every function says it alike.
 */
void
PgticketTicketNotFound(int64 ticket_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_PGTICKET_NOT_FOUND),
			 errmsg("ticket " INT64_FORMAT " does not exist", ticket_id)));
}
