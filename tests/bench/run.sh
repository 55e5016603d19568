#!/usr/bin/env bash
# make bench: every API's endpoints through nginx (wrk) beside pgbench
# calling the same facades with the same request documents, over a
# generated data set, on a cluster and an nginx of its own (.run/bench).
# It reports; it never fails on a figure, and `make test` does not run it.
#
#   SCALE=1000000     tickets (over SCALE/10 customers); up to 10,000,000
#   DURATION=10       seconds per measurement
#   CONNS="32 64 128" concurrencies
#   RUNS=3            interleaved rounds (median, min-max)
#   ENDPOINTS=all     or a list: nginx lookup lookup-pl hd-details q-get ws-get
#                     hd-list q-list crm-details hd-raise q-create
#                     res-create ws-start hd-close
#   WARMUP=3          seconds of each endpoint before the rounds (0: none)
#   PREWARM=1         read pgticket's tables and indexes once (pg_prewarm
#                     'read': into the OS cache, as a server in steady
#                     state has them) before the rounds (0: none)
#   SOAK=60           seconds of the RSS run (0: none)
#   PROFILE=3         seconds per facade under pg_stat_statements (0: none)
#   FRESH=1           regenerate the data even if the cluster has it
#   BENCH_ACCESS_LOG=1  keep the shipped access_log (off by default)
#   BENCH_REUSEPORT=1 listen with reuseport (the shipped conf does not)
#   BENCH_POOL=N      connections per worker (the shipped conf: max=4)
#   BENCH_PIPELINE=N  queries in flight per connection (default 4; 1: none)
#   BENCH_MAIN='worker_cpu_affinity auto;', BENCH_EVENTS='multi_accept on;'
#                     nginx settings to compare (main context, events block)
#   BENCH_PGPORT, BENCH_PORT   ports (default: from TEST_PGPORT and
#                     PGTICKET_HTTP_PORT_BASE when set, so checkouts differ)
#
# The report goes to tests/bench/results/<date>-<scale>/report.md (and the
# terminal), with every run in runs.tsv, the façades' inner statements in
# the report's profile (from profile.tsv) and their plans in plans.txt.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
here=tests/bench
stack=tests/stack.sh
bin=$(${PG_CONFIG:-pg_config} --bindir)
dir="$top/.run/bench"
db=pgticket_bench

scale=${SCALE:-1000000}
duration=${DURATION:-10}
conns_list=$(echo "${CONNS:-32 64 128}" | tr ',' ' ')
runs=${RUNS:-3}
warmup=${WARMUP:-3}
prewarm=${PREWARM:-1}
soak=${SOAK:-60}
profile=${PROFILE:-3}
fresh=${FRESH:-0}
if [ -n "${TEST_PGPORT:-}" ]; then
    pgport=${BENCH_PGPORT:-$((TEST_PGPORT + 100))}
else
    pgport=${BENCH_PGPORT:-54449}
fi
if [ -n "${PGTICKET_HTTP_PORT_BASE:-}" ]; then
    port=${BENCH_PORT:-$((PGTICKET_HTTP_PORT_BASE + 99))}
else
    port=${BENCH_PORT:-18990}
fi

all_endpoints="nginx lookup lookup-pl hd-details q-get ws-get hd-list q-list crm-details
    hd-raise q-create res-create ws-start hd-close"
endpoints=${ENDPOINTS:-all}
[ "$endpoints" = all ] && endpoints=$all_endpoints
endpoints=$(echo $endpoints | tr ',' ' ')
for ep in $endpoints; do
    case " $(echo $all_endpoints) " in
        *" $ep "*) ;;
        *) echo "bench: unknown endpoint $ep (known: $(echo $all_endpoints))" >&2
           exit 2 ;;
    esac
done

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

command -v wrk >/dev/null || {
    [ "$(id -u)" = 0 ] || die "needs wrk: apt-get install wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
        || die "could not install wrk"
}
[ -x "$bin/pgbench" ] || die "no pgbench in $bin"

