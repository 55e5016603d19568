\set g 20 * random(1, (:n - 14) / 20) + random(9, 14)
SELECT status, headers::text, body FROM api_queue.get_ticket(('{"method": "GET", "path": "/v1/tickets/' || lpad(to_hex(:g::bigint), 8, '0') || '-be0c-4000-8000-000000000000", "params": {"ticket_id": "' || lpad(to_hex(:g::bigint), 8, '0') || '-be0c-4000-8000-000000000000"}, "query": {}, "headers": {}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
