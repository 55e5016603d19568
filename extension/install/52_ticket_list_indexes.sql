/*
 * 1.1: ticket lists in the order they are listed.  A list is a page in
 * creation order, ties broken by number (get_tickets: oldest first).  With
 * that order in the index, a page is an index range scan that stops at its
 * last row, and no plan needs a sort: a generic plan (the facades force
 * them) cannot choose to read every matching row and sort them because it
 * guessed that few would match.  Each index keeps its name; the last two
 * still serve every lookup they served in 1.0 (the new columns only come
 * after).
 *
 * Every list of one customer's tickets is a list of one API's tickets (004
 * get_tickets by status, 001 ticket details, 002 list), so ticket_customer
 * goes by workflow and state before creation time: such a list reads only
 * that API's tickets in the states asked for, one range of each state in
 * creation order, instead of every ticket the customer has in every
 * workflow.  workflow comes first of the two because two workflows may
 * name a state alike.  No facade lists one customer's tickets of every
 * workflow newest first, which the 1.0 order served.
 */
DROP INDEX IF EXISTS pgticket.ticket_customer;
CREATE INDEX ticket_customer
	ON pgticket.ticket (customer_id, workflow, state, created_at, number);

DROP INDEX IF EXISTS pgticket.ticket_workflow_state;
CREATE INDEX ticket_workflow_state
	ON pgticket.ticket (workflow, state, created_at, number);

DROP INDEX IF EXISTS pgticket.ticket_assignee;
CREATE INDEX ticket_assignee ON pgticket.ticket (assignee_id, created_at, number)
	WHERE assignee_id IS NOT NULL;

