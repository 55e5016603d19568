--
-- The DBA's functions (README, "Core functions") say in their COMMENT ON,
-- which \df+ shows, every SQLSTATE they raise: each row below is a function
-- and the codes its comment must name.  Every function of pgticket's
-- schemas has a comment.
--
SELECT f.fn, code AS missing
  FROM (VALUES
	('create_ticket', '{22004,22003,22023,PT404,55000,23505}'::text[]),
	('transition', '{22004,PT404,PT409}'),
	('assign', '{22004,PT404,PT409}'),
	('add_message', '{22004,22023,PT404,PT403}'),
	('rate', '{22004,22003,PT404,PT403,PT409}'),
	('sla_due', '{22004}'),
	('next_queue_number', '{22004,22023,PT404}'),
	('jwt_verify', '{PT401,55000,22004}'),
	('jwt_sign', '{22023,22004}'),
	('token_claims', '{PT401,55000}'),
	('add_api_client', '{22023,PT409,22004}'),
	('set_api_client_secret', '{22023,PT404,22004}')) AS f(fn, codes),
	   unnest(f.codes) AS code
 WHERE NOT EXISTS (
	SELECT FROM pg_proc p
	 WHERE p.pronamespace = 'pgticket'::regnamespace
	   AND p.proname = f.fn
	   AND obj_description(p.oid, 'pg_proc') LIKE '%' || code || '%')
 ORDER BY 1, 2;

SELECT n.nspname, p.proname
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE (n.nspname IN ('pgticket', 'pgticket_report') OR n.nspname LIKE 'api\_%')
   AND obj_description(p.oid, 'pg_proc') IS NULL
 ORDER BY 1, 2;
