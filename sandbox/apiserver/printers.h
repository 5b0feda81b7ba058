#pragma once
// Server-side printing: meta.k8s.io/v1 Table responses (what `kubectl get` asks for), with the columns of
// upstream's printers (pkg/printers/internalversion) for the kinds the sandbox serves, and upstream's default
// "Name, Created At" columns for the rest.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace sandbox {

struct TableOptions {
  std::string resource_version;
  std::string continue_token;
  bool include_column_definitions = true;
  std::chrono::system_clock::time_point now;
};

// `resource` is the plural ("pods"); objects are in their served version.
std::string RenderTable(std::string_view group, std::string_view resource,
                        const std::vector<const rapidjson::Value*>& objects, const TableOptions& options);

// upstream's duration.HumanDuration ("5m", "2d3h", "45s").
std::string HumanDuration(std::chrono::seconds d);

// kubectl's Targets column of an autoscaling/v2 HPA, e.g. "cpu: 12%/50%".
std::string HpaTargets(const rapidjson::Value& hpa);

}  // namespace sandbox
