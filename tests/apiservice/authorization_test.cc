#include "apiservice/authorization.h"

#include <gtest/gtest.h>

#include "tests/apiservice/fakes.h"

namespace apiservice {
namespace {

using apiservice_testing::FakeSubjectAccessReviewer;
using apiservice_testing::ManualClock;

Attributes ListNodes(std::string user) {
  Attributes a;
  a.user.name = std::move(user);
  a.verb = "list";
  a.resource_request = true;
  a.api_group = "metrics.k8s.io";
  a.api_version = "v1beta1";
  a.resource = "nodes";
  a.path = "/apis/metrics.k8s.io/v1beta1/nodes";
  return a;
}

TEST(ForbiddenTextTest, ClusterScope) {
  ApiStatus s = ForbiddenStatusFor(ListNodes("x"), "");
  EXPECT_EQ(403, s.code);
  EXPECT_EQ("Forbidden", s.reason);
  EXPECT_EQ(
      "nodes.metrics.k8s.io is forbidden: User \"x\" cannot list resource \"nodes\" in API group \"metrics.k8s.io\" "
      "at the cluster scope",
      s.message);
  ASSERT_TRUE(s.details);
  EXPECT_EQ("metrics.k8s.io", s.details->group);
  EXPECT_EQ("nodes", s.details->kind);
  EXPECT_EQ("", s.details->name);
}

TEST(ForbiddenTextTest, NamespacedNamedWithReason) {
  RequestInfo info = ParseRequestInfo("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/p1", {});
  UserInfo user;
  user.name = "bob";
  ApiStatus s = ForbiddenStatusFor(MakeAttributes(user, info), "no RBAC policy matched");
  EXPECT_EQ(
      "pods.metrics.k8s.io \"p1\" is forbidden: User \"bob\" cannot get resource \"pods\" in API group "
      "\"metrics.k8s.io\" in the namespace \"default\": no RBAC policy matched",
      s.message);
  EXPECT_EQ("p1", s.details->name);
}

TEST(ForbiddenTextTest, NonResourcePath) {
  RequestInfo info = ParseRequestInfo("GET", "/openapi/v2", {});
  UserInfo user;
  user.name = "bob";
  ApiStatus s = ForbiddenStatusFor(MakeAttributes(user, info), "");
  EXPECT_EQ("forbidden: User \"bob\" cannot get path \"/openapi/v2\"", s.message);
  ASSERT_TRUE(s.details);
  EXPECT_EQ("", s.details->kind);
}

class CachingAuthorizerTest : public ::testing::Test {
 protected:
  CachingAuthorizerTest() {
    inner_.answer = [this](const Attributes& a) -> common::Result<AuthzResult> {
      if (fail_) return common::Error::Make(common::ErrorCode::kUnavailable, "down");
      AuthzResult r;
      r.decision = a.user.name == "admin" ? Decision::kAllow : Decision::kDeny;
      return r;
    };
  }
  ManualClock clock_;
  FakeSubjectAccessReviewer inner_;
  bool fail_ = false;
  CachingAuthorizer authz_{&inner_,
                           AuthorizationCacheOptions{std::chrono::seconds(10), std::chrono::seconds(2), 100},
                           clock_.AsFunction()};
};

TEST_F(CachingAuthorizerTest, AllowedAndDeniedCachedWithTheirOwnTtl) {
  EXPECT_EQ(Decision::kAllow, authz_.Review(ListNodes("admin"))->decision);
  EXPECT_EQ(Decision::kDeny, authz_.Review(ListNodes("guest"))->decision);
  EXPECT_EQ(2, inner_.calls);
  EXPECT_EQ(Decision::kAllow, authz_.Review(ListNodes("admin"))->decision);
  EXPECT_EQ(Decision::kDeny, authz_.Review(ListNodes("guest"))->decision);
  EXPECT_EQ(2, inner_.calls);  // both cached

  clock_.Advance(std::chrono::seconds(3));  // past the denied TTL only
  EXPECT_EQ(Decision::kAllow, authz_.Review(ListNodes("admin"))->decision);
  EXPECT_EQ(2, inner_.calls);
  EXPECT_EQ(Decision::kDeny, authz_.Review(ListNodes("guest"))->decision);
  EXPECT_EQ(3, inner_.calls);

  clock_.Advance(std::chrono::seconds(8));  // past the allowed TTL
  EXPECT_EQ(Decision::kAllow, authz_.Review(ListNodes("admin"))->decision);
  EXPECT_EQ(4, inner_.calls);
}

TEST_F(CachingAuthorizerTest, DifferentAttributesAreDifferentEntries) {
  Attributes a = ListNodes("admin");
  authz_.Review(a).ok();
  a.verb = "get";
  a.name = "node-1";
  authz_.Review(a).ok();
  a.user.groups = {"system:masters"};
  authz_.Review(a).ok();
  EXPECT_EQ(3, inner_.calls);
}

TEST_F(CachingAuthorizerTest, ErrorsAreNotCached) {
  fail_ = true;
  EXPECT_FALSE(authz_.Review(ListNodes("admin")).ok());
  fail_ = false;
  EXPECT_EQ(Decision::kAllow, authz_.Review(ListNodes("admin"))->decision);
  EXPECT_EQ(2, inner_.calls);
}

}  // namespace
}  // namespace apiservice
