#include "metrics-server/stream/snapshot_broadcaster.h"

namespace metrics_server {

void SnapshotBroadcaster::Publish(std::shared_ptr<const MetricsSnapshot> snapshot) {
  {
    std::lock_guard lock(mu_);
    latest_.snapshot = std::move(snapshot);
    ++latest_.generation;
  }
  changed_.notify_all();
}

SnapshotBroadcaster::Versioned SnapshotBroadcaster::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

SnapshotBroadcaster::Versioned SnapshotBroadcaster::WaitNewer(uint64_t seen_generation,
                                                              std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  changed_.wait_until(lock, deadline, [&] { return shutdown_ || latest_.generation > seen_generation; });
  return latest_;
}

void SnapshotBroadcaster::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  changed_.notify_all();
}

bool SnapshotBroadcaster::IsShutdown() const {
  std::lock_guard lock(mu_);
  return shutdown_;
}

}  // namespace metrics_server
