#include "autoscaler/cases/case_runner.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "autoscaler/algorithm/normalization.h"
#include "autoscaler/algorithm/reconcile.h"
#include "autoscaler/algorithm/replica_calculator.h"
#include "autoscaler/cases/case_json.h"

namespace autoscaler::hpa_cases {
namespace {

using rapidjson::Document;
using rapidjson::Value;

constexpr const char* kReplicaCalcSchema = "hpa-golden/replica-calculator/v1";
constexpr const char* kControllerSchema = "hpa-golden/controller/v1";

// Settings that apply to a whole file.
struct FileSettings {
  hpa::Duration cpu_initialization_period = hpa::Seconds(120);
  hpa::Duration delay_of_initial_readiness_status = hpa::Seconds(10);
  hpa::Tolerances default_tolerances;
  hpa::ControllerConfig controller;
};

// Builds the computed-result object of one case.
class ResultBuilder {
 public:
  ResultBuilder() { doc_.SetObject(); }
  Document& doc() { return doc_; }
  Document::AllocatorType& alloc() { return doc_.GetAllocator(); }

  void Add(const char* key, Value v) { doc_.AddMember(Value(key, alloc()), v, alloc()); }
  void Int(const char* key, int64_t v) { Add(key, Value(static_cast<int64_t>(v))); }
  void Bool(const char* key, bool v) { Add(key, Value(v)); }
  void Str(const char* key, const std::string& v) { Add(key, Str(v)); }
  Value Str(const std::string& v) { return Value(v.c_str(), static_cast<rapidjson::SizeType>(v.size()), alloc()); }
  Value TimeJson(hpa::Time t) {
    if (t == hpa::kGoZeroTime) return Value("zero");
    double s = std::chrono::duration<double>(t - kCaseNow).count();
    if (std::trunc(s) == s && std::fabs(s) < 9.0e15) return Value(static_cast<int64_t>(s));
    return Value(s);
  }
  Value NameList(const std::set<std::string>& names) {
    Value arr(rapidjson::kArrayType);
    for (const auto& n : names) arr.PushBack(Str(n), alloc());
    return arr;
  }

