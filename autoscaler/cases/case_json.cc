#include "autoscaler/cases/case_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "kube/quantity.h"

namespace autoscaler::hpa_cases {
namespace {

const rapidjson::Value& NullValue() {
  static const rapidjson::Value kNull;
  return kNull;
}

const rapidjson::Value& EmptyArray() {
  static const rapidjson::Value kEmpty(rapidjson::kArrayType);
  return kEmpty;
}

}  // namespace

hpa::Duration ClampedSeconds(double seconds) {
  constexpr double kLimit = 1e12;
  if (std::isnan(seconds)) return hpa::Duration(0);
  double s = std::clamp(seconds, -kLimit, kLimit);
  return hpa::Duration(static_cast<int64_t>(std::llround(s * 1e6)));
}

void JsonReader::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
}

bool JsonReader::Has(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return false;
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && !it->value.IsNull();
}

const rapidjson::Value& JsonReader::Field(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) {
    Fail(std::string("expected an object holding \"") + key + "\"");
    return NullValue();
  }
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd()) {
    Fail(std::string("missing field \"") + key + "\"");
    return NullValue();
  }
  return it->value;
}

int64_t JsonReader::Int(const rapidjson::Value& obj, const char* key) {
  const auto& v = Field(obj, key);
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsDouble() && std::trunc(v.GetDouble()) == v.GetDouble() && std::fabs(v.GetDouble()) < 9.0e18) {
    return static_cast<int64_t>(v.GetDouble());
  }
  Fail(std::string("field \"") + key + "\" must be an integer");
  return 0;
}

std::optional<int64_t> JsonReader::OptInt(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  return Int(obj, key);
}

int32_t JsonReader::Int32(const rapidjson::Value& obj, const char* key) {
  int64_t v = Int(obj, key);
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    Fail(std::string("field \"") + key + "\" is out of the int32 range");
    return 0;
  }
  return static_cast<int32_t>(v);
}

double JsonReader::Double(const rapidjson::Value& obj, const char* key) {
  const auto& v = Field(obj, key);
  if (v.IsNumber()) return v.GetDouble();
  Fail(std::string("field \"") + key + "\" must be a number");
  return 0;
}

std::optional<double> JsonReader::OptDouble(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  const auto& v = obj[key];
  if (v.IsString()) {
    // A Kubernetes quantity such as "0.05" (behavior tolerances are quantities in the API).
    auto q = kube::Quantity::Parse(v.GetString());
    if (!q.ok()) {
      Fail(std::string("field \"") + key + "\": " + q.error().message);
      return std::nullopt;
    }
    return q->AsApproximateDouble();
  }
  return Double(obj, key);
}

std::string JsonReader::String(const rapidjson::Value& obj, const char* key) {
  const auto& v = Field(obj, key);
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  Fail(std::string("field \"") + key + "\" must be a string");
  return "";
}

std::string JsonReader::OptString(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return "";
  return String(obj, key);
}

bool JsonReader::Bool(const rapidjson::Value& obj, const char* key, bool fallback) {
  if (!Has(obj, key)) return fallback;
  const auto& v = obj[key];
  if (v.IsBool()) return v.GetBool();
  Fail(std::string("field \"") + key + "\" must be a boolean");
  return fallback;
}

const rapidjson::Value::ConstArray JsonReader::Array(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return EmptyArray().GetArray();
  const auto& v = obj[key];
  if (!v.IsArray()) {
    Fail(std::string("field \"") + key + "\" must be an array");
    return EmptyArray().GetArray();
  }
  return v.GetArray();
}

hpa::Time JsonReader::TimeValue(const rapidjson::Value& v, const char* what) {
  if (v.IsString() && std::string_view(v.GetString()) == "zero") return hpa::kGoZeroTime;
  if (v.IsNumber()) return kCaseNow + ClampedSeconds(v.GetDouble());
  Fail(std::string(what) + " must be seconds relative to now or \"zero\"");
  return kCaseNow;
}

std::optional<hpa::Time> JsonReader::OptTime(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  return TimeValue(obj[key], key);
}

