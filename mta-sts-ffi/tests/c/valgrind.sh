#!/usr/bin/env bash
# Builds every C program of this directory against libmta_sts.a and against
# libmta_sts.so, without sanitizers, and runs each under valgrind memcheck. Any
# memory error or definite/indirect leak fails the script (exit 99 from valgrind).
#
# Usage (from anywhere): bash mta-sts-ffi/tests/c/valgrind.sh
# It runs `cargo build -p mta-sts-ffi` first and honours CARGO_TARGET_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"

if ! command -v valgrind >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq valgrind
fi

cargo build -p mta-sts-ffi
# The target directory as cargo resolves it (CARGO_TARGET_DIR, .cargo/config, default).
target=$(cargo metadata --format-version 1 --no-deps |
    grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
lib="$target/debug"
for f in libmta_sts.a libmta_sts.so; do
    [ -f "$lib/$f" ] || { echo "valgrind.sh: $lib/$f missing" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g -I"$root/include")
# The system libraries of a static Rust library: written once, in mta_sts.pc.in.
read -r -a native < <(sed -n 's/^native_static_libs=//p' "$here/../../mta_sts.pc.in")
[ "${#native[@]}" -gt 0 ] || { echo "valgrind.sh: no native_static_libs in mta_sts.pc.in" >&2; exit 1; }
vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99)

# A program linked with -lmta_sts needs the library under its SONAME (build.rs) at run
# time, as install.sh lays it out: a symlink by that name, found through the rpath.
soname=$(readelf -d "$lib/libmta_sts.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ -n "$soname" ] || { echo "valgrind.sh: no SONAME in $lib/libmta_sts.so" >&2; exit 1; }
mkdir "$work/lib"
ln -s "$lib/libmta_sts.so" "$work/lib/$soname"

runs=0
for src in "$here"/*.c; do
    name=$(basename "$src" .c)
    gcc "${cflags[@]}" "$src" "$lib/libmta_sts.a" "${native[@]}" -o "$work/$name-static"
    gcc "${cflags[@]}" "$src" -L"$lib" -lmta_sts -Wl,-rpath,"$work/lib" -o "$work/$name-shared"
    for variant in static shared; do
        echo "valgrind.sh: $name ($variant)"
        "${vg[@]}" "$work/$name-$variant" >"$work/$name-$variant.out"
        runs=$((runs + 1))
    done
done
[ "$runs" -gt 0 ] || { echo "valgrind.sh: no C programs in $here" >&2; exit 1; }
echo "valgrind.sh: $runs runs, 0 errors, 0 leaks"
