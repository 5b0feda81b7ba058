#include "sandbox/load/scenario.h"

#include <charconv>
#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace sandbox {

using common::Error;
using common::ErrorCode;

namespace {

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

// A number, or a string parsed by `parse` (quantities such as "200m" or "128Mi").
common::Result<double> NumberOrQuantity(const rapidjson::Value& v, std::string_view field,
                                        common::Result<double> (*parse)(std::string_view)) {
  if (v.IsNumber()) {
    double d = v.GetDouble();
    if (!std::isfinite(d) || d < 0) return Invalid(fmt::format("{}: must be a non-negative number", field));
    return d;
  }
  if (v.IsString()) {
    auto parsed = parse(std::string_view(v.GetString(), v.GetStringLength()));
    if (!parsed.ok()) return Invalid(fmt::format("{}: {}", field, parsed.error().message));
    return parsed;
  }
  return Invalid(fmt::format("{}: expected a number or a quantity string", field));
}

common::Result<double> PlainNumber(std::string_view text) {
  double d = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || ptr != text.data() + text.size()) return Invalid(fmt::format("invalid number \"{}\"", text));
  return d;
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

common::Status ReadMemoryModel(const rapidjson::Value& v, std::string_view field, MemoryModel* model) {
  if (!v.IsObject()) return Invalid(fmt::format("{}: expected an object", field));
  if (const auto* base = Member(v, "base")) {
    auto bytes = NumberOrQuantity(*base, fmt::format("{}.base", field), ParseByteQuantity);
    if (!bytes.ok()) return bytes.error();
    model->base_bytes = *bytes;
  }
  if (const auto* per = Member(v, "perMillicore")) {
    auto bytes = NumberOrQuantity(*per, fmt::format("{}.perMillicore", field), ParseByteQuantity);
    if (!bytes.ok()) return bytes.error();
    model->bytes_per_millicore = *bytes;
  }
  return common::Status::Ok();
}

common::Status ReadContainer(const rapidjson::Value& v, std::string_view field, ContainerTemplate* c) {
  if (!v.IsObject()) return Invalid(fmt::format("{}: expected an object", field));
  if (const auto* name = Member(v, "name")) {
    if (!name->IsString() || name->GetStringLength() == 0) return Invalid(fmt::format("{}.name: expected a string", field));
    c->name = name->GetString();
  }
  struct Quantity {
    const char* key;
    common::Result<double> (*parse)(std::string_view);
    std::function<void(double)> set;
  };
  const Quantity quantities[] = {
      {"cpu", ParseCpuMillicores, [&](double d) { c->cpu_request_millicores = std::llround(d); }},
      {"memory", ParseByteQuantity, [&](double d) { c->memory_request_bytes = std::llround(d); }},
      {"cpuLimit", ParseCpuMillicores, [&](double d) { c->cpu_limit_millicores = std::llround(d); }},
      {"memoryLimit", ParseByteQuantity, [&](double d) { c->memory_limit_bytes = std::llround(d); }},
  };
  for (const Quantity& q : quantities) {
    if (const auto* member = Member(v, q.key)) {
      // A bare number for cpu means millicores here, like the "load" field.
      auto value = member->IsNumber() ? NumberOrQuantity(*member, q.key, PlainNumber)
                                      : NumberOrQuantity(*member, fmt::format("{}.{}", field, q.key), q.parse);
      if (!value.ok()) return value.error();
      q.set(*value);
    }
  }
  return common::Status::Ok();
}

common::Status ReadWorkload(const rapidjson::Value& v, std::string_view field, WorkloadSpec* w) {
  if (!v.IsObject()) return Invalid(fmt::format("{}: expected an object", field));
  const auto* name = Member(v, "name");
  if (name == nullptr || !name->IsString() || name->GetStringLength() == 0) {
    return Invalid(fmt::format("{}.name: required", field));
  }
  w->name = name->GetString();
  if (const auto* kind = Member(v, "kind")) {
    std::string k = kind->IsString() ? kind->GetString() : "";
    if (k != "Deployment" && k != "ReplicaSet" && k != "StatefulSet" && k != "ReplicationController") {
      return Invalid(fmt::format("{}.kind: one of Deployment, ReplicaSet, StatefulSet, ReplicationController", field));
    }
    w->kind = k;
  }
  if (const auto* ns = Member(v, "namespace")) {
    if (!ns->IsString() || ns->GetStringLength() == 0) return Invalid(fmt::format("{}.namespace: expected a string", field));
    w->namespace_name = ns->GetString();
  }
  if (const auto* replicas = Member(v, "replicas")) {
    if (!replicas->IsInt() || replicas->GetInt() < 0) return Invalid(fmt::format("{}.replicas: expected an integer >= 0", field));
    w->replicas = replicas->GetInt();
  }
  if (const auto* containers = Member(v, "containers")) {
    if (!containers->IsArray() || containers->Empty()) return Invalid(fmt::format("{}.containers: expected a non-empty array", field));
    w->containers.clear();
    for (rapidjson::SizeType i = 0; i < containers->Size(); ++i) {
      ContainerTemplate c;
      c.name = i == 0 ? "app" : fmt::format("app{}", i);
      auto status = ReadContainer((*containers)[i], fmt::format("{}.containers[{}]", field, i), &c);
      if (!status.ok()) return status;
      w->containers.push_back(std::move(c));
    }
  }
  if (const auto* load = Member(v, "load")) {
    if (load->IsNumber()) {
      auto curve = LoadCurve::Make({}, load->GetDouble());
      if (!curve.ok()) return Invalid(fmt::format("{}.load: {}", field, curve.error().message));
      w->load = *curve;
    } else if (load->IsString()) {
      auto curve = LoadCurve::Parse(load->GetString());
      if (!curve.ok()) return Invalid(fmt::format("{}.load: {}", field, curve.error().message));
      w->load = *curve;
    } else {
      return Invalid(fmt::format("{}.load: expected a load curve string or millicores", field));
    }
  }
  if (const auto* memory = Member(v, "memory")) {
    MemoryModel model;
    auto status = ReadMemoryModel(*memory, fmt::format("{}.memory", field), &model);
    if (!status.ok()) return status;
    w->memory = model;
  }
  return common::Status::Ok();
}

}  // namespace

