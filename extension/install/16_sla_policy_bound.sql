/*
 * 1.1: an SLA policy gives every ticket a due date.
 *
 * due_at is the creation time plus resolve_within.  A policy so long that
 * the sum passes the last timestamp PostgreSQL holds (294276 AD) made every
 * ticket of that priority fail with "timestamp out of range" (22008), which
 * the facades answer as the client's 400.  The bound refuses such a policy
 * where it is written, to the DBA; a century is far past any real SLA.
 */
ALTER TABLE pgticket.sla_policy
	ADD CONSTRAINT sla_policy_resolve_within_bound
	CHECK (resolve_within <= interval '100 years');
COMMENT ON CONSTRAINT sla_policy_resolve_within_bound ON pgticket.sla_policy IS
	'A due date (creation time + resolve_within) must be a time: at most 100 years';
