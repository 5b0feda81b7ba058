#include "kube/objects/node.h"

namespace kube {

std::optional<std::string_view> Node::Address(std::string_view type) const {
  for (const NodeAddress& a : addresses) {
    if (a.type == type) return std::string_view(a.address);
  }
  return std::nullopt;
}

common::Result<Node> DecodeNode(const rapidjson::Value& object) {
  if (!object.IsObject()) return common::Error::Make(common::ErrorCode::kInvalidArgument, "node is not an object");
  Node node;
  auto metadata = decode::Object(object, "metadata");
  if (!metadata.ok()) return metadata.error();
  if (*metadata != nullptr) {
    auto name = decode::String(**metadata, "name");
    if (!name.ok()) return name.error();
    node.name = std::move(name.value());
    auto labels = decode::StringMap(**metadata, "labels");
    if (!labels.ok()) return labels.error();
    node.labels = std::move(labels.value());
    auto created = decode::OptionalTime(**metadata, "creationTimestamp");
    if (!created.ok()) return created.error();
    node.creation_timestamp = *created;
  }
  if (node.name.empty()) return common::Error::Make(common::ErrorCode::kInvalidArgument, "node has no name");

  auto status = decode::Object(object, "status");
  if (!status.ok()) return status.error();
  if (*status == nullptr) return node;

  auto addresses = decode::Array(**status, "addresses");
  if (!addresses.ok()) return addresses.error();
  if (*addresses != nullptr) {
    for (const rapidjson::Value& entry : (*addresses)->GetArray()) {
      auto type = decode::String(entry, "type");
      auto address = decode::String(entry, "address");
      if (!type.ok()) return type.error();
      if (!address.ok()) return address.error();
      node.addresses.push_back({std::move(type.value()), std::move(address.value())});
    }
  }

  auto endpoints = decode::Object(**status, "daemonEndpoints");
  if (!endpoints.ok()) return endpoints.error();
  if (*endpoints != nullptr) {
    auto kubelet = decode::Object(**endpoints, "kubeletEndpoint");
    if (!kubelet.ok()) return kubelet.error();
    if (*kubelet != nullptr) {
      auto port = (*kubelet)->FindMember("Port");  // the one capitalised field in the Node API
      if (port != (*kubelet)->MemberEnd()) {
        if (!port->value.IsInt() || port->value.GetInt() < 0 || port->value.GetInt() > 65535) {
          return common::Error::Make(common::ErrorCode::kInvalidArgument, "kubeletEndpoint.Port out of range");
        }
        node.kubelet_port = port->value.GetInt();
      }
    }
  }

  auto conditions = decode::Array(**status, "conditions");
  if (!conditions.ok()) return conditions.error();
  if (*conditions != nullptr) {
    for (const rapidjson::Value& condition : (*conditions)->GetArray()) {
      auto type = decode::String(condition, "type");
      if (!type.ok()) return type.error();
      if (*type != "Ready") continue;
      auto value = decode::String(condition, "status");
      if (!value.ok()) return value.error();
      node.ready = ParseConditionStatus(*value);
    }
  }
  return node;
}

}  // namespace kube
