#!/usr/bin/env bash
# Start and stop pgticket's local parts: a PostgreSQL cluster and nginx with
# the module, each in a run directory of the checkout.  Used by `make run`,
# `make test` and the test harness, so the demo and the tests start servers
# the same way.
#
# PostgreSQL refuses to run as root: when called as root, servers run as the
# `postgres` user and the run directory is handed to that user.  nginx is
# then started by root, as nginx usually is: its configuration names
# `postgres` in a `user` directive, so the workers run as that user, and an
# `nginx -t` by root keeps the temporary directories theirs (without the
# directive, root's nginx hands them to `nobody`, and the workers can no
# longer buffer a request body to disk).
#
#   stack.sh deps                        install missing Debian packages,
#                                        and tests/openapi/node_modules
#                                        (npm ci)
#   stack.sh pg-start    DIR PORT        initdb if needed, start, wait
#   stack.sh pg-stop     DIR             stop the cluster of DIR (pid file)
#   stack.sh db-setup    DIR PORT DB     database, extension, login role,
#                                        hardened (extension/deploy/harden.sql,
#                                        pg_hba.conf)
#   stack.sh db-allow    DIR PORT DB     let pgticket's roles connect to DB
#                                        too (pg_hba.conf)
#   stack.sh demo-load   DIR PORT DB     load the demo data (idempotent)
#   stack.sh nginx-conf  DIR PORT PGPORT DB [NGINXDIR]
#                                        write DIR/nginx/nginx.conf (or
#                                        NGINXDIR/nginx.conf) and its files
#   stack.sh docs-site   DIR             the OpenAPI documents and the
#                                        reference page, into DIR
#   stack.sh nginx-start DIR             start nginx on DIR/nginx/nginx.conf;
#                                        if it runs, apply a changed
#                                        configuration (reload) or module
#                                        (restart)
#   stack.sh nginx-stop  DIR             stop that nginx (pid file)
#   stack.sh stop        DIR             stop nginx and PostgreSQL of DIR,
#                                        saying what was stopped
#   stack.sh wait-http   URL             wait until URL answers 2xx
#   stack.sh as-owner CMD...             run CMD as the user owning servers
#   stack.sh own-dir     DIR             create DIR owned by that user
set -euo pipefail

# an empty PGPORT (`make run PGPORT=`, which make exports as it is) would
# reach PostgreSQL's programs as port "": every port here is explicit
[ -n "${PGPORT:-}" ] || unset PGPORT

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
                libpcre2-dev zlib1g-dev curl perl valgrind procps strace
                chromium clang libclang-rt-14-dev)
    local missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q 'install ok installed' || missing+=("$p")
    done
    # Node.js may come from elsewhere than Debian (the machine's own)
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    node_deps
}

