-- pgticket demo data (docs/demo-data.md) for the five APIs.
--
-- Idempotent: every row is keyed by its natural key (ON CONFLICT DO NOTHING,
-- or a guarded DO block that goes through pgticket.create_ticket so tickets
-- get their history rows); running the file twice changes nothing.  All
-- timestamps are UTC.  Produces no output under psql -q.

BEGIN;

SET LOCAL search_path = pgticket, pg_catalog;

/* ----------------------------------------------------------- settings */

INSERT INTO setting (name, value) VALUES
	('token_secret', 'pgticket-demo-secret'),
	-- 001 social-media tickets without a contactId go to this contact
	('crm_social_contact', '24218')
ON CONFLICT (name) DO NOTHING;

/* ------------------------------------------------------ 000 resume */

-- Basic ocsuser:ocsuser; key_hash = sha256(salt || password).
INSERT INTO api_client (api, name, key_hash, salt) VALUES
	('resume', 'ocsuser',
	 sha256(convert_to('pgticket-demo-salt', 'UTF8') || convert_to('ocsuser', 'UTF8')),
	 convert_to('pgticket-demo-salt', 'UTF8'))
ON CONFLICT DO NOTHING;

INSERT INTO customer (name, resume_customer_id, cut_off) VALUES
	('Resume demo customer 104127993008', 104127993008, true),
	('Resume demo customer 104127993009', 104127993009, false)
ON CONFLICT (resume_customer_id) DO NOTHING;

/* --------------------------------------------------------- 001 CRM */

INSERT INTO customer (name, crm_contact_id) VALUES
	('CRM demo contact 24218', 24218),
	('CRM demo contact 649797', 649797)
ON CONFLICT (crm_contact_id) DO NOTHING;

INSERT INTO issue_type (scope, name, group_name, position) VALUES
	('crm', 'General Enquiry', NULL, 1),
	('crm', 'Plan Enquiry', NULL, 2)
ON CONFLICT (scope, name) DO NOTHING;

-- CRM tickets are helpdesk-workflow tickets numbered like their TT<n>;
-- ticket_crm.extra.crm_id holds the CRM record id (rendered "17x<n>").
DO $$
DECLARE
	d record;
	t pgticket.ticket;
BEGIN
	FOR d IN SELECT * FROM (VALUES
			(1524::bigint, 24218::bigint, 'ctg hjhg', timestamptz '2020-02-14 18:19:47+00', '{"crm_id": 95784}'::jsonb),
			(990, 24218, 'mobile test', '2019-09-13 20:15:40+00', '{"crm_id": 82089}'),
			(10057, 649797, 'venki testing', '2020-03-02 10:00:00+00', '{}')
		) AS v(number, contact, text, created, extra)
	LOOP
		CONTINUE WHEN EXISTS (SELECT FROM pgticket.ticket
			WHERE workflow = 'helpdesk' AND number = d.number);
		t := pgticket.create_ticket('helpdesk',
			(SELECT id FROM pgticket.customer WHERE crm_contact_id = d.contact),
			d.text, d.text, 'medium', 'Request', 'CRM', d.created, d.number);
		INSERT INTO pgticket.ticket_crm (ticket_id, status_label, extra)
		VALUES (t.id, 'Open', d.extra);
	END LOOP;
END
$$;

/* ------------------------------------------------------- 002 queue */

INSERT INTO channel (code, name) VALUES
	('kiosk', 'Kiosk'), ('web', 'Web'), ('app', 'App')
ON CONFLICT (code) DO NOTHING;

INSERT INTO customer_id_type (code, name) VALUES
	('DNI', 'National identity document'), ('PASSPORT', 'Passport')
ON CONFLICT (code) DO NOTHING;

INSERT INTO branch (code, name) VALUES
	('B01', 'Branch 01'), ('B02', 'Branch 02')
ON CONFLICT (code) DO NOTHING;

