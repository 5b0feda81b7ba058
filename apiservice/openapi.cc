#include "apiservice/openapi.h"

#include <cstdint>
#include <cstdio>

#include "apiservice/json_sink.h"

namespace apiservice {

namespace {

enum class Dialect { kV2, kV3 };

std::string Rewrite(std::string schema, Dialect dialect) {
  if (dialect == Dialect::kV2) return schema;
  static constexpr std::string_view kFrom = "#/definitions/";
  static constexpr std::string_view kTo = "#/components/schemas/";
  for (std::size_t pos = schema.find(kFrom); pos != std::string::npos; pos = schema.find(kFrom, pos + kTo.size())) {
    schema.replace(pos, kFrom.size(), kTo);
  }
  return schema;
}

void WriteOperation(JsonWriter& w, const std::string& operation_id, const std::string& schema_ref,
                    const GroupVersionInfo& gv, const ResourceInfo& r, bool namespaced_path, bool named,
                    Dialect dialect) {
  w.StartObject();
  Key(w, "get");
  w.StartObject();
  Key(w, "operationId");
  Str(w, operation_id);
  Key(w, "tags");
  w.StartArray();
  Str(w, gv.group + "_" + gv.version);
  w.EndArray();
  Key(w, "parameters");
  w.StartArray();
  auto path_param = [&](std::string_view name) {
    w.StartObject();
    Key(w, "name");
    Str(w, name);
    Key(w, "in");
    Str(w, "path");
    Key(w, "required");
    w.Bool(true);
    if (dialect == Dialect::kV2) {
      Key(w, "type");
      Str(w, "string");
    } else {
      Key(w, "schema");
      w.StartObject();
      Key(w, "type");
      Str(w, "string");
      w.EndObject();
    }
    w.EndObject();
  };
  auto query_param = [&](std::string_view name) {
    w.StartObject();
    Key(w, "name");
    Str(w, name);
    Key(w, "in");
    Str(w, "query");
    if (dialect == Dialect::kV2) {
      Key(w, "type");
      Str(w, "string");
    } else {
      Key(w, "schema");
      w.StartObject();
      Key(w, "type");
      Str(w, "string");
      w.EndObject();
    }
    w.EndObject();
  };
  if (namespaced_path) path_param("namespace");
  if (named) {
    path_param("name");
  } else {
    query_param("labelSelector");
    query_param("fieldSelector");
  }
  w.EndArray();
  Key(w, "responses");
  w.StartObject();
  Key(w, "200");
  w.StartObject();
  Key(w, "description");
  Str(w, "OK");
  const std::string ref = (dialect == Dialect::kV2 ? "#/definitions/" : "#/components/schemas/") + schema_ref;
  auto write_ref = [&] {
    w.StartObject();
    Key(w, "$ref");
    Str(w, ref);
    w.EndObject();
  };
  if (dialect == Dialect::kV2) {
    Key(w, "schema");
    write_ref();
  } else {
    Key(w, "content");
    w.StartObject();
    for (std::string_view type : {"application/json", "application/vnd.kubernetes.protobuf"}) {
      Key(w, type);
      w.StartObject();
      Key(w, "schema");
      write_ref();
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  Key(w, "x-kubernetes-action");
  Str(w, named ? "get" : "list");
  Key(w, "x-kubernetes-group-version-kind");
  w.StartObject();
  Key(w, "group");
  Str(w, gv.group);
  Key(w, "version");
  Str(w, gv.version);
  Key(w, "kind");
  Str(w, r.kind);
  w.EndObject();
  w.EndObject();
  w.EndObject();
}

void WritePaths(JsonWriter& w, const OpenApiModel& model, const GroupVersionInfo* only, Dialect dialect) {
  Key(w, "paths");
  w.StartObject();
  for (const GroupVersionInfo& gv : model.groups) {
    if (only != nullptr && &gv != only) continue;
    const std::string base = "/apis/" + gv.GroupVersion();
    for (const ResourceInfo& r : gv.resources) {
      const std::string item = model.definition_prefix + r.kind;
      const std::string list = item + "List";
      std::string suffix = r.kind;
      Key(w, base + "/" + r.name);
      WriteOperation(w, "list" + suffix + (r.namespaced ? "ForAllNamespaces" : ""), list, gv, r, false, false,
                     dialect);
      if (r.namespaced) {
        Key(w, base + "/namespaces/{namespace}/" + r.name);
        WriteOperation(w, "listNamespaced" + suffix, list, gv, r, true, false, dialect);
        Key(w, base + "/namespaces/{namespace}/" + r.name + "/{name}");
        WriteOperation(w, "readNamespaced" + suffix, item, gv, r, true, true, dialect);
      } else {
        Key(w, base + "/" + r.name + "/{name}");
        WriteOperation(w, "read" + suffix, item, gv, r, false, true, dialect);
      }
    }
  }
  w.EndObject();
}

void WriteInfo(JsonWriter& w, const OpenApiModel& model) {
  Key(w, "info");
  w.StartObject();
  Key(w, "title");
  Str(w, model.title);
  Key(w, "version");
  Str(w, model.version);
  w.EndObject();
}

void WriteSchemas(JsonWriter& w, const OpenApiModel& model, Dialect dialect) {
  w.StartObject();
  for (const auto& [name, schema] : model.schemas) {
    Key(w, name);
    const std::string text = Rewrite(schema, dialect);
    w.RawValue(text.data(), text.size(), rapidjson::kObjectType);
  }
  w.EndObject();
}

const GroupVersionInfo* FindGroupVersion(const OpenApiModel& model, std::string_view path) {
  for (const GroupVersionInfo& gv : model.groups) {
    if (path == "apis/" + gv.GroupVersion()) return &gv;
  }
  return nullptr;
}

// A content hash for the v3 index's cache-busting query (clients cache documents by URL).
std::string Fingerprint(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llX", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::string OpenApiV2Json(const OpenApiModel& model) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "swagger");
  Str(w, "2.0");
  WriteInfo(w, model);
  WritePaths(w, model, nullptr, Dialect::kV2);
  Key(w, "definitions");
  WriteSchemas(w, model, Dialect::kV2);
  w.EndObject();
  return json.Take();
}

std::string OpenApiV3GroupVersionJson(const OpenApiModel& model, std::string_view group_version_path) {
  const GroupVersionInfo* gv = FindGroupVersion(model, group_version_path);
  if (gv == nullptr) return {};
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "openapi");
  Str(w, "3.0.0");
  WriteInfo(w, model);
  WritePaths(w, model, gv, Dialect::kV3);
  Key(w, "components");
  w.StartObject();
  Key(w, "schemas");
  WriteSchemas(w, model, Dialect::kV3);
  w.EndObject();
  w.EndObject();
  return json.Take();
}

std::string OpenApiV3IndexJson(const OpenApiModel& model) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "paths");
  w.StartObject();
  for (const GroupVersionInfo& gv : model.groups) {
    const std::string path = "apis/" + gv.GroupVersion();
    Key(w, path);
    w.StartObject();
    Key(w, "serverRelativeURL");
    Str(w, "/openapi/v3/" + path + "?hash=" + Fingerprint(OpenApiV3GroupVersionJson(model, path)));
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return json.Take();
}

}  // namespace apiservice
