#include "autoscaler/controller/scale_client.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kube/client/object_meta.h"

namespace autoscaler {

using common::Error;
using common::ErrorCode;

common::Status RestMapper::Refresh(const std::string& api_version) {
  const std::string path = api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
  auto doc = client_.GetJson(path);
  if (!doc.ok()) return doc.error();
  const rapidjson::Value* resources = kube::ArrayMember(*doc, "resources");
  if (resources == nullptr) return Error::Make(ErrorCode::kInternal, "discovery " + path + " has no resources");
  std::map<std::string, bool> scale_subresources;
  std::map<std::string, std::string> kinds;  // resource -> kind
  for (const auto& r : resources->GetArray()) {
    std::string name(kube::StringMember(r, "name").value_or(""));
    const auto slash = name.find('/');
    if (slash != std::string::npos) {
      if (name.substr(slash + 1) == "scale") scale_subresources[name.substr(0, slash)] = true;
      continue;
    }
    kinds[name] = std::string(kube::StringMember(r, "kind").value_or(""));
  }
  std::lock_guard lock(mu_);
  for (const auto& [resource, kind] : kinds) {
    mappings_[{api_version, kind}] = Mapping{resource, scale_subresources.count(resource) > 0};
  }
  return common::Status::Ok();
}

common::Result<std::string> RestMapper::ScalableCollectionPath(const std::string& namespace_name,
                                                               const std::string& api_version,
                                                               const std::string& kind) {
  auto mapping = Lookup(api_version, kind);
  if (!mapping.ok()) return mapping.error();
  if (!mapping->has_scale) {
    // Upstream's scale client would GET .../<name>/scale and get the API server's 404 text.
    return Error::Make(ErrorCode::kInvalidArgument, "the server could not find the requested resource");
  }
  const std::string prefix = api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
  return fmt::format("{}/namespaces/{}/{}", prefix, namespace_name, mapping->resource);
}

common::Result<std::string> RestMapper::ResourceFor(const std::string& api_version, const std::string& kind) {
  auto mapping = Lookup(api_version, kind);
  if (!mapping.ok()) return mapping.error();
  return mapping->resource;
}

common::Result<RestMapper::Mapping> RestMapper::Lookup(const std::string& api_version, const std::string& kind) {
  auto lookup = [&]() -> std::optional<Mapping> {
    std::lock_guard lock(mu_);
    auto it = mappings_.find({api_version, kind});
    if (it == mappings_.end()) return std::nullopt;
    return it->second;
  };
  std::optional<Mapping> mapping = lookup();
  if (!mapping) {
    // Unknown (or new CRD): ask discovery once per miss. A group/version the server does not serve is a miss too.
    if (auto refreshed = Refresh(api_version); !refreshed.ok() && refreshed.error().code != ErrorCode::kNotFound) {
      return refreshed.error();
    }
    mapping = lookup();
  }
  if (!mapping) {
    // Upstream asks its RESTMapper for the group and kind (any version), so meta.NoKindMatchError names the group.
    const auto slash = api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    return Error::Make(ErrorCode::kNotFound, fmt::format("no matches for kind \"{}\" in group \"{}\"", kind, group));
  }
  return *mapping;
}

common::Result<ScaleTarget> DecodeScale(std::string_view json) {
  auto doc = kube::ParseJson(json);
  if (!doc.ok()) return doc.error();
  ScaleTarget target;
  if (const rapidjson::Value* metadata = kube::ObjectMember(*doc, "metadata")) {
    target.resource_version = std::string(kube::StringMember(*metadata, "resourceVersion").value_or(""));
  }
  if (const rapidjson::Value* spec = kube::ObjectMember(*doc, "spec")) {
    if (auto it = spec->FindMember("replicas"); it != spec->MemberEnd() && it->value.IsInt()) {
      target.view.spec_replicas = it->value.GetInt();
    }
  }
  if (const rapidjson::Value* status = kube::ObjectMember(*doc, "status")) {
    if (auto it = status->FindMember("replicas"); it != status->MemberEnd() && it->value.IsInt()) {
      target.view.status_replicas = it->value.GetInt();
    }
    target.view.selector = std::string(kube::StringMember(*status, "selector").value_or(""));
  }
  return target;
}

common::Result<std::string> ApiScaleClient::ScalePath(const std::string& namespace_name,
                                                      const hpa::CrossVersionObjectReference& ref) {
  auto collection = mapper_.ScalableCollectionPath(namespace_name, ref.api_version, ref.kind);
  if (!collection.ok()) return collection.error();
  return *collection + "/" + ref.name + "/scale";
}

common::Result<ScaleTarget> ApiScaleClient::Get(const std::string& namespace_name,
                                                const hpa::CrossVersionObjectReference& ref) {
  auto path = ScalePath(namespace_name, ref);
  if (!path.ok()) return path.error();
  auto body = client_.Get(*path);
  if (!body.ok()) return body.error();
  auto target = DecodeScale(*body);
  if (target.ok()) target->path = *path;
  return target;
}

common::Status ApiScaleClient::Update(const std::string& namespace_name, const hpa::CrossVersionObjectReference& ref,
                                      int32_t replicas) {
  constexpr int kAttempts = 3;
  common::Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto current = Get(namespace_name, ref);
    if (!current.ok()) return current.error();
    const std::string body = fmt::format(
        R"({{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{{"name":"{}","namespace":"{}","resourceVersion":"{}"}},"spec":{{"replicas":{}}}}})",
        ref.name, namespace_name, current->resource_version, replicas);
    auto updated = client_.Update(current->path, body);
    if (updated.ok()) return common::Status::Ok();
    last = updated.error();
    if (updated.error().code != ErrorCode::kConflict) return last;
  }
  return last;
}

}  // namespace autoscaler