INSERT INTO sector (branch, code, name) VALUES
	('B01', 'S01', 'Cashier'), ('B01', 'S02', 'Advisors'), ('B02', 'S01', 'Cashier')
ON CONFLICT (branch, code) DO NOTHING;

INSERT INTO service (branch, sector, code, name, prefix) VALUES
	('B01', 'S01', 'SV01', 'Deposits', 'C'),
	('B01', 'S01', 'SV02', 'Withdrawals', 'W'),
	('B01', 'S02', 'SV03', 'Loans', 'L'),
	('B02', 'S01', 'SV01', 'Deposits', 'C')
ON CONFLICT (branch, sector, code) DO NOTHING;

INSERT INTO customer (name, id_type, id_number) VALUES
	('Queue demo customer DNI 30111222', 'DNI', '30111222'),
	('Queue demo customer PASSPORT X1234567', 'PASSPORT', 'X1234567')
ON CONFLICT (id_type, id_number) DO NOTHING;

-- Two waiting tickets of DNI/30111222 in B01/S01/SV01 on 2024-05-02
-- (queue numbers 1 and 2, C-001 and C-002).
DO $$
DECLARE
	d record;
	t pgticket.ticket;
BEGIN
	FOR d IN SELECT * FROM (VALUES
			(1, 1::bigint, 'kiosk', timestamptz '2024-05-02 09:00:00+00'),
			(2, 2, 'app', '2024-05-02 09:05:00+00')
		) AS v(queue_number, number, channel, created)
	LOOP
		CONTINUE WHEN EXISTS (SELECT FROM pgticket.ticket_queue q
			WHERE (q.branch, q.sector, q.service, q.day, q.queue_number)
				= ('B01', 'S01', 'SV01', date '2024-05-02', d.queue_number));
		t := pgticket.create_ticket('queue',
			(SELECT id FROM pgticket.customer
			 WHERE id_type = 'DNI' AND id_number = '30111222'),
			'Deposits', '', 'medium', NULL, d.channel, d.created, d.number);
		INSERT INTO pgticket.ticket_queue
			(ticket_id, branch, sector, service, day, queue_number)
		VALUES (t.id, 'B01', 'S01', 'SV01', date '2024-05-02', d.queue_number);
	END LOOP;
END
$$;

INSERT INTO queue_counter (branch, sector, service, day, last_number) VALUES
	('B01', 'S01', 'SV01', date '2024-05-02', 2)
ON CONFLICT (branch, sector, service, day) DO NOTHING;

/* ---------------------------------------------------- 003 workshop */

-- X-Api-Key demo-workshop-key: a high-entropy key, unsalted.
INSERT INTO api_client (api, name, key_hash, salt, scopes) VALUES
	('workshop', 'demo-workshop',
	 sha256(convert_to('demo-workshop-key', 'UTF8')), ''::bytea, '{tickets}')
ON CONFLICT DO NOTHING;

INSERT INTO customer (uuid, name) VALUES
	('160c0c4b-9966-4dc1-a916-8407eb10d74e', 'Workshop demo customer')
ON CONFLICT (uuid) DO NOTHING;

INSERT INTO staff (uuid, username, name, role, is_operator) VALUES
	('6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f', 'workshop-operator',
	 'Workshop operator', 'operator', true),
	('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'workshop-employee',
	 'Workshop employee', 'agent', false)
ON CONFLICT (username) DO NOTHING;

-- 30 pending tickets: the seed's 497f6eca-... (7440303), then 29 more with
-- numbers 7440304.., uuids md5('pgticket-demo-workshop-<i>'), an hour apart.
DO $$
DECLARE
	i int;
	t pgticket.ticket;
