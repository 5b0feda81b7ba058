#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs the whole suite (ctest). `.ci/run` calls this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
build_dir=${BUILD_DIR:-$root/build}
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 600
# A short soak (the hour-long one is in docs/reliability.md): 500 nodes for a minute, RSS and CPU printed; it fails
# only if metrics-server dies or stops being sampled (figures are read, not asserted).
"$build_dir/bench/soak/soak_bench" --sandbox "$build_dir/sandbox/kma-sandbox" \
  --metrics-server "$build_dir/metrics-server/metrics-server" --nodes 500 --pods-per-node 10 --duration 60s \
  --warmup 20s --sample-interval 10s --metric-resolution 15s --address-block 122
# A short fuzz run of every libFuzzer target (separate clang build in build-fuzz; docs/reliability.md).
fuzz_start=$(date +%s)
"$root/scripts/fuzz.sh" --seconds "${FUZZ_SECONDS:-10}"
echo "test.sh: fuzz run took $(( $(date +%s) - fuzz_start ))s"
echo "test.sh: passed in $(( $(date +%s) - start ))s"
