#!/usr/bin/env bash
# Run pgticket's concurrency tests (pg_isolation_regress specs in
# tests/isolation/specs, expected output in tests/isolation/expected)
# against a running cluster.
#
#   tests/isolation/run.sh PGHOST PGPORT
#
# The specs run in a database of their own (pgticket_isolation, recreated
# each run, extension loaded).  As root, the tests run as the user owning
# the servers (tests/stack.sh as-owner).  Prints pg_isolation_regress's
# output, and the diffs on failure; exits non-zero when a spec fails.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 PGHOST PGPORT" >&2
    exit 2
fi
host=$1
port=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pgxs=$(${PG_CONFIG:-pg_config} --pgxs 2>/dev/null \
    || echo /usr/lib/postgresql/15/lib/pgxs/src/makefiles/pgxs.mk)
isolation=$(dirname "$(dirname "$pgxs")")/test/isolation
regress=$isolation/pg_isolation_regress

specs=$(cd "$here/specs" && ls -- *.spec | sed 's/\.spec$//' | sort)
out=$(mktemp -d /tmp/pgticket-isolation.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$top/tests/stack.sh" own-dir "$out"
# the server user reads the specs from the checkout
chmod -R o+rX "$here"

rc=0
"$top/tests/stack.sh" as-owner "$regress" \
    --host="$host" --port="$port" --user=postgres \
    --inputdir="$here" --outputdir="$out" \
    --dbname=pgticket_isolation --load-extension=pgticket \
    $specs || rc=$?
if [ $rc -ne 0 ] && [ -f "$out/regression.diffs" ]; then
    cat "$out/regression.diffs"
fi
exit $rc
