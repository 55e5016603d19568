/*
 * Update from 1.0 to 1.1: the statements only an update needs.  The parts
 * new in 1.1, and the parts rewritten to run again over their 1.0 objects,
 * follow this file in the update script (UPDATE_1_1 in the Makefile).
 */

-- req_scalar takes the parameter's name, to name it when refusing an array
-- or an object (40_request.sql).
DROP FUNCTION pgticket.req_scalar(jsonb);

-- helpdesk_number takes a range, and any JSON spelling of a whole number
-- (50_api_helpdesk.sql).
DROP FUNCTION pgticket.helpdesk_number(jsonb, text, boolean);

-- create_ticket takes a due date, so that 000 writes its ticket once
-- (20_core.sql).
DROP FUNCTION pgticket.create_ticket(text, bigint, text, text,
	pgticket.priority, text, text, timestamptz, bigint, bigint);

-- 1.1 keeps idempotency keys per API client (60_api_resume.sql adds
-- idempotency_key.client_id NOT NULL).  1.0 never wrote the table, so rows
-- in it were put there by hand and name no client: say so, instead of the
-- bare "column client_id contains null values" of the ALTER TABLE.
DO $$
DECLARE
	n	bigint;
BEGIN
	SELECT count(*) INTO n FROM pgticket.idempotency_key;
	IF n > 0 THEN
		RAISE EXCEPTION 'pgticket.idempotency_key holds % row(s) that name no API client', n
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = '1.1 keeps each idempotency key per API client; 1.0 recorded no client, and none of its functions wrote this table.',
				  HINT = 'Delete those rows (DELETE FROM pgticket.idempotency_key) and run ALTER EXTENSION pgticket UPDATE again.';
	END IF;
END
$$;
