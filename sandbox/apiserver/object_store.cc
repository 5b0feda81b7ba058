#include "sandbox/apiserver/object_store.h"

#include <atomic>
#include <deque>
#include <random>
#include <thread>
#include <iterator>
#include <utility>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {

using common::Error;
using common::ErrorCode;

const char* WatchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::kAdded:
      return "ADDED";
    case WatchEvent::Type::kModified:
      return "MODIFIED";
    case WatchEvent::Type::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

namespace {

using CollectionId = std::pair<std::string, std::string>;  // group, resource
using ObjectId = std::pair<std::string, std::string>;      // namespace, name

struct HistoryEntry {
  CollectionId collection;
  WatchEvent event;
};

struct Watcher {
  uint64_t id = 0;
  CollectionId collection;
  std::string ns;  // empty = all
  ObjectStore::WatchCallback callback;
  bool active = true;
};

bool Matches(const Watcher& w, const CollectionId& collection, const std::string& ns) {
  return w.collection == collection && (w.ns.empty() || w.ns == ns);
}

}  // namespace

struct ObjectStore::Impl {
  explicit Impl(ObjectStoreOptions opts) : options(std::move(opts)), rng(options.seed) {
    if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
    resource_version = options.initial_resource_version;
  }

  ObjectStoreOptions options;

  // Data lock: objects, history, watcher registry, pending deliveries.
  mutable std::mutex mu;
  std::map<CollectionId, std::map<ObjectId, StoredObject>> collections;
  uint64_t resource_version = 0;
  std::deque<HistoryEntry> history;
  uint64_t compacted_resource_version = 0;  // events up to this resourceVersion are gone
  std::map<uint64_t, std::shared_ptr<Watcher>> watchers;
  uint64_t next_watcher_id = 1;
  std::mt19937_64 rng;
  uint64_t uid_counter = 0;
  // (watcher, event) pairs waiting for delivery, in resourceVersion order.
  std::deque<std::pair<std::shared_ptr<Watcher>, WatchEvent>> pending;

  // Delivery lock: one thread at a time drains `pending`, so callbacks see events in order and never run
  // concurrently. The draining thread is remembered so that callbacks may call back into the store.
  std::mutex delivery_mu;
  std::atomic<std::thread::id> delivering_thread{};

  // Records a change and queues it for matching watchers. Requires mu.
  void RecordLocked(const CollectionId& collection, WatchEvent event) {
    for (auto& [id, watcher] : watchers) {
      if (watcher->active && Matches(*watcher, collection, event.object.namespace_name)) {
        pending.emplace_back(watcher, event);
      }
    }
    history.push_back(HistoryEntry{collection, std::move(event)});
    while (history.size() > options.history_limit) {
      compacted_resource_version = history.front().event.object.resource_version;
      history.pop_front();
    }
  }

  // Delivers queued events. Called after every change, without mu held.
  void Deliver() {
    if (delivering_thread.load() == std::this_thread::get_id()) return;  // re-entrant: the outer loop drains
    std::lock_guard<std::mutex> delivery(delivery_mu);
    delivering_thread.store(std::this_thread::get_id());
    while (true) {
      std::pair<std::shared_ptr<Watcher>, WatchEvent> item;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (pending.empty()) break;
        item = std::move(pending.front());
        pending.pop_front();
        if (!item.first->active) continue;
      }
      item.first->callback(item.second);
    }
    delivering_thread.store(std::thread::id{});
  }

  std::string NewUid() {
    uint64_t a = rng();
    uint64_t b = rng() ^ ++uid_counter;
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return buf;
  }

  std::string RandomSuffix() {
    // Upstream's alphabet for generated names (no vowels, no confusable characters).
    static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string out;
    for (int i = 0; i < 5; ++i) out.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
    return out;
  }
};

namespace {

class WatchHandleImpl : public WatchHandle {
 public:
  WatchHandleImpl(std::weak_ptr<ObjectStore::Impl> impl, std::shared_ptr<Watcher> watcher)
      : impl_(std::move(impl)), watcher_(std::move(watcher)) {}

