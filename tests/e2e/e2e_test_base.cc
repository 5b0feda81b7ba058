#include "tests/e2e/e2e_test_base.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/duration.h"
#include "kube/quantity.h"
#include "tests/e2e/harness/ports.h"

#ifndef KMA_SANDBOX_BIN
#error "KMA_SANDBOX_BIN must be defined"
#endif
#ifndef KMA_METRICS_SERVER_BIN
#error "KMA_METRICS_SERVER_BIN must be defined"
#endif
#ifndef KMA_AUTOSCALER_BIN
#error "KMA_AUTOSCALER_BIN must be defined"
#endif
#ifndef KMA_KUBECTL
#define KMA_KUBECTL "/usr/bin/kubectl"
#endif

namespace e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kApiService[] = R"(apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  group: metrics.k8s.io
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
  service: {name: metrics-server, namespace: kube-system, port: 443}
)";

std::string KubectlBinary() {
  if (const char* override_path = std::getenv("KMA_E2E_KUBECTL"); override_path != nullptr && *override_path != 0) {
    return override_path;
  }
  return KMA_KUBECTL;
}

bool WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

std::string TestDirName() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info == nullptr ? "test" : std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  return name;
}

}  // namespace

void E2eTest::SetUp() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/kma-e2e-" + TestDirName() + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  ASSERT_NE(mkdtemp(buffer.data()), nullptr) << "mkdtemp " << pattern;
  dir_ = buffer.data();
  kubeconfig_ = dir_ + "/certs/kubeconfig";
  kubectl_ = std::make_unique<Kubectl>(KubectlBinary(), kubeconfig_, dir_ + "/kubectl-cache");
  if (access(KubectlBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "kubectl not found at " << KubectlBinary();
}

void E2eTest::TearDown() {
  std::vector<Subprocess*> all;
  for (auto& a : autoscalers_) all.push_back(a.get());
  all.push_back(metrics_server_.get());
  all.push_back(sandbox_.get());
  // A server that exited on its own during the test crashed or gave up: that is a failure whatever was asserted.
  for (Subprocess* p : all) {
    if (p != nullptr && !p->stop_requested() && !p->Running()) {
      ADD_FAILURE() << p->name() << " exited during the test (" << p->DescribeExit() << ")";
    }
  }
  // Clients before servers, so nothing logs errors about vanished servers. Each must shut down cleanly on SIGTERM.
  for (Subprocess* p : all) {
    if (p == nullptr || p->stop_requested()) continue;
    const int status = p->Stop();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ADD_FAILURE() << p->name() << " did not exit cleanly on SIGTERM (" << p->DescribeExit() << ")";
    }
  }
  const bool failed = HasFailure();
  if (failed) {
    std::cerr << "\n===== end-to-end test failed; process logs (last lines) =====\n" << LogTails(60)
              << "===== all files kept in " << dir_ << " =====\n";
  }
  autoscalers_.clear();
  metrics_server_.reset();
  sandbox_.reset();
  const char* keep = std::getenv("KMA_E2E_KEEP");
  if (!failed && (keep == nullptr || *keep == 0) && !dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

double E2eTest::ScenarioSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - sandbox_spawned_at_).count();
}

std::string E2eTest::LogTails(size_t lines) {
  std::string out;
  auto add = [&](Subprocess* p) {
    if (p == nullptr) return;
    p->Running();  // refresh the exit status
    out += "----- " + p->name() + " (pid " + std::to_string(p->pid()) + ", " + p->DescribeExit() + ", " +
           p->log_path() + ") -----\n" + p->LogTail(lines) + "\n";
  };
  add(sandbox_.get());
  add(metrics_server_.get());
  for (const auto& a : autoscalers_) add(a.get());
  return out;
}

