/*-------------------------------------------------------------------------
 *
 * state.c
 *	  The ticket state machine: pgticket.transition().
 *
 * Vocabulary.  A workflow is data: its states (pgticket.workflow_state,
 * each in a reporting category) and its transitions
 * (pgticket.workflow_transition: from_state -> to_state, a name, and
 * whether the ticket needs an assignee to take it).  This file knows no
 * state by name; it only knows what entering each category means for the
 * ticket's timestamps (the table below), so a DBA adds states and
 * transitions with INSERT and they work at once.
 *
 * A transition locks the ticket row (SELECT ... FOR UPDATE), so concurrent
 * transitions of one ticket serialise: the second one sees the state the
 * first left behind, and is refused when its move is no longer legal or when
 * it named the state it expected (expected_state) and that state is gone.
 *
 * extension/src/state.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

/*
 * What entering a state of each category does to resolved_at and closed_at:
 * set it to now(), clear it, or keep it.  The UPDATE below is written from
 * this table, so the timestamp rules live in one place.
 */
typedef enum TimestampEffect
{
	TS_KEEP,
	TS_SET,
	TS_CLEAR
} TimestampEffect;

typedef struct CategoryEffect
{
	const char *category;
	TimestampEffect resolved_at;
	TimestampEffect closed_at;
} CategoryEffect;

static const CategoryEffect category_effects[] = {
	{"new", TS_CLEAR, TS_CLEAR},
	{"open", TS_CLEAR, TS_CLEAR},
	{"pending", TS_CLEAR, TS_CLEAR},
	{"solved", TS_SET, TS_CLEAR},
	{"closed", TS_KEEP, TS_SET},
	{"cancelled", TS_KEEP, TS_SET},
};

static SPIPlanPtr lock_plan = NULL;
static SPIPlanPtr find_plan = NULL;
static SPIPlanPtr allowed_plan = NULL;
static SPIPlanPtr staff_plan = NULL;
static SPIPlanPtr customer_plan = NULL;
static SPIPlanPtr update_plan = NULL;

/*
 * BuildUpdateSql
 *		The UPDATE of a transition, its CASE arms taken from category_effects.
 *
 * $1 ticket id, $2 new state, $3 new assignee (NULL keeps), $4 category of
 * the new state (text).  updated_at only moves forward: a transaction that
 * began before a message committed (or a DBA's message dated ahead) does not
 * take it back.
 */
static char *
BuildUpdateSql(void)
{
	StringInfoData resolved;
	StringInfoData closed;
	StringInfoData sql;
	size_t		i;

	initStringInfo(&resolved);
	initStringInfo(&closed);
	appendStringInfoString(&resolved, "CASE $4");
	appendStringInfoString(&closed, "CASE $4");
	for (i = 0; i < lengthof(category_effects); i++)
	{
		const CategoryEffect *e = &category_effects[i];

		appendStringInfo(&resolved, " WHEN '%s' THEN %s", e->category,
						 e->resolved_at == TS_SET ? "now()" :
						 e->resolved_at == TS_CLEAR ? "NULL" : "t.resolved_at");
		appendStringInfo(&closed, " WHEN '%s' THEN %s", e->category,
						 e->closed_at == TS_SET ? "now()" :
						 e->closed_at == TS_CLEAR ? "NULL" : "t.closed_at");
	}
	appendStringInfoString(&resolved, " ELSE t.resolved_at END");
	appendStringInfoString(&closed, " ELSE t.closed_at END");

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "UPDATE pgticket.ticket AS t"
					 " SET state = $2,"
					 " assignee_id = coalesce($3, t.assignee_id),"
					 " updated_at = greatest(now(), t.updated_at),"
					 " resolved_at = %s, closed_at = %s"
					 " WHERE t.id = $1 RETURNING t",
					 resolved.data, closed.data);
	return sql.data;
}

/*
 * PreparePlans
 *		Prepare the statements of a transition once per backend.
 */
