#pragma once
// Informer<T>: a Reflector feeding a Store<T>, with event handlers. T comes from a decoder so that callers keep
// only the fields they need (metrics-server caches ~150k pods; whole JSON documents would not fit).
//
//   kube::InformerOptions options;
//   options.path = "/api/v1/pods";
//   kube::Informer<kube::Pod> pods(client, options, kube::DecodePod);
//   pods.AddHandlers({.on_add = ..., .on_delete = ...});
//   pods.Start();
//   pods.WaitForSync(std::chrono::seconds(30));
//   auto pod = pods.store().Get("default", "web-0");

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <rapidjson/document.h>

#include "common/log.h"
#include "common/result.h"
#include "kube/client/reflector.h"
#include "kube/client/rest_client.h"
#include "kube/client/store.h"

namespace kube {

template <typename T>
struct EventHandlers {
  std::function<void(const T&)> on_add;
  std::function<void(const T& old_object, const T& new_object)> on_update;
  std::function<void(const T&)> on_delete;  // the last state we knew
};

struct InformerOptions : ReflectorOptions {
  std::vector<std::string> indexed_labels;  // label keys for Store::ListByLabel
};

template <typename T>
class Informer : private ReflectorSink {
 public:
  using Decoder = std::function<common::Result<T>(const rapidjson::Value&)>;
  using Ptr = typename Store<T>::Ptr;

  Informer(RestClient& client, InformerOptions options, Decoder decoder)
      : store_(options.indexed_labels), decoder_(std::move(decoder)), reflector_(client, options, *this) {}
  ~Informer() override { Stop(); }

  // Register before Start(); handlers run on the informer thread, outside every lock, in event order.
  void AddHandlers(EventHandlers<T> handlers) {
    std::lock_guard<std::mutex> lock(handlers_mu_);
    handlers_.push_back(std::move(handlers));
  }

  void Start() { reflector_.Start(); }
  void Stop() { reflector_.Stop(); }
  bool HasSynced() const { return reflector_.HasSynced(); }
  bool WaitForSync(std::chrono::milliseconds timeout) const { return reflector_.WaitForSync(timeout); }

  const Store<T>& store() const { return store_; }
  const Reflector& reflector() const { return reflector_; }

 private:
  using Item = typename Store<T>::Item;

  struct Added {
    Ptr object;
  };
  struct Updated {
    Ptr old_object;
    Ptr new_object;
  };
  struct Deleted {
    Ptr object;
  };
  using Event = std::variant<Added, Updated, Deleted>;

  // Decodes into a store item; nullopt (logged) when the decoder rejects the object.
  std::optional<Item> MakeItem(const ObjectMeta& meta, const rapidjson::Value& object) {
    auto decoded = decoder_(object);
    if (!decoded.ok()) {
      LOG_WARNING("cannot decode {}: {}", ObjectKey(meta.namespace_name, meta.name), decoded.error().message);
      return std::nullopt;
    }
    Item item;
    item.object = std::make_shared<const T>(std::move(decoded.value()));
    item.resource_version = meta.resource_version;
    for (const std::string& label : store_.indexed_labels()) item.label_values.push_back(LabelValue(object, label));
    return item;
  }

  void BeginList() override { pending_.clear(); }

  void ListItem(const ObjectMeta& meta, const rapidjson::Value& object) override {
    std::string key = ObjectKey(meta.namespace_name, meta.name);
    // Unchanged objects keep their decoded value: a re-list of 150k pods then costs little extra memory.
    if (auto existing = store_.Find(key); existing && !meta.resource_version.empty() &&
                                          existing->resource_version == meta.resource_version) {
      pending_.insert_or_assign(std::move(key), std::move(*existing));
      return;
    }
    if (auto item = MakeItem(meta, object)) {
      pending_.insert_or_assign(std::move(key), std::move(*item));
    } else if (auto existing = store_.Find(key)) {
      pending_.insert_or_assign(std::move(key), std::move(*existing));  // keep what we had rather than "delete" it
    }
  }

  void AbortList() override { pending_.clear(); }

  void EndList() override {
    std::vector<std::pair<std::string, Ptr>> listed;
    listed.reserve(pending_.size());
    for (const auto& [key, item] : pending_) listed.emplace_back(key, item.object);
    typename Store<T>::Items old = store_.Replace(std::move(pending_));
    pending_ = {};
    // Both sides are ordered by key: one merge pass finds additions, changes and disappearances.
    std::vector<Event> events;
    auto old_it = old.begin();
    for (const auto& [key, object] : listed) {
      for (; old_it != old.end() && old_it->first < key; ++old_it) events.push_back(Deleted{old_it->second.object});
      if (old_it != old.end() && old_it->first == key) {
        if (old_it->second.object != object) events.push_back(Updated{old_it->second.object, object});
        ++old_it;
      } else {
        events.push_back(Added{object});
      }
    }
    for (; old_it != old.end(); ++old_it) events.push_back(Deleted{old_it->second.object});
    Dispatch(events);
  }

  void Apply(WatchEventType type, const ObjectMeta& meta, const rapidjson::Value& object) override {
    std::string key = ObjectKey(meta.namespace_name, meta.name);
    std::vector<Event> events;
    if (type == WatchEventType::kDeleted) {
      if (auto old = store_.Remove(key)) events.push_back(Deleted{old->object});
    } else if (auto item = MakeItem(meta, object)) {
      Ptr object_ptr = item->object;
      if (auto old = store_.Upsert(key, std::move(*item))) {
        events.push_back(Updated{old->object, object_ptr});
      } else {
        events.push_back(Added{object_ptr});
      }
    }
    Dispatch(events);
  }

  void Dispatch(const std::vector<Event>& events) {
    if (events.empty()) return;
    std::vector<EventHandlers<T>> handlers;
    {
      std::lock_guard<std::mutex> lock(handlers_mu_);
      handlers = handlers_;
    }
    for (const Event& event : events) {
      for (const EventHandlers<T>& h : handlers) {
        if (const auto* added = std::get_if<Added>(&event)) {
          if (h.on_add) h.on_add(*added->object);
        } else if (const auto* updated = std::get_if<Updated>(&event)) {
          if (h.on_update) h.on_update(*updated->old_object, *updated->new_object);
        } else if (const auto* deleted = std::get_if<Deleted>(&event)) {
          if (h.on_delete) h.on_delete(*deleted->object);
        }
      }
    }
  }

  Store<T> store_;
  Decoder decoder_;
  std::mutex handlers_mu_;
  std::vector<EventHandlers<T>> handlers_;
  typename Store<T>::Items pending_;  // a list in progress; touched only by the reflector thread
  Reflector reflector_;                // last: its thread must stop before the members above go away
};

}  // namespace kube
