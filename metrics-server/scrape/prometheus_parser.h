#pragma once
// A hand-written parser of the kubelet's /metrics/resource body (Prometheus text exposition format 0.0.4).
//
// Written for speed, since metrics-server parses one body per node every cycle: a single pass over the body with
// string_views, no regex, no allocation per line (label values are copied only the first time a pod or container
// is seen, and un-escaped only when they contain a backslash). A reused parser and NodeBatch reach a steady state
// with no allocation at all.
//
// Unlike upstream (which rejects the whole body on the first syntax error), malformed lines are counted and
// skipped, so a partly corrupt body still yields its good lines; the caller decides what to do with the count.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics-server/scrape/node_batch.h"

namespace metrics_server {

class PrometheusParser {
 public:
  // Parses `body` into *out, which is cleared first. `default_timestamp_ms` (the scrape time) stands in for
  // lines that carry no timestamp, as upstream does. Never fails as a whole; see out->stats.
  void Parse(std::string_view body, int64_t default_timestamp_ms, NodeBatch* out);

 private:
  struct LineLabels;
  enum class Family : uint8_t;

  void ParseLine(std::string_view line, NodeBatch* out);
  void Apply(Family family, const LineLabels& labels, double value, int64_t timestamp_ms, NodeBatch* out);
  void ApplyContainer(Family family, uint64_t unsigned_value, int64_t signed_value, int64_t timestamp_ns,
                      ContainerSample* container);
  uint32_t FindOrAddPod(std::string_view namespace_name, std::string_view name, NodeBatch* out);
  uint32_t FindOrAddContainer(uint32_t pod, std::string_view name, NodeBatch* out);
  void GrowPodIndex(const NodeBatch& out);
  void Finish(NodeBatch* out);
  void Fail(std::string_view message, NodeBatch* out);

  // Scratch state, reused across Parse calls so that steady-state parsing does not allocate.
  int64_t default_timestamp_ms_ = 0;
  uint32_t line_number_ = 0;
  std::vector<uint32_t> pod_slots_;        // open addressing: pod index + 1, 0 = empty
  std::vector<uint64_t> pod_hashes_;       // per pod
  std::vector<uint32_t> pod_first_child_;  // per pod: first container index + 1, 0 = none
  std::vector<uint32_t> container_next_;   // per container: next sibling index + 1, 0 = none
  std::vector<uint32_t> container_pod_;    // per container: its pod index
  uint32_t container_hint_ = 0;            // the container the next container line most likely names
  uint32_t pod_hint_ = 0;                  // the same for pod-level lines
  std::string_view last_name_;             // metric name of the previous sample line (points into the body)
  Family last_family_{};
  std::vector<uint32_t> order_;
  std::vector<PodSample> pods_out_;
  std::vector<ContainerSample> containers_out_;
  std::string unescaped_[3];
};

// Prometheus text-format value syntax (Go's strconv.ParseFloat as used by Prometheus): decimal and scientific
// notation, an optional sign, Inf/+Inf/-Inf and NaN in any case. Exposed for tests.
bool ParsePrometheusFloat(std::string_view token, double* value);

}  // namespace metrics_server