  ~WatchHandleImpl() override {
    auto impl = impl_.lock();
    if (!impl) return;
    {
      std::lock_guard<std::mutex> lock(impl->mu);
      watcher_->active = false;
      impl->watchers.erase(watcher_->id);
    }
    // Wait for an in-flight callback of this watcher to finish, unless we are inside one.
    if (impl->delivering_thread.load() != std::this_thread::get_id()) {
      std::lock_guard<std::mutex> delivery(impl->delivery_mu);
    }
  }

 private:
  std::weak_ptr<ObjectStore::Impl> impl_;
  std::shared_ptr<Watcher> watcher_;
};

CollectionId IdOf(const ResourceKey& key) { return {key.group, key.resource}; }

Error NotFound(const ResourceKey& key, std::string_view name) {
  return Error::Make(ErrorCode::kNotFound, key.GroupResource() + " \"" + std::string(name) + "\" not found", 404);
}

Error ConflictError(const ResourceKey& key, std::string_view name) {
  return Error::Make(ErrorCode::kConflict,
                     "Operation cannot be fulfilled on " + key.GroupResource() + " \"" + std::string(name) +
                         "\": the object has been modified; please apply your changes to the latest version and "
                         "try again",
                     409);
}

// Writes the store-owned metadata fields into `doc` and serialises it into `object`.
void Finish(rapidjson::Document& doc, StoredObject& object) {
  auto& alloc = doc.GetAllocator();
  rapidjson::Value& meta = json::EnsureObject(doc, "metadata", alloc);
  json::SetString(meta, "resourceVersion", std::to_string(object.resource_version), alloc);
  std::map<std::string, std::string> labels = json::StringMap(json::Find(meta, {"labels"}));
  object.labels = kube::Labels(std::make_move_iterator(labels.begin()), std::make_move_iterator(labels.end()));
  object.json = json::Serialize(doc);
}

bool SpecChanged(const rapidjson::Value& before, const rapidjson::Value& after) {
  const rapidjson::Value* a = json::Find(before, {"spec"});
  const rapidjson::Value* b = json::Find(after, {"spec"});
  if (a == nullptr || b == nullptr) return a != b;
  return *a != *b;
}

// Makes the new state of an existing object keep its identity; bumps generation when the spec changed.
void CarryOverMetadata(const rapidjson::Document& old_doc, rapidjson::Document& doc, const StoredObject& old) {
  auto& alloc = doc.GetAllocator();
  rapidjson::Value& meta = json::EnsureObject(doc, "metadata", alloc);
  json::SetString(meta, "name", old.name, alloc);
  if (old.namespace_name.empty()) {
    json::Remove(meta, "namespace");
  } else {
    json::SetString(meta, "namespace", old.namespace_name, alloc);
  }
  for (const char* field : {"uid", "creationTimestamp"}) {
    if (const rapidjson::Value* v = json::Find(old_doc, {"metadata", field})) {
      json::SetValue(meta, field, rapidjson::Value(*v, alloc), alloc);
    }
  }
  int64_t generation = json::GetInt(old_doc, {"metadata", "generation"}).value_or(1);
  if (SpecChanged(old_doc, doc)) ++generation;
  json::SetInt(meta, "generation", generation, alloc);
}

bool SameIgnoringResourceVersion(const rapidjson::Document& a, rapidjson::Document& b) {
  auto& alloc = b.GetAllocator();
  rapidjson::Value& meta = json::EnsureObject(b, "metadata", alloc);
  json::SetString(meta, "resourceVersion", json::GetString(a, {"metadata", "resourceVersion"}), alloc);
  return a == b;
}

}  // namespace

