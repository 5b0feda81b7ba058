// kma-sandbox: runs a simulated cluster (API server, nodes with kubelets, workload controller, load model) until
// SIGINT or SIGTERM, and says where everything is.
//
//   kma-sandbox --nodes 10 --pods-per-node 5 --kubeconfig-out /tmp/x/kubeconfig --cert-dir /tmp/x/certs
//   KUBECONFIG=/tmp/x/kubeconfig kubectl get pods


#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/log.h"
#include "common/signals.h"
#include "common/net/fd_limit.h"
#include "sandbox/apiserver/api_server.h"
#include "sandbox/cluster.h"

namespace {

common::Result<sandbox::Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return common::Error::Make(common::ErrorCode::kNotFound, "cannot read scenario " + path);
  std::stringstream text;
  text << in.rdbuf();
  return sandbox::ParseScenario(text.str());
}

struct ServiceEndpoint {
  std::string namespace_name, name, host;
  uint16_t port = 0;
};

// "kube-system/metrics-server=127.0.0.1:4443": where the aggregator sends requests for that Service.
common::Result<ServiceEndpoint> ParseServiceEndpoint(const std::string& text) {
  auto bad = [&text] {
    return common::Error::Make(common::ErrorCode::kInvalidArgument,
                               "--service-endpoint \"" + text + "\": want NAMESPACE/NAME=HOST:PORT");
  };
  const auto slash = text.find('/');
  const auto equals = text.find('=');
  const auto colon = text.rfind(':');
  if (slash == std::string::npos || equals == std::string::npos || colon == std::string::npos || slash > equals ||
      colon < equals) {
    return bad();
  }
  ServiceEndpoint e{text.substr(0, slash), text.substr(slash + 1, equals - slash - 1),
                    text.substr(equals + 1, colon - equals - 1), 0};
  int port = 0;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (...) {
    return bad();
  }
  if (e.namespace_name.empty() || e.name.empty() || e.host.empty() || port <= 0 || port > 65535) return bad();
  e.port = static_cast<uint16_t>(port);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  common::CommandLine cli("kma-sandbox", "Runs a local simulated Kubernetes cluster for the demo and tests.");
  sandbox::ClusterOptions options;
  options.workload.start_delay = std::chrono::milliseconds(1000);
  options.workload.readiness_delay = std::chrono::milliseconds(3000);
  std::string scenario_path;
  std::string kubeconfig_out;
  std::chrono::nanoseconds creation_delay = options.workload.creation_delay;
  std::chrono::nanoseconds start_delay = options.workload.start_delay;
  std::chrono::nanoseconds readiness_delay = options.workload.readiness_delay;
  std::chrono::nanoseconds render_interval = options.kubelet_render_interval;
  int kubelet_port = options.kubelet_port;
  int apiserver_port = 0;
  std::vector<std::string> service_endpoints;
  std::vector<std::string> kubelet_faults;
  std::vector<std::string> apiserver_faults;
  CLI::App& app = cli.app();
  app.add_option("--service-endpoint", service_endpoints,
                 "NAMESPACE/NAME=HOST:PORT: the endpoint of a Service an APIService points at (the aggregator "
                 "proxies to it). Repeatable.");
  app.add_option("--kubelet-fault", kubelet_faults,
                 "NODE=FAULT: make one simulated kubelet misbehave (FAULT: slow[:MS], 500, garbage, huge[:BYTES], "
                 "truncated, 401, close). Repeatable.");
  app.add_option("--apiserver-fault", apiserver_faults,
                 "FAULT [KEY=VALUE...]: make the API server misbehave from the start (FAULT: 5xx, 429[:SECONDS], "
                 "drop-watches[:DURATION], down; keys: resource, verb, user, ratio, for). Repeatable. At run time: "
                 "kubectl create --raw /sandbox/faults -f FILE (one per line), kubectl get --raw /sandbox/faults, "
                 "kubectl delete --raw /sandbox/faults.");
  std::vector<std::string> wrong_cert_nodes;
  app.add_option("--kubelet-wrong-cert", wrong_cert_nodes,
                 "NODE: serve that node's kubelet with a certificate from another CA (clients verifying with the "
                 "kubelet CA must refuse it). Repeatable.");
  app.add_option("--nodes", options.nodes, "Number of simulated nodes (and kubelets).")->capture_default_str();
  app.add_option("--pods-per-node", options.pods_per_node, "Pods per node in the initial load-NNNN Deployments.")
      ->capture_default_str();
  app.add_option("--replicas-per-workload", options.replicas_per_workload, "Replicas of each initial Deployment.")
      ->capture_default_str();
  app.add_option("--millicores-per-pod", options.millicores_per_pod, "CPU load per pod of the initial Deployments.")
      ->capture_default_str();
  app.add_option("--scenario", scenario_path, "JSON scenario: extra workloads and their load curves.");
  app.add_option("--kubeconfig-out", kubeconfig_out, "Where to write the admin kubeconfig.");
  app.add_option("--cert-dir", options.cert_dir, "Where to write kubelet and API server credentials.");
  app.add_option("--address-block", options.address_block,
                 "Second octet of the kubelets' addresses 127.<block>.x.y (-1: pick a free one).")
      ->capture_default_str();
  app.add_option("--kubelet-port", kubelet_port, "Port of every simulated kubelet.")->capture_default_str();
  app.add_option("--apiserver-port", apiserver_port, "API server port on 127.0.0.1 (0: any free port).")
      ->capture_default_str();
  common::AddBoolFlag(app, "--hostname-address-is-ip", &options.hostname_address_is_ip,
                      "Report each node's loopback address as its Hostname address too.");
  common::AddDurationFlag(app, "--creation-delay", &creation_delay, "Delay before pods are created or deleted.");
  common::AddDurationFlag(app, "--start-delay", &start_delay, "Delay from pod creation to Running.");
  common::AddDurationFlag(app, "--readiness-delay", &readiness_delay, "Delay from Running to Ready.");
  common::AddDurationFlag(app, "--kubelet-render-interval", &render_interval,
                          "How long a kubelet serves the same /metrics/resource body.");
  if (auto exit_code = cli.Parse(argc, argv)) return *exit_code;

  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  options.workload.creation_delay = duration_cast<milliseconds>(creation_delay);
  options.workload.start_delay = duration_cast<milliseconds>(start_delay);
  options.workload.readiness_delay = duration_cast<milliseconds>(readiness_delay);
  options.kubelet_render_interval = duration_cast<milliseconds>(render_interval);
  if (kubelet_port <= 0 || kubelet_port > 65535 || apiserver_port < 0 || apiserver_port > 65535) {
    LOG_ERROR("--kubelet-port and --apiserver-port must be valid port numbers");
    return common::kBadFlagsExitCode;
  }
  options.kubelet_port = static_cast<uint16_t>(kubelet_port);
  options.apiserver_port = static_cast<uint16_t>(apiserver_port);
  options.kubeconfig_path = kubeconfig_out;
  if (!scenario_path.empty()) {
    auto scenario = LoadScenario(scenario_path);
    if (!scenario.ok()) {
      LOG_ERROR("invalid --scenario: {}", scenario.error().message);
      return common::kBadFlagsExitCode;
    }
    options.scenario = std::move(scenario).value();
  }

  std::vector<std::pair<std::string, sandbox::KubeletFault>> faults;
  for (const auto& text : kubelet_faults) {
    auto eq = text.find('=');
    auto fault = eq == std::string::npos ? common::Result<sandbox::KubeletFault>(common::Error::Make(
                                               common::ErrorCode::kInvalidArgument, "expected NODE=FAULT"))
                                         : sandbox::ParseKubeletFault(std::string_view(text).substr(eq + 1));
    if (!fault.ok()) {
      LOG_ERROR("invalid --kubelet-fault \"{}\": {}", text, fault.error().message);
      return common::kBadFlagsExitCode;
    }
    faults.emplace_back(text.substr(0, eq), *fault);
  }

  std::vector<sandbox::ApiFault> api_faults;
  for (const auto& text : apiserver_faults) {
    auto fault = sandbox::ParseApiFault(text);
    if (!fault.ok()) {
      LOG_ERROR("invalid --apiserver-fault \"{}\": {}", text, fault.error().message);
      return common::kBadFlagsExitCode;
    }
    api_faults.push_back(std::move(*fault));
  }

  for (const auto& node : wrong_cert_nodes) {
    // Node names are node-0000 ... node-(N-1); checked before the fleet starts because the certificate is chosen
    // when its servers are created.
    bool known = false;
    for (int i = 0; i < options.nodes && !known; ++i) known = node == sandbox::NodeName(i);
    if (!known) {
      LOG_ERROR("--kubelet-wrong-cert: no node named {}", node);
      return common::kBadFlagsExitCode;
    }
    options.wrong_cert_nodes.insert(node);
  }

  std::vector<ServiceEndpoint> endpoints;
  for (const auto& text : service_endpoints) {
    auto endpoint = ParseServiceEndpoint(text);
    if (!endpoint.ok()) {
      LOG_ERROR("{}", endpoint.error().message);
      return common::kBadFlagsExitCode;
    }
    endpoints.push_back(*endpoint);
  }

  if (auto limit = net::RaiseOpenFileLimit(); limit.ok() && *limit < static_cast<uint64_t>(options.nodes) + 1024) {
    LOG_WARNING("open file limit {} is low for {} kubelets", *limit, options.nodes);
  }
  common::BlockTerminationSignals();

  auto cluster = sandbox::Cluster::Start(options);
  if (!cluster.ok()) {
    LOG_ERROR("starting the sandbox: {}", cluster.error().message);
    return 1;
  }
  sandbox::Cluster& c = **cluster;
  for (const auto& e : endpoints) {
    if (c.apiserver() == nullptr) break;
    c.apiserver()->RegisterServiceEndpoint(e.namespace_name, e.name, e.host, e.port);
    LOG_INFO("service {}/{} -> {}:{}", e.namespace_name, e.name, e.host, e.port);
  }
  for (const auto& [node, fault] : faults) {
    bool known = false;
    for (const auto& n : c.nodes()) known = known || n.name == node;
    if (!known) {
      LOG_ERROR("--kubelet-fault: no node named {}", node);
      c.Stop();
      return common::kBadFlagsExitCode;
    }
    c.kubelets().SetFault(node, fault);
    LOG_INFO("kubelet fault on {}", node);
  }
  if (!api_faults.empty() && c.apiserver() != nullptr) {
    c.apiserver()->SetFaults(std::move(api_faults));
    LOG_INFO("API server faults:\n{}", c.apiserver()->DescribeFaults());
  }
  const auto& nodes = c.nodes();
  LOG_INFO("API server at {}", c.apiserver_access().server);
  if (!c.kubeconfig_path().empty()) LOG_INFO("kubeconfig: {}  (KUBECONFIG={} kubectl get pods)", c.kubeconfig_path(), c.kubeconfig_path());
  if (!nodes.empty()) {
    LOG_INFO("{} kubelets on {}:{} .. {}:{} (https, GET /metrics/resource)", nodes.size(), nodes.front().address,
             c.kubelet_access().port, nodes.back().address, c.kubelet_access().port);
  }
  if (!c.kubelet_access().ca_file.empty()) {
    LOG_INFO("kubelet CA {}, client certificate {}, bearer token in {}", c.kubelet_access().ca_file,
             c.kubelet_access().client_cert_file, c.kubelet_access().token_file);
  }
  LOG_INFO("nodes report InternalIP = their kubelet address{}", options.hostname_address_is_ip ? " (Hostname too)" :
           "; use --kubelet-preferred-address-types=InternalIP");
  const int signal_number = common::WaitForTerminationSignal();
  LOG_INFO("received signal {}, stopping", signal_number);
  c.Stop();
  return 0;
}
