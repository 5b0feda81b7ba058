#pragma once
// Conversions between the in-memory MetricsSnapshot and the stream's protobuf messages.

#include <string>
#include <vector>

#include "metrics-server/storage/metrics_snapshot.h"
#include "metrics-server/stream/metrics_stream.pb.h"

namespace metrics_server {

// Pods of `namespaces` (all when empty) in snapshot order.
kma::metricsstream::v1::PodMetricsBatch ToBatch(const MetricsSnapshot& snapshot, uint64_t generation,
                                                const std::vector<std::string>& namespaces);

// The pods of a batch as metrics points (the autoscaler side).
std::vector<PodMetricsPoint> FromBatch(const kma::metricsstream::v1::PodMetricsBatch& batch);

}  // namespace metrics_server
