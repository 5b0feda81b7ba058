#pragma once
// The sandbox's ground truth for resource usage. Each workload (namespace + name of its top-level owner) offers a
// LoadCurve that is split evenly across its Ready pods; a running pod that is not Ready uses a fixed amount; a
// pod's memory follows its CPU usage (MemoryModel); a node uses its pods plus a system overhead.
//
// Cumulative CPU counters integrate usage exactly. A pod's readiness changes are the only moments at which the
// split of its workload's load changes, so they cut the workload's time line into epochs with a constant number
// of Ready pods; each epoch's per-pod share has a closed form (the curve's integral / ready count), and prefix sums
// of those shares give any pod's counter at any instant in O(log epochs). Counters are exposed in whole
// core-nanoseconds; pod counters are the sum of their containers' and node counters the sum of their pods' plus
// the overhead, so sums agree exactly as integers. A scraper that reads counters c1, c2 at t1, t2 sees
// (c2 - c1) / (t2 - t1), which is what the Expected* functions return (in cores) for the same instants.
//
// Changes (pods starting, becoming Ready, leaving) never rewrite history that a sample has already observed: an
// event dated before the newest sample is applied at the sample's time instead.
//
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sandbox/load/load_curve.h"
#include "sandbox/load/scenario.h"

namespace sandbox {

using TimePoint = std::chrono::system_clock::time_point;

struct LoadModelOptions {
  TimePoint epoch;  // time 0 of every load curve
  double node_overhead_millicores = 100;
  double node_memory_base_bytes = 512.0 * 1024 * 1024;
  double unready_pod_millicores = 0;
  MemoryModel pod_memory;
  // Load of a workload that was never given a curve.
  LoadCurve default_load = LoadCurve::Constant(100);
  // Pods that left a node longer ago than this are folded into the node's counter; node queries about instants
  // before the fold fail with kNotFound.
  std::chrono::seconds removed_pod_retention{3600};
};

struct PodStart {
  std::string namespace_name;
  std::string name;
  std::string node;
  std::string workload_namespace;  // the top-level owner whose load this pod shares (e.g. the Deployment)
  std::string workload_name;
  std::vector<std::string> containers;  // at least one
  TimePoint started;                    // containers' start time
};

struct ContainerSample {
  std::string name;
  uint64_t cpu_core_nanoseconds = 0;
  uint64_t memory_working_set_bytes = 0;
  TimePoint start_time;
};

struct PodSample {
  std::string namespace_name;
  std::string name;
  uint64_t cpu_core_nanoseconds = 0;  // sum of its containers
  uint64_t memory_working_set_bytes = 0;
  std::vector<ContainerSample> containers;
};

struct NodeSample {
  std::string name;
  int64_t timestamp_ms = 0;  // unix milliseconds of the sample
  uint64_t cpu_core_nanoseconds = 0;
  uint64_t memory_working_set_bytes = 0;
  std::vector<PodSample> pods;  // pods running at the sample time, in start order
};

class LoadModel {
 public:
  explicit LoadModel(LoadModelOptions options);
  ~LoadModel();
  LoadModel(const LoadModel&) = delete;
  LoadModel& operator=(const LoadModel&) = delete;

  const LoadModelOptions& options() const { return options_; }

  // Sets a workload's load from `effective` on; before that the previous curve keeps applying. Curve time is
  // always relative to the epoch.
  void SetWorkloadLoad(std::string_view ns, std::string_view name, LoadCurve curve, TimePoint effective);
  void SetWorkloadMemory(std::string_view ns, std::string_view name, MemoryModel memory);

  // Adds a node whose overhead starts at `created`. Idempotent.
  void AddNode(std::string_view name, TimePoint created);
  // Errors: kInvalidArgument (no containers), kNotFound (unknown node), kAlreadyExists (a live pod of that name).
  common::Status StartPod(const PodStart& pod);
  // Errors: kNotFound (no live pod of that name).
  common::Status SetPodReady(std::string_view ns, std::string_view name, bool ready, TimePoint at);
  common::Status RemovePod(std::string_view ns, std::string_view name, TimePoint at);

  // What a kubelet reports at `at` (truncated to whole milliseconds). Errors: kNotFound.
  common::Result<NodeSample> SampleNode(std::string_view node, TimePoint at) const;

  // Counters at an instant (not truncated), in core-nanoseconds. Errors: kNotFound.
  common::Result<uint64_t> PodCpuCounter(std::string_view ns, std::string_view pod, TimePoint at) const;
  common::Result<uint64_t> ContainerCpuCounter(std::string_view ns, std::string_view pod, std::string_view container,
                                               TimePoint at) const;
  common::Result<uint64_t> NodeCpuCounter(std::string_view node, TimePoint at) const;

  // The usage, in cores, that a scraper differencing the counters at t1 < t2 computes. Errors: kNotFound,
  // kInvalidArgument when t2 <= t1.
  common::Result<double> ExpectedPodCpuCores(std::string_view ns, std::string_view pod, TimePoint t1, TimePoint t2) const;
  common::Result<double> ExpectedContainerCpuCores(std::string_view ns, std::string_view pod,
                                                   std::string_view container, TimePoint t1, TimePoint t2) const;
  common::Result<double> ExpectedNodeCpuCores(std::string_view node, TimePoint t1, TimePoint t2) const;

  // Working sets at an instant. Errors: kNotFound (also for a pod not running at `at`).
  common::Result<uint64_t> PodMemoryBytes(std::string_view ns, std::string_view pod, TimePoint at) const;
  common::Result<uint64_t> ContainerMemoryBytes(std::string_view ns, std::string_view pod, std::string_view container,
                                                TimePoint at) const;
  common::Result<uint64_t> NodeMemoryBytes(std::string_view node, TimePoint at) const;

  // Instantaneous modelled usage, in millicores.
  double WorkloadMillicoresAt(std::string_view ns, std::string_view name, TimePoint at) const;
  common::Result<double> PodMillicoresAt(std::string_view ns, std::string_view pod, TimePoint at) const;
  // Number of Ready pods of a workload at an instant.
  int ReadyPods(std::string_view ns, std::string_view name, TimePoint at) const;

  std::vector<std::string> NodeNames() const;

 private:
  struct Workload;
  struct Pod;
  struct Node;

  double Seconds(TimePoint t) const;
  Workload& WorkloadFor(std::string_view ns, std::string_view name);
  const Workload* FindWorkload(std::string_view ns, std::string_view name) const;
  const Pod* FindPod(std::string_view ns, std::string_view name) const;
  const Node* FindNode(std::string_view name) const;
  double CutEpoch(Workload& workload, double t, int ready_delta);
  double PodCoreSeconds(const Pod& pod, double t) const;
  double PodMillicores(const Pod& pod, double t) const;
  uint64_t ContainerCounter(const Pod& pod, double t) const;
  uint64_t PodCounter(const Pod& pod, double t) const;
  uint64_t ContainerMemory(const Pod& pod, double t) const;
  common::Result<uint64_t> NodeCounter(const Node& node, double t) const;
  void FoldRemovedPods(Node& node, double now);

  const LoadModelOptions options_;
  mutable std::mutex mu_;
  mutable double newest_sample_ = -1e300;  // seconds since epoch of the newest sample taken
  std::map<std::string, std::unique_ptr<Workload>, std::less<>> workloads_;  // "ns/name"
  std::map<std::string, std::unique_ptr<Node>, std::less<>> nodes_;
  std::map<std::string, Pod*, std::less<>> pods_;  // "ns/name" -> newest pod of that name (owned by its node)
};

}  // namespace sandbox