psql_db() {
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$pgport" -U postgres \
        -d "$db" "$@"
}
sql() { psql_db -tAc "$1"; }

cleanup() {
    [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null
    $stack nginx-stop "$dir"
    $stack pg-stop "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ data

version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" extension/pgticket.control)
stamp="scale=$scale $(cat extension/pgticket--$version.sql $here/generate.sql \
    tests/demo-data.sql | md5sum | cut -c1-12)"

generate() {
    local chunk=50000 t0 lo hi done_rows=0 rc
    t0=$SECONDS
    $stack db-setup "$dir" "$pgport" "$db" || die "db-setup failed"
    $stack demo-load "$dir" "$pgport" "$db" || die "demo data failed"
    psql_db -f $here/generate.sql || die "bench schema failed"
    psql_db -f $here/functions.sql || die "bench functions failed"
    sql "SELECT bench.gen_base($scale)" >/dev/null || die "gen_base failed"
    say "generating $scale tickets over $((scale / 10)) customers (2 sessions)"
    export PGOPTIONS='-c synchronous_commit=off'
    export bin dir pgport db
    for ((lo = 1; lo <= scale; lo += chunk)); do
        hi=$((lo + chunk - 1))
        [ $hi -gt "$scale" ] && hi=$scale
        echo "$lo $hi"
    done | xargs -P 2 -L 1 bash -c '"$bin/psql" -X -q -v ON_ERROR_STOP=1 \
            -h "$dir" -p "$pgport" -U postgres -d "$db" -tAc \
            "SELECT bench.gen_chunk($0, $1)" >/dev/null && echo "$0 $1"' \
        | while read -r lo hi; do
            done_rows=$((done_rows + hi - lo + 1))
            printf '\r  tickets %d/%d  %ds ' "$done_rows" "$scale" \
                $((SECONDS - t0)) >&2
        done
    rc=${PIPESTATUS[1]}
    printf '\n' >&2
    [ "$rc" = 0 ] || die "generating tickets failed"
    say "  queue counters, sequences, VACUUM ANALYZE  $((SECONDS - t0))s"
    sql "SELECT bench.gen_finish()" >/dev/null || die "gen_finish failed"
    psql_db -c "VACUUM (ANALYZE)" -c "CHECKPOINT" || die "vacuum failed"
    unset PGOPTIONS
    say "  loaded in $((SECONDS - t0))s: $(sql "SELECT format('%s tickets, %s history rows, %s messages, %s ratings, %s', (SELECT count(*) FROM pgticket.ticket), (SELECT count(*) FROM pgticket.ticket_history), (SELECT count(*) FROM pgticket.message), (SELECT count(*) FROM pgticket.rating), pg_size_pretty(pg_database_size(current_database())))")"
    gen_seconds=$((SECONDS - t0))
    echo "$stamp" >"$dir/bench.stamp"
}

$stack nginx-stop "$dir"
if [ "$fresh" != 0 ] || [ "$(cat "$dir/bench.stamp" 2>/dev/null)" != "$stamp" ]; then
    $stack pg-stop "$dir"
    rm -rf "$dir"
    $stack pg-start "$dir" "$pgport" || die "PostgreSQL did not start"
    # pg_stat_statements is loaded but off (track = none) except while
    # the profile runs; a larger WAL keeps checkpoints out of the load
    $stack pg-stop "$dir"
    cat >>"$dir/pgdata/postgresql.conf" <<EOF
# make bench
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = 'none'
max_wal_size = '8GB'
EOF
    $stack pg-start "$dir" "$pgport" || die "PostgreSQL did not restart"
    generate
    data="generated in ${gen_seconds}s"
else
    $stack pg-start "$dir" "$pgport" || die "PostgreSQL did not start"
    data="reused from an earlier run (FRESH=1 regenerates)"
fi
psql_db -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
    -f $here/functions.sql || die "bench functions failed"

# one row of settings for the load scripts
IFS='|' read -r n c id0 <<<"$(sql "SELECT tickets, customers, id0 FROM bench.config")"
tokens_file="$dir/crm-tokens.txt"
sql "SELECT token FROM bench.crm_token ORDER BY i" >"$tokens_file"
ntokens=$(wc -l <"$tokens_file")
sql "GRANT SELECT ON bench.crm_token TO pgticket_web" >/dev/null

# At 10 M tickets the data (about 15 GB) outgrows shared_buffers but not the
# OS cache: read it once, so that the rounds measure the code on a warm
# server and not the disk (a round that met cold pages ran 30 % slower).
if [ "$prewarm" != 0 ]; then
    t0=$SECONDS
    mb=$(sql "CREATE EXTENSION IF NOT EXISTS pg_prewarm;
        SELECT sum(pg_prewarm(c.oid, 'read')) * current_setting('block_size')::bigint / 1048576
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'pgticket' AND c.relkind IN ('r', 'i', 't')
            AND c.relpersistence = 'p'") || die "pg_prewarm failed"
    prewarmed="${mb%%.*} MB of pgticket's tables and indexes read into the OS cache (pg_prewarm 'read') in $((SECONDS - t0)) s before the rounds"
    say "prewarm: $prewarmed"
else
    prewarmed="no prewarm (PREWARM=0)"
fi

# ----------------------------------------------------------------- nginx

$stack nginx-conf "$dir" "$port" "$pgport" "$db"
conf="$dir/nginx/nginx.conf"
cp $here/nginx.conf "$dir/nginx/pgticket/bench.conf"
sed -i -e 's|^\( *include pgticket/api-workshop.conf;.*\)$|\1\n        include pgticket/bench.conf;|' \
    "$conf"
# access logging is nginx's cost, not the module's: BENCH_ACCESS_LOG=1 keeps it
[ "${BENCH_ACCESS_LOG:-0}" = 1 ] || sed -i 's|^\( *\)access_log .*;|\1access_log off;|' "$conf"
# the load generator is a trusted backend (README, Credential guessing):
# its one address would meet the 20 r/s of the credential APIs at once
sed -i 's|^\( *limit_req_zone \)\$binary_remote_addr |\1"" |' "$conf"
grep -q 'limit_req_zone "" ' "$conf" || die "could not lift the credential rate limit"
# BENCH_REUSEPORT=1: one listening socket per worker, the kernel spreads
# the clients (otherwise the first worker to wake up takes most of them)
[ "${BENCH_REUSEPORT:-0}" = 1 ] && sed -i "s|^\( *listen 127.0.0.1:$port\);|\1 reuseport;|" "$conf"
grep -q 'include pgticket/bench.conf' "$conf" || die "could not add bench.conf"
# BENCH_POOL=N: N connections per worker instead of the shipped max=4
[ -n "${BENCH_POOL:-}" ] && sed -i "s|\(pgticket_pool .*max=\)[0-9]*|\1$BENCH_POOL|" "$conf"
# BENCH_PIPELINE=N: pgticket_pool pipeline=N (queries in flight per connection)
if [ -n "${BENCH_PIPELINE:-}" ]; then
    sed -i "s|^\( *pgticket_pool [^;]*\);|\1 pipeline=$BENCH_PIPELINE;|" "$conf"
    grep -q "pipeline=$BENCH_PIPELINE;" "$conf" || die "could not set pipeline="
fi
# BENCH_EVENTS='multi_accept on;' and BENCH_MAIN='worker_cpu_affinity auto;':
# nginx settings to compare, added to the events block and the main context
[ -n "${BENCH_EVENTS:-}" ] && sed -i "s|^\( *worker_connections .*;\)$|\1\n    $BENCH_EVENTS|" "$conf"
[ -n "${BENCH_MAIN:-}" ] && sed -i "s|^\(worker_processes .*;\)$|\1\n$BENCH_MAIN|" "$conf"
workers=$(sed -n 's/^worker_processes \([0-9]*\);/\1/p' "$conf")
pool_max=$(sed -n 's/.*pgticket_pool.*max=\([0-9]*\).*/\1/p' "$conf")
pool_max=${pool_max:-4}
poolsize=$((workers * pool_max))
$stack nginx-start "$dir" || die "nginx did not start"
$stack wait-http "http://127.0.0.1:$port/bench/nginx" || die "nginx does not answer"
master=$(cat "$dir/nginx/nginx.pid")

# ------------------------------------------------------------ measuring

stamp_dir=$(date -u +%Y%m%d-%H%M%S)
out="$top/$here/results/$stamp_dir-$scale"
mkdir -p "$out"
tsv="$out/runs.tsv"
printf 'round\ttool\tendpoint\tconns\trequests\tseconds\trate\tp50_us\tp99_us\tavg_us\terrors\tnon2xx\tnginx_us\tpg_us\ttool_us\tother_pct\tbackends\tclients\n' >"$tsv"
clk=$(getconf CLK_TCK)
ncpu=$(nproc)

nginx_workers() { ps -o pid= --ppid "$master" | tr -d ' '; }

# CPU ticks: nginx workers; every PostgreSQL process, the exited ones too
# (the postmaster's cutime/cstime); the whole machine's busy time
stat_ticks() {              # PID...: utime + stime (+ cutime + cstime)
    local p
    for p; do
        sed 's/.*) //' "/proc/$p/stat" 2>/dev/null     # it may have exited
    done | awk -v all="${WITH_CHILDREN:-0}" \
        '{ t += $12 + $13; if (all) t += $14 + $15 } END { print t + 0 }'
}
nginx_ticks() { stat_ticks $(nginx_workers); }
pg_ticks() {
    local pm
    pm=$(head -1 "$dir/pgdata/postmaster.pid")
    echo $(( $(stat_ticks $(ps -o pid= --ppid "$pm")) \
             + $(WITH_CHILDREN=1 stat_ticks "$pm") ))
}
# user, nice, system: interrupts (loopback networking) are nobody's
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 }' /proc/stat; }

# mid-run: backends of pgticket_web, and the clients each worker holds
# (nginx hands a connection to whichever worker accepts it first)
sample() {
    local per_worker=-
    if command -v ss >/dev/null; then
        per_worker=$(ss -tnpH state established "( sport = :$port )" \
            | grep -o 'pid=[0-9]*' | sort | uniq -c | awk '{ print $1 }' \
            | sort -rn | paste -sd/)
    fi
    echo "$(sql "SELECT count(*) FROM pg_stat_activity
                 WHERE usename = 'pgticket_web'") ${per_worker:--}"
}

declare -A est_rate
pool_for() {                # EP TOOL: pool size for one run, created now
    local ep=$1 rate=${est_rate[$1]:-3000} cnt kind
    case $ep in ws-start) kind=ws ;; hd-close) kind=hd ;; *) echo 0; return ;; esac
    # twice what the fastest run so far would use: what a run leaves
    # unconsumed serves the next one
    cnt=$(( rate * duration * 2 + 5000 ))
    sql "SELECT bench.pool_take('$kind', $cnt)"
}

