#!/usr/bin/env bash
# Fuzz smoke run for CI: build every cargo-fuzz target once, run each for FUZZ_SECS
# seconds (default 20) from a copy of its committed seed corpus, fail on any crash.
#
#   bash fuzz/smoke.sh                 # all targets
#   FUZZ_SECS=600 bash fuzz/smoke.sh sts_policy mx_pattern
#
# Inputs saved under fuzz/regressions/<target>/ are replayed on every run.
# Prints one line per target: executions, coverage (cov) and features (ft) from
# libFuzzer's final stats. Crash inputs land in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"

FUZZ_SECS="${FUZZ_SECS:-20}"
RSS_MB="${FUZZ_RSS_MB:-2048}"

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2

# Nightly if installed, else stable with RUSTC_BOOTSTRAP (cargo-fuzz passes -Z flags).
tc=+stable
if rustup toolchain list | grep -q '^nightly'; then
  tc=+nightly
else
  export RUSTC_BOOTSTRAP=1
fi

cargo "$tc" fuzz build
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo "$tc" fuzz list); fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  # Work on a copy: libFuzzer adds to its corpus, the committed seeds stay as they are.
  corpus="$work/corpus/$t"
  mkdir -p "$corpus"
  if [ -d "seeds/$t" ]; then cp -R "seeds/$t/." "$corpus/"; fi
  # Seeds kept once in the crates' test data: seeds/<target>.from (else the family's
  # seeds/<family>.from, as for the dict below) lists globs (relative to fuzz/, one a line,
  # `#` comments) whose files are copied in too, in order.
  for from in "seeds/$t.from" "seeds/${t%_*}.from"; do
    if [ -f "$from" ]; then
      while read -r glob; do
        case "$glob" in '' | '#'*) continue ;; esac
        for f in $glob; do cp "$f" "$corpus/"; done
      done <"$from"
      break
    fi
  done
  args=(-max_total_time="$FUZZ_SECS" -rss_limit_mb="$RSS_MB" -print_final_stats=1)
  # The target's own dictionary, else the one its family shares (report_json_strict and
  # report_json_lenient: dict/report_json.dict).
  for d in "dict/$t.dict" "dict/${t%_*}.dict"; do
    if [ -f "$d" ]; then args+=(-dict="$d"); break; fi
  done
  log="$work/$t.log"
  status=ok
  # Saved crash inputs are replayed first (libFuzzer reads every corpus directory given
  # and only writes to the first one).
  dirs=("$corpus")
  if [ -d "regressions/$t" ]; then dirs+=("regressions/$t"); fi
  if ! cargo "$tc" fuzz run "$t" "${dirs[@]}" -- "${args[@]}" >"$log" 2>&1; then
    status=CRASH
    failed+=("$t")
  fi
  runs="$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -n1 || true)"
  stats="$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)"
  cov="$(grep -oE 'cov: [0-9]+' <<<"$stats" | grep -oE '[0-9]+' || true)"
  ft="$(grep -oE 'ft: [0-9]+' <<<"$stats" | grep -oE '[0-9]+' || true)"
  if [ -z "$runs" ]; then runs="$(grep -oE '^#[0-9]+' <<<"$stats" | tr -d '#' || true)"; fi
  printf 'fuzz %-20s %-5s execs=%s cov=%s ft=%s secs=%s\n' "$t" "$status" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$FUZZ_SECS"
  if [ "$status" != ok ]; then
    echo "----- last lines of the $t log -----"
    tail -n 60 "$log"
    echo "------------------------------------"
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz smoke: crashes in: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
  exit 1
fi
echo "fuzz smoke: ${#targets[@]} targets, no crash"
