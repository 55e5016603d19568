\set g :lo + :client_id + :nc * :k
\set k :k + 1
\set op random(1, 50)
SELECT status, headers::text, body FROM api_workshop.transition_pending_ticket(('{"method": "PATCH", "path": "/v2/tickets/pending-tickets/' || lpad(to_hex(:g::bigint), 8, '0') || '-be0c-4000-8000-000000000000", "params": {"id": "' || lpad(to_hex(:g::bigint), 8, '0') || '-be0c-4000-8000-000000000000"}, "query": {}, "headers": {"x-api-key": "demo-workshop-key", "content-type": "application/json"}, "body": {"transition": {"type": "start-service", "operator_id": "' || lpad(to_hex(:op::bigint), 8, '0') || '-0be0-4000-8000-000000000000"}}, "body_type": "json", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
