#!/usr/bin/env bash
# make bench-instructions: CPU instructions per call of each façade the
# load scripts call, and of the one-row lookup, counted by callgrind in a
# single-user postgres on the data the last `make bench` left in
# .run/bench.  Unlike timings, the counts repeat to within a few
# instructions, so they compare two versions of a façade on a machine too
# busy or too noisy to time them.  They are not time: a plan made on every
# call (bench.lookup) costs fewer µs per instruction than a façade's reads.
#
#   ENDPOINTS="lookup hd-details q-get ws-get hd-list q-list crm-details
#              hd-raise q-create res-create ws-start hd-close"
#   CALLS=60          warm calls counted per endpoint
#
# Only the calls are counted (callgrind collects inside
# fmgr_security_definer: every façade and bench.lookup are SECURITY
# DEFINER), and the first calls of a session compile PL/pgSQL and plan its
# statements: a run of 20 calls is subtracted from a run of 20 + CALLS.
# The request documents are those the load scripts send, from a fixed seed.
# A write commits, as under load (the data grows by a few hundred rows);
# its second run sends other documents than its first (a replayed
# idempotency key, a ticket already closed, would cost less), and the
# transitions take fresh tickets from the bench's pools.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
stack=tests/stack.sh
bin=$(${PG_CONFIG:-pg_config} --bindir)
dir="$top/.run/bench"
db=pgticket_bench
calls=${CALLS:-60}
endpoints=${ENDPOINTS:-lookup hd-details q-get ws-get hd-list q-list crm-details hd-raise q-create res-create ws-start hd-close}
endpoints=$(echo $endpoints | tr ',' ' ')  # a list as make bench takes it
if [ -n "${TEST_PGPORT:-}" ]; then
    pgport=${BENCH_PGPORT:-$((TEST_PGPORT + 100))}
else
    pgport=${BENCH_PGPORT:-54449}
fi

die() { echo "bench-instructions: $*" >&2; exit 1; }
[ -d "$dir/pgdata" ] || die "no bench data in $dir: run make bench first"
command -v valgrind >/dev/null || {
    [ "$(id -u)" = 0 ] || die "needs valgrind: apt-get install valgrind"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null \
        || die "could not install valgrind"
}

