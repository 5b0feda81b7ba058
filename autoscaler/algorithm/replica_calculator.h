#pragma once
// Per-metric replica calculation (upstream replica_calculator.go plus the parts of metrics_client.go that turn an
// API answer into per-pod values). Every function is pure: the pods, the metrics API answer and `now` come in as
// arguments; errors come back as common::Result with upstream's error texts.
//
// An "answer" argument is what the corresponding metrics API returned for the query: either the items or the
// API's own error (whose message is wrapped the way upstream's metrics client wraps it).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "autoscaler/algorithm/types.h"
#include "common/result.h"

namespace autoscaler::hpa {

// The pod lister's result for the target's selector. Pointers into a caller-owned pod list.
using PodRefs = std::vector<const Pod*>;

// Scale-up and scale-down tolerance around a usage ratio of 1.0 (upstream Tolerances).
struct Tolerances {
  double scale_down = 0.1;
  double scale_up = 0.1;
  // True when the ratio is close enough to 1.0 that no scaling should happen (both bounds inclusive).
  bool IsWithin(double usage_ratio) const {
    return (1.0 - scale_down) <= usage_ratio && usage_ratio <= (1.0 + scale_up);
  }
};

struct ReplicaCalcConfig {
  Time now{};
  // --horizontal-pod-autoscaler-cpu-initialization-period (production default 5 minutes).
  Duration cpu_initialization_period = Seconds(300);
  // --horizontal-pod-autoscaler-initial-readiness-delay (production default 30 seconds).
  Duration delay_of_initial_readiness_status = Seconds(30);
  // PodLevelResources feature gate: use pod-level requests when the pod sets them.
  bool pod_level_resources = false;
};

// One pod's metric sample after the metrics client has reduced the API answer (upstream PodMetric).
struct PodMetric {
  Time timestamp{};
  Duration window{};
  int64_t value = 0;  // milli-units
};
using PodMetricsInfo = std::map<std::string, PodMetric>;

// ---- Metrics-client helpers ---------------------------------------------------------------------------------

// Sums `resource` over each pod's containers; a pod is left out when any container lacks the resource. With a
// container name, takes only that container's usage and skips pods without it.
PodMetricsInfo ResourceMetricsToPodMetrics(const std::vector<PodMetrics>& items, std::string_view resource,
                                           std::string_view container);

// ---- Pod classification and requests --------------------------------------------------------------------------

struct PodGroups {
  int ready_pod_count = 0;
  std::set<std::string> unready_pods;
  std::set<std::string> missing_pods;
  std::set<std::string> ignored_pods;
};

// upstream groupPods. `resource` is "cpu", "memory", ... or "" for non-resource metrics; the readiness rules only
// apply to "cpu".
PodGroups GroupPods(const PodRefs& pods, const PodMetricsInfo& metrics, std::string_view resource,
                    Duration cpu_initialization_period, Duration delay_of_initial_readiness_status, Time now);

// upstream calculateRequests: per-pod request (milli) of `resource`, counting regular containers and restartable
// (sidecar) init containers, or only `container` when given; pod-level requests win when the feature is on.
common::Result<std::map<std::string, int64_t>> CalculateRequests(const PodRefs& pods, std::string_view container,
                                                                  std::string_view resource,
                                                                  bool pod_level_resources);

// ---- Replica calculations -------------------------------------------------------------------------------------

struct ResourceReplicas {
  int32_t replicas = 0;
  int32_t utilization = 0;       // percent of request, truncated
  int64_t raw_average_milli = 0;  // average usage of the pods that had metrics
  Time timestamp{};
};

// Resource / ContainerResource metric with a Utilization target.
common::Result<ResourceReplicas> GetResourceReplicas(const ReplicaCalcConfig& config, int32_t current_replicas,
                                                     int32_t target_utilization, std::string_view resource,
                                                     std::string_view container, const Tolerances& tolerances,
                                                     const PodRefs& pods,
                                                     const common::Result<std::vector<PodMetrics>>& answer);

struct UsageReplicas {
  int32_t replicas = 0;
  int64_t usage_milli = 0;
  Time timestamp{};
};

// Resource / ContainerResource metric with an AverageValue target.
common::Result<UsageReplicas> GetRawResourceReplicas(const ReplicaCalcConfig& config, int32_t current_replicas,
                                                     int64_t target_milli, std::string_view resource,
                                                     std::string_view container, const Tolerances& tolerances,
                                                     const PodRefs& pods,
                                                     const common::Result<std::vector<PodMetrics>>& answer);

// Pods metric (AverageValue).
common::Result<UsageReplicas> GetMetricReplicas(const ReplicaCalcConfig& config, int32_t current_replicas,
                                                int64_t target_milli, std::string_view metric_name,
                                                const Tolerances& tolerances, const PodRefs& pods,
                                                const common::Result<std::vector<CustomPodMetric>>& answer);

// Object metric, Value target. current_replicas = scale.spec.replicas.
common::Result<UsageReplicas> GetObjectMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                                      std::string_view metric_name, std::string_view namespace_name,
                                                      const CrossVersionObjectReference& object,
                                                      const Tolerances& tolerances, const PodRefs& pods,
                                                      const common::Result<MetricValue>& answer);

// Object metric, AverageValue target. status_replicas = scale.status.replicas.
common::Result<UsageReplicas> GetObjectPerPodMetricReplicas(int32_t status_replicas, int64_t target_average_milli,
                                                            std::string_view metric_name,
                                                            std::string_view namespace_name,
                                                            const CrossVersionObjectReference& object,
                                                            const Tolerances& tolerances,
                                                            const common::Result<MetricValue>& answer);

// External metric, Value target. current_replicas = scale.spec.replicas.
common::Result<UsageReplicas> GetExternalMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                                        std::string_view metric_name, std::string_view namespace_name,
                                                        const std::optional<LabelSelector>& metric_selector,
                                                        const Tolerances& tolerances, const PodRefs& pods,
                                                        const common::Result<std::vector<MetricValue>>& answer);

// External metric, AverageValue target. status_replicas = scale.status.replicas.
common::Result<UsageReplicas> GetExternalPerPodMetricReplicas(
    int32_t status_replicas, int64_t target_average_milli, std::string_view metric_name,
    std::string_view namespace_name, const std::optional<LabelSelector>& metric_selector,
    const Tolerances& tolerances, const common::Result<std::vector<MetricValue>>& answer);

// ---- Saturating numeric conversions (upstream guards the same overflows) ----------------------------------------

// ceil(x) as int32, saturating at the int32 range; NaN gives 0.
int32_t CeilToInt32(double x);
// ceil(x) as int64, saturating at the int64 range; NaN gives 0.
int64_t CeilToInt64(double x);
int64_t SaturatingAdd(int64_t a, int64_t b);

}  // namespace autoscaler::hpa
