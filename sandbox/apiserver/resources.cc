#include "sandbox/apiserver/resources.h"

#include <algorithm>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kSubVerbs = {"get", "patch", "update"};

void Str(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void StrArray(Writer& w, const std::vector<std::string>& values) {
  w.StartArray();
  for (const auto& v : values) Str(w, v);
  w.EndArray();
}

SubresourceInfo Scale() { return SubresourceInfo{"scale", "autoscaling", "v1", "Scale", kSubVerbs}; }
SubresourceInfo Status(const std::string& group, const std::string& version, const std::string& kind) {
  return SubresourceInfo{"status", group, version, kind, kSubVerbs};
}

ResourceInfo Make(std::string group, std::string version, std::string resource, std::string kind,
                  std::string singular, bool namespaced, std::vector<std::string> short_names = {},
                  std::vector<std::string> categories = {}) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = std::move(version);
  r.resource = std::move(resource);
  r.kind = std::move(kind);
  r.singular = std::move(singular);
  r.namespaced = namespaced;
  r.verbs = kAllVerbs;
  r.short_names = std::move(short_names);
  r.categories = std::move(categories);
  r.storage = ResourceKey{r.group, r.version, r.resource};
  return r;
}

std::string GroupVersion(std::string_view group, std::string_view version) {
  return group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
}

void WriteGroupVersionEntry(Writer& w, std::string_view group, std::string_view version) {
  w.StartObject();
  w.Key("groupVersion");
  Str(w, GroupVersion(group, version));
  w.Key("version");
  Str(w, version);
  w.EndObject();
}

void WriteApiGroup(Writer& w, std::string_view group, const std::vector<std::string>& versions, bool with_type) {
  w.StartObject();
  if (with_type) {
    w.Key("kind");
    w.String("APIGroup");
    w.Key("apiVersion");
    w.String("v1");
  }
  w.Key("name");
  Str(w, group);
  w.Key("versions");
  w.StartArray();
  for (const auto& v : versions) WriteGroupVersionEntry(w, group, v);
  w.EndArray();
  w.Key("preferredVersion");
  WriteGroupVersionEntry(w, group, versions.front());
  w.EndObject();
}

void WriteResponseKind(Writer& w, std::string_view group, std::string_view version, std::string_view kind) {
  w.Key("responseKind");
  w.StartObject();
  w.Key("group");
  Str(w, group);
  w.Key("version");
  Str(w, version);
  w.Key("kind");
  Str(w, kind);
  w.EndObject();
}

