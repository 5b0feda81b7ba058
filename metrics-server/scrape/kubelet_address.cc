#include "metrics-server/scrape/kubelet_address.h"

#include <array>

namespace metrics_server {

common::Result<std::vector<std::string>> ParseAddressTypes(std::string_view flag_value) {
  static constexpr std::array<std::string_view, 5> kKnown{"Hostname", "InternalDNS", "InternalIP", "ExternalDNS",
                                                          "ExternalIP"};
  std::vector<std::string> types;
  while (!flag_value.empty()) {
    const size_t comma = flag_value.find(',');
    std::string_view item = flag_value.substr(0, comma);
    flag_value = comma == std::string_view::npos ? std::string_view() : flag_value.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    bool known = false;
    for (std::string_view k : kKnown) known = known || k == item;
    if (!known) {
      return common::Error::Make(common::ErrorCode::kInvalidArgument,
                                 "unknown node address type \"" + std::string(item) +
                                     "\" in --kubelet-preferred-address-types");
    }
    types.emplace_back(item);
  }
  if (types.empty()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument, "--kubelet-preferred-address-types is empty");
  }
  return types;
}

common::Result<KubeletTarget> ResolveKubeletTarget(const kube::Node& node, const KubeletAddressOptions& options) {
  KubeletTarget target;
  target.node_name = node.name;
  target.port = options.kubelet_port;
  // A node that has not published its port yet keeps the configured one rather than dialing port 0.
  if (options.use_node_status_port && node.kubelet_port > 0 && node.kubelet_port <= 65535) {
    target.port = static_cast<uint16_t>(node.kubelet_port);
  }
  for (const std::string& type : options.preferred_address_types) {
    for (const kube::NodeAddress& address : node.addresses) {
      if (address.type == type && !address.address.empty()) {
        target.host = address.address;
        return target;
      }
    }
  }
  std::string types;
  for (const std::string& t : options.preferred_address_types) types += (types.empty() ? "" : ",") + t;
  return common::Error::Make(common::ErrorCode::kNotFound,
                             "node " + node.name + " had no addresses that matched types [" + types + "]");
}

}  // namespace metrics_server
