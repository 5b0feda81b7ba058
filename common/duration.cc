#include "common/duration.h"

#include <cstdint>

namespace common {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Error InvalidDuration(std::string_view orig) {
  return Error::Make(ErrorCode::kInvalidArgument, "time: invalid duration " + Quote(orig));
}

bool UnitNanos(std::string_view unit, uint64_t* out) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"ns", 1},
      {"us", 1000},
      {"\xC2\xB5s", 1000},  // U+00B5 micro sign
      {"\xCE\xBCs", 1000},  // U+03BC Greek mu
      {"ms", 1000000},
      {"s", 1000000000},
      {"m", 60ull * 1000000000},
      {"h", 3600ull * 1000000000},
  };
  for (const auto& [name, nanos] : kUnits) {
    if (name == unit) {
      *out = nanos;
      return true;
    }
  }
  return false;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Formats the fraction of v/10^prec into the tail of buf (before *w), dropping trailing zeros; returns v/10^prec.
uint64_t FormatFraction(char* buf, int* w, uint64_t v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const char digit = static_cast<char>('0' + v % 10);
    print = print || digit != '0';
    if (print) buf[--*w] = digit;
    v /= 10;
  }
  if (print) buf[--*w] = '.';
  return v;
}

void FormatInt(char* buf, int* w, uint64_t v) {
  if (v == 0) {
    buf[--*w] = '0';
    return;
  }
  while (v > 0) {
    buf[--*w] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

}  // namespace

Result<std::chrono::nanoseconds> ParseDuration(std::string_view orig) {
  std::string_view s = orig;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return InvalidDuration(orig);

  constexpr uint64_t kLimit = uint64_t{1} << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return InvalidDuration(orig);
    // Integer part; overflow is an error.
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (v > (kLimit - 1) / 10) return InvalidDuration(orig);
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kLimit) return InvalidDuration(orig);
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    // Fraction; digits beyond what fits are ignored, as Go does.
    uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool overflow = false;
      size_t j = 0;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (overflow) continue;
        if (frac > (kLimit - 1) / 10) {
          overflow = true;
          continue;
        }
        const uint64_t next = frac * 10 + static_cast<uint64_t>(s[j] - '0');
        if (next > kLimit) {
          overflow = true;
          continue;
        }
        frac = next;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return InvalidDuration(orig);  // ".s"
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    if (u == 0) {
      return Error::Make(ErrorCode::kInvalidArgument, "time: missing unit in duration " + Quote(orig));
    }
    const std::string_view unit_text = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit;
    if (!UnitNanos(unit_text, &unit)) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "time: unknown unit " + Quote(unit_text) + " in duration " + Quote(orig));
    }
    if (v > kLimit / unit) return InvalidDuration(orig);
    v *= unit;
    if (frac > 0) {
      // Go uses float64 here too: exact to the nanosecond for fractions of an hour.
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(unit) / scale));
      if (v > kLimit) return InvalidDuration(orig);
    }
    total += v;
    if (total > kLimit) return InvalidDuration(orig);
  }
  if (negative) return std::chrono::nanoseconds(static_cast<int64_t>(0 - total));
  if (total > kLimit - 1) return InvalidDuration(orig);
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  char buf[32];
  int w = sizeof buf;
  const int64_t n = d.count();
  const bool negative = n < 0;
  uint64_t u = negative ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  if (u < 1000000000) {
    // Below a second: the largest sub-second unit, e.g. "1.2ms".
    int prec = 0;
    buf[--w] = 's';
    if (u == 0) {
      buf[--w] = '0';
      return std::string(buf + w, sizeof buf - w);
    }
    if (u < 1000) {
      prec = 0;
      buf[--w] = 'n';
    } else if (u < 1000000) {
      prec = 3;
      buf[--w] = '\xB5';  // "µ" is two bytes: C2 B5
      buf[--w] = '\xC2';
    } else {
      prec = 6;
      buf[--w] = 'm';
    }
    u = FormatFraction(buf, &w, u, prec);
    FormatInt(buf, &w, u);
  } else {
    buf[--w] = 's';
    u = FormatFraction(buf, &w, u, 9);
    FormatInt(buf, &w, u % 60);
    u /= 60;
    if (u > 0) {
      buf[--w] = 'm';
      FormatInt(buf, &w, u % 60);
      u /= 60;
      if (u > 0) {
        buf[--w] = 'h';
        FormatInt(buf, &w, u);
      }
    }
  }
  if (negative) buf[--w] = '-';
  return std::string(buf + w, sizeof buf - w);
}

}  // namespace common
