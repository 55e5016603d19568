#!/usr/bin/env bash
# A private copy of the PostgreSQL installation, for running the tests of
# several checkouts at once on one machine.  `make install` writes the
# extension into PostgreSQL's share and lib directories, which every
# checkout would otherwise share; PostgreSQL finds those directories
# relative to its own binaries, so a copy of the tree is an installation of
# its own.
#
#   eval "$(tests/private-pg.sh DIR)"   # once per shell
#   make test                           # now builds into and runs from DIR
#
# Prints the variables to export: PG_CONFIG (the copy's pg_config, which
# the Makefile, tests/stack.sh and the isolation tests use), and with
# PORT_OFFSET=N set, ports N above the defaults for the test cluster
# (TEST_PGPORT) and the HTTP tests (PGTICKET_HTTP_PORT_BASE).
set -euo pipefail

dir=${1:?usage: tests/private-pg.sh DIR}
src=$(pg_config --bindir)
ver=$(basename "$(dirname "$src")")             # 15
share=$(pg_config --sharedir)

if [ ! -x "$dir/usr/lib/postgresql/$ver/bin/postgres" ]; then
    mkdir -p "$dir/usr/lib/postgresql" "$dir/usr/share/postgresql"
    cp -a "/usr/lib/postgresql/$ver" "$dir/usr/lib/postgresql/"
    cp -a "$share" "$dir/usr/share/postgresql/"
    ln -sfn /usr/include "$dir/usr/include"
    # the server user must reach the copy's binaries and share directory
    chmod -R o+rX "$dir"
fi
dir=$(cd "$dir" && pwd)
echo "export PG_CONFIG=$dir/usr/lib/postgresql/$ver/bin/pg_config"
if [ -n "${PORT_OFFSET:-}" ]; then
    echo "export TEST_PGPORT=$((54339 + PORT_OFFSET))"
    echo "export PGTICKET_HTTP_PORT_BASE=$((18080 + PORT_OFFSET * 100))"
fi
