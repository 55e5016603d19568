#!/usr/bin/env bash
# Start and stop pgticket's local parts: a PostgreSQL cluster and nginx with
# the module, each in a run directory of the checkout.  Used by `make run`,
# `make test` and the test harness, so the demo and the tests start servers
# the same way.
#
# PostgreSQL refuses to run as root: when called as root, servers run as the
# `postgres` user and the run directory is handed to that user.
#
#   stack.sh deps                        install missing Debian packages
#   stack.sh pg-start    DIR PORT        initdb if needed, start, wait
#   stack.sh pg-stop     DIR             stop the cluster of DIR (pid file)
#   stack.sh db-setup    DIR PORT DB     database, extension, login role
#   stack.sh demo-load   DIR PORT DB     load the demo data (idempotent)
#   stack.sh nginx-conf  DIR PORT PGPORT DB   write DIR/nginx/nginx.conf
#   stack.sh nginx-start DIR             start nginx on DIR/nginx/nginx.conf
#   stack.sh nginx-stop  DIR             stop that nginx (pid file)
#   stack.sh wait-http   URL             wait until URL answers 2xx
#   stack.sh as-owner CMD...             run CMD as the user owning servers
#   stack.sh own-dir     DIR             create DIR owned by that user
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
pgbin=$(${PG_CONFIG:-pg_config} --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
module="$top/.build/nginx/objs/ngx_http_pgticket_module.so"

if [ "$(id -u)" = 0 ]; then
    owner=postgres
else
    owner=$(id -un)
fi

as_owner() {
    if [ "$(id -un)" = "$owner" ]; then
        "$@"
    else
        runuser -u "$owner" -- "$@"
    fi
}

# A directory the server user owns and can reach from /.
own_dir() {
    mkdir -p "$1"
    [ "$(id -u)" = 0 ] || return 0
    chown "$owner": "$1"
    as_owner test -x "$1" && return 0
    local d
    d=$(cd "$1" && pwd)
    while [ "$d" != / ]; do
        d=$(dirname "$d")
        chmod o+x "$d"
    done
}

deps() {
    local want=(postgresql-15 postgresql-server-dev-15 libjson-c-dev
                libpq-dev nginx nginx-dev build-essential libssl-dev
                libpcre2-dev zlib1g-dev curl perl valgrind strace)
    local missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "pgticket needs: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
    # Debian's packages start a system cluster and nginx on :80; pgticket
    # runs its own, so leave the system ones stopped.
    service postgresql stop >/dev/null 2>&1 || true
    service nginx stop >/dev/null 2>&1 || true
}

pg_start() {
    local dir=$1 port=$2
    own_dir "$dir"
    # Local connections are trusted: the socket directory is the gate.
    chmod 700 "$dir"
    if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
        as_owner "$pgbin/initdb" -D "$dir/pgdata" -U postgres -A trust \
            -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
        cat >>"$dir/pgdata/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
max_connections = 200
shared_buffers = 256MB
fsync = on
log_min_messages = warning
timezone = 'UTC'
EOF
    fi
    if as_owner "$pgbin/pg_ctl" -D "$dir/pgdata" status >/dev/null 2>&1; then
        return 0
    fi
    as_owner "$pgbin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgresql.log" \
        -o "-p $port -k $dir" -w -t 60 start >/dev/null
}

pg_stop() {
    local dir=$1
    [ -f "$dir/pgdata/postmaster.pid" ] || return 0
    as_owner "$pgbin/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null \
        2>&1 || true
}

psql_in() {
    local dir=$1 port=$2 db=$3
    shift 3
    as_owner "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" \
        -U postgres -d "$db" "$@"
}

db_setup() {
    local dir=$1 port=$2 db=$3
    if ! psql_in "$dir" "$port" postgres -tAc \
            "select 1 from pg_database where datname = '$db'" | grep -q 1; then
        psql_in "$dir" "$port" postgres -c "create database $db"
    fi
    psql_in "$dir" "$port" "$db" <<'SQL'
set client_min_messages = warning;
create extension if not exists pgticket cascade;
alter extension pgticket update;
alter role pgticket_web login;
SQL
    warn_if_stale "$dir" "$db"
}

# ALTER EXTENSION UPDATE does nothing while the version stays the same, so a
# database made by an earlier build keeps the functions of its install
# script.  Remember which script each database got, and say so when it
# differs from the one just built.
warn_if_stale() {
    local dir=$1 db=$2 version sum stamp
    version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" \
        "$top/extension/pgticket.control")
    sum=$(md5sum <"$top/extension/pgticket--$version.sql" | cut -d' ' -f1)
    stamp="$dir/$db.installed"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$sum" ]; then
        echo "note: database $db keeps pgticket $version as installed by an" \
             "earlier build; 'make clean-run' starts it afresh" >&2
        return 0
    fi
    echo "$sum" >"$stamp"
}

demo_load() {
    psql_in "$1" "$2" "$3" -f "$top/tests/demo-data.sql" >/dev/null
}

nginx_conf() {
    local dir=$1 port=$2 pgport=$3 db=$4
    own_dir "$dir/nginx"
    sed -e "s|@PORT@|$port|g" -e "s|@PGHOST@|$dir|g" \
        -e "s|@PGPORT@|$pgport|g" -e "s|@DB@|$db|g" \
        -e "s|@MODULE@|$module|g" -e "s|@DIR@|$dir/nginx|g" \
        "$top/nginx-module/pgticket.conf.in" >"$dir/nginx/nginx.conf"
    # each API's locations, included by nginx.conf
    own_dir "$dir/nginx/pgticket"
    cp "$top"/nginx-module/conf/*.conf "$dir/nginx/pgticket/"
}

nginx_start() {
    local dir=$1
    own_dir "$dir/nginx"
    if [ -f "$dir/nginx/nginx.pid" ] \
            && kill -0 "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null; then
        return 0
    fi
    as_owner nginx -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" \
        -e "$dir/nginx/error.log"
}

nginx_stop() {
    local pidfile=$1/nginx/nginx.pid pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill -QUIT "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
}

wait_http() {
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2
    return 1
}

cmd=${1:-}
shift || true
case "$cmd" in
    deps)        deps ;;
    pg-start)    pg_start "$@" ;;
    pg-stop)     pg_stop "$@" ;;
    db-setup)    db_setup "$@" ;;
    demo-load)   demo_load "$@" ;;
    nginx-conf)  nginx_conf "$@" ;;
    nginx-start) nginx_start "$@" ;;
    nginx-stop)  nginx_stop "$@" ;;
    wait-http)   wait_http "$@" ;;
    as-owner)    as_owner "$@" ;;
    own-dir)     own_dir "$@" ;;
    *) sed -n '2,23p' "$0" >&2; exit 2 ;;
esac