common_args="n=$n c=$c id0=$id0"

# TOOL EP CONNS ROUND [SECONDS]: one measurement, one line of runs.tsv
measure() {
    local tool=$1 ep=$2 conns=$3 round=$4 secs=${5:-$duration}
    local lo ng0 pg0 busy0 ng1 pg1 busy1 t0 t1 txt runid be="" clients=""
    local requests rate p50="" p99="" avg="" errors non2xx tool_s
    lo=$(pool_for "$ep")
    runid="$round-$tool-$conns-$RANDOM"
    ng0=$(nginx_ticks); pg0=$(pg_ticks); busy0=$(busy_ticks)
    t0=$(date +%s%N)
    if [ "$tool" = wrk ]; then
        ( sleep $((secs / 2)); sample >"$dir/sample" ) & sampler=$!
        txt=$( { wrk -t 2 -c "$conns" -d "${secs}s" --timeout 10s \
                   -s $here/wrk.lua "http://127.0.0.1:$port" -- "$ep" \
                   $common_args threads=2 lo="$lo" tokens="$tokens_file" \
                   run="$runid" ${CHECK:+check=1} 2>&1; times; } )
        wait "$sampler" 2>/dev/null; sampler=
        read -r be clients <"$dir/sample"
    else
        txt=$( { "$bin/pgbench" -n -M prepared -c "$conns" -j 2 -T "$secs" \
                   -h "$dir" -p "$pgport" -U pgticket_web \
                   -D n="$n" -D c="$c" -D id0="$id0" -D lo="$lo" \
                   -D nc="$conns" -D k=0 -D tokens="$ntokens" \
                   -D run="${runid//-/}" -f "$here/pgbench/$ep.sql" "$db" 2>&1;
                 times; } )
    fi
    t1=$(date +%s%N)
    ng1=$(nginx_ticks); pg1=$(pg_ticks); busy1=$(busy_ticks)
    # the tool's own CPU: the children line of `times`
    tool_s=$(tail -1 <<<"$txt" | awk '{ for (i = 1; i <= 2; i++) {
            split($i, a, /[ms]/); t += a[1] * 60 + a[2] } print t }')
    if [ "$tool" = wrk ]; then
        local line
        line=$(grep '^WRK ' <<<"$txt")
        if [ -z "$line" ]; then
            say "  wrk $ep failed: $(grep -v '^[0-9]*m' <<<"$txt" | tail -3)"
            return
        fi
        eval "$(sed 's/^WRK //' <<<"$line")"
        secs_run=$(awk -v d="$duration_us" 'BEGIN { printf "%.3f", d / 1e6 }')
        p50=$p50_us; p99=$p99_us
        errors=$((connect + read + write + timeout)); non2xx=$status
        grep '^WRKBAD' <<<"$txt" | head -1 | sed 's/^/  first bad answer: /' >&2
    else
        requests=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$txt")
        avg=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$txt" \
              | awk '{ printf "%d", $1 * 1000 }')
        secs_run=$secs
        non2xx=$(grep -c 'aborted in command' <<<"$txt")
        errors=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$txt")
        errors=${errors:-0}
        if [ -z "$requests" ]; then
            say "  pgbench $ep failed: $(grep -v '^[0-9]*m' <<<"$txt" | tail -3)"
            return
        fi
        grep -m1 'aborted\|ERROR' <<<"$txt" | sed 's/^/  /' >&2
    fi
    awk -v round="$round" -v tool="$tool" -v ep="$ep" -v conns="$conns" \
        -v req="$requests" -v secs="$secs_run" -v p50="$p50" -v p99="$p99" \
        -v avg="$avg" -v err="$errors" -v non2xx="$non2xx" \
        -v ng=$((ng1 - ng0)) -v pg=$((pg1 - pg0)) -v tool_s="$tool_s" \
        -v busy=$((busy1 - busy0)) -v wall=$(( (t1 - t0) / 1000000 )) \
        -v clk="$clk" -v ncpu="$ncpu" -v be="$be" -v cl="$clients" 'BEGIN {
            r = req > 0 ? req : 1
            other = busy - ng - pg - tool_s * clk
            if (other < 0) other = 0
            printf "%s\t%s\t%s\t%s\t%d\t%s\t%.0f\t%s\t%s\t%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.0f\t%s\t%s\n",
                round, tool, ep, conns, req, secs, req / secs, p50, p99, avg,
                err, non2xx, ng * 1e6 / clk / r, pg * 1e6 / clk / r,
                tool_s * 1e6 / r, 100 * other / (wall / 1000 * clk * ncpu), be, cl
        }' >>"$tsv"
    # what the creates made is closed or served, so the reads see the
    # generated backlog in every round
    case $ep in hd-raise|q-create|mix) sql "SELECT bench.settle()" >/dev/null ;; esac
    local rate_now
    rate_now=$(tail -1 "$tsv" | cut -f7)
    [ "${rate_now:-0}" -gt "${est_rate[$ep]:-0}" ] && est_rate[$ep]=$rate_now
    tail -1 "$tsv" | awk -F'\t' '{ printf "  %-8s %-12s %4s conns %8s/s  p99 %s us  errors %s  non-2xx %s\n", $2, $3, $4, $7, ($9 == "" ? "-" : $9), $11, $12 }' >&2
}

