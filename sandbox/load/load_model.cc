#include "sandbox/load/load_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace sandbox {

using common::Error;
using common::ErrorCode;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string Key(std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(ns.size() + name.size() + 1);
  key.append(ns).append("/").append(name);
  return key;
}

uint64_t ToNanos(double core_seconds) {
  return core_seconds <= 0 ? 0 : static_cast<uint64_t>(std::llround(core_seconds * 1e9));
}

Error NotFound(std::string what) { return Error::Make(ErrorCode::kNotFound, std::move(what)); }

}  // namespace

struct LoadModel::Workload {
  // A load curve and the instant it took over; the integral is continuous across versions.
  struct Version {
    double from = -kInfinity;
    LoadCurve curve;
    double base = 0;  // integral at `from`
  };
  std::vector<Version> versions;
  // Epochs: [epoch_start[k], epoch_start[k+1]) with epoch_ready[k] Ready pods. prefix[k] is the sum of the per-pod
  // shares (core-seconds) of epochs 0..k-1, so a pod Ready through epochs [a, b) used prefix[b] - prefix[a].
  std::vector<double> epoch_start{-kInfinity};
  std::vector<int> epoch_ready{0};
  std::vector<double> prefix{0};
  TimePoint last_event = TimePoint::min();
  std::optional<MemoryModel> memory;

  const Version& VersionAt(double t) const {
    auto it = std::upper_bound(versions.begin(), versions.end(), t,
                               [](double v, const Version& version) { return v < version.from; });
    return *(it - 1);
  }
  // Integral of the load, core-seconds since the epoch.
  double Integral(double t) const {
    const Version& v = VersionAt(t);
    if (v.from == -kInfinity) return v.curve.CoreSecondsUntil(t);
    return v.base + v.curve.CoreSecondsUntil(t) - v.curve.CoreSecondsUntil(v.from);
  }
  double Millicores(double t) const { return VersionAt(t).curve.MillicoresAt(t); }
  std::size_t EpochAt(double t) const {
    return static_cast<std::size_t>(std::upper_bound(epoch_start.begin(), epoch_start.end(), t) - epoch_start.begin()) -
           1;
  }
};

struct LoadModel::Pod {
  struct ReadyInterval {
    double start = 0;
    std::size_t start_epoch = 0;
    double end = kInfinity;
    std::size_t end_epoch = 0;  // valid when end is finite
  };
  std::string namespace_name;
  std::string name;
  Workload* workload = nullptr;
  Node* node = nullptr;
  std::vector<std::string> containers;
  double started = 0;
  TimePoint started_at;
  double removed = kInfinity;
  std::vector<ReadyInterval> ready;

  bool ReadyAt(double t) const {
    for (const ReadyInterval& iv : ready) {
      if (iv.start <= t && t < iv.end) return true;
    }
    return false;
  }
  bool RunningAt(double t) const { return started <= t && t < removed; }
};

struct LoadModel::Node {
  std::string name;
  double created = 0;
  std::vector<std::unique_ptr<Pod>> pods;  // in start order
  uint64_t folded_nanos = 0;               // final counters of pods folded away
  double folded_until = -kInfinity;        // newest removal time among folded pods
};

LoadModel::LoadModel(LoadModelOptions options) : options_(std::move(options)) {}
LoadModel::~LoadModel() = default;

double LoadModel::Seconds(TimePoint t) const { return std::chrono::duration<double>(t - options_.epoch).count(); }

LoadModel::Workload& LoadModel::WorkloadFor(std::string_view ns, std::string_view name) {
  std::string key = Key(ns, name);
  auto it = workloads_.find(key);
  if (it != workloads_.end()) return *it->second;
  auto workload = std::make_unique<Workload>();
  workload->versions.push_back({-kInfinity, options_.default_load, 0});
  return *workloads_.emplace(std::move(key), std::move(workload)).first->second;
}

