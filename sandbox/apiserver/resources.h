#pragma once
// The resource types the sandbox API server serves, and the discovery documents built from them (legacy
// APIVersions / APIGroupList / APIGroup / APIResourceList and aggregated discovery apidiscovery.k8s.io/v2), shaped
// like kube-apiserver v1.32's (see tests/golden/kubectl-traces/samples/).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/apiserver/object_store.h"

namespace sandbox {

struct SubresourceInfo {
  std::string name;  // "scale", "status"
  // The kind served by the subresource: autoscaling/v1 Scale for "scale", the parent kind for "status".
  std::string group;
  std::string version;
  std::string kind;
  std::vector<std::string> verbs;
};

struct ResourceInfo {
  std::string group;
  std::string version;
  std::string resource;  // plural: "deployments"
  std::string kind;      // "Deployment"
  std::string singular;  // "deployment"
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<SubresourceInfo> subresources;
  ResourceKey storage;     // where objects live; HPA v1 and v2 share autoscaling/v2 storage
  bool persisted = true;   // false for create-only review APIs (TokenReview, SubjectAccessReview)

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  bool HasSubresource(std::string_view name) const;
  bool HasVerb(std::string_view verb) const;
};

// A group version served by an aggregated API server (from an APIService), as discovery needs it.
struct AggregatedGroupVersion {
  std::string group;
  std::string version;
  bool available = false;
  // The backend's last APIResourceList "resources" array (JSON), empty when never fetched.
  std::string resources_json;
};

class ResourceRegistry {
 public:
  ResourceRegistry();

  const ResourceInfo* Find(std::string_view group, std::string_view version, std::string_view resource) const;
  // All versions of built-in groups, in discovery order (core first, then groups by name with preferred version
  // first).
  const std::vector<ResourceInfo>& resources() const { return resources_; }
  bool ServesGroupVersion(std::string_view group, std::string_view version) const;

  // Discovery documents. `aggregated` adds the groups of APIServices after the built-in ones.
  std::string LegacyApiVersions(std::string_view server_address) const;  // GET /api
  std::string LegacyApiGroupList(const std::vector<AggregatedGroupVersion>& aggregated) const;  // GET /apis
  // GET /apis/<group>; nullopt when the group is unknown.
  std::optional<std::string> LegacyApiGroup(std::string_view group,
                                            const std::vector<AggregatedGroupVersion>& aggregated) const;
  // GET /api/v1 or /apis/<group>/<version> for built-in groups; nullopt when unknown.
  std::optional<std::string> ApiResourceList(std::string_view group, std::string_view version) const;
  // Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) for /api (core) or /apis.
  std::string AggregatedCore() const;
  std::string AggregatedApis(const std::vector<AggregatedGroupVersion>& aggregated) const;

 private:
  std::vector<std::string> GroupOrder() const;
  std::vector<std::string> VersionsOf(std::string_view group) const;  // preferred first

  std::vector<ResourceInfo> resources_;
};

}  // namespace sandbox
