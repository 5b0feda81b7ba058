#pragma once
// metrics.k8s.io/v1beta1 bodies: NodeMetrics/PodMetrics objects and lists in JSON and Kubernetes protobuf, and
// meta.k8s.io Tables for kubectl get. Pure functions of the selected items; the router picks the items.
//
// Figures: cpu is nanocores rendered as a DecimalSI quantity (resource.NewScaledQuantity(n, -9)), memory is bytes
// rendered as BinarySI (resource.NewQuantity(b, BinarySI)); Table cells sum the containers of a pod the same way.
// metadata.creationTimestamp is the time of the request, as upstream metrics-server does.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "metrics-server/api/object_metadata_source.h"
#include "metrics-server/storage/metrics_snapshot.h"

namespace metrics_server {

struct NodeItem {
  const NodeMetricsPoint* point = nullptr;
  LabelsPtr labels;  // may be null (no labels)
};

struct PodItem {
  const PodMetricsPoint* point = nullptr;
  LabelsPtr labels;
};

inline constexpr std::string_view kMetricsGroup = "metrics.k8s.io";
inline constexpr std::string_view kMetricsVersion = "v1beta1";
inline constexpr std::string_view kMetricsApiVersion = "metrics.k8s.io/v1beta1";

// Table rows carry the object as PartialObjectMetadata (the default, includeObject=Metadata), the full object
// (includeObject=Object) or nothing (includeObject=None).
enum class TableObject { kNone, kMetadata, kFull };

struct EncodeOptions {
  int64_t creation_unix_seconds = 0;  // metadata.creationTimestamp of every item
  std::string_view table_version = "v1";  // meta.k8s.io version of a Table: "v1" or "v1beta1"
  TableObject table_object = TableObject::kMetadata;
};

std::string NodeMetricsJson(const NodeItem& item, const EncodeOptions& options);
std::string NodeMetricsListJson(std::span<const NodeItem> items, const EncodeOptions& options);
std::string NodeMetricsProtobuf(const NodeItem& item, const EncodeOptions& options);
std::string NodeMetricsListProtobuf(std::span<const NodeItem> items, const EncodeOptions& options);
std::string NodeMetricsTableJson(std::span<const NodeItem> items, const EncodeOptions& options);

std::string PodMetricsJson(const PodItem& item, const EncodeOptions& options);
std::string PodMetricsListJson(std::span<const PodItem> items, const EncodeOptions& options);
std::string PodMetricsProtobuf(const PodItem& item, const EncodeOptions& options);
std::string PodMetricsListProtobuf(std::span<const PodItem> items, const EncodeOptions& options);
std::string PodMetricsTableJson(std::span<const PodItem> items, const EncodeOptions& options);

// Quantity text without allocation: writes into buf (at least 64 bytes), returns the length.
std::size_t FormatCpu(uint64_t nanocores, char* buf);
std::size_t FormatMemory(uint64_t bytes, char* buf);

}  // namespace metrics_server
