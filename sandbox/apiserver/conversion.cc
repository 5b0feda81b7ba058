#include "sandbox/apiserver/conversion.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {

using common::Error;
using common::ErrorCode;

namespace {

using Alloc = rapidjson::Document::AllocatorType;

bool IsCpuUtilization(const rapidjson::Value& metric) {
  return json::GetString(metric, {"type"}) == "Resource" && json::GetString(metric, {"resource", "name"}) == "cpu" &&
         json::GetInt(metric, {"resource", "target", "averageUtilization"}).has_value();
}

rapidjson::Value CpuUtilizationMetric(int64_t percent, Alloc& alloc) {
  rapidjson::Value target(rapidjson::kObjectType);
  json::SetString(target, "type", "Utilization", alloc);
  json::SetInt(target, "averageUtilization", percent, alloc);
  rapidjson::Value resource(rapidjson::kObjectType);
  json::SetString(resource, "name", "cpu", alloc);
  json::SetValue(resource, "target", std::move(target), alloc);
  rapidjson::Value metric(rapidjson::kObjectType);
  json::SetString(metric, "type", "Resource", alloc);
  json::SetValue(metric, "resource", std::move(resource), alloc);
  return metric;
}

}  // namespace

void HpaV2ToV1(rapidjson::Document& hpa) {
  auto& alloc = hpa.GetAllocator();
  json::SetString(hpa, "apiVersion", "autoscaling/v1", alloc);
  rapidjson::Value& spec = json::EnsureObject(hpa, "spec", alloc);
  if (const auto* metrics = json::Find(spec, {"metrics"}); metrics != nullptr && metrics->IsArray()) {
    for (const auto& m : metrics->GetArray()) {
      if (IsCpuUtilization(m)) {
        json::SetInt(spec, "targetCPUUtilizationPercentage",
                     *json::GetInt(m, {"resource", "target", "averageUtilization"}), alloc);
      }
    }
  }
  json::Remove(spec, "metrics");
  json::Remove(spec, "behavior");
  if (rapidjson::Value* status = json::FindMutable(hpa, {"status"}); status != nullptr && status->IsObject()) {
    if (const auto* current = json::Find(*status, {"currentMetrics"}); current != nullptr && current->IsArray()) {
      for (const auto& m : current->GetArray()) {
        if (json::GetString(m, {"type"}) == "Resource" && json::GetString(m, {"resource", "name"}) == "cpu") {
          if (auto u = json::GetInt(m, {"resource", "current", "averageUtilization"})) {
            json::SetInt(*status, "currentCPUUtilizationPercentage", *u, alloc);
          }
        }
      }
    }
    json::Remove(*status, "currentMetrics");
    json::Remove(*status, "conditions");
  }
}

void HpaV1ToV2(rapidjson::Document& hpa, const rapidjson::Value* stored) {
  auto& alloc = hpa.GetAllocator();
  json::SetString(hpa, "apiVersion", "autoscaling/v2", alloc);
  rapidjson::Value& spec = json::EnsureObject(hpa, "spec", alloc);
  std::optional<int64_t> target = json::GetInt(spec, {"targetCPUUtilizationPercentage"});
  json::Remove(spec, "targetCPUUtilizationPercentage");
  rapidjson::Value metrics(rapidjson::kArrayType);
  // Keep what v1 cannot express from the stored object; replace only the cpu utilization metric.
  if (stored != nullptr) {
    if (const auto* old = json::Find(*stored, {"spec", "metrics"}); old != nullptr && old->IsArray()) {
      for (const auto& m : old->GetArray()) {
        if (!IsCpuUtilization(m)) metrics.PushBack(rapidjson::Value(m, alloc), alloc);
      }
    }
    if (const auto* behavior = json::Find(*stored, {"spec", "behavior"})) {
      json::SetValue(spec, "behavior", rapidjson::Value(*behavior, alloc), alloc);
    }
  }
  if (target) metrics.PushBack(CpuUtilizationMetric(*target, alloc), alloc);
  if (!metrics.Empty()) json::SetValue(spec, "metrics", std::move(metrics), alloc);

  if (rapidjson::Value* status = json::FindMutable(hpa, {"status"}); status != nullptr && status->IsObject()) {
    std::optional<int64_t> current = json::GetInt(*status, {"currentCPUUtilizationPercentage"});
    json::Remove(*status, "currentCPUUtilizationPercentage");
    rapidjson::Value current_metrics(rapidjson::kArrayType);
    if (current) {
      rapidjson::Value c(rapidjson::kObjectType);
      json::SetInt(c, "averageUtilization", *current, alloc);
      rapidjson::Value resource(rapidjson::kObjectType);
      json::SetString(resource, "name", "cpu", alloc);
      json::SetValue(resource, "current", std::move(c), alloc);
      rapidjson::Value m(rapidjson::kObjectType);
      json::SetString(m, "type", "Resource", alloc);
      json::SetValue(m, "resource", std::move(resource), alloc);
      current_metrics.PushBack(std::move(m), alloc);
      json::SetValue(*status, "currentMetrics", std::move(current_metrics), alloc);
    }
    if (stored != nullptr) {
      if (const auto* conditions = json::Find(*stored, {"status", "conditions"})) {
        json::SetValue(*status, "conditions", rapidjson::Value(*conditions, alloc), alloc);
      }
    }
  }
}

