#include "autoscaler/controller/metrics_client.h"

#include <fmt/format.h>

#include "kube/client/object_meta.h"
#include "kube/label_selector.h"
#include "kube/objects/time.h"
#include "kube/quantity.h"
#include "common/duration.h"
#include "common/net/http_types.h"

namespace autoscaler {
namespace {

using common::Error;
using common::ErrorCode;
using common::Result;
using rapidjson::Value;

Error Bad(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

Result<int64_t> MilliOf(const Value& v, const std::string& what) {
  if (!v.IsString()) return Bad(what + " must be a quantity string");
  auto q = kube::Quantity::Parse(std::string_view(v.GetString(), v.GetStringLength()));
  if (!q.ok()) return Bad(what + ": " + q.error().message);
  return q->MilliValue();
}

Result<hpa::Time> TimeOf(const Value& object, const char* name) {
  auto text = kube::StringMember(object, name);
  if (!text) return hpa::Time{};
  auto t = kube::ParseRfc3339(*text);
  if (!t.ok()) return t.error();
  return *t;
}

// The window as metrics.k8s.io writes it: a Go duration string ("15.009s", "1m0s").
std::optional<hpa::Duration> ParseWindow(std::string_view text) {
  auto parsed = common::ParseDuration(text);
  if (!parsed.ok()) return std::nullopt;
  return std::chrono::duration_cast<hpa::Duration>(*parsed);
}

std::string Encode(std::string_view s) { return net::PercentEncode(s); }

}  // namespace

Result<std::vector<hpa::PodMetrics>> DecodePodMetricsList(std::string_view json) {
  auto doc = kube::ParseJson(json);
  if (!doc.ok()) return doc.error();
  const Value* items = kube::ArrayMember(*doc, "items");
  if (items == nullptr) return Bad("PodMetricsList without items");
  std::vector<hpa::PodMetrics> out;
  out.reserve(items->Size());
  for (const auto& item : items->GetArray()) {
    hpa::PodMetrics pod;
    if (const Value* metadata = kube::ObjectMember(item, "metadata")) {
      pod.name = std::string(kube::StringMember(*metadata, "name").value_or(""));
    }
    auto ts = TimeOf(item, "timestamp");
    if (!ts.ok()) return ts.error();
    pod.timestamp = *ts;
    if (auto window = kube::StringMember(item, "window")) {
      if (auto parsed = ParseWindow(*window)) pod.window = *parsed;
    }
    if (const Value* containers = kube::ArrayMember(item, "containers")) {
      for (const auto& c : containers->GetArray()) {
        hpa::ContainerUsage usage;
        usage.name = std::string(kube::StringMember(c, "name").value_or(""));
        if (const Value* u = kube::ObjectMember(c, "usage")) {
          for (const auto& m : u->GetObject()) {
            auto milli = MilliOf(m.value, "usage." + std::string(m.name.GetString()));
            if (!milli.ok()) return milli.error();
            usage.usage[m.name.GetString()] = *milli;
          }
        }
        pod.containers.push_back(std::move(usage));
      }
    }
    out.push_back(std::move(pod));
  }
  return out;
}

Result<std::vector<hpa::CustomPodMetric>> DecodeCustomPodMetrics(std::string_view json) {
  auto doc = kube::ParseJson(json);
  if (!doc.ok()) return doc.error();
  const Value* items = kube::ArrayMember(*doc, "items");
  if (items == nullptr) return Bad("metric value list without items");
  std::vector<hpa::CustomPodMetric> out;
  for (const auto& item : items->GetArray()) {
    hpa::CustomPodMetric m;
    if (const Value* described = kube::ObjectMember(item, "describedObject")) {
      m.pod = std::string(kube::StringMember(*described, "name").value_or(""));
    }
    auto value = item.HasMember("value") ? MilliOf(item["value"], "value") : Result<int64_t>(Bad("metric without value"));
    if (!value.ok()) return value.error();
    m.value_milli = *value;
    auto ts = TimeOf(item, "timestamp");
    if (!ts.ok()) return ts.error();
    m.timestamp = *ts;
    if (auto it = item.FindMember("windowSeconds"); it != item.MemberEnd() && it->value.IsInt64()) {
      m.window = std::chrono::seconds(it->value.GetInt64());
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<hpa::MetricValue>> DecodeMetricValues(std::string_view json) {
  // MetricValueList and ExternalMetricValueList items share value and timestamp; the described object is unused.
  auto items = DecodeCustomPodMetrics(json);
  if (!items.ok()) return items.error();
  std::vector<hpa::MetricValue> out;
  out.reserve(items->size());
  for (const auto& m : *items) out.push_back({m.value_milli, m.timestamp});
  return out;
}

Result<std::vector<hpa::PodMetrics>> ApiMetricsClient::ResourceMetrics(const std::string& ns,
                                                                       const std::string& pod_selector) {
  std::string path = "/apis/metrics.k8s.io/v1beta1/namespaces/" + ns + "/pods";
  if (!pod_selector.empty()) path += "?labelSelector=" + Encode(pod_selector);
  auto body = client_.Get(path);
  if (!body.ok()) return body.error();
  // An empty list is an answer, not a transport error: the replica calculator reports it with upstream's text
  // ("unable to get metrics for resource cpu: no metrics returned from resource metrics API").
  return DecodePodMetricsList(*body);
}

Result<std::vector<hpa::CustomPodMetric>> ApiMetricsClient::PodsMetric(const std::string& ns,
                                                                       const std::string& metric_name,
                                                                       const std::string& pod_selector,
                                                                       const std::string& metric_selector) {
  std::string path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/pods/*/" + Encode(metric_name) +
                     "?labelSelector=" + Encode(pod_selector);
  if (!metric_selector.empty()) path += "&metricLabelSelector=" + Encode(metric_selector);
  auto body = client_.Get(path);
  if (!body.ok()) return body.error();
  return DecodeCustomPodMetrics(*body);  // empty: the replica calculator words it as upstream does
}

Result<hpa::MetricValue> ApiMetricsClient::ObjectMetric(const std::string& ns,
                                                        const hpa::CrossVersionObjectReference& object,
                                                        const std::string& metric_name,
                                                        const std::string& metric_selector) {
  auto resource = mapper_.ResourceFor(object.api_version, object.kind);
  if (!resource.ok()) return resource.error();
  std::string path = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/" + ns + "/" + *resource + "/" +
                     Encode(object.name) + "/" + Encode(metric_name);
  if (!metric_selector.empty()) path += "?metricLabelSelector=" + Encode(metric_selector);
  auto body = client_.Get(path);
  if (!body.ok()) return body.error();
  auto values = DecodeMetricValues(*body);
  if (!values.ok()) return values.error();
  if (values->size() != 1) {
    // client-go's custom metrics client says this for a single-object query, and the HPA wraps it.
    return Error::Make(ErrorCode::kNotFound, fmt::format("the custom metrics API server returned {} results when we "
                                                         "asked for exactly one",
                                                         values->size()));
  }
  return values->front();
}

Result<std::vector<hpa::MetricValue>> ApiMetricsClient::ExternalMetric(const std::string& ns,
                                                                       const std::string& metric_name,
                                                                       const std::string& metric_selector) {
  std::string path = "/apis/external.metrics.k8s.io/v1beta1/namespaces/" + ns + "/" + Encode(metric_name);
  if (!metric_selector.empty()) path += "?labelSelector=" + Encode(metric_selector);
  auto body = client_.Get(path);
  if (!body.ok()) return body.error();
  return DecodeMetricValues(*body);  // empty: the replica calculator words it as upstream does
}

std::vector<hpa::MetricAnswer> FetchMetrics(MetricsClient& client, const std::string& ns,
                                            const std::vector<hpa::MetricQuery>& plan) {
  std::vector<hpa::MetricAnswer> answers(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const hpa::MetricQuery& q = plan[i];
    switch (q.api) {
      case hpa::MetricsApi::kNone:
        break;
      case hpa::MetricsApi::kResource:
        answers[i].resource = client.ResourceMetrics(ns, q.pod_selector);
        break;
      case hpa::MetricsApi::kCustomPods:
        answers[i].pods = client.PodsMetric(ns, q.metric_name, q.pod_selector, q.metric_selector);
        break;
      case hpa::MetricsApi::kCustomObject:
        answers[i].object = client.ObjectMetric(ns, q.object, q.metric_name, q.metric_selector);
        break;
      case hpa::MetricsApi::kExternal:
        answers[i].external = client.ExternalMetric(ns, q.metric_name, q.metric_selector);
        break;
    }
  }
  return answers;
}

StreamMetricsClient::StreamMetricsClient(metrics_server::StreamClient& stream, MetricsClient& fallback,
                                         PodLabels pod_labels, std::chrono::milliseconds max_staleness)
    : stream_(stream), fallback_(fallback), pod_labels_(std::move(pod_labels)), max_staleness_(max_staleness) {}

Result<std::vector<hpa::PodMetrics>> StreamMetricsClient::ResourceMetrics(const std::string& ns,
                                                                          const std::string& pod_selector) {
  metrics_server::StreamState state = stream_.Latest();
  const bool fresh = state.connected && state.pods != nullptr &&
                     std::chrono::steady_clock::now() - state.received_at <= max_staleness_;
  if (!fresh) {
    last_from_stream_ = false;
    return fallback_.ResourceMetrics(ns, pod_selector);
  }
  auto selector = kube::LabelSelector::Parse(pod_selector);
  if (!selector.ok()) return selector.error();
  std::vector<hpa::PodMetrics> out;
  for (const metrics_server::PodMetricsPoint& p : *state.pods) {
    if (p.namespace_name != ns) continue;
    const auto* labels = pod_labels_ ? pod_labels_(p.namespace_name, p.name) : nullptr;
    if (labels == nullptr) continue;
    const bool matches = selector->MatchesLookup([labels](std::string_view key) -> std::optional<std::string_view> {
      auto it = labels->find(std::string(key));
      if (it == labels->end()) return std::nullopt;
      return std::string_view(it->second);
    });
    if (!matches) continue;
    hpa::PodMetrics m;
    m.name = p.name;
    m.timestamp = std::chrono::time_point_cast<hpa::Duration>(p.timestamp);
    m.window = std::chrono::duration_cast<hpa::Duration>(p.window);
    for (const auto& c : p.containers) {
      // Same rounding as Quantity.MilliValue() on the API path: nanocores up to millicores.
      const int64_t cpu_milli = static_cast<int64_t>((c.usage.cpu_nanocores + 999'999) / 1'000'000);
      m.containers.push_back({c.name, {{"cpu", cpu_milli}, {"memory", static_cast<int64_t>(c.usage.memory_bytes) * 1000}}});
    }
    out.push_back(std::move(m));
  }
  last_from_stream_ = true;
  return out;
}

}  // namespace autoscaler
