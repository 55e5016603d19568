\set i random(1, :tokens)
SELECT status, headers::text, body FROM api_crm.ticket_details(('{"method": "GET", "path": "/crm/v1/ticket/details", "params": {}, "query": {}, "headers": {"token": "' || (SELECT token FROM bench.crm_token WHERE i = :i::integer) || '", "correlationid": "bench", "source": "bench", "srdate": "01-01-2030", "operation": "ticketDetail", "destination": "crm"}, "body": null, "body_type": "none", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
