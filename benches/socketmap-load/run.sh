#!/usr/bin/env bash
# Socketmap load benchmark, side by side in one run: mta-stsd, postfix-mta-sts-resolver
# (PMR) 1.5.1 with uvloop (internal LRU cache, and SQLite cache), and socketmap-load's
# do-nothing responder (the protocol ceiling). Cache hits only: every server holds
# $POLICIES valid policies before the load starts; no DNS happens during a measurement.
#
#   bash benches/socketmap-load/run.sh                 # everything, about 7 minutes when the machine is idle
#   SERVERS="responder pmr" bash benches/socketmap-load/run.sh
#
# Settings (environment):
#   SERVERS    which servers, in order (default: responder mta-stsd pmr pmr-sqlite)
#   LOADS      connections x depth points (default: 1x1 8x1 64x1 1x8 8x8 64x8)
#   DURATION   measured seconds per point (10); WARMUP seconds before each (2)
#   POLICIES   cached policies per server (100000)
#   PIN        1 (default): server on CPU $SERVER_CPU (0), generator on CPU $GEN_CPU (1),
#              with taskset; 0: no pinning
#   IDLE_MAX   before each point, wait (at most IDLE_WAIT=600 s) until the machine's CPU
#              use from other processes is under this fraction of one core (0.15); a
#              point during which other processes used more is measured again (at most
#              RETRIES=4 more times; the last attempt is kept and the notes say so)
#   STSD_ARGS  extra arguments for mta-stsd
#   OUT        also write the Markdown table to this file
#   KEEP=1     keep the work directory (logs, configs, databases, raw JSON results)
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SERVERS=${SERVERS:-"responder mta-stsd pmr pmr-sqlite"}
LOADS=${LOADS:-"1x1 8x1 64x1 1x8 8x8 64x8"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
POLICIES=${POLICIES:-100000}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-0}
GEN_CPU=${GEN_CPU:-1}
IDLE_MAX=${IDLE_MAX:-0.15}
IDLE_WAIT=${IDLE_WAIT:-600}
RETRIES=${RETRIES:-4}
STSD_ARGS=${STSD_ARGS:-}
PMR_VERSION=1.5.1
SUFFIX=bench.test
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/mta-stsd-bench
VENV=$CACHE_DIR/pmr-$PMR_VERSION-venv
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socketmap-load.XXXXXX")
RESULTS=$WORK/results.jsonl
NOTES=$WORK/notes.txt
: >"$RESULTS"
: >"$NOTES"

PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "::: $*" >&2; }
note() { echo "$*" >>"$NOTES"; say "$*"; }
# Command prefixes (arrays, not functions: `$!` of a backgrounded function would be a
# subshell's pid, not the server's).
ON_SERVER=() ON_GEN=()
if [ "$PIN" = 1 ]; then ON_SERVER=(taskset -c "$SERVER_CPU") ON_GEN=(taskset -c "$GEN_CPU"); fi

# A free TCP port on 127.0.0.1 (the kernel's choice).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Busy fraction of one core used by the whole machine over one second.
machine_busy() {
    python3 - <<'EOF'
import time
def busy():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6]
import os
a = busy(); time.sleep(1); b = busy()
print("%.2f" % ((b - a) / os.sysconf("SC_CLK_TCK")))
EOF
}

# Wait until nothing else uses the CPU (the other engineer's builds share these 2 cores).
wait_idle() {
    local start=$SECONDS busy
    while :; do
        busy=$(machine_busy)
        if python3 -c "import sys; sys.exit(0 if $busy <= $IDLE_MAX else 1)"; then
            return 0
        fi
        if [ $((SECONDS - start)) -ge "$IDLE_WAIT" ]; then
            note "machine still busy ($busy cores) after ${IDLE_WAIT}s: measured anyway"
            return 0
        fi
        say "machine busy ($busy cores in use by others), waiting"
        sleep 10
    done
}

# --- build -----------------------------------------------------------------------------
cd "$ROOT"
# What is built: the commit, and where the working tree differs from it.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | cut -c4- | cut -d/ -f1-2 | sort -u | paste -sd, - | sed 's/,/, /g' || true)
[ -z "$dirty" ] || dirty=" plus uncommitted changes in $dirty"
case " $SERVERS " in
*" mta-stsd "*) BUILD=(-p mta-sts-daemon --bin mta-stsd -p socketmap-load) ;;
*) BUILD=(-p socketmap-load) ;;
esac
say "cargo build --release ${BUILD[*]}"
cargo build --release "${BUILD[@]}"
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
LOAD=$TARGET/release/socketmap-load
STSD=$TARGET/release/mta-stsd

