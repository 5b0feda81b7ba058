#pragma once
// RFC 3339 timestamps as Kubernetes writes them (metav1.Time: seconds, "Z"; metav1.MicroTime: microseconds).
// kube::Time has microsecond resolution so that Go's zero time (0001-01-01T00:00:00Z), which the API uses for
// "unset" in places, is representable; system_clock's nanoseconds only reach back to 1677.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kube {

using Time = std::chrono::sys_time<std::chrono::microseconds>;

// 0001-01-01T00:00:00Z, Go's time.Time{}.
inline constexpr Time kGoZeroTime =
    std::chrono::sys_days(std::chrono::year(1) / std::chrono::January / 1) + std::chrono::microseconds(0);
inline bool IsZeroTime(Time t) { return t == kGoZeroTime; }

// Accepts "2006-01-02T15:04:05Z", fractional seconds of any length (truncated to microseconds), numeric offsets
// ("+02:00"), and a lowercase 't'/'z'. Years 0001..9999.
common::Result<Time> ParseRfc3339(std::string_view text);

enum class TimePrecision { kSeconds, kMillis, kMicros };
// Always UTC with "Z". kSeconds matches metav1.Time, kMicros metav1.MicroTime ("2006-01-02T15:04:05.000000Z").
std::string FormatRfc3339(Time t, TimePrecision precision = TimePrecision::kSeconds);

// Conversions to/from system_clock; times before 1678 saturate to the earliest system_clock value.
std::chrono::system_clock::time_point ToSystemClock(Time t);
Time FromSystemClock(std::chrono::system_clock::time_point t);

}  // namespace kube
