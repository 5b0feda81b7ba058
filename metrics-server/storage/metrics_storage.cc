#include "metrics-server/storage/metrics_storage.h"

#include <algorithm>
#include <string>

namespace metrics_server {

namespace {

// Upstream's freshContainerMinMetricsResolution: closer to its start than this, a container's first point gives
// an unreliable rate, so no synthetic previous point is made.
constexpr int64_t kFreshContainerMinAgeNs = 10'000'000'000;

struct ContainerState {
  std::string name;
  ResourcePoint last;
  ResourcePoint prev;
  bool has_prev = false;
};

struct PodState {
  std::string namespace_name;
  std::string name;
  std::vector<ContainerState> containers;  // sorted by name
};

// Upstream's rule for keeping history when a new point arrives for an object that has `last` (and maybe
// `prev`): a newer point demotes `last`; an equal or older one keeps `prev` only if `prev` is still older.
void Advance(const ResourcePoint& incoming, const ResourcePoint& last, const ResourcePoint* prev,
             ResourcePoint* new_prev, bool* has_new_prev) {
  if (incoming.timestamp_ns > last.timestamp_ns) {
    *new_prev = last;
    *has_new_prev = true;
  } else if (prev != nullptr && prev->timestamp_ns < incoming.timestamp_ns) {
    *new_prev = *prev;
    *has_new_prev = true;
  }
}

}  // namespace

struct MetricsStorage::NodeState {
  std::string name;
  ResourcePoint last;
  ResourcePoint prev;
  bool has_last = false;
  bool has_prev = false;
  std::vector<PodState> pods;  // sorted by (namespace, name)
};

bool ComputeUsage(const ResourcePoint& last, const ResourcePoint& prev, ResourceUsage* usage,
                  std::chrono::nanoseconds* window) {
  if (last.cumulative_cpu_ns < prev.cumulative_cpu_ns) return false;
  const int64_t window_ns = last.timestamp_ns - prev.timestamp_ns;
  if (window_ns <= 0) return false;
  // Same arithmetic as Go's float64(delta) / Duration.Seconds() followed by a truncating uint64 conversion, so
  // that reported values match upstream's to the nanocore.
  const double seconds =
      static_cast<double>(window_ns / 1'000'000'000) + static_cast<double>(window_ns % 1'000'000'000) / 1e9;
  const double rate = static_cast<double>(last.cumulative_cpu_ns - prev.cumulative_cpu_ns) / seconds;
  if (!(rate >= 0) || rate >= 18446744073709551616.0) return false;
  usage->cpu_nanocores = static_cast<uint64_t>(rate);
  usage->memory_bytes = last.memory_bytes;
  *window = std::chrono::nanoseconds(window_ns);
  return true;
}

MetricsStorage::MetricsStorage(StorageOptions options)
    : options_(options), snapshot_(std::make_shared<const MetricsSnapshot>()) {}

MetricsStorage::~MetricsStorage() = default;

std::shared_ptr<const MetricsSnapshot> MetricsStorage::Snapshot() const {
  return snapshot_.load(std::memory_order_acquire);
}

StoreStats MetricsStorage::Store(std::span<const NodeScrape> scrapes, TimePoint scrape_time) {
  StoreStats stats;
  std::vector<const NodeScrape*> sorted;
  sorted.reserve(scrapes.size());
  for (const NodeScrape& s : scrapes) {
    if (s.batch != nullptr) sorted.push_back(&s);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const NodeScrape* a, const NodeScrape* b) { return a->node_name < b->node_name; });

