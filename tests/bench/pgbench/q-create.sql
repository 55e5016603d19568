\set d 50000000 + random(1, :c)
\set b random(1, 100)
\set s random(1, 3)
SELECT status, headers::text, body FROM api_queue.create_ticket(('{"method": "POST", "path": "/v1/tickets", "params": {}, "query": {"customer_id_type": "DNI", "customer_id_number": "' || :d::text || '"}, "headers": {}, "body": {"channel": "kiosk", "branch_id": "BR' || lpad(:b::text, 3, '0') || '", "sector_id": "' || CASE WHEN :s::integer = 3 THEN 'S2' ELSE 'S1' END || '", "service_id": "SV' || :s::text || '", "phone": "+34600000000"}, "body_type": "form", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
