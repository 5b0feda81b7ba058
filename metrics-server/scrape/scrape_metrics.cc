#include "metrics-server/scrape/scrape_metrics.h"

#include <map>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace metrics_server {
namespace {

// client_golang's DefBuckets, which upstream uses for both histograms.
const prometheus::Histogram::BucketBoundaries& DefaultBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                               0.5,   1,    2.5,   5,    10};
  return buckets;
}

class PrometheusScrapeMetrics final : public ScrapeMetrics {
 public:
  explicit PrometheusScrapeMetrics(prometheus::Registry& registry)
      : request_duration_(prometheus::BuildHistogram()
                              .Name("metrics_server_kubelet_request_duration_seconds")
                              .Help("Duration of requests to Kubelet API in seconds")
                              .Register(registry)),
        request_total_(prometheus::BuildCounter()
                           .Name("metrics_server_kubelet_request_total")
                           .Help("Number of requests sent to Kubelet API")
                           .Register(registry)),
        last_request_time_(prometheus::BuildGauge()
                               .Name("metrics_server_kubelet_last_request_time_seconds")
                               .Help("Time of last request performed to Kubelet API since unix epoch in seconds")
                               .Register(registry)),
        tick_duration_(prometheus::BuildHistogram()
                           .Name("metrics_server_manager_tick_duration_seconds")
                           .Help("The total time spent collecting and storing metrics in seconds")
                           .Register(registry)),
        storage_points_(prometheus::BuildGauge()
                            .Name("metrics_server_storage_points")
                            .Help("Number of metrics points stored.")
                            .Register(registry)),
        success_(request_total_.Add({{"success", "true"}})),
        failure_(request_total_.Add({{"success", "false"}})),
        tick_(tick_duration_.Add({}, DefaultBuckets())),
        node_points_(storage_points_.Add({{"type", "node"}})),
        container_points_(storage_points_.Add({{"type", "container"}})) {}

  void ObserveRequest(std::string_view node, bool success, std::chrono::duration<double> duration,
                      std::chrono::system_clock::time_point when) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = per_node_.find(node);
    if (it == per_node_.end()) {
      const prometheus::Labels labels{{"node", std::string(node)}};
      PerNode series{&request_duration_.Add(labels, DefaultBuckets()), &last_request_time_.Add(labels)};
      it = per_node_.emplace(std::string(node), series).first;
    }
    it->second.duration->Observe(duration.count());
    it->second.last_request->Set(std::chrono::duration<double>(when.time_since_epoch()).count());
    (success ? success_ : failure_).Increment();
  }

  void ObserveTick(std::chrono::duration<double> duration) override { tick_.Observe(duration.count()); }

  void SetStoragePoints(size_t node_points, size_t container_points) override {
    node_points_.Set(static_cast<double>(node_points));
    container_points_.Set(static_cast<double>(container_points));
  }

  void ForgetNode(std::string_view node) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = per_node_.find(node);
    if (it == per_node_.end()) return;
    request_duration_.Remove(it->second.duration);
    last_request_time_.Remove(it->second.last_request);
    per_node_.erase(it);
  }

 private:
  struct PerNode {
    prometheus::Histogram* duration;
    prometheus::Gauge* last_request;
  };

  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Counter>& request_total_;
  prometheus::Family<prometheus::Gauge>& last_request_time_;
  prometheus::Family<prometheus::Histogram>& tick_duration_;
  prometheus::Family<prometheus::Gauge>& storage_points_;
  prometheus::Counter& success_;
  prometheus::Counter& failure_;
  prometheus::Histogram& tick_;
  prometheus::Gauge& node_points_;
  prometheus::Gauge& container_points_;
  std::mutex mu_;
  std::map<std::string, PerNode, std::less<>> per_node_;
};

}  // namespace

std::unique_ptr<ScrapeMetrics> MakePrometheusScrapeMetrics(prometheus::Registry& registry) {
  return std::make_unique<PrometheusScrapeMetrics>(registry);
}

}  // namespace metrics_server
