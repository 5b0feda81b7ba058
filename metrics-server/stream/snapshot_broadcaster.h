#pragma once
// Hands each new MetricsSnapshot to any number of waiting readers (the gRPC stream handlers). Publishing never
// blocks on readers: a slow reader simply skips to the newest snapshot when it wakes up.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "metrics-server/storage/metrics_snapshot.h"

namespace metrics_server {

class SnapshotBroadcaster {
 public:
  struct Versioned {
    std::shared_ptr<const MetricsSnapshot> snapshot;  // null until the first publish
    uint64_t generation = 0;
  };

  void Publish(std::shared_ptr<const MetricsSnapshot> snapshot);
  Versioned Latest() const;
  // Waits until a snapshot newer than `seen_generation` is published, `deadline` passes, or Shutdown().
  // Returns the latest (possibly unchanged) state.
  Versioned WaitNewer(uint64_t seen_generation, std::chrono::steady_clock::time_point deadline) const;
  // Wakes every waiter for good; later waits return immediately.
  void Shutdown();
  bool IsShutdown() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  Versioned latest_;
  bool shutdown_ = false;
};

}  // namespace metrics_server
