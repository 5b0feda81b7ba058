#pragma once
// Keeps, for every node and container, the two newest cumulative points and turns them into the usage the
// Metrics API reports, with the semantics of upstream metrics-server's pkg/storage:
//  - CPU usage is the rate between the two newest points (nanocores), memory the newest working set;
//  - a container whose start time is not before the stored point restarted: its history is dropped;
//  - a container that started less than --metric-resolution (but at least 10 s) ago gets a synthetic previous
//    point at its start time with zero CPU, so that new pods get metrics after one scrape;
//  - a point not newer than the stored one keeps the older previous point when that one is still older, and
//    otherwise leaves the object without a previous point (out-of-order or duplicate timestamps);
//  - a decreasing counter yields no usage for that cycle (the next point pairs with the new value);
//  - nodes and pods absent from the latest cycle are forgotten.
// Deliberate difference: upstream reports a pod without the containers whose counter decreased; here a pod is
// reported only when every one of its containers has a usage, so a pod's usage is never silently understated.
//
// One writer (the scrape loop) calls Store; any number of readers call Snapshot, which never blocks on Store: the
// storage builds a new immutable snapshot and swaps it in atomically.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "metrics-server/scrape/node_batch.h"
#include "metrics-server/storage/metrics_snapshot.h"

namespace metrics_server {

struct StorageOptions {
  std::chrono::nanoseconds metric_resolution = std::chrono::seconds(15);
};

// One node's answer in a scrape cycle.
struct NodeScrape {
  std::string_view node_name;
  const NodeBatch* batch = nullptr;
};

// What a Store call saw, for logs and self-metrics.
struct StoreStats {
  size_t node_points = 0;       // nodes with two points (metrics_server_storage_points{type="node"})
  size_t container_points = 0;  // containers with two points (metrics_server_storage_points{type="container"})
  size_t incomplete_nodes = 0;  // node lines missing a timestamp, CPU or memory
  size_t incomplete_pods = 0;   // pods dropped because one of their containers was incomplete
  size_t duplicate_nodes = 0;   // the same node twice in one cycle: the first wins
  size_t duplicate_pods = 0;    // the same pod reported by two nodes: the node first by name wins
};

class MetricsStorage {
 public:
  explicit MetricsStorage(StorageOptions options = {});
  ~MetricsStorage();
  MetricsStorage(const MetricsStorage&) = delete;
  MetricsStorage& operator=(const MetricsStorage&) = delete;

  // Ingests one cycle (the nodes that answered) and publishes a new snapshot stamped `scrape_time`.
  // Not thread-safe against itself: one writer.
  StoreStats Store(std::span<const NodeScrape> scrapes, TimePoint scrape_time);

  // The latest snapshot; never null (empty before the first Store). Thread-safe, lock-free for the writer.
  std::shared_ptr<const MetricsSnapshot> Snapshot() const;

 private:
  struct NodeState;

  std::shared_ptr<const MetricsSnapshot> BuildSnapshot(TimePoint scrape_time, StoreStats* stats) const;

  StorageOptions options_;
  std::vector<NodeState> nodes_;  // sorted by name
  std::atomic<std::shared_ptr<const MetricsSnapshot>> snapshot_;
};

// Usage between two points of one object, as upstream's resourceUsage. False when the counter decreased or the
// window is not positive.
bool ComputeUsage(const ResourcePoint& last, const ResourcePoint& prev, ResourceUsage* usage,
                  std::chrono::nanoseconds* window);

}  // namespace metrics_server
