#include "kube/objects/time.h"

#include <cstdio>
#include <limits>

namespace kube {
namespace {

common::Error Bad(std::string_view text, const char* why) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument,
                             "invalid RFC 3339 time \"" + std::string(text.substr(0, 64)) + "\": " + why);
}

// Reads exactly `digits` decimal digits at *pos.
bool ReadNumber(std::string_view text, size_t* pos, int digits, int* out) {
  if (*pos + digits > text.size()) return false;
  int value = 0;
  for (int i = 0; i < digits; ++i) {
    char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *pos += digits;
  *out = value;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char a, char b = 0) {
  if (*pos >= text.size()) return false;
  char c = text[*pos];
  if (c != a && (b == 0 || c != b)) return false;
  ++*pos;
  return true;
}

}  // namespace

common::Result<Time> ParseRfc3339(std::string_view text) {
  using namespace std::chrono;
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadNumber(text, &pos, 4, &year) || !Expect(text, &pos, '-') || !ReadNumber(text, &pos, 2, &month) ||
      !Expect(text, &pos, '-') || !ReadNumber(text, &pos, 2, &day)) {
    return Bad(text, "bad date");
  }
  if (!Expect(text, &pos, 'T', 't')) return Bad(text, "missing 'T'");
  if (!ReadNumber(text, &pos, 2, &hour) || !Expect(text, &pos, ':') || !ReadNumber(text, &pos, 2, &minute) ||
      !Expect(text, &pos, ':') || !ReadNumber(text, &pos, 2, &second)) {
    return Bad(text, "bad time of day");
  }
  int64_t micros = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return Bad(text, "empty fraction");
    for (int d = digits; d < 6; ++d) micros *= 10;
  }
  int offset_minutes = 0;
  if (Expect(text, &pos, 'Z', 'z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!ReadNumber(text, &pos, 2, &oh) || !Expect(text, &pos, ':') || !ReadNumber(text, &pos, 2, &om) || oh > 23 ||
        om > 59) {
      return Bad(text, "bad UTC offset");
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return Bad(text, "missing time zone");
  }
  if (pos != text.size()) return Bad(text, "trailing characters");
  if (year < 1) return Bad(text, "year out of range");
  // Leap seconds (":60") are rejected, as Go's time.Parse does.
  if (hour > 23 || minute > 59 || second > 59) return Bad(text, "time of day out of range");
  year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                      std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return Bad(text, "no such date");
  return Time(sys_days(date)) + hours(hour) + minutes(minute) + seconds(second) + microseconds(micros) -
         minutes(offset_minutes);
}

std::string FormatRfc3339(Time t, TimePrecision precision) {
  using namespace std::chrono;
  sys_days days = floor<std::chrono::days>(t);
  year_month_day date(days);
  auto time_of_day = t - days;
  int64_t micros_in_day = time_of_day.count();
  int64_t secs = micros_in_day / 1000000;
  int64_t micros = micros_in_day % 1000000;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", static_cast<int>(date.year()),
                        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  std::string out(buf, n);
  if (precision == TimePrecision::kMillis) {
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(micros / 1000));
    out += buf;
  } else if (precision == TimePrecision::kMicros) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(micros));
    out += buf;
  }
  out += 'Z';
  return out;
}

std::chrono::system_clock::time_point ToSystemClock(Time t) {
  using namespace std::chrono;
  constexpr auto kMin = time_point_cast<microseconds>(system_clock::time_point::min()) + microseconds(1);
  constexpr auto kMax = time_point_cast<microseconds>(system_clock::time_point::max()) - microseconds(1);
  if (t.time_since_epoch() <= kMin.time_since_epoch()) return system_clock::time_point::min();
  if (t.time_since_epoch() >= kMax.time_since_epoch()) return system_clock::time_point::max();
  return time_point_cast<system_clock::duration>(t);
}

Time FromSystemClock(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::microseconds>(t);
}

}  // namespace kube
