\set d 50000000 + random(1, :c)
SELECT status, headers::text, body FROM api_queue.list_tickets(('{"method": "GET", "path": "/v1/tickets", "params": {}, "query": {"customer_id_type": "DNI", "customer_id_number": "' || :d::text || '"}, "headers": {}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