void DefaultHpaV2(rapidjson::Document& hpa) {
  auto& alloc = hpa.GetAllocator();
  rapidjson::Value& spec = json::EnsureObject(hpa, "spec", alloc);
  if (!json::GetInt(spec, {"minReplicas"})) json::SetInt(spec, "minReplicas", 1, alloc);
  const auto* metrics = json::Find(spec, {"metrics"});
  if (metrics == nullptr || !metrics->IsArray() || metrics->Empty()) {
    rapidjson::Value list(rapidjson::kArrayType);
    list.PushBack(CpuUtilizationMetric(80, alloc), alloc);
    json::SetValue(spec, "metrics", std::move(list), alloc);
  }
}

namespace {

// Minimal protobuf wire-format reader: enough for the messages kubectl sends.
struct Field {
  uint32_t number = 0;
  uint64_t varint = 0;
  std::string_view bytes;
  bool is_bytes = false;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  // Reads every field; false on malformed input.
  bool ReadAll(std::vector<Field>* fields) {
    while (pos_ < data_.size()) {
      uint64_t tag = 0;
      if (!Varint(&tag)) return false;
      Field f;
      f.number = static_cast<uint32_t>(tag >> 3);
      switch (tag & 7) {
        case 0:
          if (!Varint(&f.varint)) return false;
          break;
        case 1:
          if (data_.size() - pos_ < 8) return false;
          pos_ += 8;
          break;
        case 2: {
          uint64_t len = 0;
          if (!Varint(&len) || len > data_.size() - pos_) return false;
          f.bytes = data_.substr(pos_, len);
          f.is_bytes = true;
          pos_ += len;
          break;
        }
        case 5:
          if (data_.size() - pos_ < 4) return false;
          pos_ += 4;
          break;
        default:
          return false;
      }
      fields->push_back(f);
    }
    return true;
  }

 private:
  bool Varint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = value;
        return true;
      }
    }
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

struct Message {
  std::vector<Field> fields;
  bool ok = false;

  explicit Message(std::string_view data) { ok = Reader(data).ReadAll(&fields); }
  const Field* Get(uint32_t number) const {
    const Field* last = nullptr;  // proto3: the last occurrence wins
    for (const auto& f : fields) {
      if (f.number == number) last = &f;
    }
    return last;
  }
  std::vector<const Field*> All(uint32_t number) const {
    std::vector<const Field*> out;
    for (const auto& f : fields) {
      if (f.number == number) out.push_back(&f);
    }
    return out;
  }
  std::string Str(uint32_t number) const {
    const Field* f = Get(number);
    return f != nullptr && f->is_bytes ? std::string(f->bytes) : std::string();
  }
  std::optional<int64_t> Int(uint32_t number) const {
    const Field* f = Get(number);
    if (f == nullptr || f->is_bytes) return std::nullopt;
    return static_cast<int64_t>(static_cast<int32_t>(f->varint));
  }
  std::string_view Sub(uint32_t number) const {
    const Field* f = Get(number);
    return f != nullptr && f->is_bytes ? f->bytes : std::string_view();
  }
};

void SetIfNotEmpty(rapidjson::Value& obj, const char* name, const std::string& value, Alloc& alloc) {
  if (!value.empty()) json::SetString(obj, name, value, alloc);
}

rapidjson::Value DecodeStringMap(const Message& m, uint32_t number, Alloc& alloc) {
  rapidjson::Value out(rapidjson::kObjectType);
  for (const Field* f : m.All(number)) {
    Message entry(f->bytes);
    json::SetString(out, entry.Str(1), entry.Str(2), alloc);
  }
  return out;
}

rapidjson::Value DecodeObjectMeta(std::string_view data, Alloc& alloc) {
  Message m(data);
  rapidjson::Value meta(rapidjson::kObjectType);
  SetIfNotEmpty(meta, "name", m.Str(1), alloc);
  SetIfNotEmpty(meta, "generateName", m.Str(2), alloc);
  SetIfNotEmpty(meta, "namespace", m.Str(3), alloc);
  SetIfNotEmpty(meta, "resourceVersion", m.Str(6), alloc);
  if (!m.All(11).empty()) json::SetValue(meta, "labels", DecodeStringMap(m, 11, alloc), alloc);
  if (!m.All(12).empty()) json::SetValue(meta, "annotations", DecodeStringMap(m, 12, alloc), alloc);
  return meta;
}

