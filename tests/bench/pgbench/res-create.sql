\set id 300000000000 + 10 * random(1, :c / 10)
\set k :k + 1
SELECT status, headers::text, body FROM api_resume.create_ticket(('{"method": "POST", "path": "/api/v1/customers/' || :id::text || '/tickets", "params": {"customerId": "' || :id::text || '"}, "query": {}, "headers": {"authorization": "Basic b2NzdXNlcjpvY3N1c2Vy", "request-tracking-id": "pgb-' || :run::text || '-' || :client_id::text || '-' || :k::text || '", "profileid": "Siebel_201"}, "body": {"customer_id": ' || :id::text || ', "reason_code": "RS01", "reason": "Payment received", "dispatch_date_time": "2031-01-31T09\u003a00\u003a00Z", "service": {"id": "26984565", "code": "INT", "description": "Internet"}, "requestor_info": {"name": "Karen Hain", "phone": "5551234567", "email": "karen@example.com"}, "assigned_to_user": "tech01"}, "body_type": "json", "remote_addr": "127.0.0.1"}')::jsonb) \gset p_
\if :p_status >= 400
\set failed 1 / 0
\endif
