/*-------------------------------------------------------------------------
 *
 * rating.c
 *	  Customer ratings: pgticket.rate().
 *
 * A customer rates their own ticket once it is solved or closed, with a
 * value from PGTICKET_RATING_MIN to PGTICKET_RATING_MAX.  Rating again
 * supersedes the current rating (superseded_at is set) and inserts a new
 * one, so pgticket.rating keeps every rating ever given and the partial
 * unique index rating_current allows one current rating per ticket.  The
 * ticket row is locked first, so two concurrent ratings of one ticket
 * serialise and both land, the later one current.  The later one may belong
 * to a transaction that began first, so its now() can be older than the
 * rating it supersedes: superseded_at is never set before rated_at.
 *
 * extension/src/rating.c
 *
 *-------------------------------------------------------------------------
 */
#include "pgticket.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

static SPIPlanPtr lock_plan = NULL;
static SPIPlanPtr supersede_plan = NULL;
static SPIPlanPtr insert_plan = NULL;

/*
 * PreparePlans
 *		Prepare the statements of a rating once per backend.
 */
static void
PreparePlans(void)
{
	Oid			int8arg[1] = {INT8OID};
	Oid			insargs[4] = {INT8OID, INT8OID, INT2OID, TEXTOID};

	if (lock_plan == NULL)
		lock_plan = PgticketPreparePlan(
										"SELECT t.customer_id, t.state, s.category::text"
										" FROM pgticket.ticket t"
										" JOIN pgticket.workflow_state s"
										"   ON s.workflow = t.workflow AND s.state = t.state"
										" WHERE t.id = $1 FOR UPDATE OF t", 1, int8arg);
	if (supersede_plan == NULL)
		supersede_plan = PgticketPreparePlan(
											 "UPDATE pgticket.rating"
											 " SET superseded_at = greatest(now(), rated_at)"
											 " WHERE ticket_id = $1 AND superseded_at IS NULL",
											 1, int8arg);
	if (insert_plan == NULL)
		insert_plan = PgticketPreparePlan(
										  "INSERT INTO pgticket.rating"
										  " (ticket_id, customer_id, value, comment)"
										  " VALUES ($1, $2, $3, $4) RETURNING id", 4, insargs);
}

PG_FUNCTION_INFO_V1(pgticket_rate);

/*
 * pgticket_rate
 *		pgticket.rate(ticket_id, customer_id, value, comment)
 *
 * Record the ticket customer's rating of a solved or closed ticket,
 * superseding the current one.  Returns the id of the new rating.
 */
Datum
pgticket_rate(PG_FUNCTION_ARGS)
{
	int64		ticket_id;
	int64		customer_id;
	int32		value;
	int64		owner;
	int64		rating_id;
	char	   *state;
	char	   *category;
	PgticketHistory history;
	bool		isnull;
	Datum		values[4];
	char		nulls[4];
	HeapTuple	tup;
	TupleDesc	desc;

	PGTICKET_REQUIRE_ARG(fcinfo, 0, "ticket_id");
	PGTICKET_REQUIRE_ARG(fcinfo, 1, "customer_id");
	PGTICKET_REQUIRE_ARG(fcinfo, 2, "value");
	ticket_id = PG_GETARG_INT64(0);
	customer_id = PG_GETARG_INT64(1);
	value = PG_GETARG_INT32(2);

	if (value < PGTICKET_RATING_MIN || value > PGTICKET_RATING_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("rating %d is out of range", value),
				 errdetail("A rating is an integer from %d to %d.",
						   PGTICKET_RATING_MIN, PGTICKET_RATING_MAX)));

	SPI_connect();
	PreparePlans();

	tup = PgticketLockTicket(lock_plan, ticket_id);
	desc = SPI_tuptable->tupdesc;
	owner = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	state = SPI_getvalue(tup, desc, 2);
	category = SPI_getvalue(tup, desc, 3);

	if (owner != customer_id)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_NOT_PERMITTED),
				 errmsg("customer " INT64_FORMAT " cannot rate ticket " INT64_FORMAT,
						customer_id, ticket_id),
				 errdetail("Only the customer who raised a ticket can rate it.")));

	if (strcmp(category, "solved") != 0 && strcmp(category, "closed") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_PGTICKET_REFUSED),
				 errmsg("ticket " INT64_FORMAT " cannot be rated", ticket_id),
				 errdetail("The ticket is in state \"%s\" (category %s); only solved or closed tickets can be rated.",
						   state, category)));

	values[0] = Int64GetDatum(ticket_id);
	PgticketExecPlan(supersede_plan, values, NULL, false, 0);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(ticket_id);
	values[1] = Int64GetDatum(customer_id);
	values[2] = Int16GetDatum((int16) value);
	values[3] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[3] = PG_ARGISNULL(3) ? 'n' : ' ';
	PgticketExecPlan(insert_plan, values, nulls, false, 1);
	rating_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1,
											&isnull));

	history.ticket_id = ticket_id;
	history.actor_kind = "customer";
	history.actor_staff_id.value = (Datum) 0;
	history.actor_staff_id.isnull = true;
	history.actor_customer_id.value = Int64GetDatum(customer_id);
	history.actor_customer_id.isnull = false;
	history.transition = "rate";
	history.from_state = state;
	history.to_state = state;
	history.reason.value = CStringGetTextDatum(psprintf("rated %d", value));
	history.reason.isnull = false;
	PgticketAppendHistory(&history);

	SPI_finish();

	PG_RETURN_INT64(rating_id);
}
