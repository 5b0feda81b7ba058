#pragma once
// The parts of a v1 Node that metrics-server and the sandbox need.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/objects/common.h"
#include "kube/objects/time.h"

namespace kube {

struct NodeAddress {
  std::string type;  // Hostname, InternalIP, ExternalIP, InternalDNS, ExternalDNS
  std::string address;
};

struct Node {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<NodeAddress> addresses;  // in the order the kubelet reported them
  int32_t kubelet_port = 0;            // status.daemonEndpoints.kubeletEndpoint.Port; 0 when unknown
  ConditionStatus ready = ConditionStatus::kUnknown;
  std::optional<Time> creation_timestamp;

  // The first address of this type.
  std::optional<std::string_view> Address(std::string_view type) const;
};

common::Result<Node> DecodeNode(const rapidjson::Value& object);

}  // namespace kube
