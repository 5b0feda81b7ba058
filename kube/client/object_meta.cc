#include "kube/client/object_meta.h"

namespace kube {
namespace {

const rapidjson::Value* Member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

std::optional<std::string_view> StringMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Member(object, name);
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return std::string_view(value->GetString(), value->GetStringLength());
}

const rapidjson::Value* ObjectMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Member(object, name);
  return value != nullptr && value->IsObject() ? value : nullptr;
}

const rapidjson::Value* ArrayMember(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Member(object, name);
  return value != nullptr && value->IsArray() ? value : nullptr;
}

common::Result<ObjectMeta> ParseObjectMeta(const rapidjson::Value& object) {
  const rapidjson::Value* metadata = ObjectMember(object, "metadata");
  if (metadata == nullptr) return common::Error::Make(common::ErrorCode::kInvalidArgument, "object has no metadata");
  ObjectMeta meta;
  auto name = StringMember(*metadata, "name");
  if (!name || name->empty()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument, "object has no metadata.name");
  }
  meta.name = std::string(*name);
  meta.namespace_name = std::string(StringMember(*metadata, "namespace").value_or(""));
  meta.resource_version = std::string(StringMember(*metadata, "resourceVersion").value_or(""));
  return meta;
}

std::string ObjectKey(std::string_view namespace_name, std::string_view name) {
  std::string key;
  if (namespace_name.empty()) return std::string(name);
  key.reserve(namespace_name.size() + 1 + name.size());
  key.append(namespace_name).push_back('/');
  key.append(name);
  return key;
}

std::optional<std::string> LabelValue(const rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value* metadata = ObjectMember(object, "metadata");
  if (metadata == nullptr) return std::nullopt;
  const rapidjson::Value* labels = ObjectMember(*metadata, "labels");
  if (labels == nullptr) return std::nullopt;
  auto value = StringMember(*labels, key);
  if (!value) return std::nullopt;
  return std::string(*value);
}

}  // namespace kube
