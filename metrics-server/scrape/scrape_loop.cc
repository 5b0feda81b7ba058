#include "metrics-server/scrape/scrape_loop.h"

#include <malloc.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log.h"

namespace metrics_server {

using Steady = std::chrono::steady_clock;

std::chrono::milliseconds SpreadOffset(std::string_view node_name, size_t node_count, const ScrapeOptions& options) {
  // At most half the request timeout, so that the last requests still have time to complete.
  const int64_t spread = std::min({options.delay_per_node.count() * static_cast<int64_t>(node_count),
                                   static_cast<int64_t>(options.max_spread.count()),
                                   static_cast<int64_t>(options.kubelet_request_timeout.count() / 2)});
  if (spread <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::hash<std::string_view>{}(node_name) %
                                                        static_cast<uint64_t>(spread)));
}

// Shared with the request callbacks, which may outlive the cycle (a late answer) or even the loop.
struct ScrapeLoop::Cycle {
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;  // late answers are dropped
  bool stop = false;    // Stop() was called
  std::vector<std::optional<common::Result<std::string>>> results;
  std::vector<Steady::time_point> finished_at;
  std::vector<size_t> ready;  // indices with a result not yet processed
};

ScrapeLoop::ScrapeLoop(ScrapeOptions options, NodeLister& lister, KubeletClient& client, MetricsStorage& storage,
                       ScrapeMetrics* metrics, WallClock clock)
    : options_(options),
      lister_(lister),
      client_(client),
      storage_(storage),
      metrics_(metrics),
      clock_(std::move(clock)) {}

ScrapeLoop::~ScrapeLoop() { Stop(); }

void ScrapeLoop::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    auto next = Steady::now();
    while (true) {
      RunOnce();
      // Like a Go ticker: ticks missed while a cycle overran are skipped, not queued.
      next += options_.metric_resolution;
      if (next < Steady::now()) next = Steady::now();
      std::unique_lock<std::mutex> lock(mu_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
  });
}

void ScrapeLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (current_ != nullptr) {
      std::lock_guard<std::mutex> cycle_lock(current_->mu);
      current_->stop = true;
      current_->cv.notify_all();
    }
    wake_.notify_all();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

CycleResult ScrapeLoop::RunOnce() {
  const Steady::time_point start = Steady::now();
  CycleResult result;

  std::vector<KubeletTarget> targets = lister_.List();
  std::stable_sort(targets.begin(), targets.end(),
                   [](const KubeletTarget& a, const KubeletTarget& b) { return a.node_name < b.node_name; });
  targets.erase(std::unique(targets.begin(), targets.end(),
                            [](const KubeletTarget& a, const KubeletTarget& b) { return a.node_name == b.node_name; }),
                targets.end());
  const size_t n = targets.size();
  result.nodes = n;

  auto cycle = std::make_shared<Cycle>();
  cycle->results.resize(n);
  cycle->finished_at.resize(n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    cycle->stop = stopping_;
    current_ = cycle;
  }

  std::vector<std::chrono::milliseconds> offsets(n);
  for (size_t i = 0; i < n; ++i) offsets[i] = SpreadOffset(targets[i].node_name, n, options_);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return offsets[a] < offsets[b]; });

  // Upstream bounds a cycle by the kubelet request timeout (and the next tick).
  const Steady::time_point deadline =
      start + std::min(options_.kubelet_request_timeout, options_.metric_resolution);
  std::vector<Steady::time_point> sent_at(n, start);
  std::vector<bool> completed(n, false);
  std::vector<bool> usable(n, false);
  std::vector<NodeBatch*> batches(n);
  for (size_t i = 0; i < n; ++i) batches[i] = &batches_[targets[i].node_name];

  auto process = [&](size_t i, common::Result<std::string> body) {
    bool ok = false;
    const TimePoint now = clock_();
    Process(targets[i], std::move(body), now, batches[i], &ok);
    usable[i] = ok;
    completed[i] = true;
    if (metrics_ != nullptr) metrics_->ObserveRequest(targets[i].node_name, ok, cycle->finished_at[i] - sent_at[i], now);
  };

  size_t next = 0;
  size_t done = 0;
  bool stopped = false;
  std::vector<size_t> taken;
  while (done < n) {
    const Steady::time_point now = Steady::now();
    while (next < n && start + offsets[order[next]] <= now) {
      const size_t i = order[next++];
      // The whole cycle keeps to the request timeout, so a late-spread request gets what is left of it.
      const auto timeout = std::max(options_.kubelet_request_timeout - offsets[i], std::chrono::milliseconds(1));
      sent_at[i] = Steady::now();
      client_.FetchResourceMetrics(targets[i], timeout, [cycle, i](common::Result<std::string> body) {
        std::lock_guard<std::mutex> lock(cycle->mu);
        if (cycle->closed || cycle->results[i].has_value()) return;
        cycle->results[i].emplace(std::move(body));
        cycle->finished_at[i] = Steady::now();
        cycle->ready.push_back(i);
        cycle->cv.notify_all();
      });
    }
    {
      std::unique_lock<std::mutex> lock(cycle->mu);
      const Steady::time_point wake_at = next < n ? std::min(deadline, start + offsets[order[next]]) : deadline;
      cycle->cv.wait_until(lock, wake_at, [&] { return !cycle->ready.empty() || cycle->stop; });
      if (cycle->stop) {
        stopped = true;
        break;
      }
      taken.swap(cycle->ready);
    }
    for (size_t i : taken) {
      process(i, std::move(*cycle->results[i]));
      cycle->results[i].reset();  // frees the body now rather than at the end of the cycle
      ++done;
    }
    taken.clear();
    if (Steady::now() >= deadline) break;
  }
  {
    std::lock_guard<std::mutex> lock(cycle->mu);
    cycle->closed = true;
    taken.swap(cycle->ready);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_.reset();
  }
  if (stopped) {
    // Shutting down: storing a partial cycle would only make nodes vanish from the last snapshot.
    result.failed = n - done;
    return result;
  }
  for (size_t i : taken) process(i, std::move(*cycle->results[i]));

  std::vector<NodeScrape> scrapes;
  scrapes.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!completed[i]) {
      cycle->finished_at[i] = Steady::now();
      process(i, common::Error::Make(common::ErrorCode::kTimeout, "no answer before the end of the scrape cycle"));
    }
    if (usable[i]) {
      scrapes.push_back(NodeScrape{targets[i].node_name, batches[i]});
      ++result.succeeded;
    } else {
      ++result.failed;
    }
  }
  result.store = storage_.Store(scrapes, clock_());

  // Forget per-node state of nodes that left the cluster (or the node selector).
  std::vector<std::string_view> names;  // sorted, as targets are
  names.reserve(n);
  for (const KubeletTarget& t : targets) names.push_back(t.node_name);
  auto listed = [&names](std::string_view name) { return std::binary_search(names.begin(), names.end(), name); };
  for (auto it = batches_.begin(); it != batches_.end();) {
    if (listed(it->first)) {
      ++it;
      continue;
    }
    if (metrics_ != nullptr) metrics_->ForgetNode(it->first);
    failing_.erase(it->first);
    malformed_.erase(it->first);
    it = batches_.erase(it);
  }

  // A cycle frees as much as it allocates (TLS handshakes and records, bodies, parse buffers), but on the loop's
  // threads' malloc arenas: without this, glibc keeps the freed pages, which in the soak was a third of the
  // resident memory at 1,000 nodes (docs/memory.md). One pass over the arenas every cycle is a few ms.
  malloc_trim(0);

  if (metrics_ != nullptr) {
    metrics_->SetStoragePoints(result.store.node_points, result.store.container_points);
    metrics_->ObserveTick(Steady::now() - start);
  }
  if (result.store.duplicate_pods != 0) {
    LOG_WARNING("{} pods were reported by more than one node; kept the first node's points",
                result.store.duplicate_pods);
  }
  LOG_V(1, "scrape cycle: {} nodes, {} ok, {} failed, {} node points, {} container points", result.nodes,
        result.succeeded, result.failed, result.store.node_points, result.store.container_points);
  return result;
}