has_pgbench() { [ "$1" != nginx ]; }

nep=$(echo $endpoints | wc -w)
nsql=$(echo $endpoints | tr ' ' '\n' | grep -vc '^nginx$')
nconns=$(echo $conns_list | wc -w)
nmeas=$(( runs * (nconns * (nep + nsql) + nsql) ))
say "bench: $(echo $endpoints | wc -w) endpoints, conns $conns_list, $runs rounds of ${duration}s: about $(( (nmeas * (duration + 2) + nep * (warmup + 1) + soak + nep * profile) / 60 + 1 )) min"
say "  nginx :$port ($workers workers, pool max=$pool_max), PostgreSQL :$pgport, results in ${out#$top/}"

# every facade on generated ids, from SQL; the writes are rolled back
say "check: the read facades on 50 generated ids, the others on 20 (rolled back)"
psql_db -P footer=off -c "SELECT * FROM bench.check(50)" -c "BEGIN" \
    -c "SELECT * FROM bench.check_writes(20)" -c "ROLLBACK" >&2
bad=$(psql_db -tA -c "SELECT sum(not_2xx) FROM bench.check(20)" -c "BEGIN" \
    -c "SELECT sum(not_2xx) FROM bench.check_writes(5)" -c "ROLLBACK" \
    | awk '{ s += $1 } END { print s + 0 }')