# endpoint -> façade, and the SQL of one request document (k: a random
# integer 1..5000 for the CRM tokens; n, c: tickets and customers)
facade() {
    case $1 in
        lookup) echo bench.lookup ;;
        hd-details) echo api_helpdesk.get_ticket_details ;;
        q-get) echo api_queue.get_ticket ;;
        ws-get) echo api_workshop.get_pending_ticket ;;
        hd-list) echo api_helpdesk.get_tickets ;;
        q-list) echo api_queue.list_tickets ;;
        crm-details) echo api_crm.ticket_details ;;
        hd-raise) echo api_helpdesk.raise_ticket ;;
        q-create) echo api_queue.create_ticket ;;
        res-create) echo api_resume.create_ticket ;;
        ws-start) echo api_workshop.transition_pending_ticket ;;
        hd-close) echo api_helpdesk.close_ticket ;;
        *) die "unknown endpoint $1" ;;
    esac
}
writes() { case $1 in hd-raise|q-create|res-create|ws-start|hd-close) ;; *) return 1 ;; esac; }
document() {
    case $1 in
        lookup) echo "bench.doc(jsonb_build_object('id', (id0 + 1 + floor(random() * n))::bigint::text))" ;;
        hd-details) echo "bench.doc(jsonb_build_object('ticketId', (1000000 + 20 * (1 + floor(random() * ((n - 8) / 20)))::bigint)::text)) || bench.admin_door()" ;;
        q-get) echo "bench.doc(jsonb_build_object('ticket_id', bench.uuid_of(20 * (1 + floor(random() * ((n - 14) / 20)))::bigint + 9 + floor(random() * 6)::bigint)))" ;;
        ws-get) echo "bench.doc(jsonb_build_object('id', bench.uuid_of(20 * ((9 * n / 10) / 20 + 1 + floor(random() * ((n - 17) / 20 - (9 * n / 10) / 20)))::bigint + 15 + floor(random() * 3)::bigint)), '{}', '{\"x-api-key\": \"demo-workshop-key\"}')" ;;
        hd-list) echo "bench.doc(jsonb_build_object('userId', (1000000 + floor(random() * c)::bigint + 1)::text, 'status', 'unresolved'))" ;;
        q-list) echo "bench.doc('{}', jsonb_build_object('customer_id_type', 'DNI', 'customer_id_number', (50000000 + floor(random() * c)::bigint + 1)::text))" ;;
        crm-details) echo "bench.doc('{}', '{}', jsonb_build_object('token', (SELECT token FROM bench.crm_token WHERE i = k), 'correlationid', 'bench', 'source', 'bench', 'srdate', '01-01-2030', 'operation', 'ticketDetail', 'destination', 'crm'))" ;;
        # the writes as tests/bench/pgbench/*.sql send them (g: the
        # document's ordinal; lo: the first fresh ticket of the pool)
        hd-raise) echo "jsonb_build_object('method', 'POST', 'params', '{}'::jsonb, 'query', '{}'::jsonb, 'headers', '{}'::jsonb, 'body_type', 'json', 'remote_addr', '127.0.0.1', 'body', jsonb_build_object('type', 'Technical', 'subject', 'Bench ticket', 'userId', (1000000 + 1 + floor(random() * c)::bigint)::text, 'comments', 'It stopped working after the update.', 'priority', 'low'))" ;;
        q-create) echo "jsonb_build_object('method', 'POST', 'params', '{}'::jsonb, 'query', jsonb_build_object('customer_id_type', 'DNI', 'customer_id_number', (50000000 + 1 + floor(random() * c)::bigint)::text), 'headers', '{}'::jsonb, 'body_type', 'form', 'remote_addr', '127.0.0.1', 'body', jsonb_build_object('channel', 'kiosk', 'branch_id', 'BR' || lpad((1 + floor(random() * 100))::int::text, 3, '0'), 'sector_id', CASE WHEN s = 3 THEN 'S2' ELSE 'S1' END, 'service_id', 'SV' || s, 'phone', '+34600000000'))" ;;
        res-create) echo "jsonb_build_object('method', 'POST', 'params', jsonb_build_object('customerId', rid::text), 'query', '{}'::jsonb, 'headers', jsonb_build_object('authorization', 'Basic b2NzdXNlcjpvY3N1c2Vy', 'request-tracking-id', 'instructions-' || tag || '-' || g, 'profileid', 'Siebel_201'), 'body_type', 'json', 'remote_addr', '127.0.0.1', 'body', jsonb_build_object('customer_id', rid, 'reason_code', 'RS01', 'reason', 'Payment received', 'dispatch_date_time', '2031-01-31T09:00:00Z', 'service', jsonb_build_object('id', '26984565', 'code', 'INT', 'description', 'Internet'), 'requestor_info', jsonb_build_object('name', 'Karen Hain', 'phone', '5551234567', 'email', 'karen@example.com'), 'assigned_to_user', 'tech01'))" ;;
        ws-start) echo "jsonb_build_object('method', 'PATCH', 'params', jsonb_build_object('id', bench.uuid_of(lo + g)), 'query', '{}'::jsonb, 'headers', jsonb_build_object('x-api-key', 'demo-workshop-key', 'content-type', 'application/json'), 'body_type', 'json', 'remote_addr', '127.0.0.1', 'body', jsonb_build_object('transition', jsonb_build_object('type', 'start-service', 'operator_id', bench.operator_uuid(1 + floor(random() * 50)::int))))" ;;
        hd-close) echo "bench.doc(jsonb_build_object('ticketId', (1000000 + lo + g)::text)) || bench.admin_door()" ;;
    esac
}

work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; $stack pg-stop "$dir" >/dev/null 2>&1' EXIT