 private:
  Document doc_;
};

std::string ToJson(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  v.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

// Expected values are a subset of the computed result: every expected key must match; objects may carry extra
// diagnostic keys; arrays must match element by element; an expected null means "not checked".
bool Matches(const Value& expected, const Value& actual, const std::string& path, std::string* mismatch) {
  auto fail = [&] {
    *mismatch = path + ": expected " + ToJson(expected) + ", got " + ToJson(actual);
    return false;
  };
  if (expected.IsNull()) return true;
  if (expected.IsObject()) {
    if (!actual.IsObject()) return fail();
    for (const auto& m : expected.GetObject()) {
      auto it = actual.FindMember(m.name);
      std::string sub = path.empty() ? m.name.GetString() : path + "." + m.name.GetString();
      if (it == actual.MemberEnd()) {
        if (m.value.IsNull()) continue;
        *mismatch = sub + ": expected " + ToJson(m.value) + ", got nothing";
        return false;
      }
      if (!Matches(m.value, it->value, sub, mismatch)) return false;
    }
    return true;
  }
  if (expected.IsArray()) {
    if (!actual.IsArray() || actual.Size() != expected.Size()) return fail();
    for (rapidjson::SizeType i = 0; i < expected.Size(); ++i) {
      if (!Matches(expected[i], actual[i], path + "[" + std::to_string(i) + "]", mismatch)) return false;
    }
    return true;
  }
  if (expected.IsNumber()) {
    if (!actual.IsNumber()) return fail();
    if (expected.IsInt64() && actual.IsInt64()) return expected.GetInt64() == actual.GetInt64() ? true : fail();
    if (expected.IsUint64() && actual.IsUint64()) return expected.GetUint64() == actual.GetUint64() ? true : fail();
    return expected.GetDouble() == actual.GetDouble() ? true : fail();
  }
  return expected == actual ? true : fail();
}

// Compares `expected` with the computed result, handling error expectations.
std::string Judge(const Value& expected, const Value& result) {
  if (!expected.IsObject()) return "case has no \"expected\" object";
  auto error_it = result.FindMember("error");
  std::string error = error_it != result.MemberEnd() && error_it->value.IsString() ? error_it->value.GetString() : "";
  bool has_error = error_it != result.MemberEnd();
  auto contains = expected.FindMember("error_contains");
  auto equals = expected.FindMember("error_equals");
  if (contains != expected.MemberEnd() || equals != expected.MemberEnd()) {
    if (!has_error) return "expected an error, got result " + ToJson(result);
    if (contains != expected.MemberEnd() && contains->value.IsString() &&
        error.find(contains->value.GetString()) == std::string::npos) {
      return "error \"" + error + "\" does not contain \"" + contains->value.GetString() + "\"";
    }
    if (equals != expected.MemberEnd() && equals->value.IsString() && error != equals->value.GetString()) {
      return "error \"" + error + "\" is not \"" + equals->value.GetString() + "\"";
    }
    return "";
  }
  if (has_error) return "unexpected error: " + error;
  std::string mismatch;
  if (!Matches(expected, result, "", &mismatch)) return mismatch;
  return "";
}

hpa::Tolerances ReadTolerances(JsonReader& r, const Value& in, const FileSettings& settings) {
  hpa::Tolerances t = settings.default_tolerances;
  if (!JsonReader::Has(in, "tolerance")) return t;
  const Value& tol = in["tolerance"];
  if (tol.IsNumber()) return hpa::Tolerances{tol.GetDouble(), tol.GetDouble()};
  if (auto up = r.OptDouble(tol, "scale_up")) t.scale_up = *up;
  if (auto down = r.OptDouble(tol, "scale_down")) t.scale_down = *down;
  return t;
}

hpa::PodRefs Refs(const std::vector<hpa::Pod>& pods) {
  hpa::PodRefs refs;
  for (const auto& p : pods) refs.push_back(&p);
  return refs;
}

common::Error ApiError(const std::string& message) {
  return common::Error::Make(common::ErrorCode::kUnavailable, message);
}

// An optional "<field>_error" string in a replica-calculator input makes that API answer with an error.
template <typename T>
common::Result<T> Answer(JsonReader& r, const Value& in, const char* error_key, T value) {
  if (JsonReader::Has(in, error_key)) return ApiError(r.String(in, error_key));
  return value;
}

hpa::ReplicaCalcConfig CalcConfig(JsonReader& r, const Value& in, const FileSettings& settings) {
  hpa::ReplicaCalcConfig c;
  c.now = kCaseNow;
  c.cpu_initialization_period = settings.cpu_initialization_period;
  c.delay_of_initial_readiness_status = settings.delay_of_initial_readiness_status;
  if (JsonReader::Has(in, "feature_gates")) c.pod_level_resources = r.Bool(in["feature_gates"], "PodLevelResources", false);
  return c;
}

template <typename T>
void PutUsage(ResultBuilder& out, const common::Result<T>& res) {
  if (!res.ok()) {
    out.Str("error", res.error().message);
    return;
  }
  out.Int("replicas", res->replicas);
  out.Int("usage_milli", res->usage_milli);
  out.Add("timestamp", out.TimeJson(res->timestamp));
}

// ---- replica_calculator_cases.json ------------------------------------------------------------------------------

void RunReplicaCalcCase(const std::string& function, const Value& in, const FileSettings& settings, JsonReader& r,
                        ResultBuilder& out) {
  hpa::Tolerances tol = ReadTolerances(r, in, settings);
  hpa::ReplicaCalcConfig calc = CalcConfig(r, in, settings);
  std::vector<hpa::Pod> pods = r.Pods(in, "pods");
  hpa::PodRefs refs = Refs(pods);
  const std::string ns = "test-namespace";

  if (function == "GetResourceReplicas" || function == "GetRawResourceReplicas") {
    int32_t current = r.Int32(in, "current_replicas");
    std::string resource = r.String(in, "resource");
    std::string container = r.OptString(in, "container");
    auto answer = Answer(r, in, "resource_metrics_error", r.PodMetricsList(in, "resource_metrics"));
    if (!r.ok()) return;
    if (function == "GetResourceReplicas") {
      int32_t target = r.Int32(in, "target_utilization");
      if (!r.ok()) return;
      auto res = hpa::GetResourceReplicas(calc, current, target, resource, container, tol, refs, answer);
      if (!res.ok()) {
        out.Str("error", res.error().message);
        return;
      }
      out.Int("replicas", res->replicas);
      out.Int("utilization", res->utilization);
      out.Int("raw_milli", res->raw_average_milli);
      out.Add("timestamp", out.TimeJson(res->timestamp));
    } else {
      int64_t target = r.Int(in, "target_milli");
      if (!r.ok()) return;
      PutUsage(out, hpa::GetRawResourceReplicas(calc, current, target, resource, container, tol, refs, answer));
    }
  } else if (function == "GetMetricReplicas") {
    int32_t current = r.Int32(in, "current_replicas");
    int64_t target = r.Int(in, "target_milli");
    auto answer = Answer(r, in, "custom_pod_metrics_error", r.CustomPodMetrics(in, "custom_pod_metrics"));
    std::string name = r.OptString(in, "metric_name");
    if (!r.ok()) return;
    PutUsage(out, hpa::GetMetricReplicas(calc, current, target, name, tol, refs, answer));
  } else if (function == "GetObjectMetricReplicas" || function == "GetObjectPerPodMetricReplicas") {
    int32_t current = r.Int32(in, "current_replicas");
    int64_t target = r.Int(in, "target_milli");
    std::string name = r.OptString(in, "metric_name");
    hpa::CrossVersionObjectReference object;
    if (JsonReader::Has(in, "described_object")) object = r.ObjectRef(in, "described_object");
    common::Result<hpa::MetricValue> answer = ApiError("no object metric");
    if (JsonReader::Has(in, "object_metric")) answer = Answer(r, in, "object_metric_error", r.MetricValueItem(in["object_metric"]));
    if (!r.ok()) return;
    if (function == "GetObjectMetricReplicas") {
      PutUsage(out, hpa::GetObjectMetricReplicas(current, target, name, ns, object, tol, refs, answer));
    } else {
      PutUsage(out, hpa::GetObjectPerPodMetricReplicas(current, target, name, ns, object, tol, answer));
    }
  } else if (function == "GetExternalMetricReplicas" || function == "GetExternalPerPodMetricReplicas") {
    int32_t current = r.Int32(in, "current_replicas");
    int64_t target = r.Int(in, "target_milli");
    std::string name = r.OptString(in, "metric_name");
    auto selector = r.OptLabelSelector(in, "metric_selector");
    auto answer = Answer(r, in, "external_metrics_error", r.MetricValues(in, "external_metrics"));
    if (!r.ok()) return;
    if (function == "GetExternalMetricReplicas") {
      PutUsage(out, hpa::GetExternalMetricReplicas(current, target, name, ns, selector, tol, refs, answer));
    } else {
      PutUsage(out, hpa::GetExternalPerPodMetricReplicas(current, target, name, ns, selector, tol, answer));
    }
  } else if (function == "groupPods") {
    std::string resource = r.OptString(in, "resource");
    hpa::PodMetricsInfo metrics;
    if (JsonReader::Has(in, "metrics") && in["metrics"].IsObject()) {
      for (const auto& m : in["metrics"].GetObject()) {
        hpa::PodMetric pm;
        pm.value = r.OptInt(m.value, "value_milli").value_or(0);
        pm.timestamp = r.TimeValue(r.Field(m.value, "timestamp"), "timestamp");
        pm.window = ClampedSeconds(static_cast<double>(r.OptInt(m.value, "window_s").value_or(60)));
        metrics[m.name.GetString()] = pm;
      }
    }
    if (!r.ok()) return;
    hpa::PodGroups g = hpa::GroupPods(refs, metrics, resource, calc.cpu_initialization_period,
                                      calc.delay_of_initial_readiness_status, calc.now);
    out.Int("ready_pod_count", g.ready_pod_count);
    out.Add("unready_pods", out.NameList(g.unready_pods));
    out.Add("missing_pods", out.NameList(g.missing_pods));
    out.Add("ignored_pods", out.NameList(g.ignored_pods));
  } else if (function == "calculateRequests") {
    std::string resource = r.String(in, "resource");
    std::string container = r.OptString(in, "container");
    if (!r.ok()) return;
    auto res = hpa::CalculateRequests(refs, container, resource, calc.pod_level_resources);
    if (!res.ok()) {
      out.Str("error", res.error().message);
      return;
    }
    Value requests(rapidjson::kObjectType);
    for (const auto& [pod, milli] : *res) requests.AddMember(out.Str(pod), Value(static_cast<int64_t>(milli)), out.alloc());
    out.Add("requests", std::move(requests));
  } else {
    r.Fail("unknown function \"" + function + "\"");
  }
}

// ---- controller_cases.json ----------------------------------------------------------------------------------

hpa::ControllerConfig ReadControllerConfig(JsonReader& r, const Value& v, hpa::ControllerConfig c) {
  if (!v.IsObject()) return c;
  if (auto t = r.OptDouble(v, "tolerance")) c.tolerance = *t;
  if (auto s = r.OptInt(v, "downscale_stabilization_s")) c.downscale_stabilization = ClampedSeconds(static_cast<double>(*s));
  if (auto s = r.OptInt(v, "cpu_initialization_period_s")) c.cpu_initialization_period = ClampedSeconds(static_cast<double>(*s));
  if (auto s = r.OptInt(v, "delay_of_initial_readiness_status_s")) {
    c.delay_of_initial_readiness_status = ClampedSeconds(static_cast<double>(*s));
  }
  if (auto f = r.OptDouble(v, "scale_up_limit_factor")) c.scale_up_limit_factor = *f;
  if (auto m = r.OptDouble(v, "scale_up_limit_minimum")) c.scale_up_limit_minimum = *m;
  return c;
}

Value RulesJson(ResultBuilder& out, const hpa::ScalingRules& rules) {
  Value v(rapidjson::kObjectType);
  auto& a = out.alloc();
  if (rules.stabilization_window_seconds) {
    v.AddMember("stabilization_window_s", *rules.stabilization_window_seconds, a);
  } else {
    v.AddMember("stabilization_window_s", Value(), a);
  }
  const char* select = "Max";
  if (rules.select_policy == hpa::SelectPolicy::kMin) select = "Min";
  if (rules.select_policy == hpa::SelectPolicy::kDisabled) select = "Disabled";
  v.AddMember("select_policy", Value(rapidjson::StringRef(select)), a);
  Value policies(rapidjson::kArrayType);
  for (const auto& p : rules.policies.value_or(std::vector<hpa::ScalingPolicy>{})) {
    Value pv(rapidjson::kObjectType);
    pv.AddMember("type", Value(rapidjson::StringRef(p.type == hpa::ScalingPolicyType::kPods ? "Pods" : "Percent")), a);
    pv.AddMember("value", p.value, a);
    pv.AddMember("period_s", p.period_seconds, a);
    policies.PushBack(pv, a);
  }
  v.AddMember("policies", policies, a);
  return v;
}

// Upstream's API defaulting must turn `*_spec` into `*_effective`; a mismatch is reported like a wrong result.
void CheckDefaulting(JsonReader& r, const std::optional<hpa::ScalingRules>& spec,
                     const std::optional<hpa::ScalingRules>& effective, bool up, std::string* mismatch) {
  if (!effective || !mismatch->empty()) return;
  hpa::ScalingRules defaulted = up ? hpa::DefaultScaleUpRules(spec) : hpa::DefaultScaleDownRules(spec);
  if (!(defaulted == *effective)) {
    *mismatch = std::string("behavior defaulting of ") + (up ? "scaleUp" : "scaleDown") +
                " does not give the effective rules";
  }
}

int64_t AgeSeconds(hpa::Time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(kCaseNow - t).count();
}

Value EventsJson(ResultBuilder& out, const std::vector<hpa::ScaleEvent>& events) {
  Value arr(rapidjson::kArrayType);
  for (const auto& e : events) {
    Value ev(rapidjson::kObjectType);
    ev.AddMember("change", e.replica_change, out.alloc());
    ev.AddMember("outdated", e.outdated, out.alloc());
    ev.AddMember("age_s", static_cast<int64_t>(AgeSeconds(e.timestamp)), out.alloc());
    arr.PushBack(ev, out.alloc());
  }
  return arr;
}

void RunReconcileCase(const Value& in, const FileSettings& settings, JsonReader& r, ResultBuilder& out,
                      std::string* mismatch) {
  hpa::ReconcileInput input;
  input.now = kCaseNow;
  input.config = ReadControllerConfig(r, r.Field(in, "controller"), settings.controller);

  const Value& h = r.Field(in, "hpa");
  hpa::Hpa& hpa = input.hpa;
  hpa.name = r.OptString(h, "name");
  hpa.namespace_name = r.OptString(h, "namespace");
  if (auto m = r.OptInt(h, "min_replicas")) hpa.spec.min_replicas = static_cast<int32_t>(*m);
  hpa.spec.max_replicas = r.Int32(h, "max_replicas");
  hpa.spec.scale_target_ref = r.ObjectRef(h, "scale_target_ref");
  for (const auto& m : r.Array(h, "metrics")) hpa.spec.metrics.push_back(r.MetricSpecItem(m));
  auto behavior_spec = r.OptBehavior(h, "behavior");
  hpa.spec.behavior = r.OptBehavior(h, "behavior_effective");
  if (behavior_spec && hpa.spec.behavior) {
    CheckDefaulting(r, behavior_spec->scale_up, hpa.spec.behavior->scale_up, true, mismatch);
    CheckDefaulting(r, behavior_spec->scale_down, hpa.spec.behavior->scale_down, false, mismatch);
  } else if (behavior_spec.has_value() != hpa.spec.behavior.has_value()) {
    *mismatch = "behavior and behavior_effective disagree on whether a behavior is set";
  }
  const Value& st = r.Field(h, "status");
  hpa.status.current_replicas = r.Int32(st, "current_replicas");
  hpa.status.desired_replicas = r.Int32(st, "desired_replicas");
  hpa.status.last_scale_time = r.OptTime(st, "last_scale_time");
  for (const auto& c : r.Array(st, "conditions")) {
    hpa::HpaCondition cond;
    if (c.IsArray() && c.Size() >= 3 && c[0].IsString() && c[1].IsString() && c[2].IsString()) {
      cond = {c[0].GetString(), c[1].GetString(), c[2].GetString(), "", hpa::kGoZeroTime};
    } else {
      cond.type = r.String(c, "type");
      cond.status = r.String(c, "status");
      cond.reason = r.OptString(c, "reason");
      cond.message = r.OptString(c, "message");
      cond.last_transition_time = r.OptTime(c, "last_transition_time").value_or(hpa::kGoZeroTime);
    }
    hpa.status.conditions.push_back(std::move(cond));
  }

  const Value& sc = r.Field(in, "scale");
  if (r.Bool(in, "scale_get_error", false)) {
    input.scale = ApiError("something went wrong");
  } else {
    input.scale = hpa::ScaleView{r.Int32(sc, "spec_replicas"), r.Int32(sc, "status_replicas"), r.OptString(sc, "selector")};
  }
  input.pods = r.Pods(in, "pods");
  for (const auto& o : r.Array(in, "other_hpas")) input.other_hpas.push_back({r.String(o, "name"), r.OptString(o, "selector")});

  // The fake metrics servers answer every query with the same data (README §3.1).
  bool resource_error = false, custom_error = false, external_error = false;
  if (JsonReader::Has(in, "metrics_api_errors")) {
    const Value& e = in["metrics_api_errors"];
    resource_error = r.Bool(e, "resource", false);
    custom_error = r.Bool(e, "custom", false);
    external_error = r.Bool(e, "external", false);
  }
  hpa::MetricAnswer answer;
  answer.resource = resource_error ? common::Result<std::vector<hpa::PodMetrics>>(ApiError("something went wrong"))
                                   : r.PodMetricsList(in, "resource_metrics");
  answer.pods = custom_error ? common::Result<std::vector<hpa::CustomPodMetric>>(ApiError("something went wrong"))
                             : r.CustomPodMetrics(in, "custom_pod_metrics");
  if (custom_error) {
    answer.object = ApiError("something went wrong");
  } else if (JsonReader::Has(in, "object_metric")) {
    answer.object = r.MetricValueItem(in["object_metric"]);
  } else {
    answer.object = ApiError("no object metric available");
  }
  answer.external = external_error ? common::Result<std::vector<hpa::MetricValue>>(ApiError("something went wrong"))
                                   : r.MetricValues(in, "external_metrics");
  input.metric_answers.assign(hpa.spec.metrics.size(), answer);

  const Value& state = r.Field(in, "controller_state");
  if (JsonReader::Has(state, "recommendations")) input.memory.recommendations = r.Recommendations(state["recommendations"]);
  input.memory.scale_up_events = r.ScaleEvents(state, "scale_up_events");
  input.memory.scale_down_events = r.ScaleEvents(state, "scale_down_events");
  bool update_error = r.Bool(in, "scale_update_error", false);
  if (!r.ok()) return;

  hpa::ReconcileOutput res = hpa::RunReconcile(input, [&](int32_t) {
    return update_error ? common::Status(ApiError("fake scale update error")) : common::Status::Ok();
  });

  auto& a = out.alloc();
  out.Int("desired_replicas", res.status.desired_replicas);
  out.Bool("scale_updated", res.scale_updated);
  if (res.scale_update) out.Int("scale_update_attempted_replicas", *res.scale_update);
  Value conditions(rapidjson::kArrayType);
  Value messages(rapidjson::kArrayType);
  for (const auto& c : res.status.conditions) {
    Value triple(rapidjson::kArrayType);
    triple.PushBack(out.Str(c.type), a).PushBack(out.Str(c.status), a).PushBack(out.Str(c.reason), a);
    conditions.PushBack(triple, a);
    messages.PushBack(out.Str(c.message), a);
  }
  out.Add("conditions", std::move(conditions));
  out.Add("condition_messages", std::move(messages));
  out.Bool("reconcile_error", res.error.has_value());
  if (res.error) out.Str("reconcile_error_message", *res.error);
  for (const auto& m : res.status.current_metrics) {
    if (m.type == hpa::MetricSourceType::kResource && m.resource_name == "cpu" && m.current.average_utilization) {
      out.Int("cpu_utilization", *m.current.average_utilization);
      break;
    }
  }
  // "events" lists only SuccessfulRescale events (the schema's convention); all_events has everything.
  Value events(rapidjson::kArrayType);
  Value all_events(rapidjson::kArrayType);
  for (const auto& e : res.events) {
    Value ev(rapidjson::kObjectType);
    ev.AddMember("type", out.Str(e.type), a);
    ev.AddMember("reason", out.Str(e.reason), a);
    ev.AddMember("message", out.Str(e.message), a);
    if (e.reason == "SuccessfulRescale") {
      Value copy(ev, a);
      events.PushBack(copy, a);
    }
    all_events.PushBack(ev, a);
  }
  out.Add("events", std::move(events));
  out.Add("all_events", std::move(all_events));
  out.Bool("status_changed", res.status_changed);
}

void RunControllerCase(const std::string& function, const Value& in, const FileSettings& settings, JsonReader& r,
                       ResultBuilder& out, std::string* mismatch) {
  if (function == "reconcileAutoscaler") {
    RunReconcileCase(in, settings, r, out, mismatch);
  } else if (function == "convertDesiredReplicasWithRules") {
    int32_t current = r.Int32(in, "current_replicas");
    int32_t desired = r.Int32(in, "desired_replicas");
    int32_t min = r.Int32(in, "min_replicas");
    int32_t max = r.Int32(in, "max_replicas");
    double factor = r.OptDouble(in, "scale_up_limit_factor").value_or(settings.controller.scale_up_limit_factor);
    double minimum = r.OptDouble(in, "scale_up_limit_minimum").value_or(settings.controller.scale_up_limit_minimum);
    if (!r.ok()) return;
    auto res = hpa::ConvertDesiredReplicasWithRules(current, desired, min, max, factor, minimum);
    out.Int("replicas", res.replicas);
    out.Str("reason", res.reason);
    out.Str("message", res.message);
  } else if (function == "stabilizeRecommendation") {
    int64_t window = r.Int(in, "downscale_stabilization_window_s");
    auto recs = r.Recommendations(r.Field(in, "recommendations"));
    int32_t desired = r.Int32(in, "prenormalized_desired_replicas");
    if (!r.ok()) return;
    int32_t stabilized = hpa::StabilizeRecommendation(recs, desired, ClampedSeconds(static_cast<double>(window)), kCaseNow);
    out.Int("stabilized_replicas", stabilized);
    Value after(rapidjson::kArrayType);
    for (const auto& rec : recs) {
      Value v(rapidjson::kObjectType);
      v.AddMember("replicas", rec.recommendation, out.alloc());
      v.AddMember("age_s", static_cast<int64_t>(AgeSeconds(rec.timestamp)), out.alloc());
      after.PushBack(v, out.alloc());
    }
    out.Add("recommendations_after", std::move(after));
  } else if (function == "stabilizeRecommendationWithBehaviors") {
    int32_t current = r.Int32(in, "current_replicas");
    int32_t desired = r.Int32(in, "prenormalized_desired_replicas");
    int64_t up = r.Int(in, "scale_up_stabilization_window_s");
    int64_t down = r.Int(in, "scale_down_stabilization_window_s");
    auto recs = r.Recommendations(r.Field(in, "recommendations"));
    if (!r.ok()) return;
    auto res = hpa::StabilizeRecommendationWithBehaviors(recs, current, desired, ClampedSeconds(static_cast<double>(up)),
                                                         ClampedSeconds(static_cast<double>(down)),
                                                         kCaseNow);
    out.Int("stabilized_replicas", res.replicas);
    Value values(rapidjson::kArrayType);
    for (const auto& rec : recs) values.PushBack(rec.recommendation, out.alloc());
    out.Add("recommendation_values_after", std::move(values));
    out.Str("reason", res.reason);
  } else if (function == "convertDesiredReplicasWithBehaviorRate") {
    int32_t current = r.Int32(in, "current_replicas");
    int32_t desired = r.Int32(in, "desired_replicas");
    int32_t min = r.Int32(in, "min_replicas");
    int32_t max = r.Int32(in, "max_replicas");
    auto up_spec = r.OptRules(in, "scale_up_rules_spec");
    auto down_spec = r.OptRules(in, "scale_down_rules_spec");
    auto up_eff = r.OptRules(in, "scale_up_rules_effective");
    auto down_eff = r.OptRules(in, "scale_down_rules_effective");
    auto up_events = r.ScaleEvents(in, "scale_up_events");
    auto down_events = r.ScaleEvents(in, "scale_down_events");
    if (!r.ok()) return;
    CheckDefaulting(r, up_spec, up_eff, true, mismatch);
    CheckDefaulting(r, down_spec, down_eff, false, mismatch);
    hpa::ScalingRules up = up_eff ? *up_eff : hpa::DefaultScaleUpRules(up_spec);
    hpa::ScalingRules down = down_eff ? *down_eff : hpa::DefaultScaleDownRules(down_spec);
    auto res = hpa::ConvertDesiredReplicasWithBehaviorRate(current, desired, min, max, up, down, up_events,
                                                           down_events, kCaseNow);
    out.Int("replicas", res.replicas);
    out.Str("reason", res.reason);
    out.Str("message", res.message);
  } else if (function == "storeScaleEvent") {
    std::string direction = r.String(in, "direction");
    auto rules = r.OptRules(in, "behavior_rules_for_direction");
    int32_t prev = r.Int32(in, "prev_replicas");
    int32_t next = r.Int32(in, "new_replicas");
    auto before = r.ScaleEvents(in, "events_before");
    if (!r.ok()) return;
    if (direction != "up" && direction != "down") {
      r.Fail("direction must be \"up\" or \"down\"");
      return;
    }
    bool up = direction == "up";
    hpa::HpaMemory memory;
    (up ? memory.scale_up_events : memory.scale_down_events) = before;
    std::optional<hpa::Behavior> behavior;
    if (rules) {
      behavior = hpa::Behavior{};
      (up ? behavior->scale_up : behavior->scale_down) = rules;
    }
    out.Int("replicas_change_in_last_60s_before_store", hpa::GetReplicasChangePerPeriod(60, before, kCaseNow));
    hpa::StoreScaleEvent(behavior, memory, prev, next, kCaseNow);
    out.Add("events_after", EventsJson(out, up ? memory.scale_up_events : memory.scale_down_events));
  } else if (function == "calculateScaleUpLimitWithScalingRules" ||
             function == "calculateScaleDownLimitWithBehaviors") {
    int32_t current = r.Int32(in, "current_replicas");
    auto up_events = r.ScaleEvents(in, "scale_up_events");
    auto down_events = r.ScaleEvents(in, "scale_down_events");
    auto rules = r.OptRules(in, "rules");
    if (!rules) r.Fail("missing field \"rules\"");
    if (!r.ok()) return;
    bool is_up = function == "calculateScaleUpLimitWithScalingRules";
    hpa::ScalingRules effective = is_up ? hpa::DefaultScaleUpRules(rules) : hpa::DefaultScaleDownRules(rules);
    out.Add("effective_rules", RulesJson(out, effective));
    int32_t limit = is_up ? hpa::CalculateScaleUpLimitWithScalingRules(current, up_events, down_events, *rules, kCaseNow)
                          : hpa::CalculateScaleDownLimitWithBehaviors(current, up_events, down_events, *rules, kCaseNow);
    out.Int("limit", limit);
  } else {
    r.Fail("unknown function \"" + function + "\"");
  }
}

common::Error BadInput(const std::string& message) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument, message);
}

}  // namespace