static void
PreparePlans(void)
{
	Oid			int8arg[1] = {INT8OID};
	Oid			textargs[3] = {TEXTOID, TEXTOID, TEXTOID};
	Oid			updargs[4] = {INT8OID, TEXTOID, INT8OID, TEXTOID};

	if (lock_plan == NULL)
		lock_plan = PgticketPreparePlan(
										"SELECT t.workflow, t.state, t.assignee_id"
										" FROM pgticket.ticket t WHERE t.id = $1"
										" FOR UPDATE", 1, int8arg);
	if (find_plan == NULL)
		find_plan = PgticketPreparePlan(
										"SELECT tr.name, tr.needs_assignee, s.category::text"
										" FROM pgticket.workflow_transition tr"
										" JOIN pgticket.workflow_state s"
										"   ON s.workflow = tr.workflow AND s.state = tr.to_state"
										" WHERE tr.workflow = $1 AND tr.from_state = $2"
										"   AND tr.to_state = $3", 3, textargs);
	if (allowed_plan == NULL)
		allowed_plan = PgticketPreparePlan(
										   "SELECT string_agg(tr.to_state, ', '"
										   "                  ORDER BY s.category, tr.to_state)"
										   " FROM pgticket.workflow_transition tr"
										   " JOIN pgticket.workflow_state s"
										   "   ON s.workflow = tr.workflow AND s.state = tr.to_state"
										   " WHERE tr.workflow = $1 AND tr.from_state = $2",
										   2, textargs);
	if (staff_plan == NULL)
		staff_plan = PgticketPreparePlan(
										 "SELECT s.active FROM pgticket.staff s WHERE s.id = $1",
										 1, int8arg);
	if (customer_plan == NULL)
		customer_plan = PgticketPreparePlan(
											"SELECT 1 FROM pgticket.customer c WHERE c.id = $1",
											1, int8arg);
	if (update_plan == NULL)
		update_plan = PgticketPreparePlan(BuildUpdateSql(), 4, updargs);
}

/*
 * CheckStaff
 *		The staff member must exist, and be active when must_be_active.
 */
static void
CheckStaff(int64 staff_id, bool must_be_active, const char *argname)
{
	Datum		values[1];
	bool		isnull;

	values[0] = Int64GetDatum(staff_id);
	PgticketExecPlan(staff_plan, values, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_NOT_FOUND),
				 errmsg("staff " INT64_FORMAT " does not exist", staff_id),
				 errdetail("Argument \"%s\" names no row of pgticket.staff.",
						   argname)));
	if (must_be_active &&
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_NOT_FOUND),
				 errmsg("staff " INT64_FORMAT " is not active", staff_id),
				 errdetail("Only active staff can be assigned tickets.")));
}

/*
 * CheckCustomer
 *		The customer must exist.
 */
static void
CheckCustomer(int64 customer_id)
{
	Datum		values[1];

	values[0] = Int64GetDatum(customer_id);
	PgticketExecPlan(customer_plan, values, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_NOT_FOUND),
				 errmsg("customer " INT64_FORMAT " does not exist",
						customer_id)));
}

/*
 * RefuseTransition
 *		Raise PT409 for a move the workflow does not list, naming the moves it
 *		does list from the current state.
 */
static void
RefuseTransition(const char *workflow, const char *from, const char *to)
{
	Datum		values[2];
	char	   *allowed;

	values[0] = CStringGetTextDatum(workflow);
	values[1] = CStringGetTextDatum(from);
	PgticketExecPlan(allowed_plan, values, NULL, true, 1);
	allowed = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

	if (allowed != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_REFUSED),
				 errmsg("transition from \"%s\" to \"%s\" is not allowed in workflow \"%s\"",
						from, to, workflow),
				 errdetail("Allowed from \"%s\": %s.", from, allowed)));
	else
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_REFUSED),
				 errmsg("transition from \"%s\" to \"%s\" is not allowed in workflow \"%s\"",
						from, to, workflow),
				 errdetail("No transition leaves state \"%s\".", from),
				 errhint("A DBA can add one to pgticket.workflow_transition.")));
}

PG_FUNCTION_INFO_V1(pgticket_transition);

/*
 * pgticket_transition
 *		pgticket.transition(ticket_id, to_state, actor_staff_id,
 *		actor_customer_id, reason, expected_state, assignee_id)
 *
 * Move a ticket to another state of its workflow, if the workflow allows
 * the move, and record it in the history.  Returns the updated ticket row.
 * When assignee_id is given, the ticket is assigned to that (active) staff
 * member in the same step; a transition marked needs_assignee is refused
 * when the ticket has no assignee and none is given.  The actor is staff
 * when actor_staff_id is given, else the customer of actor_customer_id,
 * else the system.
 */
