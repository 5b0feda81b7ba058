#pragma once
// The list-then-watch loop behind an informer, independent of the object type: lists a collection page by page,
// watches from the list's resourceVersion, follows bookmarks, re-watches when a watch ends, re-lists on 410 Gone,
// and backs off on errors. It never gives up until stopped.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/client/backoff.h"
#include "kube/client/object_meta.h"
#include "kube/client/rest_client.h"
#include "kube/client/watch.h"

namespace kube {

// Receives what the reflector learns. Called from the reflector's thread only.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A full list begins; items follow, then EndList (the new complete content) or AbortList (discard).
  virtual void BeginList() = 0;
  virtual void ListItem(const ObjectMeta& meta, const rapidjson::Value& object) = 0;
  virtual void EndList() = 0;
  virtual void AbortList() = 0;
  // One ADDED/MODIFIED/DELETED watch event.
  virtual void Apply(WatchEventType type, const ObjectMeta& meta, const rapidjson::Value& object) = 0;
};

struct ReflectorOptions {
  std::string path;  // collection path, e.g. "/api/v1/pods"
  std::string label_selector;
  std::string field_selector;
  int64_t page_size = 500;  // list in pages so a 150k-pod cluster never needs one huge response in memory
  BackoffPolicy backoff{std::chrono::milliseconds(800), std::chrono::milliseconds(30000), 2.0, 0.5};
  // Server-side watch timeout, picked at random in [min, 2*min) per watch to spread reconnects (as client-go).
  std::chrono::seconds min_watch_timeout{300};
  std::string name;  // for log lines; defaults to path
};

class Reflector {
 public:
  Reflector(RestClient& client, ReflectorOptions options, ReflectorSink& sink);
  ~Reflector();
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Starts the loop on its own thread. Call once.
  void Start();
  // Stops the loop and joins it: cancels the running watch and interrupts backoff waits (a list request in flight
  // finishes first). Idempotent.
  void Stop();

  // True once the first full list has been delivered to the sink.
  bool HasSynced() const;
  // Waits until HasSynced() or the timeout; returns HasSynced().
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  // The resourceVersion the next watch would start from.
  std::string LastResourceVersion() const;
  // Counters for tests and metrics.
  int64_t list_count() const;
  int64_t watch_count() const;

 private:
  void Run();
  common::Status ListAll();
  // Runs one watch to its end. Returns an error when it failed, kGone when a re-list is needed.
  common::Status WatchOnce(int64_t* events);
  // Sleeps unless stopped first; returns false when stopped.
  bool Wait(std::chrono::milliseconds delay);
  bool stopping() const;

  RestClient& client_;
  ReflectorOptions options_;
  ReflectorSink& sink_;
  Backoff backoff_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopping_ = false;
  bool synced_ = false;
  std::string resource_version_;
  WatchStream* current_watch_ = nullptr;  // owned by WatchOnce; guarded by mu_ for Stop()
  int64_t list_count_ = 0;
  int64_t watch_count_ = 0;
  std::thread thread_;
};

}  // namespace kube
