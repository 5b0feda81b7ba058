#pragma once
// A keyed work queue with client-go's guarantees: a key is handed to one worker at a time, a key added while it is
// queued is not duplicated, and a key added while being processed is processed again afterwards. Delayed adds keep
// one pending due time per key (a later AddAfter replaces it), which is how periodic resyncs are scheduled.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace autoscaler {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void Add(const std::string& key);
  // Schedules the key for `delay` from now, replacing any earlier schedule of it.
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Drops a pending delayed add (the object is gone).
  void Forget(const std::string& key);
  // Blocks until a key is ready or the queue shuts down (nullopt).
  std::optional<std::string> Get();
  // Marks the key processed; re-queues it if it was added meanwhile.
  void Done(const std::string& key);
  void ShutDown();
  std::size_t Len() const;

 private:
  void PromoteDueLocked(Clock::time_point now);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> queued_;       // in queue_
  std::set<std::string> processing_;   // handed out, not Done yet
  std::set<std::string> dirty_;        // added while processing
  std::map<std::string, Clock::time_point> delayed_;
  bool shutdown_ = false;
};

}  // namespace autoscaler
