\set id :id0 + random(1, :n)
SELECT status, headers::text, body FROM bench.lookup_pl(('{"method": "GET", "path": "/bench/lookup-pl/' || :id::text || '", "params": {"id": "' || :id::text || '"}, "query": {}, "headers": {}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
