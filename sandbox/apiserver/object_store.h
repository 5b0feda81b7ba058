#pragma once
// The sandbox API server's storage: an in-memory, thread-safe stand-in for etcd.
//
// Objects are kept as JSON text (what the API serves), keyed by group + resource (the version is ignored for
// identity: each resource has one storage version, conversions happen in the API layer, as in kube-apiserver).
// Every write takes the next value of one global, monotonic resourceVersion (like an etcd revision) and keeps
// metadata.resourceVersion in the stored JSON in sync with it.
//
// Watchers receive events in resourceVersion order. A bounded history of recent events lets a watch resume from
// an older resourceVersion; older than the retained history gives kGone (HTTP 410), as with a compacted etcd.
//
// Callbacks (watch events) are delivered on the thread that made the change, after the store's data lock has
// been released, so a callback may read or even write the store. Deliveries of all watchers are serialised:
// keep callbacks short (hand work to another thread or a queue).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/label_selector.h"

namespace sandbox {

// Identifies a resource type: {"apps","v1","deployments"}, {"","v1","pods"}. Only group + resource identify the
// stored collection; version documents which version the JSON is in (the storage version).
struct ResourceKey {
  std::string group;
  std::string version;
  std::string resource;

  // "deployments.apps", or "pods" for the core group: the form upstream uses in error messages.
  std::string GroupResource() const { return group.empty() ? resource : resource + "." + group; }
};

struct StoredObject {
  std::string namespace_name;  // empty for cluster-scoped objects
  std::string name;
  uint64_t resource_version = 0;
  std::string json;                          // the whole object, metadata.resourceVersion == resource_version
  kube::Labels labels;  // metadata.labels, pre-extracted for cheap selector matching
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kAdded;
  // For kDeleted: the last state of the object, with the resourceVersion of the deletion.
  StoredObject object;
};

const char* WatchEventTypeName(WatchEvent::Type type);  // "ADDED", "MODIFIED", "DELETED"

struct ListResult {
  std::vector<StoredObject> items;  // sorted by namespace, then name
  uint64_t resource_version = 0;    // the store's resourceVersion at the time of the list
};

// Unsubscribes when destroyed. Destroying it from inside its own callback is allowed.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

struct ObjectStoreOptions {
  // How many recent events (across all resources) are kept for resuming watches.
  std::size_t history_limit = 10000;
  // First resourceVersion handed out is initial_resource_version + 1.
  uint64_t initial_resource_version = 1000;
  // Clock for creationTimestamp; defaults to system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Seed for uids and generateName suffixes (deterministic tests).
  uint64_t seed = 0x5eed;
};

class ObjectStore {
 public:
  using WatchCallback = std::function<void(const WatchEvent& event)>;
  // Modifies an object in place; returning an error aborts the change and is returned to the caller.
  using Mutation = std::function<common::Status(rapidjson::Document& object)>;
  using Filter = std::function<bool(const StoredObject& object)>;

  explicit ObjectStore(ObjectStoreOptions options = {});
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Creates an object from JSON. Sets metadata.namespace (= ns), uid, creationTimestamp, resourceVersion and
  // generation (1); metadata.generateName is honoured when metadata.name is empty.
  // Errors: kInvalidArgument (bad JSON, no name), kAlreadyExists.
  common::Result<StoredObject> Create(const ResourceKey& key, std::string_view ns, std::string_view json);

  // Errors: kNotFound.
  common::Result<StoredObject> Get(const ResourceKey& key, std::string_view ns, std::string_view name) const;

  // Objects of one namespace, or of all namespaces when ns is empty; filter (optional) selects items.
  ListResult List(const ResourceKey& key, std::string_view ns, const Filter& filter = nullptr) const;

  // Replaces an object. When check_resource_version is set and the JSON carries a non-empty
  // metadata.resourceVersion that differs from the stored one, fails with kConflict (upstream's message). uid,
  // creationTimestamp, name and namespace are kept from the stored object; generation is bumped when .spec
  // changed. Errors: kInvalidArgument, kNotFound, kConflict.
  common::Result<StoredObject> Update(const ResourceKey& key, std::string_view ns, std::string_view name,
                                      std::string_view json, bool check_resource_version = true);

  // Atomic read-modify-write (no conflict possible). Same metadata rules as Update. If the mutation leaves the
  // object unchanged, nothing is written and the current object is returned (as kube-apiserver does for no-op
  // updates). Errors: kNotFound, or whatever the mutation returns.
  common::Result<StoredObject> Mutate(const ResourceKey& key, std::string_view ns, std::string_view name,
                                      const Mutation& mutation);

  // Errors: kNotFound. Returns the deleted object (with the deletion's resourceVersion).
  common::Result<StoredObject> Delete(const ResourceKey& key, std::string_view ns, std::string_view name);

  // Subscribes to changes of one resource in one namespace (or all, when ns is empty).
  // from_resource_version == 0: first an ADDED event for every existing object, then live changes.
  // Otherwise: every change with a resourceVersion greater than it, then live changes; kGone when that part of
  // the history is no longer retained.
  common::Result<std::unique_ptr<WatchHandle>> Watch(const ResourceKey& key, std::string_view ns,
                                                     uint64_t from_resource_version, WatchCallback callback);

  uint64_t CurrentResourceVersion() const;

  // Drops the whole event history (as an etcd compaction would): watches from any older resourceVersion then
  // get kGone. For tests.
  void CompactHistory();

  struct Impl;  // implementation detail (public only so that watch handles in the .cc can name it)

 private:
  std::shared_ptr<Impl> impl_;  // shared with watch handles, which may outlive the store
};

}  // namespace sandbox
