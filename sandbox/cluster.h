#pragma once
// sandbox::Cluster starts a whole simulated cluster in-process, for tests, benchmarks and the demo:
//   - the API server stand-in (HTTPS on 127.0.0.1, with kubeconfig) over an ObjectStore,
//   - N Node objects and N simulated kubelets (HTTPS on 127.<block>.x.y:10250, see NodeAddress),
//   - the workload controller (pods appear, start and become Ready after configurable delays),
//   - the load model that drives the kubelets' numbers and tells tests what a scraper must see.
//
//   sandbox::ClusterOptions options;
//   options.nodes = 10;
//   options.pods_per_node = 5;
//   options.cert_dir = "/tmp/x/certs";
//   auto cluster = sandbox::Cluster::Start(options);
//   // KUBECONFIG=(*cluster)->kubeconfig_path() kubectl get pods
//   // scrape (*cluster)->kubelet_access() at (*cluster)->nodes()[i].address:10250
//
// Initial workloads: nodes * pods_per_node pods in Deployments "load-0000", "load-0001", ... (namespace default)
// of up to replicas_per_workload pods each, each pod offering millicores_per_pod of load; plus the scenario's.
//
// Time: with no clock the cluster follows the system clock and runs the controller on a thread. With a clock
// (tests), nothing moves on its own: advance the clock and call Sync().

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/net/event_loop.h"
#include "common/result.h"
#include "sandbox/apiserver/api_server.h"
#include "sandbox/apiserver/object_store.h"
#include "sandbox/kubelet/kubelet_fleet.h"
#include "sandbox/load/load_model.h"
#include "sandbox/load/scenario.h"
#include "sandbox/workload/workload_controller.h"

namespace sandbox {

// The name of the index-th simulated node: "node-0000", "node-0001", ...
std::string NodeName(int index);

struct ClusterOptions {
  int nodes = 3;
  int pods_per_node = 0;
  int replicas_per_workload = 10;
  double millicores_per_pod = 100;      // load offered per pod of the initial workloads
  int64_t cpu_request_millicores = 200;  // their containers' request (so the default utilisation is 50%)
  std::optional<Scenario> scenario;     // extra workloads and the load model's settings

  // Where to write the kubeconfig and credentials (kubelet-ca.crt, kubelet-client.{crt,key}, kubelet-token,
  // apiserver-ca.crt). Empty: nothing is written.
  std::string cert_dir;
  std::string kubeconfig_path;  // default: <cert_dir>/kubeconfig

  // Second octet of the kubelets' loopback addresses; -1 picks a free block (parallel tests).
  int address_block = 0;
  uint16_t kubelet_port = 10250;
  // The nodes' Hostname address: false = the node name (as a kubelet reports it; it does not resolve, so clients
  // must prefer InternalIP), true = the same loopback address.
  bool hostname_address_is_ip = false;
  std::set<std::string> wrong_cert_nodes;  // kubelets serving a certificate from another CA
  std::chrono::milliseconds kubelet_render_interval{1000};
  bool kubelet_swap_metrics = true;

  int64_t node_cpu_millicores = 8000;
  int64_t node_memory_bytes = 32LL << 30;
  WorkloadControllerOptions workload;  // delays, max pods per node

  bool start_apiserver = true;
  uint16_t apiserver_port = 0;  // 0 picks a free port
  int event_loop_threads = 2;

  std::function<TimePoint()> clock;  // unset: system clock and a background controller
};

// How to reach the kubelets: verify them with the CA, authenticate with the token or the client certificate.
struct KubeletAccess {
  uint16_t port = 10250;
  std::string ca_pem;
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  // Files, when ClusterOptions::cert_dir is set.
  std::string ca_file;
  std::string token_file;
  std::string client_cert_file;
  std::string client_key_file;
};

class Cluster {
 public:
  // Errors: kInvalidArgument (bad options), and whatever starting a server returns.
  static common::Result<std::unique_ptr<Cluster>> Start(ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Stops servers and the controller. Idempotent.
  void Stop();

  ObjectStore& store();
  LoadModel& load();
  KubeletFleet& kubelets();
  WorkloadController& workloads();
  net::EventLoop& loop();
  ApiServer* apiserver();  // null when start_apiserver is false

  // Admin access to the API server (empty when it is not running).
  ClientAccess apiserver_access() const;
  const std::string& kubeconfig_path() const;
  const KubeletAccess& kubelet_access() const;
  const std::vector<KubeletNode>& nodes() const;
  int address_block() const;
  TimePoint Now() const;

  // Runs the workload controller at Now(); for clusters with a manual clock.
  std::optional<TimePoint> Sync();
  // Waits (real time) until every workload has all its replicas Ready. Errors: kTimeout.
  common::Status WaitForReady(std::chrono::milliseconds timeout);

 private:
  struct Parts;
  explicit Cluster(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Objects for a workload spec (Deployment, ReplicaSet, StatefulSet or ReplicationController), as JSON.
std::string WorkloadJson(const WorkloadSpec& spec);

}  // namespace sandbox
