// The whole loop: sandbox load -> kubelets -> metrics-server -> (gRPC stream) -> autoscaler -> /scale -> sandbox.
// A Deployment with a 30m CPU request under `kubectl autoscale --cpu-percent=10` sees a calm load, a step up
// and a drop; the replicas follow, kubectl get/describe hpa read like upstream's, and the scale-down waits for
// the downscale stabilization window.

#include <functional>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::seconds;

// Scenario time (seconds since the sandbox started) of the load changes.
constexpr double kStepUpAt = 25;
constexpr double kDropAt = 45;
// 2m on one pod is 6.7% of its 30m request (target 10%); 24m is 80%, which needs 8 pods; then 2m again.
constexpr char kScenario[] = R"({
  "workloads": [
    {"kind": "Deployment", "namespace": "default", "name": "demo", "replicas": 1,
     "containers": [{"name": "app", "cpu": "30m", "memory": "32Mi"}],
     "load": "2m for 25s, 24m for 20s, 2m"}
  ]
})";
constexpr double kStabilizationSeconds = 10;

struct Sample {
  double t = 0;                          // scenario seconds
  std::optional<int> utilization;        // status.currentMetrics[0] averageUtilization
  std::optional<int> current_replicas;   // status.currentReplicas
  std::optional<int> desired_replicas;   // status.desiredReplicas
  std::optional<int> spec_replicas;      // the Deployment's spec.replicas
  std::string Describe() const {
    auto s = [](const std::optional<int>& v) { return v ? std::to_string(*v) : std::string("-"); };
    std::ostringstream out;
    out << "t=" << t << "s util=" << s(utilization) << "% current=" << s(current_replicas)
        << " desired=" << s(desired_replicas) << " deployment.spec.replicas=" << s(spec_replicas);
    return out.str();
  }
};

std::optional<int> ToInt(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (end == nullptr || *end != 0) return std::nullopt;
  return static_cast<int>(v);
}

class AutoscalingE2eTest : public E2eTest {
 protected:
  Sample Observe() {
    Sample sample;
    auto hpa = JsonPath({"hpa", "demo"},
                        "{.status.currentMetrics[0].resource.current.averageUtilization},{.status.currentReplicas},"
                        "{.status.desiredReplicas}");
    std::vector<std::string> parts;
    std::stringstream in(hpa);
    for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
    if (parts.size() >= 1) sample.utilization = ToInt(parts[0]);
    if (parts.size() >= 2) sample.current_replicas = ToInt(parts[1]);
    if (parts.size() >= 3) sample.desired_replicas = ToInt(parts[2]);
    sample.spec_replicas = ToInt(JsonPath({"deployment", "demo"}, "{.spec.replicas}"));
    sample.t = ScenarioSeconds();
    timeline_.push_back(sample);
    return sample;
  }

  // Samples every second until `done` holds for a sample or scenario time `until` passes.
  std::optional<Sample> ObserveUntil(double until, const std::function<bool(const Sample&)>& done) {
    while (true) {
      Sample s = Observe();
      if (done(s)) return s;
      if (s.t >= until) return std::nullopt;
      std::this_thread::sleep_for(seconds(1));
    }
  }

  std::string Timeline() const {
    std::string out = "timeline:\n";
    for (const Sample& s : timeline_) out += "  " + s.Describe() + "\n";
    return out;
  }

  std::vector<Sample> timeline_;
};