apt_install() {
    local missing=("$@")
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

# The OpenAPI tools and swagger-ui-dist, pinned by
# tests/openapi/package-lock.json: npm ci when tests/openapi/node_modules is
# missing or was installed from another lockfile.  No install scripts run
# (none is needed; swagger-ui-dist's would only report the download).
node_deps() {
    local tools=$top/tests/openapi
    local stamp=$tools/node_modules/.pgticket-package-lock.json
    cmp -s "$stamp" "$tools/package-lock.json" && return 0
    if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                  process.exit(a > 20 || (a == 20 && b >= 19) ? 0 : 1)'; then
        echo "pgticket's OpenAPI tools need Node.js 20.19 or later," \
             "not $(node --version)" >&2
        exit 1
    fi
    echo "installing tests/openapi/node_modules (npm ci)"
    (cd "$tools" && SCARF_ANALYTICS=false npm ci --ignore-scripts \
        --no-audit --no-fund --loglevel=error >/dev/null) \
        || { echo "npm ci failed in $tools" >&2; exit 1; }
    cp "$tools/package-lock.json" "$stamp"
}

# Refuse a port that is not one, naming the make variable, before anything
# is written or stopped (a "port = abc" in postgresql.conf would keep the
# cluster from starting at all).
check_port() {
    local var=$1 port=$2
    if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$port" -gt 65535 ]; then
        echo "$var=$port is not a port number (1-65535)" >&2
        return 1
    fi
}

pg_start() {
    local dir=$1 port=$2
    check_port PGPORT "$port"
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
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
EOF
    fi
    if as_owner "$pgbin/pg_ctl" -D "$dir/pgdata" status >/dev/null 2>&1; then
        # line 4 of postmaster.pid: the port it listens on
        local running
        running=$(sed -n 4p "$dir/pgdata/postmaster.pid")
        [ "$running" = "$port" ] && return 0
        echo "PostgreSQL of $dir: port $running -> $port, restarting"
        sed -i "s/^port = .*/port = $port/" "$dir/pgdata/postgresql.conf"
        as_owner "$pgbin/pg_ctl" -D "$dir/pgdata" -l "$dir/postgresql.log" \
            -o "-p $port -k $dir" -m fast -w -t 60 restart >/dev/null
        return 0
    fi
    sed -i "s/^port = .*/port = $port/" "$dir/pgdata/postgresql.conf"
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
    psql_in "$dir" "$port" "$db" <"$top/extension/deploy/harden.sql"
    db_allow "$dir" "$port" "$db"
    warn_if_stale "$dir" "$db"
}

# pgticket's roles connect to the databases db-setup made for them (and
# those a test names with db-allow) and to no other: the roles are
# cluster-wide, and CONNECT is PUBLIC's in a database created later.
# pg_hba.conf names them in a file of its own, pgticket.databases.
db_allow() {
    local dir=$1 port=$2 db=$3 list=$1/pgdata/pgticket.databases
    as_owner touch "$list"
    as_owner grep -qxF "$db" "$list" \
        || echo "$db" | as_owner tee -a "$list" >/dev/null
    as_owner tee "$dir/pgdata/pg_hba.conf" >/dev/null <<'EOF'
# Written by tests/stack.sh db-setup.  Local connections are trusted (the
# socket directory is private to the server's user); pgticket's roles reach
# only the databases listed in pgticket.databases (+pgticket_report: the
# reporting tools' logins, members of that NOLOGIN role).
local   @pgticket.databases   pgticket_web,+pgticket_report   trust
local   all                   pgticket_web,+pgticket_report   reject
local   all                   all                            trust
EOF
    psql_in "$dir" "$port" "$db" -tAc "select pg_reload_conf()" >/dev/null
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
    local dir=$1 port=$2 pgport=$3 db=$4 ndir=${5:-$1/nginx}
    check_port PORT "$port"
    own_dir "$ndir"
    local user="# user: none, nginx runs as $(id -un) (not root)"
    [ "$(id -u)" = 0 ] && user="user $owner;"
    sed -e "s|@PORT@|$port|g" -e "s|@PGHOST@|$dir|g" \
        -e "s|@PGPORT@|$pgport|g" -e "s|@DB@|$db|g" \
        -e "s|@MODULE@|$module|g" -e "s|@DIR@|$ndir|g" \
        -e "s|@USER@|$user|g" \
        "$top/nginx-module/pgticket.conf.in" >"$ndir/nginx.conf"
    # each API's locations, included by nginx.conf
    own_dir "$ndir/pgticket"
    cp "$top"/nginx-module/conf/*.conf "$ndir/pgticket/"
    docs_site "$ndir/openapi-site"
}

# The static files conf/openapi.conf serves: openapi/<api>.yaml (from
# nginx-module/openapi/), and under docs/ the reference page
# (nginx-module/openapi/reference/) with swagger-ui-dist's files and
# apis.json, the list of documents it offers (by title).
docs_site() {
    local out=$1 src=$top/nginx-module/openapi f title sep=
    local dist=$top/tests/openapi/node_modules/swagger-ui-dist
    if [ ! -f "$dist/swagger-ui-bundle.js" ]; then
        echo "$dist is missing: run tests/stack.sh deps" >&2
        exit 1
    fi
    rm -rf "$out"
    own_dir "$out"
    mkdir -p "$out/openapi" "$out/docs"
    cp "$src"/*.yaml "$out/openapi/"
    cp "$src"/reference/* "$out/docs/"
    cp "$dist/swagger-ui-bundle.js" "$dist/swagger-ui-standalone-preset.js" \
       "$dist/swagger-ui.css" "$dist/favicon-32x32.png" \
       "$dist/favicon-16x16.png" "$out/docs/"
    for f in "$src"/*.yaml; do
        title=$(sed -n "s/^  title: *[\"']\{0,1\}\([^\"']*\).*/\1/p" "$f")
        printf '%s\t%s\n' "${title:-$(basename "$f")}" "$(basename "$f")"
    done | sort | {
        printf '['
        while IFS=$'\t' read -r title f; do
            printf '%s\n{"name":"%s","url":"../openapi/%s"}' \
                "$sep" "$title" "$f"
            sep=,
        done
        printf ']\n'
    } >"$out/docs/apis.json"
}

# The pid of the nginx master of DIR, if it runs.
nginx_pid() {
    local pid
    pid=$(cat "$1/nginx/nginx.pid" 2>/dev/null) || return 0
    # the pid file outlives an nginx that was killed, and its pid may be
    # another nginx's by now (another run directory's): only a master
    # started on this directory (run_nginx's -p) is ours to reload or stop
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
        && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ] \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null \
            | grep -qF -- " -p $1/nginx " && echo "$pid"
    return 0
}

# What a running nginx was started with, one line each: the checksum of its
# configuration (nginx.conf and the included API files), the checksum of
# the module, and the addresses it listens on.
nginx_state() {
    local ndir=$1/nginx
    cat "$ndir/nginx.conf" "$ndir"/pgticket/*.conf 2>/dev/null \
        | md5sum | cut -d' ' -f1
    md5sum <"$module" | cut -d' ' -f1
    nginx_listens "$ndir/nginx.conf" | tr '\n' ' '
    echo
}

# host:port of each listen directive of a configuration
nginx_listens() {
    sed -n 's/^[[:space:]]*listen[[:space:]]\{1,\}\([^;[:space:]]*\).*/\1/p' "$1"
}

