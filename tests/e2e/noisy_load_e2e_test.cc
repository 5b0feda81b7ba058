// No flapping: a load that wobbles around the HPA's target, but within its tolerance (default 0.1), must cause no
// rescale at all over many sync periods, although the wobble does reach the metrics (the reported utilization
// moves). Metrics come from metrics-server's gRPC stream, so every sync sees the newest scrape.

#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Two pods requesting 100m each, target 50%: 100m in total is exactly on target. The load steps between 93m and
// 107m (per pod 46.5m..53.5m, ratio 0.93..1.07; with the HPA's round-up to whole millicores at most 1.08, inside
// the 0.1 tolerance), in stretches of 2-3 s that do not line up with the 3 s scrapes, so consecutive scrapes see
// different averages. With a tolerance of 0, ceil(1.02 * 2) = 3 would already scale up.
constexpr char kScenario[] = R"({
  "workloads": [
    {"kind": "Deployment", "namespace": "default", "name": "steady", "replicas": 2,
     "containers": [{"name": "app", "cpu": "100m", "memory": "64Mi"}],
     "load": "100m for 4s, 93m for 2s, 107m for 3s, 94m for 2s, 106m for 2s, 93m for 3s, 107m for 2s, 95m for 3s, 105m for 2s, 93m for 2s, 107m for 3s, 94m for 2s, 106m for 3s, 93m for 2s, 107m for 2s, 96m for 3s, 104m for 2s, 93m for 3s, 107m for 2s, 94m for 2s, 106m for 3s, 100m"}
  ]
})";
constexpr double kSyncPeriodSeconds = 2;
// How long the HPA is watched once it reports a utilization: ten syncs.
constexpr double kWatchSeconds = 10 * kSyncPeriodSeconds;

class NoisyLoadE2eTest : public E2eTest {};

TEST_F(NoisyLoadE2eTest, LoadWobblingWithinTheToleranceNeverRescales) {
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 2, .address_block = 193}));
  ASSERT_TRUE(StartMetricsServer({.metric_resolution = "3s", .grpc = true}));
  ASSERT_TRUE(RegisterApiService());
  ASSERT_TRUE(WaitForNodeMetrics());
  Subprocess* autoscaler = StartAutoscaler({.use_stream = true, .sync_period = "2s"});
  ASSERT_NE(autoscaler, nullptr);
  {
    auto r = kubectl().Run({"autoscale", "deployment", "steady", "--cpu-percent=50", "--min=1", "--max=10"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  std::ostringstream timeline;
  std::set<int> utilizations;
  std::optional<double> first_metric_at;
  bool rescaled = false;
  while (true) {
    const double t = ScenarioSeconds();
    const std::string hpa = JsonPath(
        {"hpa", "steady"}, "{.status.currentMetrics[0].resource.current.averageUtilization} {.status.desiredReplicas}");
    const std::string replicas = JsonPath({"deployment", "steady"}, "{.spec.replicas}");
    timeline << "  t=" << t << " util/desired=" << hpa << " deployment.spec.replicas=" << replicas << "\n";
    std::smatch m;
    if (std::regex_match(hpa, m, std::regex(R"((\d+) (\d+))"))) {
      if (!first_metric_at) first_metric_at = t;
      utilizations.insert(std::stoi(m[1].str()));
      EXPECT_EQ(m[2].str(), "2") << "desired replicas moved at t=" << t;
    }
    if (replicas != "2") rescaled = true;
    if (first_metric_at && t >= *first_metric_at + kWatchSeconds) break;
    ASSERT_LT(t, 60) << "the HPA never reported a utilization\n" << timeline.str() << LogTails();
    std::this_thread::sleep_for(milliseconds(500));
  }
  EXPECT_FALSE(rescaled) << "the Deployment was rescaled under in-tolerance noise\n" << timeline.str();

  // The wobble reached the HPA: it saw more than one utilization, all near the 50% target.
  EXPECT_GE(utilizations.size(), 2u) << "the HPA saw a constant utilization; the noise never reached it\n"
                                     << timeline.str();
  for (int u : utilizations) {
    EXPECT_GE(u, 46) << timeline.str();
    EXPECT_LE(u, 54) << timeline.str();
  }

  // Upstream's words for "nothing to do", and no rescale event.
  auto r = kubectl().Run({"describe", "hpa", "steady"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const std::string& d = r.out;
  auto has = [&d](const char* pattern) { return std::regex_search(d, std::regex(pattern)); };
  EXPECT_TRUE(has(R"(\n  AbleToScale\s+True\s+ReadyForNewScale\s+recommended size matches current size\n)")) << d;
  EXPECT_TRUE(has(R"(\n  ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a )"
                  R"(replica count from cpu resource utilization \(percentage of request\)\n)"))
      << d;
  EXPECT_TRUE(has(R"(\n  ScalingLimited\s+False\s+DesiredWithinRange\s+the desired count is within the acceptable )"
                  R"(range\n)"))
      << d;
  EXPECT_FALSE(has(R"(SuccessfulRescale)")) << d;
  EXPECT_EQ(autoscaler->Output().find("scaled steady"), std::string::npos) << autoscaler->Output();
  std::cout << "utilizations seen: " << utilizations.size() << " distinct values over " << kWatchSeconds
            << " s\ntimeline:\n"
            << timeline.str();
}

}  // namespace
}  // namespace e2e
