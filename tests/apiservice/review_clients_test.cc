#include "apiservice/review_clients.h"

#include <gtest/gtest.h>

#include "tests/apiservice/json_test_util.h"

namespace apiservice {
namespace {

TEST(TokenReviewClientTest, PostsReviewAndParsesUser) {
  std::string seen_path, seen_body;
  TokenReviewClient client(
      [&](const std::string& path, const std::string& body) -> common::Result<std::string> {
        seen_path = path;
        seen_body = body;
        return std::string(
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":{"authenticated":true,)"
            R"("user":{"username":"system:serviceaccount:kube-system:hpa","uid":"u1","groups":["system:serviceaccounts","system:authenticated"],)"
            R"("extra":{"authentication.kubernetes.io/pod-name":["p"]}}}})");
      },
      {"https://kubernetes.default.svc"});
  common::Result<TokenReviewResult> r = client.Review("tok\"en");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->authenticated);
  EXPECT_EQ("system:serviceaccount:kube-system:hpa", r->user.name);
  EXPECT_EQ("u1", r->user.uid);
  EXPECT_EQ(2u, r->user.groups.size());
  EXPECT_EQ("p", r->user.extra.at("authentication.kubernetes.io/pod-name").at(0));
  EXPECT_EQ("/apis/authentication.k8s.io/v1/tokenreviews", seen_path);
  EXPECT_JSON_EQ(
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"tok\"en","audiences":["https://kubernetes.default.svc"]}})",
      seen_body);
}

TEST(TokenReviewClientTest, UnauthenticatedAndMalformedAnswers) {
  common::Result<TokenReviewResult> no = ParseTokenReviewResponse(R"({"status":{"authenticated":false,"error":"expired"}})");
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(no->authenticated);
  EXPECT_EQ("expired", no->error);
  EXPECT_FALSE(ParseTokenReviewResponse("not json").ok());
  EXPECT_FALSE(ParseTokenReviewResponse("[1]").ok());
  EXPECT_FALSE(ParseTokenReviewResponse(R"({"status":{"authenticated":true,"user":{}}})").ok());
  // Wrong member types never crash and never authenticate.
  common::Result<TokenReviewResult> odd =
      ParseTokenReviewResponse(R"({"status":{"authenticated":"yes","user":{"username":5,"groups":"g"}}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->authenticated);
}

TEST(TokenReviewClientTest, TransportErrorsPropagate) {
  TokenReviewClient client([](const std::string&, const std::string&) -> common::Result<std::string> {
    return common::Error::Make(common::ErrorCode::kUnavailable, "refused");
  });
  EXPECT_FALSE(client.Review("t").ok());
}

TEST(SubjectAccessReviewClientTest, ResourceAttributes) {
  std::string seen_body;
  SubjectAccessReviewClient client([&](const std::string& path, const std::string& body) -> common::Result<std::string> {
    EXPECT_EQ("/apis/authorization.k8s.io/v1/subjectaccessreviews", path);
    seen_body = body;
    return std::string(R"({"status":{"allowed":true,"reason":"RBAC: allowed"}})");
  });
  Attributes a;
  a.user.name = "alice";
  a.user.groups = {"devs"};
  a.user.extra["scopes"] = {"s"};
  a.verb = "list";
  a.resource_request = true;
  a.namespace_name = "default";
  a.api_group = "metrics.k8s.io";
  a.api_version = "v1beta1";
  a.resource = "pods";
  common::Result<AuthzResult> r = client.Review(a);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Decision::kAllow, r->decision);
  EXPECT_JSON_EQ(
      R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":)"
      R"({"namespace":"default","verb":"list","group":"metrics.k8s.io","version":"v1beta1","resource":"pods",)"
      R"("subresource":"","name":""},"user":"alice","groups":["devs"],"extra":{"scopes":["s"]},"uid":""}})",
      seen_body);
}

TEST(SubjectAccessReviewClientTest, NonResourceAttributes) {
  Attributes a;
  a.user.name = "alice";
  a.verb = "get";
  a.path = "/apis";
  EXPECT_JSON_EQ(
      R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"nonResourceAttributes":)"
      R"({"path":"/apis","verb":"get"},"user":"alice","groups":[],"uid":""}})",
      SubjectAccessReviewRequestJson(a));
}

TEST(SubjectAccessReviewClientTest, Decisions) {
  EXPECT_EQ(Decision::kDeny, ParseSubjectAccessReviewResponse(R"({"status":{"allowed":false,"denied":true}})")->decision);
  common::Result<AuthzResult> none =
      ParseSubjectAccessReviewResponse(R"({"status":{"allowed":false,"evaluationError":"webhook down"}})");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(Decision::kNoOpinion, none->decision);
  EXPECT_EQ("webhook down", none->reason);
  EXPECT_FALSE(ParseSubjectAccessReviewResponse(R"({"kind":"SubjectAccessReview"})").ok());
  EXPECT_FALSE(ParseSubjectAccessReviewResponse("").ok());
}

}  // namespace
}  // namespace apiservice
