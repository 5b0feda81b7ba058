// Two autoscalers with --leader-elect on one Lease: exactly one scales; when it dies without releasing the lease
// (SIGKILL), the other takes over after the lease expires and keeps scaling.

#include <fstream>
#include <regex>
#include <thread>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A constant 24m on a 30m request: 80% against a 10% target keeps the HPA scaling up to 8 pods.
constexpr char kScenario[] = R"({
  "workloads": [
    {"kind": "Deployment", "namespace": "default", "name": "busy", "replicas": 1,
     "containers": [{"name": "app", "cpu": "30m", "memory": "32Mi"}], "load": "24m"}
  ]
})";

AutoscalerConfig Candidate() {
  return {.leader_elect = true,
          .extra_args = {"--leader-elect-lease-duration", "4s", "--leader-elect-renew-deadline", "3s",
                         "--leader-elect-retry-period", "1s"}};
}

// The identity in "leader election: <identity> acquired lease kube-system/kma-autoscaler", if logged.
std::optional<std::string> AcquiredIdentity(const std::string& log) {
  std::smatch m;
  if (std::regex_search(log, m, std::regex(R"(leader election: (\S+) acquired lease kube-system/kma-autoscaler)"))) {
    return m[1].str();
  }
  return std::nullopt;
}

class LeaderElectionE2eTest : public E2eTest {
 protected:
  std::string LeaseHolder() {
    return JsonPath({"lease", "-n", "kube-system", "kma-autoscaler"}, "{.spec.holderIdentity}");
  }
  int Replicas() {
    auto text = JsonPath({"deployment", "busy"}, "{.spec.replicas}");
    return text.empty() ? -1 : std::atoi(text.c_str());
  }
  // Waits until exactly one of the candidates logged that it acquired the lease; returns its index.
  std::optional<size_t> WaitForSingleLeader(const std::vector<Subprocess*>& candidates, std::chrono::milliseconds timeout) {
    std::optional<size_t> leader;
    auto outcome = WaitUntil(timeout, milliseconds(250), [&](std::string* seen) {
      int count = 0;
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (AcquiredIdentity(candidates[i]->Output())) {
          leader = i;
          ++count;
        }
      }
      *seen = std::to_string(count) + " candidates logged that they acquired the lease";
      return count >= 1;
    });
    if (!outcome.ok) return std::nullopt;
    return leader;
  }

  // The stack with two candidates; fills leader_ and standby_ once one of them leads.
  void StartStackWithTwoCandidates(int address_block) {
    ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 2, .address_block = address_block}));
    ASSERT_TRUE(StartMetricsServer({.grpc = false}));
    ASSERT_TRUE(RegisterApiService());
    ASSERT_TRUE(WaitForNodeMetrics());
    Subprocess* first = StartAutoscaler(Candidate());
    ASSERT_NE(first, nullptr);
    Subprocess* second = StartAutoscaler(Candidate());
    ASSERT_NE(second, nullptr);
    candidates_ = {first, second};
    auto leader_index = WaitForSingleLeader(candidates_, seconds(15));
    ASSERT_TRUE(leader_index) << "no autoscaler acquired the lease\n" << LogTails();
    leader_ = candidates_[*leader_index];
    standby_ = candidates_[1 - *leader_index];
  }

  std::vector<Subprocess*> candidates_;
  Subprocess* leader_ = nullptr;
  Subprocess* standby_ = nullptr;
};

TEST_F(LeaderElectionE2eTest, OnlyTheLeaderScalesAndTheStandbyTakesOverWhenItDies) {
  StartStackWithTwoCandidates(179);
  if (HasFatalFailure()) return;
  Subprocess* leader = leader_;
  Subprocess* standby = standby_;
  const std::string leader_identity = *AcquiredIdentity(leader->Output());
  EXPECT_EQ(LeaseHolder(), leader_identity);
  // Give the standby several retry periods: it must stay a standby while the leader renews.
  std::this_thread::sleep_for(seconds(3));
  EXPECT_FALSE(AcquiredIdentity(standby->Output())) << "both autoscalers acquired the lease\n" << LogTails();
  EXPECT_EQ(LeaseHolder(), leader_identity);

  auto autoscale = kubectl().Run({"autoscale", "deployment", "busy", "--cpu-percent=10", "--min=1", "--max=10"});
  ASSERT_EQ(autoscale.exit_code, 0) << autoscale.Describe();
  ASSERT_TRUE(WaitUntil(seconds(30), milliseconds(500), [&] { return Replicas() > 1; }))
      << "the leader never scaled busy up\n" << LogTails();
  // Scaling was done by the leader alone.
  EXPECT_TRUE(WaitForLog(*leader, "HPA default/busy: scaled busy from 1 to", seconds(5)));
  EXPECT_EQ(standby->Output().find("scaled busy"), std::string::npos) << "the standby scaled too\n" << LogTails();

  // The leader dies without releasing the lease; the standby waits out the lease (4s) and takes over.
  leader->Kill();
  auto takeover = WaitUntil(seconds(20), milliseconds(250), [&] { return AcquiredIdentity(standby->Output()).has_value(); });
  ASSERT_TRUE(takeover) << "the standby never acquired the lease after the leader was killed\n" << LogTails();
  const std::string new_identity = *AcquiredIdentity(standby->Output());
  EXPECT_NE(new_identity, leader_identity);
  EXPECT_TRUE(WaitUntil(seconds(5), milliseconds(250), [&] { return LeaseHolder() == new_identity; }))
      << "lease holder: " << LeaseHolder();
  auto transitions = JsonPath({"lease", "-n", "kube-system", "kma-autoscaler"}, "{.spec.leaseTransitions}");
  EXPECT_TRUE(!transitions.empty() && std::atoi(transitions.c_str()) >= 1) << "leaseTransitions: " << transitions;

  // It keeps scaling: knock the Deployment back to one replica and the new leader scales it up again.
  auto scaled_down = kubectl().Run({"scale", "deployment", "busy", "--replicas=1"});
  ASSERT_EQ(scaled_down.exit_code, 0) << scaled_down.Describe();
  EXPECT_TRUE(WaitUntil(seconds(30), milliseconds(500), [&] { return Replicas() > 1; }))
      << "the new leader never scaled busy up again\n" << LogTails();
  EXPECT_TRUE(WaitForLog(*standby, "HPA default/busy: scaled busy from 1 to", seconds(5)));
}

