\set u 1000000 + random(1, :c)
SELECT status, headers::text, body FROM api_helpdesk.get_tickets(('{"method": "GET", "path": "/api/v1/get_tickets/' || :u::text || '/unresolved", "params": {"userId": "' || :u::text || '", "status": "unresolved"}, "query": {}, "headers": {}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
