#pragma once
// The fixture every end-to-end test derives from: a private temp directory, the real binaries started as child
// processes (kma-sandbox, metrics-server, autoscaler), the real kubectl pointed at the sandbox, and teardown that
// stops everything and, when the test failed, prints the tail of every process log and keeps the directory.
//
//   class MyTest : public e2e::E2eTest {};
//   TEST_F(MyTest, X) {
//     ASSERT_TRUE(StartSandbox({.scenario_json = R"({...})", .address_block = 171}));
//     ASSERT_TRUE(StartMetricsServer());
//     ASSERT_TRUE(RegisterApiService());
//     auto top = kubectl().Run({"top", "node"});
//   }
//
// Binaries come from compile definitions (KMA_SANDBOX_BIN, KMA_METRICS_SERVER_BIN, KMA_AUTOSCALER_BIN, KMA_KUBECTL).

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/harness/kubectl.h"
#include "tests/e2e/harness/subprocess.h"
#include "tests/e2e/harness/wait.h"

namespace e2e {

struct SandboxConfig {
  std::string scenario_json;  // written to <dir>/scenario.json
  int nodes = 3;
  // Second octet of the kubelets' loopback addresses; distinct per test so tests can run in parallel. If the
  // block is taken (the sandbox fails to bind), the next blocks up are tried.
  int address_block = 0;
  std::string creation_delay = "200ms";
  std::string start_delay = "300ms";
  std::string readiness_delay = "500ms";
  std::vector<std::string> extra_args;
};

struct MetricsServerConfig {
  std::string metric_resolution = "3s";
  bool grpc = true;  // serve the pod-metrics stream (for autoscalers with use_stream)
  std::vector<std::string> extra_args;
};

struct AutoscalerConfig {
  bool leader_elect = false;
  bool use_stream = false;  // metrics from metrics-server's gRPC stream instead of metrics.k8s.io
  std::string sync_period = "2s";
  std::string downscale_stabilization = "10s";
  std::vector<std::string> extra_args;
};

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts kma-sandbox and waits until its API server answers /readyz.
  ::testing::AssertionResult StartSandbox(const SandboxConfig& config);
  // Starts metrics-server on a free port (the one the sandbox's aggregator was told about). Called again, it
  // restarts metrics-server on the same ports.
  ::testing::AssertionResult StartMetricsServer(const MetricsServerConfig& config = {});
  // Applies the APIService v1beta1.metrics.k8s.io and waits until it is Available.
  ::testing::AssertionResult RegisterApiService(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits until `kubectl top node` lists every node (two scrapes done, served through the aggregator).
  ::testing::AssertionResult WaitForNodeMetrics(std::chrono::milliseconds timeout = std::chrono::seconds(40));
  // Starts an autoscaler and waits for its "autoscaler running" line. Null (with a test failure) if it fails.
  Subprocess* StartAutoscaler(const AutoscalerConfig& config = {});

  // Waits until `process`'s log contains `text`.
  ::testing::AssertionResult WaitForLog(Subprocess& process, const std::string& text,
                                        std::chrono::milliseconds timeout);

  const Kubectl& kubectl() const { return *kubectl_; }
  // kubectl <args> that must succeed; its stdout (a test failure with the whole exchange otherwise).
  std::string MustKubectl(const std::vector<std::string>& args, const std::string& stdin_data = "");
  // kubectl get -o jsonpath=<path> <args...>; empty on failure.
  std::string JsonPath(const std::vector<std::string>& args, const std::string& path);

  // "namespace/name" -> spec.nodeName of every pod.
  std::map<std::string, std::string> PodNodes();
  // Names of the Ready pods with label app=<app> in `ns`.
  std::vector<std::string> ReadyPods(const std::string& ns, const std::string& app);

  const std::string& dir() const { return dir_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  uint16_t metrics_server_port() const { return metrics_server_port_; }
  Subprocess* sandbox() { return sandbox_.get(); }
  // When the running sandbox was spawned: about time 0 of its scenario's load curves.
  std::chrono::steady_clock::time_point sandbox_spawned_at() const { return sandbox_spawned_at_; }
  // Seconds since then.
  double ScenarioSeconds() const;
  Subprocess* metrics_server() { return metrics_server_.get(); }
  std::vector<std::unique_ptr<Subprocess>>& autoscalers() { return autoscalers_; }

  // Logs of every process, last `lines` lines each, for failure messages.
  std::string LogTails(size_t lines = 40);

 private:
  ::testing::AssertionResult SpawnSandbox(const SandboxConfig& config, int block, const std::string& scenario_path);

  std::string dir_;
  std::string kubeconfig_;
  std::unique_ptr<Kubectl> kubectl_;
  uint16_t metrics_server_port_ = 0;
  uint16_t grpc_port_ = 0;
  std::unique_ptr<Subprocess> sandbox_;
  std::chrono::steady_clock::time_point sandbox_spawned_at_{};
  std::unique_ptr<Subprocess> metrics_server_;
  std::vector<std::unique_ptr<Subprocess>> autoscalers_;
  int process_counter_ = 0;
};

// Helpers for reading what kubectl prints.
// "40m" -> 40, "1.5" -> 1500 (rounded up like kubectl); nullopt when unparsable.
std::optional<int64_t> Millicores(const std::string& quantity);
// "64Mi" -> bytes.
std::optional<int64_t> Bytes(const std::string& quantity);
// A quantity's exact value in nano-units ("40000123n" -> 40000123, "40m" -> 40000000).
std::optional<int64_t> NanoValue(const std::string& quantity);
// "3.004s" / "1m0.5s" -> seconds.
std::optional<double> GoDurationSeconds(const std::string& text);
// VmRSS of a process in KiB (0 if unreadable).
int64_t RssKib(pid_t pid);

}  // namespace e2e
