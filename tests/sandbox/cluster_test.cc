#include "sandbox/cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ClusterTest, ManualClockDrivesPodsAndKubelets) {
  TimePoint now = TimePoint(seconds(1'760'000'000));
  ClusterOptions options;
  options.nodes = 4;
  options.pods_per_node = 3;
  options.replicas_per_workload = 6;
  options.address_block = -1;
  options.start_apiserver = false;
  options.clock = [&now] { return now; };
  options.workload.creation_delay = seconds(1);
  options.workload.start_delay = seconds(1);
  options.workload.readiness_delay = seconds(1);
  options.kubelet_render_interval = milliseconds(0);
  auto cluster = Cluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  Cluster& c = **cluster;

  ASSERT_EQ(c.nodes().size(), 4u);
  std::set<std::string> addresses;
  for (const KubeletNode& n : c.nodes()) addresses.insert(n.address);
  EXPECT_EQ(addresses.size(), 4u);
  EXPECT_EQ(c.nodes()[1].address, NodeAddress(c.address_block(), 1));
  EXPECT_EQ(c.store().List({"", "v1", "nodes"}, "").items.size(), 4u);
  EXPECT_EQ(c.store().List({"apps", "v1", "deployments"}, "default").items.size(), 2u);

  now += seconds(3);
  c.Sync();
  EXPECT_EQ(c.load().ReadyPods("default", "load-0000", now), 6);
  EXPECT_EQ(c.load().ReadyPods("default", "load-0001", now), 6);
  EXPECT_TRUE(c.WaitForReady(milliseconds(0)).ok());
  // Pods spread evenly; each kubelet reports its own three.
  for (const KubeletNode& n : c.nodes()) {
    auto sample = c.load().SampleNode(n.name, now);
    ASSERT_TRUE(sample.ok());
    EXPECT_EQ(sample->pods.size(), 3u) << n.name;
    auto body = c.kubelets().Body(n.name);
    ASSERT_TRUE(body.ok());
    EXPECT_NE((*body)->find("pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"load-0000-"), std::string::npos);
  }
  // 100m per pod once all are Ready: what a scraper sees over the next 10 s.
  TimePoint t1 = now;
  now += seconds(10);
  auto pods = c.store().List({"", "v1", "pods"}, "default").items;
  ASSERT_EQ(pods.size(), 12u);
  auto usage = c.load().ExpectedPodCpuCores("default", pods[0].name, t1, now);
  ASSERT_TRUE(usage.ok());
  EXPECT_DOUBLE_EQ(*usage, 0.1);
  c.Stop();
}

TEST(ClusterTest, RejectsBadOptions) {
  ClusterOptions options;
  options.nodes = -1;
  EXPECT_FALSE(Cluster::Start(options).ok());
}

// Runs a command, returns its stdout (and whether it exited 0).
std::pair<bool, std::string> RunCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {false, ""};
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int status = pclose(pipe);
  return {status == 0, out};
}

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

TEST(ClusterKubectlTest, GetNodesGetPodsAndScale) {
  if (!std::filesystem::exists(KUBECTL_PATH)) GTEST_SKIP() << "no kubectl";
  std::string dir = std::filesystem::temp_directory_path() / ("kma-sandbox-test-" + std::to_string(getpid()));
  ClusterOptions options;
  options.nodes = 3;
  options.pods_per_node = 2;
  options.replicas_per_workload = 6;
  options.address_block = -1;
  options.cert_dir = dir;
  options.workload.creation_delay = milliseconds(0);
  options.workload.start_delay = milliseconds(50);
  options.workload.readiness_delay = milliseconds(50);
  auto cluster = Cluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.error().message;
  Cluster& c = **cluster;
  ASSERT_TRUE(c.WaitForReady(seconds(15)).ok());
  const std::string kubectl = std::string(KUBECTL_PATH) + " --kubeconfig " + c.kubeconfig_path() + " ";

  auto [nodes_ok, nodes] = RunCommand(kubectl + "get nodes");
  ASSERT_TRUE(nodes_ok) << nodes;
  EXPECT_NE(nodes.find("node-0000"), std::string::npos) << nodes;
  EXPECT_NE(nodes.find("node-0002"), std::string::npos) << nodes;
  EXPECT_NE(nodes.find("Ready"), std::string::npos) << nodes;

  auto [pods_ok, pods] = RunCommand(kubectl + "get pods");
  ASSERT_TRUE(pods_ok) << pods;
  EXPECT_EQ(CountLines(pods, "load-0000-"), 6) << pods;
  EXPECT_EQ(CountLines(pods, "Running"), 6) << pods;

  auto [scale_ok, scaled] = RunCommand(kubectl + "scale deployment load-0000 --replicas=9");
  ASSERT_TRUE(scale_ok) << scaled;
  EXPECT_NE(scaled.find("scaled"), std::string::npos) << scaled;
  ASSERT_TRUE(c.WaitForReady(seconds(15)).ok());
  auto [after_ok, after] = RunCommand(kubectl + "get pods -o name");
  ASSERT_TRUE(after_ok) << after;
  EXPECT_EQ(CountLines(after, "pod/load-0000-"), 9) << after;
  EXPECT_EQ(c.load().ReadyPods("default", "load-0000", c.Now()), 9);
  c.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sandbox
