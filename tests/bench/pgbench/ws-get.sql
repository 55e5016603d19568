\set g 20 * random((9 * :n / 10) / 20 + 1, (:n - 17) / 20) + random(15, 17)
SELECT status, headers::text, body FROM api_workshop.get_pending_ticket(('{"method": "GET", "path": "/v2/tickets/pending-tickets/' || lpad(to_hex(:g::bigint), 8, '0') || '-be0c-4000-8000-000000000000", "params": {"id": "' || lpad(to_hex(:g::bigint), 8, '0') || '-be0c-4000-8000-000000000000"}, "query": {}, "headers": {"x-api-key": "demo-workshop-key"}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