Datum
pgticket_transition(PG_FUNCTION_ARGS)
{
	int64		ticket_id;
	char	   *to_state;
	char	   *workflow;
	char	   *from_state;
	char	   *trname;
	char	   *category;
	bool		has_assignee;
	bool		needs_assignee;
	bool		isnull;
	const char *actor_kind;
	Datum		values[8];
	char		nulls[8];
	Datum		result;
	HeapTuple	tup;
	TupleDesc	desc;
	PgticketHistory history;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "ticket_id");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "to_state");
	ticket_id = PG_GETARG_INT64(0);
	to_state = text_to_cstring(PG_GETARG_TEXT_PP(1));

	SPI_connect();
	PreparePlans();

	/* Lock the ticket: concurrent transitions queue up here. */
	tup = PgticketLockTicket(lock_plan, ticket_id);
	desc = SPI_tuptable->tupdesc;
	workflow = SPI_getvalue(tup, desc, 1);
	from_state = SPI_getvalue(tup, desc, 2);
	(void) SPI_getbinval(tup, desc, 3, &has_assignee);
	has_assignee = !has_assignee;

	if (!PG_ARGISNULL(5))
	{
		char	   *expected = text_to_cstring(PG_GETARG_TEXT_PP(5));

		if (strcmp(expected, from_state) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_PGTICKET_REFUSED),
					 errmsg("ticket " INT64_FORMAT " is not in state \"%s\"",
							ticket_id, expected),
					 errdetail("The caller expected state \"%s\" but the ticket is in state \"%s\".",
							   expected, from_state),
					 errhint("Another change may have come first; read the ticket again.")));
	}

	/* Is the move listed in the workflow? */
	values[0] = CStringGetTextDatum(workflow);
	values[1] = CStringGetTextDatum(from_state);
	values[2] = CStringGetTextDatum(to_state);
	PgticketExecPlan(find_plan, values, NULL, true, 1);
	if (SPI_processed == 0)
		RefuseTransition(workflow, from_state, to_state);
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	trname = SPI_getvalue(tup, desc, 1);
	needs_assignee = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
	category = SPI_getvalue(tup, desc, 3);

	if (!PG_ARGISNULL(6))
		CheckStaff(PG_GETARG_INT64(6), true, "assignee_id");
	else if (needs_assignee && !has_assignee)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_REFUSED),
				 errmsg("transition \"%s\" needs an assignee", trname),
				 errdetail("Ticket " INT64_FORMAT " has no assignee.", ticket_id),
				 errhint("Assign the ticket first, or pass assignee_id.")));

	/* Both actors are recorded when both are given, so both must exist. */
	if (!PG_ARGISNULL(2))
		CheckStaff(PG_GETARG_INT64(2), false, "actor_staff_id");
	if (!PG_ARGISNULL(3))
		CheckCustomer(PG_GETARG_INT64(3));
	if (!PG_ARGISNULL(2))
		actor_kind = "staff";
	else if (!PG_ARGISNULL(3))
		actor_kind = "customer";
	else
		actor_kind = "system";

	/* Append the history first; the ticket row is already locked. */
	history.ticket_id = ticket_id;
	history.actor_kind = actor_kind;
	history.actor_staff_id.value = PG_GETARG_DATUM(2);
	history.actor_staff_id.isnull = PG_ARGISNULL(2);
	history.actor_customer_id.value = PG_GETARG_DATUM(3);
	history.actor_customer_id.isnull = PG_ARGISNULL(3);
	history.transition = trname;
	history.from_state = from_state;
	history.to_state = to_state;
	history.reason.value = PG_GETARG_DATUM(4);
	history.reason.isnull = PG_ARGISNULL(4);
	PgticketAppendHistory(&history);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(ticket_id);
	values[1] = CStringGetTextDatum(to_state);
	values[2] = PG_ARGISNULL(6) ? (Datum) 0 : PG_GETARG_DATUM(6);
	nulls[2] = PG_ARGISNULL(6) ? 'n' : ' ';
	values[3] = CStringGetTextDatum(category);
	PgticketExecPlan(update_plan, values, nulls, false, 1);
	if (SPI_processed != 1)
		elog(ERROR, "ticket " INT64_FORMAT " vanished while locked", ticket_id);

	/* Copy the new row out of SPI's memory before SPI_finish frees it. */
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
						   &isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();

	PG_RETURN_DATUM(result);
}
