#include "kube/objects/common.h"

namespace kube {
namespace decode {
namespace {

common::Error Mistyped(std::string_view name, const char* expected) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument,
                             "field \"" + std::string(name) + "\" must be " + expected);
}

const rapidjson::Value* Find(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

}  // namespace

common::Result<std::string> String(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Find(object, name);
  if (value == nullptr) return std::string();
  if (!value->IsString()) return Mistyped(name, "a string");
  return std::string(value->GetString(), value->GetStringLength());
}

common::Result<std::optional<Time>> OptionalTime(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Find(object, name);
  if (value == nullptr) return std::optional<Time>();
  if (!value->IsString()) return Mistyped(name, "an RFC 3339 string");
  auto parsed = ParseRfc3339(std::string_view(value->GetString(), value->GetStringLength()));
  if (!parsed.ok()) return parsed.error();
  return std::optional<Time>(*parsed);
}

common::Result<std::map<std::string, std::string>> StringMap(const rapidjson::Value& object, std::string_view name) {
  std::map<std::string, std::string> out;
  const rapidjson::Value* value = Find(object, name);
  if (value == nullptr) return out;
  if (!value->IsObject()) return Mistyped(name, "an object");
  for (const auto& member : value->GetObject()) {
    if (!member.value.IsString()) return Mistyped(name, "a map of strings");
    out.emplace(std::string(member.name.GetString(), member.name.GetStringLength()),
                std::string(member.value.GetString(), member.value.GetStringLength()));
  }
  return out;
}

common::Result<const rapidjson::Value*> Object(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Find(object, name);
  if (value != nullptr && !value->IsObject()) return Mistyped(name, "an object");
  return value;
}

common::Result<const rapidjson::Value*> Array(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = Find(object, name);
  if (value != nullptr && !value->IsArray()) return Mistyped(name, "an array");
  return value;
}

common::Result<std::vector<OwnerReference>> OwnerReferences(const rapidjson::Value& metadata) {
  std::vector<OwnerReference> out;
  auto refs = Array(metadata, "ownerReferences");
  if (!refs.ok()) return refs.error();
  if (*refs == nullptr) return out;
  for (const rapidjson::Value& ref : (*refs)->GetArray()) {
    if (!ref.IsObject()) return Mistyped("ownerReferences", "a list of objects");
    OwnerReference owner;
    for (auto [field, target] : {std::pair{"apiVersion", &owner.api_version}, std::pair{"kind", &owner.kind},
                                 std::pair{"name", &owner.name}, std::pair{"uid", &owner.uid}}) {
      auto value = String(ref, field);
      if (!value.ok()) return value.error();
      *target = std::move(value.value());
    }
    if (auto it = ref.FindMember("controller"); it != ref.MemberEnd() && it->value.IsBool()) {
      owner.controller = it->value.GetBool();
    }
    out.push_back(std::move(owner));
  }
  return out;
}

}  // namespace decode

ConditionStatus ParseConditionStatus(std::string_view text) {
  if (text == "True") return ConditionStatus::kTrue;
  if (text == "False") return ConditionStatus::kFalse;
  return ConditionStatus::kUnknown;
}

const char* ConditionStatusName(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::kTrue:
      return "True";
    case ConditionStatus::kFalse:
      return "False";
    case ConditionStatus::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

}  // namespace kube
