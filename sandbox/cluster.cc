#include "sandbox/cluster.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <random>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "certs/certs.h"
#include "sandbox/apiserver/json_util.h"
#include "sandbox/workload/node_objects.h"

namespace sandbox {

std::string NodeName(int index) { return fmt::format("node-{:04d}", index); }

using common::Error;
using common::ErrorCode;

namespace {

const ResourceKey kNodes{"", "v1", "nodes"};
const ResourceKey kNamespaces{"", "v1", "namespaces"};

ResourceKey KeyForKind(const std::string& kind) {
  if (kind == "ReplicationController") return {"", "v1", "replicationcontrollers"};
  if (kind == "ReplicaSet") return {"apps", "v1", "replicasets"};
  if (kind == "StatefulSet") return {"apps", "v1", "statefulsets"};
  return {"apps", "v1", "deployments"};
}

std::string RandomToken() {
  std::random_device device;
  std::string token;
  for (int i = 0; i < 4; ++i) token += fmt::format("{:08x}", device());
  return token;
}

std::string Cpu(int64_t millicores) { return fmt::format("{}m", millicores); }
std::string Bytes(int64_t bytes) {
  if (bytes % (1LL << 20) == 0) return fmt::format("{}Mi", bytes >> 20);
  return std::to_string(bytes);
}

// Writes a small file readable only by its owner when `secret`.
common::Status WriteTextFile(const std::string& path, const std::string& content, bool secret) {
  std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Error::Make(ErrorCode::kInternal, fmt::format("cannot write {}", tmp));
  if (secret) ::fchmod(fileno(f), 0600);
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error::Make(ErrorCode::kInternal, fmt::format("cannot write {}", path));
  }
  return common::Status::Ok();
}

std::string NamespaceJson(const std::string& name) {
  return fmt::format(R"({{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{}"}},)"
                     R"("spec":{{"finalizers":["kubernetes"]}},"status":{{"phase":"Active"}}}})",
                     name);
}

}  // namespace

std::string WorkloadJson(const WorkloadSpec& spec) {
  using rapidjson::Value;
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  const bool rc = spec.kind == "ReplicationController";
  json::SetString(doc, "apiVersion", rc ? "v1" : "apps/v1", a);
  json::SetString(doc, "kind", spec.kind, a);
  Value& meta = json::EnsureObject(doc, "metadata", a);
  json::SetString(meta, "name", spec.name, a);
  json::SetString(meta, "namespace", spec.namespace_name, a);
  json::SetString(json::EnsureObject(meta, "labels", a), "app", spec.name, a);
  Value& s = json::EnsureObject(doc, "spec", a);
  json::SetInt(s, "replicas", spec.replicas, a);
  if (rc) {
    json::SetString(json::EnsureObject(s, "selector", a), "app", spec.name, a);
  } else {
    json::SetString(json::EnsureObject(json::EnsureObject(s, "selector", a), "matchLabels", a), "app", spec.name, a);
  }
  if (spec.kind == "StatefulSet") json::SetString(s, "serviceName", spec.name, a);
  Value& tmpl = json::EnsureObject(s, "template", a);
  json::SetString(json::EnsureObject(json::EnsureObject(tmpl, "metadata", a), "labels", a), "app", spec.name, a);
  Value containers(rapidjson::kArrayType);
  for (const ContainerTemplate& c : spec.containers) {
    Value container(rapidjson::kObjectType);
    json::SetString(container, "name", c.name, a);
    json::SetString(container, "image", "registry.k8s.io/pause:3.10", a);
    Value& resources = json::EnsureObject(container, "resources", a);
    Value& requests = json::EnsureObject(resources, "requests", a);
    json::SetString(requests, "cpu", Cpu(c.cpu_request_millicores), a);
    json::SetString(requests, "memory", Bytes(c.memory_request_bytes), a);
    if (c.cpu_limit_millicores || c.memory_limit_bytes) {
      Value& limits = json::EnsureObject(resources, "limits", a);
      if (c.cpu_limit_millicores) json::SetString(limits, "cpu", Cpu(*c.cpu_limit_millicores), a);
      if (c.memory_limit_bytes) json::SetString(limits, "memory", Bytes(*c.memory_limit_bytes), a);
    }
    containers.PushBack(container, a);
  }
  json::SetValue(json::EnsureObject(tmpl, "spec", a), "containers", std::move(containers), a);
  return json::Serialize(doc);
}

