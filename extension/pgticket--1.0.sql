-- pgticket 1.0 as it was released (assembled from extension/install/ at that time); never edit it: see README, Versions
\echo Use "CREATE EXTENSION pgticket" to load this file. \quit

-- extension/install/00_schema.sql
/*
 * pgticket core schema: the tables every API shares.
 *
 * Vocabulary.  A ticket follows one workflow; a workflow is a set of states
 * (each in a reporting category) and named transitions between them.  A
 * customer raises tickets; staff (admins, operators, agents) work on them.
 * What only one API carries lives in a 1:1 detail table keyed by ticket id.
 */

CREATE TYPE pgticket.state_category AS ENUM
	('new', 'open', 'pending', 'solved', 'closed', 'cancelled');
COMMENT ON TYPE pgticket.state_category IS
	'Reporting category of a workflow state, shared by every workflow so reports compare tickets of every kind';

CREATE TYPE pgticket.priority AS ENUM ('low', 'medium', 'high', 'urgent');
COMMENT ON TYPE pgticket.priority IS 'Ticket priority; drives the SLA due date';

CREATE TYPE pgticket.staff_role AS ENUM ('admin', 'operator', 'agent');
COMMENT ON TYPE pgticket.staff_role IS 'What a staff member does: admin (helpdesk), operator (workshop), agent (CRM)';

CREATE TYPE pgticket.visibility AS ENUM ('public', 'internal');
COMMENT ON TYPE pgticket.visibility IS 'Who may read a message: public (the customer too) or internal (staff only)';

CREATE TYPE pgticket.author_kind AS ENUM ('customer', 'staff', 'system');
COMMENT ON TYPE pgticket.author_kind IS 'Who wrote a message or made a change';

CREATE TYPE pgticket.http_response AS (status integer, headers jsonb, body text);
COMMENT ON TYPE pgticket.http_response IS
	'What every REST facade returns: HTTP status, headers as a JSON object of strings, body bytes (NULL for none); nginx writes them as they come';

/* ---------------------------------------------------------------- workflows */

CREATE TABLE pgticket.workflow (
	name		text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$'),
	description	text NOT NULL DEFAULT '',
	number_seq	regclass NOT NULL
);
COMMENT ON TABLE pgticket.workflow IS 'A ticket lifecycle: its states and transitions are rows of workflow_state and workflow_transition';
COMMENT ON COLUMN pgticket.workflow.number_seq IS 'Sequence that issues the human ticket numbers of this workflow';

CREATE TABLE pgticket.workflow_state (
	workflow	text NOT NULL REFERENCES pgticket.workflow ON UPDATE CASCADE,
	state		text NOT NULL CHECK (state ~ '^[a-z][a-z0-9_]*$'),
	category	pgticket.state_category NOT NULL,
	is_initial	boolean NOT NULL DEFAULT false,
	label		text NOT NULL DEFAULT '',
	PRIMARY KEY (workflow, state)
);
CREATE UNIQUE INDEX workflow_state_one_initial
	ON pgticket.workflow_state (workflow) WHERE is_initial;
COMMENT ON TABLE pgticket.workflow_state IS 'States of a workflow; exactly one per workflow is initial';
COMMENT ON COLUMN pgticket.workflow_state.category IS 'Reporting category (new, open, pending, solved, closed, cancelled)';
COMMENT ON COLUMN pgticket.workflow_state.label IS 'Display name an API may show (e.g. "Open")';

CREATE TABLE pgticket.workflow_transition (
	workflow	text NOT NULL,
	name		text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]*$'),
	from_state	text NOT NULL,
	to_state	text NOT NULL,
	needs_assignee boolean NOT NULL DEFAULT false,
	PRIMARY KEY (workflow, from_state, to_state),
	UNIQUE (workflow, from_state, name),
	FOREIGN KEY (workflow, from_state) REFERENCES pgticket.workflow_state
		ON UPDATE CASCADE,
	FOREIGN KEY (workflow, to_state) REFERENCES pgticket.workflow_state
		ON UPDATE CASCADE,
	CHECK (from_state <> to_state)
);
COMMENT ON TABLE pgticket.workflow_transition IS 'Named, allowed moves between two states of a workflow; anything not listed is refused';
COMMENT ON COLUMN pgticket.workflow_transition.needs_assignee IS 'The ticket must have (or be given) an assignee to take this transition';

/* ------------------------------------------------------- people and clients */

CREATE TABLE pgticket.customer (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	uuid		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	name		text NOT NULL DEFAULT '',
	email		text,
	phone		text,
	account		text,
	helpdesk_user_id bigint UNIQUE CHECK (helpdesk_user_id > 0),
	resume_customer_id bigint UNIQUE CHECK (resume_customer_id > 0),
	cut_off		boolean NOT NULL DEFAULT false,
	crm_contact_id bigint UNIQUE CHECK (crm_contact_id > 0),
	id_type		text,
	id_number	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (id_type, id_number),
	CHECK ((id_type IS NULL) = (id_number IS NULL)),
	CHECK (id_number ~ '^[A-Za-z0-9-]{1,32}$')
);
COMMENT ON TABLE pgticket.customer IS 'Whoever raises tickets, with the external identifier each API knows them by';
COMMENT ON COLUMN pgticket.customer.uuid IS 'Public identifier (workshop API customer_id)';
COMMENT ON COLUMN pgticket.customer.account IS 'Tenant account (helpdesk account_id)';
COMMENT ON COLUMN pgticket.customer.helpdesk_user_id IS 'Helpdesk API userId';
COMMENT ON COLUMN pgticket.customer.resume_customer_id IS 'Resume-service API customerId';
COMMENT ON COLUMN pgticket.customer.cut_off IS 'Service cut off: the resume-service API only accepts tickets for such customers';
COMMENT ON COLUMN pgticket.customer.crm_contact_id IS 'CRM contact number (rendered "12x<n>")';
COMMENT ON COLUMN pgticket.customer.id_type IS 'Queue API customer_id_type (a row of customer_id_type)';
COMMENT ON COLUMN pgticket.customer.id_number IS 'Queue API customer_id_number';

