// metrics.k8s.io through the sandbox's aggregator, read with the real kubectl: every figure kubectl prints must
// match the scenario's constant loads (split evenly over each workload's Ready pods, nodes adding their overhead),
// within the rounding kubectl applies (CPU: rounded up to 1m; memory: rounded down to 1Mi).

#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::seconds;

constexpr int64_t kMi = 1024 * 1024;
constexpr int64_t kNodeOverheadMillicores = 200;
constexpr int64_t kNodeMemoryBase = 1024 * kMi;
constexpr int64_t kPodMemory = 64 * kMi;  // every pod, split evenly over its containers
constexpr int64_t kNodeAllocatableMillicores = 8000;
constexpr int64_t kNodeAllocatableMemory = 32LL * 1024 * kMi;

// web: 120m over 3 pods of 2 containers; api: 300m over 2 pods; cache: 90m on 1 pod.
constexpr char kScenario[] = R"({
  "nodeOverheadMillicores": 200,
  "nodeMemoryBase": "1Gi",
  "podMemory": {"base": "64Mi", "perMillicore": 0},
  "workloads": [
    {"kind": "Deployment", "namespace": "default", "name": "web", "replicas": 3,
     "containers": [{"name": "app", "cpu": "100m", "memory": "64Mi"}, {"name": "sidecar", "cpu": "50m", "memory": "32Mi"}],
     "load": "120m"},
    {"kind": "Deployment", "namespace": "shop", "name": "api", "replicas": 2,
     "containers": [{"name": "api", "cpu": "250m", "memory": "256Mi"}], "load": "300m"},
    {"kind": "StatefulSet", "namespace": "data", "name": "cache", "replicas": 1,
     "containers": [{"name": "redis", "cpu": "200m", "memory": "512Mi"}], "load": "90m"}
  ]
})";

// Expected steady-state CPU of a pod, by its workload (the part of the name before the first '-').
int64_t PodMillicores(const std::string& ns, const std::string& name) {
  if (ns == "default" && name.rfind("web-", 0) == 0) return 40;
  if (ns == "shop" && name.rfind("api-", 0) == 0) return 150;
  if (ns == "data" && name.rfind("cache-", 0) == 0) return 90;
  return -1;
}

// kubectl prints CPU rounded up to whole millicores from a rate computed over counters: for an exact load of X m
// it prints X, or X+1 when the rate came out a hair above X.
bool CpuMatches(std::optional<int64_t> printed, int64_t expected) {
  return printed && (*printed == expected || *printed == expected + 1);
}

