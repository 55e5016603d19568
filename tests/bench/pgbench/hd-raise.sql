\set u 1000000 + random(1, :c)
SELECT status, headers::text, body FROM api_helpdesk.raise_ticket(('{"method": "POST", "path": "/api/v1/raise_ticket", "params": {}, "query": {}, "headers": {}, "body": {"type": "Technical", "subject": "Bench ticket", "userId": "' || :u::text || '", "comments": "It stopped working after the update.", "priority": "low"}, "body_type": "json", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
