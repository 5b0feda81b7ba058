// The production scrape path end to end over real HTTPS: node informer against the sandbox API server ->
// InformerNodeLister -> HttpKubeletClient -> ScrapeLoop -> MetricsStorage, scraping simulated kubelets whose numbers
// come from the sandbox's load model. The cluster runs on a manual clock, so the two scrapes happen at known
// instants t1 < t2 and every served value can be checked against what the load model says a correct scraper sees.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/net/event_loop.h"
#include "kube/client/config.h"
#include "kube/client/http_rest_client.h"
#include "kube/client/informer.h"
#include "kube/client/token_source.h"
#include "kube/objects/node.h"
#include "metrics-server/scrape/http_kubelet_client.h"
#include "metrics-server/scrape/informer_node_lister.h"
#include "metrics-server/scrape/scrape_loop.h"
#include "metrics-server/storage/metrics_storage.h"
#include "sandbox/cluster.h"

namespace metrics_server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Wraps the real client to remember each node's last fetch outcome, so tests can say why a node is missing.
class RecordingKubeletClient final : public KubeletClient {
 public:
  explicit RecordingKubeletClient(KubeletClient& inner) : inner_(inner) {}

  void FetchResourceMetrics(const KubeletTarget& target, milliseconds timeout, Callback done) override {
    auto record = [this, node = target.node_name, done = std::move(done)](common::Result<std::string> body) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        outcomes_[node] = body.ok() ? std::string("ok") : body.error().message;
      }
      done(std::move(body));
    };
    inner_.FetchResourceMetrics(target, timeout, std::move(record));
  }

  std::map<std::string, std::string> outcomes() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcomes_;
  }

 private:
  KubeletClient& inner_;
  std::mutex mu_;
  std::map<std::string, std::string> outcomes_;  // node -> "ok" or the error message
};

struct HarnessOptions {
  int nodes = 3;
  int pods_per_node = 3;
  int replicas_per_workload = 10;
  std::set<std::string> wrong_cert_nodes;
  milliseconds request_timeout{5000};
  std::size_t max_response_bytes = 32 << 20;
  // How old every container is at the first scrape, beyond the ~2 s it takes pods to become Ready.
  std::chrono::seconds container_age{20};
};

