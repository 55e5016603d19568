#!/usr/bin/env bash
# make bench: throughput of helpdesk endpoints through nginx (wrk), side by
# side with pgbench calling the same SQL functions directly, on a cluster and
# nginx of its own (.run/bench).  Reports; never fails on a number.
#
#   DURATION=10 CONNS=32 TICKETS=100000 tests/bench.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir="$top/.run/bench"
pgport=${BENCH_PGPORT:-54349}
port=${BENCH_PORT:-18990}
db=pgticket_bench
duration=${DURATION:-10}
conns=${CONNS:-32}
tickets=${TICKETS:-100000}
stack=tests/stack.sh

command -v wrk >/dev/null || {
    [ "$(id -u)" = 0 ] || { echo "bench needs: apt-get install wrk" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
}

cleanup() {
    $stack nginx-stop "$dir"
    $stack pg-stop "$dir"
}
trap cleanup EXIT

# a fresh cluster each run, so the functions measured are the ones built
cleanup
rm -rf "$dir"
$stack pg-start "$dir" "$pgport"
$stack db-setup "$dir" "$pgport" "$db"
$stack demo-load "$dir" "$pgport" "$db"
psql_db() {
    $stack as-owner psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$pgport" \
        -U postgres -d "$db" "$@"
}

# Enough tickets that lookups are index probes in a real-sized table.
psql_db -v n="$tickets" <<'SQL'
SELECT count(*) AS have FROM pgticket.ticket WHERE workflow = 'helpdesk' \gset
SELECT count(pgticket.create_ticket('helpdesk',
           (SELECT id FROM pgticket.customer WHERE helpdesk_user_id = 7),
           'bench ticket ' || g, 'generated for make bench', 'low', 'Technical'))
       AS created
FROM generate_series(1, greatest(:n - :have, 0)) g \gset
ANALYZE;
SQL

$stack nginx-conf "$dir" "$port" "$pgport" "$db"
$stack nginx-start "$dir"
$stack wait-http "http://127.0.0.1:$port/pgticket_status"

# Spaces after the colons: pgbench would read ":null" as a variable.
cat >"$dir/details.sql" <<'SQL'
SELECT * FROM api_helpdesk.get_ticket_details('{"method": "GET", "params": {"ticketId": "11"}, "query": {}, "headers": {}, "body": null, "body_type": "none"}');
SQL
cat >"$dir/list.sql" <<'SQL'
SELECT * FROM api_helpdesk.get_tickets('{"method": "GET", "params": {"userId": "6", "status": "unresolved"}, "query": {}, "headers": {}, "body": null, "body_type": "none"}');
SQL

# Each measurement prints its figure, or "failed" and the tool's words on
# stderr: a bench reports, it does not stop half-way.
run_pgbench() {
    local out
    out=$($stack as-owner pgbench -n -M prepared -c "$conns" -j 2 \
          -T "$duration" -h "$dir" -p "$pgport" -U pgticket_web -f "$1" \
          "$db" 2>&1) || true
    awk '/^tps/ { printf "%.0f", $3; found = 1 }
         END { if (!found) printf "failed" }' <<<"$out"
    grep -q '^tps' <<<"$out" || echo "$out" | tail -3 >&2
}

run_wrk() {
    local out
    out=$(wrk -t 2 -c "$conns" -d "${duration}s" \
          "http://127.0.0.1:$port$1" 2>&1) || true
    awk '/^Requests\/sec/ { printf "%.0f", $2; found = 1 }
         END { if (!found) printf "failed" }' <<<"$out"
    grep -q '^Requests/sec' <<<"$out" || echo "$out" | tail -3 >&2
}

echo "pgticket bench: $conns connections, ${duration}s each, $tickets tickets"
printf '%-34s %12s %12s %8s\n' endpoint "nginx req/s" "pgbench tps" ratio
for pair in "/api/v1/get_ticket_details/11 details" \
            "/api/v1/get_tickets/6/unresolved list"; do
    set -- $pair
    http=$(run_wrk "$1")
    sql=$(run_pgbench "$dir/$2.sql")
    ratio=$(awk -v a="$http" -v b="$sql" \
        'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }')
    printf '%-34s %12s %12s %8s\n' "GET $1" "$http" "$sql" "$ratio"
done
echo
echo "nginx pool after the run:"
curl -s "http://127.0.0.1:$port/pgticket_status" | grep -v '^#'