void WriteAggregatedResource(Writer& w, const ResourceInfo& r) {
  w.StartObject();
  w.Key("resource");
  Str(w, r.resource);
  WriteResponseKind(w, r.group, r.version, r.kind);
  w.Key("scope");
  w.String(r.namespaced ? "Namespaced" : "Cluster");
  w.Key("singularResource");
  Str(w, r.singular);
  w.Key("verbs");
  StrArray(w, r.verbs);
  if (!r.short_names.empty()) {
    w.Key("shortNames");
    StrArray(w, r.short_names);
  }
  if (!r.categories.empty()) {
    w.Key("categories");
    StrArray(w, r.categories);
  }
  if (!r.subresources.empty()) {
    w.Key("subresources");
    w.StartArray();
    for (const auto& s : r.subresources) {
      w.StartObject();
      w.Key("subresource");
      Str(w, s.name);
      WriteResponseKind(w, s.group, s.version, s.kind);
      w.Key("verbs");
      StrArray(w, s.verbs);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

// Converts a legacy APIResourceList "resources" array (from an aggregated server) to aggregated v2 resources.
void WriteAggregatedFromLegacy(Writer& w, std::string_view group, std::string_view version,
                               const std::string& resources_json) {
  w.Key("resources");
  w.StartArray();
  auto doc = json::Parse(resources_json);
  if (doc.ok() && doc->IsArray()) {
    // Subresources are listed as "parent/sub" entries in the legacy format.
    for (const auto& entry : doc->GetArray()) {
      std::string name = json::GetString(entry, {"name"});
      if (name.empty() || name.find('/') != std::string::npos) continue;
      w.StartObject();
      w.Key("resource");
      Str(w, name);
      std::string kind = json::GetString(entry, {"kind"});
      WriteResponseKind(w, json::GetString(entry, {"group"}, std::string(group)),
                        json::GetString(entry, {"version"}, std::string(version)), kind);
      const rapidjson::Value* namespaced = json::Find(entry, {"namespaced"});
      w.Key("scope");
      w.String(namespaced != nullptr && namespaced->IsTrue() ? "Namespaced" : "Cluster");
      std::string singular = json::GetString(entry, {"singularName"});
      if (singular.empty()) {
        // Upstream falls back to the lower-cased kind when the backend does not say.
        singular = kind;
        std::transform(singular.begin(), singular.end(), singular.begin(), ::tolower);
      }
      w.Key("singularResource");
      Str(w, singular);
      for (const char* list : {"verbs", "shortNames", "categories"}) {
        const rapidjson::Value* v = json::Find(entry, {list});
        if (v == nullptr || !v->IsArray() || (v->Empty() && std::string_view(list) != "verbs")) continue;
        w.Key(list);
        v->Accept(w);
      }
      bool wrote_subresources = false;
      for (const auto& sub : doc->GetArray()) {
        std::string sub_name = json::GetString(sub, {"name"});
        if (sub_name.rfind(name + "/", 0) != 0) continue;
        if (!wrote_subresources) {
          w.Key("subresources");
          w.StartArray();
          wrote_subresources = true;
        }
        w.StartObject();
        w.Key("subresource");
        Str(w, sub_name.substr(name.size() + 1));
        WriteResponseKind(w, json::GetString(sub, {"group"}, std::string(group)),
                          json::GetString(sub, {"version"}, std::string(version)), json::GetString(sub, {"kind"}));
        w.Key("verbs");
        if (const rapidjson::Value* v = json::Find(sub, {"verbs"}); v != nullptr && v->IsArray()) {
          v->Accept(w);
        } else {
          w.StartArray();
          w.EndArray();
        }
        w.EndObject();
      }
      if (wrote_subresources) w.EndArray();
      w.EndObject();
    }
  }
  w.EndArray();
}

std::string Done(rapidjson::StringBuffer& buffer) { return std::string(buffer.GetString(), buffer.GetSize()); }

}  // namespace

bool ResourceInfo::HasSubresource(std::string_view name) const {
  return std::any_of(subresources.begin(), subresources.end(), [&](const auto& s) { return s.name == name; });
}

bool ResourceInfo::HasVerb(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

ResourceRegistry::ResourceRegistry() {
  auto add = [this](ResourceInfo r) { resources_.push_back(std::move(r)); };

  // core/v1
  {
    auto ns = Make("", "v1", "namespaces", "Namespace", "namespace", false, {"ns"});
    ns.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
    ns.subresources = {Status("", "v1", "Namespace")};
    add(ns);
    auto nodes = Make("", "v1", "nodes", "Node", "node", false, {"no"});
    nodes.subresources = {Status("", "v1", "Node")};
    add(nodes);
    auto pods = Make("", "v1", "pods", "Pod", "pod", true, {"po"}, {"all"});
    pods.subresources = {Status("", "v1", "Pod")};
    add(pods);
    add(Make("", "v1", "events", "Event", "event", true, {"ev"}));
    add(Make("", "v1", "configmaps", "ConfigMap", "configmap", true, {"cm"}));
    auto rc = Make("", "v1", "replicationcontrollers", "ReplicationController", "replicationcontroller", true, {"rc"},
                   {"all"});
    rc.subresources = {Scale(), Status("", "v1", "ReplicationController")};
    add(rc);
  }
  // apiregistration.k8s.io/v1
  {
    auto api = Make("apiregistration.k8s.io", "v1", "apiservices", "APIService", "apiservice", false, {},
                    {"api-extensions"});
    api.subresources = {Status("apiregistration.k8s.io", "v1", "APIService")};
    add(api);
  }
  // apps/v1
  for (auto [resource, kind, singular, short_name] :
       {std::tuple{"deployments", "Deployment", "deployment", "deploy"},
        std::tuple{"replicasets", "ReplicaSet", "replicaset", "rs"},
        std::tuple{"statefulsets", "StatefulSet", "statefulset", "sts"}}) {
    auto r = Make("apps", "v1", resource, kind, singular, true, {short_name}, {"all"});
    r.subresources = {Scale(), Status("apps", "v1", kind)};
    add(r);
  }
  // authentication.k8s.io/v1, authorization.k8s.io/v1: create-only reviews.
  for (auto [group, resource, kind, singular] :
       {std::tuple{"authentication.k8s.io", "tokenreviews", "TokenReview", "tokenreview"},
        std::tuple{"authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", "subjectaccessreview"}}) {
    auto r = Make(group, "v1", resource, kind, singular, false);
    r.verbs = {"create"};
    r.persisted = false;
    add(r);
  }
  // autoscaling/v2 (preferred, storage) and autoscaling/v1.
  for (const char* version : {"v2", "v1"}) {
    auto hpa = Make("autoscaling", version, "horizontalpodautoscalers", "HorizontalPodAutoscaler",
                    "horizontalpodautoscaler", true, {"hpa"}, {"all"});
    hpa.subresources = {Status("autoscaling", version, "HorizontalPodAutoscaler")};
    hpa.storage = ResourceKey{"autoscaling", "v2", "horizontalpodautoscalers"};
    add(hpa);
  }
  // coordination.k8s.io/v1
  add(Make("coordination.k8s.io", "v1", "leases", "Lease", "lease", true));
}

const ResourceInfo* ResourceRegistry::Find(std::string_view group, std::string_view version,
                                           std::string_view resource) const {
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.resource == resource) return &r;
  }
  return nullptr;
}

bool ResourceRegistry::ServesGroupVersion(std::string_view group, std::string_view version) const {
  return std::any_of(resources_.begin(), resources_.end(),
                     [&](const ResourceInfo& r) { return r.group == group && r.version == version; });
}

std::vector<std::string> ResourceRegistry::GroupOrder() const {
  std::vector<std::string> groups;
  for (const auto& r : resources_) {
    if (!r.group.empty() && std::find(groups.begin(), groups.end(), r.group) == groups.end()) {
      groups.push_back(r.group);
    }
  }
  return groups;
}

std::vector<std::string> ResourceRegistry::VersionsOf(std::string_view group) const {
  std::vector<std::string> versions;
  for (const auto& r : resources_) {
    if (r.group == group && std::find(versions.begin(), versions.end(), r.version) == versions.end()) {
      versions.push_back(r.version);
    }
  }
  return versions;
}

std::string ResourceRegistry::LegacyApiVersions(std::string_view server_address) const {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("kind");
  w.String("APIVersions");
  w.Key("versions");
  StrArray(w, {"v1"});
  w.Key("serverAddressByClientCIDRs");
  w.StartArray();
  w.StartObject();
  w.Key("clientCIDR");
  w.String("0.0.0.0/0");
  w.Key("serverAddress");
  Str(w, server_address);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

namespace {

// Groups of APIServices, merged by group name, in first-seen order.
std::vector<std::pair<std::string, std::vector<const AggregatedGroupVersion*>>> GroupAggregated(
    const std::vector<AggregatedGroupVersion>& aggregated) {
  std::vector<std::pair<std::string, std::vector<const AggregatedGroupVersion*>>> out;
  for (const auto& gv : aggregated) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == gv.group; });
    if (it == out.end()) {
      out.push_back({gv.group, {&gv}});
    } else {
      it->second.push_back(&gv);
    }
  }
  return out;
}

}  // namespace