# Fail with a message naming PORT= when another program listens on an
# address of the configuration (except those in $2, the running nginx's).
nginx_ports_free() {
    local conf=$1 ours=${2:-} addr
    for addr in $(nginx_listens "$conf"); do
        case " $ours " in *" $addr "*) continue ;; esac
        if timeout 2 bash -c ": </dev/tcp/${addr%:*}/${addr##*:}" \
                2>/dev/null; then
            echo "$addr is already in use by another program:" \
                 "choose a free port with PORT= (make run PORT=...)" >&2
            return 1
        fi
    done
}

# nginx as root when root (the user directive drops the workers to the
# servers' user), else as the caller
run_nginx() {
    local ndir=$1
    shift
    nginx "$@" -p "$ndir" -c "$ndir/nginx.conf" -e "$ndir/error.log"
}

nginx_start() {
    local dir=$1 ndir=$1/nginx pid state was
    own_dir "$ndir"
    state=$(nginx_state "$dir")
    pid=$(nginx_pid "$dir")
    if [ -n "$pid" ]; then
        was=$(cat "$ndir/started" 2>/dev/null || true)
        [ "$state" = "$was" ] && return 0
        if [ "$(sed -n 2p <<<"$state")" != "$(sed -n 2p <<<"$was")" ]; then
            echo "nginx of $dir: the module changed, restarting"
            nginx_stop "$dir"
        else
            nginx_reload "$dir" "$pid" "$(sed -n 3p <<<"$was")" || return 1
            echo "$state" >"$ndir/started"
            return 0
        fi
    fi
    nginx_ports_free "$ndir/nginx.conf" || return 1
    if ! run_nginx "$ndir" -q; then
        grep -q 'Address already in use' <(tail -5 "$ndir/error.log") \
            && echo "a port of $ndir/nginx.conf is already in use:" \
                    "choose a free port with PORT= (make run PORT=...)" >&2
        return 1
    fi
    echo "$state" >"$ndir/started"
}

# Apply a changed configuration to a running nginx: test it, send HUP, and
# wait until the workers of the old configuration are gone (they stop
# accepting, finish what they serve and exit), so that every request from
# then on meets the new one.
nginx_reload() {
    local dir=$1 pid=$2 ours=$3 ndir=$1/nginx old now
    nginx_ports_free "$ndir/nginx.conf" "$ours" || return 1
    run_nginx "$ndir" -q -t || return 1
    old=$(pgrep -P "$pid" | sort)
    kill -HUP "$pid"
    for _ in $(seq 100); do
        now=$(pgrep -P "$pid" | sort)
        if [ -n "$(comm -13 <(echo "$old") <(echo "$now"))" ] \
                && [ -z "$(comm -12 <(echo "$old") <(echo "$now"))" ]; then
            echo "nginx of $dir: configuration reloaded"
            return 0
        fi
        sleep 0.1
    done
    echo "nginx of $dir did not take the new configuration within 10 s:" \
         "see $ndir/error.log" >&2
    return 1
}

nginx_stop() {
    local pid
    pid=$(nginx_pid "$1")
    [ -n "$pid" ] || return 0
    kill -QUIT "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}

# make stop: stop both, and say what was stopped
stop_all() {
    local dir=$1 pid pgpid listens port
    pid=$(nginx_pid "$dir")
    if [ -n "$pid" ]; then
        listens=$(sed -n 3p "$dir/nginx/started" 2>/dev/null || true)
        nginx_stop "$dir"
        echo "stopped nginx (pid $pid${listens:+, listening on ${listens% }})"
    else
        echo "nginx of $dir was not running"
    fi
    if [ -f "$dir/pgdata/postmaster.pid" ] && as_owner "$pgbin/pg_ctl" \
            -D "$dir/pgdata" status >/dev/null 2>&1; then
        pgpid=$(sed -n 1p "$dir/pgdata/postmaster.pid")
        port=$(sed -n 4p "$dir/pgdata/postmaster.pid")
        pg_stop "$dir"
        echo "stopped PostgreSQL (pid $pgpid, port $port, $dir/pgdata)"
    else
        echo "PostgreSQL of $dir was not running"
    fi
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
    db-allow)    db_allow "$@" ;;
    demo-load)   demo_load "$@" ;;
    nginx-conf)  nginx_conf "$@" ;;
    docs-site)   docs_site "$@" ;;
    nginx-start) nginx_start "$@" ;;
    nginx-stop)  nginx_stop "$@" ;;
    stop)        stop_all "$@" ;;
    wait-http)   wait_http "$@" ;;
    as-owner)    as_owner "$@" ;;
    own-dir)     own_dir "$@" ;;
    *) awk 'NR > 1 && /^set -e/ { exit } NR > 1' "$0" >&2; exit 2 ;;
esac
