#!/usr/bin/env bash
# Installs libmta_sts: include/mta_sts.h, lib/libmta_sts.{a,so} (the .so a symlink to
# the file named by its SONAME) and
# lib/pkgconfig/mta_sts.pc under PREFIX (default /usr/local). DESTDIR is honoured.
#
#   bash mta-sts-ffi/install.sh /usr/local
#   cc app.c $(pkg-config --cflags --libs mta_sts)                       # shared
#   cc app.c $(pkg-config --cflags mta_sts) $(pkg-config --variable=static_lib mta_sts) \
#       $(pkg-config --variable=native_static_libs mta_sts)                 # static
#
# It builds the release library first, unless MTA_STS_LIB_DIR names a directory that
# already holds libmta_sts.a and libmta_sts.so (the crate's tests use that).
set -euo pipefail

prefix=${1:-/usr/local}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

if [ -z "${MTA_STS_LIB_DIR:-}" ]; then
    (cd "$root" && cargo build --release -p mta-sts-ffi)
    target=$(cd "$root" && cargo metadata --format-version 1 --no-deps |
        grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
    MTA_STS_LIB_DIR="$target/release"
fi
version=${MTA_STS_VERSION:-$(cd "$root" && cargo pkgid -p mta-sts-ffi | sed 's/.*[#@]//')}

dest="${DESTDIR:-}$prefix"
install -d "$dest/include" "$dest/lib/pkgconfig"
install -m 644 "$root/include/mta_sts.h" "$dest/include/mta_sts.h"
install -m 644 "$MTA_STS_LIB_DIR/libmta_sts.a" "$dest/lib/libmta_sts.a"
# The shared library under its SONAME (build.rs: libmta_sts.so.0.<minor> before 1.0,
# libmta_sts.so.<major> after), and libmta_sts.so, for -lmta_sts, as a symlink to it.
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" = 0 ]; then soname="libmta_sts.so.0.$minor"; else soname="libmta_sts.so.$major"; fi
install -m 755 "$MTA_STS_LIB_DIR/libmta_sts.so" "$dest/lib/$soname"
ln -sfn "$soname" "$dest/lib/libmta_sts.so"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" \
    "$here/mta_sts.pc.in" >"$dest/lib/pkgconfig/mta_sts.pc"
echo "installed libmta_sts $version under $dest"
