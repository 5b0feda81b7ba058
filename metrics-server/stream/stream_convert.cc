#include "metrics-server/stream/stream_convert.h"

#include <algorithm>
#include <chrono>

namespace metrics_server {
namespace {

int64_t UnixNanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixNanos(int64_t nanos) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos)));
}

}  // namespace

kma::metricsstream::v1::PodMetricsBatch ToBatch(const MetricsSnapshot& snapshot, uint64_t generation,
                                                const std::vector<std::string>& namespaces) {
  kma::metricsstream::v1::PodMetricsBatch batch;
  batch.set_generation(generation);
  batch.set_scrape_time_unix_nanos(UnixNanos(snapshot.scrape_time));
  for (const PodMetricsPoint& pod : snapshot.pods) {
    if (!namespaces.empty() &&
        std::find(namespaces.begin(), namespaces.end(), pod.namespace_name) == namespaces.end()) {
      continue;
    }
    auto* out = batch.add_pods();
    out->set_namespace_(pod.namespace_name);
    out->set_name(pod.name);
    out->set_timestamp_unix_nanos(UnixNanos(pod.timestamp));
    out->set_window_nanos(pod.window.count());
    for (const ContainerMetricsPoint& c : pod.containers) {
      auto* container = out->add_containers();
      container->set_name(c.name);
      container->set_cpu_nanocores(c.usage.cpu_nanocores);
      container->set_memory_bytes(c.usage.memory_bytes);
    }
  }
  return batch;
}

std::vector<PodMetricsPoint> FromBatch(const kma::metricsstream::v1::PodMetricsBatch& batch) {
  std::vector<PodMetricsPoint> pods;
  pods.reserve(batch.pods_size());
  for (const auto& in : batch.pods()) {
    PodMetricsPoint pod;
    pod.namespace_name = in.namespace_();
    pod.name = in.name();
    pod.timestamp = FromUnixNanos(in.timestamp_unix_nanos());
    pod.window = std::chrono::nanoseconds(in.window_nanos());
    pod.containers.reserve(in.containers_size());
    for (const auto& c : in.containers()) {
      pod.containers.push_back({c.name(), {c.cpu_nanocores(), c.memory_bytes()}});
    }
    pods.push_back(std::move(pod));
  }
  return pods;
}

}  // namespace metrics_server