class MetricsApiE2eTest : public E2eTest {
 protected:
  // Waits until `kubectl top pod -A` shows the steady figures for all six pods (the first windows may straddle
  // pods becoming Ready, when the split of a workload's load changes).
  ::testing::AssertionResult WaitForSteadyPods() {
    auto steady = WaitUntil(seconds(40), seconds(1), [&](std::string* seen) {
      auto r = kubectl().Run({"top", "pod", "-A"});
      *seen = r.Describe();
      if (r.exit_code != 0) return false;
      auto table = Table::Parse(r.out);
      if (table.size() != 6) return false;
      for (size_t i = 0; i < table.size(); ++i) {
        const int64_t expected = PodMillicores(table.At(i, "NAMESPACE"), table.At(i, "NAME"));
        if (!CpuMatches(Millicores(table.Cell(i, "CPU(cores)").value_or("")), expected)) return false;
      }
      return true;
    });
    if (steady.ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "kubectl top pod -A never showed the scenario's loads; last output:\n"
                                         << steady.last_observation;
  }
};

TEST_F(MetricsApiE2eTest, KubectlTopAndGetShowTheScenarioLoadsThroughTheAggregator) {
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 3, .address_block = 171}));
  ASSERT_TRUE(StartMetricsServer({.grpc = false}));
  ASSERT_TRUE(RegisterApiService());

  // kubectl get apiservice: the table upstream prints, Available with the service it points at.
  {
    auto r = kubectl().Run({"get", "apiservice", "v1beta1.metrics.k8s.io"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    ASSERT_EQ(table.size(), 1u) << r.out;
    EXPECT_EQ(table.Cell(0, "SERVICE"), "kube-system/metrics-server") << r.out;
    EXPECT_EQ(table.Cell(0, "AVAILABLE"), "True") << r.out;
  }

  ASSERT_TRUE(WaitForNodeMetrics());
  ASSERT_TRUE(WaitForSteadyPods());

  // Where each pod runs decides each node's figures.
  auto placement = PodNodes();
  ASSERT_EQ(placement.size(), 6u);
  std::map<std::string, int64_t> node_cpu, node_pods;
  for (const auto& [pod, node] : placement) {
    const auto slash = pod.find('/');
    node_cpu[node] += PodMillicores(pod.substr(0, slash), pod.substr(slash + 1));
    node_pods[node] += 1;
  }
  auto nodes_text = JsonPath({"nodes"}, R"({range .items[*]}{.metadata.name}{"\n"}{end})");
  const auto node_names = SplitLines(nodes_text);
  ASSERT_EQ(node_names.size(), 3u);
  auto expected_node_cpu = [&](const std::string& node) { return kNodeOverheadMillicores + node_cpu[node]; };
  auto expected_node_memory = [&](const std::string& node) { return kNodeMemoryBase + node_pods[node] * kPodMemory; };

  // kubectl top node
  {
    auto r = kubectl().Run({"top", "node"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    EXPECT_EQ(table.header(), (std::vector<std::string>{"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"}));
    ASSERT_EQ(table.size(), 3u) << r.out;
    for (const std::string& node : node_names) {
      auto row = table.Find("NAME", node);
      ASSERT_TRUE(row) << node << " missing:\n" << r.out;
      auto cpu = Millicores(table.At(*row, "CPU(cores)"));
      EXPECT_TRUE(CpuMatches(cpu, expected_node_cpu(node)))
          << node << ": expected " << expected_node_cpu(node) << "m\n" << r.out;
      // kubectl's percentages: integer division of the printed figure by the allocatable amount.
      if (cpu) {
        EXPECT_EQ(table.Cell(*row, "CPU(%)"), std::to_string(*cpu * 100 / kNodeAllocatableMillicores) + "%") << r.out;
      }
      EXPECT_EQ(table.Cell(*row, "MEMORY(bytes)"), std::to_string(expected_node_memory(node) / kMi) + "Mi") << r.out;
      EXPECT_EQ(table.Cell(*row, "MEMORY(%)"),
                std::to_string(expected_node_memory(node) * 100 / kNodeAllocatableMemory) + "%") << r.out;
    }
  }

  // kubectl top node --sort-by=cpu: the same rows, busiest first.
  {
    auto r = kubectl().Run({"top", "node", "--sort-by=cpu"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    ASSERT_EQ(table.size(), 3u) << r.out;
    std::vector<int64_t> cpus;
    for (size_t i = 0; i < table.size(); ++i) cpus.push_back(Millicores(table.At(i, "CPU(cores)")).value_or(-1));
    EXPECT_TRUE(std::is_sorted(cpus.rbegin(), cpus.rend())) << r.out;
    std::vector<int64_t> expected;
    for (const auto& node : node_names) expected.push_back(expected_node_cpu(node));
    std::sort(expected.rbegin(), expected.rend());
    for (size_t i = 0; i < cpus.size(); ++i) EXPECT_TRUE(CpuMatches(cpus[i], expected[i])) << r.out;
  }

  // kubectl top pod -A: every pod with its share of its workload's load.
  {
    auto r = kubectl().Run({"top", "pod", "-A"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    EXPECT_EQ(table.header(), (std::vector<std::string>{"NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"}));
    ASSERT_EQ(table.size(), 6u) << r.out;
    std::set<std::string> listed;
    for (size_t i = 0; i < table.size(); ++i) {
      const std::string ns = table.At(i, "NAMESPACE"), name = table.At(i, "NAME");
      listed.insert(ns + "/" + name);
      EXPECT_TRUE(CpuMatches(Millicores(table.At(i, "CPU(cores)")), PodMillicores(ns, name))) << r.out;
      EXPECT_EQ(table.Cell(i, "MEMORY(bytes)"), "64Mi") << r.out;
    }
    std::set<std::string> placed;
    for (const auto& [pod, node] : placement) placed.insert(pod);
    EXPECT_EQ(listed, placed);
  }

  // kubectl top pod --containers (namespace default): both containers of each web pod, half the pod each.
  {
    auto r = kubectl().Run({"top", "pod", "--containers"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    EXPECT_EQ(table.header(), (std::vector<std::string>{"POD", "NAME", "CPU(cores)", "MEMORY(bytes)"}));
    ASSERT_EQ(table.size(), 6u) << r.out;
    std::map<std::string, std::set<std::string>> containers;
    for (size_t i = 0; i < table.size(); ++i) {
      containers[table.At(i, "POD")].insert(table.At(i, "NAME"));
      EXPECT_TRUE(CpuMatches(Millicores(table.At(i, "CPU(cores)")), 20)) << r.out;
      EXPECT_EQ(table.Cell(i, "MEMORY(bytes)"), "32Mi") << r.out;
    }
    EXPECT_EQ(containers.size(), 3u) << r.out;
    for (const auto& [pod, names] : containers) {
      EXPECT_EQ(names, (std::set<std::string>{"app", "sidecar"})) << pod;
    }
  }

  // kubectl top pod -n shop -l app=api: the label selector reaches metrics-server.
  {
    auto r = kubectl().Run({"top", "pod", "-n", "shop", "-l", "app=api"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    EXPECT_EQ(table.header(), (std::vector<std::string>{"NAME", "CPU(cores)", "MEMORY(bytes)"}));
    ASSERT_EQ(table.size(), 2u) << r.out;
    for (size_t i = 0; i < table.size(); ++i) {
      EXPECT_EQ(table.At(i, "NAME").rfind("api-", 0), 0u) << r.out;
      EXPECT_TRUE(CpuMatches(Millicores(table.At(i, "CPU(cores)")), 150)) << r.out;
    }
    // An empty selection: kubectl checks that no pod matches either, then says so.
    auto none = kubectl().Run({"top", "pod", "-l", "app=nothing-has-this"});
    EXPECT_EQ(none.exit_code, 0) << none.Describe();
    EXPECT_EQ(none.out, "") << none.Describe();
    EXPECT_EQ(none.err, "No resources found in default namespace.\n") << none.Describe();
  }

  // kubectl get podmetrics -A: the server-side table with exact quantities and the scrape window.
  {
    auto r = kubectl().Run({"get", "podmetrics", "-A"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto table = Table::Parse(r.out);
    EXPECT_EQ(table.header(), (std::vector<std::string>{"NAMESPACE", "NAME", "CPU", "MEMORY", "WINDOW"}));
    ASSERT_EQ(table.size(), 6u) << r.out;
    for (size_t i = 0; i < table.size(); ++i) {
      const int64_t expected = PodMillicores(table.At(i, "NAMESPACE"), table.At(i, "NAME"));
      auto nanos = NanoValue(table.Cell(i, "CPU").value_or(""));
      ASSERT_TRUE(nanos) << r.out;
      EXPECT_NEAR(static_cast<double>(*nanos), expected * 1e6, 1e6) << r.out;
      EXPECT_EQ(Bytes(table.Cell(i, "MEMORY").value_or("")), kPodMemory) << r.out;
      auto window = GoDurationSeconds(table.Cell(i, "WINDOW").value_or(""));
      ASSERT_TRUE(window) << r.out;
      // The window is the time between the two samples used: about one --metric-resolution (3s).
      EXPECT_GT(*window, 1.0) << r.out;
      EXPECT_LT(*window, 10.0) << r.out;
    }
  }

  // kubectl get --raw: the NodeMetricsList JSON itself.
  {
    auto r = kubectl().Run({"get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    ASSERT_FALSE(doc.HasParseError()) << r.out;
    ASSERT_TRUE(doc.IsObject());
    EXPECT_STREQ(doc["kind"].GetString(), "NodeMetricsList");
    EXPECT_STREQ(doc["apiVersion"].GetString(), "metrics.k8s.io/v1beta1");
    ASSERT_TRUE(doc["items"].IsArray());
    ASSERT_EQ(doc["items"].Size(), 3u) << r.out;
    std::set<std::string> names;
    for (const auto& item : doc["items"].GetArray()) {
      const std::string name = item["metadata"]["name"].GetString();
      names.insert(name);
      ASSERT_TRUE(item.HasMember("timestamp") && item["timestamp"].IsString()) << r.out;
      ASSERT_TRUE(item.HasMember("window") && item["window"].IsString()) << r.out;
      auto nanos = NanoValue(item["usage"]["cpu"].GetString());
      ASSERT_TRUE(nanos) << r.out;
      EXPECT_NEAR(static_cast<double>(*nanos), expected_node_cpu(name) * 1e6, 1e6) << name << "\n" << r.out;
      EXPECT_EQ(Bytes(item["usage"]["memory"].GetString()), expected_node_memory(name)) << name << "\n" << r.out;
      // Labels come from the Node objects, as upstream serves them.
      ASSERT_TRUE(item["metadata"].HasMember("labels")) << r.out;
      EXPECT_STREQ(item["metadata"]["labels"]["kubernetes.io/hostname"].GetString(), name.c_str());
    }
    EXPECT_EQ(names, std::set<std::string>(node_names.begin(), node_names.end()));
  }
}

}  // namespace
}  // namespace e2e