# --- PMR venv (outside the repository, reused between runs) ----------------------------
case " $SERVERS " in
*" pmr"*)
    if ! "$VENV/bin/python" -c "import uvloop, aiosqlite, importlib.metadata as m; assert m.version('postfix-mta-sts-resolver') == '$PMR_VERSION'" 2>/dev/null; then
        say "creating $VENV"
        rm -rf "$VENV"
        mkdir -p "$CACHE_DIR"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q "postfix-mta-sts-resolver[sqlite]==$PMR_VERSION" uvloop
    fi
    ;;
esac

# --- servers ---------------------------------------------------------------------------
# wait_reply PORT KEY PATTERN SECS: poll until the reply to KEY matches PATTERN (grep -E).
wait_reply() {
    local port=$1 key=$2 pattern=$3 secs=$4 start=$SECONDS reply
    while [ $((SECONDS - start)) -lt "$secs" ]; do
        if reply=$("$LOAD" --server "127.0.0.1:$port" --timeout 2 --query "$key" 2>/dev/null) &&
            printf '%s\n' "$reply" | cut -f2- | grep -Eq "$pattern"; then
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            say "server exited; its log:"
            tail -20 "$WORK/$NAME.log" >&2
            return 1
        fi
        sleep 0.2
    done
    say "no reply matching /$pattern/ to $key after ${secs}s (last: ${reply:-none}); log:"
    tail -20 "$WORK/$NAME.log" >&2
    return 1
}

start_server() { # NAME: sets SERVER_PID, PORT, MAP, EXPECT
    NAME=$1
    PORT=$(free_port)
    MAP=postfix
    EXPECT="OK secure match="
    local log=$WORK/$NAME.log
    case $NAME in
    responder)
        EXPECT="OK secure match=mx1.example.com"
        "${ON_SERVER[@]}" "$LOAD" --respond "127.0.0.1:$PORT" >"$log" 2>&1 &
        SERVER_PID=$!
        PIDS+=("$SERVER_PID")
        wait_reply "$PORT" "d0.$SUFFIX" '^OK ' 30
        ;;
    mta-stsd)
        local state=$WORK/stsd-state start
        mkdir -p "$state"
        # First start on an empty state directory: the daemon creates its database.
        "${ON_SERVER[@]}" "$STSD" --listen "127.0.0.1:$PORT" --state-dir "$state" --resolver 127.0.0.1:9 \
            $STSD_ARGS >"$WORK/$NAME-init.log" 2>&1 &
        SERVER_PID=$!
        PIDS+=("$SERVER_PID")
        NAME=$NAME-init wait_reply "$PORT" "[127.0.0.1]:25" '.' 30
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
        # Then fill it with $POLICIES policies fetched now, and start again.
        "$VENV/bin/python" "$HERE/prefill.py" stsd "$state/mta-stsd.sqlite3" "$POLICIES" "$SUFFIX" ||
            python3 "$HERE/prefill.py" stsd "$state/mta-stsd.sqlite3" "$POLICIES" "$SUFFIX"
        PORT=$(free_port)
        start=$(date +%s.%N)
        "${ON_SERVER[@]}" "$STSD" --listen "127.0.0.1:$PORT" --state-dir "$state" --resolver 127.0.0.1:9 \
            $STSD_ARGS >"$log" 2>&1 &
        SERVER_PID=$!
        PIDS+=("$SERVER_PID")
        wait_reply "$PORT" "d$((POLICIES - 1)).$SUFFIX" '^OK secure match=' 120
        note "mta-stsd: first cache hit on d$((POLICIES - 1)).$SUFFIX $(python3 -c "import time; print('%.2f' % (time.time() - $start))") s after start with $POLICIES policies in SQLite"
        ;;
    pmr | pmr-sqlite)
        local cache
        if [ "$NAME" = pmr ]; then
            cache="  type: internal
  options:
    cache_size: $POLICIES"
        else
            "$VENV/bin/python" "$HERE/prefill.py" pmr-sqlite "$WORK/pmr-cache.db" "$POLICIES" "$SUFFIX"
            cache="  type: sqlite
  options:
    filename: $WORK/pmr-cache.db"
        fi
        # reuse_port must stay true: 1.5.1 fails to listen on TCP without it. cache_grace is
        # how long a cached policy is served before PMR checks the TXT record again (default
        # 60 s): made longer than the run, so every request is a cache hit.
        cat >"$WORK/$NAME.yml" <<EOF
