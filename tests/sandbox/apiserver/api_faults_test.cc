// Parsing and matching of the sandbox API server's injected faults: tables of fault lines, the filters, the
// ratio's coin, expiry.
#include "sandbox/apiserver/api_faults.h"

#include <gtest/gtest.h>

namespace sandbox {
namespace {

using namespace std::chrono_literals;
using Clock = ApiFaultSet::Clock;

TEST(ApiFaults, ParsesEveryKindWithItsArgumentAndFilters) {
  struct Case {
    const char* text;
    ApiFaultKind kind;
    int code;
    std::chrono::seconds retry_after;
    std::chrono::milliseconds watch_lifetime;
    const char* resource;
    const char* verb;
    const char* user;
    double ratio;
    std::optional<std::chrono::milliseconds> duration;
  };
  const Case cases[] = {
      {"500", ApiFaultKind::kError, 500, 1s, 1000ms, "", "", "", 1.0, std::nullopt},
      {"503 resource=pods ratio=0.5 for=30s", ApiFaultKind::kError, 503, 1s, 1000ms, "pods", "", "", 0.5, 30000ms},
      {"  504\tverb=list  ", ApiFaultKind::kError, 504, 1s, 1000ms, "", "list", "", 1.0, std::nullopt},
      {"429", ApiFaultKind::kThrottle, 429, 1s, 1000ms, "", "", "", 1.0, std::nullopt},
      {"429:5 verb=update user=autoscaler", ApiFaultKind::kThrottle, 429, 5s, 1000ms, "", "update", "autoscaler",
       1.0, std::nullopt},
      {"drop-watches", ApiFaultKind::kDropWatches, 500, 1s, 1000ms, "", "", "", 1.0, std::nullopt},
      {"drop-watches:200ms resource=nodes", ApiFaultKind::kDropWatches, 500, 1s, 200ms, "nodes", "", "", 1.0,
       std::nullopt},
      {"down for=1m", ApiFaultKind::kDown, 500, 1s, 1000ms, "", "", "", 1.0, 60000ms},
      {"500 resource=deployments/scale verb=update", ApiFaultKind::kError, 500, 1s, 1000ms, "deployments/scale",
       "update", "", 1.0, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto f = ParseApiFault(c.text);
    ASSERT_TRUE(f.ok()) << f.error().message;
    EXPECT_EQ(f->kind, c.kind);
    if (c.kind == ApiFaultKind::kError || c.kind == ApiFaultKind::kThrottle) {
      EXPECT_EQ(f->code, c.code);
    }
    EXPECT_EQ(f->retry_after, c.retry_after);
    EXPECT_EQ(f->watch_lifetime, c.watch_lifetime);
    EXPECT_EQ(f->resource, c.resource);
    EXPECT_EQ(f->verb, c.verb);
    EXPECT_EQ(f->user, c.user);
    EXPECT_DOUBLE_EQ(f->ratio, c.ratio);
    EXPECT_EQ(f->duration, c.duration);
  }
  EXPECT_EQ(ParseApiFault("  504\tverb=list  ")->text, "504 verb=list");
}

TEST(ApiFaults, RejectsWhatCannotBeMeant) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  const Case cases[] = {
      {"", "empty fault"},
      {"   ", "empty fault"},
      {"404", "unknown fault \"404\""},
      {"600", "unknown fault"},
      {"slow", "unknown fault"},
      {"500:3", "takes no argument"},
      {"429:x", "want Retry-After seconds"},
      {"429:-1", "want Retry-After seconds"},
      {"429:99999", "want Retry-After seconds"},
      {"drop-watches:soon", "want a duration"},
      {"down", "down needs for=DURATION"},
      {"down:5s", "down takes no argument"},
      {"down for=10s resource=pods", "down takes no filters"},
      {"500 ratio=0", "want a number in (0, 1]"},
      {"500 ratio=1.5", "want a number in (0, 1]"},
      {"500 ratio=half", "want a number in (0, 1]"},
      {"500 for=0s", "want a positive duration"},
      {"500 for=-1s", "want a positive duration"},
      {"500 for=ever", "want a positive duration"},
      {"500 pods", "want KEY=VALUE"},
      {"500 =pods", "want KEY=VALUE"},
      {"500 namespace=x", "unknown key \"namespace\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto f = ParseApiFault(c.text);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.error().code, common::ErrorCode::kInvalidArgument);
    EXPECT_NE(f.error().message.find(c.message_part), std::string::npos) << f.error().message;
  }
}

TEST(ApiFaults, ParsesLinesSkippingBlanksAndCommentsAndNamesTheBadLine) {
  auto faults = ParseApiFaults("# faults\n500 resource=pods\n\n  \n429:2   # throttle\r\ndrop-watches\n");
  ASSERT_TRUE(faults.ok()) << faults.error().message;
  ASSERT_EQ(faults->size(), 3u);
  EXPECT_EQ((*faults)[0].text, "500 resource=pods");
  EXPECT_EQ((*faults)[1].text, "429:2");
  EXPECT_EQ((*faults)[2].kind, ApiFaultKind::kDropWatches);
  EXPECT_TRUE(ParseApiFaults("")->empty());

  auto bad = ParseApiFaults("500\n\n418\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("line 3: unknown fault \"418\""), std::string::npos) << bad.error().message;
}

ApiFault Must(const char* text) {
  auto f = ParseApiFault(text);
  EXPECT_TRUE(f.ok()) << text;
  return f.ok() ? *f : ApiFault{};
}

TEST(ApiFaultSet, FiltersMustAllMatch) {
  ApiFaultSet set;
  const auto now = Clock::now();
  set.Replace({Must("500 resource=pods verb=list user=alice")}, now);
  struct Case {
    FaultRequest request;
    bool answered;
  };
  const Case cases[] = {
      {{"list", "pods", "alice"}, true},
      {{"get", "pods", "alice"}, false},
      {{"list", "nodes", "alice"}, false},
      {{"list", "pods", "bob"}, false},
      {{"list", "pods/status", "alice"}, false},
      {{"list", "", "alice"}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.request.verb) + " " + std::string(c.request.resource) + " " +
                 std::string(c.request.user));
    EXPECT_EQ(set.Answering(c.request, now).has_value(), c.answered);
  }
  // Without filters every request, discovery (no resource) included.
  set.Replace({Must("503")}, now);
  EXPECT_EQ(set.Answering({"get", "", "x"}, now)->code, 503);
  // Watch faults and down faults never answer a request themselves.
  set.Replace({Must("drop-watches"), Must("down for=1s")}, now);
  EXPECT_FALSE(set.Answering({"watch", "pods", "x"}, now));
  EXPECT_EQ(set.WatchLifetime({"watch", "pods", "x"}, now), 1000ms);
}

TEST(ApiFaultSet, TheFirstMatchingFaultAnswers) {
  ApiFaultSet set;
  const auto now = Clock::now();
  set.Replace({Must("429:7 resource=pods"), Must("500")}, now);
  EXPECT_EQ(set.Answering({"list", "pods", "x"}, now)->code, 429);
  EXPECT_EQ(set.Answering({"list", "pods", "x"}, now)->retry_after, 7s);
  EXPECT_EQ(set.Answering({"list", "nodes", "x"}, now)->code, 500);
}

TEST(ApiFaultSet, RatioPicksAboutThatFractionAndOtherwiseFallsThrough) {
  ApiFaultSet set(42);
  const auto now = Clock::now();
  set.Replace({Must("503 ratio=0.25")}, now);
  int answered = 0;
  for (int i = 0; i < 4000; ++i) answered += set.Answering({"get", "pods", "x"}, now).has_value();
  // 1000 expected; the bound is 7 standard deviations (sqrt(4000 * 0.25 * 0.75) = 27).
  EXPECT_GT(answered, 800);
  EXPECT_LT(answered, 1200);
  // A request the coin spares goes on to the next fault.
  set.Replace({Must("503 ratio=0.25"), Must("500")}, now);
  int five_hundreds = 0;
  for (int i = 0; i < 400; ++i) five_hundreds += set.Answering({"get", "pods", "x"}, now)->code == 500;
  EXPECT_GT(five_hundreds, 200);
  EXPECT_LT(five_hundreds, 400);
}

TEST(ApiFaultSet, FaultsExpireAndDownReportsTheLatestEnd) {
  ApiFaultSet set;
  const auto t0 = Clock::now();
  set.Replace({Must("500 for=10s"), Must("down for=5s")}, t0);
  EXPECT_TRUE(set.Answering({"get", "pods", "x"}, t0 + 9s));
  EXPECT_FALSE(set.Answering({"get", "pods", "x"}, t0 + 10s));
  EXPECT_EQ(set.DownUntil(t0), t0 + 5s);
  EXPECT_FALSE(set.DownUntil(t0 + 5s));
  set.Add(Must("down for=20s"), t0 + 1s);
  EXPECT_EQ(set.DownUntil(t0 + 2s), t0 + 21s);
  EXPECT_EQ(set.Describe(t0 + 6s), "500 for=10s (4s left) hits=1\ndown for=20s (15s left) hits=0\n");
  EXPECT_EQ(set.Describe(t0 + 30s), "");
  set.Clear();
  EXPECT_FALSE(set.DownUntil(t0));
  EXPECT_EQ(set.Describe(t0), "");
}

TEST(ApiFaultSet, ReplaceDropsWhatWasThere) {
  ApiFaultSet set;
  const auto now = Clock::now();
  set.Replace({Must("500")}, now);
  set.Replace({Must("429 resource=nodes")}, now);
  EXPECT_FALSE(set.Answering({"get", "pods", "x"}, now));
  EXPECT_TRUE(set.Answering({"get", "nodes", "x"}, now));
  EXPECT_EQ(set.Describe(now), "429 resource=nodes hits=1\n");
}

}  // namespace
}  // namespace sandbox