hpa::Time JsonReader::AgeToTime(const rapidjson::Value& obj, const char* key) {
  const auto& v = Field(obj, key);
  if (!v.IsNumber()) {
    Fail(std::string("field \"") + key + "\" must be a number");
    return kCaseNow;
  }
  return kCaseNow - ClampedSeconds(v.GetDouble());
}

std::optional<int64_t> JsonReader::OptQuantityMilli(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  const auto& v = obj[key];
  std::string text;
  if (v.IsString()) {
    text.assign(v.GetString(), v.GetStringLength());
  } else if (v.IsInt64()) {
    text = std::to_string(v.GetInt64());
  } else if (v.IsNumber()) {
    std::ostringstream os;
    os.precision(17);
    os << v.GetDouble();
    text = os.str();
  } else {
    Fail(std::string("field \"") + key + "\" must be a quantity");
    return std::nullopt;
  }
  auto q = kube::Quantity::Parse(text);
  if (!q.ok()) {
    Fail(std::string("field \"") + key + "\": " + q.error().message);
    return std::nullopt;
  }
  return q->MilliValue();
}

hpa::ResourceList JsonReader::Resources(const rapidjson::Value& obj, const char* key) {
  hpa::ResourceList out;
  if (!Has(obj, key)) return out;
  const auto& v = obj[key];
  if (!v.IsObject()) {
    Fail(std::string("field \"") + key + "\" must be an object");
    return out;
  }
  for (const auto& m : v.GetObject()) out[m.name.GetString()] = Int(v, m.name.GetString());
  return out;
}

hpa::Pod JsonReader::Pod(const rapidjson::Value& v) {
  hpa::Pod pod;
  if (!v.IsObject()) {
    Fail("a pod must be an object");
    return pod;
  }
  pod.name = String(v, "name");
  if (Has(v, "labels") && v["labels"].IsObject()) {
    for (const auto& m : v["labels"].GetObject()) {
      if (m.value.IsString()) pod.labels[m.name.GetString()] = m.value.GetString();
    }
  }
  std::string phase = OptString(v, "phase");
  if (phase == "Running") pod.phase = hpa::PodPhase::kRunning;
  else if (phase == "Pending") pod.phase = hpa::PodPhase::kPending;
  else if (phase == "Failed") pod.phase = hpa::PodPhase::kFailed;
  else if (phase == "Succeeded") pod.phase = hpa::PodPhase::kSucceeded;
  else if (phase == "Unknown") pod.phase = hpa::PodPhase::kUnknown;
  else if (!phase.empty()) Fail("unknown pod phase \"" + phase + "\"");
  pod.deletion_timestamp_set = Bool(v, "deletion_timestamp", false);
  pod.start_time = OptTime(v, "start_time");
  for (const auto& c : Array(v, "conditions")) {
    hpa::PodCondition cond;
    cond.type = String(c, "type");
    cond.status = String(c, "status");
    cond.last_transition_time = Has(c, "last_transition_time") ? TimeValue(c["last_transition_time"], "last_transition_time")
                                                                : hpa::kGoZeroTime;
    pod.conditions.push_back(std::move(cond));
  }
  auto containers = [&](const char* key, std::vector<hpa::Container>& out) {
    for (const auto& c : Array(v, key)) {
      hpa::Container container;
      container.name = OptString(c, "name");
      container.requests = Resources(c, "requests");
      container.restart_policy_always = OptString(c, "restart_policy") == "Always";
      out.push_back(std::move(container));
    }
  };
  containers("containers", pod.containers);
  containers("init_containers", pod.init_containers);
  pod.pod_requests = Resources(v, "pod_requests");
  return pod;
}

std::vector<hpa::Pod> JsonReader::Pods(const rapidjson::Value& obj, const char* key) {
  std::vector<hpa::Pod> out;
  for (const auto& p : Array(obj, key)) out.push_back(Pod(p));
  return out;
}

