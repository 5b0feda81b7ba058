#pragma once
// One reconcile pass of the HPA controller (upstream horizontal.go reconcileAutoscaler) as a pure function.
//
// The caller (the controller) does all I/O:
//   1. GET the target's /scale; put the answer (or the error) into ReconcileInput::scale.
//   2. If it succeeded, call PlanMetricQueries() to learn what each spec.metrics[i] needs, query the metrics APIs
//      and put each answer (or the API error) into ReconcileInput::metric_answers[i].
//   3. Call Reconcile(). If the output is `awaiting_scale_update`, PUT /scale with that replica count and call
//      CompleteReconcile() with the PUT's result. (RunReconcile() does 3 with a callback.)
//   4. Emit `events`, write `status` when `status_changed`, keep `memory` for the next pass of this HPA, and
//      treat `error` like upstream's returned error (log it, requeue with rate limit).
//
// Time comes only from ReconcileInput::now. Nothing here blocks, allocates globally or throws on bad input.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "autoscaler/algorithm/normalization.h"
#include "autoscaler/algorithm/replica_calculator.h"
#include "autoscaler/algorithm/types.h"
#include "common/result.h"

namespace autoscaler::hpa {

// kube-controller-manager flags that shape the algorithm.
struct ControllerConfig {
  double tolerance = 0.1;                                      // --horizontal-pod-autoscaler-tolerance
  Duration downscale_stabilization = Seconds(300);             // --horizontal-pod-autoscaler-downscale-stabilization
  Duration cpu_initialization_period = Seconds(300);           // --horizontal-pod-autoscaler-cpu-initialization-period
  Duration delay_of_initial_readiness_status = Seconds(30);    // --horizontal-pod-autoscaler-initial-readiness-delay
  double scale_up_limit_factor = kDefaultScaleUpLimitFactor;   // no-behavior scale-up limit: max(f * current, min)
  double scale_up_limit_minimum = kDefaultScaleUpLimitMinimum;
  bool configurable_tolerance = true;  // HPAConfigurableTolerance gate: honour behavior.*.tolerance
  bool pod_level_resources = false;    // PodLevelResources gate
};

// Which metrics API a spec entry needs, and with which parameters.
enum class MetricsApi { kNone, kResource, kCustomPods, kCustomObject, kExternal };

struct MetricQuery {
  MetricsApi api = MetricsApi::kNone;  // kNone: nothing to fetch (invalid spec; Reconcile reports it)
  std::string metric_name;             // custom/external metric name
  std::string resource;                // kResource: "cpu", "memory", ...
  std::string container;               // kResource for ContainerResource metrics
  std::string pod_selector;            // kResource, kCustomPods: the target's pod selector (string form)
  std::string metric_selector;         // kCustomPods, kCustomObject, kExternal: the metric's label selector
  CrossVersionObjectReference object;  // kCustomObject
};

// One query per spec.metrics entry, in order.
std::vector<MetricQuery> PlanMetricQueries(const HpaSpec& spec, const std::string& pod_selector);

// What the metrics API answered for one spec.metrics entry. Fill the member that matches the query's api; an
// error is the API's own error (Reconcile adds upstream's "unable to fetch metrics from ... API" wrapping). A
// member left unset reads as an API error "metric was not fetched".
struct MetricAnswer {
  std::optional<common::Result<std::vector<PodMetrics>>> resource;        // metrics.k8s.io PodMetrics list
  std::optional<common::Result<std::vector<CustomPodMetric>>> pods;       // custom.metrics.k8s.io pods/*
  std::optional<common::Result<MetricValue>> object;                      // custom.metrics.k8s.io single object
  std::optional<common::Result<std::vector<MetricValue>>> external;       // external.metrics.k8s.io
};

// Another HPA of the namespace with the selector of its target, as last seen by the controller. Used to refuse
// scaling when the pods are claimed by several HPAs (AmbiguousSelector).
struct OtherHpa {
  std::string name;
  std::string selector;
};

struct ReconcileInput {
  Hpa hpa;  // spec after API defaulting, and the current status
  common::Result<ScaleView> scale = common::Error::Make(common::ErrorCode::kInternal, "scale was not fetched");
  std::vector<Pod> pods;                      // all pods of the HPA's namespace; the scale selector is applied here
  std::vector<OtherHpa> other_hpas;           // other HPAs in the namespace
  std::vector<MetricAnswer> metric_answers;   // parallel to hpa.spec.metrics
  ControllerConfig config;
  Time now{};
  HpaMemory memory;  // this HPA's memory from the previous pass (default: a never-seen HPA)
};

// Internal bookkeeping carried from Reconcile() to CompleteReconcile(). Do not edit.
struct PendingRescale {
  int32_t current_replicas = 0;
  int32_t desired_replicas = 0;
  std::string reason;  // rescale reason for the event text
  std::vector<MetricStatus> metric_statuses;
  std::optional<std::string> metrics_error;  // some metric failed but scaling proceeds
};

struct ReconcileOutput {
  // The replica count this pass writes to /scale, if it rescales.
  std::optional<int32_t> scale_update;
  // Set by Reconcile() together with scale_update: the pass is not finished; PUT /scale spec.replicas =
  // *scale_update, then call CompleteReconcile(), which clears it.
  bool awaiting_scale_update = false;
  // True once a PUT to /scale succeeded in this pass.
  bool scale_updated = false;
  int32_t desired_replicas = 0;  // == status.desired_replicas
  HpaStatus status;              // the status to write
  bool status_changed = false;   // status differs from the input's: the controller should write it
  std::vector<Event> events;
  HpaMemory memory;
  std::optional<std::string> error;  // upstream's returned error: log it and requeue with backoff
  PendingRescale pending;
};

ReconcileOutput Reconcile(const ReconcileInput& input);
// Finishes a pass whose output is awaiting_scale_update, given the result of the PUT.
ReconcileOutput CompleteReconcile(const ReconcileInput& input, ReconcileOutput partial,
                                  const common::Status& scale_update_result);
// Reconcile + CompleteReconcile, calling `update_scale(replicas)` for the PUT when one is needed.
ReconcileOutput RunReconcile(const ReconcileInput& input,
                             const std::function<common::Status(int32_t replicas)>& update_scale);

// The tolerances for one HPA: the controller flag, overridden per direction by behavior.*.tolerance (KEP-4951).
Tolerances TolerancesForHpa(const HpaSpec& spec, const ControllerConfig& config);

// upstream setConditionInList: replaces the condition of that type (appending it if absent); the transition time
// moves to `now` only when the status changes.
void SetCondition(std::vector<HpaCondition>& conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, Time now);

}  // namespace autoscaler::hpa
