#include "autoscaler/controller/leader_elector.h"

#include <gtest/gtest.h>

#include "tests/autoscaler/controller/fake_rest_client.h"

namespace autoscaler {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr const char* kLeasePath = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kma-autoscaler";

struct Candidate {
  Steady::time_point now = Steady::time_point(1000s);
  std::unique_ptr<LeaderElector> elector;
  Candidate(kube::RestClient& client, const std::string& id) {
    LeaderElectionConfig config;
    config.identity = id;
    elector = std::make_unique<LeaderElector>(client, config, [this] { return now; });
  }
};

TEST(LeaderElection, ValidatesUpstreamConstraints) {
  LeaderElectionConfig ok;
  ok.identity = "a";
  EXPECT_TRUE(ValidateLeaderElectionConfig(ok).ok());
  LeaderElectionConfig no_identity;
  EXPECT_FALSE(ValidateLeaderElectionConfig(no_identity).ok());
  LeaderElectionConfig bad = ok;
  bad.renew_deadline = 20s;
  EXPECT_FALSE(ValidateLeaderElectionConfig(bad).ok());
  bad = ok;
  bad.retry_period = 9s;
  EXPECT_FALSE(ValidateLeaderElectionConfig(bad).ok());
}

TEST(LeaderElection, OnlyOneCandidateLeadsAndFailoverWaitsForExpiry) {
  testing::FakeRestClient api;
  Candidate a(api, "a"), b(api, "b");

  EXPECT_TRUE(a.elector->TryAcquireOrRenew());  // creates the lease
  EXPECT_TRUE(a.elector->IsLeader());
  EXPECT_FALSE(b.elector->TryAcquireOrRenew());
  EXPECT_FALSE(b.elector->IsLeader());
  EXPECT_NE(api.Object(kLeasePath).find("\"holderIdentity\":\"a\""), std::string::npos);

  // a keeps renewing: b never takes over, however long it waits.
  for (int i = 0; i < 10; ++i) {
    a.now += 2s;
    b.now += 2s;
    EXPECT_TRUE(a.elector->TryAcquireOrRenew());
    EXPECT_FALSE(b.elector->TryAcquireOrRenew());
  }

  // a stops renewing (hung, partitioned). It stops counting itself leader after the renew deadline (10s),
  // strictly before b may take over after the lease duration (15s) — so they never overlap.
  a.now += 10s;
  EXPECT_FALSE(a.elector->IsLeader());
  b.now += 14s;
  EXPECT_FALSE(b.elector->TryAcquireOrRenew());
  b.now += 2s;
  EXPECT_TRUE(b.elector->TryAcquireOrRenew());
  EXPECT_TRUE(b.elector->IsLeader());
  EXPECT_NE(api.Object(kLeasePath).find("\"holderIdentity\":\"b\""), std::string::npos);
  EXPECT_NE(api.Object(kLeasePath).find("\"leaseTransitions\":1"), std::string::npos);

  // a comes back: it sees b's fresh lease and stays a follower.
  EXPECT_FALSE(a.elector->TryAcquireOrRenew());
  EXPECT_FALSE(a.elector->IsLeader());
}

TEST(LeaderElection, ReleaseOnStopLetsSuccessorTakeOverAtOnce) {
  testing::FakeRestClient api;
  Candidate a(api, "a"), b(api, "b");
  ASSERT_TRUE(a.elector->TryAcquireOrRenew());
  ASSERT_FALSE(b.elector->TryAcquireOrRenew());
  a.elector->Stop();
  EXPECT_FALSE(a.elector->IsLeader());
  EXPECT_NE(api.Object(kLeasePath).find("\"holderIdentity\":\"\""), std::string::npos);
  EXPECT_TRUE(b.elector->TryAcquireOrRenew());
}

TEST(LeaderElection, ApiErrorsNeverGrantLeadership) {
  testing::FakeRestClient api;
  Candidate a(api, "a");
  api.FailNext(kLeasePath, common::ErrorCode::kUnavailable, 1);
  EXPECT_FALSE(a.elector->TryAcquireOrRenew());
  EXPECT_FALSE(a.elector->IsLeader());
  ASSERT_TRUE(a.elector->TryAcquireOrRenew());
  // A leader whose renewals fail keeps leading only until the renew deadline.
  api.FailNext(kLeasePath, common::ErrorCode::kUnavailable, 100);
  a.now += 5s;
  EXPECT_TRUE(a.elector->TryAcquireOrRenew());
  a.now += 6s;
  EXPECT_FALSE(a.elector->TryAcquireOrRenew());
  EXPECT_FALSE(a.elector->IsLeader());
}

}  // namespace
}  // namespace autoscaler