void ScrapeLoop::Process(const KubeletTarget& target, common::Result<std::string> body, TimePoint now,
                         NodeBatch* batch, bool* usable) {
  *usable = false;
  if (!body.ok()) {
    ReportFailure(target.node_name, "unable to fetch metrics from " + target.host + ":" +
                                        std::to_string(target.port) + ": " + body.error().message);
    return;
  }
  // The text format ends every line with '\n'. A body without the final newline was cut off in transit, and its
  // last value may be cut too ("...} 12" from "...} 123456789"): like upstream, the whole node fails.
  if (!body->empty() && body->back() != '\n') {
    ReportFailure(target.node_name, "truncated response from " + target.host + ":" + std::to_string(target.port) +
                                        ": the body does not end with a newline");
    return;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  parser_.Parse(*body, now_ms, batch);
  const ParseStats& stats = batch->stats;
  if (stats.samples == 0) {
    ReportFailure(target.node_name,
                  stats.invalid_lines == 0
                      ? std::string("response contains no samples")
                      : "unparsable response: line " + std::to_string(stats.first_error_line) + ": " +
                            stats.first_error);
    return;
  }
  if (stats.invalid_lines != 0) {
    // Good lines are kept; say so once per node rather than every cycle.
    auto [it, inserted] = malformed_.try_emplace(target.node_name, stats.invalid_lines);
    if (inserted) {
      LOG_WARNING("node {}: skipped {} malformed lines of /metrics/resource (first at line {}: {})",
                  target.node_name, stats.invalid_lines, stats.first_error_line, stats.first_error);
    }
  } else {
    malformed_.erase(target.node_name);
  }
  ReportSuccess(target.node_name);
  *usable = true;
}

void ScrapeLoop::ReportFailure(const std::string& node, const std::string& message) {
  auto [it, inserted] = failing_.try_emplace(node, message);
  if (inserted) {
    LOG_WARNING("Failed to scrape node {}: {}", node, message);
  } else {
    LOG_V(2, "Failed to scrape node {} (still): {}", node, message);
  }
}

void ScrapeLoop::ReportSuccess(const std::string& node) {
  auto it = failing_.find(node);
  if (it == failing_.end()) return;
  failing_.erase(it);
  LOG_INFO("Scraping node {} succeeds again", node);
}

}  // namespace metrics_server