BEGIN
	FOR i IN 0..29 LOOP
		CONTINUE WHEN EXISTS (SELECT FROM pgticket.ticket
			WHERE workflow = 'workshop' AND number = 7440303 + i);
		t := pgticket.create_ticket('workshop',
			(SELECT id FROM pgticket.customer
			 WHERE uuid = '160c0c4b-9966-4dc1-a916-8407eb10d74e'),
			'Vehicle service', '', 'medium', NULL, NULL,
			timestamptz '2019-08-24 14:15:22+00' + i * interval '1 hour',
			7440303 + i);
		UPDATE pgticket.ticket SET uuid = CASE WHEN i = 0
			THEN '497f6eca-6276-4993-bfeb-53cbbbba6f08'::uuid
			ELSE md5('pgticket-demo-workshop-' || i)::uuid END
		WHERE id = t.id;
		INSERT INTO pgticket.ticket_vehicle
			(ticket_id, vehicle_model_id, vin, connection_id)
		VALUES (t.id, i % 4,
			'JH4KA7630PC' || lpad((7649 + i)::text, 6, '0'),
			CASE WHEN i = 0
				THEN 'd3547de1-d1f2-4344-b4c2-17169b7526f9'::uuid
				ELSE md5('pgticket-demo-connection-' || i)::uuid END);
	END LOOP;
END
$$;

/* ---------------------------------------------------- 004 helpdesk */

INSERT INTO customer (name, email, account, helpdesk_user_id) VALUES
	('max', 'max@jazenetworks.example', 'jazenetworks', 6),
	('lena', 'lena@jazenetworks.example', 'jazenetworks', 7)
ON CONFLICT (helpdesk_user_id) DO NOTHING;

INSERT INTO staff (username, name, email, role) VALUES
	('support@jazenetworks.example', 'Support', 'support@jazenetworks.example', 'admin'),
	('billing@jazenetworks.example', 'Billing', 'billing@jazenetworks.example', 'admin')
ON CONFLICT (username) DO NOTHING;

INSERT INTO issue_type (scope, name, group_name, position) VALUES
	('helpdesk', 'Payment', 'Payment', 1),
	('helpdesk', 'Technical', 'Technical', 2)
ON CONFLICT (scope, name) DO NOTHING;

-- Tickets 11 and 12 of user 6: medium, unassigned, due created + 12 h; each
-- with the user's first message, as raise_ticket writes it.
DO $$
DECLARE
	d record;
	c bigint;
	t pgticket.ticket;
BEGIN
	SELECT id INTO c FROM pgticket.customer WHERE helpdesk_user_id = 6;
	FOR d IN SELECT * FROM (VALUES
			(11::bigint, timestamptz '2016-11-21 17:01:51+00'),
			(12, '2016-11-21 17:03:23+00')
		) AS v(number, created)
	LOOP
		CONTINUE WHEN EXISTS (SELECT FROM pgticket.ticket
			WHERE workflow = 'helpdesk' AND number = d.number);
		t := pgticket.create_ticket('helpdesk', c, 'Unable to pay online',
			'The payment page fails when I submit my card.', 'medium',
			'Payment', 'helpdesk', d.created, d.number);
		INSERT INTO pgticket.ticket_helpdesk (ticket_id, group_name)
		VALUES (t.id, 'Payment');
		PERFORM pgticket.add_message(t.id,
			'The payment page fails when I submit my card.', 'customer', c,
			'max', 'public', d.created);
	END LOOP;
END
$$;

/* ------------------------------------------------------- sequences */

-- New tickets must never collide with the explicit numbers above.
DO $$
DECLARE
	w record;
	top bigint;
	last bigint;
BEGIN
	FOR w IN SELECT name, number_seq FROM pgticket.workflow LOOP
		SELECT max(number) INTO top FROM pgticket.ticket
		WHERE workflow = w.name;
		CONTINUE WHEN top IS NULL;
		SELECT last_value INTO last FROM pg_catalog.pg_sequences
		WHERE format('%I.%I', schemaname, sequencename)::regclass = w.number_seq;
		IF last IS NULL OR top > last THEN
			PERFORM pg_catalog.setval(w.number_seq, top);
		END IF;
	END LOOP;
END
$$;

COMMIT;
