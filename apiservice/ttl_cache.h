#pragma once
// A small thread-safe map whose entries expire after a per-insert TTL, for TokenReview and SubjectAccessReview
// answers. Time comes from an injected clock so tests control expiry.

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace apiservice {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

template <typename V>
class TtlCache {
 public:
  TtlCache(SteadyClock clock, std::size_t max_entries) : clock_(std::move(clock)), max_entries_(max_entries) {}

  std::optional<V> Get(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires <= clock_()) return std::nullopt;
    return it->second.value;
  }

  void Put(const std::string& key, V value, std::chrono::steady_clock::duration ttl) {
    if (ttl <= std::chrono::steady_clock::duration::zero() || max_entries_ == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = clock_();
    if (entries_.size() >= max_entries_) {
      std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
      // Still full of live entries: start over rather than track recency; a miss only costs one review call.
      if (entries_.size() >= max_entries_) entries_.clear();
    }
    entries_[key] = Entry{std::move(value), now + ttl};
  }

  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    V value;
    std::chrono::steady_clock::time_point expires;
  };
  SteadyClock clock_;
  std::size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace apiservice
