/*-------------------------------------------------------------------------
 *
 * sla.c
 *	  SLA due dates: pgticket.sla_due().
 *
 * pgticket.sla_policy holds, per priority, how long a ticket may stay
 * unsolved.  The due date of a ticket is its creation time plus that
 * interval; a priority without a policy row has no due date (NULL).  A DBA
 * changes a policy with UPDATE; tickets created afterwards get the new
 * interval.
 *
 * extension/src/sla.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/pg_type.h"
#include "utils/timestamp.h"

/*
 * The plan takes the priority as a pgticket.priority, whose OID is fixed in
 * the plan: it belongs to the sla_due function that prepared it (its OID
 * in due_plan_fn).  When the extension is dropped and created again in the
 * same backend, the type is new, and so is the function's OID.
 */
static SPIPlanPtr due_plan = NULL;
static Oid	due_plan_fn = InvalidOid;

PG_FUNCTION_INFO_V1(pgticket_sla_due);

/*
 * pgticket_sla_due
 *		pgticket.sla_due(priority, from_time) returns timestamptz
 *
 * from_time plus the resolve_within interval of the priority's policy, or
 * NULL when the priority has no policy.
 */
Datum
pgticket_sla_due(PG_FUNCTION_ARGS)
{
	Datum		values[2];
	Datum		result;
	bool		isnull = true;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "priority");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "from_time");

	SPI_connect();
	if (due_plan == NULL || due_plan_fn != fcinfo->flinfo->fn_oid)
	{
		Oid			argtypes[2];

		if (due_plan != NULL)
		{
			SPI_freeplan(due_plan);
			due_plan = NULL;
		}
		argtypes[0] = PgticketTypeOid("priority");
		argtypes[1] = TIMESTAMPTZOID;
		due_plan = PgticketPreparePlan(
									   "SELECT $2 + p.resolve_within"
									   " FROM pgticket.sla_policy p WHERE p.priority = $1",
									   2, argtypes);
		due_plan_fn = fcinfo->flinfo->fn_oid;
	}

	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	PgticketExecPlan(due_plan, values, NULL, true, 1);
	if (SPI_processed > 0)
		result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
							   1, &isnull);
	else
		result = (Datum) 0;
	SPI_finish();

	/* timestamptz is pass-by-value: nothing to copy out of SPI's memory */
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}
