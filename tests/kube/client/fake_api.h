#pragma once
// A scripted in-memory RestClient for informer tests: a collection of objects served by List with paging, and
// watches whose bytes the test pushes by hand.

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/net/http_client.h"
#include "common/net/http_types.h"
#include "kube/client/rest_client.h"

namespace kube::testing {

// The body of one fake watch: Read blocks until the test pushes bytes, ends it, or the reader cancels.
class FakeWatchBody {
 public:
  void Push(std::string chunk) {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_.push_back(std::move(chunk));
    cv_.notify_all();
  }
  void End() { Push(""); }
  bool cancelled() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }

  common::Result<std::string> Read() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !chunks_.empty() || cancelled_; });
    if (cancelled_) return common::Error::Make(common::ErrorCode::kUnavailable, "cancelled");
    std::string chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  bool cancelled_ = false;
};

class FakeBodyStream : public net::BodyStream {
 public:
  explicit FakeBodyStream(std::shared_ptr<FakeWatchBody> body) : body_(std::move(body)) {}
  common::Result<std::string> Read(std::chrono::milliseconds) override { return body_->Read(); }
  void Cancel() override { body_->Cancel(); }

 private:
  std::shared_ptr<FakeWatchBody> body_;
};

class FakeApi : public RestClient {
 public:
  // Objects by name (JSON text, must carry metadata.name and resourceVersion) and the list's resourceVersion.
  void SetObjects(std::map<std::string, std::string> objects, std::string list_rv) {
    std::lock_guard<std::mutex> lock(mu_);
    objects_ = std::move(objects);
    list_rv_ = std::move(list_rv);
  }
  void FailNextLists(int count) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_lists_ = count;
  }
  void FailNextWatches(int count, common::Error error) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_watches_ = count;
    watch_error_ = std::move(error);
  }

  // Waits until the n-th watch (1-based) has started; returns its options and body.
  bool WaitForWatch(size_t n, WatchOptions* options, std::shared_ptr<FakeWatchBody>* body) {
    std::unique_lock<std::mutex> lock(mu_);
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] { return watches_.size() >= n; });
    if (!ok) return false;
    *options = watches_[n - 1].first;
    *body = watches_[n - 1].second;
    return true;
  }
  std::vector<std::string> list_targets() const {
    std::lock_guard<std::mutex> lock(mu_);
    return list_targets_;
  }
  size_t watch_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return watches_.size();
  }

  common::Result<std::string> Send(const RestRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    list_targets_.push_back(request.path);
    if (fail_lists_ > 0) {
      --fail_lists_;
      return common::Error::Make(common::ErrorCode::kUnavailable, "injected list failure", 503);
    }
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    net::ParseTarget(request.path, &path, &query);
    size_t limit = 0, start = 0;
    for (const auto& [k, v] : query) {
      if (k == "limit") limit = std::stoul(v);
      if (k == "continue") start = std::stoul(v);
    }
    std::string body = R"({"kind":"List","metadata":{"resourceVersion":")" + list_rv_ + "\"";
    size_t end = limit > 0 ? std::min(objects_.size(), start + limit) : objects_.size();
    if (end < objects_.size()) body += R"(,"continue":")" + std::to_string(end) + "\"";
    body += R"(},"items":[)";
    size_t i = 0;
    for (const auto& [name, json] : objects_) {
      if (i >= start && i < end) {
        if (i > start) body += ",";
        body += json;
      }
      ++i;
    }
    body += "]}";
    return body;
  }

  common::Result<std::unique_ptr<WatchStream>> Watch(std::string_view, const WatchOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto body = std::make_shared<FakeWatchBody>();
    watches_.emplace_back(options, body);
    cv_.notify_all();
    if (fail_watches_ > 0) {
      --fail_watches_;
      return watch_error_;
    }
    return NewBodyWatchStream(std::make_unique<FakeBodyStream>(body), std::chrono::seconds(60));
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> objects_;
  std::string list_rv_ = "1";
  int fail_lists_ = 0;
  int fail_watches_ = 0;
  common::Error watch_error_;
  std::vector<std::string> list_targets_;
  std::vector<std::pair<WatchOptions, std::shared_ptr<FakeWatchBody>>> watches_;
};

}  // namespace kube::testing
