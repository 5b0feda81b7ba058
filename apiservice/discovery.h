#pragma once
// API discovery documents generated from a small description of the served groups: the legacy documents
// (APIGroupList at /apis, APIGroup at /apis/GROUP, APIResourceList at /apis/GROUP/VERSION) and aggregated
// discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList at /apis), which kube-apiserver's aggregator fetches
// from every APIService and kubectl reads first.

#include <string>
#include <string_view>
#include <vector>

namespace apiservice {

struct ResourceInfo {
  std::string name;                  // plural, "pods"
  std::string kind;                  // "PodMetrics"
  bool namespaced = false;
  std::vector<std::string> verbs;    // {"get", "list"}
  std::string singular_name;         // aggregated discovery's singularResource, "podmetrics"
  std::string legacy_singular_name;  // APIResourceList's singularName (metrics-server leaves it empty)
  std::vector<std::string> short_names;
};

struct GroupVersionInfo {
  std::string group;    // "metrics.k8s.io"
  std::string version;  // "v1beta1"
  std::vector<ResourceInfo> resources;

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
};

// All served group versions; for each group the first listed version is the preferred one.
using DiscoveryModel = std::vector<GroupVersionInfo>;

std::string ApiGroupListJson(const DiscoveryModel& model);
// Empty string when the group is not served.
std::string ApiGroupJson(const DiscoveryModel& model, std::string_view group);
std::string ApiResourceListJson(const GroupVersionInfo& group_version);
// `version` is "v2" or "v2beta1" (the documents are identical apart from apiVersion).
std::string AggregatedDiscoveryJson(const DiscoveryModel& model, std::string_view version);

}  // namespace apiservice