// The API server refuses every Lease write (the leader is cut off from it, as in a partition, and nobody can take
// over): the leader must stop scaling once its renew deadline passes, before any other candidate could hold the
// lease, so two autoscalers never act at once. While nobody leads, nothing scales; when Lease writes work again,
// exactly one candidate leads and scaling resumes.
TEST_F(LeaderElectionE2eTest, NobodyScalesWhileTheLeaseCannotBeRenewed) {
  StartStackWithTwoCandidates(195);
  if (HasFatalFailure()) return;
  Subprocess* leader = leader_;
  const std::vector<Subprocess*>& candidates = candidates_;
  auto autoscale = kubectl().Run({"autoscale", "deployment", "busy", "--cpu-percent=10", "--min=1", "--max=10"});
  ASSERT_EQ(autoscale.exit_code, 0) << autoscale.Describe();
  ASSERT_TRUE(WaitUntil(seconds(30), milliseconds(500), [&] { return Replicas() > 1; }))
      << "the leader never scaled busy up\n" << LogTails();

  const std::string faults = dir() + "/lease-faults.txt";
  std::ofstream(faults) << "500 resource=leases verb=update\n500 resource=leases verb=create\n";
  auto set = kubectl().Run({"replace", "--raw", "/sandbox/faults", "-f", faults});
  ASSERT_EQ(set.exit_code, 0) << set.Describe();
  // Renew deadline 3 s: the leader says it stopped.
  EXPECT_TRUE(WaitForLog(*leader, "lost leadership: not scaling", seconds(10)));
  // Knock the Deployment back to one replica: with nobody leading, nobody scales it up again.
  ASSERT_EQ(kubectl().Run({"scale", "deployment", "busy", "--replicas=1"}).exit_code, 0);
  const auto until = std::chrono::steady_clock::now() + seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(Replicas(), 1) << "scaled while no candidate could hold the lease\n" << LogTails();
    std::this_thread::sleep_for(milliseconds(500));
  }
  for (Subprocess* c : candidates) {
    ASSERT_TRUE(c->Running()) << LogTails();
  }
  auto count_acquired = [&] {
    size_t n = 0;
    for (Subprocess* c : candidates) {
      const std::string log = c->Output();
      for (size_t at = log.find(" acquired lease "); at != std::string::npos; at = log.find(" acquired lease ", at + 1)) {
        ++n;
      }
    }
    return n;
  };
  EXPECT_EQ(count_acquired(), 1u) << "a candidate acquired the lease while Lease writes failed\n" << LogTails();

  ASSERT_EQ(kubectl().Run({"delete", "--raw", "/sandbox/faults"}).exit_code, 0);
  EXPECT_TRUE(WaitUntil(seconds(30), milliseconds(500), [&] { return Replicas() > 1; }))
      << "scaling did not resume once the lease could be written\n" << LogTails();
  EXPECT_EQ(count_acquired(), 2u) << "exactly one candidate should have become leader again\n" << LogTails();
}

// client-go's elector says at start that it is trying to acquire the lease, so an operator looking at a standby's
// log can tell it is waiting rather than stuck; the standby must say it is not leading.
TEST_F(LeaderElectionE2eTest, TheStandbyLogsThatItIsNotLeading) {
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 1, .address_block = 181}));
  Subprocess* first = StartAutoscaler(Candidate());
  ASSERT_NE(first, nullptr);
  Subprocess* second = StartAutoscaler(Candidate());
  ASSERT_NE(second, nullptr);
  std::vector<Subprocess*> candidates = {first, second};
  auto leader_index = WaitForSingleLeader(candidates, seconds(15));
  ASSERT_TRUE(leader_index) << "no autoscaler acquired the lease\n" << LogTails();
  Subprocess* standby = candidates[1 - *leader_index];
  std::this_thread::sleep_for(seconds(3));
  const std::string log = standby->Output();
  EXPECT_FALSE(AcquiredIdentity(log));
  const std::regex not_leading(R"(attempting to acquire leader lease|not leading|not the leader|standby)",
                               std::regex::icase);
  EXPECT_TRUE(std::regex_search(log, not_leading))
      << "the standby's log does not say that it is not leading (e.g. client-go's \"attempting to acquire leader "
         "lease kube-system/kma-autoscaler...\"); it ends with:\n"
      << standby->LogTail(20);
}

}  // namespace
}  // namespace e2e