rapidjson::Value DecodeTargetRef(std::string_view data, Alloc& alloc) {
  Message m(data);
  rapidjson::Value ref(rapidjson::kObjectType);
  json::SetString(ref, "kind", m.Str(1), alloc);
  json::SetString(ref, "name", m.Str(2), alloc);
  SetIfNotEmpty(ref, "apiVersion", m.Str(3), alloc);
  return ref;
}

// autoscaling/v2 MetricTarget {1 type, 2 value, 3 averageValue (Quantity{1 string}), 4 averageUtilization}.
rapidjson::Value DecodeMetricTarget(std::string_view data, Alloc& alloc) {
  Message m(data);
  rapidjson::Value t(rapidjson::kObjectType);
  json::SetString(t, "type", m.Str(1), alloc);
  if (m.Get(2) != nullptr) json::SetString(t, "value", Message(m.Sub(2)).Str(1), alloc);
  if (m.Get(3) != nullptr) json::SetString(t, "averageValue", Message(m.Sub(3)).Str(1), alloc);
  if (auto u = m.Int(4)) json::SetInt(t, "averageUtilization", *u, alloc);
  return t;
}

// autoscaling/v2 MetricSpec: Resource (4) and ContainerResource (7) sources, the ones kubectl creates.
rapidjson::Value DecodeMetricSpec(std::string_view data, Alloc& alloc) {
  Message m(data);
  rapidjson::Value spec(rapidjson::kObjectType);
  std::string type = m.Str(1);
  json::SetString(spec, "type", type, alloc);
  if (m.Get(4) != nullptr) {
    Message r(m.Sub(4));
    rapidjson::Value resource(rapidjson::kObjectType);
    json::SetString(resource, "name", r.Str(1), alloc);
    json::SetValue(resource, "target", DecodeMetricTarget(r.Sub(2), alloc), alloc);
    json::SetValue(spec, "resource", std::move(resource), alloc);
  }
  if (m.Get(7) != nullptr) {
    Message r(m.Sub(7));
    rapidjson::Value resource(rapidjson::kObjectType);
    json::SetString(resource, "name", r.Str(1), alloc);
    json::SetValue(resource, "target", DecodeMetricTarget(r.Sub(2), alloc), alloc);
    json::SetString(resource, "container", r.Str(3), alloc);
    json::SetValue(spec, "containerResource", std::move(resource), alloc);
  }
  return spec;
}

}  // namespace

common::Result<rapidjson::Document> DecodeHpaProtobuf(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) return Error::Make(ErrorCode::kInvalidArgument, "missing protobuf magic", 415);
  Message unknown(body.substr(4));
  if (!unknown.ok) return Error::Make(ErrorCode::kInvalidArgument, "malformed protobuf envelope", 400);
  Message type_meta(unknown.Sub(1));
  std::string api_version = type_meta.Str(1);
  std::string kind = type_meta.Str(2);
  if (kind != "HorizontalPodAutoscaler" || (api_version != "autoscaling/v1" && api_version != "autoscaling/v2")) {
    return Error::Make(ErrorCode::kInvalidArgument, "unsupported protobuf kind " + api_version + " " + kind, 415);
  }
  Message hpa(unknown.Sub(2));
  if (!hpa.ok) return Error::Make(ErrorCode::kInvalidArgument, "malformed protobuf object", 400);
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  json::SetString(doc, "apiVersion", api_version, alloc);
  json::SetString(doc, "kind", kind, alloc);
  json::SetValue(doc, "metadata", DecodeObjectMeta(hpa.Sub(1), alloc), alloc);
  Message spec(hpa.Sub(2));
  rapidjson::Value spec_json(rapidjson::kObjectType);
  json::SetValue(spec_json, "scaleTargetRef", DecodeTargetRef(spec.Sub(1), alloc), alloc);
  if (auto v = spec.Int(2)) json::SetInt(spec_json, "minReplicas", *v, alloc);
  json::SetInt(spec_json, "maxReplicas", spec.Int(3).value_or(0), alloc);
  if (api_version == "autoscaling/v1") {
    if (auto v = spec.Int(4)) json::SetInt(spec_json, "targetCPUUtilizationPercentage", *v, alloc);
  } else {
    rapidjson::Value metrics(rapidjson::kArrayType);
    for (const Field* f : spec.All(4)) metrics.PushBack(DecodeMetricSpec(f->bytes, alloc), alloc);
    if (!metrics.Empty()) json::SetValue(spec_json, "metrics", std::move(metrics), alloc);
  }
  json::SetValue(doc, "spec", std::move(spec_json), alloc);
  return doc;
}

}  // namespace sandbox
