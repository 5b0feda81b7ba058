#pragma once
// Value types of the autoscaling/v2 HPA algorithm (kube-controller-manager's pkg/controller/podautoscaler).
//
// Everything here is plain data: no I/O, no clocks. All resource quantities and metric values are integers in
// milli-units (what upstream's Quantity.MilliValue() returns, and what all of upstream's arithmetic uses).
// Callers convert Kubernetes quantity strings before building these objects.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace autoscaler::hpa {

// Microsecond resolution so that Go's zero time (year 1) is representable: upstream's fixtures use it as a real,
// very old timestamp and the readiness rules compare against it.
using Duration = std::chrono::microseconds;
using Time = std::chrono::sys_time<Duration>;

// Go's zero time.Time, 0001-01-01T00:00:00Z.
inline constexpr Time kGoZeroTime{std::chrono::seconds(-62135596800LL)};

inline Time FromSystemClock(std::chrono::system_clock::time_point t) {
  return std::chrono::time_point_cast<Duration>(t);
}

inline constexpr Duration Seconds(int64_t s) { return std::chrono::seconds(s); }

// ---------------------------------------------------------------------------------------------------------------
// Pods and metrics answers.

enum class PodPhase { kUnset, kPending, kRunning, kSucceeded, kFailed, kUnknown };

struct PodCondition {
  std::string type;    // "Ready", ...
  std::string status;  // "True" | "False" | "Unknown"
  Time last_transition_time{};
  friend bool operator==(const PodCondition&, const PodCondition&) = default;
};

// resource name ("cpu", "memory", ...) -> milli-units.
using ResourceList = std::map<std::string, int64_t>;

struct Container {
  std::string name;
  ResourceList requests;
  // For init containers: restartPolicy Always makes it a sidecar, whose requests count like a regular container's.
  bool restart_policy_always = false;
  friend bool operator==(const Container&, const Container&) = default;
};

struct Pod {
  std::string name;
  std::map<std::string, std::string> labels;
  PodPhase phase = PodPhase::kUnset;
  bool deletion_timestamp_set = false;
  std::optional<Time> start_time;  // status.startTime; nullopt = unset
  std::vector<PodCondition> conditions;
  std::vector<Container> containers;
  std::vector<Container> init_containers;
  ResourceList pod_requests;  // pod-level spec.resources.requests; empty = not set
  friend bool operator==(const Pod&, const Pod&) = default;
};

// One item of metrics.k8s.io PodMetrics.
struct ContainerUsage {
  std::string name;
  ResourceList usage;
  friend bool operator==(const ContainerUsage&, const ContainerUsage&) = default;
};
struct PodMetrics {
  std::string name;
  Time timestamp{};
  Duration window = Seconds(60);
  std::vector<ContainerUsage> containers;
  friend bool operator==(const PodMetrics&, const PodMetrics&) = default;
};

// One item of custom.metrics.k8s.io for a pods/* query.
struct CustomPodMetric {
  std::string pod;
  int64_t value_milli = 0;
  Time timestamp{};
  std::optional<Duration> window;  // nullopt: the upstream client assumes one minute
  friend bool operator==(const CustomPodMetric&, const CustomPodMetric&) = default;
};

// custom.metrics.k8s.io single-object answer, or one item of external.metrics.k8s.io.
struct MetricValue {
  int64_t value_milli = 0;
  Time timestamp{};
  friend bool operator==(const MetricValue&, const MetricValue&) = default;
};

// ---------------------------------------------------------------------------------------------------------------
// HorizontalPodAutoscaler (autoscaling/v2) as value types.

struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In | NotIn | Exists | DoesNotExist
  std::vector<std::string> values;
  friend bool operator==(const LabelSelectorRequirement&, const LabelSelectorRequirement&) = default;
};

// metav1.LabelSelector (structured form, used by metric identifiers).
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;
};

struct CrossVersionObjectReference {
  std::string kind;
  std::string name;
  std::string api_version;
  friend bool operator==(const CrossVersionObjectReference&, const CrossVersionObjectReference&) = default;
};

struct MetricIdentifier {
  std::string name;
  std::optional<LabelSelector> selector;  // nullopt = not set (prints as "nil" in upstream messages)
  friend bool operator==(const MetricIdentifier&, const MetricIdentifier&) = default;
};

enum class MetricTargetType { kUnset, kUtilization, kValue, kAverageValue };

struct MetricTarget {
  MetricTargetType type = MetricTargetType::kUnset;
  std::optional<int64_t> value_milli;
  std::optional<int64_t> average_value_milli;
  std::optional<int32_t> average_utilization;  // percent of request
  friend bool operator==(const MetricTarget&, const MetricTarget&) = default;
};

enum class MetricSourceType { kUnknown, kObject, kPods, kResource, kContainerResource, kExternal };

// The upstream spelling ("Object", "Pods", "Resource", "ContainerResource", "External").
const char* MetricSourceTypeName(MetricSourceType type);

// One entry of spec.metrics. A flat struct: only the fields of `type` are meaningful.
struct MetricSpec {
  MetricSourceType type = MetricSourceType::kUnknown;
  std::string type_name;  // the type as written; used in the message for unknown types

