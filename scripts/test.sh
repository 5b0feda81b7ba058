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
# A short fuzz run of every libFuzzer target (separate clang build in build-fuzz; docs/reliability.md).
fuzz_start=$(date +%s)
"$root/scripts/fuzz.sh" --seconds "${FUZZ_SECONDS:-10}"
echo "test.sh: fuzz run took $(( $(date +%s) - fuzz_start ))s"
echo "test.sh: passed in $(( $(date +%s) - start ))s"
