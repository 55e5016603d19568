/*
 * pgticket core API: the functions DBAs and the API facades call.
 *
 * C (extension/src/) where it earns its place: the state machine
 * (transition), ratings (rate), SLA due dates (sla_due) and queue numbers
 * (next_queue_number).  create_ticket, assign and add_message are PL/pgSQL:
 * a few statements each, nothing C would make faster.
 *
 * Every function is non-STRICT so that a NULL required argument is reported
 * by name (SQLSTATE 22004).  pgticket's own SQLSTATEs: PT403 not permitted,
 * PT404 not found, PT409 refused by a rule.
 *
 * Since 1.1 this part runs again over its 1.0 objects (CREATE OR REPLACE)
 * and is in the update script: the PL/pgSQL functions test their required
 * arguments in one expression and call require_arg, a statement each, only
 * when one is missing, to name it.
 */

COMMENT ON SCHEMA pgticket IS
	'pgticket core: tables, workflows and the core functions; DBAs only';

/* ------------------------------------------------------------------- C */

CREATE OR REPLACE FUNCTION pgticket.sla_due(priority pgticket.priority,
								 from_time timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_sla_due';
COMMENT ON FUNCTION pgticket.sla_due(pgticket.priority, timestamptz) IS
	'SLA due date of a ticket of this priority created at from_time: from_time plus the priority''s resolve_within (pgticket.sla_policy; contract.md: urgent 4 h, high 8 h, medium 12 h, low 48 h by default); NULL when the priority has no policy; 22004 a NULL argument';

CREATE OR REPLACE FUNCTION pgticket.transition(ticket_id bigint, to_state text,
									actor_staff_id bigint DEFAULT NULL,
									actor_customer_id bigint DEFAULT NULL,
									reason text DEFAULT NULL,
									expected_state text DEFAULT NULL,
									assignee_id bigint DEFAULT NULL)
RETURNS pgticket.ticket
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pgticket_transition';
COMMENT ON FUNCTION pgticket.transition(bigint, text, bigint, bigint, text, text, bigint) IS
	'Move a ticket to to_state if its workflow lists the move (pgticket.workflow_transition; contract.md: workflows are data); locks the ticket, sets the timestamps, records the history; expected_state makes a stale caller fail; assignee_id assigns in the same step. 22004 ticket_id or to_state NULL, PT404 ticket, staff (actor or assignee) or customer missing, PT409 move not in the workflow (DETAIL names the allowed targets), stale expected_state, or a move that needs an assignee';

CREATE OR REPLACE FUNCTION pgticket.rate(ticket_id bigint, customer_id bigint,
							  value integer, comment text DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pgticket_rate';
COMMENT ON FUNCTION pgticket.rate(bigint, bigint, integer, text) IS
	'The ticket''s customer rates a solved or closed ticket 1..5 (contract.md 004 ticket_rating); supersedes the current rating, keeps the old one; returns the rating id. 22004 a required argument NULL, 22003 value not 1..5, PT404 ticket missing, PT403 not the ticket''s customer, PT409 not solved or closed';

CREATE OR REPLACE FUNCTION pgticket.next_queue_number(branch text, sector text,
										   service text,
										   day date DEFAULT current_date)
RETURNS integer
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pgticket_next_queue_number';
COMMENT ON FUNCTION pgticket.next_queue_number(text, text, text, date) IS
	'Next number of a service''s queue for the day, from 1 (contract.md 002: a per-branch, per-service, per-day queue number); unique and gap-free under concurrency (a rollback gives its number back); 22004 a NULL argument, 22023 day infinite, PT404 no such service';

/* ------------------------------------------------------------ PL/pgSQL */

CREATE OR REPLACE FUNCTION pgticket.require_arg(value anyelement, name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF value IS NULL THEN
		RAISE EXCEPTION 'argument "%" must not be null', name
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.require_arg(anyelement, text) IS
	'Raise 22004 naming the argument when value is NULL (helper of the PL/pgSQL core functions)';

/*
 * A ticket's times are finite: infinity and -infinity sort and compare, but
 * every interval taken from them fails ("cannot subtract infinite
 * timestamps"), so one such ticket would break pgticket_report.backlog for
 * every reader.  Refused where a DBA passes a time that is stored.
 */
CREATE OR REPLACE FUNCTION pgticket.require_finite(value timestamptz, name text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF NOT isfinite(value) THEN
		RAISE EXCEPTION 'argument "%" must be a finite time', name
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('%s was given; tickets, messages and their history are stored at real times.', value),
				  HINT = 'Pass a time such as now() or ''2024-05-02 09:05:00+00''.';
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.require_finite(timestamptz, text) IS
	'Raise 22023 naming the argument when value is infinity or -infinity: an infinite time stored in a ticket breaks every interval taken from it (pgticket_report.backlog) (helper of the PL/pgSQL core functions)';

CREATE OR REPLACE FUNCTION pgticket.check_actor(actor_staff_id bigint)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF actor_staff_id IS NOT NULL THEN
		PERFORM FROM pgticket.staff s WHERE s.id = actor_staff_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'staff % does not exist', actor_staff_id
				USING ERRCODE = 'PT404';
		END IF;
	END IF;
END
$$;
COMMENT ON FUNCTION pgticket.check_actor(bigint) IS
	'Raise PT404 when actor_staff_id names no staff member; NULL (no staff actor) passes (helper of the PL/pgSQL core functions)';

CREATE OR REPLACE FUNCTION pgticket.create_ticket(workflow text, customer_id bigint,
									   subject text,
									   description text DEFAULT '',
									   priority pgticket.priority DEFAULT 'medium',
									   type text DEFAULT NULL,
									   channel text DEFAULT NULL,
									   created_at timestamptz DEFAULT now(),
									   number bigint DEFAULT NULL,
									   actor_staff_id bigint DEFAULT NULL,
									   due_at timestamptz DEFAULT NULL)
RETURNS pgticket.ticket
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	wf		pgticket.workflow;
	initial	text;
	t		pgticket.ticket;
BEGIN
	IF create_ticket.workflow IS NULL OR create_ticket.customer_id IS NULL
		OR create_ticket.subject IS NULL OR create_ticket.priority IS NULL
		OR create_ticket.created_at IS NULL THEN
		PERFORM pgticket.require_arg(create_ticket.workflow, 'workflow');
		PERFORM pgticket.require_arg(create_ticket.customer_id, 'customer_id');
		PERFORM pgticket.require_arg(create_ticket.subject, 'subject');
		PERFORM pgticket.require_arg(create_ticket.priority, 'priority');
		PERFORM pgticket.require_arg(create_ticket.created_at, 'created_at');
	END IF;
	IF NOT isfinite(create_ticket.created_at) THEN
		PERFORM pgticket.require_finite(create_ticket.created_at, 'created_at');
	END IF;
	/* one test on the usual path (no due date given), not two */
	IF create_ticket.due_at IS NOT NULL THEN
		IF NOT isfinite(create_ticket.due_at) THEN
			PERFORM pgticket.require_finite(create_ticket.due_at, 'due_at');
		END IF;
		IF create_ticket.due_at < create_ticket.created_at THEN
			RAISE EXCEPTION 'argument "due_at" must not be before "created_at"'
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = format('due_at %s, created_at %s.',
									  create_ticket.due_at, create_ticket.created_at),
					  HINT = 'Omit due_at for the SLA policy''s due date.';
		END IF;
	END IF;
	IF create_ticket.number <= 0 THEN
		RAISE EXCEPTION 'argument "number" must be positive'
			USING ERRCODE = 'numeric_value_out_of_range',
				  DETAIL = format('Ticket numbers start at 1; %s was given.', create_ticket.number);
	END IF;

	SELECT * INTO wf FROM pgticket.workflow w WHERE w.name = create_ticket.workflow;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'workflow "%" does not exist', create_ticket.workflow
			USING ERRCODE = 'PT404',
				  HINT = 'The workflows are the rows of pgticket.workflow.';
	END IF;
	SELECT s.state INTO initial FROM pgticket.workflow_state s
	 WHERE s.workflow = wf.name AND s.is_initial;
	IF NOT FOUND THEN
		/*
		 * The configuration's fault, not the caller's: not PT409, which
		 * every facade answers as the client's 409.
		 */
		RAISE EXCEPTION 'workflow "%" has no initial state', wf.name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'A new ticket starts in the workflow''s initial state.',
				  HINT = 'Mark one of its states is_initial in pgticket.workflow_state.';
	END IF;
	PERFORM FROM pgticket.customer c WHERE c.id = create_ticket.customer_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'customer % does not exist', create_ticket.customer_id
			USING ERRCODE = 'PT404';
	END IF;
	IF actor_staff_id IS NOT NULL THEN
		PERFORM pgticket.check_actor(actor_staff_id);
	END IF;

	INSERT INTO pgticket.ticket AS tk
		(number, workflow, state, customer_id, type, priority, subject,
		 description, channel, due_at, created_at, updated_at)
	VALUES (coalesce(create_ticket.number, nextval(wf.number_seq)), wf.name,
			initial, create_ticket.customer_id, create_ticket.type,
			create_ticket.priority, create_ticket.subject,
			coalesce(create_ticket.description, ''), create_ticket.channel,
			coalesce(create_ticket.due_at,
				pgticket.sla_due(create_ticket.priority, create_ticket.created_at)),
			create_ticket.created_at, create_ticket.created_at)
	RETURNING * INTO t;

	INSERT INTO pgticket.ticket_history
		(ticket_id, at, actor_kind, actor_staff_id, actor_customer_id,
		 transition, from_state, to_state)
	VALUES (t.id, create_ticket.created_at,
			CASE WHEN actor_staff_id IS NULL THEN 'customer' ELSE 'staff' END::pgticket.author_kind,
			actor_staff_id,
			CASE WHEN actor_staff_id IS NULL THEN t.customer_id END,
			'create', NULL, initial);
	RETURN t;
END
$$;
COMMENT ON FUNCTION pgticket.create_ticket(text, bigint, text, text, pgticket.priority, text, text, timestamptz, bigint, bigint, timestamptz) IS
	'Open a ticket in the initial state of a workflow: number from the workflow''s sequence unless given, due date due_at when given, else from the SLA policy (contract.md: due from an SLA policy per priority; seed 000: due at the dispatch date), history row "create" (actor: the staff member if given, else the customer); 22004 a required argument NULL, 22023 created_at or due_at infinite or due_at before created_at, 22003 number not positive, PT404 workflow, customer or staff missing, 55000 the workflow has no initial state (a configuration fault: the facades answer 500), 23505 number taken';

CREATE OR REPLACE FUNCTION pgticket.assign(ticket_id bigint, staff_id bigint,
								actor_staff_id bigint DEFAULT NULL,
								reason text DEFAULT NULL)
RETURNS pgticket.ticket
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	t		pgticket.ticket;
	cat		pgticket.state_category;
	who		pgticket.staff;
BEGIN
	PERFORM pgticket.require_arg(assign.ticket_id, 'ticket_id');

	SELECT tk.* INTO t FROM pgticket.ticket tk WHERE tk.id = assign.ticket_id
	   FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'ticket % does not exist', assign.ticket_id
			USING ERRCODE = 'PT404';
	END IF;
	SELECT s.category INTO cat FROM pgticket.workflow_state s
	 WHERE s.workflow = t.workflow AND s.state = t.state;
	IF cat IN ('closed', 'cancelled') THEN
		RAISE EXCEPTION 'ticket % cannot be assigned', t.id
			USING ERRCODE = 'PT409',
				  DETAIL = format('The ticket is in state "%s" (category %s); closed and cancelled tickets keep their assignee.', t.state, cat);
	END IF;
	IF assign.staff_id IS NOT NULL THEN
		SELECT s.* INTO who FROM pgticket.staff s WHERE s.id = assign.staff_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'staff % does not exist', assign.staff_id
				USING ERRCODE = 'PT404';
		ELSIF NOT who.active THEN
			RAISE EXCEPTION 'staff % is not active', assign.staff_id
				USING ERRCODE = 'PT404',
					  DETAIL = 'Only active staff can be assigned tickets.';
		END IF;
	END IF;
	PERFORM pgticket.check_actor(actor_staff_id);

	/* updated_at forward only, as a transition's */
	UPDATE pgticket.ticket tk
	   SET assignee_id = assign.staff_id,
		   updated_at = greatest(now(), tk.updated_at)
	 WHERE tk.id = t.id
	RETURNING * INTO t;

	INSERT INTO pgticket.ticket_history
		(ticket_id, actor_kind, actor_staff_id, transition, from_state,
		 to_state, reason)
	VALUES (t.id,
			CASE WHEN actor_staff_id IS NULL THEN 'system' ELSE 'staff' END::pgticket.author_kind,
			actor_staff_id, 'assign', t.state, t.state,
			coalesce(assign.reason,
					 CASE WHEN assign.staff_id IS NULL THEN 'unassigned'
						  ELSE 'assigned to ' || who.username END));
	RETURN t;
END
$$;
COMMENT ON FUNCTION pgticket.assign(bigint, bigint, bigint, text) IS
	'Assign a ticket to an active staff member (NULL unassigns); does not change the state; history row "assign". 22004 ticket_id NULL, PT404 ticket missing, staff missing or inactive, or actor_staff_id missing, PT409 closed or cancelled ticket';

CREATE OR REPLACE FUNCTION pgticket.add_message(ticket_id bigint, body text,
									 author_kind pgticket.author_kind,
									 author_id bigint DEFAULT NULL,
									 author_name text DEFAULT NULL,
									 visibility pgticket.visibility DEFAULT 'public',
									 created_at timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	owner	bigint;
	updated	timestamptz;
	name	text;
	id		bigint;
BEGIN
	IF add_message.ticket_id IS NULL OR add_message.body IS NULL
		OR add_message.author_kind IS NULL OR add_message.visibility IS NULL
		OR add_message.created_at IS NULL THEN
		PERFORM pgticket.require_arg(add_message.ticket_id, 'ticket_id');
		PERFORM pgticket.require_arg(add_message.body, 'body');
		PERFORM pgticket.require_arg(add_message.author_kind, 'author_kind');
		PERFORM pgticket.require_arg(add_message.visibility, 'visibility');
		PERFORM pgticket.require_arg(add_message.created_at, 'created_at');
	END IF;
	IF NOT isfinite(add_message.created_at) THEN
		PERFORM pgticket.require_finite(add_message.created_at, 'created_at');
	END IF;
	IF btrim(add_message.body) = '' THEN
		RAISE EXCEPTION 'argument "body" must not be empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	SELECT t.customer_id, t.updated_at INTO owner, updated FROM pgticket.ticket t
	 WHERE t.id = add_message.ticket_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'ticket % does not exist', add_message.ticket_id
			USING ERRCODE = 'PT404';
	END IF;

	IF add_message.author_kind = 'staff' THEN
		PERFORM pgticket.require_arg(author_id, 'author_id');
		SELECT coalesce(nullif(s.name, ''), s.username) INTO name
		  FROM pgticket.staff s WHERE s.id = author_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'staff % does not exist', author_id
				USING ERRCODE = 'PT404';
		END IF;
	ELSIF add_message.author_kind = 'customer' THEN
		PERFORM pgticket.require_arg(author_id, 'author_id');
		SELECT c.name INTO name FROM pgticket.customer c WHERE c.id = author_id;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'customer % does not exist', author_id
				USING ERRCODE = 'PT404';
		END IF;
		IF author_id <> owner THEN
			RAISE EXCEPTION 'customer % cannot write on ticket %', author_id,
					add_message.ticket_id
				USING ERRCODE = 'PT403',
					  DETAIL = 'Only the customer who raised a ticket can write on it.';
		END IF;
		IF add_message.visibility = 'internal' THEN
			RAISE EXCEPTION 'customers cannot write internal messages'
				USING ERRCODE = 'PT403',
					  DETAIL = 'Internal messages are for staff only.';
		END IF;
	ELSE
		name := 'system';
	END IF;

	INSERT INTO pgticket.message AS m
		(ticket_id, created_at, author_kind, staff_id, customer_id,
		 author_name, body, visibility)
	VALUES (add_message.ticket_id, add_message.created_at,
			add_message.author_kind,
			CASE WHEN add_message.author_kind = 'staff' THEN author_id END,
			CASE WHEN add_message.author_kind = 'customer' THEN author_id END,
			coalesce(author_name, name, ''), add_message.body,
			add_message.visibility)
	RETURNING m.id INTO id;

	/*
	 * No new row version when the time would not change (a ticket's first
	 * message, written with the ticket), and no statement either: an
	 * UPDATE of ticket opens its eight indexes even when it changes
	 * nothing.
	 */
	IF updated < add_message.created_at THEN
		UPDATE pgticket.ticket t
		   SET updated_at = add_message.created_at
		 WHERE t.id = add_message.ticket_id
		   AND t.updated_at < add_message.created_at;
	END IF;
	RETURN id;
END
$$;
COMMENT ON FUNCTION pgticket.add_message(bigint, text, pgticket.author_kind, bigint, text, pgticket.visibility, timestamptz) IS
	'Add a message to a ticket''s conversation; author_id is the staff or customer id per author_kind; customers write only public messages on their own tickets (PT403; contract.md 004: showToUser=false messages are internal, never shown to the user); returns the message id; 22004 a required argument NULL, 22023 empty body or created_at infinite, PT404 ticket or author missing';
