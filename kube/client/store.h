#pragma once
// A thread-safe cache of decoded objects keyed "namespace/name", with an optional index by label value. Readers
// get shared pointers to immutable objects, so a reader keeps a consistent object even while the informer replaces
// it.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kube/client/object_meta.h"

namespace kube {

template <typename T>
class Store {
 public:
  using Ptr = std::shared_ptr<const T>;

  struct Item {
    Ptr object;
    std::string resource_version;
    // Values of the indexed labels, in the order of the store's indexed_labels (nullopt = label absent).
    std::vector<std::optional<std::string>> label_values;
  };
  using Items = std::map<std::string, Item, std::less<>>;

  explicit Store(std::vector<std::string> indexed_labels = {}) : indexed_labels_(std::move(indexed_labels)) {
    label_index_.resize(indexed_labels_.size());
  }

  Ptr Get(std::string_view key) const {
    std::shared_lock lock(mu_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : it->second.object;
  }
  Ptr Get(std::string_view namespace_name, std::string_view name) const { return Get(ObjectKey(namespace_name, name)); }

  std::vector<Ptr> List() const {
    std::shared_lock lock(mu_);
    std::vector<Ptr> out;
    out.reserve(items_.size());
    for (const auto& [key, item] : items_) out.push_back(item.object);
    return out;
  }

  // Keys are "ns/name" and names cannot contain '/', so one namespace is a contiguous range of the ordered map.
  std::vector<Ptr> ListByNamespace(std::string_view namespace_name) const {
    std::string prefix = std::string(namespace_name) + "/";
    std::shared_lock lock(mu_);
    std::vector<Ptr> out;
    for (auto it = items_.lower_bound(prefix); it != items_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it) {
      out.push_back(it->second.object);
    }
    return out;
  }

  // Objects whose label `label` equals `value`. Only labels named at construction are indexed; others return an
  // empty list.
  std::vector<Ptr> ListByLabel(std::string_view label, std::string_view value) const {
    std::shared_lock lock(mu_);
    std::vector<Ptr> out;
    for (size_t i = 0; i < indexed_labels_.size(); ++i) {
      if (indexed_labels_[i] != label) continue;
      auto bucket = label_index_[i].find(std::string(value));
      if (bucket == label_index_[i].end()) return out;
      for (const std::string& key : bucket->second) {
        if (auto it = items_.find(key); it != items_.end()) out.push_back(it->second.object);
      }
    }
    return out;
  }

  std::vector<std::string> Keys() const {
    std::shared_lock lock(mu_);
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const auto& [key, item] : items_) out.push_back(key);
    return out;
  }

  size_t size() const {
    std::shared_lock lock(mu_);
    return items_.size();
  }

  const std::vector<std::string>& indexed_labels() const { return indexed_labels_; }

  // --- Mutations, used by the informer. ---

  // Inserts or replaces; returns the previous item if there was one.
  std::optional<Item> Upsert(const std::string& key, Item item) {
    std::unique_lock lock(mu_);
    std::optional<Item> old;
    auto it = items_.find(key);
    if (it != items_.end()) {
      Unindex(key, it->second);
      old = std::move(it->second);
      it->second = std::move(item);
    } else {
      it = items_.emplace(key, std::move(item)).first;
    }
    Index(key, it->second);
    return old;
  }

  std::optional<Item> Remove(std::string_view key) {
    std::unique_lock lock(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) return std::nullopt;
    Unindex(it->first, it->second);
    std::optional<Item> old = std::move(it->second);
    items_.erase(it);
    return old;
  }

  // The resource version and object stored under `key`, for diffing against a new list.
  std::optional<Item> Find(std::string_view key) const {
    std::shared_lock lock(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) return std::nullopt;
    return it->second;
  }

  // Swaps in a whole new content (after a list) and returns the old one.
  Items Replace(Items items) {
    std::unique_lock lock(mu_);
    std::swap(items_, items);
    for (auto& index : label_index_) index.clear();
    for (const auto& [key, item] : items_) Index(key, item);
    return items;
  }

 private:
  using LabelIndex = std::unordered_map<std::string, std::set<std::string, std::less<>>>;

  void Index(const std::string& key, const Item& item) {
    for (size_t i = 0; i < label_index_.size() && i < item.label_values.size(); ++i) {
      if (item.label_values[i]) label_index_[i][*item.label_values[i]].insert(key);
    }
  }

  void Unindex(std::string_view key, const Item& item) {
    for (size_t i = 0; i < label_index_.size() && i < item.label_values.size(); ++i) {
      if (!item.label_values[i]) continue;
      auto bucket = label_index_[i].find(*item.label_values[i]);
      if (bucket == label_index_[i].end()) continue;
      if (auto k = bucket->second.find(key); k != bucket->second.end()) bucket->second.erase(k);
      if (bucket->second.empty()) label_index_[i].erase(bucket);
    }
  }

  std::vector<std::string> indexed_labels_;
  mutable std::shared_mutex mu_;
  Items items_;
  std::vector<LabelIndex> label_index_;
};

}  // namespace kube