hpa::PodMetrics JsonReader::PodMetricsItem(const rapidjson::Value& v) {
  hpa::PodMetrics m;
  m.name = String(v, "name");
  m.timestamp = TimeValue(Field(v, "timestamp"), "timestamp");
  if (auto w = OptInt(v, "window_s")) m.window = ClampedSeconds(static_cast<double>(*w));
  for (const auto& c : Array(v, "containers")) {
    m.containers.push_back(hpa::ContainerUsage{OptString(c, "name"), Resources(c, "usage")});
  }
  return m;
}

std::vector<hpa::PodMetrics> JsonReader::PodMetricsList(const rapidjson::Value& obj, const char* key) {
  std::vector<hpa::PodMetrics> out;
  for (const auto& m : Array(obj, key)) out.push_back(PodMetricsItem(m));
  return out;
}

std::vector<hpa::CustomPodMetric> JsonReader::CustomPodMetrics(const rapidjson::Value& obj, const char* key) {
  std::vector<hpa::CustomPodMetric> out;
  for (const auto& m : Array(obj, key)) {
    hpa::CustomPodMetric metric;
    metric.pod = String(m, "pod");
    metric.value_milli = Int(m, "value_milli");
    metric.timestamp = TimeValue(Field(m, "timestamp"), "timestamp");
    if (auto w = OptInt(m, "window_s")) metric.window = ClampedSeconds(static_cast<double>(*w));
    out.push_back(std::move(metric));
  }
  return out;
}

hpa::MetricValue JsonReader::MetricValueItem(const rapidjson::Value& v) {
  return hpa::MetricValue{Int(v, "value_milli"), TimeValue(Field(v, "timestamp"), "timestamp")};
}

std::vector<hpa::MetricValue> JsonReader::MetricValues(const rapidjson::Value& obj, const char* key) {
  std::vector<hpa::MetricValue> out;
  for (const auto& m : Array(obj, key)) out.push_back(MetricValueItem(m));
  return out;
}

std::optional<hpa::LabelSelector> JsonReader::OptLabelSelector(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  const auto& v = obj[key];
  if (!v.IsObject()) {
    Fail(std::string("field \"") + key + "\" must be a label selector object");
    return std::nullopt;
  }
  hpa::LabelSelector sel;
  if (Has(v, "matchLabels") && v["matchLabels"].IsObject()) {
    for (const auto& m : v["matchLabels"].GetObject()) {
      if (m.value.IsString()) sel.match_labels[m.name.GetString()] = m.value.GetString();
    }
  }
  for (const auto& e : Array(v, "matchExpressions")) {
    hpa::LabelSelectorRequirement req;
    req.key = String(e, "key");
    req.op = String(e, "operator");
    for (const auto& val : Array(e, "values")) {
      if (val.IsString()) req.values.emplace_back(val.GetString());
    }
    sel.match_expressions.push_back(std::move(req));
  }
  return sel;
}

hpa::CrossVersionObjectReference JsonReader::ObjectRef(const rapidjson::Value& obj, const char* key) {
  const auto& v = Field(obj, key);
  hpa::CrossVersionObjectReference ref;
  ref.kind = OptString(v, "kind");
  ref.name = OptString(v, "name");
  ref.api_version = OptString(v, "apiVersion");
  return ref;
}

std::optional<hpa::ScalingRules> JsonReader::OptRules(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  const auto& v = obj[key];
  hpa::ScalingRules rules;
  if (auto w = OptInt(v, "stabilization_window_s")) rules.stabilization_window_seconds = static_cast<int32_t>(*w);
  if (Has(v, "select_policy")) {
    std::string p = String(v, "select_policy");
    if (p == "Max") rules.select_policy = hpa::SelectPolicy::kMax;
    else if (p == "Min") rules.select_policy = hpa::SelectPolicy::kMin;
    else if (p == "Disabled") rules.select_policy = hpa::SelectPolicy::kDisabled;
    else Fail("unknown select_policy \"" + p + "\"");
  }
  if (Has(v, "policies")) {
    std::vector<hpa::ScalingPolicy> policies;
    for (const auto& p : Array(v, "policies")) {
      hpa::ScalingPolicy policy;
      std::string type = String(p, "type");
      if (type == "Pods") policy.type = hpa::ScalingPolicyType::kPods;
      else if (type == "Percent") policy.type = hpa::ScalingPolicyType::kPercent;
      else Fail("unknown policy type \"" + type + "\"");
      policy.value = Int32(p, "value");
      policy.period_seconds = Int32(p, "period_s");
      policies.push_back(policy);
    }
    rules.policies = std::move(policies);
  }
  rules.tolerance = OptDouble(v, "tolerance");
  return rules;
}

