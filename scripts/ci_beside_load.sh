#!/usr/bin/env bash
# Runs .ci/run on a clean clone of this checkout's HEAD while a benchmark loads the machine
# (bench/wechat.sh in a loop: the simulator's sends and the crypto comparison keep both cores
# busy), to show the suite does not flake under load. Prints one line per run for the record
# in docs/benchmarks.md ("CI beside a benchmark").
#
#   scripts/ci_beside_load.sh            # one run
#   RUNS=5 scripts/ci_beside_load.sh     # five in a row; stops at the first failure
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-1}
HERE=$PWD
COMMIT=$(git rev-parse --short HEAD)
LOG_DIR=${LOG_DIR:-$(mktemp -d)}
mkdir -p "$LOG_DIR"

cargo build --release --quiet -p wechat-sim --example wechat_bench
( while true; do OPENS=5000 SENDS=20000 bench/wechat.sh >/dev/null 2>&1 || sleep 1; done ) &
LOAD=$!
trap 'kill $LOAD 2>/dev/null || true; pkill -f "wechat_bench" 2>/dev/null || true' EXIT

for run in $(seq 1 "$RUNS"); do
  CLONE=$(mktemp -d)
  git clone -q "$HERE" "$CLONE/wxhub"
  # The build cache of this checkout, so that the run measures the tests rather than a cold
  # compile (CI's own clean run compiles from nothing).
  [ -d target ] && cp -rp target "$CLONE/wxhub/target"
  started=$(date -u +%FT%TZ)
  t0=$(date +%s)
  if (cd "$CLONE/wxhub" && bash .ci/run) >"$LOG_DIR/run-$run.log" 2>&1; then
    result=passed
  else
    result=FAILED
  fi
  echo "$started  $COMMIT  run $run/$RUNS  $result  $(( $(date +%s) - t0 )) s  (log: $LOG_DIR/run-$run.log)"
  rm -rf "$CLONE"
  [ "$result" = passed ] || exit 1
done
