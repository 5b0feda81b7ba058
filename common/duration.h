#pragma once
// Go time.Duration text ("15s", "1m30s", "500ms", "1.5h", "0") as upstream flags and configs spell durations.
// Parsing and formatting follow time.ParseDuration and Duration.String(), including their error texts.

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace common {

// Units: ns, us (also µs/μs), ms, s, m, h; an optional sign; several terms add up ("1h2m3.5s"); "0" alone needs no
// unit. Fails with e.g. `time: invalid duration "abc"` or `time: unknown unit "d" in duration "1d"`.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// Duration.String(): "0s", "1.5s", "1m30s", "2h0m0s", "500ms", "1.5µs", "-3ns".
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace common
