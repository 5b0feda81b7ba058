#include "kube/objects/pod.h"

#include <utility>

namespace kube {
namespace {

using common::Error;
using common::ErrorCode;

// Sets *out from a Result or returns its error from the enclosing function.
#define KUBE_ASSIGN_OR_RETURN(out, expr) \
  do {                                   \
    auto _result = (expr);               \
    if (!_result.ok()) return _result.error(); \
    out = std::move(_result.value());    \
  } while (false)

common::Result<std::map<std::string, Quantity>> DecodeRequests(const rapidjson::Value& container) {
  std::map<std::string, Quantity> out;
  auto resources = decode::Object(container, "resources");
  if (!resources.ok()) return resources.error();
  if (*resources == nullptr) return out;
  auto requests = decode::Object(**resources, "requests");
  if (!requests.ok()) return requests.error();
  if (*requests == nullptr) return out;
  for (const auto& member : (*requests)->GetObject()) {
    std::string name(member.name.GetString(), member.name.GetStringLength());
    if (!member.value.IsString()) {
      return Error::Make(ErrorCode::kInvalidArgument, "resource request \"" + name + "\" must be a string");
    }
    auto quantity = Quantity::Parse(std::string_view(member.value.GetString(), member.value.GetStringLength()));
    if (!quantity.ok()) {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "resource request \"" + name + "\": " + quantity.error().message);
    }
    out.emplace(std::move(name), std::move(quantity.value()));
  }
  return out;
}

common::Result<std::vector<Container>> DecodeContainers(const rapidjson::Value& spec, std::string_view field) {
  std::vector<Container> out;
  auto list = decode::Array(spec, field);
  if (!list.ok()) return list.error();
  if (*list == nullptr) return out;
  for (const rapidjson::Value& entry : (*list)->GetArray()) {
    if (!entry.IsObject()) return Error::Make(ErrorCode::kInvalidArgument, std::string(field) + " must hold objects");
    Container container;
    KUBE_ASSIGN_OR_RETURN(container.name, decode::String(entry, "name"));
    KUBE_ASSIGN_OR_RETURN(container.restart_policy, decode::String(entry, "restartPolicy"));
    KUBE_ASSIGN_OR_RETURN(container.requests, DecodeRequests(entry));
    out.push_back(std::move(container));
  }
  return out;
}

common::Status DecodeMetadata(const rapidjson::Value& metadata, Pod* pod) {
  KUBE_ASSIGN_OR_RETURN(pod->namespace_name, decode::String(metadata, "namespace"));
  KUBE_ASSIGN_OR_RETURN(pod->name, decode::String(metadata, "name"));
  KUBE_ASSIGN_OR_RETURN(pod->uid, decode::String(metadata, "uid"));
  KUBE_ASSIGN_OR_RETURN(pod->labels, decode::StringMap(metadata, "labels"));
  KUBE_ASSIGN_OR_RETURN(pod->owner_references, decode::OwnerReferences(metadata));
  KUBE_ASSIGN_OR_RETURN(pod->creation_timestamp, decode::OptionalTime(metadata, "creationTimestamp"));
  KUBE_ASSIGN_OR_RETURN(pod->deletion_timestamp, decode::OptionalTime(metadata, "deletionTimestamp"));
  return common::Status::Ok();
}

common::Status DecodeSpec(const rapidjson::Value& spec, Pod* pod) {
  KUBE_ASSIGN_OR_RETURN(pod->node_name, decode::String(spec, "nodeName"));
  KUBE_ASSIGN_OR_RETURN(pod->restart_policy, decode::String(spec, "restartPolicy"));
  KUBE_ASSIGN_OR_RETURN(pod->containers, DecodeContainers(spec, "containers"));
  KUBE_ASSIGN_OR_RETURN(pod->init_containers, DecodeContainers(spec, "initContainers"));
  return common::Status::Ok();
}

common::Status DecodeStatus(const rapidjson::Value& status, Pod* pod) {
  std::string phase;
  KUBE_ASSIGN_OR_RETURN(phase, decode::String(status, "phase"));
  pod->phase = ParsePodPhase(phase);
  KUBE_ASSIGN_OR_RETURN(pod->start_time, decode::OptionalTime(status, "startTime"));
  const rapidjson::Value* conditions = nullptr;
  KUBE_ASSIGN_OR_RETURN(conditions, decode::Array(status, "conditions"));
  if (conditions == nullptr) return common::Status::Ok();
  for (const rapidjson::Value& entry : conditions->GetArray()) {
    PodCondition condition;
    std::string value;
    KUBE_ASSIGN_OR_RETURN(condition.type, decode::String(entry, "type"));
    KUBE_ASSIGN_OR_RETURN(value, decode::String(entry, "status"));
    condition.status = ParseConditionStatus(value);
    KUBE_ASSIGN_OR_RETURN(condition.last_transition_time, decode::OptionalTime(entry, "lastTransitionTime"));
    pod->conditions.push_back(std::move(condition));
  }
  return common::Status::Ok();
}

#undef KUBE_ASSIGN_OR_RETURN

}  // namespace

PodPhase ParsePodPhase(std::string_view text) {
  if (text == "Pending") return PodPhase::kPending;
  if (text == "Running") return PodPhase::kRunning;
  if (text == "Succeeded") return PodPhase::kSucceeded;
  if (text == "Failed") return PodPhase::kFailed;
  return PodPhase::kUnknown;
}

const char* PodPhaseName(PodPhase phase) {
  switch (phase) {
    case PodPhase::kPending:
      return "Pending";
    case PodPhase::kRunning:
      return "Running";
    case PodPhase::kSucceeded:
      return "Succeeded";
    case PodPhase::kFailed:
      return "Failed";
    case PodPhase::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

const PodCondition* Pod::Condition(std::string_view type) const {
  for (const PodCondition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool Pod::IsReady() const {
  const PodCondition* ready = Condition("Ready");
  return ready != nullptr && ready->status == ConditionStatus::kTrue;
}

const OwnerReference* Pod::ControllerRef() const {
  for (const OwnerReference& ref : owner_references) {
    if (ref.controller) return &ref;
  }
  return nullptr;
}

common::Result<Pod> DecodePod(const rapidjson::Value& object) {
  if (!object.IsObject()) return Error::Make(ErrorCode::kInvalidArgument, "pod is not an object");
  Pod pod;
  for (auto [field, decoder] : {std::pair{"metadata", &DecodeMetadata}, std::pair{"spec", &DecodeSpec},
                                std::pair{"status", &DecodeStatus}}) {
    auto section = decode::Object(object, field);
    if (!section.ok()) return section.error();
    if (*section == nullptr) continue;
    if (auto s = decoder(**section, &pod); !s.ok()) {
      return Error::Make(s.error().code, std::string("pod ") + field + ": " + s.error().message);
    }
  }
  if (pod.name.empty()) return Error::Make(ErrorCode::kInvalidArgument, "pod has no name");
  return pod;
}

}  // namespace kube
