#pragma once
// Minimal but valid OpenAPI documents for an aggregated API server: /openapi/v2 (Swagger 2.0, which the aggregator
// merges into the cluster's spec), the /openapi/v3 index and one OpenAPI 3.0 document per group version. Paths are
// derived from the discovery model; schemas come from the API (raw JSON schema objects).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apiservice/discovery.h"

namespace apiservice {

struct OpenApiModel {
  std::string title;    // "Kubernetes metrics-server"
  std::string version;  // "v0.7.2"
  DiscoveryModel groups;
  // Schema name of a resource's object and list: definition_prefix + kind (+ "List").
  std::string definition_prefix;  // "io.k8s.metrics.pkg.apis.metrics.v1beta1."
  // name -> JSON schema object. References inside use "#/definitions/NAME"; the v3 writer rewrites them to
  // "#/components/schemas/NAME".
  std::vector<std::pair<std::string, std::string>> schemas;
};

std::string OpenApiV2Json(const OpenApiModel& model);
// {"paths": {"apis/GROUP/VERSION": {"serverRelativeURL": "/openapi/v3/apis/GROUP/VERSION?hash=..."}}}
std::string OpenApiV3IndexJson(const OpenApiModel& model);
// The document for "apis/GROUP/VERSION"; empty string when that group version is not served.
std::string OpenApiV3GroupVersionJson(const OpenApiModel& model, std::string_view group_version_path);

}  // namespace apiservice
