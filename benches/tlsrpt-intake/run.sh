#!/usr/bin/env bash
# libtlsrpt datagram intake benchmark, side by side in one run: mta-stsd, sys4's
# tlsrpt-collectd 0.6.0 (PyPI tlsrpt-reporter, SQLite storage) and tlsrpt-intake's
# do-nothing sink (the limit of this machine). Runs as root inside a fresh network
# namespace (unshare --net), so net.unix.max_dgram_qlen is set there and not on the host.
#
#   sudo bash benches/tlsrpt-intake/run.sh        # about 2 minutes
#
# Settings (environment):
#   SERVERS    which servers, in order (default: sink mta-stsd tlsrpt-collectd)
#   SENDERS    sender threads (2); PIN=1 (default): server on CPU 0, senders on CPU 1
#   FLAT       datagrams per flat-out point (2000000; a tenth for tlsrpt-collectd)
#   PACED_SECS seconds per paced point (3)
#   RATE_HIGH  paced rate at queue 512 (240000/s); RATE_PY  tlsrpt-collectd's own
#              loss-free rate at queue 512 (24000/s); RATE_LOW  paced rate at the kernel
#              default queue of 10 (2000/s)
#   ROWS       distinct failure rows for the memory figure (100000)
#   OUT        also write the Markdown table to this file; KEEP=1 keep the work directory
# Every process started here is stopped on exit; mta-stsd's metrics listen on
# 127.0.0.1 inside the namespace.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [ "${IN_NETNS:-0}" != 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "run.sh: needs root (unshare --net, sysctl)" >&2; exit 2; }
    # Build and install outside the namespace (it has no network).
    cd "$ROOT"
    cargo build --release -p mta-sts-daemon --bin mta-stsd -p tlsrpt-intake >&2
    CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/mta-stsd-bench
    VENV=$CACHE_DIR/tlsrpt-0.6.0-venv
    if [ ! -x "$VENV/bin/tlsrpt-collectd" ]; then
        mkdir -p "$CACHE_DIR"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q tlsrpt-reporter==0.6.0
    fi
    export VENV IN_NETNS=1
    exec unshare --net bash "$0" "$@"
fi

SERVERS=${SERVERS:-"sink mta-stsd tlsrpt-collectd"}
SENDERS=${SENDERS:-2}
PIN=${PIN:-1}
FLAT=${FLAT:-2000000}
PACED_SECS=${PACED_SECS:-3}
RATE_HIGH=${RATE_HIGH:-240000}
RATE_PY=${RATE_PY:-24000}
RATE_LOW=${RATE_LOW:-2000}
ROWS=${ROWS:-100000}
BIN=$ROOT/target/release
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlsrpt-intake.XXXXXX")
ip link set lo up
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "::: $*" >&2; }
ON_SERVER=() ON_GEN=()
if [ "$PIN" = 1 ]; then ON_SERVER=(taskset -c 0) ON_GEN=(taskset -c 1); fi
json() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# start SERVER DIR: starts a fresh instance in DIR; sets PID and SOCK.
start() {
    local server=$1 dir=$2
    mkdir -p "$dir"
    SOCK=$dir/in.sock
    case $server in
    sink)
        "${ON_SERVER[@]}" "$BIN/tlsrpt-intake" sink --socket "$SOCK" >"$dir/sink.json" &
        ;;
    mta-stsd)
        mkdir -p "$dir/state"
        cat >"$dir/mta-stsd.toml" <<CONF
listen = ["unix:$dir/socketmap.sock"]
state-dir = "$dir/state"
metrics-listen = "127.0.0.1:19461"
[tlsrpt]
socket = "$SOCK"
organization-name = "Bench"
contact-info = "tlsrpt@bench.test"
sendmail = ["/bin/true"]
CONF
        "${ON_SERVER[@]}" "$BIN/mta-stsd" --config "$dir/mta-stsd.toml" 2>"$dir/log" &
        ;;
    tlsrpt-collectd)
        "${ON_SERVER[@]}" "$VENV/bin/tlsrpt-collectd" --storage "sqlite://$dir/collectd.sqlite" \
            --socketname "$SOCK" --logfilename "$dir/log" --pidfilename "$dir/pid" &
        ;;
    esac
    PID=$!
    PIDS+=("$PID")
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
    [ -S "$SOCK" ] || { echo "$server did not bind $SOCK" >&2; exit 1; }
}

