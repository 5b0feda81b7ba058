#include "kube/client/api_status.h"

#include <gtest/gtest.h>

#include "kube/client/base64.h"

namespace kube {
namespace {

using common::ErrorCode;

std::string StatusBody(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

struct StatusCase {
  int http_status;
  std::string reason;
  ErrorCode expected;
};

void PrintTo(const StatusCase& c, std::ostream* os) { *os << c.http_status << " " << c.reason; }

class StatusDecodingTest : public ::testing::TestWithParam<StatusCase> {};

TEST_P(StatusDecodingTest, MapsHttpStatusAndKeepsMessage) {
  const StatusCase& c = GetParam();
  common::Error error = ErrorFromResponse(c.http_status, StatusBody(c.http_status, c.reason, "the message"));
  EXPECT_EQ(error.code, c.expected) << c.http_status << " " << c.reason;
  EXPECT_EQ(error.message, "the message");
  EXPECT_EQ(error.http_status, c.http_status);
}

INSTANTIATE_TEST_SUITE_P(
    Table, StatusDecodingTest,
    ::testing::Values(StatusCase{400, "BadRequest", ErrorCode::kInvalidArgument},
                      StatusCase{401, "Unauthorized", ErrorCode::kUnauthorized},
                      StatusCase{403, "Forbidden", ErrorCode::kForbidden},
                      StatusCase{404, "NotFound", ErrorCode::kNotFound},
                      StatusCase{409, "Conflict", ErrorCode::kConflict},
                      StatusCase{409, "AlreadyExists", ErrorCode::kAlreadyExists},
                      StatusCase{410, "Expired", ErrorCode::kGone},
                      StatusCase{413, "RequestEntityTooLarge", ErrorCode::kTooLarge},
                      StatusCase{415, "UnsupportedMediaType", ErrorCode::kInvalidArgument},
                      StatusCase{422, "Invalid", ErrorCode::kInvalidArgument},
                      StatusCase{429, "TooManyRequests", ErrorCode::kUnavailable},
                      StatusCase{500, "InternalError", ErrorCode::kUnavailable},
                      StatusCase{503, "ServiceUnavailable", ErrorCode::kUnavailable},
                      StatusCase{504, "Timeout", ErrorCode::kUnavailable}));

TEST(ApiStatusTest, ParsesAllFields) {
  auto status = ParseApiStatus(StatusBody(404, "NotFound", R"(pods \"web\" not found)"));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 404);
  EXPECT_EQ(status->reason, "NotFound");
  EXPECT_EQ(status->status, "Failure");
  EXPECT_EQ(status->message, "pods \"web\" not found");
}

TEST(ApiStatusTest, RejectsNonStatusBodies) {
  EXPECT_FALSE(ParseApiStatus("").ok());
  EXPECT_FALSE(ParseApiStatus("not json").ok());
  EXPECT_FALSE(ParseApiStatus("[1,2]").ok());
  EXPECT_FALSE(ParseApiStatus(R"({"kind":"Pod"})").ok());
}

TEST(ApiStatusTest, NonStatusBodyKeepsHttpCodeAndBoundedBody) {
  common::Error error = ErrorFromResponse(502, "<html>bad gateway</html>");
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(error.http_status, 502);
  EXPECT_NE(error.message.find("502"), std::string::npos);
  EXPECT_NE(error.message.find("bad gateway"), std::string::npos);

  common::Error huge = ErrorFromResponse(404, std::string(100000, 'x'));
  EXPECT_EQ(huge.code, ErrorCode::kNotFound);
  EXPECT_LT(huge.message.size(), 1000u);
}

TEST(ApiStatusTest, StatusWithoutMessageStillSaysSomething) {
  common::Error error = ErrorFromResponse(403, R"({"kind":"Status","reason":"Forbidden","code":403})");
  EXPECT_EQ(error.code, ErrorCode::kForbidden);
  EXPECT_FALSE(error.message.empty());
}

TEST(ApiStatusTest, WatchErrorStatusMapsGone) {
  ApiStatus gone{410, "Failure", "Expired", "too old resource version: 1 (5)"};
  common::Error error = ErrorFromStatus(gone);
  EXPECT_EQ(error.code, ErrorCode::kGone);
  EXPECT_EQ(error.message, "too old resource version: 1 (5)");

  // Old servers reported expiry as 500 with reason Expired.
  EXPECT_EQ(ErrorFromStatus(ApiStatus{500, "Failure", "Expired", "x"}).code, ErrorCode::kGone);
  EXPECT_EQ(ErrorFromStatus(ApiStatus{500, "Failure", "InternalError", "x"}).code, ErrorCode::kUnavailable);
}

TEST(Base64Test, RoundTripsAndToleratesWhitespace) {
  for (std::string text : {"", "a", "ab", "abc", "abcd", "-----BEGIN CERTIFICATE-----\n\x01\xff"}) {
    std::string encoded = Base64Encode(text);
    auto decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, text);
  }
  auto wrapped = Base64Decode("aGVs\nbG8g\r\nd29y bGQ=");
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(*wrapped, "hello world");
  auto unpadded = Base64Decode("aGk");
  ASSERT_TRUE(unpadded.ok());
  EXPECT_EQ(*unpadded, "hi");
}

TEST(Base64Test, RejectsGarbage) {
  EXPECT_FALSE(Base64Decode("ab$d").ok());
  EXPECT_FALSE(Base64Decode("a").ok());
  EXPECT_FALSE(Base64Decode("ab=c").ok());
}

}  // namespace
}  // namespace kube