CREATE TABLE pgticket.staff (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	uuid		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	username	text NOT NULL UNIQUE CHECK (username <> ''),
	name		text NOT NULL DEFAULT '',
	email		text,
	role		pgticket.staff_role NOT NULL,
	is_operator	boolean NOT NULL DEFAULT false,
	crm_user_id	bigint UNIQUE CHECK (crm_user_id > 0),
	active		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE pgticket.staff IS 'People who work on tickets: helpdesk admins, workshop operators, CRM agents';
COMMENT ON COLUMN pgticket.staff.username IS 'Login name (helpdesk admins use their e-mail address)';
COMMENT ON COLUMN pgticket.staff.is_operator IS 'May service workshop tickets (workshop API is_operator)';
COMMENT ON COLUMN pgticket.staff.crm_user_id IS 'CRM user number (rendered "20x<n>")';

CREATE TABLE pgticket.api_client (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	api			text NOT NULL CHECK (api IN ('resume', 'crm', 'queue', 'workshop', 'helpdesk')),
	name		text NOT NULL,
	key_hash	bytea NOT NULL UNIQUE,
	salt		bytea NOT NULL DEFAULT ''::bytea,
	scopes		text[] NOT NULL DEFAULT '{}',
	active		boolean NOT NULL DEFAULT true,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (api, name)
);
COMMENT ON TABLE pgticket.api_client IS 'Machines allowed to call an API; the secret is stored only as a hash';
COMMENT ON COLUMN pgticket.api_client.key_hash IS 'sha256(salt || secret): an API key, or a Basic password';
COMMENT ON COLUMN pgticket.api_client.salt IS 'Per-client salt (empty for high-entropy API keys looked up by hash)';

CREATE TABLE pgticket.setting (
	name		text PRIMARY KEY,
	value		text NOT NULL
);
COMMENT ON TABLE pgticket.setting IS 'Server-side settings (e.g. token_secret, the HS256 key for API tokens); readable by the owner only';

/* ------------------------------------------------------------- catalogues */

CREATE TABLE pgticket.sla_policy (
	priority	pgticket.priority PRIMARY KEY,
	resolve_within interval NOT NULL CHECK (resolve_within > interval '0')
);
COMMENT ON TABLE pgticket.sla_policy IS 'How long a ticket of each priority may stay unsolved; sets tickets.due_at';

CREATE TABLE pgticket.issue_type (
	scope		text NOT NULL CHECK (scope IN ('crm', 'helpdesk')),
	name		text NOT NULL CHECK (name <> ''),
	group_name	text,
	position	integer NOT NULL DEFAULT 0,
	PRIMARY KEY (scope, name)
);
COMMENT ON TABLE pgticket.issue_type IS 'Ticket types an API offers (CRM issueTypes, helpdesk ticket types and their groups)';

CREATE TABLE pgticket.channel (
	code		text PRIMARY KEY CHECK (code <> ''),
	name		text NOT NULL DEFAULT ''
);
COMMENT ON TABLE pgticket.channel IS 'Queue API channels: the kinds of device that issue queue tickets';

CREATE TABLE pgticket.customer_id_type (
	code		text PRIMARY KEY CHECK (code <> ''),
	name		text NOT NULL DEFAULT ''
);
COMMENT ON TABLE pgticket.customer_id_type IS 'Queue API customer_id_type values (DNI, PASSPORT, ...)';

ALTER TABLE pgticket.customer ADD FOREIGN KEY (id_type)
	REFERENCES pgticket.customer_id_type ON UPDATE CASCADE;

CREATE TABLE pgticket.branch (
	code		text PRIMARY KEY CHECK (code <> ''),
	name		text NOT NULL DEFAULT ''
);
COMMENT ON TABLE pgticket.branch IS 'Queue API branches';

CREATE TABLE pgticket.sector (
	branch		text NOT NULL REFERENCES pgticket.branch ON UPDATE CASCADE,
	code		text NOT NULL CHECK (code <> ''),
	name		text NOT NULL DEFAULT '',
	PRIMARY KEY (branch, code)
);
COMMENT ON TABLE pgticket.sector IS 'Sectors of a branch';

CREATE TABLE pgticket.service (
	branch		text NOT NULL,
	sector		text NOT NULL,
	code		text NOT NULL CHECK (code <> ''),
	name		text NOT NULL DEFAULT '',
	prefix		text NOT NULL CHECK (prefix ~ '^[A-Z]{1,3}$'),
	PRIMARY KEY (branch, sector, code),
	FOREIGN KEY (branch, sector) REFERENCES pgticket.sector ON UPDATE CASCADE
);
COMMENT ON TABLE pgticket.service IS 'Services of a sector; each has its own daily queue with a number prefix';

CREATE TABLE pgticket.queue_counter (
	branch		text NOT NULL,
	sector		text NOT NULL,
	service		text NOT NULL,
	day			date NOT NULL,
	last_number	integer NOT NULL CHECK (last_number > 0),
	PRIMARY KEY (branch, sector, service, day),
	FOREIGN KEY (branch, sector, service) REFERENCES pgticket.service
		ON UPDATE CASCADE
);
COMMENT ON TABLE pgticket.queue_counter IS 'Last queue number issued per service and day; its row lock makes numbers gap-free';

/* ---------------------------------------------------------------- tickets */

CREATE SEQUENCE pgticket.helpdesk_number_seq START 1000;
CREATE SEQUENCE pgticket.queue_number_seq START 1000;
CREATE SEQUENCE pgticket.workshop_number_seq START 7000000;
CREATE SEQUENCE pgticket.resume_number_seq START 1000;
COMMENT ON SEQUENCE pgticket.helpdesk_number_seq IS 'Human numbers of helpdesk-workflow tickets';
COMMENT ON SEQUENCE pgticket.queue_number_seq IS 'Human numbers of queue-workflow tickets';
COMMENT ON SEQUENCE pgticket.workshop_number_seq IS 'Human numbers of workshop-workflow tickets';
COMMENT ON SEQUENCE pgticket.resume_number_seq IS 'Human numbers of resume-workflow tickets';

CREATE TABLE pgticket.ticket (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	uuid		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	number		bigint NOT NULL CHECK (number > 0),
	workflow	text NOT NULL,
	state		text NOT NULL,
	customer_id	bigint NOT NULL REFERENCES pgticket.customer,
	assignee_id	bigint REFERENCES pgticket.staff,
	type		text,
	priority	pgticket.priority NOT NULL DEFAULT 'medium',
	subject		text NOT NULL DEFAULT '',
	description	text NOT NULL DEFAULT '',
	channel		text,
	due_at		timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	resolved_at	timestamptz,
	closed_at	timestamptz,
	UNIQUE (workflow, number),
	FOREIGN KEY (workflow, state) REFERENCES pgticket.workflow_state
		ON UPDATE CASCADE,
	CHECK (updated_at >= created_at)
);
CREATE INDEX ticket_customer ON pgticket.ticket (customer_id, created_at DESC);
CREATE INDEX ticket_workflow_state ON pgticket.ticket (workflow, state, created_at);
CREATE INDEX ticket_assignee ON pgticket.ticket (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX ticket_due ON pgticket.ticket (due_at) WHERE closed_at IS NULL;
COMMENT ON TABLE pgticket.ticket IS 'Every ticket of every API: one row each, rendered by each API in its own shape';
COMMENT ON COLUMN pgticket.ticket.uuid IS 'Public identifier (workshop API id)';
COMMENT ON COLUMN pgticket.ticket.number IS 'Human number, unique per workflow (helpdesk ticketId, CRM TT<n>, workshop ticket_number)';
COMMENT ON COLUMN pgticket.ticket.state IS 'Current state; change it only with pgticket.transition()';
COMMENT ON COLUMN pgticket.ticket.type IS 'Ticket type or category (helpdesk type, CRM ticketcategories)';
COMMENT ON COLUMN pgticket.ticket.channel IS 'Where the ticket came from (API, channel or source)';
COMMENT ON COLUMN pgticket.ticket.due_at IS 'SLA deadline, from pgticket.sla_policy and the priority';

CREATE TABLE pgticket.ticket_helpdesk (
	ticket_id	bigint PRIMARY KEY REFERENCES pgticket.ticket ON DELETE CASCADE,
	group_name	text,
	resolution_type text,
	resolution_subject text
);
COMMENT ON TABLE pgticket.ticket_helpdesk IS 'Helpdesk-only ticket fields: group and resolution';

CREATE TABLE pgticket.ticket_crm (
	ticket_id	bigint PRIMARY KEY REFERENCES pgticket.ticket ON DELETE CASCADE,
	status_label text NOT NULL DEFAULT 'Open',
	extra		jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE pgticket.ticket_crm IS 'CRM-only ticket fields; extra holds the free-form CRM record keys';

CREATE TABLE pgticket.ticket_queue (
	ticket_id	bigint PRIMARY KEY REFERENCES pgticket.ticket ON DELETE CASCADE,
	branch		text NOT NULL,
	sector		text NOT NULL,
	service		text NOT NULL,
	day			date NOT NULL,
	queue_number integer NOT NULL CHECK (queue_number > 0),
	phone		text,
	called_at	timestamptz,
	finished_at	timestamptz,
	UNIQUE (branch, sector, service, day, queue_number),
	FOREIGN KEY (branch, sector, service) REFERENCES pgticket.service
		ON UPDATE CASCADE
);
COMMENT ON TABLE pgticket.ticket_queue IS 'Queue placement of a branch queue ticket: service, day and queue number';

CREATE TABLE pgticket.ticket_vehicle (
	ticket_id	bigint PRIMARY KEY REFERENCES pgticket.ticket ON DELETE CASCADE,
	vehicle_model_id bigint NOT NULL,
	vin			text NOT NULL CHECK (vin ~ '^[A-HJ-NPR-Z0-9]{17}$'),
	connection_id uuid
);
COMMENT ON TABLE pgticket.ticket_vehicle IS 'Vehicle of a workshop ticket';

CREATE TABLE pgticket.ticket_dispatch (
	ticket_id	bigint PRIMARY KEY REFERENCES pgticket.ticket ON DELETE CASCADE,
	reason_code	text NOT NULL,
	reason		text,
	dispatch_at	timestamptz NOT NULL,
	service_id	text NOT NULL,
	service_code text NOT NULL,
	service_description text,
	requestor	jsonb NOT NULL DEFAULT '{}',
	assigned_to_user text,
	profile_id	text
);
COMMENT ON TABLE pgticket.ticket_dispatch IS 'Field-service dispatch of a resume-service ticket';

/* ---------------------------------------- history, conversation, ratings */

CREATE TABLE pgticket.ticket_history (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ticket_id	bigint NOT NULL REFERENCES pgticket.ticket,
	at			timestamptz NOT NULL DEFAULT now(),
	actor_kind	pgticket.author_kind NOT NULL,
	actor_staff_id bigint REFERENCES pgticket.staff,
	actor_customer_id bigint REFERENCES pgticket.customer,
	transition	text NOT NULL,
	from_state	text,
	to_state	text NOT NULL,
	reason		text
);
CREATE INDEX ticket_history_ticket ON pgticket.ticket_history (ticket_id, id);
COMMENT ON TABLE pgticket.ticket_history IS 'Append-only record of every change of state or assignee: who, when, from, to, why';
COMMENT ON COLUMN pgticket.ticket_history.transition IS 'Transition name, or create / assign / rate for other changes';

CREATE FUNCTION pgticket.refuse_history_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING
		ERRCODE = 'PT403',
		MESSAGE = format('%s is append-only', TG_TABLE_NAME),
		DETAIL = format('%s of a history row was refused.', TG_OP),
		HINT = 'Record a correction as a new row instead.';
END
$$;
COMMENT ON FUNCTION pgticket.refuse_history_change() IS 'Trigger function keeping history tables append-only';

CREATE TRIGGER ticket_history_append_only
	BEFORE UPDATE OR DELETE ON pgticket.ticket_history
	FOR EACH ROW EXECUTE FUNCTION pgticket.refuse_history_change();
CREATE TRIGGER ticket_history_no_truncate
	BEFORE TRUNCATE ON pgticket.ticket_history
	FOR EACH STATEMENT EXECUTE FUNCTION pgticket.refuse_history_change();

CREATE TABLE pgticket.message (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ticket_id	bigint NOT NULL REFERENCES pgticket.ticket ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	author_kind	pgticket.author_kind NOT NULL,
	staff_id	bigint REFERENCES pgticket.staff,
	customer_id	bigint REFERENCES pgticket.customer,
	author_name	text NOT NULL DEFAULT '',
	body		text NOT NULL CHECK (body <> ''),
	visibility	pgticket.visibility NOT NULL DEFAULT 'public',
	CHECK (author_kind <> 'staff' OR staff_id IS NOT NULL),
	CHECK (author_kind <> 'customer' OR customer_id IS NOT NULL)
);
CREATE INDEX message_ticket ON pgticket.message (ticket_id, created_at, id);
COMMENT ON TABLE pgticket.message IS 'Conversation of a ticket: replies and comments, public or internal';

CREATE TABLE pgticket.rating (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ticket_id	bigint NOT NULL REFERENCES pgticket.ticket ON DELETE CASCADE,
	customer_id	bigint NOT NULL REFERENCES pgticket.customer,
	value		smallint NOT NULL CHECK (value BETWEEN 1 AND 5),
	comment		text,
	rated_at	timestamptz NOT NULL DEFAULT now(),
	superseded_at timestamptz,
	CHECK (superseded_at IS NULL OR superseded_at >= rated_at)
);
CREATE UNIQUE INDEX rating_current ON pgticket.rating (ticket_id)
	WHERE superseded_at IS NULL;
CREATE INDEX rating_ticket ON pgticket.rating (ticket_id, id);
COMMENT ON TABLE pgticket.rating IS 'Customer ratings (1-5); a new rating supersedes the current one, which stays as history';

/* ------------------------------------------------------------ idempotency */

CREATE TABLE pgticket.idempotency_key (
	api			text NOT NULL,
	key			text NOT NULL CHECK (key <> ''),
	request_hash bytea NOT NULL,
	status		integer NOT NULL,
	body		text,
	ticket_id	bigint REFERENCES pgticket.ticket ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (api, key)
);
COMMENT ON TABLE pgticket.idempotency_key IS 'First answer given to each idempotency key (e.g. Request-Tracking-Id), replayed on repeats';

COMMENT ON SEQUENCE pgticket.customer_id_seq IS 'Identity of pgticket.customer.id';
COMMENT ON SEQUENCE pgticket.staff_id_seq IS 'Identity of pgticket.staff.id';
COMMENT ON SEQUENCE pgticket.api_client_id_seq IS 'Identity of pgticket.api_client.id';
COMMENT ON SEQUENCE pgticket.ticket_id_seq IS 'Identity of pgticket.ticket.id';
COMMENT ON SEQUENCE pgticket.ticket_history_id_seq IS 'Identity of pgticket.ticket_history.id';
COMMENT ON SEQUENCE pgticket.message_id_seq IS 'Identity of pgticket.message.id';
COMMENT ON SEQUENCE pgticket.rating_id_seq IS 'Identity of pgticket.rating.id';

/*
 * pg_dump keeps the rows of these tables (CREATE EXTENSION only makes them
 * empty) and the state of their sequences: a sequence is not dumped with
 * the table it serves, and a restored database whose sequences start again
 * would refuse every new ticket, customer or message as a duplicate.  The
 * workflow tables, which ship rows, are marked in 10_workflows.sql.
 */
SELECT pg_catalog.pg_extension_config_dump('pgticket.customer', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.staff', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.api_client', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_helpdesk', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_crm', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_queue', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_vehicle', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_dispatch', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_history', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.message', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.rating', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.idempotency_key', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.queue_counter', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.issue_type', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.channel', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.customer_id_type', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.branch', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.sector', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.service', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.setting', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.customer_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.staff_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.api_client_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.ticket_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.message_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.rating_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.helpdesk_number_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.queue_number_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.workshop_number_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pgticket.resume_number_seq', '');

-- extension/install/10_workflows.sql
/*
 * The shipped workflows (contract.md, Lifecycle) and SLA defaults.  They are
 * plain rows: a DBA adds a state or a transition with INSERT.
 */

INSERT INTO pgticket.workflow (name, description, number_seq) VALUES
	('helpdesk', 'Helpdesk and CRM tickets', 'pgticket.helpdesk_number_seq'),
	('queue', 'Branch queue tickets', 'pgticket.queue_number_seq'),
	('workshop', 'Workshop service tickets', 'pgticket.workshop_number_seq'),
	('resume', 'Resume-service field dispatch', 'pgticket.resume_number_seq');

INSERT INTO pgticket.workflow_state (workflow, state, category, is_initial, label) VALUES
	('helpdesk', 'new', 'new', true, 'Open'),
	('helpdesk', 'open', 'open', false, 'Open'),
	('helpdesk', 'on_hold', 'pending', false, 'On Hold'),
	('helpdesk', 'resolved', 'solved', false, 'Resolved'),
	('helpdesk', 'closed', 'closed', false, 'Closed'),
	('queue', 'waiting', 'open', true, 'waiting'),
	('queue', 'called', 'open', false, 'called'),
	('queue', 'attending', 'open', false, 'attending'),
	('queue', 'finished', 'closed', false, 'finished'),
	('queue', 'no_show', 'cancelled', false, 'no_show'),
	('queue', 'cancelled', 'cancelled', false, 'cancelled'),
	('workshop', 'pending', 'open', true, 'pending'),
	('workshop', 'in_progress', 'open', false, 'in progress'),
	('workshop', 'done', 'closed', false, 'done'),
	('workshop', 'cancelled', 'cancelled', false, 'cancelled'),
	('resume', 'scheduled', 'new', true, 'scheduled'),
	('resume', 'dispatched', 'open', false, 'dispatched'),
	('resume', 'done', 'closed', false, 'done'),
	('resume', 'cancelled', 'cancelled', false, 'cancelled');

INSERT INTO pgticket.workflow_transition (workflow, name, from_state, to_state, needs_assignee) VALUES
	('helpdesk', 'open', 'new', 'open', false),
	('helpdesk', 'hold', 'new', 'on_hold', false),
	('helpdesk', 'hold', 'open', 'on_hold', false),
	('helpdesk', 'resume', 'on_hold', 'open', false),
	('helpdesk', 'resolve', 'new', 'resolved', false),
	('helpdesk', 'resolve', 'open', 'resolved', false),
	('helpdesk', 'resolve', 'on_hold', 'resolved', false),
	('helpdesk', 'close', 'new', 'closed', false),
	('helpdesk', 'close', 'open', 'closed', false),
	('helpdesk', 'close', 'on_hold', 'closed', false),
	('helpdesk', 'close', 'resolved', 'closed', false),
	('helpdesk', 'reopen', 'closed', 'open', false),
	('queue', 'call', 'waiting', 'called', false),
	('queue', 'attend', 'called', 'attending', false),
	('queue', 'finish', 'attending', 'finished', false),
	('queue', 'recall', 'called', 'waiting', false),
	('queue', 'no-show', 'called', 'no_show', false),
	('queue', 'cancel', 'waiting', 'cancelled', false),
	('queue', 'cancel', 'called', 'cancelled', false),
	('workshop', 'start-service', 'pending', 'in_progress', true),
	('workshop', 'finish', 'in_progress', 'done', false),
	('workshop', 'cancel', 'pending', 'cancelled', false),
	('resume', 'dispatch', 'scheduled', 'dispatched', false),
	('resume', 'complete', 'dispatched', 'done', false),
	('resume', 'cancel', 'scheduled', 'cancelled', false);

/*
 * pg_dump keeps the workflows, states and transitions a DBA adds; the rows
 * above come back with CREATE EXTENSION, so the filters leave them out
 * (they are built from the rows themselves, so they cannot drift).  A change
 * to a shipped row is not kept: add a row instead of updating one.
 */
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow',
	'WHERE name NOT IN (' ||
	string_agg(quote_literal(name), ', ' ORDER BY name) || ')')
  FROM pgticket.workflow;
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow_state',
	'WHERE (workflow, state) NOT IN (' ||
	string_agg(format('(%L, %L)', workflow, state), ', '
			   ORDER BY workflow, state) || ')')
  FROM pgticket.workflow_state;
SELECT pg_catalog.pg_extension_config_dump('pgticket.workflow_transition',
	'WHERE (workflow, from_state, to_state) NOT IN (' ||
	string_agg(format('(%L, %L, %L)', workflow, from_state, to_state), ', '
			   ORDER BY workflow, from_state, to_state) || ')')
  FROM pgticket.workflow_transition;

INSERT INTO pgticket.sla_policy (priority, resolve_within) VALUES
	('urgent', '4 hours'),
	('high', '8 hours'),
	('medium', '12 hours'),
	('low', '48 hours');

-- extension/install/20_core.sql
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
 */

COMMENT ON SCHEMA pgticket IS
	'pgticket core: tables, workflows and the core functions; DBAs only';

/* ------------------------------------------------------------------- C */

CREATE FUNCTION pgticket.sla_due(priority pgticket.priority,
								 from_time timestamptz DEFAULT now())
RETURNS timestamptz
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'pgticket_sla_due';
COMMENT ON FUNCTION pgticket.sla_due(pgticket.priority, timestamptz) IS
	'SLA due date of a ticket of this priority created at from_time (pgticket.sla_policy); NULL when the priority has no policy';

CREATE FUNCTION pgticket.transition(ticket_id bigint, to_state text,
									actor_staff_id bigint DEFAULT NULL,
									actor_customer_id bigint DEFAULT NULL,
									reason text DEFAULT NULL,
									expected_state text DEFAULT NULL,
									assignee_id bigint DEFAULT NULL)
RETURNS pgticket.ticket
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pgticket_transition';
COMMENT ON FUNCTION pgticket.transition(bigint, text, bigint, bigint, text, text, bigint) IS
	'Move a ticket to to_state if its workflow lists the move (PT409 otherwise, naming the allowed targets); locks the ticket, sets the timestamps, records the history; expected_state makes a stale caller fail (PT409); assignee_id assigns in the same step';

CREATE FUNCTION pgticket.rate(ticket_id bigint, customer_id bigint,
							  value integer, comment text DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pgticket_rate';
COMMENT ON FUNCTION pgticket.rate(bigint, bigint, integer, text) IS
	'The ticket''s customer rates a solved or closed ticket 1..5; supersedes the current rating, keeps the old one; returns the rating id';

CREATE FUNCTION pgticket.next_queue_number(branch text, sector text,
										   service text,
										   day date DEFAULT current_date)
RETURNS integer
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'pgticket_next_queue_number';
COMMENT ON FUNCTION pgticket.next_queue_number(text, text, text, date) IS
	'Next number of a service''s queue for the day, from 1; unique and gap-free under concurrency (a rollback gives its number back)';

/* ------------------------------------------------------------ PL/pgSQL */

CREATE FUNCTION pgticket.require_arg(value anyelement, name text)
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

CREATE FUNCTION pgticket.check_actor(actor_staff_id bigint)
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

CREATE FUNCTION pgticket.create_ticket(workflow text, customer_id bigint,
									   subject text,
									   description text DEFAULT '',
									   priority pgticket.priority DEFAULT 'medium',
									   type text DEFAULT NULL,
									   channel text DEFAULT NULL,
									   created_at timestamptz DEFAULT now(),
									   number bigint DEFAULT NULL,
									   actor_staff_id bigint DEFAULT NULL)
RETURNS pgticket.ticket
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	wf		pgticket.workflow;
	initial	text;
	t		pgticket.ticket;
BEGIN
	PERFORM pgticket.require_arg(create_ticket.workflow, 'workflow');
	PERFORM pgticket.require_arg(create_ticket.customer_id, 'customer_id');
	PERFORM pgticket.require_arg(create_ticket.subject, 'subject');
	PERFORM pgticket.require_arg(create_ticket.priority, 'priority');
	PERFORM pgticket.require_arg(create_ticket.created_at, 'created_at');
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
		RAISE EXCEPTION 'workflow "%" has no initial state', wf.name
			USING ERRCODE = 'PT409',
				  HINT = 'Mark one of its states is_initial in pgticket.workflow_state.';
	END IF;
	PERFORM FROM pgticket.customer c WHERE c.id = create_ticket.customer_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'customer % does not exist', create_ticket.customer_id
			USING ERRCODE = 'PT404';
	END IF;
	PERFORM pgticket.check_actor(actor_staff_id);

	INSERT INTO pgticket.ticket AS tk
		(number, workflow, state, customer_id, type, priority, subject,
		 description, channel, due_at, created_at, updated_at)
	VALUES (coalesce(create_ticket.number, nextval(wf.number_seq)), wf.name,
			initial, create_ticket.customer_id, create_ticket.type,
			create_ticket.priority, create_ticket.subject,
			coalesce(create_ticket.description, ''), create_ticket.channel,
			pgticket.sla_due(create_ticket.priority, create_ticket.created_at),
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
COMMENT ON FUNCTION pgticket.create_ticket(text, bigint, text, text, pgticket.priority, text, text, timestamptz, bigint, bigint) IS
	'Open a ticket in the initial state of a workflow: number from the workflow''s sequence unless given, due date from the SLA policy, history row "create" (actor: the staff member if given, else the customer)';

CREATE FUNCTION pgticket.assign(ticket_id bigint, staff_id bigint,
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

	UPDATE pgticket.ticket tk
	   SET assignee_id = assign.staff_id,
		   updated_at = greatest(now(), tk.created_at)
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
	'Assign a ticket to an active staff member (NULL unassigns); refused (PT409) for closed or cancelled tickets; does not change the state; history row "assign"';

CREATE FUNCTION pgticket.add_message(ticket_id bigint, body text,
									 author_kind pgticket.author_kind,
									 author_id bigint DEFAULT NULL,
									 author_name text DEFAULT NULL,
									 visibility pgticket.visibility DEFAULT 'public',
									 created_at timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	owner	bigint;
	name	text;
	id		bigint;
BEGIN
	PERFORM pgticket.require_arg(add_message.ticket_id, 'ticket_id');
	PERFORM pgticket.require_arg(add_message.body, 'body');
	PERFORM pgticket.require_arg(add_message.author_kind, 'author_kind');
	PERFORM pgticket.require_arg(add_message.visibility, 'visibility');
	PERFORM pgticket.require_arg(add_message.created_at, 'created_at');
	IF btrim(add_message.body) = '' THEN
		RAISE EXCEPTION 'argument "body" must not be empty'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	SELECT t.customer_id INTO owner FROM pgticket.ticket t
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

	UPDATE pgticket.ticket t
	   SET updated_at = greatest(t.updated_at, add_message.created_at)
	 WHERE t.id = add_message.ticket_id;
	RETURN id;
END
$$;
COMMENT ON FUNCTION pgticket.add_message(bigint, text, pgticket.author_kind, bigint, text, pgticket.visibility, timestamptz) IS
	'Add a message to a ticket''s conversation; author_id is the staff or customer id per author_kind; customers write only public messages on their own tickets (PT403); returns the message id';

-- extension/install/30_report.sql
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

-- extension/install/40_request.sql
/*
 * Request-document helpers shared by the REST facades.
 *
 * nginx sends every request as one jsonb document:
 *
 *	{"method": "POST", "path": "/api/v1/...",
 *	 "params": {path parameters}, "query": {name: "v" or ["v1", "v2"]},
 *	 "headers": {lower-cased names}, "body": <JSON value, or form fields as
 *	 an object of strings (repeated fields as arrays)> or null,
 *	 "body_type": "json" | "form" | "multipart" | "none",
 *	 "body_error": "..." (only when the body could not be parsed),
 *	 "remote_addr": "..."}
 *
 * These functions read that document and build the pgticket.http_response a
 * facade returns.  They live in schema pgticket, not in an api_* schema, so
 * the web role cannot call them directly; facades (SECURITY DEFINER) do.
 * None of them builds SQL from request values.
 */

/*
 * req_scalar: one value of the document as text.  JSON null is "absent";
 * an array stands for a repeated field and gives its first element; strings
 * come back without quotes; numbers and booleans as their JSON text; objects
 * (and arrays of arrays) as JSON text, which no parameter check accepts.
 */
CREATE FUNCTION pgticket.req_scalar(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN value IS NULL OR jsonb_typeof(value) = 'null' THEN NULL
		WHEN jsonb_typeof(value) = 'array' THEN
			CASE WHEN jsonb_typeof(value -> 0) IN ('array', 'object')
				THEN (value -> 0)::text
				ELSE value ->> 0 END
		ELSE value #>> '{}'
	END
$$;
COMMENT ON FUNCTION pgticket.req_scalar(jsonb) IS
	'A request value as text: null for JSON null, the first element of an array (a repeated field), the text of a string';

/*
 * req_arg: a named parameter of the request, looked up in the path
 * parameters, then the body (JSON object or form fields), then the query
 * string.  The first place that has a non-empty value wins, so an omitted
 * trailing path segment falls through to the body or query.  One expression,
 * so the planner inlines it (and req_scalar) into the facade's statements:
 * a facade reads several parameters per request.  "->" on a body that is not
 * an object gives NULL, which falls through.
 */
CREATE FUNCTION pgticket.req_arg(request jsonb, name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT coalesce(
		nullif(pgticket.req_scalar(request -> 'params' -> name), ''),
		nullif(pgticket.req_scalar(request -> 'body' -> name), ''),
		nullif(pgticket.req_scalar(request -> 'query' -> name), ''))
$$;
COMMENT ON FUNCTION pgticket.req_arg(jsonb, text) IS
	'A request parameter as text: path parameters first, then the body (JSON object or form fields), then the query; NULL when absent or empty';

/*
 * req_body_problem: why the body cannot be used, or NULL when it can.
 * nginx flags a body it could not parse with body_error; a JSON body that is
 * not an object carries no named parameters and is refused too.
 */
CREATE FUNCTION pgticket.req_body_problem(request jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN request ? 'body_error' THEN 'malformed'
		WHEN request ->> 'body_type' = 'json'
			AND jsonb_typeof(request -> 'body') NOT IN ('object', 'null')
			THEN 'not an object'
	END
$$;
COMMENT ON FUNCTION pgticket.req_body_problem(jsonb) IS
	'NULL when the request body is usable; else "malformed" (nginx set body_error) or "not an object" (a JSON body without named fields)';

/*
 * parse_id: a non-negative whole number written as plain decimal digits
 * that fits in bigint, or NULL.  Signs, spaces, exponents, decimals and
 * anything else (including "1 OR 1=1") give NULL.
 */
CREATE FUNCTION pgticket.parse_id(value text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN value ~ '^[0-9]{1,19}$' THEN
		CASE WHEN value::numeric <= 9223372036854775807
			THEN value::bigint END
	END
$$;
COMMENT ON FUNCTION pgticket.parse_id(text) IS
	'Plain decimal digits that fit in bigint as a bigint; NULL for anything else (signs, spaces, exponents, overflow)';

/*
 * parse_dmy_hm: a date written dd-mm-yyyy, optionally followed by a space
 * and H:m (hours and minutes, one or two digits each), as a timestamptz in
 * the session's time zone.  NULL when malformed or not a real date.
 */
CREATE FUNCTION pgticket.parse_dmy_hm(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	m text[];
BEGIN
	m := regexp_match(value,
		'^([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})(?: ([0-9]{1,2}):([0-9]{1,2}))?$');
	IF m IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN make_timestamptz(m[3]::int, m[2]::int, m[1]::int,
		coalesce(m[4], '0')::int, coalesce(m[5], '0')::int, 0);
EXCEPTION
	WHEN datetime_field_overflow OR invalid_datetime_format THEN
		RETURN NULL;
END
$$;
COMMENT ON FUNCTION pgticket.parse_dmy_hm(text) IS
	'A "dd-mm-yyyy" or "dd-mm-yyyy H:m" date in the session time zone; NULL when malformed or impossible';

/*
 * fmt_ts: a timestamp as "YYYY-MM-DD HH24:MI:SS" in the session time zone
 * (the server's unless the session changed it); '' for NULL.
 */
CREATE FUNCTION pgticket.fmt_ts(ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT coalesce(to_char(ts, 'YYYY-MM-DD HH24:MI:SS'), '')
$$;
COMMENT ON FUNCTION pgticket.fmt_ts(timestamptz) IS
	'A timestamp as YYYY-MM-DD HH24:MI:SS in the session time zone; empty string for NULL';

/*
 * http_json: a JSON response.  The json variant keeps the keys in the order
 * they were built (json_build_object), which is what the seeds' samples
 * show; the jsonb variant is for bodies whose key order does not matter.
 */
CREATE FUNCTION pgticket.http_json(status integer, body json)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, '{"Content-Type": "application/json"}'::jsonb,
		body::text)::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_json(integer, json) IS
	'An HTTP response with a JSON body, keys in the order given (build it with json_build_object)';

CREATE FUNCTION pgticket.http_json(status integer, body jsonb)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, '{"Content-Type": "application/json"}'::jsonb,
		body::text)::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_json(integer, jsonb) IS
	'An HTTP response with a JSON body (jsonb: key order not preserved)';

/*
 * http_empty: a response without a body (e.g. 204, or the queue API's
 * bodiless errors), with optional extra headers.
 */
CREATE FUNCTION pgticket.http_empty(status integer,
	headers jsonb DEFAULT '{}')
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ROW(status, headers, NULL::text)::pgticket.http_response
$$;
COMMENT ON FUNCTION pgticket.http_empty(integer, jsonb) IS
	'An HTTP response without a body';

/*
 * req_fail: raise a client error a facade turns into its own error shape.
 * The SQLSTATE is "PT" followed by the HTTP status (PT400, PT404, PT409...),
 * the message is the text the client sees.
 */
CREATE FUNCTION pgticket.req_fail(status integer, message text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	IF status NOT BETWEEN 400 AND 499 THEN
		RAISE EXCEPTION 'req_fail status must be a 4xx status, not %', status
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'PT' || status::text, MESSAGE = message;
END
$$;
COMMENT ON FUNCTION pgticket.req_fail(integer, text) IS
	'Raise SQLSTATE PT<status> with the client-facing message; facades catch it and answer in their own error shape';

/*
 * http_status_of: the HTTP status a client error's SQLSTATE stands for, or
 * NULL when it is not a client error.  PTnnn gives nnn; data exceptions
 * (class 22: bad number, value out of range...) give 400.
 */
CREATE FUNCTION pgticket.http_status_of(sqlstate text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate ~ '^PT4[0-9]{2}$' THEN substr(sqlstate, 3)::integer
		WHEN sqlstate LIKE '22%' THEN 400
	END
$$;
COMMENT ON FUNCTION pgticket.http_status_of(text) IS
	'HTTP status of a client-error SQLSTATE (PT4nn -> 4nn, class 22 -> 400); NULL for anything else';

-- extension/install/50_api_helpdesk.sql
/*
 * 004 helpdesk API: one function per endpoint, each taking the request
 * document nginx sends and returning the whole HTTP answer.
 *
 * Vocabulary.  The API's ticket id (ticketId, "id") is the human number of a
 * ticket of workflow 'helpdesk'; userId is customer.helpdesk_user_id; an
 * admin is a staff member of role admin, named by username.  Success is
 * {"status":"success","errorCode":200,...}; failure is
 * {"status":"error","errorCode":<HTTP status>,"message":"..."} with the same
 * HTTP status.  Keys are emitted in the seed's order (json_build_object).
 *
 * Every facade runs its checks and changes inside one BEGIN ... EXCEPTION
 * block: a client error (SQLSTATE PT4nn raised here or by the core, or a
 * class 22 data exception) rolls back whatever the block did and is answered
 * in the error shape; anything else escapes and nginx answers 500.
 */

/* 90_roles.sql comments the schema and grants EXECUTE to pgticket_web. */
CREATE SCHEMA IF NOT EXISTS api_helpdesk;

/* ----------------------------------------------------------- private helpers */

/*
 * helpdesk_error: the error shape, with the HTTP status repeated as
 * errorCode.
 */
CREATE FUNCTION pgticket.helpdesk_error(status integer, message text)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT pgticket.http_json(status, json_build_object(
		'status', 'error', 'errorCode', status, 'message', message))
$$;
COMMENT ON FUNCTION pgticket.helpdesk_error(integer, text) IS
	'004 error answer: {"status":"error","errorCode":<status>,"message":...} with that HTTP status';

/*
 * helpdesk_caught: the error answer for a caught SQLSTATE, or NULL when the
 * error is not a client error (the caller re-raises it).  PT403 ("not
 * yours") is answered 404, so a client cannot tell that the ticket exists.
 */
CREATE FUNCTION pgticket.helpdesk_caught(sqlstate text, message text)
RETURNS pgticket.http_response
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN sqlstate = 'PT403' THEN
			pgticket.helpdesk_error(404, 'The ticket was not found')
		WHEN pgticket.http_status_of(sqlstate) IS NOT NULL THEN
			pgticket.helpdesk_error(pgticket.http_status_of(sqlstate), message)
	END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_caught(text, text) IS
	'004 error answer for a client-error SQLSTATE (PT4nn, class 22; PT403 shown as 404), NULL for other errors';

/*
 * helpdesk_check_body: refuse a body nginx could not parse, or a JSON body
 * that is not an object.
 */
CREATE FUNCTION pgticket.helpdesk_check_body(request jsonb) RETURNS void
LANGUAGE plpgsql IMMUTABLE
AS $$
BEGIN
	CASE pgticket.req_body_problem(request)
		WHEN 'malformed' THEN
			PERFORM pgticket.req_fail(400, 'Malformed request body');
		WHEN 'not an object' THEN
			PERFORM pgticket.req_fail(400, 'The request body must be a JSON object');
		ELSE
			NULL;
	END CASE;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_check_body(jsonb) IS
	'Raise PT400 when the request body is malformed or a JSON body is not an object';

/*
 * helpdesk_required: a parameter that must be present and not blank.
 */
CREATE FUNCTION pgticket.helpdesk_required(request jsonb, name text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v text := pgticket.req_arg(request, name);
BEGIN
	IF v IS NULL OR btrim(v, E' \t\r\n') = '' THEN
		PERFORM pgticket.req_fail(400,
			format('The %s parameter is required', name));
	END IF;
	RETURN v;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_required(jsonb, text) IS
	'A required request parameter; PT400 "The <name> parameter is required" when absent or blank';

/*
 * helpdesk_number: a numeric parameter (plain digits, fits in bigint); NULL
 * when optional and absent.
 */
CREATE FUNCTION pgticket.helpdesk_number(request jsonb, name text,
	required boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v text := pgticket.req_arg(request, name);
	n bigint;
BEGIN
	IF v IS NULL THEN
		IF required THEN
			PERFORM pgticket.req_fail(400,
				format('The %s parameter is required', name));
		END IF;
		RETURN NULL;
	END IF;
	n := pgticket.parse_id(v);
	IF n IS NULL THEN
		PERFORM pgticket.req_fail(400,
			format('The %s parameter must be a number', name));
	END IF;
	RETURN n;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_number(jsonb, text, boolean) IS
	'A numeric request parameter (plain decimal digits within bigint); PT400 naming the parameter otherwise';

/*
 * helpdesk_flag: a "true"/"false" parameter; NULL when optional and absent.
 */
CREATE FUNCTION pgticket.helpdesk_flag(request jsonb, name text,
	required boolean DEFAULT true)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
	v text := pgticket.req_arg(request, name);
BEGIN
	IF v IS NULL THEN
		IF required THEN
			PERFORM pgticket.req_fail(400,
				format('The %s parameter is required', name));
		END IF;
		RETURN NULL;
	END IF;
	IF v NOT IN ('true', 'false') THEN
		PERFORM pgticket.req_fail(400,
			format('The %s parameter must be true or false', name));
	END IF;
	RETURN v = 'true';
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_flag(jsonb, text, boolean) IS
	'A "true"/"false" request parameter; PT400 naming the parameter otherwise';

/*
 * helpdesk_ticket: the helpdesk ticket numbered n, or PT404.  With for_user,
 * the ticket must also belong to the helpdesk user of that id: someone
 * else's ticket is "not found" too.  With for_update, the row is locked
 * first, so a facade that checks the state before changing it sees the
 * state a concurrent request just committed (and answers with its own
 * 409) instead of failing later in the core with the core's message.
 */
CREATE FUNCTION pgticket.helpdesk_ticket(n bigint, for_user bigint DEFAULT NULL,
	for_update boolean DEFAULT false)
RETURNS pgticket.ticket
LANGUAGE plpgsql VOLATILE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	t ticket;
BEGIN
	IF for_update THEN
		SELECT * INTO t FROM ticket
		WHERE workflow = 'helpdesk' AND number = n
		FOR UPDATE;
	ELSE
		SELECT * INTO t FROM ticket
		WHERE workflow = 'helpdesk' AND number = n;
	END IF;
	IF NOT FOUND OR (for_user IS NOT NULL AND NOT EXISTS (
			SELECT 1 FROM customer c
			WHERE c.id = t.customer_id AND c.helpdesk_user_id = for_user)) THEN
		PERFORM req_fail(404,
			format('The ticket with the ticketId %s was not found', n));
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_ticket(bigint, bigint, boolean) IS
	'The helpdesk-workflow ticket of that number (optionally: of that helpdesk user; optionally locked FOR UPDATE), or PT404';

/*
 * helpdesk_admin: the active admin of that username, or PT404 naming the
 * parameter the username came from.
 */
CREATE FUNCTION pgticket.helpdesk_admin(username text, param text)
RETURNS pgticket.staff
LANGUAGE plpgsql STABLE
SET search_path = pgticket, pg_catalog, pg_temp
AS $$
DECLARE
	s staff;
BEGIN
	SELECT * INTO s FROM staff
	WHERE staff.username = helpdesk_admin.username
		AND role = 'admin' AND active;
	IF NOT FOUND THEN
		PERFORM req_fail(404,
			format('The admin given in the %s parameter was not found', param));
	END IF;
	RETURN s;
END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_admin(text, text) IS
	'The active helpdesk admin of that username, or PT404 naming the parameter';

/*
 * helpdesk_shown_status: the status the API shows for a ticket in a state of
 * that reporting category: new/open tickets are "unassigned" until an admin
 * is assigned, then "open"; pending is "onhold"; solved is "resolved";
 * closed and cancelled are "closed".
 */
CREATE FUNCTION pgticket.helpdesk_shown_status(category pgticket.state_category,
	assignee_id bigint)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE
		WHEN category IN ('new', 'open') AND assignee_id IS NULL THEN 'unassigned'
		WHEN category IN ('new', 'open') THEN 'open'
		WHEN category = 'pending' THEN 'onhold'
		WHEN category = 'solved' THEN 'resolved'
		ELSE 'closed'
	END
$$;
COMMENT ON FUNCTION pgticket.helpdesk_shown_status(pgticket.state_category, bigint) IS
	'Status shown by the 004 API: unassigned, open, onhold, resolved or closed';

/*
 * helpdesk_status_categories: the reporting categories of the states a
 * get_tickets status filter keeps (contract.md: unresolved, overdue,
 * duetoday and unassigned = category new/open/pending, overdue and duetoday
 * also by due date, unassigned also without an admin; open, onhold, closed
 * = that state, i.e. category open, pending, closed (or cancelled), whoever
 * is assigned: a reopened ticket nobody is assigned to is in state open and
 * shows "unassigned"; resolved = category solved; all = every ticket).
 * NULL for an unknown filter.
 */
CREATE FUNCTION pgticket.helpdesk_status_categories(filter text)
RETURNS pgticket.state_category[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE filter
		WHEN 'all' THEN enum_range(NULL::pgticket.state_category)
		WHEN 'unresolved' THEN '{new,open,pending}'
		WHEN 'overdue' THEN '{new,open,pending}'
		WHEN 'duetoday' THEN '{new,open,pending}'
		WHEN 'unassigned' THEN '{new,open,pending}'
		WHEN 'open' THEN '{open}'
		WHEN 'onhold' THEN '{pending}'
		WHEN 'resolved' THEN '{solved}'
		WHEN 'closed' THEN '{closed,cancelled}'
	END::pgticket.state_category[]
$$;
COMMENT ON FUNCTION pgticket.helpdesk_status_categories(text) IS
	'get_tickets status filter (all, unresolved, overdue, duetoday, unassigned, open, onhold, resolved, closed) as the categories of the states it keeps; NULL for another filter';

/* ------------------------------------------------------------------ facades */

/*
 * Every facade runs with plan_cache_mode = force_generic_plan: each of its
 * statements is written to have a good generic plan (no "x IS NULL OR"
 * around an indexed column), and re-planning a multi-join rendering query
 * on every call would cost more than the query itself.
 */

/*
 * POST /api/v1/raise_ticket: type, subject, userId, comments required;
 * priority (default medium); closeTicketImmediately true/false, and when
 * true resolutionType and resolutionSubject.  comments become the
 * description and the first public message of the user.
 */
CREATE FUNCTION api_helpdesk.raise_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_type		text;
	v_subject	text;
	v_priority	text;
	v_user		bigint;
	v_comments	text;
	v_close		boolean;
	v_res_type	text;
	v_res_subject text;
	v_group		text;
	c			customer;
	t			ticket;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_type := helpdesk_required(request, 'type');
	v_subject := helpdesk_required(request, 'subject');
	v_priority := lower(coalesce(req_arg(request, 'priority'), 'medium'));
	IF v_priority <> ALL (enum_range(NULL::priority)::text[]) THEN
		PERFORM req_fail(400,
			'The priority parameter must be one of low, medium, high, urgent');
	END IF;
	v_user := helpdesk_number(request, 'userId');
	v_comments := helpdesk_required(request, 'comments');
	v_close := coalesce(helpdesk_flag(request, 'closeTicketImmediately', false),
		false);
	IF v_close THEN
		v_res_type := helpdesk_required(request, 'resolutionType');
		v_res_subject := helpdesk_required(request, 'resolutionSubject');
	END IF;

	SELECT group_name INTO v_group FROM issue_type
	WHERE scope = 'helpdesk' AND name = v_type;
	IF NOT FOUND THEN
		PERFORM req_fail(400, format('The type parameter must be one of: %s',
			(SELECT string_agg(name, ', ' ORDER BY position, name)
			 FROM issue_type WHERE scope = 'helpdesk')));
	END IF;

	SELECT * INTO c FROM customer WHERE helpdesk_user_id = v_user;
	IF NOT FOUND THEN
		PERFORM req_fail(404,
			format('The user with the userId %s was not found', v_user));
	END IF;

	t := create_ticket('helpdesk', c.id, v_subject, v_comments,
		v_priority::priority, v_type, 'helpdesk');
	INSERT INTO ticket_helpdesk (ticket_id, group_name, resolution_type,
		resolution_subject)
	VALUES (t.id, v_group, v_res_type, v_res_subject);
	PERFORM add_message(t.id, v_comments, 'customer', c.id, c.name, 'public',
		t.created_at);
	IF v_close THEN
		t := transition(t.id, 'closed', actor_customer_id => c.id,
			reason => v_res_subject, expected_state => t.state);
	END IF;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', format('Your ticket with the ID %s has been raised. Please wait for the response and note the ticket Id for future reference.', t.number),
		'ticketId', t.number::text));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.raise_ticket(jsonb) IS
	'POST /api/v1/raise_ticket: raise a helpdesk ticket (optionally raised and closed at once)';

/*
 * GET|POST /api/v1/get_tickets/{userId}/{status}/{assigned_admin}: the
 * tickets of a user (0: of every user), oldest first, optionally filtered
 * by status, assigned admin and creation time (fromDate/toDate, dd-mm-yyyy
 * H:m; toDate includes its whole minute, or its whole day without a time).
 */
CREATE FUNCTION api_helpdesk.get_tickets(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_user		bigint;
	v_customer	bigint;
	v_status	text;
	v_admin_name text;
	v_admin		bigint;
	v_from_text	text;
	v_to_text	text;
	v_from		timestamptz;
	v_to		timestamptz;
	v_states	text[];
	v_unassigned boolean;
	v_due_from	timestamptz;
	v_due_to	timestamptz;
	v_ids		bigint[];
	v_data		json;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_user := helpdesk_number(request, 'userId');
	v_status := coalesce(req_arg(request, 'status'), 'all');
	IF helpdesk_status_categories(v_status) IS NULL THEN
		PERFORM req_fail(400, 'The status parameter must be one of unresolved, overdue, duetoday, open, onhold, unassigned, resolved, closed, all');
	END IF;
	v_admin_name := req_arg(request, 'assigned_admin');
	v_from_text := req_arg(request, 'fromDate');
	IF v_from_text IS NOT NULL THEN
		v_from := parse_dmy_hm(v_from_text);
		IF v_from IS NULL THEN
			PERFORM req_fail(400,
				'The fromDate parameter must be a date as dd-mm-yyyy H:m');
		END IF;
	END IF;
	v_to_text := req_arg(request, 'toDate');
	IF v_to_text IS NOT NULL THEN
		v_to := parse_dmy_hm(v_to_text);
		IF v_to IS NULL THEN
			PERFORM req_fail(400,
				'The toDate parameter must be a date as dd-mm-yyyy H:m');
		END IF;
		v_to := v_to + CASE WHEN v_to_text LIKE '%:%'
			THEN interval '1 minute' ELSE interval '1 day' END;
	END IF;

	IF v_user <> 0 THEN
		SELECT id INTO v_customer FROM customer WHERE helpdesk_user_id = v_user;
		IF NOT FOUND THEN
			PERFORM req_fail(404,
				format('The user with the userId %s was not found', v_user));
		END IF;
	END IF;
	IF v_admin_name IS NOT NULL THEN
		/* an unknown admin is a filter nothing matches */
		SELECT id INTO v_admin FROM staff WHERE username = v_admin_name;
		v_admin := coalesce(v_admin, 0);
	END IF;

	/*
	 * The filter as index conditions: the states it keeps, and a creation
	 * range that is unbounded when no date was given.  overdue, duetoday
	 * and unassigned add a condition on the rows found.
	 */
	SELECT array_agg(ws.state) INTO v_states FROM workflow_state ws
	WHERE ws.workflow = 'helpdesk'
		AND ws.category = ANY (helpdesk_status_categories(v_status));
	v_states := coalesce(v_states, '{}');
	v_from := coalesce(v_from, '-infinity');
	v_to := coalesce(v_to, 'infinity');
	v_unassigned := v_status = 'unassigned';
	IF v_status = 'overdue' THEN
		v_due_from := '-infinity';
		v_due_to := now();
	ELSIF v_status = 'duetoday' THEN
		v_due_from := date_trunc('day', now());
		v_due_to := v_due_from + interval '1 day';
	END IF;

	/*
	 * Find the tickets first, then render them by primary key.  One static
	 * statement per driving index, so that each keeps a cached generic plan
	 * that is an index scan: a user's tickets by ticket_customer, an
	 * admin's by ticket_assignee, overdue and duetoday by ticket_due, the
	 * rest by ticket_workflow_state.  ("v IS NULL OR col = v" on the
	 * driving column would make that plan a seq scan.)  The "IS NULL OR"
	 * left below only filter rows an index already found.
	 */
	IF v_customer IS NOT NULL AND v_admin IS NULL THEN
		SELECT array_agg(t.id ORDER BY t.created_at, t.number) INTO v_ids
		FROM ticket t
		WHERE t.customer_id = v_customer
			AND t.created_at >= v_from AND t.created_at < v_to
			AND t.workflow = 'helpdesk' AND t.state = ANY (v_states)
			AND (NOT v_unassigned OR t.assignee_id IS NULL)
			AND (v_due_to IS NULL
				OR (t.due_at >= v_due_from AND t.due_at < v_due_to));
	ELSIF v_customer IS NOT NULL THEN
		SELECT array_agg(t.id ORDER BY t.created_at, t.number) INTO v_ids
		FROM ticket t
		WHERE t.customer_id = v_customer
			AND t.assignee_id = v_admin
			AND t.created_at >= v_from AND t.created_at < v_to
			AND t.workflow = 'helpdesk' AND t.state = ANY (v_states)
			AND NOT v_unassigned
			AND (v_due_to IS NULL
				OR (t.due_at >= v_due_from AND t.due_at < v_due_to));
	ELSIF v_admin IS NOT NULL THEN
		SELECT array_agg(t.id ORDER BY t.created_at, t.number) INTO v_ids
		FROM ticket t
		WHERE t.assignee_id = v_admin
			AND t.created_at >= v_from AND t.created_at < v_to
			AND t.workflow = 'helpdesk' AND t.state = ANY (v_states)
			AND NOT v_unassigned
			AND (v_due_to IS NULL
				OR (t.due_at >= v_due_from AND t.due_at < v_due_to));
	ELSIF v_due_to IS NOT NULL THEN
		/* unresolved tickets are never closed: ticket_due's predicate */
		SELECT array_agg(t.id ORDER BY t.created_at, t.number) INTO v_ids
		FROM ticket t
		WHERE t.due_at >= v_due_from AND t.due_at < v_due_to
			AND t.closed_at IS NULL
			AND t.created_at >= v_from AND t.created_at < v_to
			AND t.workflow = 'helpdesk' AND t.state = ANY (v_states);
	ELSE
		SELECT array_agg(t.id ORDER BY t.created_at, t.number) INTO v_ids
		FROM ticket t
		WHERE t.workflow = 'helpdesk' AND t.state = ANY (v_states)
			AND t.created_at >= v_from AND t.created_at < v_to
			AND (NOT v_unassigned OR t.assignee_id IS NULL);
	END IF;

	SELECT coalesce(json_agg(json_build_object('Ticket', json_build_object(
			'id', t.number::text,
			'account_id', coalesce(c.account, ''),
			'user', coalesce(c.helpdesk_user_id::text, ''),
			'subject', t.subject,
			'type', coalesce(t.type, ''),
			'priority', t.priority::text,
			'due', fmt_ts(t.due_at),
			'status', helpdesk_shown_status(ws.category, t.assignee_id),
			'assigned_to', coalesce(s.username, 'NULL'),
			'group_name', coalesce(h.group_name, it.group_name, ''),
			'created', fmt_ts(t.created_at)))
			ORDER BY f.n), '[]'::json)
	INTO v_data
	FROM unnest(v_ids) WITH ORDINALITY AS f(id, n)
	JOIN ticket t ON t.id = f.id
	JOIN workflow_state ws ON ws.workflow = t.workflow AND ws.state = t.state
	JOIN customer c ON c.id = t.customer_id
	LEFT JOIN staff s ON s.id = t.assignee_id
	LEFT JOIN ticket_helpdesk h ON h.ticket_id = t.id
	LEFT JOIN issue_type it ON it.scope = 'helpdesk' AND it.name = t.type;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'data', v_data));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.get_tickets(jsonb) IS
	'GET|POST /api/v1/get_tickets/{userId}/{status}/{assigned_admin}: list tickets by user, status, admin, creation dates';

/*
 * POST /api/v1/send_message: ticketId, ticketMessage, sender (admin|user),
 * sender_name, showToUser (true|false).  An admin is the staff member whose
 * username is sender_name; a user's message is written as the ticket's own
 * customer (sender_name is required but not matched) and is always public.
 */
CREATE FUNCTION api_helpdesk.send_message(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_text		text;
	v_sender	text;
	v_name		text;
	v_show		boolean;
	t			ticket;
	s			staff;
	c			customer;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_number := helpdesk_number(request, 'ticketId');
	v_text := helpdesk_required(request, 'ticketMessage');
	v_sender := helpdesk_required(request, 'sender');
	IF v_sender NOT IN ('admin', 'user') THEN
		PERFORM req_fail(400, 'The sender parameter must be admin or user');
	END IF;
	v_name := helpdesk_required(request, 'sender_name');
	v_show := helpdesk_flag(request, 'showToUser');

	t := helpdesk_ticket(v_number);
	IF v_sender = 'admin' THEN
		s := helpdesk_admin(v_name, 'sender_name');
		PERFORM add_message(t.id, v_text, 'staff', s.id, s.username,
			CASE WHEN v_show THEN 'public' ELSE 'internal' END::visibility);
	ELSE
		SELECT * INTO c FROM customer WHERE id = t.customer_id;
		PERFORM add_message(t.id, v_text, 'customer', c.id, c.name, 'public');
	END IF;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', CASE v_sender
			WHEN 'admin' THEN 'The message has been sent to the user'
			ELSE 'The message has been sent to the admin' END));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.send_message(jsonb) IS
	'POST /api/v1/send_message: add a message from the admin or the user to a ticket';

/*
 * GET /api/v1/get_ticket_details/{ticketId}: the conversation and status of
 * a ticket.  With userId (the end-user portal) the ticket must be that
 * user's and internal messages are left out; without it (the admin
 * console) everything is shown.
 */
CREATE FUNCTION api_helpdesk.get_ticket_details(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_user		bigint;
	v_conv		json;
	v_status	text;
	v_admin		text;
	t			ticket;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_number := helpdesk_number(request, 'ticketId');
	v_user := helpdesk_number(request, 'userId', false);
	t := helpdesk_ticket(v_number, v_user);

	SELECT coalesce(json_agg(json_build_object(
			'sender', CASE m.author_kind
				WHEN 'customer' THEN 'user'
				WHEN 'staff' THEN 'admin'
				ELSE 'system' END,
			'sender_name', CASE m.author_kind
				WHEN 'staff' THEN coalesce(s.username, m.author_name)
				ELSE coalesce(nullif(m.author_name, ''), c.name, '') END,
			'ticket_message', m.body,
			'created', fmt_ts(m.created_at),
			'show_to_user', CASE m.visibility WHEN 'public' THEN '1' ELSE '0' END)
			ORDER BY m.created_at, m.id), '[]'::json)
	INTO v_conv
	FROM message m
	LEFT JOIN staff s ON s.id = m.staff_id
	LEFT JOIN customer c ON c.id = m.customer_id
	WHERE m.ticket_id = t.id
		AND (v_user IS NULL OR m.visibility = 'public');

	SELECT helpdesk_shown_status(ws.category, t.assignee_id) INTO v_status
	FROM workflow_state ws
	WHERE ws.workflow = t.workflow AND ws.state = t.state;
	SELECT username INTO v_admin FROM staff WHERE id = t.assignee_id;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', json_build_object(
			'ticket_conversation', v_conv,
			'ticket_details', json_build_object(
				'status', v_status,
				'assigned_to', coalesce(v_admin, 'NULL'),
				'created', fmt_ts(t.created_at)))));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.get_ticket_details(jsonb) IS
	'GET /api/v1/get_ticket_details/{ticketId}: conversation and status of a ticket (userId: the user''s view)';

/*
 * GET|POST /api/v1/close_ticket/{ticketId}: close a ticket that is not
 * closed yet.
 */
CREATE FUNCTION api_helpdesk.close_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	t			ticket;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	t := helpdesk_ticket(helpdesk_number(request, 'ticketId'),
		for_update => true);
	IF t.state = 'closed' THEN
		PERFORM req_fail(409, 'The ticket is already closed');
	END IF;
	PERFORM transition(t.id, 'closed', reason => 'closed through the helpdesk API',
		expected_state => t.state);

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', 'The ticket has been closed'));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.close_ticket(jsonb) IS
	'GET|POST /api/v1/close_ticket/{ticketId}: close a ticket';

/*
 * POST /api/v1/assign_ticket_to_admin: ticketId, admin (username).  Assigns
 * the ticket and moves a new ticket to open.
 */
CREATE FUNCTION api_helpdesk.assign_ticket_to_admin(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_admin		text;
	t			ticket;
	s			staff;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_number := helpdesk_number(request, 'ticketId');
	v_admin := helpdesk_required(request, 'admin');
	t := helpdesk_ticket(v_number, for_update => true);
	s := helpdesk_admin(v_admin, 'admin');
	IF t.state = 'closed' THEN
		PERFORM req_fail(409, 'A closed ticket cannot be assigned');
	END IF;
	t := assign(t.id, s.id, reason => 'assigned through the helpdesk API');
	IF t.state = 'new' THEN
		PERFORM transition(t.id, 'open', expected_state => 'new');
	END IF;

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'errorCode', 200,
		'message', 'Admin assigned to the ticket successfully'));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.assign_ticket_to_admin(jsonb) IS
	'POST /api/v1/assign_ticket_to_admin: assign a ticket to an admin (a new ticket becomes open)';

/*
 * POST /api/v1/reopen_ticket: ticketId, userId, comments.  Only a closed
 * ticket, only by its user; comments become a public message of the user.
 */
CREATE FUNCTION api_helpdesk.reopen_ticket(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_user		bigint;
	v_comments	text;
	t			ticket;
	c			customer;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_number := helpdesk_number(request, 'ticketId');
	v_user := helpdesk_number(request, 'userId');
	v_comments := helpdesk_required(request, 'comments');
	t := helpdesk_ticket(v_number, v_user, for_update => true);
	IF t.state <> 'closed' THEN
		PERFORM req_fail(409, 'Only a closed ticket can be reopened');
	END IF;
	SELECT * INTO c FROM customer WHERE id = t.customer_id;
	PERFORM transition(t.id, 'open', actor_customer_id => c.id,
		reason => v_comments, expected_state => 'closed');
	PERFORM add_message(t.id, v_comments, 'customer', c.id, c.name, 'public');

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'message', 'Ticket has been reopened successfully',
		'errorCode', 200));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.reopen_ticket(jsonb) IS
	'POST /api/v1/reopen_ticket: the user reopens their closed ticket with a comment';

/*
 * POST /api/v1/ticket_rating: ticketId, userId, ratingValue 1..5.  Only the
 * ticket's user, once it is resolved or closed; a new rating replaces the
 * previous one.
 */
CREATE FUNCTION api_helpdesk.ticket_rating(request jsonb)
RETURNS pgticket.http_response
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pgticket, pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
	v_number	bigint;
	v_user		bigint;
	v_value		text;
	v_category	state_category;
	t			ticket;
	r			http_response;
BEGIN
	PERFORM helpdesk_check_body(request);
	v_number := helpdesk_number(request, 'ticketId');
	v_user := helpdesk_number(request, 'userId');
	v_value := helpdesk_required(request, 'ratingValue');
	IF v_value !~ '^[1-5]$' THEN
		PERFORM req_fail(400,
			'The ratingValue parameter must be 1, 2, 3, 4 or 5');
	END IF;
	t := helpdesk_ticket(v_number, v_user, for_update => true);
	SELECT category INTO v_category FROM workflow_state
	WHERE workflow = t.workflow AND state = t.state;
	IF v_category NOT IN ('solved', 'closed') THEN
		PERFORM req_fail(409,
			'The ticket can be rated once it is resolved or closed');
	END IF;
	PERFORM rate(t.id, t.customer_id, v_value::integer);

	RETURN http_json(200, json_build_object(
		'status', 'success',
		'message', format('Thanks for your feedback, your rating has been saved for the ticket ID%s', t.number),
		'errorCode', 200));
EXCEPTION WHEN OTHERS THEN
	r := helpdesk_caught(SQLSTATE, SQLERRM);
	IF r IS NULL THEN
		RAISE;
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION api_helpdesk.ticket_rating(jsonb) IS
	'POST /api/v1/ticket_rating: the user rates their resolved or closed ticket (1-5; a new rating replaces the old)';

-- extension/install/90_roles.sql
/*
 * Roles and privileges; runs last, after every facade file.
 *
 *   pgticket_web     nginx's role: USAGE on the api_* schemas and EXECUTE
 *                    on their functions (SECURITY DEFINER facades owned by
 *                    the extension owner), nothing else.
 *   pgticket_report  reporting tools: SELECT on the pgticket_report views.
 *
 * Roles are cluster-wide, so they are created only when missing and are
 * left behind by DROP EXTENSION.  Both are NOLOGIN here; the stack gives
 * pgticket_web LOGIN after CREATE EXTENSION.
 */

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_web') THEN
		CREATE ROLE pgticket_web NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgticket_report') THEN
		CREATE ROLE pgticket_report NOLOGIN;
	END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS api_resume;
CREATE SCHEMA IF NOT EXISTS api_crm;
CREATE SCHEMA IF NOT EXISTS api_queue;
CREATE SCHEMA IF NOT EXISTS api_workshop;
CREATE SCHEMA IF NOT EXISTS api_helpdesk;
COMMENT ON SCHEMA api_resume IS 'REST facade of API 000 (resume-service tickets): one function per endpoint';
COMMENT ON SCHEMA api_crm IS 'REST facade of API 001 (CRM ticket services): one function per endpoint';
COMMENT ON SCHEMA api_queue IS 'REST facade of API 002 (branch queue tickets): one function per endpoint';
COMMENT ON SCHEMA api_workshop IS 'REST facade of API 003 (workshop tickets): one function per endpoint';
COMMENT ON SCHEMA api_helpdesk IS 'REST facade of API 004 (helpdesk): one function per endpoint';

/* The core: nobody but its owner (and superusers). */
REVOKE ALL ON SCHEMA pgticket FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgticket FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA pgticket FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pgticket FROM PUBLIC;

/* The facades: pgticket_web only. */
REVOKE ALL ON SCHEMA api_resume, api_crm, api_queue, api_workshop, api_helpdesk
	FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk FROM PUBLIC;
GRANT USAGE ON SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk TO pgticket_web;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk TO pgticket_web;

/* The reports: pgticket_report only. */
REVOKE ALL ON SCHEMA pgticket_report FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pgticket_report FROM PUBLIC;
GRANT USAGE ON SCHEMA pgticket_report TO pgticket_report;
GRANT SELECT ON ALL TABLES IN SCHEMA pgticket_report TO pgticket_report;

/*
 * Facade functions created later by the same owner (upgrade scripts) are
 * executable by pgticket_web without a GRANT of their own.  PUBLIC keeps
 * the EXECUTE every new function gets (a per-schema default cannot revoke
 * it) but has no USAGE on the api_* schemas, so it cannot reach them;
 * upgrade scripts should still REVOKE EXECUTE ... FROM PUBLIC.
 */
ALTER DEFAULT PRIVILEGES IN SCHEMA
	api_resume, api_crm, api_queue, api_workshop, api_helpdesk
	GRANT EXECUTE ON FUNCTIONS TO pgticket_web;