std::string ResourceRegistry::LegacyApiGroupList(const std::vector<AggregatedGroupVersion>& aggregated) const {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("kind");
  w.String("APIGroupList");
  w.Key("apiVersion");
  w.String("v1");
  w.Key("groups");
  w.StartArray();
  std::vector<std::string> builtin = GroupOrder();
  for (const auto& group : builtin) WriteApiGroup(w, group, VersionsOf(group), false);
  for (const auto& [group, gvs] : GroupAggregated(aggregated)) {
    if (std::find(builtin.begin(), builtin.end(), group) != builtin.end()) continue;
    std::vector<std::string> versions;
    for (const auto* gv : gvs) versions.push_back(gv->version);
    WriteApiGroup(w, group, versions, false);
  }
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

std::optional<std::string> ResourceRegistry::LegacyApiGroup(
    std::string_view group, const std::vector<AggregatedGroupVersion>& aggregated) const {
  std::vector<std::string> versions = VersionsOf(group);
  if (versions.empty()) {
    for (const auto& gv : aggregated) {
      if (gv.group == group) versions.push_back(gv.version);
    }
  }
  if (versions.empty()) return std::nullopt;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteApiGroup(w, group, versions, true);
  return Done(buffer);
}

std::optional<std::string> ResourceRegistry::ApiResourceList(std::string_view group, std::string_view version) const {
  if (!ServesGroupVersion(group, version)) return std::nullopt;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("kind");
  w.String("APIResourceList");
  w.Key("apiVersion");
  w.String("v1");
  w.Key("groupVersion");
  Str(w, GroupVersion(group, version));
  w.Key("resources");
  w.StartArray();
  for (const auto& r : resources_) {
    if (r.group != group || r.version != version) continue;
    w.StartObject();
    w.Key("name");
    Str(w, r.resource);
    w.Key("singularName");
    Str(w, r.singular);
    w.Key("namespaced");
    w.Bool(r.namespaced);
    w.Key("kind");
    Str(w, r.kind);
    w.Key("verbs");
    StrArray(w, r.verbs);
    if (!r.short_names.empty()) {
      w.Key("shortNames");
      StrArray(w, r.short_names);
    }
    if (!r.categories.empty()) {
      w.Key("categories");
      StrArray(w, r.categories);
    }
    w.EndObject();
    for (const auto& s : r.subresources) {
      w.StartObject();
      w.Key("name");
      Str(w, r.resource + "/" + s.name);
      w.Key("singularName");
      w.String("");
      w.Key("namespaced");
      w.Bool(r.namespaced);
      if (s.group != r.group || s.version != r.version) {
        w.Key("group");
        Str(w, s.group);
        w.Key("version");
        Str(w, s.version);
      }
      w.Key("kind");
      Str(w, s.kind);
      w.Key("verbs");
      StrArray(w, s.verbs);
      w.EndObject();
    }
  }
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

namespace {

void StartDiscoveryList(Writer& w) {
  w.StartObject();
  w.Key("kind");
  w.String("APIGroupDiscoveryList");
  w.Key("apiVersion");
  w.String("apidiscovery.k8s.io/v2");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("items");
  w.StartArray();
}

void StartGroup(Writer& w, std::string_view group) {
  w.StartObject();
  w.Key("metadata");
  w.StartObject();
  w.Key("name");
  Str(w, group);
  w.Key("creationTimestamp");
  w.Null();
  w.EndObject();
  w.Key("versions");
  w.StartArray();
}

}  // namespace

std::string ResourceRegistry::AggregatedCore() const {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  StartDiscoveryList(w);
  StartGroup(w, "");
  w.StartObject();
  w.Key("version");
  w.String("v1");
  w.Key("resources");
  w.StartArray();
  for (const auto& r : resources_) {
    if (r.group.empty()) WriteAggregatedResource(w, r);
  }
  w.EndArray();
  w.Key("freshness");
  w.String("Current");
  w.EndObject();
  w.EndArray();  // versions
  w.EndObject();  // group
  w.EndArray();  // items
  w.EndObject();
  return Done(buffer);
}

std::string ResourceRegistry::AggregatedApis(const std::vector<AggregatedGroupVersion>& aggregated) const {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  StartDiscoveryList(w);
  std::vector<std::string> builtin = GroupOrder();
  for (const auto& group : builtin) {
    StartGroup(w, group);
    for (const auto& version : VersionsOf(group)) {
      w.StartObject();
      w.Key("version");
      Str(w, version);
      w.Key("resources");
      w.StartArray();
      for (const auto& r : resources_) {
        if (r.group == group && r.version == version) WriteAggregatedResource(w, r);
      }
      w.EndArray();
      w.Key("freshness");
      w.String("Current");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  for (const auto& [group, gvs] : GroupAggregated(aggregated)) {
    if (std::find(builtin.begin(), builtin.end(), group) != builtin.end()) continue;
    StartGroup(w, group);
    for (const auto* gv : gvs) {
      w.StartObject();
      w.Key("version");
      Str(w, gv->version);
      // Like kube-aggregator: an unreachable service is still listed, marked Stale, with whatever resources were
      // last discovered (kubectl then reports the group as unavailable).
      if (!gv->resources_json.empty()) {
        WriteAggregatedFromLegacy(w, group, gv->version, gv->resources_json);
      }
      w.Key("freshness");
      w.String(gv->available ? "Current" : "Stale");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

}  // namespace sandbox