# stored SERVER DIR: how many datagrams the server counted; stops it.
stored() {
    local server=$1 dir=$2 n
    sleep 1 # let the queue drain
    case $server in
    sink)
        wait "$PID" || true
        n=$(json "$(cat "$dir/sink.json")" received)
        ;;
    mta-stsd)
        n=$(curl -s http://127.0.0.1:19461/metrics | awk '/tlsrpt_datagrams_total\{result="accepted"\}/ {print $2}')
        kill -TERM "$PID"; wait "$PID" || true
        ;;
    tlsrpt-collectd)
        kill -TERM "$PID"; wait "$PID" || true
        # It may still hold the database for its last commit.
        n=$(sqlite3 -cmd ".timeout 30000" "$dir/collectd.sqlite" "select coalesce(sum(cntrtotal),0) from finalresults")
        ;;
    esac
    echo "${n:-0}"
}

# point SERVER NAME QLEN SEND-ARGS...: one measurement; appends a table row.
ROWS_OUT=()
point() {
    local server=$1 name=$2 qlen=$3; shift 3
    sysctl -qw net.unix.max_dgram_qlen="$qlen"
    local dir=$WORK/$server-$name-$qlen
    start "$server" "$dir"
    local stop=()
    [ "$server" = sink ] && stop=(--stop)
    local out
    out=$("${ON_GEN[@]}" "$BIN/tlsrpt-intake" send --socket "$SOCK" --senders "$SENDERS" --pid "$PID" "${stop[@]}" "$@")
    local n
    n=$(stored "$server" "$dir")
    ROWS_OUT+=("$(python3 - "$server" "$name" "$qlen" "$out" "$n" <<'PY'
import json, sys
server, name, qlen, out, n = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), int(sys.argv[5])
att, secs = out["attempted"], out["secs"]
cpu = out["server_cpu_s"] or 0
lost = att - n
print(f"| {server} | {name} | {qlen} | {att:,} | {att/secs:,.0f} | {n:,} | {n/secs:,.0f} | "
      f"{lost:,} ({100*lost/att:.2f} %) | {1e6*cpu/max(n,1):.2f} | {1e6*out['sender_cpu_s']/att:.2f} |")
PY
)")
    say "${ROWS_OUT[-1]}"
}

for server in $SERVERS; do
    flat=$FLAT
    [ "$server" = tlsrpt-collectd ] && flat=$((FLAT / 10))
    point "$server" flat-out 512 --count "$flat" --blocking
    point "$server" "paced $RATE_HIGH/s" 512 --count $((RATE_HIGH * PACED_SECS)) --rate "$RATE_HIGH"
    [ "$server" = tlsrpt-collectd ] &&
        point "$server" "paced $RATE_PY/s" 512 --count $((RATE_PY * PACED_SECS)) --rate "$RATE_PY"
    point "$server" "paced $RATE_LOW/s" 10 --count $((RATE_LOW * PACED_SECS)) --rate "$RATE_LOW"
done

# Memory: mta-stsd's resident growth for ROWS distinct failure rows in one day.
MEM=""
case " $SERVERS " in *" mta-stsd "*)
    sysctl -qw net.unix.max_dgram_qlen=512
    dir=$WORK/memory
    start mta-stsd "$dir"
    sleep 1
    before=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
    "${ON_GEN[@]}" "$BIN/tlsrpt-intake" send --socket "$SOCK" --senders "$SENDERS" --count $((ROWS * 10)) --distinct "$ROWS" --blocking >/dev/null
    sleep 7 # a commit window (5 s) and more: the rows are in the store too
    after=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
    day=$(date -u +%F)
    rows=$("$BIN/mta-stsd" --config "$dir/mta-stsd.toml" tlsrpt show --day "$day" |
        python3 -c 'import json,sys; print(sum(len(p.get("failure-details",[])) for l in sys.stdin if l.strip() for p in json.loads(l)["policies"]))')
    kill -TERM "$PID"; wait "$PID" || true
    MEM="mta-stsd day state: $rows distinct failure rows; resident $((before / 1024)) MiB before, $((after / 1024)) MiB after: +$(((after - before) / 1024)) MiB ($(( (after - before) * 1024 / (rows > 0 ? rows : 1) )) bytes a row)"
    say "$MEM"
    ;;
esac

{
    echo "$(date -u +%F) $(uname -r), $(nproc) CPUs, commit $(cd "$ROOT" && git rev-parse --short HEAD), $SENDERS sender threads$([ "$PIN" = 1 ] && echo ", server on CPU 0, senders on CPU 1")"
    echo
    echo "| server | load | max_dgram_qlen | attempted | offered/s | stored | stored/s | lost | server CPU µs/datagram | sender CPU µs/datagram |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${ROWS_OUT[@]}"
    echo
    [ -z "$MEM" ] || echo "$MEM"
} | tee "${OUT:-/dev/null}"
