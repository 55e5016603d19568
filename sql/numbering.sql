--
-- numbering: human ticket numbers from each workflow's sequence, and queue
-- numbers per service and per day, gap-free.
--
\set e '\\echo SQLSTATE: :LAST_ERROR_SQLSTATE'
SET client_min_messages = warning;
\set SHOW_CONTEXT never
ALTER TABLE pgticket.ticket ALTER COLUMN id RESTART WITH 8001;
ALTER TABLE pgticket.customer ALTER COLUMN id RESTART WITH 8001;

INSERT INTO pgticket.customer (name) VALUES ('numbering-quinn');         -- 8001

-- ticket numbers: consecutive per workflow, from the workflow's sequence
SELECT number AS n1 FROM pgticket.create_ticket('helpdesk', 8001, 'n1') \gset
SELECT number - :n1 AS after_n1 FROM pgticket.create_ticket('helpdesk', 8001, 'n2');
SELECT number >= 7000000 AS workshop_range FROM pgticket.create_ticket('workshop', 8001, 'n3');
SELECT w.name, w.number_seq FROM pgticket.workflow w ORDER BY w.name;
-- an explicit number is kept; taken twice it is refused
SELECT number FROM pgticket.create_ticket('resume', 8001, 'n4', number => 424242);
SELECT number FROM pgticket.create_ticket('resume', 8001, 'n5', number => 424242);
:e
-- the same number in another workflow is fine
SELECT workflow, number FROM pgticket.create_ticket('queue', 8001, 'n6', number => 424242);

-- queue numbers
INSERT INTO pgticket.branch VALUES ('NUM-B', 'Numbering branch');
INSERT INTO pgticket.sector VALUES ('NUM-B', 'S1', 'Sector 1');
INSERT INTO pgticket.service VALUES ('NUM-B', 'S1', 'CASH', 'Cash', 'C'),
									('NUM-B', 'S1', 'LOAN', 'Loans', 'L');
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'CASH', '2024-05-02') FROM generate_series(1, 3);
-- another service has its own queue
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'LOAN', '2024-05-02');
-- another day starts again from 1
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'CASH', '2024-05-03');
-- the default day is today
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'CASH') AS today;
SELECT day = current_date AS is_today, last_number FROM pgticket.queue_counter
 WHERE branch = 'NUM-B' AND service = 'CASH' AND day > '2024-05-03';
-- a rolled-back number is given again
BEGIN;
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'CASH', '2024-05-02') AS rolled_back;
ROLLBACK;
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'CASH', '2024-05-02') AS given_again;
SELECT service, day, last_number FROM pgticket.queue_counter
 WHERE branch = 'NUM-B' AND day < '2024-06-01' ORDER BY service, day;
-- unknown service, sector or branch; NULLs
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'NOPE', '2024-05-02');
:e
SELECT pgticket.next_queue_number('NUM-B', 'S9', 'CASH', '2024-05-02');
:e
SELECT pgticket.next_queue_number('NOPE', 'S1', 'CASH', '2024-05-02');
:e
SELECT pgticket.next_queue_number('NUM-B', NULL, 'CASH');
:e
SELECT pgticket.next_queue_number('NUM-B', 'S1', 'CASH', NULL);
:e