host: 127.0.0.1
port: $PORT
reuse_port: true
shutdown_timeout: 1
cache_grace: 315360000
proactive_policy_fetching:
  enabled: false
cache:
$cache
default_zone:
  strict_testing: false
  timeout: 4
zones:
  $MAP:
    strict_testing: false
    require_sni: true
    tlsrpt: false
EOF
        "${ON_SERVER[@]}" "$VENV/bin/python" "$HERE/prefill.py" pmr-run "$POLICIES" "$SUFFIX" -- \
            -c "$WORK/$NAME.yml" -v warn >"$log" 2>&1 &
        SERVER_PID=$!
        PIDS+=("$SERVER_PID")
        if ! "$VENV/bin/python" -c 'import uvloop' 2>/dev/null; then
            say "uvloop missing in $VENV"
            return 1
        fi
        wait_reply "$PORT" "d$((POLICIES - 1)).$SUFFIX" '^OK secure match=' 120
        ;;
    *)
        say "unknown server $NAME"
        return 1
        ;;
    esac
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# Cache hits only: a few fixed keys (verify), and after the first pass every key of a
# short random run (verify_random).
verify() {
    local keys=() i out
    for i in 0 1 $((POLICIES / 2)) $((POLICIES - 1)); do keys+=(--query "d$i.$SUFFIX"); done
    out=$("$LOAD" --server "127.0.0.1:$PORT" --map "$MAP" "${keys[@]}")
    printf '%s\n' "$out" | sed "s/^/    $NAME: /" >&2
    if printf '%s\n' "$out" | cut -f2- | grep -Ev "^$EXPECT" >/dev/null; then
        say "$NAME: not every answer is a cache hit"
        return 1
    fi
}

verify_random() {
    local out
    out=$("${ON_GEN[@]}" "$LOAD" --server "127.0.0.1:$PORT" --map "$MAP" --domains "$POLICIES" --suffix "$SUFFIX" \
        --connections 4 --duration 2 --warmup 0 --expect "$EXPECT" --json)
    if ! printf '%s\n' "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if r["replies"] > 0 and r["errors"] == 0 else 1)'; then
        say "$NAME: verification run had errors: $out"
        return 1
    fi
    printf '%s\n' "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("    %d random keys: all %s" % (r["replies"], r["sample_reply"]))' >&2
}

