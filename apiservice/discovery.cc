#include "apiservice/discovery.h"

#include "apiservice/json_sink.h"

namespace apiservice {

namespace {

std::vector<std::string> GroupNames(const DiscoveryModel& model) {
  std::vector<std::string> names;
  for (const GroupVersionInfo& gv : model) {
    bool seen = false;
    for (const std::string& n : names) seen = seen || n == gv.group;
    if (!seen) names.push_back(gv.group);
  }
  return names;
}

void WriteGroupVersionForDiscovery(JsonWriter& w, const GroupVersionInfo& gv) {
  w.StartObject();
  Key(w, "groupVersion");
  Str(w, gv.GroupVersion());
  Key(w, "version");
  Str(w, gv.version);
  w.EndObject();
}

// The body of an APIGroup object, without the braces (shared by APIGroup and APIGroupList items).
void WriteGroupFields(JsonWriter& w, const DiscoveryModel& model, std::string_view group) {
  Key(w, "name");
  Str(w, group);
  Key(w, "versions");
  w.StartArray();
  const GroupVersionInfo* preferred = nullptr;
  for (const GroupVersionInfo& gv : model) {
    if (gv.group != group) continue;
    if (preferred == nullptr) preferred = &gv;
    WriteGroupVersionForDiscovery(w, gv);
  }
  w.EndArray();
  if (preferred != nullptr) {
    Key(w, "preferredVersion");
    WriteGroupVersionForDiscovery(w, *preferred);
  }
}

void WriteStrings(JsonWriter& w, const std::vector<std::string>& values) {
  w.StartArray();
  for (const std::string& v : values) Str(w, v);
  w.EndArray();
}

}  // namespace

std::string ApiGroupListJson(const DiscoveryModel& model) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "kind");
  Str(w, "APIGroupList");
  Key(w, "apiVersion");
  Str(w, "v1");
  Key(w, "groups");
  w.StartArray();
  for (const std::string& group : GroupNames(model)) {
    w.StartObject();
    WriteGroupFields(w, model, group);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json.Take();
}

std::string ApiGroupJson(const DiscoveryModel& model, std::string_view group) {
  bool served = false;
  for (const GroupVersionInfo& gv : model) served = served || gv.group == group;
  if (!served) return {};
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "kind");
  Str(w, "APIGroup");
  Key(w, "apiVersion");
  Str(w, "v1");
  WriteGroupFields(w, model, group);
  w.EndObject();
  return json.Take();
}

std::string ApiResourceListJson(const GroupVersionInfo& gv) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "kind");
  Str(w, "APIResourceList");
  Key(w, "apiVersion");
  Str(w, "v1");
  Key(w, "groupVersion");
  Str(w, gv.GroupVersion());
  Key(w, "resources");
  w.StartArray();
  for (const ResourceInfo& r : gv.resources) {
    w.StartObject();
    Key(w, "name");
    Str(w, r.name);
    Key(w, "singularName");
    Str(w, r.legacy_singular_name);
    Key(w, "namespaced");
    w.Bool(r.namespaced);
    Key(w, "kind");
    Str(w, r.kind);
    Key(w, "verbs");
    WriteStrings(w, r.verbs);
    if (!r.short_names.empty()) {
      Key(w, "shortNames");
      WriteStrings(w, r.short_names);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json.Take();
}

std::string AggregatedDiscoveryJson(const DiscoveryModel& model, std::string_view version) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "kind");
  Str(w, "APIGroupDiscoveryList");
  Key(w, "apiVersion");
  Str(w, "apidiscovery.k8s.io/" + std::string(version));
  Key(w, "metadata");
  w.StartObject();
  w.EndObject();
  Key(w, "items");
  w.StartArray();
  for (const std::string& group : GroupNames(model)) {
    w.StartObject();
    Key(w, "metadata");
    w.StartObject();
    Key(w, "name");
    Str(w, group);
    Key(w, "creationTimestamp");
    w.Null();
    w.EndObject();
    Key(w, "versions");
    w.StartArray();
    for (const GroupVersionInfo& gv : model) {
      if (gv.group != group) continue;
      w.StartObject();
      Key(w, "version");
      Str(w, gv.version);
      Key(w, "resources");
      w.StartArray();
      for (const ResourceInfo& r : gv.resources) {
        w.StartObject();
        Key(w, "resource");
        Str(w, r.name);
        Key(w, "responseKind");
        w.StartObject();
        Key(w, "group");
        Str(w, gv.group);
        Key(w, "version");
        Str(w, gv.version);
        Key(w, "kind");
        Str(w, r.kind);
        w.EndObject();
        Key(w, "scope");
        Str(w, r.namespaced ? "Namespaced" : "Cluster");
        Key(w, "singularResource");
        Str(w, r.singular_name);
        Key(w, "verbs");
        WriteStrings(w, r.verbs);
        if (!r.short_names.empty()) {
          Key(w, "shortNames");
          WriteStrings(w, r.short_names);
        }
        w.EndObject();
      }
      w.EndArray();
      Key(w, "freshness");
      Str(w, "Current");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return json.Take();
}

}  // namespace apiservice
