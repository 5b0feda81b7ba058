#pragma once
// Timestamp and duration text exactly as Go's Kubernetes types print them: metav1.Time is RFC 3339 with whole
// seconds in UTC, metav1.Duration is Go's time.Duration.String() ("15.009s", "1m0.5s", "500ms").

#include <chrono>
#include <cstdint>
#include <string>

namespace apiservice {

// Whole seconds since the epoch, rounded towards negative infinity (what Go's Time.Unix() returns).
int64_t UnixSeconds(std::chrono::system_clock::time_point t);
// "2026-11-24T02:23:33Z".
std::string FormatRfc3339(int64_t unix_seconds);
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
// Go time.Duration.String().
std::string FormatGoDuration(std::chrono::nanoseconds d);

}  // namespace apiservice