fd_count() { find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# Warnings and errors in a server's log, counted by kind (timestamps and key=value
# fields left out), into the notes.
log_summary() {
    python3 - "$1" "$NAME" >>"$NOTES" <<'EOF'
import collections, re, sys
kinds, example = collections.Counter(), {}
for line in open(sys.argv[1], errors="replace"):
    if not re.search(r"warn|error|panic|traceback", line, re.I):
        continue
    line = re.sub(r"^[\d\-:T.Z ]+", "", line.strip())  # leading timestamp
    kind = re.split(r"\s\w+=", line)[0][:160]          # the message, without its fields
    kinds[kind] += 1
    example.setdefault(kind, line[:240])
for kind, n in kinds.most_common(5):
    print("%s log: %s lines like `%s`" % (sys.argv[2], format(n, ","), example[kind]))
if len(kinds) > 5:
    print("%s log: %d more kinds of warning/error lines" % (sys.argv[2], len(kinds) - 5))
EOF
}

# The first request for each domain after a start: every key once, in order (8
# connections, 8 deep). mta-stsd checks the TXT id of each policy loaded from its store
# in the background on its first use (the dead resolver makes every check fail, after
# its DNS timeout), so this pass measures that, and the measured points after it are
# pure cache hits. Meanwhile a probe opens a new connection every 0.5 s and asks for one
# domain (as a new Postfix smtp process would), and the server's open descriptors are
# sampled.
first_pass() {
    local probe_log=$WORK/$NAME-probe.txt probe_pid row fds_before
    fds_before=$(fd_count)
    wait_idle
    say "$NAME: first pass over all $POLICIES keys"
    (
        while :; do
            fds=$(fd_count)
            t0=$(date +%s%N)
            if "$LOAD" --server "127.0.0.1:$PORT" --map "$MAP" --timeout 3 --query "d7.$SUFFIX" 2>/dev/null |
                cut -f2- | grep -Eq "^$EXPECT"; then ok=1; else ok=0; fi
            echo "$fds $ok $(( ($(date +%s%N) - t0) / 1000 ))"
            sleep 0.5
        done
    ) >"$probe_log" &
    probe_pid=$!
    PIDS+=("$probe_pid")
    row=$("${ON_GEN[@]}" "$LOAD" --server "127.0.0.1:$PORT" --map "$MAP" --domains "$POLICIES" \
        --suffix "$SUFFIX" --connections 8 --depth 8 --sweep --duration 300 --timeout 30 \
        --expect "$EXPECT" --server-pid "$SERVER_PID" --label "$NAME" --json) || true
    # Until the server is idle again, its background work done: no CPU use and no more
    # descriptors open than before the pass (at most 300 s).
    local start=$SECONDS a b
    while [ $((SECONDS - start)) -lt 300 ]; do
        a=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")
        sleep 1
        b=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")
        if [ $((b - a)) -le 2 ] && [ "$(fd_count)" -le $((fds_before + 16)) ]; then break; fi
    done
    local settle=$((SECONDS - start))
    kill "$probe_pid" 2>/dev/null || true
    wait "$probe_pid" 2>/dev/null || true
    [ -n "$row" ] || row="{\"replies\":0}"
    printf '%s\n' "$row" | python3 -c '
import json, sys
r = json.load(sys.stdin)
probes = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 3]
r["first_pass"] = sys.argv[2]
r["probes"] = len(probes)
r["probe_failures"] = sum(1 for p in probes if p[1] != "1")
r["probe_max_us"] = max([int(p[2]) for p in probes] or [0])
r["max_fds"] = max([int(p[0]) for p in probes] or [0])
r["settle_s"] = int(sys.argv[3])
print(json.dumps(r))' "$probe_log" "$NAME" "$settle" >>"$RESULTS"
    tail -1 "$RESULTS" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("    %d replies, %.0f q/s, p99 %.0f us, max %.0f us, errors %d; probes failed %d of %d; max fds %d; busy %d s after" % (r["replies"], r.get("qps", 0), r.get("p99_us", 0), r.get("max_us", 0), r.get("errors", 0), r["probe_failures"], r["probes"], r["max_fds"], r["settle_s"]))' >&2
}

