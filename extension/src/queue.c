/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  Branch queue numbers: pgticket.next_queue_number().
 *
 * Each service of a branch sector has its own queue per day, numbered from
 * 1.  pgticket.queue_counter keeps the last number issued; taking a number
 * is one upsert of that row, whose row lock serialises concurrent callers
 * until they commit.  Numbers are therefore unique and gap-free: a caller
 * that rolls back releases the row with its increment undone, and the next
 * caller gets the same number.
 *
 * extension/src/queue.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"

static SPIPlanPtr service_plan = NULL;
static SPIPlanPtr take_plan = NULL;

PG_FUNCTION_INFO_V1(pgticket_next_queue_number);

/*
 * pgticket_next_queue_number
 *		pgticket.next_queue_number(branch, sector, service, day) returns int
 *
 * Issue the next number of the service's queue for the day.
 */
Datum
pgticket_next_queue_number(PG_FUNCTION_ARGS)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, DATEOID};
	Datum		values[4];
	bool		isnull;
	int32		number;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "branch");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "sector");
	PGTICKET_REQUIRE_ARG(fcinfo, 2, "service");
	PGTICKET_REQUIRE_ARG(fcinfo, 3, "day");
	if (DATE_NOT_FINITE(PG_GETARG_DATEADT(3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"day\" must be a finite date"),
				 errdetail("A queue is numbered per day; infinity and -infinity are no day."),
				 errhint("Leave it out for today, or pass a date such as '2024-05-02'.")));

	SPI_connect();
	if (service_plan == NULL)
		service_plan = PgticketPreparePlan(
										   "SELECT 1 FROM pgticket.service s"
										   " WHERE s.branch = $1 AND s.sector = $2 AND s.code = $3",
										   3, argtypes);
	if (take_plan == NULL)
		take_plan = PgticketPreparePlan(
										"INSERT INTO pgticket.queue_counter AS c"
										" (branch, sector, service, day, last_number)"
										" VALUES ($1, $2, $3, $4, 1)"
										" ON CONFLICT (branch, sector, service, day)"
										" DO UPDATE SET last_number = c.last_number + 1"
										" RETURNING c.last_number", 4, argtypes);

	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	values[2] = PG_GETARG_DATUM(2);
	values[3] = PG_GETARG_DATUM(3);

	PgticketExecPlan(service_plan, values, NULL, true, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_NOT_FOUND),
				 errmsg("service \"%s\" does not exist in sector \"%s\" of branch \"%s\"",
						TextDatumGetCString(values[2]),
						TextDatumGetCString(values[1]),
						TextDatumGetCString(values[0]))));

	PgticketExecPlan(take_plan, values, NULL, false, 1);
	number = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();

	PG_RETURN_INT32(number);
}
