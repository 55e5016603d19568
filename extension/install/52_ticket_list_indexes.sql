/*
 * 1.1: ticket lists in the order they are listed.  A list is a page in
 * creation order, ties broken by number (get_tickets: oldest first).  With
 * that order in the index, a page is an index range scan that stops at its
 * last row, and no plan needs a sort: a generic plan (the facades force
 * them) cannot choose to read every matching row and sort them because it
 * guessed that few would match.  Each index keeps its name and still serves
 * every lookup it served in 1.0 (the new columns only come after).
 */
DROP INDEX IF EXISTS pgticket.ticket_customer;
CREATE INDEX ticket_customer
	ON pgticket.ticket (customer_id, created_at DESC, number DESC);

DROP INDEX IF EXISTS pgticket.ticket_workflow_state;
CREATE INDEX ticket_workflow_state
	ON pgticket.ticket (workflow, state, created_at, number);

DROP INDEX IF EXISTS pgticket.ticket_assignee;
CREATE INDEX ticket_assignee ON pgticket.ticket (assignee_id, created_at, number)
	WHERE assignee_id IS NOT NULL;