// A sandbox cluster on a manual clock plus the production scrape path pointed at it.
class Harness {
 public:
  explicit Harness(const HarnessOptions& o) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("kma-scrape-it-" + std::to_string(getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);

    sandbox::ClusterOptions options;
    options.nodes = o.nodes;
    options.pods_per_node = o.pods_per_node;
    options.replicas_per_workload = o.replicas_per_workload;
    options.address_block = -1;
    options.cert_dir = dir_.string();
    options.wrong_cert_nodes = o.wrong_cert_nodes;
    options.kubelet_render_interval = milliseconds(0);  // every request renders at the manual clock's instant
    options.workload.creation_delay = seconds(1);
    options.workload.start_delay = seconds(1);
    options.workload.readiness_delay = seconds(1);
    // Whole seconds, so the kubelets' millisecond timestamps are the instants the test asks the model about.
    now_ns_.store(std::chrono::nanoseconds(seconds(1'760'000'000)).count());
    options.clock = [this] { return Now(); };
    auto cluster = sandbox::Cluster::Start(options);
    if (!cluster.ok()) {
      error_ = "cluster: " + cluster.error().message;
      return;
    }
    cluster_ = std::move(cluster).value();

    // Pods are created, started and Ready one delay apart; afterwards every workload is fully Ready.
    Advance(seconds(4));
    cluster_->Sync();
    if (auto ready = cluster_->WaitForReady(milliseconds(0)); !ready.ok()) {
      error_ = "workloads not ready: " + ready.error().message;
      return;
    }
    // By default every container is older than --metric-resolution at the scrapes: storage (like upstream) rates
    // a younger container from its start time instead of from the previous scrape (NewContainerRatedFromStart).
    Advance(o.container_age);

    loop_ = net::EventLoop::Create(2);
    auto config = kube::LoadKubeconfig(cluster_->kubeconfig_path());
    if (!config.ok()) {
      error_ = "kubeconfig: " + config.error().message;
      return;
    }
    auto rest = kube::NewRestClient(*loop_, *config);
    if (!rest.ok()) {
      error_ = "rest client: " + rest.error().message;
      return;
    }
    rest_ = std::move(rest).value();
    kube::InformerOptions informer_options;
    informer_options.path = "/api/v1/nodes";
    informer_ = std::make_unique<kube::Informer<kube::Node>>(*rest_, informer_options, kube::DecodeNode);
    informer_->Start();
    if (!informer_->WaitForSync(seconds(10))) {
      error_ = "node informer did not sync";
      return;
    }
    // The sandbox's Hostname address is the node name, which does not resolve: scrape the InternalIP.
    KubeletAddressOptions address_options;
    address_options.preferred_address_types = {"InternalIP"};
    address_options.kubelet_port = cluster_->kubelet_access().port;
    lister_ = std::make_unique<InformerNodeLister>(informer_->store(), address_options);

    const sandbox::KubeletAccess& access = cluster_->kubelet_access();
    tokens_ = std::make_unique<kube::TokenSource>(access.token, "");
    KubeletClientOptions client_options;
    client_options.ca_file = access.ca_file;
    client_options.request_timeout = o.request_timeout;
    client_options.max_response_bytes = o.max_response_bytes;
    auto client = HttpKubeletClient::Create(*loop_, client_options, tokens_.get());
    if (!client.ok()) {
      error_ = "kubelet client: " + client.error().message;
      return;
    }
    http_client_ = std::move(client).value();
    recorder_ = std::make_unique<RecordingKubeletClient>(*http_client_);

    StorageOptions storage_options;
    storage_options.metric_resolution = seconds(15);
    storage_ = std::make_unique<MetricsStorage>(storage_options);
    ScrapeOptions scrape_options;
    scrape_options.metric_resolution = seconds(15);
    scrape_options.kubelet_request_timeout = o.request_timeout;
    scrape_options.delay_per_node = milliseconds(0);  // no spreading: the test drives cycles itself
    scrape_ = std::make_unique<ScrapeLoop>(scrape_options, *lister_, *recorder_, *storage_, nullptr,
                                           [this] { return Now(); });
  }

  ~Harness() {
    scrape_.reset();
    // The HTTP client waits for its callbacks when destroyed; they call into the recorder, which must outlive it.
    http_client_.reset();
    recorder_.reset();
    if (informer_) informer_->Stop();
    informer_.reset();
    rest_.reset();
    if (cluster_) cluster_->Stop();
    if (loop_) loop_->Stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  const std::string& error() const { return error_; }
  sandbox::Cluster& cluster() { return *cluster_; }
  ScrapeLoop& scrape() { return *scrape_; }
  MetricsStorage& storage() { return *storage_; }
  RecordingKubeletClient& recorder() { return *recorder_; }
  InformerNodeLister& lister() { return *lister_; }

  sandbox::TimePoint Now() const { return sandbox::TimePoint(std::chrono::nanoseconds(now_ns_.load())); }
  void Advance(std::chrono::nanoseconds d) { now_ns_.fetch_add(d.count()); }

 private:
  std::filesystem::path dir_;
  std::string error_;
  // Read by kubelet, API server and scraper threads while the test thread advances it.
  std::atomic<int64_t> now_ns_{0};
  std::unique_ptr<sandbox::Cluster> cluster_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<kube::RestClient> rest_;
  std::unique_ptr<kube::Informer<kube::Node>> informer_;
  std::unique_ptr<InformerNodeLister> lister_;
  std::unique_ptr<kube::TokenSource> tokens_;
  std::unique_ptr<HttpKubeletClient> http_client_;
  std::unique_ptr<RecordingKubeletClient> recorder_;
  std::unique_ptr<MetricsStorage> storage_;
  std::unique_ptr<ScrapeLoop> scrape_;
};

// Storage truncates the rate to whole nanocores after a floating-point division; the model computes the same
// rate in cores. They may differ by that truncation, never more.
constexpr double kNanocoreTolerance = 1.0;

// Checks a served pod against the usage the load model generated for a scraper that sampled at t1 and t2.
void ExpectPodExact(const sandbox::LoadModel& model, const PodMetricsPoint& p, const sandbox::PodSample& pod,
                    sandbox::TimePoint t1, sandbox::TimePoint t2) {
  const std::string id = pod.namespace_name + "/" + pod.name;
  EXPECT_EQ(p.timestamp, t2) << id;
  EXPECT_EQ(p.window, t2 - t1) << id;
  EXPECT_EQ(p.containers.size(), pod.containers.size()) << id;
  double pod_nanocores = 0;
  uint64_t pod_memory = 0;
  for (const ContainerMetricsPoint& c : p.containers) {
    auto c_cpu = model.ExpectedContainerCpuCores(pod.namespace_name, pod.name, c.name, t1, t2);
    auto c_memory = model.ContainerMemoryBytes(pod.namespace_name, pod.name, c.name, t2);
    EXPECT_TRUE(c_cpu.ok() && c_memory.ok()) << id << " container " << c.name << " unknown to the model";
    if (!c_cpu.ok() || !c_memory.ok()) continue;
    EXPECT_NEAR(static_cast<double>(c.usage.cpu_nanocores), *c_cpu * 1e9, kNanocoreTolerance) << id << "/" << c.name;
    EXPECT_EQ(c.usage.memory_bytes, *c_memory) << id << "/" << c.name;
    pod_nanocores += static_cast<double>(c.usage.cpu_nanocores);
    pod_memory += c.usage.memory_bytes;
  }
  // The Metrics API's pod usage is the sum of its containers; it must agree with the model's pod figures.
  auto p_cpu = model.ExpectedPodCpuCores(pod.namespace_name, pod.name, t1, t2);
  auto p_memory = model.PodMemoryBytes(pod.namespace_name, pod.name, t2);
  EXPECT_TRUE(p_cpu.ok() && p_memory.ok()) << id;
  if (!p_cpu.ok() || !p_memory.ok()) return;
  EXPECT_NEAR(pod_nanocores, *p_cpu * 1e9, kNanocoreTolerance * static_cast<double>(p.containers.size())) << id;
  EXPECT_EQ(pod_memory, *p_memory) << id;
}

// Checks that `node` and all its pods are in the snapshot with exactly the usage the load model generated for a
// scraper that sampled at t1 and t2. Returns the number of pods checked.
size_t ExpectNodeExact(const sandbox::LoadModel& model, const MetricsSnapshot& snapshot, const std::string& node,
                       sandbox::TimePoint t1, sandbox::TimePoint t2) {
  const NodeMetricsPoint* n = snapshot.FindNode(node);
  EXPECT_NE(n, nullptr) << node << " missing";
  if (n == nullptr) return 0;
  auto cpu = model.ExpectedNodeCpuCores(node, t1, t2);
  auto memory = model.NodeMemoryBytes(node, t2);
  EXPECT_TRUE(cpu.ok() && memory.ok()) << node;
  if (!cpu.ok() || !memory.ok()) return 0;
  EXPECT_NEAR(static_cast<double>(n->usage.cpu_nanocores), *cpu * 1e9, kNanocoreTolerance) << node;
  EXPECT_EQ(n->usage.memory_bytes, *memory) << node;
  EXPECT_EQ(n->timestamp, t2) << node;
  EXPECT_EQ(n->window, t2 - t1) << node;

  auto sample = model.SampleNode(node, t2);
  EXPECT_TRUE(sample.ok()) << node;
  if (!sample.ok()) return 0;
  size_t checked = 0;
  for (const sandbox::PodSample& pod : sample->pods) {
    const PodMetricsPoint* p = snapshot.FindPod(pod.namespace_name, pod.name);
    EXPECT_NE(p, nullptr) << pod.namespace_name << "/" << pod.name << " (on " << node << ") missing";
    if (p == nullptr) continue;
    ++checked;
    ExpectPodExact(model, *p, pod, t1, t2);
  }
  return checked;
}

// Pods the model places on `node` at `at`, as "ns/name".
std::set<std::string> PodsOf(const sandbox::LoadModel& model, const std::string& node, sandbox::TimePoint at) {
  std::set<std::string> out;
  auto sample = model.SampleNode(node, at);
  if (sample.ok()) {
    for (const sandbox::PodSample& p : sample->pods) out.insert(p.namespace_name + "/" + p.name);
  }
  return out;
}

std::set<std::string> SnapshotPods(const MetricsSnapshot& snapshot) {
  std::set<std::string> out;
  for (const PodMetricsPoint& p : snapshot.pods) out.insert(p.namespace_name + "/" + p.name);
  return out;
}

std::set<std::string> SnapshotNodes(const MetricsSnapshot& snapshot) {
  std::set<std::string> out;
  for (const NodeMetricsPoint& n : snapshot.nodes) out.insert(n.name);
  return out;
}

TEST(ScrapeIntegrationTest, FiftyNodesExactUsageOverHttps) {
  HarnessOptions o;
  o.nodes = 50;
  o.pods_per_node = 3;
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();

  const sandbox::TimePoint t1 = h.Now();
  CycleResult first = h.scrape().RunOnce();
  EXPECT_EQ(first.nodes, 50u);
  EXPECT_EQ(first.succeeded, 50u);
  // One point per object and no rate yet: containers started 2-3 s ago, less than the 10 s upstream requires
  // before it rates a new container from its start time.
  EXPECT_TRUE(h.storage().Snapshot()->nodes.empty());

  h.Advance(seconds(10));
  const sandbox::TimePoint t2 = h.Now();
  CycleResult second = h.scrape().RunOnce();
  EXPECT_EQ(second.succeeded, 50u);
  EXPECT_EQ(second.failed, 0u);
  for (const auto& [node, outcome] : h.recorder().outcomes()) EXPECT_EQ(outcome, "ok") << node;

  auto snapshot = h.storage().Snapshot();
  ASSERT_EQ(snapshot->nodes.size(), 50u);
  std::set<std::string> expected_pods;
  size_t checked = 0;
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) {
    checked += ExpectNodeExact(model, *snapshot, node.name, t1, t2);
    for (const std::string& p : PodsOf(model, node.name, t2)) expected_pods.insert(p);
  }
  EXPECT_EQ(expected_pods.size(), 150u);
  EXPECT_EQ(checked, 150u);
  EXPECT_EQ(SnapshotPods(*snapshot), expected_pods);
  // 100m per pod, as configured: a sanity check of the model itself against a hand-computed figure.
  const PodMetricsPoint& any = snapshot->pods.front();
  uint64_t total = 0;
  for (const ContainerMetricsPoint& c : any.containers) total += c.usage.cpu_nanocores;
  EXPECT_NEAR(static_cast<double>(total), 100e6, 1.0 * static_cast<double>(any.containers.size()));
}

TEST(ScrapeIntegrationTest, BadKubeletsAreSkippedHealthyNodesServedExactly) {
  HarnessOptions o;
  o.nodes = 16;
  o.pods_per_node = 3;
  o.wrong_cert_nodes = {"node-0006"};
  o.request_timeout = milliseconds(3000);
  o.max_response_bytes = 256 << 10;
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();

  sandbox::KubeletFault garbage{sandbox::KubeletFaultKind::kGarbageBody};
  sandbox::KubeletFault huge{sandbox::KubeletFaultKind::kHugeBody};
  huge.huge_bytes = 2 << 20;  // far beyond the client's 256 KiB cap
  sandbox::KubeletFault slow{sandbox::KubeletFaultKind::kSlow, milliseconds(10000)};  // beyond the 3 s timeout
  sandbox::KubeletFault error500{sandbox::KubeletFaultKind::kServerError};
  sandbox::KubeletFault unauthorized{sandbox::KubeletFaultKind::kUnauthorized};
  const std::map<std::string, sandbox::KubeletFault> faults = {
      {"node-0001", garbage}, {"node-0003", huge},
      {"node-0004", slow},    {"node-0005", error500},  {"node-0007", unauthorized},
  };
  for (const auto& [node, fault] : faults) h.cluster().kubelets().SetFault(node, fault);
  std::set<std::string> bad = {"node-0006"};
  for (const auto& [node, fault] : faults) bad.insert(node);

  const sandbox::TimePoint t1 = h.Now();
  CycleResult first = h.scrape().RunOnce();
  EXPECT_EQ(first.nodes, 16u);
  h.Advance(seconds(10));
  const sandbox::TimePoint t2 = h.Now();
  CycleResult second = h.scrape().RunOnce();
  EXPECT_EQ(second.nodes, 16u);
  EXPECT_EQ(second.succeeded, 16u - bad.size());
  EXPECT_EQ(second.failed, bad.size());

  // Transport-level failures surface as errors from the client; a garbage body arrives intact and must be
  // rejected by the scrape loop.
  auto outcomes = h.recorder().outcomes();
  for (const char* node : {"node-0003", "node-0004", "node-0005", "node-0006", "node-0007"}) {
    EXPECT_NE(outcomes[node], "ok") << node << " should have failed in the client";
  }
  EXPECT_NE(outcomes["node-0005"].find("500"), std::string::npos) << outcomes["node-0005"];
  EXPECT_NE(outcomes["node-0007"].find("401"), std::string::npos) << outcomes["node-0007"];
  for (const auto& [node, outcome] : outcomes) {
    if (!bad.contains(node)) {
      EXPECT_EQ(outcome, "ok") << node;
    }
  }

  auto snapshot = h.storage().Snapshot();
  std::set<std::string> expected_nodes;
  std::set<std::string> expected_pods;
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) {
    if (bad.contains(node.name)) continue;
    expected_nodes.insert(node.name);
    ExpectNodeExact(model, *snapshot, node.name, t1, t2);
    for (const std::string& p : PodsOf(model, node.name, t2)) expected_pods.insert(p);
  }
  EXPECT_EQ(SnapshotNodes(*snapshot), expected_nodes);
  // None of the bad nodes' pods are served either.
  EXPECT_EQ(SnapshotPods(*snapshot), expected_pods);

  // Once the faults clear, the nodes come back (TLS mismatch aside, which is the kubelet's certificate).
  h.cluster().kubelets().ClearFaults();
  h.Advance(seconds(10));
  const sandbox::TimePoint t3 = h.Now();
  CycleResult third = h.scrape().RunOnce();
  EXPECT_EQ(third.succeeded, 15u);
  EXPECT_EQ(third.failed, 1u);
  h.Advance(seconds(10));
  const sandbox::TimePoint t4 = h.Now();
  CycleResult fourth = h.scrape().RunOnce();
  EXPECT_EQ(fourth.succeeded, 15u);
  snapshot = h.storage().Snapshot();
  EXPECT_EQ(snapshot->nodes.size(), 15u);
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) {
    if (node.name == "node-0006") {
      EXPECT_EQ(snapshot->FindNode(node.name), nullptr);
      continue;
    }
    ExpectNodeExact(model, *snapshot, node.name, t3, t4);
  }
}

// A kubelet whose body is cut in the middle of a line (with a Content-Length that matches the cut body, so HTTP
// cannot tell). Scrapes it at t1 and t2 and returns the snapshot; `truncated` is the node.
struct TruncatedRun {
  std::shared_ptr<const MetricsSnapshot> snapshot;
  CycleResult second;
  sandbox::TimePoint t1, t2;
};

TruncatedRun ScrapeWithTruncatedNode(Harness& h, const std::string& truncated) {
  h.cluster().kubelets().SetFault(truncated, {sandbox::KubeletFaultKind::kTruncatedBody});
  TruncatedRun run;
  run.t1 = h.Now();
  h.scrape().RunOnce();
  h.Advance(seconds(10));
  run.t2 = h.Now();
  run.second = h.scrape().RunOnce();
  run.snapshot = h.storage().Snapshot();
  return run;
}

// Whatever the scrape path makes of a truncated body, it must not serve a wrong number, and healthy nodes are
// unaffected.
TEST(ScrapeIntegrationTest, TruncatedBodyServesNoWrongValue) {
  HarnessOptions o;
  o.nodes = 6;
  o.pods_per_node = 3;
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();
  const std::string truncated = "node-0002";
  TruncatedRun run = ScrapeWithTruncatedNode(h, truncated);

  // The node's own lines come after the containers' in a kubelet body, so the cut removes them.
  EXPECT_EQ(run.snapshot->FindNode(truncated), nullptr);
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) {
    if (node.name != truncated) ExpectNodeExact(model, *run.snapshot, node.name, run.t1, run.t2);
  }
  auto sample = model.SampleNode(truncated, run.t2);
  ASSERT_TRUE(sample.ok());
  for (const sandbox::PodSample& pod : sample->pods) {
    if (const PodMetricsPoint* p = run.snapshot->FindPod(pod.namespace_name, pod.name)) {
      ExpectPodExact(model, *p, pod, run.t1, run.t2);
    }
  }
}