ObjectStore::ObjectStore(ObjectStoreOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

ObjectStore::~ObjectStore() = default;

common::Result<StoredObject> ObjectStore::Create(const ResourceKey& key, std::string_view ns, std::string_view json) {
  auto parsed = json::Parse(json);
  if (!parsed.ok()) return parsed.error();
  rapidjson::Document& doc = *parsed;
  if (!doc.IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "object must be a JSON object", 400);
  auto& alloc = doc.GetAllocator();
  rapidjson::Value& meta = json::EnsureObject(doc, "metadata", alloc);
  StoredObject object;
  object.namespace_name = std::string(ns);
  object.name = json::GetString(meta, {"name"});
  std::string generate_name = json::GetString(meta, {"generateName"});
  if (ns.empty()) {
    json::Remove(meta, "namespace");
  } else {
    json::SetString(meta, "namespace", ns, alloc);
  }
  json::SetInt(meta, "generation", 1, alloc);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto& collection = impl_->collections[IdOf(key)];
    if (object.name.empty()) {
      if (generate_name.empty()) {
        return Error::Make(ErrorCode::kInvalidArgument, "name or generateName is required", 400);
      }
      do {
        object.name = generate_name + impl_->RandomSuffix();
      } while (collection.count({object.namespace_name, object.name}) != 0);
    }
    if (collection.count({object.namespace_name, object.name}) != 0) {
      return Error::Make(ErrorCode::kAlreadyExists, key.GroupResource() + " \"" + object.name + "\" already exists",
                         409);
    }
    json::SetString(meta, "name", object.name, alloc);
    json::SetString(meta, "uid", impl_->NewUid(), alloc);
    json::SetString(meta, "creationTimestamp", json::FormatTime(impl_->options.clock()), alloc);
    object.resource_version = ++impl_->resource_version;
    Finish(doc, object);
    collection[{object.namespace_name, object.name}] = object;
    impl_->RecordLocked(IdOf(key), WatchEvent{WatchEvent::Type::kAdded, object});
  }
  impl_->Deliver();
  return object;
}

common::Result<StoredObject> ObjectStore::Get(const ResourceKey& key, std::string_view ns,
                                              std::string_view name) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto c = impl_->collections.find(IdOf(key));
  if (c == impl_->collections.end()) return NotFound(key, name);
  auto it = c->second.find({std::string(ns), std::string(name)});
  if (it == c->second.end()) return NotFound(key, name);
  return it->second;
}

ListResult ObjectStore::List(const ResourceKey& key, std::string_view ns, const Filter& filter) const {
  ListResult result;
  std::lock_guard<std::mutex> lock(impl_->mu);
  result.resource_version = impl_->resource_version;
  auto c = impl_->collections.find(IdOf(key));
  if (c == impl_->collections.end()) return result;
  auto begin = ns.empty() ? c->second.begin() : c->second.lower_bound({std::string(ns), std::string()});
  for (auto it = begin; it != c->second.end(); ++it) {
    if (!ns.empty() && it->first.first != ns) break;
    if (filter && !filter(it->second)) continue;
    result.items.push_back(it->second);
  }
  return result;
}

common::Result<StoredObject> ObjectStore::Update(const ResourceKey& key, std::string_view ns, std::string_view name,
                                                 std::string_view json, bool check_resource_version) {
  auto parsed = json::Parse(json);
  if (!parsed.ok()) return parsed.error();
  rapidjson::Document& doc = *parsed;
  if (!doc.IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "object must be a JSON object", 400);
  std::string wanted_rv = json::GetString(doc, {"metadata", "resourceVersion"});
  StoredObject object;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto& collection = impl_->collections[IdOf(key)];
    auto it = collection.find({std::string(ns), std::string(name)});
    if (it == collection.end()) return NotFound(key, name);
    if (check_resource_version && !wanted_rv.empty() &&
        wanted_rv != std::to_string(it->second.resource_version)) {
      return ConflictError(key, name);
    }
    auto old_doc = json::Parse(it->second.json);
    if (!old_doc.ok()) return old_doc.error();
    CarryOverMetadata(*old_doc, doc, it->second);
    if (SameIgnoringResourceVersion(*old_doc, doc)) return it->second;
    object = it->second;
    object.resource_version = ++impl_->resource_version;
    Finish(doc, object);
    it->second = object;
    impl_->RecordLocked(IdOf(key), WatchEvent{WatchEvent::Type::kModified, object});
  }
  impl_->Deliver();
  return object;
}