[ "$bad" = 0 ] || say "bench: WARNING: $bad answers not 2xx on generated ids"

if [ "$warmup" -gt 0 ]; then
    say "warm-up: ${warmup}s of each endpoint through nginx, answers checked"
    for ep in $endpoints; do
        CHECK=1 measure wrk "$ep" 32 warmup "$warmup"
    done
fi

for round in $(seq "$runs"); do
    say "round $round/$runs"
    for conns in $conns_list; do
        for ep in $endpoints; do
            measure wrk "$ep" "$conns" "$round"
            has_pgbench "$ep" && measure pgbench "$ep" "$conns" "$round"
        done
    done
    for ep in $endpoints; do
        has_pgbench "$ep" && measure pgbench "$ep" "$poolsize" "$round"
    done
done

# ----------------------------------------------------- RSS over a soak run

soak_line=""
if [ "$soak" -gt 0 ]; then
    say "soak: ${soak}s of every endpoint in turn at 64 connections"
    rss() {
        local p
        for p in $(nginx_workers); do cat "/proc/$p/status"; done \
            | awk '/^VmRSS/ { s += $2 } END { print s + 0 }'
    }
    rss0=$(rss)
    measure wrk mix 64 soak "$soak"
    rss1=$(rss)
    soak_line="$rss0 $rss1"
    say "  nginx workers' RSS: ${rss0} kB before, ${rss1} kB after"
