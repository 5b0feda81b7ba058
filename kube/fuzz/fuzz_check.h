#pragma once
// Invariant checks for the libFuzzer targets: a violated invariant traps, which libFuzzer reports as a crash and
// saves the input, exactly like a sanitizer finding.

#define KMA_FUZZ_CHECK(condition) \
  do {                            \
    if (!(condition)) __builtin_trap(); \
  } while (0)
