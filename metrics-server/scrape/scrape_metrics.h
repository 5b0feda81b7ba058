#pragma once
// Self-metrics of the scrape path, named as upstream metrics-server's so that existing dashboards keep working:
//   metrics_server_kubelet_request_duration_seconds{node}   histogram
//   metrics_server_kubelet_request_total{success}           counter
//   metrics_server_kubelet_last_request_time_seconds{node}  gauge (unix seconds)
//   metrics_server_manager_tick_duration_seconds            histogram
//   metrics_server_storage_points{type="node"|"container"}  gauge

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace metrics_server {

class ScrapeMetrics {
 public:
  virtual ~ScrapeMetrics() = default;
  virtual void ObserveRequest(std::string_view node, bool success, std::chrono::duration<double> duration,
                              std::chrono::system_clock::time_point when) = 0;
  virtual void ObserveTick(std::chrono::duration<double> duration) = 0;
  virtual void SetStoragePoints(size_t node_points, size_t container_points) = 0;
  // Drops the per-node series of a node that left the cluster, so that series do not accumulate forever.
  virtual void ForgetNode(std::string_view node) = 0;
};

// Registers the families in `registry`, which must outlive the returned object.
std::unique_ptr<ScrapeMetrics> MakePrometheusScrapeMetrics(prometheus::Registry& registry);

}  // namespace metrics_server
