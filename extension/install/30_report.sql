/*
 * Reporting views for reporting tools (role pgticket_report, read-only).
 *
 * One row per ticket of every workflow, compared through the state
 * categories (new, open, pending, solved, closed, cancelled): "unresolved"
 * means category new, open or pending.  The views read the tables with
 * their owner's rights and call no pgticket function, so SELECT on them is
 * all a reporting role needs.
 */

CREATE SCHEMA pgticket_report;
COMMENT ON SCHEMA pgticket_report IS
	'pgticket reporting views, read-only, for role pgticket_report';

CREATE VIEW pgticket_report.tickets AS
SELECT t.id, t.uuid, t.number, t.workflow, t.state, s.category,
	   c.name AS customer, t.customer_id,
	   a.username AS assignee,
	   t.type, t.priority, t.channel, t.due_at,
	   t.created_at, t.updated_at, t.resolved_at, t.closed_at,
	   (s.category IN ('new', 'open', 'pending') AND t.due_at < now())
		   AS overdue
  FROM pgticket.ticket t
  JOIN pgticket.workflow_state s
	ON s.workflow = t.workflow AND s.state = t.state
  JOIN pgticket.customer c ON c.id = t.customer_id
  LEFT JOIN pgticket.staff a ON a.id = t.assignee_id;
COMMENT ON VIEW pgticket_report.tickets IS
	'One row per ticket of every workflow, with its state category, customer name, assignee username and whether it is overdue (unresolved past its due date)';

CREATE VIEW pgticket_report.tickets_by_state AS
SELECT s.workflow, s.state, s.category, count(t.id) AS count
  FROM pgticket.workflow_state s
  LEFT JOIN pgticket.ticket t
	ON t.workflow = s.workflow AND t.state = s.state
 GROUP BY s.workflow, s.state, s.category;
COMMENT ON VIEW pgticket_report.tickets_by_state IS
	'Number of tickets in each state of each workflow, states without tickets included (count 0)';

CREATE VIEW pgticket_report.backlog AS
SELECT t.id, t.number, t.workflow, t.state, t.category, t.customer,
	   t.assignee, t.priority, t.due_at, t.created_at, t.updated_at,
	   now() - t.created_at AS age,
	   t.due_at - now() AS time_left,
	   t.overdue
  FROM pgticket_report.tickets t
 WHERE t.category IN ('new', 'open', 'pending');
COMMENT ON VIEW pgticket_report.backlog IS
	'Unresolved tickets (category new, open or pending) with their age and the time left before their due date (negative when overdue)';

CREATE VIEW pgticket_report.sla_breaches AS
SELECT t.id, t.number, t.workflow, t.state, t.category, t.customer,
	   t.assignee, t.priority, t.due_at,
	   coalesce(t.resolved_at, t.closed_at) AS finished_at,
	   CASE WHEN t.category IN ('new', 'open', 'pending') THEN 'overdue'
			ELSE 'late' END AS breach,
	   CASE WHEN t.category IN ('new', 'open', 'pending')
			THEN now() - t.due_at
			ELSE coalesce(t.resolved_at, t.closed_at) - t.due_at END AS late_by
  FROM pgticket_report.tickets t
 WHERE t.due_at IS NOT NULL
   AND ((t.category IN ('new', 'open', 'pending') AND t.due_at < now())
		OR (t.category IN ('solved', 'closed')
			AND coalesce(t.resolved_at, t.closed_at) > t.due_at));
COMMENT ON VIEW pgticket_report.sla_breaches IS
	'Tickets that broke their SLA: unresolved past the due date (breach "overdue"), or solved/closed after it (breach "late", finished_at = resolved_at, else closed_at); cancelled tickets are not counted';

CREATE VIEW pgticket_report.ratings AS
SELECT r.ticket_id, t.number, t.workflow, t.state, t.customer, t.assignee,
	   r.value, r.comment, r.rated_at,
	   (SELECT count(*) FROM pgticket.rating h WHERE h.ticket_id = r.ticket_id)
		   AS times_rated
  FROM pgticket.rating r
  JOIN pgticket_report.tickets t ON t.id = r.ticket_id
 WHERE r.superseded_at IS NULL;
COMMENT ON VIEW pgticket_report.ratings IS
	'Current rating of each rated ticket, with how many times it was rated (superseded ratings included)';

CREATE VIEW pgticket_report.ratings_by_assignee AS
SELECT r.assignee, count(*) AS rated_tickets,
	   round(avg(r.value), 2) AS average, min(r.value) AS lowest,
	   max(r.value) AS highest
  FROM pgticket_report.ratings r
 GROUP BY r.assignee;
COMMENT ON VIEW pgticket_report.ratings_by_assignee IS
	'Current ratings per assignee (username; NULL for unassigned tickets): number of rated tickets, average, lowest and highest';