// Upstream fails the whole node when its body does not decode: a body cut in transit (no final newline) must not
// serve the pods before the cut, nor a value cut in the middle of its digits.
TEST(ScrapeIntegrationTest, TruncatedBodyIsRejectedLikeUpstream) {
  HarnessOptions o;
  o.nodes = 6;
  o.pods_per_node = 3;
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();
  const std::string truncated = "node-0002";
  TruncatedRun run = ScrapeWithTruncatedNode(h, truncated);

  EXPECT_EQ(run.second.succeeded, 5u);
  EXPECT_EQ(run.second.failed, 1u);
  EXPECT_EQ(run.snapshot->FindNode(truncated), nullptr);
  std::set<std::string> served = SnapshotPods(*run.snapshot);
  for (const std::string& p : PodsOf(model, truncated, run.t2)) EXPECT_FALSE(served.contains(p)) << p;
  EXPECT_EQ(run.snapshot->pods.size(), 15u);
}

TEST(ScrapeIntegrationTest, RemovedNodeDisappearsAfterNextCycle) {
  HarnessOptions o;
  o.nodes = 6;
  o.pods_per_node = 3;
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();

  const sandbox::TimePoint t1 = h.Now();
  h.scrape().RunOnce();
  h.Advance(seconds(10));
  const sandbox::TimePoint t2 = h.Now();
  h.scrape().RunOnce();
  auto snapshot = h.storage().Snapshot();
  ASSERT_EQ(snapshot->nodes.size(), 6u);
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) ExpectNodeExact(model, *snapshot, node.name, t1, t2);
  const std::string gone = "node-0003";
  const std::set<std::string> gone_pods = PodsOf(model, gone, t2);
  ASSERT_EQ(gone_pods.size(), 3u);
  for (const std::string& p : gone_pods) EXPECT_TRUE(SnapshotPods(*snapshot).contains(p)) << p;

  // Delete the Node object; the informer sees the deletion through its watch (real time, hence the polling).
  auto deleted = h.cluster().store().Delete({"", "v1", "nodes"}, "", gone);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (h.lister().List().size() != 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_EQ(h.lister().List().size(), 5u);

  h.Advance(seconds(10));
  const sandbox::TimePoint t3 = h.Now();
  CycleResult cycle = h.scrape().RunOnce();
  EXPECT_EQ(cycle.nodes, 5u);
  EXPECT_EQ(cycle.succeeded, 5u);
  snapshot = h.storage().Snapshot();
  EXPECT_EQ(snapshot->FindNode(gone), nullptr);
  for (const std::string& p : gone_pods) EXPECT_FALSE(SnapshotPods(*snapshot).contains(p)) << p;
  EXPECT_EQ(snapshot->nodes.size(), 5u);
  EXPECT_EQ(snapshot->pods.size(), 15u);
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) {
    if (node.name != gone) ExpectNodeExact(model, *snapshot, node.name, t2, t3);
  }
}

