#pragma once
// Where the HPA controller gets metric values: metrics.k8s.io (resource), custom.metrics.k8s.io (pods and object)
// and external.metrics.k8s.io, through the API server (works with upstream metrics-server and adapters), or
// resource metrics from our metrics-server's gRPC stream with a fallback to the API when the stream is stale.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autoscaler/algorithm/reconcile.h"
#include "autoscaler/algorithm/types.h"
#include "autoscaler/controller/scale_client.h"
#include "common/result.h"
#include "kube/client/rest_client.h"
#include "metrics-server/stream/stream_client.h"

namespace autoscaler {

class MetricsClient {
 public:
  virtual ~MetricsClient() = default;
  // PodMetrics of the pods matching `pod_selector` in the namespace (metrics.k8s.io semantics).
  virtual common::Result<std::vector<hpa::PodMetrics>> ResourceMetrics(const std::string& namespace_name,
                                                                       const std::string& pod_selector) = 0;
  virtual common::Result<std::vector<hpa::CustomPodMetric>> PodsMetric(const std::string& namespace_name,
                                                                       const std::string& metric_name,
                                                                       const std::string& pod_selector,
                                                                       const std::string& metric_selector) = 0;
  virtual common::Result<hpa::MetricValue> ObjectMetric(const std::string& namespace_name,
                                                        const hpa::CrossVersionObjectReference& object,
                                                        const std::string& metric_name,
                                                        const std::string& metric_selector) = 0;
  virtual common::Result<std::vector<hpa::MetricValue>> ExternalMetric(const std::string& namespace_name,
                                                                       const std::string& metric_name,
                                                                       const std::string& metric_selector) = 0;
};

// Answers every query of a plan (one per spec.metrics entry).
std::vector<hpa::MetricAnswer> FetchMetrics(MetricsClient& client, const std::string& namespace_name,
                                            const std::vector<hpa::MetricQuery>& plan);

// Decoders of the metrics APIs' list bodies, exposed for tests.
common::Result<std::vector<hpa::PodMetrics>> DecodePodMetricsList(std::string_view json);
common::Result<std::vector<hpa::CustomPodMetric>> DecodeCustomPodMetrics(std::string_view json);
common::Result<std::vector<hpa::MetricValue>> DecodeMetricValues(std::string_view json);

class ApiMetricsClient final : public MetricsClient {
 public:
  ApiMetricsClient(kube::RestClient& client, RestMapper& mapper) : client_(client), mapper_(mapper) {}

  common::Result<std::vector<hpa::PodMetrics>> ResourceMetrics(const std::string& namespace_name,
                                                               const std::string& pod_selector) override;
  common::Result<std::vector<hpa::CustomPodMetric>> PodsMetric(const std::string& namespace_name,
                                                               const std::string& metric_name,
                                                               const std::string& pod_selector,
                                                               const std::string& metric_selector) override;
  common::Result<hpa::MetricValue> ObjectMetric(const std::string& namespace_name,
                                                const hpa::CrossVersionObjectReference& object,
                                                const std::string& metric_name,
                                                const std::string& metric_selector) override;
  common::Result<std::vector<hpa::MetricValue>> ExternalMetric(const std::string& namespace_name,
                                                               const std::string& metric_name,
                                                               const std::string& metric_selector) override;

 private:
  kube::RestClient& client_;
  RestMapper& mapper_;
};

// Resource metrics from the gRPC stream; everything else, and resource metrics while the stream is down or stale,
// from `fallback`. `pod_labels` returns the labels of a pod (from the pod informer) so the selector can be applied.
class StreamMetricsClient final : public MetricsClient {
 public:
  using PodLabels = std::function<const std::map<std::string, std::string>*(const std::string& ns,
                                                                               const std::string& name)>;
  StreamMetricsClient(metrics_server::StreamClient& stream, MetricsClient& fallback, PodLabels pod_labels,
                      std::chrono::milliseconds max_staleness);

  common::Result<std::vector<hpa::PodMetrics>> ResourceMetrics(const std::string& namespace_name,
                                                               const std::string& pod_selector) override;
  common::Result<std::vector<hpa::CustomPodMetric>> PodsMetric(const std::string& ns, const std::string& metric,
                                                               const std::string& pod_selector,
                                                               const std::string& metric_selector) override {
    return fallback_.PodsMetric(ns, metric, pod_selector, metric_selector);
  }
  common::Result<hpa::MetricValue> ObjectMetric(const std::string& ns, const hpa::CrossVersionObjectReference& object,
                                                const std::string& metric,
                                                const std::string& metric_selector) override {
    return fallback_.ObjectMetric(ns, object, metric, metric_selector);
  }
  common::Result<std::vector<hpa::MetricValue>> ExternalMetric(const std::string& ns, const std::string& metric,
                                                               const std::string& metric_selector) override {
    return fallback_.ExternalMetric(ns, metric, metric_selector);
  }

  // Whether the last ResourceMetrics call was answered by the stream (for self-metrics and tests).
  bool last_from_stream() const { return last_from_stream_; }

 private:
  metrics_server::StreamClient& stream_;
  MetricsClient& fallback_;
  PodLabels pod_labels_;
  std::chrono::milliseconds max_staleness_;
  std::atomic<bool> last_from_stream_{false};
};

}  // namespace autoscaler