common::Result<StoredObject> ObjectStore::Mutate(const ResourceKey& key, std::string_view ns, std::string_view name,
                                                 const Mutation& mutation) {
  StoredObject object;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto& collection = impl_->collections[IdOf(key)];
    auto it = collection.find({std::string(ns), std::string(name)});
    if (it == collection.end()) return NotFound(key, name);
    auto old_doc = json::Parse(it->second.json);
    auto doc = json::Parse(it->second.json);
    if (!old_doc.ok() || !doc.ok()) return Error::Make(ErrorCode::kInternal, "stored object is not valid JSON");
    common::Status status = mutation(*doc);
    if (!status.ok()) return status.error();
    if (!doc->IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "object must be a JSON object", 400);
    CarryOverMetadata(*old_doc, *doc, it->second);
    if (SameIgnoringResourceVersion(*old_doc, *doc)) return it->second;
    object = it->second;
    object.resource_version = ++impl_->resource_version;
    Finish(*doc, object);
    it->second = object;
    impl_->RecordLocked(IdOf(key), WatchEvent{WatchEvent::Type::kModified, object});
  }
  impl_->Deliver();
  return object;
}

common::Result<StoredObject> ObjectStore::Delete(const ResourceKey& key, std::string_view ns, std::string_view name) {
  StoredObject object;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    auto& collection = impl_->collections[IdOf(key)];
    auto it = collection.find({std::string(ns), std::string(name)});
    if (it == collection.end()) return NotFound(key, name);
    object = std::move(it->second);
    collection.erase(it);
    auto doc = json::Parse(object.json);
    object.resource_version = ++impl_->resource_version;
    if (doc.ok()) Finish(*doc, object);
    impl_->RecordLocked(IdOf(key), WatchEvent{WatchEvent::Type::kDeleted, object});
  }
  impl_->Deliver();
  return object;
}

common::Result<std::unique_ptr<WatchHandle>> ObjectStore::Watch(const ResourceKey& key, std::string_view ns,
                                                                uint64_t from_resource_version,
                                                                WatchCallback callback) {
  auto watcher = std::make_shared<Watcher>();
  watcher->collection = IdOf(key);
  watcher->ns = std::string(ns);
  watcher->callback = std::move(callback);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (from_resource_version != 0 && from_resource_version < impl_->compacted_resource_version) {
      return Error::Make(ErrorCode::kGone,
                         "too old resource version: " + std::to_string(from_resource_version) + " (" +
                             std::to_string(impl_->compacted_resource_version + 1) + ")",
                         410);
    }
    // The backlog goes into the shared pending queue ahead of any later change, preserving order.
    if (from_resource_version == 0) {
      auto c = impl_->collections.find(watcher->collection);
      if (c != impl_->collections.end()) {
        for (const auto& [id, object] : c->second) {
          if (!ns.empty() && id.first != ns) continue;
          impl_->pending.emplace_back(watcher, WatchEvent{WatchEvent::Type::kAdded, object});
        }
      }
    } else {
      for (const auto& entry : impl_->history) {
        if (entry.event.object.resource_version > from_resource_version &&
            Matches(*watcher, entry.collection, entry.event.object.namespace_name)) {
          impl_->pending.emplace_back(watcher, entry.event);
        }
      }
    }
    watcher->id = impl_->next_watcher_id++;
    impl_->watchers[watcher->id] = watcher;
  }
  std::unique_ptr<WatchHandle> handle = std::make_unique<WatchHandleImpl>(impl_, watcher);
  impl_->Deliver();
  return handle;
}

uint64_t ObjectStore::CurrentResourceVersion() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->resource_version;
}

void ObjectStore::CompactHistory() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->history.clear();
  impl_->compacted_resource_version = impl_->resource_version;
}

}  // namespace sandbox
