#pragma once
// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics: a candidate takes the lease only
// when the holder has not renewed it for leaseDurationSeconds as observed on the candidate's own clock (so clock
// skew between replicas does not matter), and a leader that cannot renew within the renew deadline gives up
// before anyone else may take over (renew deadline < lease duration), so two replicas never both act.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "kube/client/rest_client.h"

namespace autoscaler {

struct LeaderElectionConfig {
  std::string lease_namespace = "kube-system";
  std::string lease_name = "kma-autoscaler";
  std::string identity;  // unique per replica: hostname + random suffix
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

// Validates the upstream constraints (lease > renew deadline > retry period * 1.2, identity set).
common::Status ValidateLeaderElectionConfig(const LeaderElectionConfig& config);

class LeaderElector {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  LeaderElector(kube::RestClient& client, LeaderElectionConfig config, Clock clock = {}, WallClock wall_clock = {});
  ~LeaderElector();

  // One attempt to acquire or renew, as client-go's tryAcquireOrRenew. Returns whether we hold the lease now.
  bool TryAcquireOrRenew();

  // True while we hold a lease renewed within the renew deadline. Checked before every write that must not
  // happen twice (scale updates).
  bool IsLeader() const;

  // Runs TryAcquireOrRenew every retry period on a thread; callbacks fire on that thread on transitions.
  void Start(std::function<void()> on_started_leading, std::function<void()> on_stopped_leading);
  // Stops the loop and, when leading, releases the lease (holder cleared) so a successor need not wait.
  void Stop();

  const std::string& identity() const { return config_.identity; }

 private:
  std::string LeasePath() const;
  std::string CollectionPath() const;
  std::string RenderLease(const std::string& resource_version, const std::string& acquire_time, int transitions,
                          const std::string& holder) const;
  void Run();

  kube::RestClient& client_;
  const LeaderElectionConfig config_;
  Clock clock_;
  WallClock wall_clock_;

  mutable std::mutex mu_;
  // What we last saw of the lease record, and when (our clock) it last changed.
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
  std::chrono::steady_clock::time_point last_renewed_{};  // when we last renewed successfully

  std::function<void()> on_started_;
  std::function<void()> on_stopped_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace autoscaler
