\set t 1000000 + 20 * random(1, (:n - 8) / 20) + random(0, 8)
SELECT status, headers::text, body FROM api_helpdesk.get_ticket_details(('{"method": "GET", "path": "/api/v1/get_ticket_details/' || :t::text || '", "params": {"ticketId": "' || :t::text || '"}, "query": {}, "headers": {}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1", "nginx": {"audience": "admin"}}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
