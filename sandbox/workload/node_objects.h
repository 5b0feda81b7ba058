#pragma once
// Node objects as a kubelet registers them: addresses (InternalIP = the simulated kubelet's loopback address,
// Hostname), the kubelet endpoint port, capacity/allocatable, a Ready condition, and the well-known labels.

#include <cstdint>
#include <map>
#include <string>

#include "sandbox/load/load_model.h"

namespace sandbox {

struct NodeObjectSpec {
  std::string name;
  std::string internal_ip;  // the kubelet's loopback address
  // The Hostname address. A real kubelet reports its host name (here the node name, which does not resolve:
  // clients must prefer InternalIP); setting it to the IP makes the default address preference work too.
  std::string hostname;
  uint16_t kubelet_port = 10250;
  int64_t cpu_millicores = 8000;
  int64_t memory_bytes = 32LL << 30;
  int max_pods = 110;
  std::map<std::string, std::string> labels;  // added to the well-known ones
};

// The Node JSON (apiVersion v1) with conditions stamped at `now`.
std::string NodeJson(const NodeObjectSpec& spec, TimePoint now);

}  // namespace sandbox
