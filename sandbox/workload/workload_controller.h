#pragma once
// The sandbox's stand-in for kube-controller-manager's workload controllers, the scheduler and the kubelets' pod
// lifecycle, working on the ObjectStore in-process:
//   - Deployments get one ReplicaSet per pod template (name <deployment>-<pod-template-hash>); a template change
//     moves all replicas to the new ReplicaSet at once (no surge/unavailable arithmetic).
//   - ReplicaSets, ReplicationControllers and StatefulSets get pods to match spec.replicas, after creation_delay.
//     Scale-down removes not-ready pods before ready ones and, among equals, the newest first (StatefulSets: the
//     highest ordinal).
//   - A new pod is bound at once to the least loaded node (fewest pods) and is Pending; start_delay later it is
//     Running with Ready=False; readiness_delay after that it is Ready (conditions carry lastTransitionTime).
//   - Workload status (replicas, readyReplicas, availableReplicas, observedGeneration, ...) follows.
//   - Deleting a workload deletes what it owns; deleting a pod makes its owner replace it.
// Pods that start, become Ready or go away are reported to the LoadModel (as pods of their top-level workload).
//
// Time is passed in: Sync(now) does everything due by `now`, each timed step at its own due time (so a pod created
// at t is Running at t + start_delay and Ready at t + start_delay + readiness_delay however often Sync runs);
// reactions to changes in the store happen at `now`. Tests drive it deterministically; RunInBackground calls Sync
// from a thread following a clock.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "sandbox/apiserver/object_store.h"
#include "sandbox/load/load_model.h"

namespace sandbox {

struct WorkloadControllerOptions {
  std::chrono::milliseconds creation_delay{0};      // replicas change -> pods created or deleted
  std::chrono::milliseconds start_delay{1000};      // pod created -> Running (containers started)
  std::chrono::milliseconds readiness_delay{2000};  // Running -> Ready
  int max_pods_per_node = 110;
  uint64_t seed = 1;  // pod name suffixes
};

class WorkloadController {
 public:
  // `model` may be null (no usage bookkeeping).
  WorkloadController(ObjectStore& store, LoadModel* model, WorkloadControllerOptions options);
  ~WorkloadController();
  WorkloadController(const WorkloadController&) = delete;
  WorkloadController& operator=(const WorkloadController&) = delete;

  // Subscribes to the store. Errors: whatever ObjectStore::Watch returns.
  common::Status Start();
  // Makes a node schedulable (its Node object is the caller's business).
  void AddNode(const std::string& name, const std::string& address);

  // Does everything due by `now`: timed pod transitions, reactions to changes in the store, status updates.
  // Returns when something is next due, if anything is.
  std::optional<TimePoint> Sync(TimePoint now);

  // Calls Sync from a thread, at each due time and on every change, following `clock`. Stop() ends it.
  void RunInBackground(std::function<TimePoint()> clock);
  void Stop();

  struct Stats {
    uint64_t pods_created = 0;
    uint64_t pods_deleted = 0;
    std::size_t pods = 0;            // pods the controller manages now
    std::size_t unscheduled = 0;     // waiting for node capacity
    std::size_t pending_timers = 0;
  };
  Stats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::thread thread_;
};

// The pod-template-hash label value for a serialized pod template (FNV-1a, then Kubernetes' safe encoding).
std::string PodTemplateHash(std::string_view template_json);

}  // namespace sandbox
