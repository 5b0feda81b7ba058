#pragma once
// Renders a node sample as the kubelet's /metrics/resource endpoint does (Prometheus text format 0.0.4, as
// written by client_golang's expfmt): families sorted by name, each with # HELP and # TYPE, labels sorted by name,
// series sorted by label values, values formatted like Go's strconv.FormatFloat(v, 'g', -1, 64), and millisecond
// timestamps (container_start_time_seconds carries the start time itself as its timestamp, like the kubelet).

#include <string>

#include "sandbox/load/load_model.h"

namespace sandbox {

struct ResourceMetricsFormat {
  bool include_swap = true;  // container/pod/node_swap_usage_bytes (kubelet >= 1.29 on Linux)
};

// Appends the body to *out.
void RenderResourceMetrics(const NodeSample& sample, const ResourceMetricsFormat& format, std::string* out);

// Go's strconv.FormatFloat(v, 'g', -1, 64), with expfmt's special cases ("+Inf", "-Inf", "NaN"; -0 as "0").
std::string FormatGoFloat(double v);
// Appends FormatGoFloat(v) without allocating.
void AppendGoFloat(double v, std::string* out);

}  // namespace sandbox
