// A ReplicaSet target under a load step up and down, with the autoscaler reading metrics.k8s.io through the
// aggregator (API polling, no stream): the scale-up comes within one metric resolution plus one sync period of the
// step (plus slack for a loaded machine), and the scale-down not before the stabilization window has passed since
// the drop. Events and conditions read as upstream's for a ReplicaSet.

#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_test_base.h"
#include "tests/e2e/harness/replica_timeline.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Sample = ReplicaTimeline::Sample;

// Scenario seconds of the load changes. The step waits for setup (sandbox, metrics-server, APIService, first
// scrapes, autoscaler, HPA) to be done, which takes about 8 s.
constexpr double kStepUpAt = 16;
constexpr double kDropAt = 30;
// 2m on one pod is 6.7% of its 30m request (target 10%); 24m is 80%.
constexpr char kScenario[] = R"({
  "workloads": [
    {"kind": "ReplicaSet", "namespace": "default", "name": "batch", "replicas": 1,
     "containers": [{"name": "worker", "cpu": "30m", "memory": "32Mi"}],
     "load": "2m for 16s, 24m for 14s, 2m"}
  ]
})";
constexpr double kMetricResolutionSeconds = 3;
constexpr double kSyncPeriodSeconds = 2;
constexpr double kStabilizationSeconds = 10;
// Scheduling and kubectl latency on a loaded 2-core machine; observed latencies are ~3 s of the 5 s budget.
constexpr double kSlackSeconds = 5;

class ReplicaSetAutoscalingE2eTest : public E2eTest {
 protected:
  std::optional<int> Replicas() {
    auto text = JsonPath({"replicaset", "batch"}, "{.spec.replicas}");
    if (text.empty()) return std::nullopt;
    return std::atoi(text.c_str());
  }

  // One kubectl call per sample keeps the time resolution near a quarter second.
  ReplicaTimeline timeline_{[this] { return Replicas(); }, [this] { return ScenarioSeconds(); }, milliseconds(250)};
  std::string Timeline() const { return timeline_.Describe("replicaset.spec.replicas"); }
};

TEST_F(ReplicaSetAutoscalingE2eTest, ScalesUpWithinOneScrapeAndSyncAndDownAfterTheStabilizationWindow) {
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 2, .address_block = 191}));
  ASSERT_TRUE(StartMetricsServer({.metric_resolution = "3s", .grpc = false}));
  ASSERT_TRUE(RegisterApiService());
  ASSERT_TRUE(WaitForNodeMetrics());
  ASSERT_NE(StartAutoscaler({.use_stream = false, .sync_period = "2s", .downscale_stabilization = "10s"}), nullptr);
  {
    auto r = kubectl().Run({"autoscale", "replicaset", "batch", "--cpu-percent=10", "--min=1", "--max=10"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  // The HPA works before the step: it measures the calm load and keeps one replica.
  auto active = WaitUntil(seconds(12), milliseconds(500), [&](std::string* seen) {
    *seen = JsonPath({"hpa", "batch"}, "{.status.currentMetrics[0].resource.current.averageUtilization}");
    return !seen->empty();
  });
  ASSERT_TRUE(active.ok) << "the HPA never reported a utilization\n" << LogTails();
  ASSERT_LT(ScenarioSeconds(), kStepUpAt - 1) << "setup took too long for the scenario's step";

  auto early = timeline_.Until(kStepUpAt, [](const Sample& s) { return s.replicas.value_or(1) != 1; });
  ASSERT_FALSE(early) << "rescaled before the load step\n" << Timeline();

  // Up: the first scrape after the step sees the higher usage (at most one resolution later), the next sync acts
  // on it (at most one sync period later).
  const double up_bound = kMetricResolutionSeconds + kSyncPeriodSeconds + kSlackSeconds;
  auto up = timeline_.Until(kStepUpAt + up_bound, [](const Sample& s) { return s.replicas.value_or(1) > 1; });
  ASSERT_TRUE(up) << "no scale-up within " << up_bound << " s of the load step\n" << Timeline() << LogTails();
  std::cout << "scale-up " << up->t - kStepUpAt << " s after the load step\n";

  // Status, conditions and the event, as upstream words them for a ReplicaSet target.
  {
    auto r = kubectl().Run({"describe", "hpa", "batch"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    const std::string& d = r.out;
    auto has = [&d](const char* pattern) { return std::regex_search(d, std::regex(pattern)); };
    EXPECT_TRUE(has(R"(\nReference:\s+ReplicaSet/batch\n)")) << d;
    EXPECT_TRUE(has(R"(\nReplicaSet pods:\s+\d+ current / \d+ desired\n)")) << d;
    EXPECT_TRUE(has(R"(\n  AbleToScale\s+True\s+(SucceededRescale|ReadyForNewScale)\s+the HPA controller )")) << d;
    EXPECT_TRUE(has(R"(\n  ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a )"
                    R"(replica count from cpu resource utilization \(percentage of request\)\n)"))
        << d;
    EXPECT_TRUE(has(R"(Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: \d+; reason: cpu )"
                    R"(resource utilization \(percentage of request\) above target)"))
        << d;
  }

  // Down: the recommendations stay high until a scrape covers only the low load (after the drop), and the
  // stabilization window must then pass over the last high one, so nothing before drop + window. Scenario time
  // as we count it runs slightly ahead of the sandbox's (it starts at the spawn), so this bound holds exactly.
  timeline_.Until(kDropAt, [](const Sample&) { return false; });
  const int peak = timeline_.samples().back().replicas.value_or(0);
  ASSERT_GT(peak, 1) << Timeline();
  const double down_deadline = kDropAt + kStabilizationSeconds + kMetricResolutionSeconds + 2 * kSyncPeriodSeconds +
                               kSlackSeconds + 3;
  auto down = timeline_.Until(down_deadline, [peak](const Sample& s) { return s.replicas.value_or(peak) < peak; });
  ASSERT_TRUE(down) << "no scale-down after the drop\n" << Timeline() << LogTails();
  EXPECT_GE(down->t, kDropAt + kStabilizationSeconds) << "scaled down inside the stabilization window\n" << Timeline();
  std::cout << "scale-down " << down->t - kDropAt << " s after the load drop (window " << kStabilizationSeconds
            << " s)\n";

  // Both rescales as Normal events with upstream's reasons.
  auto events = WaitUntil(seconds(10), milliseconds(500), [&](std::string* seen) {
    *seen = JsonPath({"events"}, "{range .items[*]}{.involvedObject.kind}/{.involvedObject.name} {.reason} {.type} "
                                 "{.source.component}: {.message}{\"\\n\"}{end}");
    return seen->find("All metrics below target") != std::string::npos;
  });
  EXPECT_TRUE(events.ok) << events.last_observation;
  EXPECT_TRUE(std::regex_search(events.last_observation,
                                std::regex(R"(HorizontalPodAutoscaler/batch SuccessfulRescale Normal )"
                                           R"(horizontal-pod-autoscaler: New size: \d+; reason: cpu resource )"
                                           R"(utilization \(percentage of request\) above target\n)")))
      << events.last_observation;
  EXPECT_TRUE(std::regex_search(events.last_observation,
                                std::regex(R"(HorizontalPodAutoscaler/batch SuccessfulRescale Normal )"
                                           R"(horizontal-pod-autoscaler: New size: \d+; reason: All metrics below )"
                                           R"(target\n)")))
      << events.last_observation;
  std::cout << Timeline();
}

}  // namespace
}  // namespace e2e
