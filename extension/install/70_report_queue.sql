/*
 * 1.1: the branch queues' waiting and service times, per queue and day,
 * for reporting tools (seed 002: a ticket waits, is called, attended and
 * finished).  Times come from ticket_queue.called_at and finished_at,
 * which trigger ticket_queue_follow_state keeps (62_api_queue.sql); after
 * that file, since it reads ticket_queue.waiting.
 */
CREATE OR REPLACE VIEW pgticket_report.queue_waits AS
SELECT q.branch, q.sector, q.service, q.day,
	   count(*) AS tickets,
	   count(*) FILTER (WHERE q.waiting) AS waiting,
	   count(*) FILTER (WHERE s.category = 'closed') AS finished,
	   count(*) FILTER (WHERE s.category = 'cancelled') AS cancelled,
	   avg(q.called_at - t.created_at) AS average_wait,
	   max(q.called_at - t.created_at) AS longest_wait,
	   max(now() - t.created_at) FILTER (WHERE q.waiting) AS oldest_waiting,
	   avg(q.finished_at - q.called_at) AS average_service
  FROM pgticket.ticket_queue q
  JOIN pgticket.ticket t ON t.id = q.ticket_id
  JOIN pgticket.workflow_state s
	ON s.workflow = t.workflow AND s.state = t.state
 GROUP BY q.branch, q.sector, q.service, q.day;
COMMENT ON VIEW pgticket_report.queue_waits IS
	'Each branch queue (branch, sector, service) and day: its tickets, how many wait now, were finished or cancelled (no-shows and deleted ones included), and the waiting and service times';
COMMENT ON COLUMN pgticket_report.queue_waits.waiting IS
	'Tickets waiting now (the workflow''s initial state)';
COMMENT ON COLUMN pgticket_report.queue_waits.finished IS
	'Tickets finished (state category closed)';
COMMENT ON COLUMN pgticket_report.queue_waits.cancelled IS
	'Tickets cancelled, deleted through the API or not shown when called (state category cancelled)';
COMMENT ON COLUMN pgticket_report.queue_waits.average_wait IS
	'Average of called_at - created_at over the tickets called (a recalled ticket counts to its last call)';
COMMENT ON COLUMN pgticket_report.queue_waits.longest_wait IS
	'Longest called_at - created_at of a called ticket';
COMMENT ON COLUMN pgticket_report.queue_waits.oldest_waiting IS
	'now() - created_at of the ticket waiting longest; NULL when none waits';
COMMENT ON COLUMN pgticket_report.queue_waits.average_service IS
	'Average of finished_at - called_at over the finished tickets';
