/*
 * 1.1: an index under every foreign key that had none, so that deleting or
 * renumbering a referenced row (a customer, a staff member, an API client,
 * a ticket, a workflow state) checks its references with an index range
 * instead of a scan of the referencing table, and so that "what did this
 * customer or this admin write or do" is an index lookup too.  Columns
 * that are mostly NULL (who acted, who wrote) get partial indexes: the
 * referential check's "col = $1" implies "col IS NOT NULL", and a row
 * without a value costs its insert nothing.  The foreign keys of ticket
 * (customer_id, assignee_id, workflow and state), ticket_queue,
 * queue_counter, service, sector, customer and the 1:1 detail tables are
 * served by indexes they already had.
 */
CREATE INDEX IF NOT EXISTS workflow_transition_to_state
	ON pgticket.workflow_transition (workflow, to_state);

CREATE INDEX IF NOT EXISTS ticket_history_actor_customer
	ON pgticket.ticket_history (actor_customer_id)
	WHERE actor_customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS ticket_history_actor_staff
	ON pgticket.ticket_history (actor_staff_id)
	WHERE actor_staff_id IS NOT NULL;

CREATE INDEX IF NOT EXISTS message_customer
	ON pgticket.message (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS message_staff
	ON pgticket.message (staff_id) WHERE staff_id IS NOT NULL;

CREATE INDEX IF NOT EXISTS rating_customer
	ON pgticket.rating (customer_id);

CREATE INDEX IF NOT EXISTS idempotency_key_client
	ON pgticket.idempotency_key (client_id);
CREATE INDEX IF NOT EXISTS idempotency_key_ticket
	ON pgticket.idempotency_key (ticket_id) WHERE ticket_id IS NOT NULL;
