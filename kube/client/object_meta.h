#pragma once
// The few metadata fields every cached object needs, read straight from JSON without decoding the object.

#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.h"

namespace kube {

struct ObjectMeta {
  std::string namespace_name;  // "" for cluster-scoped objects
  std::string name;
  std::string resource_version;
};

// Fails when metadata.name is missing: such an object cannot be cached.
common::Result<ObjectMeta> ParseObjectMeta(const rapidjson::Value& object);

// "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc).
std::string ObjectKey(std::string_view namespace_name, std::string_view name);

// metadata.labels[key] when present and a string.
std::optional<std::string> LabelValue(const rapidjson::Value& object, std::string_view key);

// Small helpers for decoders: a member as a string view / nested object, or nothing when absent or mistyped.
std::optional<std::string_view> StringMember(const rapidjson::Value& object, std::string_view name);
const rapidjson::Value* ObjectMember(const rapidjson::Value& object, std::string_view name);
const rapidjson::Value* ArrayMember(const rapidjson::Value& object, std::string_view name);

}  // namespace kube
