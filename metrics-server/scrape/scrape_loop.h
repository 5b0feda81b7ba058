#pragma once
// The scrape loop: every --metric-resolution, fetch /metrics/resource from every kubelet concurrently, parse the
// answers and hand the cycle to the storage.
//
// Requests are spread over up to `max_spread` (8 ms per node, at most 4 s, as upstream) so that thousands of
// kubelets are not hit in the same millisecond; each node gets an offset derived from its name, so a node keeps
// its slot from cycle to cycle. A node that fails (error, timeout, unusable body) is left out of the cycle, and
// so out of the snapshot, like upstream; a failure is logged when a node starts failing and again when it
// recovers, not every cycle. Responses arriving after a cycle ended are dropped safely.
//
// Parsing happens on the loop's own thread with one reused parser, so the network threads only move bodies.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metrics-server/scrape/kubelet_client.h"
#include "metrics-server/scrape/prometheus_parser.h"
#include "metrics-server/scrape/scrape_metrics.h"
#include "metrics-server/storage/metrics_storage.h"

namespace metrics_server {

struct ScrapeOptions {
  std::chrono::milliseconds metric_resolution{15000};        // --metric-resolution
  std::chrono::milliseconds kubelet_request_timeout{10000};  // --kubelet-request-timeout
  std::chrono::milliseconds delay_per_node{8};               // spreading: upstream's delayPerSourceMs
  std::chrono::milliseconds max_spread{4000};                // upstream's maxDelayMs
};

struct CycleResult {
  size_t nodes = 0;      // kubelets listed
  size_t succeeded = 0;  // answered with a usable body
  size_t failed = 0;     // errors, timeouts and unusable bodies
  StoreStats store;
};

// Where in [0, spread) a node's request goes; stable for a node name. Exposed for tests.
std::chrono::milliseconds SpreadOffset(std::string_view node_name, size_t node_count, const ScrapeOptions& options);

class ScrapeLoop {
 public:
  using WallClock = std::function<TimePoint()>;

  // All references must outlive the loop. `metrics` may be null.
  ScrapeLoop(ScrapeOptions options, NodeLister& lister, KubeletClient& client, MetricsStorage& storage,
             ScrapeMetrics* metrics, WallClock clock = [] { return std::chrono::system_clock::now(); });
  ~ScrapeLoop();
  ScrapeLoop(const ScrapeLoop&) = delete;
  ScrapeLoop& operator=(const ScrapeLoop&) = delete;

  // One cycle on the calling thread; returns when every node answered or the cycle's deadline passed.
  CycleResult RunOnce();

  // Runs RunOnce every metric_resolution on a thread of its own until Stop().
  void Start();
  // Ends the current cycle early (pending nodes count as failed) and joins the thread. Idempotent.
  void Stop();

 private:
  struct Cycle;

  void Process(const KubeletTarget& target, common::Result<std::string> body, TimePoint now, NodeBatch* batch,
               bool* usable);
  void ReportFailure(const std::string& node, const std::string& message);
  void ReportSuccess(const std::string& node);

  const ScrapeOptions options_;
  NodeLister& lister_;
  KubeletClient& client_;
  MetricsStorage& storage_;
  ScrapeMetrics* const metrics_;
  const WallClock clock_;

  PrometheusParser parser_;
  std::map<std::string, NodeBatch, std::less<>> batches_;  // per node, reused across cycles
  std::map<std::string, std::string, std::less<>> failing_;  // node -> error last logged
  std::map<std::string, uint32_t, std::less<>> malformed_;   // node -> invalid line count last logged

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::shared_ptr<Cycle> current_;  // the running cycle, so that Stop() can wake it
  std::thread thread_;
};

}  // namespace metrics_server
