#!/usr/bin/env bash
# libFuzzer over pgticket's parsers of hostile input (make fuzz).
#
#   tests/fuzz/run.sh          build, fuzz each harness for FUZZ_TIME
#                              seconds (default 60), then replay the seeds
#                              and regressions
#   tests/fuzz/run.sh replay   build, and only replay them (make test)
#
# FUZZ_TARGETS picks harnesses (default "jwt request"), FUZZ_JOBS fuzzes in
# parallel.  Every harness is built with clang -fsanitize=fuzzer,address,
# undefined (UBSan stops at the first report):
#
#   jwt      tests/fuzz/jwt_fuzz.c: the extension's token verification,
#            extension/src/jwt.c, with -DFRONTEND against PostgreSQL's
#            libpgcommon.a and libpgport.a
#   request  tests/fuzz/request_fuzz.c: the nginx module's request parsing
#            (nginx-module/ngx_http_pgticket_route.c, _request.c,
#            _multipart.c, _json.c) against nginx's headers, configured by
#            nginx-module/build.sh in .build/nginx, and tests/fuzz/
#            ngx_shim.c; documents judged by PostgreSQL's JSON parser
#            (tests/fuzz/pg_json.c)
#
# A harness starts from tests/fuzz/<name>/seeds and keeps what it learns
# in .build/fuzz/<name>/corpus; a crash is written to .build/fuzz/<name>/
# as crash-<sha1>: fix it, and copy the file into tests/fuzz/<name>/regress,
# where every run (make test included) replays it.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/fuzz
pg_config=${PG_CONFIG:-pg_config}
mode=${1:-fuzz}
targets=${FUZZ_TARGETS:-jwt request}

export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

cflags=(-g -O1 -Wall -Wextra -Wno-unused-parameter -Werror
        -fno-sanitize-recover=all)

# is $1 older than any of the other files?
stale() {
    local bin=$1 s
    shift
    [ -f "$bin" ] || return 0
    for s in "$@"; do
        [ "$bin" -nt "$s" ] || return 0
    done
    return 1
}

build_jwt() {
    local bin=$1
    local srcs=("$here/jwt_fuzz.c" "$top/extension/src/jwt.c"
                "$top/extension/src/jwt.h")
    stale "$bin" "${srcs[@]}" || return 0
    # PostgreSQL's headers ask for gcc's gnu_printf, which clang ignores
    clang "${cflags[@]}" -Wno-ignored-attributes \
        -fsanitize=fuzzer,address,undefined -DFRONTEND \
        -I"$top/extension/src" -I"$($pg_config --includedir-server)" \
        -o "$bin" "$here/jwt_fuzz.c" "$top/extension/src/jwt.c" \
        "$($pg_config --pkglibdir)/libpgcommon.a" \
        "$($pg_config --pkglibdir)/libpgport.a" -lssl -lcrypto -lm
}

build_request() {
    local bin=$1 dir m
    local ngx=$top/.build/nginx mod=$top/nginx-module
    local srcs=("$here/request_fuzz.c" "$here/ngx_shim.c" "$here/ngx_shim.h"
                "$here/pg_json.c" "$mod/ngx_http_pgticket_module.h"
                "$mod/ngx_http_pgticket_route.c"
                "$mod/ngx_http_pgticket_request.c"
                "$mod/ngx_http_pgticket_multipart.c"
                "$mod/ngx_http_pgticket_json.c")
    # nginx's headers as the packaged nginx was configured
    [ -f "$ngx/objs/ngx_auto_config.h" ] || "$mod/build.sh" >/dev/null
    stale "$bin" "${srcs[@]}" "$ngx/objs/ngx_auto_config.h" || return 0
    dir=$(dirname "$bin")
    local incs=()
    for m in src/core src/event src/event/modules src/os/unix objs \
             src/http src/http/modules src/http/v2; do
        incs+=(-I"$ngx/$m")
    done
    incs+=(-I"$($pg_config --includedir)" -I/usr/include/json-c -I"$mod"
           -I"$here")
    clang "${cflags[@]}" -fsanitize=fuzzer,address,undefined "${incs[@]}" \
        -DFUZZ_CONF_DIR="\"$mod/conf\"" -c "$here/request_fuzz.c" \
        -o "$dir/request_fuzz.o"
    for m in ngx_http_pgticket_route ngx_http_pgticket_request \
             ngx_http_pgticket_multipart ngx_http_pgticket_json; do
        clang "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined \
            "${incs[@]}" -c "$mod/$m.c" -o "$dir/$m.o"
    done
    clang "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined \
        "${incs[@]}" -c "$here/ngx_shim.c" -o "$dir/ngx_shim.o"
    clang "${cflags[@]}" -Wno-ignored-attributes \
        -fsanitize=fuzzer-no-link,address,undefined -DFRONTEND \
        -I"$($pg_config --includedir-server)" -c "$here/pg_json.c" \
        -o "$dir/pg_json.o"
    clang -fsanitize=fuzzer,address,undefined -o "$bin" \
        "$dir"/request_fuzz.o "$dir"/ngx_http_pgticket_*.o \
        "$dir"/ngx_shim.o "$dir"/pg_json.o \
        "$($pg_config --pkglibdir)/libpgcommon.a" \
        "$($pg_config --pkglibdir)/libpgport.a" -ljson-c -lm
}

replay() {
    local name=$1 bin=$2 out=$3 f files=()
    for f in "$here/$name"/seeds/* "$here/$name"/regress/*; do
        [ -f "$f" ] && files+=("$f")
    done
    "$bin" "${files[@]}" >"$out/replay.log" 2>&1 || {
        tail -40 "$out/replay.log"
        echo "fuzz regressions ($name): FAILED (see $out/replay.log)"
        return 1
    }
    echo "fuzz regressions ($name): ${#files[@]} inputs replayed, no crash"
}

fuzz() {
    local name=$1 bin=$2 out=$3 secs=${FUZZ_TIME:-60} rc=0 start opts=()
    case $name in
        jwt)     opts=(-max_len=9000 -dict="$here/jwt.dict") ;;
        request) opts=(-max_len=16384) ;;
    esac
    echo "fuzzing $name for ${secs}s (FUZZ_TIME=)"
    start=$(date +%s)
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        "${opts[@]}" -artifact_prefix="$out/" -print_final_stats=1 \
        ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} \
        "$out/corpus" "$here/$name/seeds" >"$out/fuzz.log" 2>&1 || rc=$?
    grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)|^#[0-9]+\s+DONE|ERROR|SUMMARY|property violated' \
        "$out/fuzz.log" || true
    echo "$(($(date +%s) - start))s, corpus of $(ls "$out/corpus" | wc -l) inputs"
    if [ $rc -ne 0 ]; then
        ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null || true
        echo "fuzzing $name found a crash: see $out/fuzz.log; fix it and" \
             "copy the input into tests/fuzz/$name/regress"
        return 1
    fi
}

status=0
for name in $targets; do
    out=$top/.build/fuzz/$name
    mkdir -p "$out/corpus"
    bin=$out/${name}_fuzz
    "build_$name" "$bin"
    if [ "$mode" != replay ]; then
        fuzz "$name" "$bin" "$out" || { status=1; continue; }
    fi
    replay "$name" "$bin" "$out" || status=1
done
exit $status