const LoadModel::Workload* LoadModel::FindWorkload(std::string_view ns, std::string_view name) const {
  auto it = workloads_.find(Key(ns, name));
  return it == workloads_.end() ? nullptr : it->second.get();
}

const LoadModel::Pod* LoadModel::FindPod(std::string_view ns, std::string_view name) const {
  auto it = pods_.find(Key(ns, name));
  return it == pods_.end() ? nullptr : it->second;
}

const LoadModel::Node* LoadModel::FindNode(std::string_view name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second.get();
}

void LoadModel::SetWorkloadLoad(std::string_view ns, std::string_view name, LoadCurve curve, TimePoint effective) {
  std::lock_guard lock(mu_);
  Workload& w = WorkloadFor(ns, name);
  double from = std::max(Seconds(effective), newest_sample_);
  if (w.versions.size() == 1 && w.epoch_start.size() == 1 && w.epoch_ready.back() == 0 &&
      w.last_event == TimePoint::min()) {
    // Nothing has happened yet: the curve simply replaces the default from the start.
    w.versions.front().curve = std::move(curve);
    return;
  }
  // Keep history: versions (and the integral) only change from `from` on.
  from = std::max(from, w.versions.back().from);
  double base = w.Integral(from);
  while (w.versions.size() > 1 && w.versions.back().from >= from) w.versions.pop_back();
  w.versions.push_back({from, std::move(curve), base});
}

void LoadModel::SetWorkloadMemory(std::string_view ns, std::string_view name, MemoryModel memory) {
  std::lock_guard lock(mu_);
  WorkloadFor(ns, name).memory = memory;
}

void LoadModel::AddNode(std::string_view name, TimePoint created) {
  std::lock_guard lock(mu_);
  if (nodes_.count(name) != 0) return;
  auto node = std::make_unique<Node>();
  node->name = std::string(name);
  node->created = Seconds(created);
  nodes_.emplace(std::string(name), std::move(node));
}

// Ends the workload's current epoch at t and starts one with ready_delta more Ready pods. Zero-length epochs are
// merged so that simultaneous events share one epoch.
double LoadModel::CutEpoch(Workload& w, double t, int ready_delta) {
  t = std::max(t, w.epoch_start.back());
  if (t > w.epoch_start.back()) {
    int ready = w.epoch_ready.back();
    double share = ready > 0 ? (w.Integral(t) - w.Integral(w.epoch_start.back())) / ready : 0;
    w.prefix.push_back(w.prefix.back() + share);
    w.epoch_start.push_back(t);
    w.epoch_ready.push_back(ready);
  }
  w.epoch_ready.back() += ready_delta;
  return t;
}

common::Status LoadModel::StartPod(const PodStart& start) {
  if (start.containers.empty()) return Error::Make(ErrorCode::kInvalidArgument, "a pod needs at least one container");
  std::lock_guard lock(mu_);
  auto node_it = nodes_.find(start.node);
  if (node_it == nodes_.end()) return NotFound(fmt::format("node {} not found", start.node));
  std::string key = Key(start.namespace_name, start.name);
  auto existing = pods_.find(key);
  if (existing != pods_.end() && existing->second->removed == kInfinity) {
    return Error::Make(ErrorCode::kAlreadyExists, fmt::format("pod {} is already running", key));
  }
  Workload& w = WorkloadFor(start.workload_namespace, start.workload_name);
  TimePoint at = std::max(start.started, w.last_event);
  double t = Seconds(at);
  if (t < newest_sample_) {
    t = newest_sample_;
    at = options_.epoch + std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(t));
  }
  w.last_event = std::max(w.last_event, at);
  auto pod = std::make_unique<Pod>();
  pod->namespace_name = start.namespace_name;
  pod->name = start.name;
  pod->workload = &w;
  pod->node = node_it->second.get();
  pod->containers = start.containers;
  pod->started = t;
  pod->started_at = at;
  pods_[key] = pod.get();
  node_it->second->pods.push_back(std::move(pod));
  return common::Status::Ok();
}