::testing::AssertionResult E2eTest::SpawnSandbox(const SandboxConfig& config, int block,
                                                 const std::string& scenario_path) {
  std::vector<std::string> argv = {KMA_SANDBOX_BIN,
                                   "--nodes", std::to_string(config.nodes),
                                   "--cert-dir", dir_ + "/certs",
                                   "--address-block", std::to_string(block),
                                   "--creation-delay", config.creation_delay,
                                   "--start-delay", config.start_delay,
                                   "--readiness-delay", config.readiness_delay,
                                   "--service-endpoint",
                                   "kube-system/metrics-server=127.0.0.1:" + std::to_string(metrics_server_port_)};
  if (!scenario_path.empty()) {
    argv.push_back("--scenario");
    argv.push_back(scenario_path);
  }
  argv.insert(argv.end(), config.extra_args.begin(), config.extra_args.end());
  auto spawned = Subprocess::Spawn({.argv = argv, .log_path = dir_ + "/sandbox.log"});
  if (!spawned.ok()) return ::testing::AssertionFailure() << spawned.error().message;
  sandbox_ = std::move(*spawned);
  sandbox_spawned_at_ = std::chrono::steady_clock::now();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult E2eTest::StartSandbox(const SandboxConfig& config) {
  if (sandbox_) return ::testing::AssertionFailure() << "sandbox already started";
  // The metrics-server port is fixed now: the sandbox's aggregator needs it at start.
  auto port = PickFreePort();
  if (!port.ok()) return ::testing::AssertionFailure() << port.error().message;
  metrics_server_port_ = *port;
  std::string scenario_path;
  if (!config.scenario_json.empty()) {
    scenario_path = dir_ + "/scenario.json";
    if (!WriteFile(scenario_path, config.scenario_json)) return ::testing::AssertionFailure() << "cannot write scenario";
  }
  std::string attempts;
  for (int attempt = 0; attempt < 4; ++attempt) {
    // A block another test suite picked at random makes binding fail; move up by a prime stride.
    const int block = (config.address_block + attempt * 37) % 250 + 1;
    auto spawned = SpawnSandbox(config, block, scenario_path);
    if (!spawned) return spawned;
    std::string last;
    auto ready = WaitUntil(seconds(30), milliseconds(200), [&](std::string* seen) {
      if (!sandbox_->Running()) return true;  // decided below
      if (access(kubeconfig_.c_str(), R_OK) != 0) {
        *seen = "no kubeconfig yet at " + kubeconfig_;
        return false;
      }
      auto r = kubectl_->Run({"get", "--raw", "/readyz"}, "", seconds(5));
      *seen = r.Describe();
      return r.exit_code == 0;
    });
    if (sandbox_->Running() && ready.ok) return ::testing::AssertionSuccess();
    if (sandbox_->Running()) {
      return ::testing::AssertionFailure() << "sandbox API server not ready after 30s; last probe:\n"
                                           << ready.last_observation << "\n" << LogTails();
    }
    const std::string log = sandbox_->Output();
    attempts += "--- attempt with --address-block " + std::to_string(block) + " (" + sandbox_->DescribeExit() +
                "):\n" + TailLines(log, 15) + "\n";
    // Only an address clash is worth another block; a flag error or a crash would repeat.
    const bool bind_problem = log.find("ddress already in use") != std::string::npos ||
                              log.find("bind") != std::string::npos;
    if (!bind_problem) break;
    std::error_code ignored;
    std::filesystem::remove_all(dir_ + "/certs", ignored);
  }
  return ::testing::AssertionFailure() << "kma-sandbox exited at start:\n" << attempts;
}

::testing::AssertionResult E2eTest::StartMetricsServer(const MetricsServerConfig& config) {
  if (!sandbox_) return ::testing::AssertionFailure() << "start the sandbox first";
  if (metrics_server_) metrics_server_->Stop();  // a restart: same ports, so the aggregator and streams find it
  if (config.grpc && grpc_port_ == 0) {
    auto port = PickFreePort();
    if (!port.ok()) return ::testing::AssertionFailure() << port.error().message;
    grpc_port_ = *port;
  }
  const std::string certs = dir_ + "/certs";
  std::vector<std::string> argv = {KMA_METRICS_SERVER_BIN,
                                   "--kubeconfig", kubeconfig_,
                                   "--secure-port", std::to_string(metrics_server_port_),
                                   "--bind-address", "127.0.0.1",
                                   "--cert-dir", dir_ + "/metrics-server-certs",
                                   "--metric-resolution", config.metric_resolution,
                                   "--kubelet-preferred-address-types", "InternalIP",
                                   "--kubelet-certificate-authority", certs + "/kubelet-ca.crt",
                                   "--kubelet-client-certificate", certs + "/kubelet-client.crt",
                                   "--kubelet-client-key", certs + "/kubelet-client.key",
                                   "--kubelet-request-timeout", "2s"};
  if (config.grpc) {
    argv.insert(argv.end(), {"--grpc-port", std::to_string(grpc_port_), "--grpc-bind-address", "127.0.0.1"});
  }
  argv.insert(argv.end(), config.extra_args.begin(), config.extra_args.end());
  auto spawned = Subprocess::Spawn({.argv = argv, .log_path = dir_ + "/metrics-server.log"});
  if (!spawned.ok()) return ::testing::AssertionFailure() << spawned.error().message;
  metrics_server_ = std::move(*spawned);
  // Serving means the certificate exists and the port answers; /livez needs no credentials.
  auto up = WaitUntil(seconds(20), milliseconds(200), [&](std::string* seen) {
    if (!metrics_server_->Running()) return true;
    auto r = RunCommand({.argv = {"/usr/bin/curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                                  "https://127.0.0.1:" + std::to_string(metrics_server_port_) + "/livez"},
                         .timeout = seconds(5)});
    if (!r.ok()) {
      *seen = r.error().message;
      return false;
    }
    *seen = r->Describe();
    return r->out == "200";
  });
  if (!metrics_server_->Running()) {
    return ::testing::AssertionFailure() << "metrics-server exited at start:\n" << LogTails();
  }
  if (!up.ok) {
    return ::testing::AssertionFailure() << "metrics-server /livez not 200 after 20s; last probe:\n"
                                         << up.last_observation << "\n" << LogTails();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult E2eTest::RegisterApiService(std::chrono::milliseconds timeout) {
  // --validate=false: kubectl's client-side validation reads /openapi/v2 as protobuf, which the sandbox serves
  // only as JSON (kubectl then fails with "proto: cannot parse invalid wire-format data").
  auto applied = kubectl_->Run({"apply", "--validate=false", "-f", "-"}, kApiService);
  if (applied.exit_code != 0) return ::testing::AssertionFailure() << applied.Describe();
  auto available = WaitUntil(timeout, milliseconds(500), [&](std::string* seen) {
    auto r = kubectl_->Run({"get", "apiservice", "v1beta1.metrics.k8s.io", "-o",
                            R"(jsonpath={.status.conditions[?(@.type=="Available")].status})"});
    *seen = r.Describe();
    return r.exit_code == 0 && r.out == "True";
  });
  if (!available.ok) {
    auto full = kubectl_->Run({"get", "apiservice", "v1beta1.metrics.k8s.io", "-o", "yaml"});
    return ::testing::AssertionFailure() << "APIService v1beta1.metrics.k8s.io not Available after "
                                         << timeout.count() << "ms; last probe:\n"
                                         << available.last_observation << "\n" << full.Describe();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult E2eTest::WaitForNodeMetrics(std::chrono::milliseconds timeout) {
  auto nodes = kubectl_->Run({"get", "nodes", "--no-headers", "-o", "name"});
  const size_t expected = SplitLines(nodes.out).size();
  auto listed = WaitUntil(timeout, seconds(1), [&](std::string* seen) {
    auto r = kubectl_->Run({"top", "node", "--no-headers"});
    *seen = r.Describe();
    return r.exit_code == 0 && expected > 0 && SplitLines(r.out).size() == expected;
  });
  if (!listed.ok) {
    return ::testing::AssertionFailure() << "kubectl top node did not list the " << expected << " nodes within "
                                         << timeout.count() << "ms; last try:\n" << listed.last_observation;
  }
  return ::testing::AssertionSuccess();
}

Subprocess* E2eTest::StartAutoscaler(const AutoscalerConfig& config) {
  const int index = process_counter_++;
  std::vector<std::string> argv = {KMA_AUTOSCALER_BIN,
                                   "--kubeconfig", kubeconfig_,
                                   "--secure-port", "0",
                                   "--horizontal-pod-autoscaler-sync-period", config.sync_period,
                                   "--horizontal-pod-autoscaler-downscale-stabilization",
                                   config.downscale_stabilization,
                                   "--leader-elect=" + std::string(config.leader_elect ? "true" : "false")};
  if (config.use_stream) {
    if (grpc_port_ == 0) {
      ADD_FAILURE() << "use_stream needs metrics-server started with grpc";
      return nullptr;
    }
    argv.insert(argv.end(), {"--metrics-server-grpc-address", "127.0.0.1:" + std::to_string(grpc_port_),
                             "--metrics-server-grpc-ca-file", dir_ + "/metrics-server-certs/apiserver.crt"});
  }
  argv.insert(argv.end(), config.extra_args.begin(), config.extra_args.end());
  auto spawned = Subprocess::Spawn(
      {.argv = argv, .log_path = dir_ + "/autoscaler-" + std::to_string(index) + ".log"});
  if (!spawned.ok()) {
    ADD_FAILURE() << spawned.error().message;
    return nullptr;
  }
  autoscalers_.push_back(std::move(*spawned));
  Subprocess* process = autoscalers_.back().get();
  if (auto running = WaitForLog(*process, "autoscaler running", seconds(30)); !running) {
    ADD_FAILURE() << running.message();
    return nullptr;
  }
  return process;
}

::testing::AssertionResult E2eTest::WaitForLog(Subprocess& process, const std::string& text,
                                               std::chrono::milliseconds timeout) {
  bool found = WaitUntil(timeout, milliseconds(200), [&] {
    return process.Output().find(text) != std::string::npos || !process.Running();
  });
  if (found && process.Output().find(text) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << process.name() << " (" << process.DescribeExit() << ") did not log \""
                                       << text << "\" within " << timeout.count() << "ms; its log ends with:\n"
                                       << process.LogTail(30);
}

std::string E2eTest::MustKubectl(const std::vector<std::string>& args, const std::string& stdin_data) {
  auto r = kubectl_->Run(args, stdin_data);
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  return r.out;
}

std::string E2eTest::JsonPath(const std::vector<std::string>& args, const std::string& path) {
  std::vector<std::string> full = {"get"};
  full.insert(full.end(), args.begin(), args.end());
  full.push_back("-o");
  full.push_back("jsonpath=" + path);
  auto r = kubectl_->Run(full);
  return r.exit_code == 0 ? r.out : "";
}

std::map<std::string, std::string> E2eTest::PodNodes() {
  std::map<std::string, std::string> out;
  auto text = JsonPath({"pods", "-A"},
                       R"({range .items[*]}{.metadata.namespace}/{.metadata.name} {.spec.nodeName}{"\n"}{end})");
  for (const auto& line : SplitLines(text)) {
    auto space = line.find(' ');
    if (space != std::string::npos) out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

std::vector<std::string> E2eTest::ReadyPods(const std::string& ns, const std::string& app) {
  auto text = JsonPath({"pods", "-n", ns, "-l", "app=" + app},
                       R"({range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\n"}{end})");
  std::vector<std::string> out;
  for (const auto& line : SplitLines(text)) {
    // "<name> <ready> <deletionTimestamp>": terminating pods are on their way out and not counted.
    std::vector<std::string> tokens;
    for (size_t i = 0; i < line.size();) {
      size_t end = line.find(' ', i);
      if (end == std::string::npos) end = line.size();
      if (end > i) tokens.push_back(line.substr(i, end - i));
      i = end + 1;
    }
    if (tokens.size() == 2 && tokens[1] == "True") out.push_back(tokens[0]);
  }
  return out;
}

std::optional<int64_t> Millicores(const std::string& quantity) {
  auto q = kube::Quantity::Parse(quantity);
  if (!q.ok()) return std::nullopt;
  return q->MilliValue();
}

std::optional<int64_t> Bytes(const std::string& quantity) {
  auto q = kube::Quantity::Parse(quantity);
  if (!q.ok()) return std::nullopt;
  return q->Value();
}

std::optional<int64_t> NanoValue(const std::string& quantity) {
  auto q = kube::Quantity::Parse(quantity);
  if (!q.ok()) return std::nullopt;
  return q->ScaledValue(-9);
}

std::optional<double> GoDurationSeconds(const std::string& text) {
  auto d = common::ParseDuration(text);
  if (!d.ok()) return std::nullopt;
  return std::chrono::duration<double>(*d).count();
}

int64_t RssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace e2e
