#pragma once
// The parts of a v1 Pod that metrics-server, the HPA controller and the sandbox need. Kept small on purpose:
// informers hold one per pod in the cluster.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/objects/common.h"
#include "kube/objects/time.h"
#include "kube/quantity.h"

namespace kube {

enum class PodPhase { kUnknown, kPending, kRunning, kSucceeded, kFailed };
PodPhase ParsePodPhase(std::string_view text);
const char* PodPhaseName(PodPhase phase);

struct PodCondition {
  std::string type;  // Ready, PodScheduled, Initialized, ContainersReady, ...
  ConditionStatus status = ConditionStatus::kUnknown;
  std::optional<Time> last_transition_time;
};

struct Container {
  std::string name;
  std::map<std::string, Quantity> requests;  // resources.requests: "cpu", "memory", ...
  std::string restart_policy;                // init containers only: "Always" marks a sidecar
};

struct Pod {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::map<std::string, std::string> labels;
  std::vector<OwnerReference> owner_references;
  std::optional<Time> creation_timestamp;
  std::optional<Time> deletion_timestamp;

  std::string node_name;
  std::string restart_policy;  // Always / OnFailure / Never
  std::vector<Container> containers;
  std::vector<Container> init_containers;

  PodPhase phase = PodPhase::kUnknown;
  std::optional<Time> start_time;
  std::vector<PodCondition> conditions;

  const PodCondition* Condition(std::string_view type) const;
  // Ready condition is True.
  bool IsReady() const;
  // The controller owner, if any.
  const OwnerReference* ControllerRef() const;
};

common::Result<Pod> DecodePod(const rapidjson::Value& object);

}  // namespace kube