common::Result<std::vector<CaseOutcome>> RunCases(std::string_view json_text, const RunOptions& options) {
  Document doc;
  doc.Parse(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    return BadInput(std::string("invalid JSON at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
                    rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject() || !doc.HasMember("schema") || !doc["schema"].IsString()) {
    return BadInput("not a golden-case file: missing \"schema\"");
  }
  std::string schema = doc["schema"].GetString();
  bool controller = schema == kControllerSchema;
  if (!controller && schema != kReplicaCalcSchema) return BadInput("unknown schema \"" + schema + "\"");
  if (!doc.HasMember("cases") || !doc["cases"].IsArray()) return BadInput("missing \"cases\" array");

  FileSettings settings;
  JsonReader file_reader;
  if (JsonReader::Has(doc, "defaults")) {
    const Value& d = doc["defaults"];
    if (auto s = file_reader.OptInt(d, "cpu_initialization_period_s")) settings.cpu_initialization_period = ClampedSeconds(static_cast<double>(*s));
    if (auto s = file_reader.OptInt(d, "delay_of_initial_readiness_status_s")) {
      settings.delay_of_initial_readiness_status = ClampedSeconds(static_cast<double>(*s));
    }
    if (JsonReader::Has(d, "tolerance")) {
      const Value& t = d["tolerance"];
      settings.default_tolerances.scale_up = file_reader.OptDouble(t, "scale_up").value_or(0.1);
      settings.default_tolerances.scale_down = file_reader.OptDouble(t, "scale_down").value_or(0.1);
    }
  }
  // Upstream's test constants unless the file says otherwise.
  settings.controller.cpu_initialization_period = hpa::Seconds(120);
  settings.controller.delay_of_initial_readiness_status = hpa::Seconds(10);
  settings.controller.scale_up_limit_factor = 8.0;
  if (JsonReader::Has(doc, "test_controller_config")) {
    settings.controller = ReadControllerConfig(file_reader, doc["test_controller_config"], settings.controller);
  }
  if (!file_reader.ok()) return BadInput("file settings: " + file_reader.error());

  std::vector<CaseOutcome> outcomes;
  const auto& cases = doc["cases"].GetArray();
  for (rapidjson::SizeType i = 0; i < cases.Size(); ++i) {
    const Value& c = cases[i];
    CaseOutcome outcome;
    outcome.index = i;
    if (c.IsObject() && c.HasMember("name") && c["name"].IsString()) outcome.name = c["name"].GetString();
    if (c.IsObject() && c.HasMember("function") && c["function"].IsString()) outcome.function = c["function"].GetString();
    if (!options.only.empty() && outcome.name.find(options.only) == std::string::npos) continue;
    if (options.index && *options.index != i) continue;

    JsonReader r;
    ResultBuilder out;
    std::string mismatch;
    const Value& input = c.IsObject() && c.HasMember("input") ? c["input"] : r.Field(c, "input");
    if (!input.IsObject()) {
      r.Fail("case has no \"input\" object");
    } else if (controller) {
      RunControllerCase(outcome.function, input, settings, r, out, &mismatch);
    } else {
      RunReplicaCalcCase(outcome.function, input, settings, r, out);
    }
    if (!r.ok()) {
      out.doc().RemoveAllMembers();
      out.Str("input_error", r.error());
      outcome.mismatch = "bad input: " + r.error();
    } else if (!mismatch.empty()) {
      outcome.mismatch = mismatch;
    } else if (!c.HasMember("expected")) {
      outcome.mismatch = "case has no \"expected\" object";
    } else {
      outcome.mismatch = Judge(c["expected"], out.doc());
    }
    outcome.pass = outcome.mismatch.empty();
    outcome.result_json = ToJson(out.doc());
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

common::Result<std::vector<std::string>> ListCases(std::string_view json_text) {
  Document doc;
  doc.Parse(json_text.data(), json_text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("cases") || !doc["cases"].IsArray()) {
    return BadInput("not a golden-case file");
  }
  std::vector<std::string> names;
  for (const auto& c : doc["cases"].GetArray()) {
    names.push_back(c.IsObject() && c.HasMember("name") && c["name"].IsString() ? c["name"].GetString() : "");
  }
  return names;
}

common::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return common::Error::Make(common::ErrorCode::kNotFound, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return common::Error::Make(common::ErrorCode::kInternal, "cannot read " + path);
  return ss.str();
}

std::string FormatOutcomeLine(const CaseOutcome& outcome) {
  Document line;
  line.SetObject();
  auto& a = line.GetAllocator();
  auto str = [&](const std::string& s) { return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a); };
  line.AddMember("name", str(outcome.name), a);
  line.AddMember("function", str(outcome.function), a);
  Document result;
  result.Parse(outcome.result_json.c_str());
  if (result.HasParseError()) {
    line.AddMember("result", Value(rapidjson::kObjectType), a);
  } else {
    line.AddMember("result", Value(result, a), a);
  }
  line.AddMember("pass", outcome.pass, a);
  line.AddMember("mismatch", str(outcome.mismatch), a);
  return ToJson(line);
}

}  // namespace autoscaler::hpa_cases
