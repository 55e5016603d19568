#!/usr/bin/env bash
# Fuzz the extension's token verification with libFuzzer (make fuzz).
#
#   tests/fuzz/run.sh          build, fuzz for FUZZ_TIME seconds (default
#                              60), then replay the seeds and regressions
#   tests/fuzz/run.sh replay   build, and only replay them (make test)
#
# The harness (tests/fuzz/jwt_fuzz.c) runs extension/src/jwt.c, built with
# clang -fsanitize=fuzzer,address,undefined and -DFRONTEND against
# PostgreSQL's libpgcommon.a and libpgport.a.  The fuzzer starts from
# tests/fuzz/jwt/seeds (tokens of the corpus) and keeps what it learns in
# .build/fuzz/corpus; a crash is written to .build/fuzz/ as crash-<sha1>:
# fix it, and copy the file into tests/fuzz/jwt/regress, where every run
# (make test included) replays it.  Set FUZZ_JOBS to fuzz in parallel.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/fuzz
out=$top/.build/fuzz
pg_config=${PG_CONFIG:-pg_config}
mode=${1:-fuzz}

mkdir -p "$out/corpus"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
bin=$out/jwt_fuzz
srcs=("$here/jwt_fuzz.c" "$top/extension/src/jwt.c" "$top/extension/src/jwt.h")
stale=0
for s in "${srcs[@]}"; do
    [ "$bin" -nt "$s" ] || stale=1
done
if [ $stale = 1 ]; then
    # PostgreSQL's headers ask for gcc's gnu_printf, which clang ignores
    clang -g -O1 -Wall -Wextra -Wno-unused-parameter -Wno-ignored-attributes \
        -Werror \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -DFRONTEND -I"$top/extension/src" \
        -I"$($pg_config --includedir-server)" \
        -o "$bin" "$here/jwt_fuzz.c" "$top/extension/src/jwt.c" \
        "$($pg_config --pkglibdir)/libpgcommon.a" \
        "$($pg_config --pkglibdir)/libpgport.a" -lssl -lcrypto -lm
fi

replay() {
    local f files=()
    for f in "$here"/jwt/seeds/* "$here"/jwt/regress/*; do
        [ -f "$f" ] && files+=("$f")
    done
    local n=${#files[@]}
    "$bin" "${files[@]}" >"$out/replay.log" 2>&1 || {
        tail -40 "$out/replay.log"
        echo "fuzz regressions: FAILED (see $out/replay.log)"
        return 1
    }
    echo "fuzz regressions: $n inputs replayed, no crash"
}

if [ "$mode" = replay ]; then
    replay
    exit
fi

secs=${FUZZ_TIME:-60}
echo "fuzzing JwtVerify for ${secs}s (FUZZ_TIME=)"
start=$(date +%s)
rc=0
"$bin" -max_total_time="$secs" -max_len=9000 -timeout=10 -rss_limit_mb=2048 \
    -dict="$here/jwt.dict" -artifact_prefix="$out/" -print_final_stats=1 \
    ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} \
    "$out/corpus" "$here/jwt/seeds" >"$out/fuzz.log" 2>&1 || rc=$?
grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)|^#[0-9]+\s+DONE|ERROR|SUMMARY' \
    "$out/fuzz.log" || true
echo "$(($(date +%s) - start))s, corpus of $(ls "$out/corpus" | wc -l) inputs"
if [ $rc -ne 0 ]; then
    ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null || true
    echo "fuzzing found a crash: see $out/fuzz.log; fix it and copy the" \
         "input into tests/fuzz/jwt/regress"
    exit 1
fi
replay