std::optional<hpa::Behavior> JsonReader::OptBehavior(const rapidjson::Value& obj, const char* key) {
  if (!Has(obj, key)) return std::nullopt;
  const auto& v = obj[key];
  return hpa::Behavior{OptRules(v, "scale_up"), OptRules(v, "scale_down")};
}

hpa::MetricSpec JsonReader::MetricSpecItem(const rapidjson::Value& v) {
  hpa::MetricSpec spec;
  spec.type_name = String(v, "type");
  auto target = [&](const rapidjson::Value& source) {
    const auto& t = Field(source, "target");
    std::string type = OptString(t, "type");
    if (type == "Utilization") spec.target.type = hpa::MetricTargetType::kUtilization;
    else if (type == "Value") spec.target.type = hpa::MetricTargetType::kValue;
    else if (type == "AverageValue") spec.target.type = hpa::MetricTargetType::kAverageValue;
    spec.target.value_milli = OptQuantityMilli(t, "value");
    spec.target.average_value_milli = OptQuantityMilli(t, "averageValue");
    if (auto u = OptInt(t, "averageUtilization")) spec.target.average_utilization = static_cast<int32_t>(*u);
  };
  auto identifier = [&](const rapidjson::Value& source) {
    const auto& m = Field(source, "metric");
    spec.metric.name = OptString(m, "name");
    spec.metric.selector = OptLabelSelector(m, "selector");
  };
  const std::string& type = spec.type_name;
  if (type == "Resource") {
    spec.type = hpa::MetricSourceType::kResource;
    const auto& s = Field(v, "resource");
    spec.resource_name = String(s, "name");
    target(s);
  } else if (type == "ContainerResource") {
    spec.type = hpa::MetricSourceType::kContainerResource;
    const auto& s = Field(v, "containerResource");
    spec.resource_name = String(s, "name");
    spec.container = String(s, "container");
    target(s);
  } else if (type == "Pods") {
    spec.type = hpa::MetricSourceType::kPods;
    const auto& s = Field(v, "pods");
    identifier(s);
    target(s);
  } else if (type == "Object") {
    spec.type = hpa::MetricSourceType::kObject;
    const auto& s = Field(v, "object");
    spec.described_object = ObjectRef(s, "describedObject");
    identifier(s);
    target(s);
  } else if (type == "External") {
    spec.type = hpa::MetricSourceType::kExternal;
    const auto& s = Field(v, "external");
    identifier(s);
    target(s);
  }  // anything else stays kUnknown: the algorithm reports InvalidMetricSourceType
  return spec;
}

std::vector<hpa::TimestampedRecommendation> JsonReader::Recommendations(const rapidjson::Value& arr) {
  std::vector<hpa::TimestampedRecommendation> out;
  if (!arr.IsArray()) {
    Fail("recommendations must be an array");
    return out;
  }
  for (const auto& r : arr.GetArray()) out.push_back({Int32(r, "replicas"), AgeToTime(r, "age_s")});
  return out;
}

std::vector<hpa::ScaleEvent> JsonReader::ScaleEvents(const rapidjson::Value& obj, const char* key) {
  std::vector<hpa::ScaleEvent> out;
  for (const auto& e : Array(obj, key)) {
    out.push_back({Int32(e, "change"), AgeToTime(e, "age_s"), Bool(e, "outdated", false)});
  }
  return out;
}

}  // namespace autoscaler::hpa_cases
