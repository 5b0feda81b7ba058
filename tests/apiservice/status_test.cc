#include "apiservice/status.h"

#include <gtest/gtest.h>

#include "apiservice/proto/meta.pb.h"
#include "apiservice/proto/runtime.pb.h"
#include "tests/apiservice/json_test_util.h"

namespace apiservice {
namespace {

using apiservice_testing::Golden;

TEST(StatusTest, UnauthorizedMatchesApiServer) {
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/Status.401.Unauthorized.json"), StatusToJson(UnauthorizedStatus()));
}

TEST(StatusTest, NotFoundMatchesApiServer) {
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/Status.404.NotFound.json"),
                 StatusToJson(NotFoundStatus("metrics.k8s.io", "pods", "nosuch")));
}

TEST(StatusTest, WatchNotSupportedMatchesApiServer) {
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/Status.405.watch.json"),
                 StatusToJson(WatchNotSupportedStatus("metrics.k8s.io", "pods")));
}

TEST(StatusTest, BadFieldSelectorMatchesTrace) {
  // From top_pod_bad_field_selector.http.txt.
  EXPECT_JSON_EQ(
      R"({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "field label not supported: spec.nodeName", "reason": "BadRequest", "code": 400})",
      StatusToJson(BadRequestStatus("field label not supported: spec.nodeName")));
}

TEST(StatusTest, EmptyDetailsPrintAsEmptyObject) {
  EXPECT_JSON_EQ(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404})",
      StatusToJson(PathNotFoundStatus()));
}

// k8s.io/apimachinery's NewInternalError: the message prefixed, and the error again as the only cause.
TEST(StatusTest, InternalErrorCarriesItsCauseLikeUpstream) {
  EXPECT_JSON_EQ(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: no route to host","reason":"InternalError","details":{"causes":[{"message":"no route to host"}]},"code":500})",
      StatusToJson(InternalErrorStatus("no route to host")));
  const std::string body = StatusToProtobuf(InternalErrorStatus("no route to host"));
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  ASSERT_TRUE(unknown.ParseFromString(body.substr(4)));
  k8s::io::apimachinery::pkg::apis::meta::v1::Status status;
  ASSERT_TRUE(status.ParseFromString(unknown.raw()));
  EXPECT_EQ(500, status.code());
  ASSERT_EQ(1, status.details().causes_size());
  EXPECT_EQ("no route to host", status.details().causes(0).message());
  EXPECT_EQ(0, status.details().causes(0).unknown_fields().field_count());
}

TEST(StatusTest, QualifiedResource) {
  EXPECT_EQ("pods.metrics.k8s.io", QualifiedResource("metrics.k8s.io", "pods"));
  EXPECT_EQ("pods", QualifiedResource("", "pods"));
}

TEST(StatusTest, EveryShapeIsValidJsonWithItsCode) {
  const std::vector<ApiStatus> all = {
      NotFoundStatus("g", "r", "n"),  BadRequestStatus("b"),      UnauthorizedStatus(),
      ForbiddenStatus("g", "r", "n", "m"), WatchNotSupportedStatus("g", "r"), MethodNotAllowedStatus("g", "r"),
      NotAcceptableStatus(),          InternalErrorStatus("boom"), ServiceUnavailableStatus("later"),
      PathNotFoundStatus()};
  const std::vector<int> codes = {404, 400, 401, 403, 405, 405, 406, 500, 503, 404};
  for (std::size_t i = 0; i < all.size(); ++i) {
    rapidjson::Document doc = apiservice_testing::ParseJson(StatusToJson(all[i]));
    ASSERT_TRUE(doc.IsObject()) << i;
    EXPECT_EQ(codes[i], doc["code"].GetInt()) << i;
    EXPECT_STREQ("Status", doc["kind"].GetString());
    EXPECT_STREQ("Failure", doc["status"].GetString());
    net::HttpResponse r = StatusResponse(all[i], false);
    EXPECT_EQ(codes[i], r.status);
  }
}

TEST(StatusTest, ProtobufDecodesToStatus) {
  const std::string body = StatusToProtobuf(NotFoundStatus("metrics.k8s.io", "pods", "nosuch"));
  ASSERT_GE(body.size(), 4u);
  EXPECT_EQ(std::string("k8s\0", 4), body.substr(0, 4));
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  ASSERT_TRUE(unknown.ParseFromString(body.substr(4)));
  EXPECT_EQ("v1", unknown.typemeta().apiversion());
  EXPECT_EQ("Status", unknown.typemeta().kind());
  EXPECT_TRUE(unknown.has_contentencoding());
  EXPECT_TRUE(unknown.has_contenttype());
  k8s::io::apimachinery::pkg::apis::meta::v1::Status status;
  ASSERT_TRUE(status.ParseFromString(unknown.raw()));
  EXPECT_EQ("Failure", status.status());
  EXPECT_EQ("pods.metrics.k8s.io \"nosuch\" not found", status.message());
  EXPECT_EQ("NotFound", status.reason());
  EXPECT_EQ(404, status.code());
  ASSERT_TRUE(status.has_details());
  EXPECT_EQ("nosuch", status.details().name());
  EXPECT_EQ("metrics.k8s.io", status.details().group());
  EXPECT_EQ("pods", status.details().kind());
  EXPECT_TRUE(status.has_metadata());
  EXPECT_EQ(0, status.unknown_fields().field_count());

  const net::HttpResponse response = StatusResponse(UnauthorizedStatus(), true);
  EXPECT_EQ(401, response.status);
  EXPECT_EQ("application/vnd.kubernetes.protobuf", response.headers.at(0).value);
  ASSERT_TRUE(unknown.ParseFromString(response.body.substr(4)));
  ASSERT_TRUE(status.ParseFromString(unknown.raw()));
  EXPECT_FALSE(status.has_details());
  EXPECT_EQ("Unauthorized", status.reason());
}

}  // namespace
}  // namespace apiservice
