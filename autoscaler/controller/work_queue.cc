#include "autoscaler/controller/work_queue.h"

#include <algorithm>

namespace autoscaler {

void WorkQueue::Add(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    if (shutdown_) return;
    if (processing_.count(key) != 0) {
      dirty_.insert(key);
      return;
    }
    if (!queued_.insert(key).second) return;
    queue_.push_back(key);
  }
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    Add(key);
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (shutdown_) return;
    delayed_[key] = Clock::now() + delay;
  }
  cv_.notify_one();  // a waiting worker may need to shorten its wait
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard lock(mu_);
  delayed_.erase(key);
}

void WorkQueue::PromoteDueLocked(Clock::time_point now) {
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second > now) {
      ++it;
      continue;
    }
    const std::string& key = it->first;
    if (processing_.count(key) != 0) {
      dirty_.insert(key);
    } else if (queued_.insert(key).second) {
      queue_.push_back(key);
    }
    it = delayed_.erase(it);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock lock(mu_);
  while (true) {
    if (shutdown_) return std::nullopt;
    PromoteDueLocked(Clock::now());
    if (!queue_.empty()) break;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      auto next = std::min_element(delayed_.begin(), delayed_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
      // A copy: wait_until reads the deadline again after waking, by which time another worker may have
      // promoted and erased that entry (a use-after-free ASan found in the e2e tests).
      const Clock::time_point deadline = next->second;
      cv_.wait_until(lock, deadline);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  queued_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  bool requeued = false;
  {
    std::lock_guard lock(mu_);
    processing_.erase(key);
    if (dirty_.erase(key) != 0 && !shutdown_ && queued_.insert(key).second) {
      queue_.push_back(key);
      requeued = true;
    }
  }
  if (requeued) cv_.notify_one();
}

void WorkQueue::ShutDown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

std::size_t WorkQueue::Len() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace autoscaler
