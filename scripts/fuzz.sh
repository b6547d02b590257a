#!/usr/bin/env bash
# Issue 19, part 4: runs every fuzz target in fuzz/ for a bounded time (FUZZ_SECONDS each,
# default 60), two at a time, starting from the corpus kept in fuzz/corpus/TARGET (which holds
# every crash found so far as a regression input). A crash, a timeout (10 s for one input) or
# an input past 2 GB of memory fails the run and leaves the input in fuzz/artifacts/TARGET.
#
# cargo-fuzz builds on the stable toolchain with `--sanitizer none` (the code under test is
# safe Rust; the coverage instrumentation needs no nightly flag). New inputs the fuzzer finds
# go to fuzz/target/corpus-new/TARGET, so the repository's corpus changes only when someone
# copies them over (`cargo fuzz cmin` first).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECS="${FUZZ_SECONDS:-60}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
cargo fuzz build -s none --codegen-units 16
run() {
  local target="$1"
  mkdir -p "target/corpus-new/$target"
  if cargo fuzz run -s none --codegen-units 16 "$target" "target/corpus-new/$target" "corpus/$target" -- \
      -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      > "target/fuzz-$target.log" 2>&1; then
    echo "$target: $(grep -E '^stat::number_of_executed_units' "target/fuzz-$target.log" | awk '{print $2}') inputs in ${SECS} s, no crash"
  else
    echo "FAIL: fuzz target $target crashed (fuzz/target/fuzz-$target.log):" >&2
    grep -E -A12 'panicked|ERROR: libFuzzer' "target/fuzz-$target.log" >&2 || tail -n 40 "target/fuzz-$target.log" >&2
    return 1
  fi
}
targets=($(cargo fuzz list))
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    run "$t" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
exit $status
