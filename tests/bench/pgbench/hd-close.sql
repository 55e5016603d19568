\set t 1000000 + :lo + :client_id + :nc * :k
\set k :k + 1
SELECT status, headers::text, body FROM api_helpdesk.close_ticket(('{"method": "GET", "path": "/api/v1/close_ticket/' || :t::text || '", "params": {"ticketId": "' || :t::text || '"}, "query": {}, "headers": {}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1", "nginx": {"audience": "admin"}}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
