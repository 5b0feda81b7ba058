// kubectl scale through the sandbox's /scale subresource, and metrics-server following the pods that come and go:
// a workload's constant load is split over however many pods are Ready, so the per-pod figures move with the
// replica count.

#include <regex>
#include <set>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::seconds;

constexpr char kScenario[] = R"({
  "podMemory": {"base": "64Mi", "perMillicore": 0},
  "workloads": [
    {"kind": "Deployment", "namespace": "default", "name": "web", "replicas": 2,
     "containers": [{"name": "app", "cpu": "100m", "memory": "64Mi"}], "load": "120m"}
  ]
})";

class ScaleE2eTest : public E2eTest {
 protected:
  // Waits until `kubectl top pod -l app=web` lists exactly the Ready web pods, `replicas` of them, each with
  // 120m / replicas.
  ::testing::AssertionResult WaitForWebPods(int replicas) {
    const int64_t share = 120 / replicas;
    auto outcome = WaitUntil(seconds(40), seconds(1), [&](std::string* seen) {
      auto ready = ReadyPods("default", "web");
      auto r = kubectl().Run({"top", "pod", "-l", "app=web"});
      *seen = "ready pods: " + std::to_string(ready.size()) + "\n" + r.Describe();
      if (r.exit_code != 0 || static_cast<int>(ready.size()) != replicas) return false;
      auto table = Table::Parse(r.out);
      if (static_cast<int>(table.size()) != replicas) return false;
      std::set<std::string> listed;
      for (size_t i = 0; i < table.size(); ++i) {
        listed.insert(table.At(i, "NAME"));
        auto cpu = Millicores(table.Cell(i, "CPU(cores)").value_or(""));
        if (!cpu || (*cpu != share && *cpu != share + 1)) return false;
      }
      return listed == std::set<std::string>(ready.begin(), ready.end());
    });
    if (outcome.ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "metrics never showed " << replicas << " web pods at " << share
                                         << "m each; last try:\n" << outcome.last_observation;
  }
};

TEST_F(ScaleE2eTest, KubectlScaleChangesPodsAndMetricsServerFollows) {
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 3, .address_block = 173}));
  ASSERT_TRUE(StartMetricsServer({.grpc = false}));
  ASSERT_TRUE(RegisterApiService());
  ASSERT_TRUE(WaitForWebPods(2));

  // Up: kubectl's own message, the new spec, and four pods at 30m.
  {
    auto r = kubectl().Run({"scale", "deployment", "web", "--replicas=4"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, "deployment.apps/web scaled\n");
    EXPECT_EQ(JsonPath({"deployment", "web"}, "{.spec.replicas}"), "4");
    auto scale = kubectl().Run({"get", "--raw", "/apis/apps/v1/namespaces/default/deployments/web/scale"});
    ASSERT_EQ(scale.exit_code, 0) << scale.Describe();
    EXPECT_TRUE(std::regex_search(scale.out, std::regex(R"re("spec"\s*:\s*\{\s*"replicas"\s*:\s*4\s*\})re"))) << scale.out;
  }
  ASSERT_TRUE(WaitForWebPods(4));
  EXPECT_EQ(JsonPath({"deployment", "web"}, "{.status.readyReplicas}"), "4");

  // Down to one: the survivor carries the whole load, the removed pods leave the metrics.
  {
    auto r = kubectl().Run({"scale", "deployment", "web", "--replicas=1"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out, "deployment.apps/web scaled\n");
  }
  ASSERT_TRUE(WaitForWebPods(1));

  // kubectl's precondition: --current-replicas that does not match is refused without changing anything.
  {
    auto r = kubectl().Run({"scale", "deployment", "web", "--current-replicas=3", "--replicas=2"});
    EXPECT_NE(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.err.find("Expected replicas to be 3, was 1"), std::string::npos) << r.Describe();
    EXPECT_EQ(JsonPath({"deployment", "web"}, "{.spec.replicas}"), "1");
  }
}

}  // namespace
}  // namespace e2e
