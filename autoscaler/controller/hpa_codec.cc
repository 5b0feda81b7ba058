#include "autoscaler/controller/hpa_codec.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include "autoscaler/algorithm/normalization.h"
#include "kube/objects/common.h"
#include "kube/objects/time.h"
#include "kube/quantity.h"

namespace autoscaler {
namespace {

using common::Error;
using common::ErrorCode;
using common::Result;
using rapidjson::Value;

Error Bad(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

const Value* Member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::string StringOr(const Value& object, const char* name, std::string fallback = "") {
  const Value* v = Member(object, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : fallback;
}

Result<std::optional<int64_t>> OptionalInt(const Value& object, const char* name, const std::string& path) {
  const Value* v = Member(object, name);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->IsInt64()) return Bad(path + "." + name + " must be an integer");
  return std::optional<int64_t>(v->GetInt64());
}

// A quantity member as milli-units (upstream's MilliValue, rounding up).
Result<std::optional<int64_t>> OptionalMilli(const Value& object, const char* name, const std::string& path) {
  const Value* v = Member(object, name);
  if (v == nullptr) return std::optional<int64_t>();
  std::string text;
  if (v->IsString()) {
    text.assign(v->GetString(), v->GetStringLength());
  } else if (v->IsNumber()) {
    // JSON numbers are accepted for quantities by the API server too.
    text = v->IsInt64() ? std::to_string(v->GetInt64()) : fmt::format("{}", v->GetDouble());
  } else {
    return Bad(path + "." + name + " must be a quantity");
  }
  auto q = kube::Quantity::Parse(text);
  if (!q.ok()) return Bad(path + "." + name + ": " + q.error().message);
  return std::optional<int64_t>(q->MilliValue());
}

Result<std::optional<hpa::Time>> OptionalTime(const Value& object, const char* name, const std::string& path) {
  const Value* v = Member(object, name);
  if (v == nullptr) return std::optional<hpa::Time>();
  if (!v->IsString()) return Bad(path + "." + name + " must be a timestamp");
  auto t = kube::ParseRfc3339(std::string_view(v->GetString(), v->GetStringLength()));
  if (!t.ok()) return Bad(path + "." + name + ": " + t.error().message);
  return std::optional<hpa::Time>(*t);
}

Result<hpa::LabelSelector> DecodeSelector(const Value& v, const std::string& path) {
  hpa::LabelSelector selector;
  if (const Value* labels = Member(v, "matchLabels")) {
    if (!labels->IsObject()) return Bad(path + ".matchLabels must be an object");
    for (const auto& m : labels->GetObject()) {
      if (!m.value.IsString()) return Bad(path + ".matchLabels values must be strings");
      selector.match_labels[m.name.GetString()] = m.value.GetString();
    }
  }
  if (const Value* exprs = Member(v, "matchExpressions")) {
    if (!exprs->IsArray()) return Bad(path + ".matchExpressions must be a list");
    for (const auto& e : exprs->GetArray()) {
      hpa::LabelSelectorRequirement r;
      r.key = StringOr(e, "key");
      r.op = StringOr(e, "operator");
      if (const Value* values = Member(e, "values"); values != nullptr && values->IsArray()) {
        for (const auto& value : values->GetArray()) {
          if (value.IsString()) r.values.emplace_back(value.GetString());
        }
      }
      selector.match_expressions.push_back(std::move(r));
    }
  }
  return selector;
}

Result<hpa::MetricIdentifier> DecodeIdentifier(const Value& source, const std::string& path) {
  hpa::MetricIdentifier id;
  const Value* metric = Member(source, "metric");
  if (metric == nullptr) return id;
  id.name = StringOr(*metric, "name");
  if (const Value* sel = Member(*metric, "selector")) {
    auto selector = DecodeSelector(*sel, path + ".metric.selector");
    if (!selector.ok()) return selector.error();
    id.selector = std::move(*selector);
  }
  return id;
}

Result<hpa::MetricTarget> DecodeTarget(const Value& source, const std::string& path) {
  hpa::MetricTarget target;
  const Value* t = Member(source, "target");
  if (t == nullptr) return target;
  const std::string type = StringOr(*t, "type");
  if (type == "Utilization") target.type = hpa::MetricTargetType::kUtilization;
  if (type == "Value") target.type = hpa::MetricTargetType::kValue;
  if (type == "AverageValue") target.type = hpa::MetricTargetType::kAverageValue;
  auto value = OptionalMilli(*t, "value", path + ".target");
  if (!value.ok()) return value.error();
  target.value_milli = *value;
  auto average = OptionalMilli(*t, "averageValue", path + ".target");
  if (!average.ok()) return average.error();
  target.average_value_milli = *average;
  auto utilization = OptionalInt(*t, "averageUtilization", path + ".target");
  if (!utilization.ok()) return utilization.error();
  if (*utilization) target.average_utilization = static_cast<int32_t>(**utilization);
  return target;
}

hpa::MetricSourceType SourceType(std::string_view type) {
  if (type == "Resource") return hpa::MetricSourceType::kResource;
  if (type == "ContainerResource") return hpa::MetricSourceType::kContainerResource;
  if (type == "Pods") return hpa::MetricSourceType::kPods;
  if (type == "Object") return hpa::MetricSourceType::kObject;
  if (type == "External") return hpa::MetricSourceType::kExternal;
  return hpa::MetricSourceType::kUnknown;
}

// The JSON member that holds the source of each metric type.
const char* SourceMember(hpa::MetricSourceType type) {
  switch (type) {
    case hpa::MetricSourceType::kResource: return "resource";
    case hpa::MetricSourceType::kContainerResource: return "containerResource";
    case hpa::MetricSourceType::kPods: return "pods";
    case hpa::MetricSourceType::kObject: return "object";
    case hpa::MetricSourceType::kExternal: return "external";
    case hpa::MetricSourceType::kUnknown: break;
  }
  return "";
}

hpa::CrossVersionObjectReference DecodeReference(const Value& v) {
  return {StringOr(v, "kind"), StringOr(v, "name"), StringOr(v, "apiVersion")};
}

Result<hpa::MetricSpec> DecodeMetricSpec(const Value& v, const std::string& path) {
  hpa::MetricSpec spec;
  spec.type_name = StringOr(v, "type");
  spec.type = SourceType(spec.type_name);
  if (spec.type == hpa::MetricSourceType::kUnknown) return spec;  // the algorithm reports unknown types
  const Value* source = Member(v, SourceMember(spec.type));
  if (source == nullptr) return spec;  // likewise: "missing ... source" is the algorithm's error to report
  const std::string source_path = path + "." + SourceMember(spec.type);
  spec.resource_name = StringOr(*source, "name");
  spec.container = StringOr(*source, "container");
  if (const Value* described = Member(*source, "describedObject")) spec.described_object = DecodeReference(*described);
  if (spec.type != hpa::MetricSourceType::kResource && spec.type != hpa::MetricSourceType::kContainerResource) {
    auto id = DecodeIdentifier(*source, source_path);
    if (!id.ok()) return id.error();
    spec.metric = std::move(*id);
  }
  auto target = DecodeTarget(*source, source_path);
  if (!target.ok()) return target.error();
  spec.target = *target;
  return spec;
}

Result<hpa::MetricValueStatus> DecodeCurrent(const Value& source, const std::string& path) {
  hpa::MetricValueStatus current;
  const Value* c = Member(source, "current");
  if (c == nullptr) return current;
  auto value = OptionalMilli(*c, "value", path);
  if (!value.ok()) return value.error();
  current.value_milli = *value;
  auto average = OptionalMilli(*c, "averageValue", path);
  if (!average.ok()) return average.error();
  current.average_value_milli = *average;
  auto utilization = OptionalInt(*c, "averageUtilization", path);
  if (!utilization.ok()) return utilization.error();
  if (*utilization) current.average_utilization = static_cast<int32_t>(**utilization);
  return current;
}

Result<hpa::MetricStatus> DecodeMetricStatus(const Value& v, const std::string& path) {
  hpa::MetricStatus status;
  status.type = SourceType(StringOr(v, "type"));
  if (status.type == hpa::MetricSourceType::kUnknown) return status;
  const Value* source = Member(v, SourceMember(status.type));
  if (source == nullptr) return status;
  status.resource_name = StringOr(*source, "name");
  status.container = StringOr(*source, "container");
  if (const Value* described = Member(*source, "describedObject")) {
    status.described_object = DecodeReference(*described);
  }
  if (status.type != hpa::MetricSourceType::kResource && status.type != hpa::MetricSourceType::kContainerResource) {
    auto id = DecodeIdentifier(*source, path);
    if (!id.ok()) return id.error();
    status.metric = std::move(*id);
  }
  auto current = DecodeCurrent(*source, path);
  if (!current.ok()) return current.error();
  status.current = *current;
  return status;
}

Result<std::optional<hpa::ScalingRules>> DecodeRules(const Value& behavior, const char* name, const std::string& path) {
  const Value* v = Member(behavior, name);
  if (v == nullptr) return std::optional<hpa::ScalingRules>();
  const std::string rules_path = path + "." + name;
  hpa::ScalingRules rules;
  auto window = OptionalInt(*v, "stabilizationWindowSeconds", rules_path);
  if (!window.ok()) return window.error();
  if (*window) rules.stabilization_window_seconds = static_cast<int32_t>(**window);
  if (const Value* select = Member(*v, "selectPolicy")) {
    const std::string s = select->IsString() ? select->GetString() : "";
    if (s == "Max") rules.select_policy = hpa::SelectPolicy::kMax;
    else if (s == "Min") rules.select_policy = hpa::SelectPolicy::kMin;
    else if (s == "Disabled") rules.select_policy = hpa::SelectPolicy::kDisabled;
    else return Bad(rules_path + ".selectPolicy: unsupported value \"" + s + "\"");
  }
  if (const Value* policies = Member(*v, "policies")) {
    if (!policies->IsArray()) return Bad(rules_path + ".policies must be a list");
    std::vector<hpa::ScalingPolicy> list;
    for (const auto& p : policies->GetArray()) {
      hpa::ScalingPolicy policy;
      const std::string type = StringOr(p, "type");
      if (type == "Pods") policy.type = hpa::ScalingPolicyType::kPods;
      else if (type == "Percent") policy.type = hpa::ScalingPolicyType::kPercent;
      else return Bad(rules_path + ".policies: unsupported type \"" + type + "\"");
      auto value = OptionalInt(p, "value", rules_path + ".policies");
      auto period = OptionalInt(p, "periodSeconds", rules_path + ".policies");
      if (!value.ok()) return value.error();
      if (!period.ok()) return period.error();
      policy.value = static_cast<int32_t>(value->value_or(0));
      policy.period_seconds = static_cast<int32_t>(period->value_or(0));
      list.push_back(policy);
    }
    rules.policies = std::move(list);
  }
  if (auto tolerance = OptionalMilli(*v, "tolerance", rules_path); !tolerance.ok()) {
    return tolerance.error();
  } else if (*tolerance) {
    rules.tolerance = static_cast<double>(**tolerance) / 1000.0;
  }
  return std::optional<hpa::ScalingRules>(std::move(rules));
}

}  // namespace

Result<HpaObject> DecodeHpa(const Value& object) {
  if (!object.IsObject()) return Bad("HorizontalPodAutoscaler must be a JSON object");
  HpaObject out;
  const Value* metadata = Member(object, "metadata");
  if (metadata == nullptr) return Bad("HorizontalPodAutoscaler without metadata");
  out.hpa.name = StringOr(*metadata, "name");
  out.hpa.namespace_name = StringOr(*metadata, "namespace");
  out.uid = StringOr(*metadata, "uid");
  out.resource_version = StringOr(*metadata, "resourceVersion");
  if (auto g = OptionalInt(*metadata, "generation", "metadata"); g.ok() && *g) out.generation = **g;
  auto annotations = kube::decode::StringMap(*metadata, "annotations");
  if (!annotations.ok()) return annotations.error();
  out.annotations = std::move(*annotations);
  const std::string path = out.hpa.namespace_name + "/" + out.hpa.name;

  if (const Value* spec = Member(object, "spec")) {
    if (const Value* ref = Member(*spec, "scaleTargetRef")) out.hpa.spec.scale_target_ref = DecodeReference(*ref);
    auto min = OptionalInt(*spec, "minReplicas", path + ".spec");
    if (!min.ok()) return min.error();
    if (*min) out.hpa.spec.min_replicas = static_cast<int32_t>(**min);
    auto max = OptionalInt(*spec, "maxReplicas", path + ".spec");
    if (!max.ok()) return max.error();
    out.hpa.spec.max_replicas = static_cast<int32_t>(max->value_or(0));
    if (const Value* metrics = Member(*spec, "metrics")) {
      if (!metrics->IsArray()) return Bad(path + ".spec.metrics must be a list");
      int i = 0;
      for (const auto& m : metrics->GetArray()) {
        auto metric = DecodeMetricSpec(m, fmt::format("{}.spec.metrics[{}]", path, i++));
        if (!metric.ok()) return metric.error();
        out.hpa.spec.metrics.push_back(std::move(*metric));
      }
    }
    if (const Value* behavior = Member(*spec, "behavior")) {
      hpa::Behavior b;
      auto up = DecodeRules(*behavior, "scaleUp", path + ".spec.behavior");
      if (!up.ok()) return up.error();
      auto down = DecodeRules(*behavior, "scaleDown", path + ".spec.behavior");
      if (!down.ok()) return down.error();
      b.scale_up = std::move(*up);
      b.scale_down = std::move(*down);
      // The API server defaults behavior on write; applying the same defaults here is idempotent and keeps us
      // correct behind API servers (or stand-ins) that do not.
      out.hpa.spec.behavior = hpa::DefaultBehavior(b);
    }
  }

  if (const Value* status = Member(object, "status")) {
    const std::string status_path = path + ".status";
    auto last = OptionalTime(*status, "lastScaleTime", status_path);
    if (!last.ok()) return last.error();
    out.hpa.status.last_scale_time = *last;
    auto current = OptionalInt(*status, "currentReplicas", status_path);
    auto desired = OptionalInt(*status, "desiredReplicas", status_path);
    if (!current.ok()) return current.error();
    if (!desired.ok()) return desired.error();
    out.hpa.status.current_replicas = static_cast<int32_t>(current->value_or(0));
    out.hpa.status.desired_replicas = static_cast<int32_t>(desired->value_or(0));
    if (const Value* metrics = Member(*status, "currentMetrics"); metrics != nullptr && metrics->IsArray()) {
      for (const auto& m : metrics->GetArray()) {
        auto metric = DecodeMetricStatus(m, status_path + ".currentMetrics");
        if (!metric.ok()) return metric.error();
        out.hpa.status.current_metrics.push_back(std::move(*metric));
      }
    }
    if (const Value* conditions = Member(*status, "conditions"); conditions != nullptr && conditions->IsArray()) {
      for (const auto& c : conditions->GetArray()) {
        hpa::HpaCondition condition;
        condition.type = StringOr(c, "type");
        condition.status = StringOr(c, "status");
        condition.reason = StringOr(c, "reason");
        condition.message = StringOr(c, "message");
        auto t = OptionalTime(c, "lastTransitionTime", status_path + ".conditions");
        if (!t.ok()) return t.error();
        if (*t) condition.last_transition_time = **t;
        out.hpa.status.conditions.push_back(std::move(condition));
      }
    }
  }
  return out;
}

Result<HpaObject> DecodeHpaJson(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Bad(fmt::format("HorizontalPodAutoscaler: invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                           rapidjson::GetParseError_En(doc.GetParseError())));
  }
  auto decoded = DecodeHpa(doc);
  if (decoded.ok()) decoded->raw_json.assign(json);
  return decoded;
}

std::string MilliQuantityString(int64_t milli) { return kube::Quantity::FromMilli(milli).ToString(); }

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteReference(Writer& w, const hpa::CrossVersionObjectReference& ref) {
  w.StartObject();
  w.Key("kind"); w.String(ref.kind);
  w.Key("name"); w.String(ref.name);
  if (!ref.api_version.empty()) { w.Key("apiVersion"); w.String(ref.api_version); }
  w.EndObject();
}

void WriteSelector(Writer& w, const hpa::LabelSelector& selector) {
  w.StartObject();
  if (!selector.match_labels.empty()) {
    w.Key("matchLabels");
    w.StartObject();
    for (const auto& [k, v] : selector.match_labels) { w.Key(k.c_str(), static_cast<rapidjson::SizeType>(k.size())); w.String(v); }
    w.EndObject();
  }
  if (!selector.match_expressions.empty()) {
    w.Key("matchExpressions");
    w.StartArray();
    for (const auto& e : selector.match_expressions) {
      w.StartObject();
      w.Key("key"); w.String(e.key);
      w.Key("operator"); w.String(e.op);
      if (!e.values.empty()) {
        w.Key("values");
        w.StartArray();
        for (const auto& v : e.values) w.String(v);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

void WriteMetricStatus(Writer& w, const hpa::MetricStatus& m) {
  w.StartObject();
  if (m.type == hpa::MetricSourceType::kUnknown) {  // upstream's zero-valued entry for a failed metric
    w.Key("type"); w.String("");
    w.EndObject();
    return;
  }
  w.Key("type"); w.String(hpa::MetricSourceTypeName(m.type));
  w.Key(SourceMember(m.type));
  w.StartObject();
  if (m.type == hpa::MetricSourceType::kResource || m.type == hpa::MetricSourceType::kContainerResource) {
    w.Key("name"); w.String(m.resource_name);
    if (m.type == hpa::MetricSourceType::kContainerResource) { w.Key("container"); w.String(m.container); }
  } else {
    if (m.type == hpa::MetricSourceType::kObject) { w.Key("describedObject"); WriteReference(w, m.described_object); }
    w.Key("metric");
    w.StartObject();
    w.Key("name"); w.String(m.metric.name);
    if (m.metric.selector) { w.Key("selector"); WriteSelector(w, *m.metric.selector); }
    w.EndObject();
  }
  w.Key("current");
  w.StartObject();
  if (m.current.value_milli) { w.Key("value"); w.String(MilliQuantityString(*m.current.value_milli)); }
  if (m.current.average_value_milli) {
    w.Key("averageValue"); w.String(MilliQuantityString(*m.current.average_value_milli));
  }
  if (m.current.average_utilization) { w.Key("averageUtilization"); w.Int(*m.current.average_utilization); }
  w.EndObject();
  w.EndObject();
  w.EndObject();
}

void WriteStatus(Writer& w, const hpa::HpaStatus& status, int64_t generation) {
  w.StartObject();
  w.Key("observedGeneration"); w.Int64(generation);
  if (status.last_scale_time) {
    w.Key("lastScaleTime"); w.String(kube::FormatRfc3339(*status.last_scale_time));
  }
  w.Key("currentReplicas"); w.Int(status.current_replicas);
  w.Key("desiredReplicas"); w.Int(status.desired_replicas);
  if (!status.current_metrics.empty()) {
    w.Key("currentMetrics");
    w.StartArray();
    for (const auto& m : status.current_metrics) WriteMetricStatus(w, m);
    w.EndArray();
  }
  if (!status.conditions.empty()) {
    w.Key("conditions");
    w.StartArray();
    for (const auto& c : status.conditions) {
      w.StartObject();
      w.Key("type"); w.String(c.type);
      w.Key("status"); w.String(c.status);
      w.Key("lastTransitionTime"); w.String(kube::FormatRfc3339(c.last_transition_time));
      w.Key("reason"); w.String(c.reason);
      w.Key("message"); w.String(c.message);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

Result<std::string> EncodeStatusUpdate(std::string_view raw_json, const hpa::HpaStatus& status, int64_t generation) {
  rapidjson::Document doc;
  doc.Parse(raw_json.data(), raw_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Bad("cannot re-encode HorizontalPodAutoscaler: invalid JSON");
  rapidjson::StringBuffer status_buffer;
  Writer status_writer(status_buffer);
  WriteStatus(status_writer, status, generation);
  rapidjson::Document status_doc(&doc.GetAllocator());
  status_doc.Parse(status_buffer.GetString(), status_buffer.GetSize());
  // Every "status" member: with a duplicated key (found by hpa_codec_fuzz) removing only the first left a stale
  // status ahead of the new one, and readers take the first. EraseMember, not RemoveMember: RemoveMember moves
  // the last member into the hole, which reorders duplicated keys, so a reader taking the first "spec" would see
  // another spec after the update (also found by hpa_codec_fuzz).
  for (auto it = doc.FindMember("status"); it != doc.MemberEnd(); it = doc.FindMember("status")) {
    doc.EraseMember(it);
  }
  doc.AddMember("status", rapidjson::Value(status_doc, doc.GetAllocator()), doc.GetAllocator());
  if (!doc.HasMember("apiVersion")) doc.AddMember("apiVersion", "autoscaling/v2", doc.GetAllocator());
  if (!doc.HasMember("kind")) doc.AddMember("kind", "HorizontalPodAutoscaler", doc.GetAllocator());
  rapidjson::StringBuffer out;
  Writer writer(out);
  doc.Accept(writer);
  return std::string(out.GetString(), out.GetSize());
}

}  // namespace autoscaler