common::Status LoadModel::SetPodReady(std::string_view ns, std::string_view name, bool ready, TimePoint at) {
  std::lock_guard lock(mu_);
  auto it = pods_.find(Key(ns, name));
  if (it == pods_.end() || it->second->removed != kInfinity) return NotFound(fmt::format("pod {}/{} not running", ns, name));
  Pod& pod = *it->second;
  Workload& w = *pod.workload;
  bool is_ready = !pod.ready.empty() && pod.ready.back().end == kInfinity;
  if (is_ready == ready) return common::Status::Ok();
  at = std::max(at, w.last_event);
  w.last_event = at;
  double t = std::max({Seconds(at), newest_sample_, pod.started});
  if (ready) {
    t = CutEpoch(w, t, +1);
    pod.ready.push_back({t, w.epoch_start.size() - 1});
  } else {
    t = CutEpoch(w, t, -1);
    pod.ready.back().end = t;
    pod.ready.back().end_epoch = w.epoch_start.size() - 1;
  }
  return common::Status::Ok();
}

common::Status LoadModel::RemovePod(std::string_view ns, std::string_view name, TimePoint at) {
  auto status = SetPodReady(ns, name, false, at);
  if (!status.ok()) return status;
  std::lock_guard lock(mu_);
  auto it = pods_.find(Key(ns, name));
  if (it == pods_.end()) return NotFound(fmt::format("pod {}/{} not running", ns, name));
  Pod& pod = *it->second;
  Workload& w = *pod.workload;
  at = std::max(at, w.last_event);
  w.last_event = at;
  double t = std::max({Seconds(at), newest_sample_, pod.started});
  if (!pod.ready.empty()) t = std::max(t, pod.ready.back().end);
  pod.removed = t;
  FoldRemovedPods(*pod.node, t);
  return common::Status::Ok();
}

void LoadModel::FoldRemovedPods(Node& node, double now) {
  double horizon = now - static_cast<double>(options_.removed_pod_retention.count());
  auto& pods = node.pods;
  for (auto it = pods.begin(); it != pods.end();) {
    Pod& pod = **it;
    if (pod.removed <= horizon) {
      node.folded_nanos += PodCounter(pod, pod.removed);
      node.folded_until = std::max(node.folded_until, pod.removed);
      auto entry = pods_.find(Key(pod.namespace_name, pod.name));
      if (entry != pods_.end() && entry->second == &pod) pods_.erase(entry);
      it = pods.erase(it);
    } else {
      ++it;
    }
  }
}

double LoadModel::PodCoreSeconds(const Pod& pod, double t) const {
  if (t <= pod.started) return 0;
  double end = std::min(t, pod.removed);
  const Workload& w = *pod.workload;
  double ready_core_seconds = 0;
  double ready_time = 0;
  for (const Pod::ReadyInterval& iv : pod.ready) {
    if (iv.start >= end) break;
    if (iv.end <= end) {
      ready_time += iv.end - iv.start;
      ready_core_seconds += w.prefix[iv.end_epoch] - w.prefix[iv.start_epoch];
    } else {
      ready_time += end - iv.start;
      std::size_t k = w.EpochAt(end);
      int ready = w.epoch_ready[k];
      double partial = ready > 0 ? (w.Integral(end) - w.Integral(w.epoch_start[k])) / ready : 0;
      ready_core_seconds += w.prefix[k] - w.prefix[iv.start_epoch] + partial;
    }
  }
  double unready_time = std::max(0.0, (end - pod.started) - ready_time);
  return ready_core_seconds + options_.unready_pod_millicores / 1000.0 * unready_time;
}

double LoadModel::PodMillicores(const Pod& pod, double t) const {
  if (!pod.RunningAt(t)) return 0;
  if (!pod.ReadyAt(t)) return options_.unready_pod_millicores;
  const Workload& w = *pod.workload;
  int ready = w.epoch_ready[w.EpochAt(t)];
  return ready > 0 ? w.Millicores(t) / ready : 0;
}

