#include "metrics-server/storage/metrics_snapshot.h"

#include <algorithm>
#include <tuple>

namespace metrics_server {

const NodeMetricsPoint* MetricsSnapshot::FindNode(std::string_view name) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const NodeMetricsPoint& n, std::string_view key) { return n.name < key; });
  return it != nodes.end() && it->name == name ? &*it : nullptr;
}

const PodMetricsPoint* MetricsSnapshot::FindPod(std::string_view namespace_name, std::string_view name) const {
  auto key = std::make_tuple(namespace_name, name);
  auto it = std::lower_bound(pods.begin(), pods.end(), key, [](const PodMetricsPoint& p, const auto& k) {
    return std::tuple<std::string_view, std::string_view>(p.namespace_name, p.name) < k;
  });
  return it != pods.end() && it->namespace_name == namespace_name && it->name == name ? &*it : nullptr;
}

}  // namespace metrics_server
