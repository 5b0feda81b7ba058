#include "metrics-server/api/metrics_encoding.h"

#include <limits>

#include "apiservice/json_sink.h"
#include "apiservice/k8s_protobuf.h"
#include "apiservice/time_format.h"
#include "kube/quantity.h"

namespace metrics_server {

namespace {

using apiservice::JsonWriter;
using apiservice::Key;
using apiservice::ReverseProtoWriter;
using apiservice::JsonOutput;
using apiservice::Str;

int64_t ClampToInt64(uint64_t v) {
  return v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? std::numeric_limits<int64_t>::max()
                                                                         : static_cast<int64_t>(v);
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b;
}

// Per-body memo of the last formatted timestamp and window: in a list almost every item shares them, so each is
// formatted once instead of 150,000 times.
class TextCache {
 public:
  std::string_view Time(int64_t seconds) {
    if (!time_valid_ || seconds != time_key_) {
      time_text_ = apiservice::FormatRfc3339(seconds);
      time_key_ = seconds;
      time_valid_ = true;
    }
    return time_text_;
  }
  std::string_view Window(std::chrono::nanoseconds window) {
    if (!window_valid_ || window != window_key_) {
      window_text_ = apiservice::FormatGoDuration(window);
      window_key_ = window;
      window_valid_ = true;
    }
    return window_text_;
  }

