#!/usr/bin/env bash
# Fuzzes every target for SECONDS each, PARALLEL at a time (make fuzz), then minimizes each
# corpus (cargo fuzz cmin) so what is committed stays small, and writes the table in FUZZING.md
# (summarize.py). Logs: fuzz/logs/<target>.log (the last lines hold libFuzzer's final stats:
# runs, coverage, features, corpus). Needs nightly and cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET=${1:-900}
PARALLEL=${2:-2}
TARGETS=$(cargo +nightly fuzz list)
mkdir -p logs
cargo +nightly fuzz build -O
run() {
  local target=$1
  cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 >"logs/$target.log" 2>&1 || echo "FINDING in $target (see logs/$target.log, artifacts/$target)" >>logs/findings.txt
}
export -f run
export SECONDS_PER_TARGET
rm -f logs/findings.txt
printf '%s\n' $TARGETS | xargs -P "$PARALLEL" -I{} bash -c 'run {}'
# Minimize by edges only (-use_counters=0): the committed corpora stay a few hundred files per
# target and still reach every edge the run reached.
for target in $TARGETS; do
  cargo +nightly fuzz cmin -O "$target" "corpus/$target" -- -use_counters=0 >"logs/$target.cmin.log" 2>&1
done
python3 summarize.py || true
if [ -s logs/findings.txt ]; then cat logs/findings.txt; exit 1; fi
echo "fuzzed $(echo "$TARGETS" | wc -w) targets for ${SECONDS_PER_TARGET}s each: no findings"