fi
echo "$soak_line" >"$out/rss"

# --------------------------------------- where the time goes in PostgreSQL

if [ "$profile" -gt 0 ]; then
    say "profile: ${profile}s of each facade at $poolsize connections, pg_stat_statements track = all"
    sql "ALTER SYSTEM SET pg_stat_statements.track = 'all'" >/dev/null
    sql "ALTER SYSTEM SET track_functions = 'all'" >/dev/null
    sql "SELECT pg_reload_conf()" >/dev/null
    : >"$out/profile.tsv"
    for ep in $endpoints; do
        has_pgbench "$ep" || continue
        lo=$(pool_for "$ep")
        sql "SELECT pg_stat_statements_reset(), pg_stat_reset()" >/dev/null
        "$bin/pgbench" -n -M prepared -c "$poolsize" -j 2 -T "$profile" \
            -h "$dir" -p "$pgport" -U pgticket_web -D n="$n" -D c="$c" \
            -D id0="$id0" -D lo="$lo" -D nc="$poolsize" -D k=0 \
            -D tokens="$ntokens" -D run="9$RANDOM" \
            -f "$here/pgbench/$ep.sql" "$db" >/dev/null 2>&1
        sleep 0.6      # statistics reach the shared hash at commit/exit
        psql_db -At -F $'\t' -c "
            WITH top AS (SELECT sum(calls) AS calls, sum(total_exec_time) AS ms
                         FROM pg_stat_statements WHERE toplevel
                           AND query LIKE 'SELECT status, headers::text, body FROM%')
            SELECT '$ep', 'statement', s.toplevel,
                   round((s.calls::numeric / nullif(top.calls, 0)), 2),
                   round((s.total_exec_time * 1000 / nullif(top.calls, 0))::numeric, 1),
                   round((s.total_exec_time / nullif(top.ms, 0) * 100)::numeric, 1),
                   s.rows, regexp_replace(left(s.query, 300), '\s+', ' ', 'g')
            FROM pg_stat_statements s, top
            WHERE s.calls > 0 AND s.query NOT LIKE '%pg_stat_statements%'
            ORDER BY s.toplevel DESC, s.total_exec_time DESC LIMIT 12" >>"$out/profile.tsv"
        psql_db -At -F $'\t' -c "
            WITH top AS (SELECT sum(calls) AS calls FROM pg_stat_statements
                         WHERE toplevel
                           AND query LIKE 'SELECT status, headers::text, body FROM%')
            SELECT '$ep', 'function', false,
                   round(f.calls::numeric / nullif(top.calls, 0), 2),
                   round((f.total_time * 1000 / nullif(top.calls, 0))::numeric, 1),
                   round((f.self_time * 1000 / nullif(top.calls, 0))::numeric, 1),
                   0, f.schemaname || '.' || f.funcname
            FROM pg_stat_user_functions f, top
            WHERE f.calls > 0 AND f.schemaname <> 'public'
              AND f.funcname NOT IN ('make_pool', 'pool_take', 'some_customer', 'uuid_of')
            ORDER BY f.total_time DESC LIMIT 10" >>"$out/profile.tsv"
        sql "SELECT bench.settle()" >/dev/null
    done
    sql "ALTER SYSTEM SET pg_stat_statements.track = 'none'" >/dev/null
    sql "ALTER SYSTEM RESET track_functions" >/dev/null
    sql "SELECT pg_reload_conf()" >/dev/null

    say "plans: one call of each facade under auto_explain (plans.txt)"
    {
        echo "-- $(date -u) $scale tickets"
        psql_db -v id0="$id0" -v n="$n" -v c="$c" -f $here/plans.sql 2>&1
    } >"$out/plans.txt"
fi

# ---------------------------------------------------------------- report

{
    echo "machine=$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo +changes)"
    echo "scale=$scale"
    echo "data=$data"
    echo "prewarm=$prewarmed"
    echo "tickets_now=$(sql "SELECT count(*) FROM pgticket.ticket")"
    echo "duration=$duration"
    echo "runs=$runs"
    echo "conns=$conns_list"
    echo "poolsize=$poolsize"
    echo "workers=$workers"
    echo "pool_max=$pool_max"
    echo "pipeline=$(sed -n 's/.*pgticket_pool.*pipeline=\([0-9]*\).*/\1/p' \
        "$conf" | grep . || echo '4 (default)')"
    echo "nginx_extra=${BENCH_MAIN:-}${BENCH_EVENTS:-}"
    echo "soak=$soak"
    echo "rss=$soak_line"
    echo "nginx=$(nginx -v 2>&1 | sed 's/.*: //')"
    echo "postgres=$("$bin/postgres" --version)"
} >"$out/meta"
perl $here/report.pl "$out" >"$out/report.md" || die "report failed"
cat "$out/report.md"
say "bench: report in ${out#$top/}/report.md"