uint64_t LoadModel::ContainerCounter(const Pod& pod, double t) const {
  return ToNanos(PodCoreSeconds(pod, t) / static_cast<double>(pod.containers.size()));
}

uint64_t LoadModel::PodCounter(const Pod& pod, double t) const {
  return ContainerCounter(pod, t) * pod.containers.size();
}

uint64_t LoadModel::ContainerMemory(const Pod& pod, double t) const {
  if (!pod.RunningAt(t)) return 0;
  const MemoryModel& m = pod.workload->memory ? *pod.workload->memory : options_.pod_memory;
  double bytes = m.base_bytes + m.bytes_per_millicore * PodMillicores(pod, t);
  return static_cast<uint64_t>(std::llround(bytes / static_cast<double>(pod.containers.size())));
}

common::Result<uint64_t> LoadModel::NodeCounter(const Node& node, double t) const {
  if (t < node.folded_until) {
    return NotFound(fmt::format("node {}: history before {}s is no longer kept", node.name, node.folded_until));
  }
  uint64_t total = node.folded_nanos;
  total += ToNanos(options_.node_overhead_millicores / 1000.0 * std::max(0.0, t - node.created));
  for (const auto& pod : node.pods) total += PodCounter(*pod, t);
  return total;
}

common::Result<NodeSample> LoadModel::SampleNode(std::string_view name, TimePoint at) const {
  auto at_ms = std::chrono::floor<std::chrono::milliseconds>(at);
  std::lock_guard lock(mu_);
  const Node* node = FindNode(name);
  if (node == nullptr) return NotFound(fmt::format("node {} not found", name));
  double t = Seconds(at_ms);
  newest_sample_ = std::max(newest_sample_, t);
  NodeSample sample;
  sample.name = node->name;
  sample.timestamp_ms = at_ms.time_since_epoch().count();
  auto counter = NodeCounter(*node, t);
  if (!counter.ok()) return counter.error();
  sample.cpu_core_nanoseconds = *counter;
  uint64_t memory = static_cast<uint64_t>(std::llround(options_.node_memory_base_bytes));
  sample.pods.reserve(node->pods.size());
  for (const auto& pod : node->pods) {
    if (!pod->RunningAt(t)) continue;
    PodSample p;
    p.namespace_name = pod->namespace_name;
    p.name = pod->name;
    uint64_t cpu = ContainerCounter(*pod, t);
    uint64_t mem = ContainerMemory(*pod, t);
    for (const std::string& c : pod->containers) p.containers.push_back({c, cpu, mem, pod->started_at});
    p.cpu_core_nanoseconds = cpu * pod->containers.size();
    p.memory_working_set_bytes = mem * pod->containers.size();
    memory += p.memory_working_set_bytes;
    sample.pods.push_back(std::move(p));
  }
  sample.memory_working_set_bytes = memory;
  return sample;
}

common::Result<uint64_t> LoadModel::PodCpuCounter(std::string_view ns, std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Pod* pod = FindPod(ns, name);
  if (pod == nullptr) return NotFound(fmt::format("pod {}/{} not found", ns, name));
  return PodCounter(*pod, Seconds(at));
}

common::Result<uint64_t> LoadModel::ContainerCpuCounter(std::string_view ns, std::string_view name,
                                                        std::string_view container, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Pod* pod = FindPod(ns, name);
  if (pod == nullptr || std::find(pod->containers.begin(), pod->containers.end(), container) == pod->containers.end()) {
    return NotFound(fmt::format("container {} of pod {}/{} not found", container, ns, name));
  }
  return ContainerCounter(*pod, Seconds(at));
}

common::Result<uint64_t> LoadModel::NodeCpuCounter(std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Node* node = FindNode(name);
  if (node == nullptr) return NotFound(fmt::format("node {} not found", name));
  return NodeCounter(*node, Seconds(at));
}

