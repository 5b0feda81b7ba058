#include "kube/client/reflector.h"

#include <random>
#include <utility>

#include "common/log.h"

namespace kube {
namespace {

using common::Error;
using common::ErrorCode;

// A watch that ends this quickly without delivering anything counts as a failure for backoff purposes, so a server
// that closes every watch at once cannot make us spin.
constexpr std::chrono::seconds kMinHealthyWatch{1};

}  // namespace

Reflector::Reflector(RestClient& client, ReflectorOptions options, ReflectorSink& sink)
    : client_(client), options_(std::move(options)), sink_(sink), backoff_(options_.backoff) {
  if (options_.name.empty()) options_.name = options_.path;
}

Reflector::~Reflector() { Stop(); }

void Reflector::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void Reflector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (current_watch_ != nullptr) current_watch_->Cancel();
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool Reflector::HasSynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return synced_;
}

bool Reflector::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return synced_ || stopping_; }) && synced_;
}

std::string Reflector::LastResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return resource_version_;
}

int64_t Reflector::list_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return list_count_;
}

int64_t Reflector::watch_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return watch_count_;
}

bool Reflector::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool Reflector::Wait(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, delay, [this] { return stopping_; });
}

void Reflector::Run() {
  bool need_list = true;
  int consecutive_gone = 0;
  while (!stopping()) {
    if (need_list) {
      common::Status listed = ListAll();
      if (stopping()) return;
      if (!listed.ok()) {
        LOG_WARNING("{}: list failed: {}", options_.name, listed.error().message);
        if (!Wait(backoff_.Next())) return;
        continue;
      }
      need_list = false;
    }

    int64_t events = 0;
    auto started = std::chrono::steady_clock::now();
    common::Status watched = WatchOnce(&events);
    if (stopping()) return;
    bool quick_and_empty = events == 0 && std::chrono::steady_clock::now() - started < kMinHealthyWatch;
    if (events > 0) consecutive_gone = 0;

    if (!watched.ok() && watched.error().code == ErrorCode::kGone) {
      // Our resourceVersion fell out of the server's history window: only a fresh list can resync us.
      LOG_V(2, "{}: watch expired ({}), re-listing", options_.name, watched.error().message);
      need_list = true;
      // An immediate re-list is right once; a server that keeps answering 410 gets backoff instead of a hot loop.
      if (consecutive_gone++ > 0 && !Wait(backoff_.Next())) return;
      continue;
    }
    if (!watched.ok()) {
      LOG_WARNING("{}: watch failed: {}", options_.name, watched.error().message);
      if (!Wait(backoff_.Next())) return;
      continue;
    }
    if (quick_and_empty) {
      if (!Wait(backoff_.Next())) return;
      continue;
    }
    backoff_.Reset();
  }
}

common::Status Reflector::ListAll() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++list_count_;
  }
  ListOptions list;
  list.label_selector = options_.label_selector;
  list.field_selector = options_.field_selector;
  list.limit = options_.page_size;
  std::string resource_version;
  sink_.BeginList();
  while (true) {
    auto page = client_.List(options_.path, list);
    if (!page.ok()) {
      sink_.AbortList();
      return page.error();
    }
    const rapidjson::Value& doc = *page;
    const rapidjson::Value* items = doc.IsObject() ? ArrayMember(doc, "items") : nullptr;
    const rapidjson::Value* metadata = doc.IsObject() ? ObjectMember(doc, "metadata") : nullptr;
    if (items == nullptr || metadata == nullptr) {
      sink_.AbortList();
      return Error::Make(ErrorCode::kInvalidArgument, "list response has no items or metadata");
    }
    for (const rapidjson::Value& item : items->GetArray()) {
      auto meta = ParseObjectMeta(item);
      if (!meta.ok()) {
        LOG_WARNING("{}: skipping listed object: {}", options_.name, meta.error().message);
        continue;
      }
      sink_.ListItem(*meta, item);
    }
    // Every page of one list shares the snapshot's resourceVersion; the last page's is as good as any.
    resource_version = std::string(StringMember(*metadata, "resourceVersion").value_or(""));
    std::string continue_token(StringMember(*metadata, "continue").value_or(""));
    if (continue_token.empty()) break;
    if (stopping()) {
      sink_.AbortList();
      return Error::Make(ErrorCode::kUnavailable, "stopped");
    }
    list.continue_token = std::move(continue_token);
  }
  sink_.EndList();
  std::lock_guard<std::mutex> lock(mu_);
  resource_version_ = resource_version;
  synced_ = true;
  cv_.notify_all();
  return common::Status::Ok();
}

common::Status Reflector::WatchOnce(int64_t* events) {
  WatchOptions watch;
  watch.resource_version = LastResourceVersion();
  watch.allow_watch_bookmarks = true;
  watch.label_selector = options_.label_selector;
  watch.field_selector = options_.field_selector;
  if (options_.min_watch_timeout.count() > 0) {
    std::uniform_int_distribution<int64_t> spread(0, options_.min_watch_timeout.count() - 1);
    std::mt19937_64 random(std::random_device{}());
    watch.timeout = options_.min_watch_timeout + std::chrono::seconds(spread(random));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++watch_count_;
  }
  auto stream = client_.Watch(options_.path, watch);
  if (!stream.ok()) return stream.error();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return common::Status::Ok();
    current_watch_ = stream->get();
  }
  common::Status result;
  while (true) {
    auto next = (*stream)->Next();
    if (!next.ok()) {
      result = next.error();
      break;
    }
    if (!next->has_value()) break;  // the server ended the watch (timeoutSeconds); resume from where we are
    const WatchEvent& event = **next;
    auto meta = ParseObjectMeta(event.object());
    if (event.type == WatchEventType::kBookmark) {
      // Bookmarks carry only a resourceVersion (and no name); they just move our resume point forward.
      const rapidjson::Value* metadata = ObjectMember(event.object(), "metadata");
      auto rv = metadata ? StringMember(*metadata, "resourceVersion") : std::nullopt;
      if (rv && !rv->empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        resource_version_ = std::string(*rv);
      }
      ++*events;
      continue;
    }
    if (!meta.ok()) {
      LOG_WARNING("{}: skipping {} event: {}", options_.name, WatchEventTypeName(event.type), meta.error().message);
      continue;
    }
    // Advance the resume point first, so that whoever sees the event (handlers) also sees its resourceVersion.
    if (!meta->resource_version.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      resource_version_ = meta->resource_version;
    }
    sink_.Apply(event.type, *meta, event.object());
    ++*events;
  }
  std::lock_guard<std::mutex> lock(mu_);
  current_watch_ = nullptr;
  return result;
}

}  // namespace kube
