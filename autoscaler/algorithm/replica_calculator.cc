#include "autoscaler/algorithm/replica_calculator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autoscaler/algorithm/label_selector.h"

namespace autoscaler::hpa {
namespace {

// The window custom.metrics.k8s.io answers imply when they carry none (upstream metricServerDefaultMetricWindow).
constexpr Duration kDefaultMetricWindow = Seconds(60);

common::Error CalcError(std::string message) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument, std::move(message));
}

const PodCondition* FindCondition(const Pod& pod, std::string_view type) {
  for (const auto& c : pod.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsPodReady(const Pod& pod) {
  const PodCondition* ready = FindCondition(pod, "Ready");
  return ready != nullptr && ready->status == "True";
}

void RemoveMetricsForPods(PodMetricsInfo& metrics, const std::set<std::string>& pods) {
  for (const auto& name : pods) metrics.erase(name);
}

int64_t ClampToInt64(__int128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

struct UtilizationRatio {
  double ratio = 0;
  int32_t utilization = 0;
  int64_t raw_average = 0;
};

// upstream metricsclient.GetResourceUtilizationRatio. The ratio is computed from the *truncated* integer percentage,
// exactly as upstream does; golden cases depend on it.
common::Result<UtilizationRatio> GetResourceUtilizationRatio(const PodMetricsInfo& metrics,
                                                             const std::map<std::string, int64_t>& requests,
                                                             int32_t target_utilization) {
  __int128 metrics_total = 0;
  __int128 requests_total = 0;
  int64_t entries = 0;
  for (const auto& [pod, metric] : metrics) {
    auto it = requests.find(pod);
    if (it == requests.end()) continue;  // extraneous metric: missing requests are detected elsewhere
    metrics_total += metric.value;
    requests_total += it->second;
    ++entries;
  }
  // Disjoint metrics and requests would otherwise divide by zero.
  if (requests_total == 0) return CalcError("no metrics returned matched known pods");
  __int128 percent = metrics_total * 100 / requests_total;
  UtilizationRatio out;
  out.utilization = static_cast<int32_t>(std::clamp<__int128>(percent, std::numeric_limits<int32_t>::min(),
                                                              std::numeric_limits<int32_t>::max()));
  out.ratio = static_cast<double>(out.utilization) / static_cast<double>(target_utilization);
  out.raw_average = ClampToInt64(metrics_total / entries);
  return out;
}

struct UsageRatio {
  double ratio = 0;
  int64_t usage = 0;
};

// upstream metricsclient.GetMetricUsageRatio: truncated average over the pods with metrics. `metrics` is non-empty.
UsageRatio GetMetricUsageRatio(const PodMetricsInfo& metrics, int64_t target_usage) {
  __int128 total = 0;
  for (const auto& [pod, metric] : metrics) total += metric.value;
  UsageRatio out;
  out.usage = ClampToInt64(total / static_cast<__int128>(metrics.size()));
  out.ratio = static_cast<double>(out.usage) / static_cast<double>(target_usage);
  return out;
}

// The shared tail of the resource and plain-metric calculations: decide from the usage ratio, and when pods are
// missing metrics or unready on a scale-up, re-run with conservative values for them so that they damp the change.
// `missing_value` gives the value a missing pod is assumed to use on a scale-down.
template <typename RatioFn, typename MissingDownFn>
common::Result<int32_t> RebalanceReplicas(int32_t current_replicas, int ready_pod_count, const PodGroups& groups,
                          PodMetricsInfo& metrics, double usage_ratio, const Tolerances& tolerances,
                          RatioFn ratio_of, MissingDownFn missing_down_value) {
  bool scale_up_with_unready = !groups.unready_pods.empty() && usage_ratio > 1.0;
  if (!scale_up_with_unready && groups.missing_pods.empty()) {
    if (tolerances.IsWithin(usage_ratio)) return current_replicas;  // the change would be too small
    return CeilToInt32(usage_ratio * static_cast<double>(ready_pod_count));
  }

  if (!groups.missing_pods.empty()) {
    if (usage_ratio < 1.0) {
      for (const auto& pod : groups.missing_pods) metrics[pod] = PodMetric{{}, {}, missing_down_value(pod)};
    } else if (usage_ratio > 1.0) {
      // On a scale-up, missing pods count as using nothing.
      for (const auto& pod : groups.missing_pods) metrics[pod] = PodMetric{{}, {}, 0};
    }
  }
  if (scale_up_with_unready) {
    for (const auto& pod : groups.unready_pods) metrics[pod] = PodMetric{{}, {}, 0};
  }

  common::Result<double> new_ratio_or = ratio_of(metrics);
  if (!new_ratio_or.ok()) return new_ratio_or.error();
  double new_ratio = *new_ratio_or;
  // No change if within tolerance, or if the rebalanced ratio would flip the scale direction.
  if (tolerances.IsWithin(new_ratio) || (usage_ratio < 1.0 && new_ratio > 1.0) ||
      (usage_ratio > 1.0 && new_ratio < 1.0)) {
    return current_replicas;
  }
  int32_t new_replicas = CeilToInt32(new_ratio * static_cast<double>(metrics.size()));
  // The larger pod count may still flip the direction.
  if ((new_ratio < 1.0 && new_replicas > current_replicas) || (new_ratio > 1.0 && new_replicas < current_replicas)) {
    return current_replicas;
  }
  return new_replicas;
}

common::Error WrapApiError(std::string_view prefix, std::string_view api, const common::Error& e) {
  common::Error out = e;
  out.message = std::string(prefix) + "unable to fetch metrics from " + std::string(api) + " API: " + e.message;
  return out;
}

// The common part of GetRawResourceReplicas and GetMetricReplicas (upstream calcPlainMetricReplicas).
common::Result<UsageReplicas> CalcPlainMetricReplicas(const ReplicaCalcConfig& config, PodMetricsInfo metrics,
                                                      int32_t current_replicas, int64_t target_usage,
                                                      const Tolerances& tolerances, const PodRefs& pods,
                                                      std::string_view resource) {
  if (pods.empty()) return CalcError("no pods returned by selector while calculating replica count");
  PodGroups groups = GroupPods(pods, metrics, resource, config.cpu_initialization_period,
                               config.delay_of_initial_readiness_status, config.now);
  RemoveMetricsForPods(metrics, groups.ignored_pods);
  RemoveMetricsForPods(metrics, groups.unready_pods);
  if (metrics.empty()) return CalcError("did not receive metrics for targeted pods (pods might be unready)");

  UsageRatio usage = GetMetricUsageRatio(metrics, target_usage);
  common::Result<int32_t> replicas = RebalanceReplicas(
      current_replicas, groups.ready_pod_count, groups, metrics, usage.ratio, tolerances,
      [&](const PodMetricsInfo& m) -> common::Result<double> { return GetMetricUsageRatio(m, target_usage).ratio; },
      [&](const std::string&) { return target_usage; });  // on a scale-down, missing pods use exactly the target
  if (!replicas.ok()) return replicas.error();
  return UsageReplicas{*replicas, usage.usage, {}};
}

// upstream getUsageRatioReplicaCount (Object and External metrics with a Value target).
common::Result<int32_t> UsageRatioReplicaCount(int32_t current_replicas, double usage_ratio,
                                               const Tolerances& tolerances, const PodRefs& pods) {
  if (current_replicas == 0) {
    // Scaling from zero ignores the tolerance.
    return CeilToInt32(usage_ratio);
  }
  if (tolerances.IsWithin(usage_ratio)) return current_replicas;
  if (pods.empty()) {
    return CalcError("unable to calculate ready pods: no pods returned by selector while calculating replica count");
  }
  int64_t ready = 0;
  for (const Pod* pod : pods) {
    if (pod->phase == PodPhase::kRunning && IsPodReady(*pod)) ++ready;
  }
  return CeilToInt32(usage_ratio * static_cast<double>(ready));
}

int64_t SumExternal(const std::vector<MetricValue>& values) {
  int64_t sum = 0;
  for (const auto& v : values) sum = SaturatingAdd(sum, v.value_milli);
  return sum;
}

common::Result<std::vector<MetricValue>> ExternalValues(std::string_view metric_name, std::string_view namespace_name,
                                                        const std::optional<LabelSelector>& metric_selector,
                                                        const common::Result<std::vector<MetricValue>>& answer) {
  if (metric_selector) {
    auto parsed = ToKubeSelector(*metric_selector);
    if (!parsed.ok()) return parsed.error();
  }
  std::string prefix = "unable to get external metric " + std::string(namespace_name) + "/" +
                       std::string(metric_name) + "/" + FormatLabelSelectorGo(metric_selector) + ": ";
  if (!answer.ok()) return WrapApiError(prefix, "external metrics", answer.error());
  if (answer->empty()) return CalcError(prefix + "no metrics returned from external metrics API");
  return *answer;
}

common::Error ObjectError(std::string_view metric_name, std::string_view namespace_name,
                          const CrossVersionObjectReference& object, const common::Error& api_error) {
  // Upstream formats "unable to get metric %s: %v on %s %s/%s" with the arguments (name, kind, namespace,
  // object name, error): the error lands last, after a slash. `kubectl describe` shows exactly that text, so we
  // reproduce the ordering rather than the intent.
  common::Error out = api_error;
  out.message = "unable to get metric " + std::string(metric_name) + ": " + object.kind + " on " +
                std::string(namespace_name) + " " + object.name +
                "/unable to fetch metrics from custom metrics API: " + api_error.message;
  return out;
}

}  // namespace

int32_t CeilToInt32(double x) {
  if (std::isnan(x)) return 0;
  double c = std::ceil(x);
  if (c >= static_cast<double>(std::numeric_limits<int32_t>::max())) return std::numeric_limits<int32_t>::max();
  if (c <= static_cast<double>(std::numeric_limits<int32_t>::min())) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(c);
}

int64_t CeilToInt64(double x) {
  if (std::isnan(x)) return 0;
  double c = std::ceil(x);
  // 2^63 is exactly representable; anything at or above it saturates.
  if (c >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
  if (c <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(c);
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return a > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return out;
}

PodMetricsInfo ResourceMetricsToPodMetrics(const std::vector<PodMetrics>& items, std::string_view resource,
                                           std::string_view container) {
  PodMetricsInfo out;
  for (const auto& item : items) {
    if (!container.empty()) {
      for (const auto& c : item.containers) {
        if (c.name != container) continue;
        auto it = c.usage.find(std::string(resource));
        if (it != c.usage.end()) out[item.name] = PodMetric{item.timestamp, item.window, it->second};
        break;
      }
      continue;
    }
    bool missing = item.containers.empty();
    int64_t sum = 0;
    for (const auto& c : item.containers) {
      auto it = c.usage.find(std::string(resource));
      if (it == c.usage.end()) {
        missing = true;
        break;
      }
      sum = SaturatingAdd(sum, it->second);
    }
    if (!missing) out[item.name] = PodMetric{item.timestamp, item.window, sum};
  }
  return out;
}

PodGroups GroupPods(const PodRefs& pods, const PodMetricsInfo& metrics, std::string_view resource,
                    Duration cpu_initialization_period, Duration delay_of_initial_readiness_status, Time now) {
  PodGroups out;
  for (const Pod* pod : pods) {
    if (pod->deletion_timestamp_set || pod->phase == PodPhase::kFailed) {
      out.ignored_pods.insert(pod->name);
      continue;
    }
    if (pod->phase == PodPhase::kPending) {
      out.unready_pods.insert(pod->name);
      continue;
    }
    auto metric = metrics.find(pod->name);
    if (metric == metrics.end()) {
      out.missing_pods.insert(pod->name);
      continue;
    }
    // CPU usage spikes while a pod starts, so samples from pods that are (or just were) initialising are not
    // trusted. Other resources have no such rule.
    if (resource == "cpu") {
      const PodCondition* ready = FindCondition(*pod, "Ready");
      bool unready = false;
      if (ready == nullptr || !pod->start_time) {
        unready = true;
      } else if (*pod->start_time + cpu_initialization_period > now) {
        // Within the initialisation period: unready, or no full metric window since the last transition.
        unready = ready->status == "False" ||
                  metric->second.timestamp < ready->last_transition_time + metric->second.window;
      } else {
        // After it: ignore only pods that are unready and have never been ready.
        unready = ready->status == "False" &&
                  *pod->start_time + delay_of_initial_readiness_status > ready->last_transition_time;
      }
      if (unready) {
        out.unready_pods.insert(pod->name);
        continue;
      }
    }
    ++out.ready_pod_count;
  }
  return out;
}

namespace {

common::Result<int64_t> PodRequestFromContainers(const Pod& pod, std::string_view container,
                                                 std::string_view resource) {
  std::vector<const Container*> containers;
  for (const auto& c : pod.containers) containers.push_back(&c);
  // Sidecars (restartable init containers) run alongside the app containers, so their requests count too.
  for (const auto& c : pod.init_containers) {
    if (c.restart_policy_always) containers.push_back(&c);
  }
  int64_t sum = 0;
  bool found = false;
  for (const Container* c : containers) {
    if (!container.empty() && c->name != container) continue;
    found = true;
    auto it = c->requests.find(std::string(resource));
    if (it == c->requests.end()) {
      return CalcError("missing request for " + std::string(resource) + " in container " + c->name + " of Pod " +
                       pod.name);
    }
    sum = SaturatingAdd(sum, it->second);
  }
  if (!container.empty() && !found) {
    return CalcError("container " + std::string(container) + " not found in Pod " + pod.name);
  }
  return sum;
}

}  // namespace

common::Result<std::map<std::string, int64_t>> CalculateRequests(const PodRefs& pods, std::string_view container,
                                                                  std::string_view resource,
                                                                  bool pod_level_resources) {
  std::map<std::string, int64_t> out;
  for (const Pod* pod : pods) {
    // Pod-level requests describe the whole pod, so they cannot answer a per-container question.
    if (container.empty() && pod_level_resources && !pod->pod_requests.empty()) {
      auto it = pod->pod_requests.find(std::string(resource));
      if (it != pod->pod_requests.end()) {
        out[pod->name] = it->second;
        continue;
      }
    }
    auto request = PodRequestFromContainers(*pod, container, resource);
    if (!request.ok()) return request.error();
    out[pod->name] = *request;
  }
  return out;
}

common::Result<ResourceReplicas> GetResourceReplicas(const ReplicaCalcConfig& config, int32_t current_replicas,
                                                     int32_t target_utilization, std::string_view resource,
                                                     std::string_view container, const Tolerances& tolerances,
                                                     const PodRefs& pods,
                                                     const common::Result<std::vector<PodMetrics>>& answer) {
  std::string prefix = "unable to get metrics for resource " + std::string(resource) + ": ";
  if (!answer.ok()) return WrapApiError(prefix, "resource metrics", answer.error());
  if (answer->empty()) return CalcError(prefix + "no metrics returned from resource metrics API");
  PodMetricsInfo metrics = ResourceMetricsToPodMetrics(*answer, resource, container);
  Time timestamp = answer->front().timestamp;

  if (pods.empty()) return CalcError("no pods returned by selector while calculating replica count");
  PodGroups groups = GroupPods(pods, metrics, resource, config.cpu_initialization_period,
                               config.delay_of_initial_readiness_status, config.now);
  RemoveMetricsForPods(metrics, groups.ignored_pods);
  RemoveMetricsForPods(metrics, groups.unready_pods);
  if (metrics.empty()) return CalcError("did not receive metrics for targeted pods (pods might be unready)");

  auto requests = CalculateRequests(pods, container, resource, config.pod_level_resources);
  if (!requests.ok()) return requests.error();
  auto ratio = GetResourceUtilizationRatio(metrics, *requests, target_utilization);
  if (!ratio.ok()) return ratio.error();

  common::Result<int32_t> replicas = RebalanceReplicas(
      current_replicas, groups.ready_pod_count, groups, metrics, ratio->ratio, tolerances,
      [&](const PodMetricsInfo& m) -> common::Result<double> {
        auto r = GetResourceUtilizationRatio(m, *requests, target_utilization);
        if (!r.ok()) return r.error();
        return r->ratio;
      },
      [&](const std::string& pod) {
        // On a scale-down a missing pod is assumed to use the target, or all of its request when the target is
        // below 100% (so that missing pods never push the average down).
        int64_t fallback = std::max<int64_t>(100, target_utilization);
        return ClampToInt64(static_cast<__int128>(requests->at(pod)) * fallback / 100);
      });
  if (!replicas.ok()) return replicas.error();
  return ResourceReplicas{*replicas, ratio->utilization, ratio->raw_average, timestamp};
}

common::Result<UsageReplicas> GetRawResourceReplicas(const ReplicaCalcConfig& config, int32_t current_replicas,
                                                     int64_t target_milli, std::string_view resource,
                                                     std::string_view container, const Tolerances& tolerances,
                                                     const PodRefs& pods,
                                                     const common::Result<std::vector<PodMetrics>>& answer) {
  std::string prefix = "unable to get metrics for resource " + std::string(resource) + ": ";
  if (!answer.ok()) return WrapApiError(prefix, "resource metrics", answer.error());
  if (answer->empty()) return CalcError(prefix + "no metrics returned from resource metrics API");
  auto out = CalcPlainMetricReplicas(config, ResourceMetricsToPodMetrics(*answer, resource, container),
                                     current_replicas, target_milli, tolerances, pods, resource);
  if (out.ok()) out->timestamp = answer->front().timestamp;
  return out;
}

common::Result<UsageReplicas> GetMetricReplicas(const ReplicaCalcConfig& config, int32_t current_replicas,
                                                int64_t target_milli, std::string_view metric_name,
                                                const Tolerances& tolerances, const PodRefs& pods,
                                                const common::Result<std::vector<CustomPodMetric>>& answer) {
  std::string prefix = "unable to get metric " + std::string(metric_name) + ": ";
  if (!answer.ok()) return WrapApiError(prefix, "custom metrics", answer.error());
  if (answer->empty()) return CalcError(prefix + "no metrics returned from custom metrics API");
  PodMetricsInfo metrics;
  for (const auto& m : *answer) {
    metrics[m.pod] = PodMetric{m.timestamp, m.window.value_or(kDefaultMetricWindow), m.value_milli};
  }
  auto out = CalcPlainMetricReplicas(config, std::move(metrics), current_replicas, target_milli, tolerances, pods, "");
  if (out.ok()) out->timestamp = answer->front().timestamp;
  return out;
}

common::Result<UsageReplicas> GetObjectMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                                      std::string_view metric_name, std::string_view namespace_name,
                                                      const CrossVersionObjectReference& object,
                                                      const Tolerances& tolerances, const PodRefs& pods,
                                                      const common::Result<MetricValue>& answer) {
  if (!answer.ok()) return ObjectError(metric_name, namespace_name, object, answer.error());
  int64_t usage = answer->value_milli;
  double ratio = static_cast<double>(usage) / static_cast<double>(target_milli);
  auto replicas = UsageRatioReplicaCount(current_replicas, ratio, tolerances, pods);
  if (!replicas.ok()) return replicas.error();
  // Upstream quirk: this path never reports the metric's timestamp (it returns Go's zero time).
  return UsageReplicas{*replicas, usage, kGoZeroTime};
}

common::Result<UsageReplicas> GetObjectPerPodMetricReplicas(int32_t status_replicas, int64_t target_average_milli,
                                                            std::string_view metric_name,
                                                            std::string_view namespace_name,
                                                            const CrossVersionObjectReference& object,
                                                            const Tolerances& tolerances,
                                                            const common::Result<MetricValue>& answer) {
  if (!answer.ok()) return ObjectError(metric_name, namespace_name, object, answer.error());
  int64_t usage = answer->value_milli;
  int32_t replicas = status_replicas;
  double ratio = static_cast<double>(usage) /
                 (static_cast<double>(target_average_milli) * static_cast<double>(status_replicas));
  if (!tolerances.IsWithin(ratio)) {
    replicas = CeilToInt32(static_cast<double>(usage) / static_cast<double>(target_average_milli));
  }
  int64_t per_pod = CeilToInt64(static_cast<double>(usage) / static_cast<double>(status_replicas));
  return UsageReplicas{replicas, per_pod, answer->timestamp};
}

common::Result<UsageReplicas> GetExternalMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                                        std::string_view metric_name, std::string_view namespace_name,
                                                        const std::optional<LabelSelector>& metric_selector,
                                                        const Tolerances& tolerances, const PodRefs& pods,
                                                        const common::Result<std::vector<MetricValue>>& answer) {
  auto values = ExternalValues(metric_name, namespace_name, metric_selector, answer);
  if (!values.ok()) return values.error();
  int64_t usage = SumExternal(*values);
  double ratio = static_cast<double>(usage) / static_cast<double>(target_milli);
  auto replicas = UsageRatioReplicaCount(current_replicas, ratio, tolerances, pods);
  if (!replicas.ok()) return replicas.error();
  // Upstream quirk: this path never reports the metric's timestamp (it returns Go's zero time).
  return UsageReplicas{*replicas, usage, kGoZeroTime};
}

common::Result<UsageReplicas> GetExternalPerPodMetricReplicas(
    int32_t status_replicas, int64_t target_average_milli, std::string_view metric_name,
    std::string_view namespace_name, const std::optional<LabelSelector>& metric_selector,
    const Tolerances& tolerances, const common::Result<std::vector<MetricValue>>& answer) {
  auto values = ExternalValues(metric_name, namespace_name, metric_selector, answer);
  if (!values.ok()) return values.error();
  int64_t usage = SumExternal(*values);
  int32_t replicas = status_replicas;
  double ratio = static_cast<double>(usage) /
                 (static_cast<double>(target_average_milli) * static_cast<double>(status_replicas));
  if (!tolerances.IsWithin(ratio)) {
    replicas = CeilToInt32(static_cast<double>(usage) / static_cast<double>(target_average_milli));
  }
  int64_t per_pod = CeilToInt64(static_cast<double>(usage) / static_cast<double>(status_replicas));
  return UsageReplicas{replicas, per_pod, values->front().timestamp};
}

}  // namespace autoscaler::hpa