namespace {

common::Result<double> Rate(const common::Result<uint64_t>& c1, const common::Result<uint64_t>& c2, TimePoint t1,
                            TimePoint t2) {
  if (!c1.ok()) return c1.error();
  if (!c2.ok()) return c2.error();
  if (t2 <= t1) return Error::Make(ErrorCode::kInvalidArgument, "the second instant must be after the first");
  double seconds = std::chrono::duration<double>(t2 - t1).count();
  double delta = static_cast<double>(static_cast<int64_t>(*c2 - *c1));
  return delta / 1e9 / seconds;
}

}  // namespace

common::Result<double> LoadModel::ExpectedPodCpuCores(std::string_view ns, std::string_view pod, TimePoint t1,
                                                      TimePoint t2) const {
  return Rate(PodCpuCounter(ns, pod, t1), PodCpuCounter(ns, pod, t2), t1, t2);
}

common::Result<double> LoadModel::ExpectedContainerCpuCores(std::string_view ns, std::string_view pod,
                                                            std::string_view container, TimePoint t1,
                                                            TimePoint t2) const {
  return Rate(ContainerCpuCounter(ns, pod, container, t1), ContainerCpuCounter(ns, pod, container, t2), t1, t2);
}

common::Result<double> LoadModel::ExpectedNodeCpuCores(std::string_view node, TimePoint t1, TimePoint t2) const {
  return Rate(NodeCpuCounter(node, t1), NodeCpuCounter(node, t2), t1, t2);
}

common::Result<uint64_t> LoadModel::PodMemoryBytes(std::string_view ns, std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Pod* pod = FindPod(ns, name);
  double t = Seconds(at);
  if (pod == nullptr || !pod->RunningAt(t)) return NotFound(fmt::format("pod {}/{} not running", ns, name));
  return ContainerMemory(*pod, t) * pod->containers.size();
}

common::Result<uint64_t> LoadModel::ContainerMemoryBytes(std::string_view ns, std::string_view name,
                                                         std::string_view container, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Pod* pod = FindPod(ns, name);
  double t = Seconds(at);
  if (pod == nullptr || !pod->RunningAt(t) ||
      std::find(pod->containers.begin(), pod->containers.end(), container) == pod->containers.end()) {
    return NotFound(fmt::format("container {} of pod {}/{} not running", container, ns, name));
  }
  return ContainerMemory(*pod, t);
}

common::Result<uint64_t> LoadModel::NodeMemoryBytes(std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Node* node = FindNode(name);
  if (node == nullptr) return NotFound(fmt::format("node {} not found", name));
  double t = Seconds(at);
  uint64_t memory = static_cast<uint64_t>(std::llround(options_.node_memory_base_bytes));
  for (const auto& pod : node->pods) memory += ContainerMemory(*pod, t) * pod->containers.size();
  return memory;
}

double LoadModel::WorkloadMillicoresAt(std::string_view ns, std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Workload* w = FindWorkload(ns, name);
  return w == nullptr ? options_.default_load.MillicoresAt(Seconds(at)) : w->Millicores(Seconds(at));
}

common::Result<double> LoadModel::PodMillicoresAt(std::string_view ns, std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Pod* pod = FindPod(ns, name);
  if (pod == nullptr) return NotFound(fmt::format("pod {}/{} not found", ns, name));
  return PodMillicores(*pod, Seconds(at));
}

int LoadModel::ReadyPods(std::string_view ns, std::string_view name, TimePoint at) const {
  std::lock_guard lock(mu_);
  const Workload* w = FindWorkload(ns, name);
  return w == nullptr ? 0 : w->epoch_ready[w->EpochAt(Seconds(at))];
}

std::vector<std::string> LoadModel::NodeNames() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, node] : nodes_) names.push_back(name);
  return names;
}

}  // namespace sandbox
