#!/usr/bin/env bash
# The real libtlsrpt against mta-stsd: Debian 13's libtlsrpt0 and libtlsrpt0-dev
# (0.5.0rc1, the library Postfix 3.10.13 links) are fetched through a private sources
# list (the system's apt lists stay as they are) and unpacked into a scratch directory
# (nothing is installed); sessions.c is built against them and reports sessions the way
# Postfix's tlsrpt_wrapper.c does; check.py asserts the report mta-stsd builds.
#
#   bash mta-sts-daemon/tests/libtlsrpt/run.sh [path-to-mta-stsd]
#
# Needs gcc, python3, dpkg, apt-get and deb.debian.org. No root needed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)

if [ $# -ge 1 ]; then
    BIN=$1
else
    target=${CARGO_TARGET_DIR:-target}
    case $target in /*) ;; *) target=$ROOT/$target ;; esac
    BIN=$target/debug/mta-stsd
    (cd "$ROOT" && cargo build -q -p mta-sts-daemon --bin mta-stsd --locked)
fi

work=$(mktemp -d)
daemon=
cleanup() {
    if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Debian 13 packages through a private sources list.
apt=$work/apt
mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$work/root"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    >"$apt/sources.list"
opts=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=-
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/archives"
      -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
apt-get "${opts[@]}" update >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
(cd "$apt" && apt-get "${opts[@]}" download libtlsrpt0 libtlsrpt0-dev >>"$work/apt.log" 2>&1) \
    || { cat "$work/apt.log"; exit 1; }
for deb in "$apt"/*.deb; do dpkg -x "$deb" "$work/root"; done
lib=$work/root/usr/lib/x86_64-linux-gnu
gcc -std=c11 -Wall -Wextra -Werror -I"$work/root/usr/include" -o "$work/sessions" \
    "$HERE/sessions.c" -L"$lib" -ltlsrpt -Wl,-rpath,"$lib"
ldd "$work/sessions" | grep -q "$lib/libtlsrpt.so.0"
echo "libtlsrpt: $(ls "$apt"/*.deb | xargs -n1 basename | tr '\n' ' ')"

socket=$work/tlsrpt.sock
cat >"$work/mta-stsd.toml" <<TOML
listen = ["unix:$work/socketmap.sock"]
state-dir = "$work/state"
[tlsrpt]
socket = "$socket"
commit-window = 0.2
organization-name = "libtlsrpt test"
contact-info = "tlsrpt@sender.test"
TOML
"$BIN" --config "$work/mta-stsd.toml" 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { cat "$work/daemon.log"; exit 1; }

"$work/sessions" "$socket"

# The day is still open: `show` prints the report it would send now (the same build
# as at day close). Wait for the commit window.
day=$(date -u +%F)
for _ in $(seq 100); do
    "$BIN" --config "$work/mta-stsd.toml" tlsrpt show --day "$day" >"$work/reports.json"
    if python3 "$HERE/check.py" <"$work/reports.json" >"$work/check.log" 2>&1; then
        cat "$work/check.log"
        exit 0
    fi
    sleep 0.1
done
cat "$work/check.log" "$work/reports.json" "$work/daemon.log"
exit 1