  std::string resource_name;  // Resource, ContainerResource
  std::string container;      // ContainerResource

  CrossVersionObjectReference described_object;  // Object
  MetricIdentifier metric;                       // Object, Pods, External
  MetricTarget target;
  friend bool operator==(const MetricSpec&, const MetricSpec&) = default;
};

struct MetricValueStatus {
  std::optional<int64_t> value_milli;
  std::optional<int64_t> average_value_milli;
  std::optional<int32_t> average_utilization;
  friend bool operator==(const MetricValueStatus&, const MetricValueStatus&) = default;
};

// One entry of status.currentMetrics. Upstream keeps one entry per spec entry, and leaves the entry of a metric
// that could not be computed zero-valued; `type == kUnknown` represents that empty entry.
struct MetricStatus {
  MetricSourceType type = MetricSourceType::kUnknown;
  std::string resource_name;
  std::string container;
  CrossVersionObjectReference described_object;
  MetricIdentifier metric;
  MetricValueStatus current;
  friend bool operator==(const MetricStatus&, const MetricStatus&) = default;
};

enum class ScalingPolicyType { kPods, kPercent };
enum class SelectPolicy { kMax, kMin, kDisabled };

struct ScalingPolicy {
  ScalingPolicyType type = ScalingPolicyType::kPods;
  int32_t value = 0;
  int32_t period_seconds = 0;
  friend bool operator==(const ScalingPolicy&, const ScalingPolicy&) = default;
};

// HPAScalingRules. nullopt fields are "not set by the user"; see DefaultBehavior() in normalization.h.
struct ScalingRules {
  std::optional<int32_t> stabilization_window_seconds;
  std::optional<SelectPolicy> select_policy;
  std::optional<std::vector<ScalingPolicy>> policies;
  std::optional<double> tolerance;  // KEP-4951 per-HPA tolerance (a fraction, e.g. 0.05)
  friend bool operator==(const ScalingRules&, const ScalingRules&) = default;
};

struct Behavior {
  std::optional<ScalingRules> scale_up;
  std::optional<ScalingRules> scale_down;
  friend bool operator==(const Behavior&, const Behavior&) = default;
};

struct HpaSpec {
  CrossVersionObjectReference scale_target_ref;
  std::optional<int32_t> min_replicas;  // nullopt = 1
  int32_t max_replicas = 0;
  std::vector<MetricSpec> metrics;
  // As stored by the API server, i.e. after API defaulting (nullopt = the user set no behavior at all).
  std::optional<Behavior> behavior;
  friend bool operator==(const HpaSpec&, const HpaSpec&) = default;
};

// Condition types, statuses.
inline constexpr const char* kAbleToScale = "AbleToScale";
inline constexpr const char* kScalingActive = "ScalingActive";
inline constexpr const char* kScalingLimited = "ScalingLimited";
inline constexpr const char* kConditionTrue = "True";
inline constexpr const char* kConditionFalse = "False";

struct HpaCondition {
  std::string type;
  std::string status;
  std::string reason;
  std::string message;
  Time last_transition_time{};
  friend bool operator==(const HpaCondition&, const HpaCondition&) = default;
};

struct HpaStatus {
  std::optional<Time> last_scale_time;
  int32_t current_replicas = 0;
  int32_t desired_replicas = 0;
  std::vector<MetricStatus> current_metrics;
  std::vector<HpaCondition> conditions;
  friend bool operator==(const HpaStatus&, const HpaStatus&) = default;
};

struct Hpa {
  std::string name;
  std::string namespace_name;
  HpaSpec spec;
  HpaStatus status;
  friend bool operator==(const Hpa&, const Hpa&) = default;
};

// The /scale subresource as the controller reads it.
struct ScaleView {
  int32_t spec_replicas = 0;
  int32_t status_replicas = 0;
  std::string selector;  // status.selector, label-selector string form
  friend bool operator==(const ScaleView&, const ScaleView&) = default;
};

// ---------------------------------------------------------------------------------------------------------------
// Per-HPA controller memory (upstream keeps these in maps keyed by namespace/name).

struct TimestampedRecommendation {
  int32_t recommendation = 0;
  Time timestamp{};
  friend bool operator==(const TimestampedRecommendation&, const TimestampedRecommendation&) = default;
};

struct ScaleEvent {
  int32_t replica_change = 0;  // absolute number of replicas added (up events) or removed (down events)
  Time timestamp{};
  bool outdated = false;  // older than the longest policy period: the slot may be reused
  friend bool operator==(const ScaleEvent&, const ScaleEvent&) = default;
};

struct HpaMemory {
  // nullopt: no history yet. The first reconcile then records the current replica count, which holds scale-downs
  // for the stabilization window (upstream recordInitialRecommendation).
  std::optional<std::vector<TimestampedRecommendation>> recommendations;
  std::vector<ScaleEvent> scale_up_events;
  std::vector<ScaleEvent> scale_down_events;
  friend bool operator==(const HpaMemory&, const HpaMemory&) = default;
};

// Events the controller should emit on the HPA object.
inline constexpr const char* kEventNormal = "Normal";
inline constexpr const char* kEventWarning = "Warning";

struct Event {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace autoscaler::hpa