  const int64_t resolution_ns = options_.metric_resolution.count();
  std::vector<NodeState> next;
  next.reserve(sorted.size());
  auto old = nodes_.begin();
  for (size_t i = 0; i < sorted.size(); ++i) {
    const NodeScrape& scrape = *sorted[i];
    if (i > 0 && sorted[i - 1]->node_name == scrape.node_name) {
      ++stats.duplicate_nodes;
      continue;
    }
    while (old != nodes_.end() && old->name < scrape.node_name) ++old;
    const bool known = old != nodes_.end() && old->name == scrape.node_name;
    NodeState previous = known ? std::move(*old) : NodeState{};
    const NodeBatch& batch = *scrape.batch;

    NodeState state;
    state.name = known ? std::move(previous.name) : std::string(scrape.node_name);
    if (IsComplete(batch.node)) {
      state.last = batch.node;
      state.has_last = true;
      if (previous.has_last) {
        Advance(batch.node, previous.last, previous.has_prev ? &previous.prev : nullptr, &state.prev,
                &state.has_prev);
      }
    } else {
      ++stats.incomplete_nodes;
    }
    if (state.has_prev) ++stats.node_points;

    // Both the batch and the stored pods are sorted by (namespace, name): merge them in one pass.
    auto old_pod = previous.pods.begin();
    state.pods.reserve(batch.pods.size());
    for (const PodSample& sample : batch.pods) {
      if (sample.container_count == 0) continue;  // only pod-level lines: nothing upstream would store
      const ContainerSample* first = batch.containers.data() + sample.first_container;
      const ContainerSample* last = first + sample.container_count;
      if (!std::all_of(first, last, [](const ContainerSample& c) { return IsComplete(c.point); })) {
        ++stats.incomplete_pods;
        continue;
      }
      const std::string_view ns = batch.str(sample.namespace_name);
      const std::string_view name = batch.str(sample.name);
      while (old_pod != previous.pods.end() &&
             (old_pod->namespace_name < ns || (old_pod->namespace_name == ns && old_pod->name < name))) {
        ++old_pod;
      }
      const bool pod_known =
          old_pod != previous.pods.end() && old_pod->namespace_name == ns && old_pod->name == name;

      PodState pod;
      if (pod_known) {
        pod.namespace_name = std::move(old_pod->namespace_name);
        pod.name = std::move(old_pod->name);
      } else {
        pod.namespace_name.assign(ns);
        pod.name.assign(name);
      }
      pod.containers.reserve(sample.container_count);
      auto old_container = pod_known ? old_pod->containers.begin() : std::vector<ContainerState>::iterator{};
      for (const ContainerSample* c = first; c != last; ++c) {
        const std::string_view container_name = batch.str(c->name);
        const ResourcePoint& point = c->point;
        ContainerState* stored = nullptr;
        if (pod_known) {
          while (old_container != old_pod->containers.end() && old_container->name < container_name) {
            ++old_container;
          }
          if (old_container != old_pod->containers.end() && old_container->name == container_name) {
            stored = &*old_container;
          }
        }
        ContainerState cs;
        cs.name = stored != nullptr ? std::move(stored->name) : std::string(container_name);
        cs.last = point;
        const int64_t age_ns = point.timestamp_ns - point.start_time_ns;
        if (point.start_time_ns < point.timestamp_ns && age_ns < resolution_ns && age_ns >= kFreshContainerMinAgeNs) {
          cs.prev = point;
          cs.prev.timestamp_ns = point.start_time_ns;
          cs.prev.cumulative_cpu_ns = 0;
          cs.has_prev = true;
        } else if (stored != nullptr && point.start_time_ns < stored->last.timestamp_ns) {
          // Started before the stored point: the same container instance, so its history still applies.
          Advance(point, stored->last, stored->has_prev ? &stored->prev : nullptr, &cs.prev, &cs.has_prev);
        }
        if (cs.has_prev) ++stats.container_points;
        pod.containers.push_back(std::move(cs));
      }
      state.pods.push_back(std::move(pod));
    }
    next.push_back(std::move(state));
  }
  nodes_ = std::move(next);
  snapshot_.store(BuildSnapshot(scrape_time, &stats), std::memory_order_release);
  return stats;
}

std::shared_ptr<const MetricsSnapshot> MetricsStorage::BuildSnapshot(TimePoint scrape_time,
                                                                     StoreStats* stats) const {
  auto snapshot = std::make_shared<MetricsSnapshot>();
  snapshot->scrape_time = scrape_time;
  size_t pod_count = 0;
  for (const NodeState& node : nodes_) pod_count += node.pods.size();
  snapshot->nodes.reserve(nodes_.size());
  snapshot->pods.reserve(pod_count);

  for (const NodeState& node : nodes_) {
    if (node.has_last && node.has_prev) {
      NodeMetricsPoint point;
      if (ComputeUsage(node.last, node.prev, &point.usage, &point.window)) {
        point.name = node.name;
        point.timestamp = TimePoint(std::chrono::nanoseconds(node.last.timestamp_ns));
        snapshot->nodes.push_back(std::move(point));
      }
    }
    for (const PodState& pod : node.pods) {
      PodMetricsPoint point;
      point.containers.reserve(pod.containers.size());
      bool complete = true;
      int64_t earliest_ns = 0;
      for (const ContainerState& c : pod.containers) {
        ContainerMetricsPoint cm;
        std::chrono::nanoseconds window{};
        if (!c.has_prev || !ComputeUsage(c.last, c.prev, &cm.usage, &window)) {
          complete = false;
          break;
        }
        // Like upstream, the pod carries the timestamp and window of its least recent container.
        if (point.containers.empty() || c.last.timestamp_ns < earliest_ns) {
          earliest_ns = c.last.timestamp_ns;
          point.window = window;
        }
        cm.name = c.name;
        point.containers.push_back(std::move(cm));
      }
      if (!complete || point.containers.empty()) continue;
      point.namespace_name = pod.namespace_name;
      point.name = pod.name;
      point.timestamp = TimePoint(std::chrono::nanoseconds(earliest_ns));
      snapshot->pods.push_back(std::move(point));
    }
  }

  // Nodes are visited in name order and the sort is stable, so a pod reported twice keeps the first node's entry.
  std::stable_sort(snapshot->pods.begin(), snapshot->pods.end(), [](const PodMetricsPoint& a, const PodMetricsPoint& b) {
    int c = a.namespace_name.compare(b.namespace_name);
    return c != 0 ? c < 0 : a.name < b.name;
  });
  auto same = [](const PodMetricsPoint& a, const PodMetricsPoint& b) {
    return a.namespace_name == b.namespace_name && a.name == b.name;
  };
  auto unique_end = std::unique(snapshot->pods.begin(), snapshot->pods.end(), same);
  stats->duplicate_pods = static_cast<size_t>(snapshot->pods.end() - unique_end);
  snapshot->pods.erase(unique_end, snapshot->pods.end());
  return snapshot;
}

}  // namespace metrics_server
