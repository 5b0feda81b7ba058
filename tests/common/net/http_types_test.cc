#include "common/net/http_types.h"

#include <gtest/gtest.h>

namespace net {
namespace {

TEST(HttpTypesTest, ParseTargetDecodesPathAndQuery) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(ParseTarget("/api/v1/name%20x?labelSelector=app%3Dweb%2Ctier+in+(a)&watch&x=", &path, &query));
  EXPECT_EQ(path, "/api/v1/name x");
  ASSERT_EQ(query.size(), 3u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>{"labelSelector", "app=web,tier in (a)"}));
  EXPECT_EQ(query[1], (std::pair<std::string, std::string>{"watch", ""}));
  EXPECT_EQ(query[2], (std::pair<std::string, std::string>{"x", ""}));

  // '+' is literal in the path, a space in the query.
  ASSERT_TRUE(ParseTarget("/a+b?q=a+b", &path, &query));
  EXPECT_EQ(path, "/a+b");
  EXPECT_EQ(query[0].second, "a b");
}

TEST(HttpTypesTest, ParseTargetRejectsBrokenEscapes) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  EXPECT_FALSE(ParseTarget("/a%2", &path, &query));
  EXPECT_FALSE(ParseTarget("/a%zz", &path, &query));
  EXPECT_FALSE(ParseTarget("/a?x=%", &path, &query));
  EXPECT_TRUE(ParseTarget("/a?&&", &path, &query));
  EXPECT_TRUE(query.empty());
}

TEST(HttpTypesTest, PercentEncodeRoundTrips) {
  const std::string raw = "app in (a b),x=y/z~ü";
  const std::string encoded = PercentEncode(raw);
  EXPECT_EQ(encoded.find_first_of(" ,=/()"), std::string::npos);
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  ASSERT_TRUE(ParseTarget("/p?v=" + encoded, &path, &query));
  EXPECT_EQ(query[0].second, raw);
}

TEST(HttpTypesTest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Remote-Group", "a"}, {"x-remote-group", "b"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-REMOTE-GROUP"), "a");
  EXPECT_FALSE(request.Header("Accept").has_value());
  request.query = {{"a", "1"}, {"a", "2"}};
  EXPECT_EQ(request.Query("a"), "1");
  EXPECT_FALSE(request.Query("b").has_value());
}

}  // namespace
}  // namespace net
