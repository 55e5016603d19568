#!/usr/bin/env bash
# make test-asan: the HTTP tests against the nginx module built with
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
# The module is built in .build/nginx-asan (nginx-module/build.sh with
# PGTICKET_CFLAGS/PGTICKET_LDFLAGS) and loaded into Debian's nginx, which
# is not instrumented: nginx starts with gcc's ASan runtime preloaded
# (LD_PRELOAD), so the module's own code is checked (its stack, globals,
# and what it and libpq allocate with malloc), not nginx's pool blocks
# from the inside.  An ASan error stops the worker and is written to a
# file of .run/asan/sanitizer; UBSan reports and goes on (so that one run
# lists every site), writing to the test's error.log, since nginx clears
# UBSAN_OPTIONS from its workers.  The run fails on a failed test, a
# report, or a worker that did not exit cleanly.  Leaks are valgrind's
# (006-valgrind.t, left out here: valgrind and ASan cannot share a
# process).  Uses the ports of make test (TEST_PGPORT,
# PGTICKET_HTTP_PORT_BASE): run one at a time.  With arguments (make
# test-asan T="tests/t/013-queue.t ..."), only those HTTP tests run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=$top/.run/asan
port=${TEST_PGPORT:-54339}
db=pgticket_test
reports=$dir/sanitizer

# the tests named (006-valgrind.t cannot share a process with ASan), or all
if [ $# -gt 0 ]; then
    tests=$(printf '%s\n' "$@" | grep -v 006-valgrind)
    for t in $tests; do
        [ -f "$t" ] || { echo "asan.sh: $t: no such test" >&2; tests=; }
    done
    [ -n "$tests" ] || { echo "0 passed, 1 failed"; exit 1; }
else
    tests=$(ls tests/t/*.t | grep -v 006-valgrind)
fi

build=$top/.build/nginx-asan
flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
PGTICKET_BUILD_DIR=$build PGTICKET_CFLAGS="$flags -O1" \
    PGTICKET_LDFLAGS="-fsanitize=address,undefined" \
    nginx-module/build.sh || { echo "0 passed, 1 failed"; exit 1; }
module=$build/objs/ngx_http_pgticket_module.so

tests/stack.sh pg-stop "$dir"
rm -rf "$dir"
tests/stack.sh pg-start "$dir" "$port" \
    && tests/stack.sh db-setup "$dir" "$port" "$db" \
    && tests/stack.sh demo-load "$dir" "$port" "$db" \
    || { echo "0 passed, 1 failed"; exit 1; }
trap 'tests/stack.sh pg-stop "$dir"' EXIT
tests/stack.sh own-dir "$reports"

asan_rt=$(gcc -print-file-name=libasan.so)
nginx_env="LD_PRELOAD=$asan_rt"
nginx_env+=" ASAN_OPTIONS=log_path=$reports/asan:detect_leaks=0:abort_on_error=1"

start=$(date +%s)
PGTICKET_RUNDIR="$dir" PGTICKET_PGPORT="$port" PGTICKET_DB="$db" \
PGTICKET_MODULE="$module" PGTICKET_NGINX_ENV="$nginx_env" \
    prove -v $tests >"$dir/prove.log" 2>&1
prove_rc=$?
grep -E '^\s*not ok [0-9]+|^Files=|^Result' "$dir/prove.log" | grep -v '# TODO'
ok=$(grep -cE '^\s*ok [0-9]+' "$dir/prove.log")
bad=$(grep -E '^\s*not ok [0-9]+' "$dir/prove.log" | grep -cv '# TODO')
[ "$prove_rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1

found=$(ls "$reports" 2>/dev/null | wc -l)
if [ "$found" -gt 0 ]; then
    echo "AddressSanitizer reports in $reports:"
    for f in "$reports"/*; do
        echo "== $f"
        head -60 "$f"
    done
fi
# UBSan's reports, and workers that died, from every test's error.log
grep -hE 'runtime error:|Sanitizer|exited on signal' "$dir"/t-*/error.log \
    | sed -E 's/^.*(ngx_http_pgticket_[a-z_]+\.c)/\1/' | sort | uniq -c \
    >"$dir/reports.txt"
if [ -s "$dir/reports.txt" ]; then
    echo "in the error logs (count, site):"
    cat "$dir/reports.txt"
    found=$((found + $(wc -l <"$dir/reports.txt")))
fi
bad=$((bad + found))
echo "sanitizers: $found distinct reports; $(($(date +%s) - start))s"
echo "$ok passed, $bad failed"
[ "$bad" -eq 0 ]