common::Result<double> ParseByteQuantity(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return Invalid(fmt::format("invalid byte quantity \"{}\"", text));
  std::string_view suffix(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  struct Unit {
    std::string_view suffix;
    double factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},       {"k", 1e3},         {"M", 1e6},         {"G", 1e9},         {"T", 1e12},
      {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
  };
  for (const Unit& unit : kUnits) {
    if (suffix == unit.suffix) return value * unit.factor;
  }
  return Invalid(fmt::format("invalid byte quantity \"{}\": unknown suffix \"{}\"", text, suffix));
}

common::Result<Scenario> ParseScenario(std::string_view json_text) {
  rapidjson::Document doc;
  doc.Parse(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    return Invalid(fmt::format("scenario: invalid JSON at offset {}: {}", doc.GetErrorOffset(),
                               rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) return Invalid("scenario: expected a JSON object");
  Scenario scenario;
  if (const auto* v = Member(doc, "nodeOverheadMillicores")) {
    auto d = NumberOrQuantity(*v, "nodeOverheadMillicores", ParseCpuMillicores);
    if (!d.ok()) return d.error();
    scenario.node_overhead_millicores = *d;
  }
  if (const auto* v = Member(doc, "nodeMemoryBase")) {
    auto d = NumberOrQuantity(*v, "nodeMemoryBase", ParseByteQuantity);
    if (!d.ok()) return d.error();
    scenario.node_memory_base_bytes = *d;
  }
  if (const auto* v = Member(doc, "unreadyPodMillicores")) {
    auto d = NumberOrQuantity(*v, "unreadyPodMillicores", ParseCpuMillicores);
    if (!d.ok()) return d.error();
    scenario.unready_pod_millicores = *d;
  }
  if (const auto* v = Member(doc, "podMemory")) {
    auto status = ReadMemoryModel(*v, "podMemory", &scenario.pod_memory);
    if (!status.ok()) return status.error();
  }
  if (const auto* v = Member(doc, "workloads")) {
    if (!v->IsArray()) return Invalid("workloads: expected an array");
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      WorkloadSpec w;
      auto status = ReadWorkload((*v)[i], fmt::format("workloads[{}]", i), &w);
      if (!status.ok()) return status.error();
      scenario.workloads.push_back(std::move(w));
    }
  }
  return scenario;
}

}  // namespace sandbox