# the request documents, with the server up; then the server down
$stack pg-start "$dir" "$pgport" >/dev/null || die "PostgreSQL did not start"
tag=$(date +%s)
psql_bench() {
    "$bin/psql" -X -At -q -v ON_ERROR_STOP=1 -h "$dir" -p "$pgport" \
        -U postgres -d "$db" "$@"
}
for ep in $endpoints; do
    fn=$(facade "$ep") || exit 1
    # a write's two runs take 20 and 20 + calls documents of their own, from
    # a seed of their own: the reads' seed would add tickets to the very
    # users and customers whose lists the reads count
    docs=$((20 + calls)) lo=0 seed=0.25
    if writes "$ep"; then
        docs=$((40 + calls)) seed=-0.5
        case $ep in
            ws-start) lo=$(psql_bench -c "SELECT bench.pool_take('ws', $docs)") ;;
            hd-close) lo=$(psql_bench -c "SELECT bench.pool_take('hd', $docs)") ;;
        esac || die "no fresh tickets for $ep"
    fi
    psql_bench -c "SELECT setseed($seed)" -c "
        SELECT format('SELECT status FROM $fn(%L::jsonb)', d)
        FROM (SELECT $(document "$ep") AS d
              FROM (SELECT tickets AS n, customers AS c, id0, $lo AS lo,
                           '$tag' AS tag
                    FROM bench.config) cfg,
                   (SELECT g - 1 AS g, 1 + floor(random() * 5000)::int AS k,
                           1 + floor(random() * 3)::int AS s,
                           300000000000 + 10 * (1 + floor(random()
                               * (SELECT customers / 10 FROM bench.config)))::bigint AS rid
                    FROM generate_series(1, $docs) g) g) s" \
        >"$work/$ep.all" || die "request documents for $ep failed"
    # one statement a line: not the empty line setseed() prints
    grep -v '^$' "$work/$ep.all" >"$work/$ep.sql"
done
$stack pg-stop "$dir" >/dev/null

# Ir of the calls of lines FIRST..LAST of the file, in one single-user
# session
count() {
    local out="$work/cg.out"
    rm -f "$out"
    touch "$out" && chmod 666 "$out"
    sed -n "$2,$3p" "$work/$1.sql" | $stack as-owner valgrind --tool=callgrind \
        --callgrind-out-file="$out" --toggle-collect=fmgr_security_definer \
        "$bin/postgres" --single -D "$dir/pgdata" "$db" \
        >"$work/out.txt" 2>"$work/err.txt" || die "$1: $(tail -3 "$work/err.txt")"
    answered "$1" $(($3 - $2 + 1)) || exit 1
    grep '^summary:' "$out" | grep -o '[0-9]*'
}

# every call of the run answered, below 400, as the load scripts require
# (they abort on a status >= 400; start-service answers 303): a
# single-user backend writes its errors to stderr and goes on, and a
# façade answers a client error, so a count of error paths would otherwise
# pass for the endpoint's
answered() {
    local bad n
    bad=$(grep -m1 -E '(ERROR|FATAL|PANIC):  ' "$work/err.txt")
    [ -z "$bad" ] || die "$1: $bad"
    n=$(grep -c -E '1: status = "[23][0-9][0-9]"' "$work/out.txt")
    [ "$n" = "$2" ] || die "$1: $n of $2 calls answered below 400 (first other: $(
        grep -o -E '1: status = "[^"]*"' "$work/out.txt" \
            | grep -v -m1 -E '"[23][0-9][0-9]"' | grep -o '"[^"]*"'))"
}

echo "| endpoint | façade | instructions per call | × lookup |"
echo "|---|---|---|---|"
base=
for ep in $endpoints; do
    a=$(count "$ep" 1 20) || exit 1
    if writes "$ep"; then
        b=$(count "$ep" 21 $((40 + calls))) || exit 1
    else
        b=$(count "$ep" 1 $((20 + calls))) || exit 1
    fi
    per=$(( (b - a) / calls ))
    [ "$ep" = lookup ] && base=$per
    ratio=-
    [ -n "$base" ] && ratio=$(awk -v a="$per" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | `%s` | %d | %s |\n' "$ep" "$(facade "$ep")" "$per" "$ratio"
done
