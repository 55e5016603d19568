/*
 * 1.1: what the reporting views' columns mean, for \d+ pgticket_report.*
 * in psql and the data dictionary of a reporting tool.  The views are
 * 1.0's (30_report.sql); only the columns a table does not already explain
 * are described.
 */
COMMENT ON COLUMN pgticket_report.tickets.category IS
	'Reporting category of the ticket''s state: new, open, pending, solved, closed or cancelled';
COMMENT ON COLUMN pgticket_report.tickets.customer IS
	'Name of the customer who raised the ticket (pgticket.customer.name)';
COMMENT ON COLUMN pgticket_report.tickets.assignee IS
	'Username of the staff member the ticket is assigned to; NULL when unassigned';
COMMENT ON COLUMN pgticket_report.tickets.overdue IS
	'Unresolved (new, open or pending) and past due_at; NULL for an unresolved ticket without a due date';

COMMENT ON COLUMN pgticket_report.tickets_by_state.count IS
	'Tickets now in the state (0 for a state without tickets)';

COMMENT ON COLUMN pgticket_report.backlog.age IS
	'now() - created_at';
COMMENT ON COLUMN pgticket_report.backlog.time_left IS
	'due_at - now(): negative once overdue; NULL without a due date';

COMMENT ON COLUMN pgticket_report.sla_breaches.finished_at IS
	'When the ticket was solved (resolved_at), else closed (closed_at); NULL while unresolved';
COMMENT ON COLUMN pgticket_report.sla_breaches.breach IS
	'overdue: unresolved past due_at; late: solved or closed after due_at';
COMMENT ON COLUMN pgticket_report.sla_breaches.late_by IS
	'How far past due_at: now() - due_at when overdue, finished_at - due_at when late';

COMMENT ON COLUMN pgticket_report.ratings.value IS
	'The current rating, 1 to 5';
COMMENT ON COLUMN pgticket_report.ratings.times_rated IS
	'Ratings the ticket was given, superseded ones included';

COMMENT ON COLUMN pgticket_report.ratings_by_assignee.assignee IS
	'Username of the current assignee of the rated tickets; NULL for unassigned tickets';
COMMENT ON COLUMN pgticket_report.ratings_by_assignee.rated_tickets IS
	'Tickets with a current rating';
COMMENT ON COLUMN pgticket_report.ratings_by_assignee.average IS
	'Average current rating, two decimals';
COMMENT ON COLUMN pgticket_report.ratings_by_assignee.lowest IS
	'Lowest current rating';
COMMENT ON COLUMN pgticket_report.ratings_by_assignee.highest IS
	'Highest current rating';