 private:
  bool time_valid_ = false;
  int64_t time_key_ = 0;
  std::string time_text_;
  bool window_valid_ = false;
  std::chrono::nanoseconds window_key_{};
  std::string window_text_;
};

struct JsonContext {
  const EncodeOptions& options;
  std::string creation;  // formatted creationTimestamp
  TextCache text;
};

void WriteUsage(JsonWriter& w, const ResourceUsage& usage) {
  char buf[kube::Quantity::kMaxFormattedSize];
  w.StartObject();
  Key(w, "cpu");
  w.String(buf, static_cast<rapidjson::SizeType>(FormatCpu(usage.cpu_nanocores, buf)));
  Key(w, "memory");
  w.String(buf, static_cast<rapidjson::SizeType>(FormatMemory(usage.memory_bytes, buf)));
  w.EndObject();
}

void WriteMetadata(JsonWriter& w, JsonContext& ctx, std::string_view name, std::string_view namespace_name,
                   const LabelsPtr& labels) {
  w.StartObject();
  Key(w, "name");
  Str(w, name);
  if (!namespace_name.empty()) {
    Key(w, "namespace");
    Str(w, namespace_name);
  }
  Key(w, "creationTimestamp");
  Str(w, ctx.creation);
  if (labels && !labels->empty()) {
    Key(w, "labels");
    w.StartObject();
    for (const auto& [k, v] : *labels) {
      Key(w, k);
      Str(w, v);
    }
    w.EndObject();
  }
  w.EndObject();
}

void WriteTypeMeta(JsonWriter& w, std::string_view kind) {
  Key(w, "kind");
  Str(w, kind);
  Key(w, "apiVersion");
  Str(w, kMetricsApiVersion);
}

// The fields of a NodeMetrics, without braces; with_type adds kind/apiVersion (single objects carry them, list
// items do not).
void WriteNodeFields(JsonWriter& w, JsonContext& ctx, const NodeItem& item) {
  const NodeMetricsPoint& p = *item.point;
  Key(w, "metadata");
  WriteMetadata(w, ctx, p.name, "", item.labels);
  Key(w, "timestamp");
  Str(w, ctx.text.Time(apiservice::UnixSeconds(p.timestamp)));
  Key(w, "window");
  Str(w, ctx.text.Window(p.window));
  Key(w, "usage");
  WriteUsage(w, p.usage);
}

void WritePodFields(JsonWriter& w, JsonContext& ctx, const PodItem& item) {
  const PodMetricsPoint& p = *item.point;
  Key(w, "metadata");
  WriteMetadata(w, ctx, p.name, p.namespace_name, item.labels);
  Key(w, "timestamp");
  Str(w, ctx.text.Time(apiservice::UnixSeconds(p.timestamp)));
  Key(w, "window");
  Str(w, ctx.text.Window(p.window));
  Key(w, "containers");
  w.StartArray();
  for (const ContainerMetricsPoint& c : p.containers) {
    w.StartObject();
    Key(w, "name");
    Str(w, c.name);
    Key(w, "usage");
    WriteUsage(w, c.usage);
    w.EndObject();
  }
  w.EndArray();
}

template <typename Item, typename WriteFields>
std::string ListJson(std::span<const Item> items, const EncodeOptions& options, std::string_view kind,
                     std::size_t estimate, WriteFields write_fields) {
  JsonOutput json(128 + estimate);
  JsonWriter& w = json.writer();
  JsonContext ctx{options, apiservice::FormatRfc3339(options.creation_unix_seconds), {}};
  w.StartObject();
  Key(w, "kind");
  Str(w, kind);
  Key(w, "apiVersion");
  Str(w, kMetricsApiVersion);
  Key(w, "metadata");
  w.StartObject();
  w.EndObject();
  Key(w, "items");
  w.StartArray();
  for (const Item& item : items) {
    w.StartObject();
    write_fields(w, ctx, item);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json.Take();
}

// Upper estimates of the JSON size, so that a list body is allocated once: growing a 50 MB string doubles it,
// zero-fills the new half and copies the old one, which costs more than writing the JSON. Strings that need
// escaping can still outgrow the estimate; the sink then grows as usual.
std::size_t LabelsJsonSize(const LabelsPtr& labels) {
  std::size_t n = 0;
  if (labels) {
    for (const auto& [k, v] : *labels) n += k.size() + v.size() + 6;
  }
  return n;
}

std::size_t NodeJsonEstimate(std::span<const NodeItem> items) {
  std::size_t n = 0;
  for (const NodeItem& i : items) n += 220 + i.point->name.size() + LabelsJsonSize(i.labels);
  return n;
}

std::size_t PodJsonEstimate(std::span<const PodItem> items) {
  std::size_t n = 0;
  for (const PodItem& i : items) {
    n += 200 + i.point->name.size() + i.point->namespace_name.size() + LabelsJsonSize(i.labels);
    for (const ContainerMetricsPoint& c : i.point->containers) n += 90 + c.name.size();
  }
  return n;
}

// Protobuf (fields written last to first, see apiservice/proto_wire.h).

void WriteUsageProto(ReverseProtoWriter& w, int field, const ResourceUsage& usage) {
  char buf[kube::Quantity::kMaxFormattedSize];
  // Map entries sorted by key: "cpu" < "memory"; written in reverse.
  apiservice::WriteQuantityEntry(w, field, "memory", std::string_view(buf, FormatMemory(usage.memory_bytes, buf)));
  apiservice::WriteQuantityEntry(w, field, "cpu", std::string_view(buf, FormatCpu(usage.cpu_nanocores, buf)));
}

int64_t Nanos(std::chrono::nanoseconds d) { return d.count(); }

void WriteNodeProto(ReverseProtoWriter& w, const NodeItem& item, const EncodeOptions& options) {
  const NodeMetricsPoint& p = *item.point;
  WriteUsageProto(w, 4, p.usage);
  apiservice::WriteDuration(w, 3, Nanos(p.window));
  apiservice::WriteTime(w, 2, apiservice::UnixSeconds(p.timestamp));
  apiservice::WriteObjectMeta(w, 1, p.name, "", options.creation_unix_seconds, item.labels.get());
}

void WritePodProto(ReverseProtoWriter& w, const PodItem& item, const EncodeOptions& options) {
  const PodMetricsPoint& p = *item.point;
  for (auto it = p.containers.rbegin(); it != p.containers.rend(); ++it) {
    const std::size_t mark = w.size();
    WriteUsageProto(w, 2, it->usage);
    w.Bytes(1, it->name);
    w.EndMessage(4, mark);
  }
  apiservice::WriteDuration(w, 3, Nanos(p.window));
  apiservice::WriteTime(w, 2, apiservice::UnixSeconds(p.timestamp));
  apiservice::WriteObjectMeta(w, 1, p.name, p.namespace_name, options.creation_unix_seconds, item.labels.get());
}

template <typename Item, typename WriteItem>
std::string ListProto(std::span<const Item> items, const EncodeOptions& options, std::string_view kind,
                      std::size_t estimate, WriteItem write_item) {
  ReverseProtoWriter w(128 + estimate);
  const std::size_t envelope = apiservice::BeginUnknown(w);
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    const std::size_t mark = w.size();
    write_item(w, *it, options);
    w.EndMessage(2, mark);
  }
  apiservice::WriteEmptyListMeta(w, 1);
  apiservice::FinishUnknown(w, envelope, kMetricsApiVersion, kind);
  return w.Take();
}

// Tables.

void WriteColumn(JsonWriter& w, std::string_view name, std::string_view format) {
  w.StartObject();
  Key(w, "name");
  Str(w, name);
  Key(w, "type");
  Str(w, "string");
  Key(w, "format");
  Str(w, format);
  Key(w, "description");
  Str(w, name);
  Key(w, "priority");
  w.Int(0);
  w.EndObject();
}

template <typename Item, typename RowData, typename WriteFull>
std::string TableJson(std::span<const Item> items, const EncodeOptions& options, std::string_view kind,
                      std::size_t estimate, RowData row_data, WriteFull write_full) {
  JsonOutput json(512 + estimate);
  JsonWriter& w = json.writer();
  JsonContext ctx{options, apiservice::FormatRfc3339(options.creation_unix_seconds), {}};
  const std::string meta_api_version = "meta.k8s.io/" + std::string(options.table_version);
  w.StartObject();
  Key(w, "kind");
  Str(w, "Table");
  Key(w, "apiVersion");
  Str(w, meta_api_version);
  Key(w, "metadata");
  w.StartObject();
  w.EndObject();
  Key(w, "columnDefinitions");
  w.StartArray();
  WriteColumn(w, "Name", "name");
  WriteColumn(w, "cpu", "quantity");
  WriteColumn(w, "memory", "quantity");
  WriteColumn(w, "Window", "duration");
  w.EndArray();
  Key(w, "rows");
  w.StartArray();
  char buf[kube::Quantity::kMaxFormattedSize];
  for (const Item& item : items) {
    std::string_view name, namespace_name;
    std::chrono::nanoseconds window;
    ResourceUsage usage;
    row_data(item, &name, &namespace_name, &window, &usage);
    w.StartObject();
    Key(w, "cells");
    w.StartArray();
    Str(w, name);
    w.String(buf, static_cast<rapidjson::SizeType>(FormatCpu(usage.cpu_nanocores, buf)));
    w.String(buf, static_cast<rapidjson::SizeType>(FormatMemory(usage.memory_bytes, buf)));
    Str(w, ctx.text.Window(window));
    w.EndArray();
    if (options.table_object != TableObject::kNone) {
      Key(w, "object");
      w.StartObject();
      if (options.table_object == TableObject::kMetadata) {
        Key(w, "kind");
        Str(w, "PartialObjectMetadata");
        Key(w, "apiVersion");
        Str(w, meta_api_version);
        Key(w, "metadata");
        WriteMetadata(w, ctx, name, namespace_name, item.labels);
      } else {
        WriteTypeMeta(w, kind);
        write_full(w, ctx, item);
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json.Take();
}

template <typename Item, typename WriteFields>
std::string ObjectJson(const Item& item, const EncodeOptions& options, std::string_view kind,
                       WriteFields write_fields) {
  JsonOutput json(512);
  JsonWriter& w = json.writer();
  JsonContext ctx{options, apiservice::FormatRfc3339(options.creation_unix_seconds), {}};
  w.StartObject();
  WriteTypeMeta(w, kind);
  write_fields(w, ctx, item);
  w.EndObject();
  return json.Take();
}

template <typename Item, typename WriteItem>
std::string ObjectProto(const Item& item, const EncodeOptions& options, std::string_view kind, WriteItem write_item) {
  ReverseProtoWriter w(512);
  const std::size_t envelope = apiservice::BeginUnknown(w);
  write_item(w, item, options);
  apiservice::FinishUnknown(w, envelope, kMetricsApiVersion, kind);
  return w.Take();
}

}  // namespace

std::size_t FormatCpu(uint64_t nanocores, char* buf) {
  return kube::Quantity::FromScaled(ClampToInt64(nanocores), -9, kube::Quantity::Format::kDecimalSI)
      .FormatCanonical(buf);
}

std::size_t FormatMemory(uint64_t bytes, char* buf) {
  return kube::Quantity::FromBytes(ClampToInt64(bytes), kube::Quantity::Format::kBinarySI).FormatCanonical(buf);
}

std::string NodeMetricsJson(const NodeItem& item, const EncodeOptions& options) {
  return ObjectJson(item, options, "NodeMetrics", WriteNodeFields);
}

std::string NodeMetricsListJson(std::span<const NodeItem> items, const EncodeOptions& options) {
  return ListJson(items, options, "NodeMetricsList", NodeJsonEstimate(items), WriteNodeFields);
}

std::string NodeMetricsProtobuf(const NodeItem& item, const EncodeOptions& options) {
  return ObjectProto(item, options, "NodeMetrics", WriteNodeProto);
}

std::string NodeMetricsListProtobuf(std::span<const NodeItem> items, const EncodeOptions& options) {
  return ListProto(items, options, "NodeMetricsList", NodeJsonEstimate(items), WriteNodeProto);
}

std::string NodeMetricsTableJson(std::span<const NodeItem> items, const EncodeOptions& options) {
  return TableJson(
      items, options, "NodeMetrics", NodeJsonEstimate(items) + 40 * items.size(),
      [](const NodeItem& item, std::string_view* name, std::string_view* ns, std::chrono::nanoseconds* window,
         ResourceUsage* usage) {
        *name = item.point->name;
        *ns = {};
        *window = item.point->window;
        *usage = item.point->usage;
      },
      WriteNodeFields);
}

std::string PodMetricsJson(const PodItem& item, const EncodeOptions& options) {
  return ObjectJson(item, options, "PodMetrics", WritePodFields);
}

std::string PodMetricsListJson(std::span<const PodItem> items, const EncodeOptions& options) {
  return ListJson(items, options, "PodMetricsList", PodJsonEstimate(items), WritePodFields);
}

std::string PodMetricsProtobuf(const PodItem& item, const EncodeOptions& options) {
  return ObjectProto(item, options, "PodMetrics", WritePodProto);
}

std::string PodMetricsListProtobuf(std::span<const PodItem> items, const EncodeOptions& options) {
  // Protobuf is smaller than JSON; the JSON estimate bounds it.
  return ListProto(items, options, "PodMetricsList", PodJsonEstimate(items), WritePodProto);
}

std::string PodMetricsTableJson(std::span<const PodItem> items, const EncodeOptions& options) {
  return TableJson(
      items, options, "PodMetrics", PodJsonEstimate(items) + 40 * items.size(),
      [](const PodItem& item, std::string_view* name, std::string_view* ns, std::chrono::nanoseconds* window,
         ResourceUsage* usage) {
        *name = item.point->name;
        *ns = item.point->namespace_name;
        *window = item.point->window;
        ResourceUsage sum;
        for (const ContainerMetricsPoint& c : item.point->containers) {
          sum.cpu_nanocores = SaturatingAdd(sum.cpu_nanocores, c.usage.cpu_nanocores);
          sum.memory_bytes = SaturatingAdd(sum.memory_bytes, c.usage.memory_bytes);
        }
        *usage = sum;
      },
      WritePodFields);
}

}  // namespace metrics_server
