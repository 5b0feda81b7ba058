#include "common/duration.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace common {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST(DurationTest, ParsesGoSyntax) {
  struct Case {
    const char* in;
    nanoseconds want;
  } cases[] = {
      {"0", 0ns},
      {"-0", 0ns},
      {"+0", 0ns},
      {"0s", 0ns},
      {"15s", 15s},
      {"1m30s", 90s},
      {"500ms", 500ms},
      {"2h", 2h},
      {"1.5s", 1500ms},
      {"1.5h", 90min},
      {".5s", 500ms},
      {"1.s", 1s},
      {"-1.5s", -1500ms},
      {"+5m", 5min},
      {"1h2m3s4ms5us6ns", 1h + 2min + 3s + 4ms + 5us + 6ns},
      {"3\xC2\xB5s", 3us},  // µs (micro sign)
      {"3\xCE\xBCs", 3us},  // μs (Greek mu)
      {"100ns", 100ns},
      {"0.000000001s", 1ns},
      {"0.0000000001s", 0ns},  // below a nanosecond truncates, as Go does
      {"1.0000000000000000000001s", 1s},  // fraction digits beyond int64 are ignored
      {"9223372036854775807ns", nanoseconds(std::numeric_limits<int64_t>::max())},
      {"-9223372036854775808ns", nanoseconds(std::numeric_limits<int64_t>::min())},
      {"2562047h47m16.854775807s", nanoseconds(std::numeric_limits<int64_t>::max())},
  };
  for (const auto& c : cases) {
    auto d = ParseDuration(c.in);
    ASSERT_TRUE(d.ok()) << c.in << ": " << d.error().message;
    EXPECT_EQ(d->count(), c.want.count()) << c.in;
  }
}

TEST(DurationTest, RejectsWithGoMessages) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"", "time: invalid duration \"\""},
      {"-", "time: invalid duration \"-\""},
      {"abc", "time: invalid duration \"abc\""},
      {"1", "time: missing unit in duration \"1\""},
      {"15", "time: missing unit in duration \"15\""},
      {"1d", "time: unknown unit \"d\" in duration \"1d\""},
      {"1sec", "time: unknown unit \"sec\" in duration \"1sec\""},
      {"1S", "time: unknown unit \"S\" in duration \"1S\""},
      {".s", "time: invalid duration \".s\""},
      {"1s ", "time: unknown unit \"s \" in duration \"1s \""},
      {" 1s", "time: invalid duration \" 1s\""},
      {"1s-1s", "time: unknown unit \"s-\" in duration \"1s-1s\""},
      {"9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\""},
      {"99999999999999999999s", "time: invalid duration \"99999999999999999999s\""},
      {"2562048h", "time: invalid duration \"2562048h\""},
      {"1.5", "time: missing unit in duration \"1.5\""},
  };
  for (const auto& c : cases) {
    auto d = ParseDuration(c.in);
    ASSERT_FALSE(d.ok()) << c.in;
    EXPECT_EQ(d.error().message, c.want) << c.in;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(DurationTest, FormatsLikeGo) {
  struct Case {
    nanoseconds in;
    const char* want;
  } cases[] = {
      {0ns, "0s"},
      {1ns, "1ns"},
      {999ns, "999ns"},
      {1us, "1\xC2\xB5s"},
      {1500ns, "1.5\xC2\xB5s"},
      {1ms, "1ms"},
      {1500us, "1.5ms"},
      {500ms, "500ms"},
      {1s, "1s"},
      {1500ms, "1.5s"},
      {15s, "15s"},
      {90s, "1m30s"},
      {60s, "1m0s"},
      {2h, "2h0m0s"},
      {1h + 2min + 3s + 4ms, "1h2m3.004s"},
      {-1500ms, "-1.5s"},
      {-3ns, "-3ns"},
      {nanoseconds(std::numeric_limits<int64_t>::max()), "2562047h47m16.854775807s"},
      {nanoseconds(std::numeric_limits<int64_t>::min()), "-2562047h47m16.854775808s"},
  };
  for (const auto& c : cases) EXPECT_EQ(FormatDuration(c.in), c.want) << c.in.count();
}

TEST(DurationTest, RoundTrips) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1000}, int64_t{123456789}, int64_t{60000000000},
                    int64_t{3600000000001}, int64_t{-42}}) {
    auto d = ParseDuration(FormatDuration(nanoseconds(n)));
    ASSERT_TRUE(d.ok()) << n;
    EXPECT_EQ(d->count(), n);
  }
}

}  // namespace
}  // namespace common
