#pragma once
// Pieces shared by the typed object views: condition status, owner references, and JSON field readers that
// decoders use to stay lenient about absent fields and strict about malformed ones.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/objects/time.h"

namespace kube {

enum class ConditionStatus { kUnknown, kTrue, kFalse };
ConditionStatus ParseConditionStatus(std::string_view text);  // anything but "True"/"False" is kUnknown
const char* ConditionStatusName(ConditionStatus status);

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

namespace decode {

// A string member; "" when absent or null; error when present with another type.
common::Result<std::string> String(const rapidjson::Value& object, std::string_view name);
// An RFC 3339 member; nullopt when absent or null.
common::Result<std::optional<Time>> OptionalTime(const rapidjson::Value& object, std::string_view name);
// A string-to-string map member (labels, annotations); empty when absent.
common::Result<std::map<std::string, std::string>> StringMap(const rapidjson::Value& object, std::string_view name);
common::Result<std::vector<OwnerReference>> OwnerReferences(const rapidjson::Value& metadata);
// The member if present and non-null; error when present with the wrong JSON type.
common::Result<const rapidjson::Value*> Object(const rapidjson::Value& object, std::string_view name);
common::Result<const rapidjson::Value*> Array(const rapidjson::Value& object, std::string_view name);

}  // namespace decode
}  // namespace kube