struct Cluster::Parts {
  ClusterOptions options;
  std::function<TimePoint()> clock;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<ObjectStore> own_store;  // when no API server runs
  std::unique_ptr<ApiServer> apiserver;
  std::unique_ptr<LoadModel> model;
  std::unique_ptr<WorkloadController> controller;
  std::unique_ptr<KubeletFleet> fleet;
  std::vector<KubeletNode> nodes;
  KubeletAccess kubelet_access;
  std::string kubeconfig_path;
  int address_block = 0;
  bool stopped = false;

  ObjectStore& store() { return apiserver ? apiserver->store() : *own_store; }
};

Cluster::Cluster(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Cluster::~Cluster() { Stop(); }

common::Result<std::unique_ptr<Cluster>> Cluster::Start(ClusterOptions options) {
  if (options.nodes < 0 || options.pods_per_node < 0 || options.replicas_per_workload <= 0 ||
      options.address_block < -1 || options.address_block > 255 || options.nodes > 250 * 254) {
    return Error::Make(ErrorCode::kInvalidArgument, "invalid cluster options");
  }
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  p.options = options;
  p.clock = options.clock ? options.clock : [] { return std::chrono::system_clock::now(); };
  const TimePoint start = p.clock();
  const TimePoint real_now = std::chrono::system_clock::now();  // certificates need wall-clock validity
  p.loop = net::EventLoop::Create(std::max(1, options.event_loop_threads));

  // Load model.
  LoadModelOptions model_options;
  model_options.epoch = start;
  if (options.scenario) {
    model_options.node_overhead_millicores = options.scenario->node_overhead_millicores;
    model_options.node_memory_base_bytes = options.scenario->node_memory_base_bytes;
    model_options.unready_pod_millicores = options.scenario->unready_pod_millicores;
    model_options.pod_memory = options.scenario->pod_memory;
  }
  p.model = std::make_unique<LoadModel>(model_options);

  // Kubelet credentials.
  auto kubelet_ca = certs::GenerateCa({{"sandbox-kubelet-ca", {}}}, real_now);
  if (!kubelet_ca.ok()) return kubelet_ca.error();
  auto kubelet_client =
      certs::GenerateClient(*kubelet_ca, {{"system:serviceaccount:kube-system:metrics-server", {}}}, real_now);
  if (!kubelet_client.ok()) return kubelet_client.error();
  KubeletAccess& access = p.kubelet_access;
  access.port = options.kubelet_port;
  access.ca_pem = kubelet_ca->cert_pem;
  access.token = RandomToken();
  access.client_cert_pem = kubelet_client->cert_pem;
  access.client_key_pem = kubelet_client->key_pem;

  // API server.
  if (options.start_apiserver) {
    auto pki = GenerateApiServerPki(real_now);
    if (!pki.ok()) return pki.error();
    ApiServerOptions api_options = ApiServerOptions::FromPki(*pki);
    api_options.port = options.apiserver_port;
    api_options.store.clock = p.clock;
    // The kubelet token also authenticates to the API server, as a service account token would.
    api_options.tokens[access.token] = TokenUser{"system:serviceaccount:kube-system:metrics-server",
                                                 {"system:serviceaccounts", "system:serviceaccounts:kube-system"}};
    auto server = ApiServer::Start(*p.loop, std::move(api_options));
    if (!server.ok()) return server.error();
    p.apiserver = std::move(server).value();
  } else {
    ObjectStoreOptions store_options;
    store_options.clock = p.clock;
    p.own_store = std::make_unique<ObjectStore>(store_options);
  }
  ObjectStore& store = p.store();

  // Kubelets, on the first free address block when asked to pick.
  const int attempts = options.address_block < 0 ? 16 : 1;
  for (int attempt = 0; attempt < attempts && !p.fleet; ++attempt) {
    int block = options.address_block >= 0 ? options.address_block : 1 + (getpid() * 7 + attempt * 61) % 250;
    KubeletFleetOptions fleet_options;
    std::vector<std::string> ips;
    for (int i = 0; i < options.nodes; ++i) {
      std::string address = NodeAddress(block, i);
      fleet_options.nodes.push_back({NodeName(i), address});
      ips.push_back(address);
    }
    // A certificate per kubelet naming its own address, as kubelets have: a single one naming all N addresses
    // made every client connection hold an N-entry SAN list (O(N^2) memory in metrics-server).
    fleet_options.node_certs.reserve(ips.size());
    for (std::size_t i = 0; i < ips.size(); ++i) {
      auto serving = certs::GenerateServing(
          *kubelet_ca, {{fleet_options.nodes[i].name, {}}, {"localhost", fleet_options.nodes[i].name}, {ips[i]}},
          real_now);
      if (!serving.ok()) return serving.error();
      net::TlsServerConfig& tls = fleet_options.node_certs.emplace_back();
      tls.cert_pem = serving->cert_pem;
      tls.key_pem = serving->key_pem;
    }
    fleet_options.port = options.kubelet_port;
    fleet_options.tls.client_ca_pem = kubelet_ca->cert_pem;
    if (!options.wrong_cert_nodes.empty()) {
      auto other_ca = certs::GenerateCa({{"not-the-kubelet-ca", {}}}, real_now);
      if (!other_ca.ok()) return other_ca.error();
      auto wrong = certs::GenerateServing(*other_ca, {{"kubelet", {}}, {"localhost"}, ips}, real_now);
      if (!wrong.ok()) return wrong.error();
      fleet_options.wrong_tls = net::TlsServerConfig{};
      fleet_options.wrong_tls->cert_pem = wrong->cert_pem;
      fleet_options.wrong_tls->key_pem = wrong->key_pem;
      fleet_options.wrong_cert_nodes = options.wrong_cert_nodes;
    }
    fleet_options.auth.bearer_tokens = {access.token};
    fleet_options.render_interval = options.kubelet_render_interval;
    fleet_options.format.include_swap = options.kubelet_swap_metrics;
    fleet_options.clock = p.clock;
    auto fleet = KubeletFleet::Start(*p.loop, *p.model, fleet_options);
    if (fleet.ok()) {
      p.fleet = std::move(fleet).value();
      p.nodes = fleet_options.nodes;
      p.address_block = block;
    } else if (attempt + 1 == attempts) {
      return Error::Make(fleet.error().code, "starting the kubelets: " + fleet.error().message);
    }
  }

  // Workload controller and nodes.
  p.controller = std::make_unique<WorkloadController>(store, p.model.get(), options.workload);
  std::set<std::string> namespaces = {"default", "kube-system", "kube-public", "kube-node-lease"};
  if (options.scenario) {
    for (const WorkloadSpec& w : options.scenario->workloads) namespaces.insert(w.namespace_name);
  }
  for (const std::string& ns : namespaces) (void)store.Create(kNamespaces, "", NamespaceJson(ns));
  for (const KubeletNode& node : p.nodes) {
    NodeObjectSpec spec;
    spec.name = node.name;
    spec.internal_ip = node.address;
    spec.hostname = options.hostname_address_is_ip ? node.address : node.name;
    spec.kubelet_port = options.kubelet_port;
    spec.cpu_millicores = options.node_cpu_millicores;
    spec.memory_bytes = options.node_memory_bytes;
    spec.max_pods = options.workload.max_pods_per_node;
    auto created = store.Create(kNodes, "", NodeJson(spec, start));
    if (!created.ok()) return created.error();
    p.model->AddNode(node.name, start);
    p.controller->AddNode(node.name, node.address);
  }
  auto started = p.controller->Start();
  if (!started.ok()) return started.error();

  // Initial workloads.
  std::vector<WorkloadSpec> workloads;
  int total = options.nodes * options.pods_per_node;
  for (int i = 0; total > 0; ++i) {
    WorkloadSpec w;
    w.name = fmt::format("load-{:04d}", i);
    w.replicas = std::min(total, options.replicas_per_workload);
    w.containers[0].cpu_request_millicores = options.cpu_request_millicores;
    w.load = LoadCurve::Constant(options.millicores_per_pod * w.replicas);
    total -= w.replicas;
    workloads.push_back(std::move(w));
  }
  if (options.scenario) {
    for (const WorkloadSpec& w : options.scenario->workloads) workloads.push_back(w);
  }
  for (const WorkloadSpec& w : workloads) {
    p.model->SetWorkloadLoad(w.namespace_name, w.name, w.load, start);
    if (w.memory) p.model->SetWorkloadMemory(w.namespace_name, w.name, *w.memory);
    auto created = store.Create(KeyForKind(w.kind), w.namespace_name, WorkloadJson(w));
    if (!created.ok()) return Error::Make(created.error().code, fmt::format("workload {}: {}", w.name, created.error().message));
  }

  // Files.
  if (!options.cert_dir.empty()) {
    const std::string& dir = options.cert_dir;
    auto status = certs::WriteBundle(dir, "kubelet-ca", *kubelet_ca);
    if (status.ok()) status = certs::WriteBundle(dir, "kubelet-client", *kubelet_client);
    if (status.ok()) status = WriteTextFile(dir + "/kubelet-token", access.token, true);
    if (status.ok() && p.apiserver) {
      status = WriteTextFile(dir + "/apiserver-ca.crt", p.apiserver->AdminAccess().ca_pem, false);
    }
    if (!status.ok()) return status.error();
    access.ca_file = dir + "/kubelet-ca.crt";
    access.client_cert_file = dir + "/kubelet-client.crt";
    access.client_key_file = dir + "/kubelet-client.key";
    access.token_file = dir + "/kubelet-token";
  }
  if (p.apiserver) {
    p.kubeconfig_path = !options.kubeconfig_path.empty() ? options.kubeconfig_path
                        : !options.cert_dir.empty()      ? options.cert_dir + "/kubeconfig"
                                                         : "";
    if (!p.kubeconfig_path.empty()) {
      auto status = p.apiserver->WriteKubeconfig(p.kubeconfig_path);
      if (!status.ok()) return status.error();
    }
  }

  if (!options.clock) {
    p.controller->RunInBackground(p.clock);
  } else {
    p.controller->Sync(p.clock());
  }
  return std::unique_ptr<Cluster>(new Cluster(std::move(parts)));
}

void Cluster::Stop() {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  parts_->controller->Stop();
  if (parts_->fleet) parts_->fleet->Shutdown();
  if (parts_->apiserver) parts_->apiserver->Shutdown();
  parts_->loop->Stop();
}

ObjectStore& Cluster::store() { return parts_->store(); }
LoadModel& Cluster::load() { return *parts_->model; }
KubeletFleet& Cluster::kubelets() { return *parts_->fleet; }
WorkloadController& Cluster::workloads() { return *parts_->controller; }
net::EventLoop& Cluster::loop() { return *parts_->loop; }
ApiServer* Cluster::apiserver() { return parts_->apiserver.get(); }
ClientAccess Cluster::apiserver_access() const {
  return parts_->apiserver ? parts_->apiserver->AdminAccess() : ClientAccess{};
}
const std::string& Cluster::kubeconfig_path() const { return parts_->kubeconfig_path; }
const KubeletAccess& Cluster::kubelet_access() const { return parts_->kubelet_access; }
const std::vector<KubeletNode>& Cluster::nodes() const { return parts_->nodes; }
int Cluster::address_block() const { return parts_->address_block; }
TimePoint Cluster::Now() const { return parts_->clock(); }

std::optional<TimePoint> Cluster::Sync() { return parts_->controller->Sync(parts_->clock()); }

common::Status Cluster::WaitForReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const ResourceKey kinds[] = {KeyForKind("Deployment"), KeyForKind("StatefulSet"),
                               KeyForKind("ReplicationController"), KeyForKind("ReplicaSet")};
  while (true) {
    if (parts_->options.clock) Sync();
    std::string waiting;
    for (const ResourceKey& key : kinds) {
      for (const StoredObject& o : store().List(key, "").items) {
        auto doc = json::Parse(o.json);
        if (!doc.ok()) continue;
        int64_t want = json::GetInt(*doc, {"spec", "replicas"}).value_or(1);
        int64_t ready = json::GetInt(*doc, {"status", "readyReplicas"}).value_or(0);
        if (ready != want) waiting = fmt::format("{} {}/{}: {}/{} ready", key.resource, o.namespace_name, o.name, ready, want);
      }
    }
    if (waiting.empty()) return common::Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error::Make(ErrorCode::kTimeout, "workloads not ready: " + waiting);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace sandbox
