#pragma once
// What one scrape of a kubelet's /metrics/resource yields: the node's cumulative CPU counter and working set, and
// per pod its containers. Compact on purpose: all names live in one string and are referenced by offset, so a
// batch reused across scrapes does not allocate once its buffers have grown to the node's size.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace metrics_server {

// A range of NodeBatch::strings. Offsets rather than pointers so that a batch can be moved or copied freely.
struct StrRef {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// One observation of a node or a container, in the units of upstream's storage.MetricsPoint.
struct ResourcePoint {
  int64_t timestamp_ns = 0;        // 0 = unknown
  uint64_t cumulative_cpu_ns = 0;  // core-nanoseconds since start
  uint64_t memory_bytes = 0;       // working set
  int64_t start_time_ns = 0;       // containers only; 0 = unknown
};

// Upstream's decoder drops nodes and containers whose point lacks a timestamp, a CPU counter or a working set
// (a zero is how the kubelet says "not available yet").
inline bool IsComplete(const ResourcePoint& p) {
  return p.timestamp_ns != 0 && p.cumulative_cpu_ns != 0 && p.memory_bytes != 0;
}

struct ContainerSample {
  StrRef name;
  ResourcePoint point;
  uint64_t swap_bytes = 0;
  bool has_swap = false;
};

struct PodSample {
  StrRef namespace_name;
  StrRef name;
  uint32_t first_container = 0;  // index into NodeBatch::containers
  uint32_t container_count = 0;
  // pod_cpu_usage_seconds_total / pod_memory_working_set_bytes. Parsed for completeness; like upstream, storage
  // derives pod usage from the containers only.
  ResourcePoint pod_level;
  uint64_t swap_bytes = 0;
  bool has_swap = false;
};

struct ParseStats {
  uint32_t lines = 0;            // physical lines, blank and comment lines included
  uint32_t samples = 0;          // well-formed metric lines
  uint32_t unknown_samples = 0;  // well-formed lines of metrics the scrape path does not use
  uint32_t invalid_lines = 0;    // malformed lines, or known metrics with unusable labels/values; skipped
  uint32_t first_error_line = 0;  // 1-based; 0 when there was no error
  std::string first_error;
};

struct NodeBatch {
  ResourcePoint node;  // start_time_ns unused
  uint64_t node_swap_bytes = 0;
  bool has_node_swap = false;
  double scrape_error = 0;  // resource_scrape_error: 1 when the kubelet failed to gather some container stats
  bool has_scrape_error = false;

  std::vector<PodSample> pods;              // sorted by (namespace, name)
  std::vector<ContainerSample> containers;  // grouped by pod in pod order, sorted by name within a pod
  std::string strings;                      // backing store of every StrRef
  ParseStats stats;

  std::string_view str(StrRef r) const { return std::string_view(strings).substr(r.offset, r.size); }

  // Resets to empty, keeping buffer capacity.
  void Clear();
};

}  // namespace metrics_server
