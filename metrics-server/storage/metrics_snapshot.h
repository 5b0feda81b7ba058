#pragma once
// The immutable result of a scrape cycle, as the storage publishes it and the API, the gRPC stream and the
// autoscaler read it. Readers hold a shared_ptr<const MetricsSnapshot>; the storage swaps in a new one atomically,
// so readers never block the scraper.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace metrics_server {

using TimePoint = std::chrono::system_clock::time_point;

struct ResourceUsage {
  uint64_t cpu_nanocores = 0;  // rate of the cumulative cpu counter over the window
  uint64_t memory_bytes = 0;   // latest working set
};

struct NodeMetricsPoint {
  std::string name;
  TimePoint timestamp;                // time of the newer of the two samples the rate was computed from
  std::chrono::nanoseconds window{};  // distance between the two samples
  ResourceUsage usage;
};

struct ContainerMetricsPoint {
  std::string name;
  ResourceUsage usage;
};

struct PodMetricsPoint {
  std::string namespace_name;
  std::string name;
  TimePoint timestamp;
  std::chrono::nanoseconds window{};
  std::vector<ContainerMetricsPoint> containers;  // sorted by name
};

struct MetricsSnapshot {
  std::vector<NodeMetricsPoint> nodes;  // sorted by name
  std::vector<PodMetricsPoint> pods;    // sorted by (namespace, name)
  TimePoint scrape_time;                // when the cycle that produced this snapshot finished

  const NodeMetricsPoint* FindNode(std::string_view name) const;
  const PodMetricsPoint* FindPod(std::string_view namespace_name, std::string_view name) const;
};

}  // namespace metrics_server
