#pragma once
// The HorizontalPodAutoscaler controller loop (upstream horizontal.go): it only gathers inputs (HPA, /scale,
// pods, metrics) and applies outputs (scale write, status, events); every decision is the pure
// hpa::Reconcile in autoscaler/algorithm.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "autoscaler/algorithm/reconcile.h"
#include "autoscaler/controller/event_recorder.h"
#include "autoscaler/controller/hpa_codec.h"
#include "autoscaler/controller/metrics_client.h"
#include "autoscaler/controller/scale_client.h"
#include "autoscaler/controller/work_queue.h"
#include "kube/client/informer.h"
#include "kube/objects/pod.h"

namespace prometheus {
class Registry;
}

namespace autoscaler {

// Annotation selecting which controller acts on an HPA when several run side by side (see --hpa-class).
inline constexpr const char* kHpaClassAnnotation = "autoscaling.kma.io/class";

struct ControllerOptions {
  std::string namespace_name;                       // "" = all namespaces
  std::chrono::milliseconds sync_period{15000};     // --horizontal-pod-autoscaler-sync-period
  int workers = 5;                                  // --concurrent-horizontal-pod-autoscaler-syncs
  hpa::ControllerConfig algorithm;
  // "" acts on every HPA (replacing kube-controller-manager's controller); otherwise only on HPAs whose
  // autoscaling.kma.io/class annotation equals this value.
  std::string hpa_class;
};

// The controller's view of pods: the namespace's pods as the algorithm wants them.
class PodLister {
 public:
  virtual ~PodLister() = default;
  virtual std::vector<hpa::Pod> PodsInNamespace(const std::string& namespace_name) const = 0;
  virtual const std::map<std::string, std::string>* Labels(const std::string& ns, const std::string& name) const = 0;
};

// Converts the kube object view to the algorithm's pod.
hpa::Pod ToAlgorithmPod(const kube::Pod& pod);

class InformerPodLister final : public PodLister {
 public:
  explicit InformerPodLister(const kube::Informer<kube::Pod>& informer) : informer_(informer) {}
  std::vector<hpa::Pod> PodsInNamespace(const std::string& namespace_name) const override;
  const std::map<std::string, std::string>* Labels(const std::string& ns, const std::string& name) const override;

 private:
  const kube::Informer<kube::Pod>& informer_;
};

class HpaController {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  struct Dependencies {
    kube::RestClient* rest = nullptr;
    ScaleClient* scale = nullptr;
    MetricsClient* metrics = nullptr;
    EventRecorder* events = nullptr;
    PodLister* pods = nullptr;
    std::function<bool()> is_leader;  // empty = always leader
    prometheus::Registry* registry = nullptr;  // optional self-metrics
    WallClock clock;                            // empty = system clock
  };

  HpaController(Dependencies deps, ControllerOptions options);
  ~HpaController();

  // Feeds HPAs from an informer (registers handlers; call before the informer starts).
  void Watch(kube::Informer<HpaObject>& hpas);
  // Starts the worker threads.
  void Start();
  void Stop();

  // Queues every known HPA now (a new metrics batch arrived).
  void EnqueueAll();

  // One reconcile of `hpa` against the cluster; returns upstream's error when the pass failed. Exposed for tests.
  std::optional<std::string> Reconcile(const HpaObject& hpa);

 private:
  struct Metrics;

  void Worker();
  void Process(const std::string& key);
  bool Selected(const HpaObject& hpa) const;
  common::Status WriteStatus(const HpaObject& hpa, const hpa::HpaStatus& status);

  Dependencies deps_;
  const ControllerOptions options_;
  WorkQueue queue_;
  kube::Informer<HpaObject>* informer_ = nullptr;

  std::mutex mu_;
  std::map<std::string, hpa::HpaMemory> memory_;  // per HPA key, across passes
  // namespace -> HPA name -> its target's pod selector, for AmbiguousSelector. Per namespace, so that a pass
  // looks only at its neighbours (a flat map made a cycle over N HPAs cost O(N^2)).
  std::map<std::string, std::map<std::string, std::string>> selectors_;

  std::unique_ptr<Metrics> metrics_;
  std::vector<std::thread> workers_;
  std::atomic<bool> running_{false};
};

}  // namespace autoscaler
