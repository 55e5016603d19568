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
