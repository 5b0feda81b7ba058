#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer: a clang build in build-asan/ (or
# $ASAN_BUILD_DIR) with -DKMA_SANITIZE=ON, then ctest. Extra arguments go to ctest (e.g. -L e2e, -R Http).
# End-to-end tests run the sanitized binaries too.
#
# Leak checking is off: several tests stop their event loop with handlers still queued, which strands
# reference cycles at exit (teardown only; the soak benchmark in docs/reliability.md watches for growth).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
"$root/scripts/setup.sh"
build_dir=${ASAN_BUILD_DIR:-$root/build-asan}
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKMA_SANITIZE=ON -DKMA_BUILD_BENCH=OFF
fi
cmake --build "$build_dir" -j "$(nproc)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/sanitizers/ubsan.supp"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
echo "test-sanitizers.sh: passed in $(( $(date +%s) - start ))s"