TEST_F(AutoscalingE2eTest, ReplicasFollowTheLoadAndKubectlShowsUpstreamLookingStatus) {
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 3, .address_block = 177}));
  ASSERT_TRUE(StartMetricsServer({.grpc = true}));
  ASSERT_TRUE(RegisterApiService());
  ASSERT_TRUE(WaitForNodeMetrics());
  ASSERT_NE(StartAutoscaler({.use_stream = true}), nullptr);

  {
    auto r = kubectl().Run({"autoscale", "deployment", "demo", "--cpu-percent=10", "--min=1", "--max=10"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, "horizontalpodautoscaler.autoscaling/demo autoscaled\n");
  }

  // Calm: the HPA measures ~7% and keeps one replica.
  auto calm = ObserveUntil(kStepUpAt - 1, [](const Sample& s) { return s.utilization.has_value(); });
  ASSERT_TRUE(calm) << "no utilization in the HPA status before the load step (setup too slow, or no metrics)\n"
                    << Timeline();
  EXPECT_GE(*calm->utilization, 5) << Timeline();
  EXPECT_LE(*calm->utilization, 8) << Timeline();
  // Until the step, nothing scales.
  ObserveUntil(kStepUpAt - 1, [](const Sample&) { return false; });
  for (const Sample& s : timeline_) EXPECT_EQ(s.spec_replicas, 1) << Timeline();

  // Step up to 24m: the replicas rise.
  auto scaled = ObserveUntil(kDropAt - 2, [](const Sample& s) { return s.spec_replicas.value_or(0) > 1; });
  ASSERT_TRUE(scaled) << "no scale-up after the load step\n" << Timeline();
  ObserveUntil(kDropAt - 4, [](const Sample&) { return false; });
  const Sample high = timeline_.back();
  ASSERT_TRUE(high.spec_replicas);
  EXPECT_GE(*high.spec_replicas, 3) << Timeline();
  EXPECT_LE(*high.spec_replicas, 10) << Timeline();

  // kubectl get hpa, while busy.
  {
    auto r = kubectl().Run({"get", "hpa", "demo"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    EXPECT_EQ(table.header(),
              (std::vector<std::string>{"NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"}))
        << r.out;
    ASSERT_EQ(table.size(), 1u) << r.out;
    EXPECT_EQ(table.Cell(0, "REFERENCE"), "Deployment/demo");
    EXPECT_TRUE(std::regex_match(table.Cell(0, "TARGETS").value_or(""), std::regex(R"(cpu: \d+%/10%)"))) << r.out;
    EXPECT_EQ(table.Cell(0, "MINPODS"), "1");
    EXPECT_EQ(table.Cell(0, "MAXPODS"), "10");
    auto replicas = ToInt(table.Cell(0, "REPLICAS").value_or(""));
    EXPECT_TRUE(replicas && *replicas > 1) << r.out;
  }

  // kubectl describe hpa, while busy: metrics line, replica counts, the three conditions, the rescale event.
  {
    auto r = kubectl().Run({"describe", "hpa", "demo"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    const std::string& d = r.out;
    auto has = [&d](const char* pattern) { return std::regex_search(d, std::regex(pattern)); };
    EXPECT_TRUE(has(R"(\nReference:\s+Deployment/demo\n)")) << d;
    EXPECT_TRUE(has(R"(resource cpu on pods  \(as a percentage of request\):\s+\d+% \(\d+m?\) / 10%)")) << d;
    EXPECT_TRUE(has(R"(\nMin replicas:\s+1\n)")) << d;
    EXPECT_TRUE(has(R"(\nMax replicas:\s+10\n)")) << d;
    EXPECT_TRUE(has(R"(\nDeployment pods:\s+\d+ current / \d+ desired\n)")) << d;
    EXPECT_TRUE(has(R"(\n  Type\s+Status\s+Reason\s+Message\n)")) << d;
    EXPECT_TRUE(has(R"(\n  AbleToScale\s+True\s+(ReadyForNewScale|SucceededRescale|ScaleDownStabilized)\s+\S)")) << d;
    EXPECT_TRUE(has(R"(\n  ScalingActive\s+True\s+ValidMetricFound\s+the HPA was able to successfully calculate a )"
                    R"(replica count from cpu resource utilization \(percentage of request\))"))
        << d;
    EXPECT_TRUE(has(R"(\n  ScalingLimited\s+(True|False)\s+(DesiredWithinRange|TooFewReplicas|TooManyReplicas|)"
                    R"(ScaleUpLimit|ScaleDownLimit)\s+\S)"))
        << d;
    EXPECT_TRUE(has(R"(Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+New size: \d+; reason: cpu )"
                    R"(resource utilization \(percentage of request\) above target)"))
        << d;
  }

  // The drop: the HPA sees the low utilization at once, but scales down only once the stabilization window has
  // passed over every high recommendation.
  auto low = ObserveUntil(kDropAt + 25, [](const Sample& s) { return s.t > kDropAt && s.utilization.value_or(100) < 10; });
  ASSERT_TRUE(low) << "the HPA never reported the lower utilization after the drop\n" << Timeline();
  const int peak = *high.spec_replicas;
  EXPECT_EQ(low->spec_replicas, peak) << "scaled down at the first low sample\n" << Timeline();
  auto down = ObserveUntil(low->t + 30, [peak](const Sample& s) { return s.spec_replicas.value_or(peak) < peak; });
  ASSERT_TRUE(down) << "no scale-down after the drop\n" << Timeline();
  // The last high recommendation was at most one sync (2s) before the first low one, and the window is 10s.
  EXPECT_GE(down->t - low->t, kStabilizationSeconds - 5)
      << "scaled down before the stabilization window passed\n" << Timeline();
  auto one = ObserveUntil(down->t + 20, [](const Sample& s) { return s.spec_replicas == 1; });
  EXPECT_TRUE(one) << "did not return to 1 replica\n" << Timeline();

  {
    auto r = kubectl().Run({"describe", "hpa", "demo"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+)"
                                                    R"(New size: \d+; reason: All metrics below target)")))
        << r.out;
  }
  std::cout << Timeline();  // for whoever reads the test log: how the replicas followed the load
}

}  // namespace
}  // namespace e2e