for NAME in $SERVERS; do
    say "== $NAME"
    start_server "$NAME"
    verify
    rss_idle=$(status_kb "$SERVER_PID" VmRSS)
    first_pass
    rss_pass=$(status_kb "$SERVER_PID" VmRSS)
    verify_random
    for load in $LOADS; do
        conns=${load%x*} depth=${load#*x}
        for attempt in $(seq 0 "$RETRIES"); do
            wait_idle
            say "$NAME: $conns connections, depth $depth"
            row=$("${ON_GEN[@]}" "$LOAD" --server "127.0.0.1:$PORT" --map "$MAP" --domains "$POLICIES" \
                --suffix "$SUFFIX" --connections "$conns" --depth "$depth" --duration "$DURATION" \
                --warmup "$WARMUP" --expect "$EXPECT" --server-pid "$SERVER_PID" --label "$NAME" --json) || true
            [ -n "$row" ] || row="{\"label\":\"$NAME\",\"connections\":$conns,\"depth\":$depth,\"replies\":0}"
            # CPU used by other processes during the window, in cores.
            other=$(printf '%s\n' "$row" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.2f" % (max(0, (r.get("system_busy_s") or 0) - r.get("gen_cpu_s", 0) - (r.get("server_cpu_s") or 0)) / r.get("seconds", 1) if r["replies"] else 9))')
            printf '%s\n' "$row" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("    %(qps).0f q/s, p99 %(p99_us).0f us, errors %(errors)d, server %(server_cpu_us_per_query).2f us/q, generator %(gen_cpu_us_per_query).2f us/q" % r if r["replies"] else "    no replies")' >&2
            if python3 -c "import sys; sys.exit(0 if $other <= $IDLE_MAX else 1)" || [ "$attempt" = "$RETRIES" ]; then
                break
            fi
            say "other processes used $other cores during the window: measuring again"
        done
        printf '%s\n' "$row" >>"$RESULTS"
        [ "$attempt" = 0 ] || note "$NAME $conns×$depth: measured $((attempt + 1)) times (other processes used CPU), the last one kept"
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            say "$NAME died under load; log:"
            tail -20 "$WORK/$NAME.log" >&2
            exit 1
        fi
    done
    rss_after=$(status_kb "$SERVER_PID" VmRSS)
    hwm=$(status_kb "$SERVER_PID" VmHWM)
    threads=$(status_kb "$SERVER_PID" Threads)
    echo "{\"mem\":\"$NAME\",\"rss_idle_kb\":$rss_idle,\"rss_pass_kb\":$rss_pass,\"rss_after_kb\":$rss_after,\"hwm_kb\":$hwm,\"threads\":$threads}" >>"$RESULTS"
    log_summary "$WORK/$NAME.log"
    stop_server
done

# --- table ---------------------------------------------------------------------------
{
    echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit$dirty; $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), Linux $(uname -r)."
    if [ "$PIN" = 1 ]; then
        echo "Server pinned to CPU $SERVER_CPU, generator to CPU $GEN_CPU (taskset). $POLICIES cached policies per server; ${WARMUP}s warm-up + ${DURATION}s measured per row; keys drawn at random from all $POLICIES domains."
    else
        echo "No pinning. $POLICIES cached policies per server; ${WARMUP}s warm-up + ${DURATION}s measured per row."
    fi
    echo
    python3 - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
names = {"responder": "do-nothing responder", "mta-stsd": "mta-stsd",
         "pmr": "PMR 1.5.1 uvloop, internal cache", "pmr-sqlite": "PMR 1.5.1 uvloop, SQLite cache"}
print("| server | conns × depth | queries/s | p50 µs | p99 µs | max µs | errors | server CPU µs/query | server CPU % | generator CPU % | generator ceiling q/s | other CPU % |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if "mem" in r or "first_pass" in r:
        continue
    if not r["replies"]:
        print("| %s | %d × %d | no replies: the generator failed |||||||||" % (
            names.get(r["label"], r["label"]), r["connections"], r["depth"]))
        continue
    s = r["seconds"]
    other = (r["system_busy_s"] or 0) - r["gen_cpu_s"] - (r["server_cpu_s"] or 0)
    ceiling = r["replies"] / r["gen_cpu_s"] if r["gen_cpu_s"] > 0 else float("inf")
    print("| %s | %d × %d | %s | %.0f | %.0f | %.0f | %d | %.2f | %.0f | %.0f | %s | %.0f |" % (
        names.get(r["label"], r["label"]), r["connections"], r["depth"], format(round(r["qps"]), ","),
        r["p50_us"], r["p99_us"], r["max_us"], r["errors"],
        r["server_cpu_us_per_query"] or 0, 100 * (r["server_cpu_s"] or 0) / s,
        100 * r["gen_cpu_s"] / s, format(round(ceiling, -3), ",.0f"), max(0, 100 * other / s)))
passes = [r for r in rows if "first_pass" in r]
if passes:
    print()
    print("First pass after start: every key once, 8 connections × 8 deep; meanwhile a new connection every 0.5 s asks for one domain (3 s timeout).")
    print()
    print("| server | replies | queries/s | p99 µs | max µs | errors | server CPU µs/query | new-connection probes failed | slowest probe ms | server's open fds, max | server busy after the pass |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in passes:
        if not r.get("replies"):
            print("| %s | 0: the generator failed |||||||||| " % names.get(r["first_pass"], r["first_pass"]))
            continue
        print("| %s | %s | %s | %.0f | %.0f | %d | %.2f | %d of %d | %.0f | %d | %d s |" % (
            names.get(r["first_pass"], r["first_pass"]), format(r["replies"], ","),
            format(round(r["qps"]), ","), r["p99_us"], r["max_us"], r["errors"],
            r["server_cpu_us_per_query"] or 0, r["probe_failures"], r["probes"],
            r["probe_max_us"] / 1000, r["max_fds"], r["settle_s"]))
mem = [r for r in rows if "mem" in r]
if mem:
    print()
    print("| server | RSS after start, all policies cached | after the first pass | after the load | peak RSS (VmHWM) | threads at the end |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in mem:
        print("| %s | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %d |" % (
            names.get(r["mem"], r["mem"]), r["rss_idle_kb"] / 1024, r["rss_pass_kb"] / 1024,
            r["rss_after_kb"] / 1024, r["hwm_kb"] / 1024, r["threads"]))
EOF
    if [ -s "$NOTES" ]; then
        echo
        sed 's/^/- /' "$NOTES"
    fi
} >"$WORK/table.md"
echo
cat "$WORK/table.md"
if [ -n "${OUT:-}" ]; then cp "$WORK/table.md" "$OUT"; fi
