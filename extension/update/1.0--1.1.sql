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
