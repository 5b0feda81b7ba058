#include "apiservice/authentication.h"

#include <gtest/gtest.h>

#include "tests/apiservice/fakes.h"

namespace apiservice {
namespace {

using apiservice_testing::FakeTokenReviewer;
using apiservice_testing::ManualClock;
using apiservice_testing::ProxiedRequest;

AuthenticatorOptions Options() {
  AuthenticatorOptions o;
  o.request_header.allowed_names = {"front-proxy-client", "aggregator"};
  return o;
}

TokenReviewResult Authenticated(std::string name) {
  TokenReviewResult r;
  r.authenticated = true;
  r.user.name = std::move(name);
  r.user.groups = {"system:authenticated"};
  return r;
}

class AuthenticationTest : public ::testing::Test {
 protected:
  AuthenticationTest() {
    tokens_.answer = [](std::string_view token) -> common::Result<TokenReviewResult> {
      if (token == "good") return Authenticated("token-user");
      if (token == "broken") return common::Error::Make(common::ErrorCode::kUnavailable, "apiserver down");
      TokenReviewResult r;
      r.error = "invalid bearer token";
      return r;
    };
  }
  ManualClock clock_;
  FakeTokenReviewer tokens_;
  Authenticator authn_{Options(), &tokens_, clock_.AsFunction()};
};

TEST_F(AuthenticationTest, FrontProxyHeadersGiveUserGroupsAndExtras) {
  net::HttpRequest r = ProxiedRequest("/apis/metrics.k8s.io/v1beta1/nodes", "alice");
  r.headers.push_back({"X-Remote-Group", "system:masters"});
  r.headers.push_back({"x-remote-group", "devs"});
  r.headers.push_back({"X-Remote-Extra-Scopes", "a"});
  r.headers.push_back({"X-Remote-Extra-Scopes", "b"});
  r.headers.push_back({"X-Remote-Extra-Example.com%2fTeam", "x"});
  AuthnResult result = authn_.Authenticate(r);
  ASSERT_EQ(AuthnOutcome::kAuthenticated, result.outcome) << result.reason;
  EXPECT_EQ("alice", result.user.name);
  EXPECT_EQ((std::vector<std::string>{"system:masters", "devs"}), result.user.groups);
  EXPECT_EQ((std::vector<std::string>{"a", "b"}), result.user.extra.at("scopes"));
  EXPECT_EQ((std::vector<std::string>{"x"}), result.user.extra.at("example.com/team"));
  EXPECT_EQ(0, tokens_.calls);
}

TEST_F(AuthenticationTest, WrongCommonNameIsRejected) {
  AuthnResult result = authn_.Authenticate(ProxiedRequest("/apis", "alice", "mallory"));
  EXPECT_EQ(AuthnOutcome::kRejected, result.outcome);
  EXPECT_NE(std::string::npos, result.reason.find("mallory"));
}

TEST_F(AuthenticationTest, AnyCommonNameWhenNoAllowedNames) {
  AuthenticatorOptions open;
  Authenticator authn(open, nullptr, clock_.AsFunction());
  AuthnResult result = authn.Authenticate(ProxiedRequest("/apis", "alice", "whoever"));
  EXPECT_EQ(AuthnOutcome::kAuthenticated, result.outcome);
}

TEST_F(AuthenticationTest, UnverifiedCertificateHeadersAreIgnored) {
  net::HttpRequest r = ProxiedRequest("/apis", "alice");
  r.peer.verified = false;  // presented, but does not chain to the requestheader CA
  EXPECT_EQ(AuthnOutcome::kAnonymous, authn_.Authenticate(r).outcome);
}

TEST_F(AuthenticationTest, ForgedHeadersWithoutCertificateAreIgnored) {
  net::HttpRequest r = ProxiedRequest("/apis", "system:admin");
  r.peer = net::TlsPeer{};
  r.headers.push_back({"X-Remote-Group", "system:masters"});
  EXPECT_EQ(AuthnOutcome::kAnonymous, authn_.Authenticate(r).outcome);
  r.tls = false;
  r.peer.presented = r.peer.verified = true;  // a plain connection cannot have a verified peer
  EXPECT_EQ(AuthnOutcome::kAnonymous, authn_.Authenticate(r).outcome);
}

TEST_F(AuthenticationTest, ForgedHeadersDoNotOverrideTokenIdentity) {
  net::HttpRequest r = ProxiedRequest("/apis", "system:admin");
  r.peer = net::TlsPeer{};
  r.headers.push_back({"Authorization", "Bearer good"});
  AuthnResult result = authn_.Authenticate(r);
  ASSERT_EQ(AuthnOutcome::kAuthenticated, result.outcome);
  EXPECT_EQ("token-user", result.user.name);
}

TEST_F(AuthenticationTest, MissingUserHeaderFallsBackToAnonymous) {
  net::HttpRequest r = ProxiedRequest("/apis", "");
  r.headers.push_back({"X-Remote-Group", "system:masters"});
  EXPECT_EQ(AuthnOutcome::kAnonymous, authn_.Authenticate(r).outcome);
}

TEST_F(AuthenticationTest, BearerTokenReviewedAndCached) {
  net::HttpRequest r = ProxiedRequest("/apis", "");
  r.peer = net::TlsPeer{};
  r.headers.push_back({"Authorization", "Bearer good"});
  EXPECT_EQ(AuthnOutcome::kAuthenticated, authn_.Authenticate(r).outcome);
  EXPECT_EQ(AuthnOutcome::kAuthenticated, authn_.Authenticate(r).outcome);
  EXPECT_EQ(1, tokens_.calls);
  clock_.Advance(std::chrono::seconds(11));
  EXPECT_EQ(AuthnOutcome::kAuthenticated, authn_.Authenticate(r).outcome);
  EXPECT_EQ(2, tokens_.calls);
}

TEST_F(AuthenticationTest, BadTokenRejected) {
  net::HttpRequest r = ProxiedRequest("/apis", "");
  r.peer = net::TlsPeer{};
  r.headers.push_back({"authorization", "bearer nope"});
  AuthnResult result = authn_.Authenticate(r);
  EXPECT_EQ(AuthnOutcome::kRejected, result.outcome);
  EXPECT_EQ("invalid bearer token", result.reason);
}

TEST_F(AuthenticationTest, ReviewErrorsRejectAndAreNotCached) {
  net::HttpRequest r = ProxiedRequest("/apis", "");
  r.peer = net::TlsPeer{};
  r.headers.push_back({"Authorization", "Bearer broken"});
  EXPECT_EQ(AuthnOutcome::kRejected, authn_.Authenticate(r).outcome);
  EXPECT_EQ(AuthnOutcome::kRejected, authn_.Authenticate(r).outcome);
  EXPECT_EQ(2, tokens_.calls);
}

TEST_F(AuthenticationTest, TokenWithoutReviewerRejected) {
  Authenticator authn(Options(), nullptr, clock_.AsFunction());
  net::HttpRequest r;
  r.headers.push_back({"Authorization", "Bearer good"});
  EXPECT_EQ(AuthnOutcome::kRejected, authn.Authenticate(r).outcome);
}

TEST_F(AuthenticationTest, NonBearerAuthorizationIsAnonymous) {
  net::HttpRequest r;
  r.headers.push_back({"Authorization", "Basic YWxpY2U6c2VjcmV0"});
  EXPECT_EQ(AuthnOutcome::kAnonymous, authn_.Authenticate(r).outcome);
  net::HttpRequest empty;
  empty.headers.push_back({"Authorization", "Bearer   "});
  EXPECT_EQ(AuthnOutcome::kAnonymous, authn_.Authenticate(empty).outcome);
}

}  // namespace
}  // namespace apiservice
