#include "apiservice/time_format.h"

#include <gtest/gtest.h>

namespace apiservice {
namespace {

using std::chrono::nanoseconds;

TEST(TimeFormatTest, Rfc3339) {
  EXPECT_EQ("1970-01-01T00:00:00Z", FormatRfc3339(int64_t{0}));
  EXPECT_EQ("2026-11-24T02:23:33Z", FormatRfc3339(int64_t{1795487013}));
  EXPECT_EQ("2000-02-29T23:59:59Z", FormatRfc3339(int64_t{951868799}));
  EXPECT_EQ("1969-12-31T23:59:59Z", FormatRfc3339(int64_t{-1}));
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795487013999));
  EXPECT_EQ("2026-11-24T02:23:33Z", FormatRfc3339(t));  // truncated, never rounded up
  EXPECT_EQ(1795487013, UnixSeconds(t));
}

TEST(TimeFormatTest, GoDurationTable) {
  struct Case {
    int64_t ns;
    const char* want;
  } cases[] = {
      {0, "0s"},
      {1, "1ns"},
      {1100, "1.1\xc2\xb5s"},
      {2200000, "2.2ms"},
      {15009000000, "15.009s"},
      {10062000000, "10.062s"},
      {1000000000, "1s"},
      {60000000000, "1m0s"},
      {60500000000, "1m0.5s"},
      {3723000000000, "1h2m3s"},
      {-1500000000, "-1.5s"},
      {999999999, "999.999999ms"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.want, FormatGoDuration(nanoseconds(c.ns))) << c.ns;
}

}  // namespace
}  // namespace apiservice
