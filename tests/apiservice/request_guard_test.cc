#include "apiservice/request_guard.h"

#include <gtest/gtest.h>

#include "apiservice/proto/meta.pb.h"
#include "apiservice/proto/runtime.pb.h"
#include "tests/apiservice/fakes.h"
#include "tests/apiservice/json_test_util.h"

namespace apiservice {
namespace {

using apiservice_testing::FakeSubjectAccessReviewer;
using apiservice_testing::FakeTokenReviewer;
using apiservice_testing::ManualClock;
using apiservice_testing::ProxiedRequest;

class RequestGuardTest : public ::testing::Test {
 protected:
  RequestGuardTest() {
    sar_.answer = [](const Attributes& a) -> common::Result<AuthzResult> {
      AuthzResult r;
      if (a.user.name == "broken") return common::Error::Make(common::ErrorCode::kUnavailable, "no route to host");
      r.decision = a.user.name == "admin" ? Decision::kAllow : Decision::kNoOpinion;
      return r;
    };
    tokens_.answer = [](std::string_view) -> common::Result<TokenReviewResult> { return TokenReviewResult{}; };
  }
  AuthenticatorOptions Options() {
    AuthenticatorOptions o;
    o.request_header.allowed_names = {"front-proxy-client"};
    return o;
  }
  ManualClock clock_;
  FakeTokenReviewer tokens_;
  FakeSubjectAccessReviewer sar_;
  Authenticator authn_{Options(), &tokens_, clock_.AsFunction()};
  CachingAuthorizer authz_{&sar_, AuthorizationCacheOptions{}, clock_.AsFunction()};
  RequestGuard guard_{&authn_, &authz_};
};

TEST_F(RequestGuardTest, AllowedUserProceeds) {
  GuardOutcome o = guard_.Check(ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "admin"), false);
  EXPECT_FALSE(o.rejection);
  EXPECT_EQ("admin", o.user.name);
  EXPECT_EQ("list", sar_.last.verb);
  EXPECT_EQ("nodes", sar_.last.resource);
  EXPECT_EQ("metrics.k8s.io", sar_.last.api_group);
}

TEST_F(RequestGuardTest, DeniedUserGets403WithUpstreamText) {
  GuardOutcome o = guard_.Check(ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "x"), false);
  ASSERT_TRUE(o.rejection);
  EXPECT_EQ(403, o.rejection->status);
  EXPECT_JSON_EQ(
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes.metrics.k8s.io is forbidden: User \"x\" cannot list resource \"nodes\" in API group \"metrics.k8s.io\" at the cluster scope","reason":"Forbidden","details":{"group":"metrics.k8s.io","kind":"nodes"},"code":403})",
      o.rejection->body);
}

TEST_F(RequestGuardTest, DeniedIsCached) {
  guard_.Check(ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "x"), false);
  guard_.Check(ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "x"), false);
  EXPECT_EQ(1, sar_.calls);
}

// Upstream's authorization filter answers InternalError when the authorizer fails (a SubjectAccessReview that
// could not be made is no decision), and Forbidden only for a decision.
TEST_F(RequestGuardTest, AuthorizerFailureIs500InternalError) {
  GuardOutcome o = guard_.Check(ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "broken"), false);
  ASSERT_TRUE(o.rejection);
  EXPECT_EQ(500, o.rejection->status);
  EXPECT_NE(std::string::npos, o.rejection->body.find(R"("reason":"InternalError")")) << o.rejection->body;
  EXPECT_NE(std::string::npos, o.rejection->body.find(R"("message":"Internal error occurred: no route to host")"))
      << o.rejection->body;
}

// system:masters is allowed without a SubjectAccessReview (upstream's always-allow groups), so it is served even
// while reviews fail; other groups are reviewed.
TEST_F(RequestGuardTest, MastersSkipTheReview) {
  auto masters = ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "broken");
  masters.headers.push_back({"X-Remote-Group", "system:masters"});
  GuardOutcome o = guard_.Check(masters, false);
  EXPECT_FALSE(o.rejection);
  EXPECT_EQ(o.user.name, "broken");
  EXPECT_EQ(sar_.calls, 0);

  auto devs = ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "broken");
  devs.headers.push_back({"X-Remote-Group", "devs"});
  ASSERT_TRUE(guard_.Check(devs, false).rejection);
  EXPECT_EQ(sar_.calls, 1);
}

TEST_F(RequestGuardTest, AnonymousAndRejectedGet401) {
  net::HttpRequest anonymous;
  anonymous.method = "GET";
  anonymous.path = "/apis/metrics.k8s.io/v1beta1/nodes";
  GuardOutcome o = guard_.Check(anonymous, false);
  ASSERT_TRUE(o.rejection);
  EXPECT_EQ(401, o.rejection->status);
  EXPECT_JSON_EQ(apiservice_testing::Golden("kubectl-traces/samples/Status.401.Unauthorized.json"), o.rejection->body);

  GuardOutcome wrong_cn = guard_.Check(ProxiedRequest("/apis", "admin", "evil"), false);
  ASSERT_TRUE(wrong_cn.rejection);
  EXPECT_EQ(401, wrong_cn.rejection->status);

  net::HttpRequest bad_token = anonymous;
  bad_token.headers.push_back({"Authorization", "Bearer x"});
  EXPECT_EQ(401, guard_.Check(bad_token, false).rejection->status);
  EXPECT_EQ(0, sar_.calls);
}

TEST_F(RequestGuardTest, RejectionInProtobufWhenNegotiated) {
  net::HttpRequest anonymous;
  anonymous.method = "GET";
  anonymous.path = "/apis/metrics.k8s.io/v1beta1/nodes";
  GuardOutcome o = guard_.Check(anonymous, true);
  ASSERT_TRUE(o.rejection);
  ASSERT_EQ(std::string("k8s\0", 4), o.rejection->body.substr(0, 4));
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  ASSERT_TRUE(unknown.ParseFromString(o.rejection->body.substr(4)));
  k8s::io::apimachinery::pkg::apis::meta::v1::Status status;
  ASSERT_TRUE(status.ParseFromString(unknown.raw()));
  EXPECT_EQ(401, status.code());
}

TEST_F(RequestGuardTest, HealthPathsNeedNoCredentials) {
  for (const char* path : {"/livez", "/readyz", "/healthz", "/livez/"}) {
    net::HttpRequest probe;
    probe.method = "GET";
    probe.path = path;
    EXPECT_FALSE(guard_.Check(probe, false).rejection) << path;
  }
  net::HttpRequest metrics;
  metrics.method = "GET";
  metrics.path = "/metrics";
  EXPECT_TRUE(guard_.Check(metrics, false).rejection);
}

TEST_F(RequestGuardTest, NonResourceRequestsAreAuthorizedByPath) {
  EXPECT_FALSE(guard_.Check(ProxiedRequest("/openapi/v2", "admin"), false).rejection);
  EXPECT_FALSE(sar_.last.resource_request);
  EXPECT_EQ("/openapi/v2", sar_.last.path);
  EXPECT_EQ("get", sar_.last.verb);
}

}  // namespace
}  // namespace apiservice