// Upstream's fresh-container rule: a container at least 10 s but less than --metric-resolution old is rated from
// its start time (counter 0 then), not from the previous scrape.
TEST(ScrapeIntegrationTest, NewContainerRatedFromStart) {
  HarnessOptions o;
  o.nodes = 2;
  o.pods_per_node = 3;
  o.container_age = seconds(0);  // containers started ~2 s before t1
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();

  h.scrape().RunOnce();
  EXPECT_TRUE(h.storage().Snapshot()->pods.empty());  // under 10 s old: no rate yet
  h.Advance(seconds(10));
  const sandbox::TimePoint t2 = h.Now();
  h.scrape().RunOnce();
  auto snapshot = h.storage().Snapshot();
  size_t checked = 0;
  for (const sandbox::KubeletNode& node : h.cluster().nodes()) {
    auto sample = model.SampleNode(node.name, t2);
    ASSERT_TRUE(sample.ok());
    for (const sandbox::PodSample& pod : sample->pods) {
      const PodMetricsPoint* p = snapshot->FindPod(pod.namespace_name, pod.name);
      ASSERT_NE(p, nullptr) << pod.name;
      ASSERT_FALSE(pod.containers.empty());
      const sandbox::TimePoint started = pod.containers.front().start_time;
      ASSERT_GE(t2 - started, seconds(10));
      ASSERT_LT(t2 - started, seconds(15));
      ExpectPodExact(model, *p, pod, started, t2);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6u);
}

// A full node answers ~40 KiB, well above one TLS record: the body must arrive whole over HTTPS.
TEST(ScrapeIntegrationTest, ThirtyPodNodeOverHttps) {
  HarnessOptions o;
  o.nodes = 2;
  o.pods_per_node = 30;
  o.replicas_per_workload = 30;
  Harness h(o);
  ASSERT_TRUE(h.error().empty()) << h.error();
  const sandbox::LoadModel& model = h.cluster().load();
  auto body = h.cluster().kubelets().Body("node-0000");
  ASSERT_TRUE(body.ok());
  EXPECT_GT((*body)->size(), 16u << 10);

  const sandbox::TimePoint t1 = h.Now();
  h.scrape().RunOnce();
  h.Advance(seconds(10));
  const sandbox::TimePoint t2 = h.Now();
  CycleResult cycle = h.scrape().RunOnce();
  EXPECT_EQ(cycle.succeeded, 2u);
  for (const auto& [node, outcome] : h.recorder().outcomes()) EXPECT_EQ(outcome, "ok") << node;
  auto snapshot = h.storage().Snapshot();
  EXPECT_EQ(ExpectNodeExact(model, *snapshot, "node-0000", t1, t2), 30u);
  EXPECT_EQ(ExpectNodeExact(model, *snapshot, "node-0001", t1, t2), 30u);
  EXPECT_EQ(snapshot->pods.size(), 60u);
}

}  // namespace
}  // namespace metrics_server
