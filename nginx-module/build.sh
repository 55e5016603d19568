#!/usr/bin/env bash
# Build ngx_http_pgticket_module as a dynamic module for Debian's nginx.
#
#   nginx-module/build.sh     → .build/nginx/objs/ngx_http_pgticket_module.so
#
# The nginx source tree shipped by nginx-dev is copied to .build/nginx and
# configured once with the flags of the packaged binary; later runs only
# recompile what changed.  Set PGTICKET_CFLAGS and PGTICKET_LDFLAGS to add
# compiler and linker flags, PGTICKET_BUILD_DIR to build elsewhere (make
# test-asan builds a sanitized module in .build/nginx-asan this way).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mod="$top/nginx-module"
src=/usr/share/nginx/src
build="${PGTICKET_BUILD_DIR:-$top/.build/nginx}"
stamp="$build/.pgticket-configured"

extra_cflags="-Wall -Wextra ${PGTICKET_CFLAGS:-}"

if [ ! -d "$src" ]; then
    echo "build.sh: $src not found (install nginx-dev)" >&2
    exit 1
fi

# cc-opt and ld-opt of the packaged nginx, as nginx -V prints them.
ngx_v=$(nginx -V 2>&1)
cc_opt=$(sed -n "s/.*--with-cc-opt='\([^']*\)'.*/\1/p" <<<"$ngx_v")
ld_opt=$(sed -n "s/.*--with-ld-opt='\([^']*\)'.*/\1/p" <<<"$ngx_v")
ld_opt="$ld_opt${PGTICKET_LDFLAGS:+ $PGTICKET_LDFLAGS}"

want="$cc_opt $extra_cflags|$ld_opt|$(cat "$mod/config")"

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] \
        || [ ! -f "$build/objs/Makefile" ]; then
    rm -rf "$build"
    mkdir -p "$build"
    cp -a "$src/." "$build/"
    (
        cd "$build"
        # shellcheck disable=SC1091
        . ./conf_flags
        ./configure "${NGX_CONF_FLAGS[@]}" \
            --with-cc-opt="$cc_opt $extra_cflags" \
            --with-ld-opt="$ld_opt" \
            --add-dynamic-module="$mod" >configure.log 2>&1 \
            || { tail -30 configure.log >&2; exit 1; }
    )
    printf '%s' "$want" >"$stamp"
fi

cd "$build"
so=objs/ngx_http_pgticket_module.so
# The linker rewrites the module in place, and a running nginx (make run's,
# a test's) maps that very file: its workers would run the new bytes as the
# old code and die on SIGSEGV, its master at the next reload.  The build
# gets a copy of its own (same bytes and time, so make relinks only what
# changed); a running nginx keeps the file it loaded until it restarts.
if [ -f "$so" ]; then
    cp -p "$so" "$so.tmp" && mv -f "$so.tmp" "$so"
fi
touch .pgticket-make
if ! make -f objs/Makefile modules >make.log 2>&1; then
    grep -E 'error|warning' make.log >&2 || tail -30 make.log >&2
    exit 1
fi
if grep -q 'warning:' make.log; then
    grep 'warning:' make.log >&2
    exit 1
fi
# say so only when the module was linked again
[ "$so" -nt .pgticket-make ] && echo "built $build/$so"
exit 0
