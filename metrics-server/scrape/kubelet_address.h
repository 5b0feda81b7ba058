#pragma once
// Which address and port of a Node to scrape, as upstream's prioritized address resolver:
// --kubelet-preferred-address-types (first type present on the node wins, in flag order), --kubelet-port, and
// --kubelet-use-node-status-port (the port the kubelet published in status.daemonEndpoints).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/objects/node.h"
#include "metrics-server/scrape/kubelet_client.h"

namespace metrics_server {

struct KubeletAddressOptions {
  std::vector<std::string> preferred_address_types{"Hostname", "InternalDNS", "InternalIP", "ExternalDNS",
                                                   "ExternalIP"};
  uint16_t kubelet_port = 10250;
  bool use_node_status_port = false;
};

// Parses the --kubelet-preferred-address-types value ("Hostname,InternalIP"); rejects unknown types.
common::Result<std::vector<std::string>> ParseAddressTypes(std::string_view flag_value);

// The kubelet endpoint of `node`, or kNotFound when it has no address of a preferred type.
common::Result<KubeletTarget> ResolveKubeletTarget(const kube::Node& node, const KubeletAddressOptions& options);

}  // namespace metrics_server
