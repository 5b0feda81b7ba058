#pragma once
// A sandbox scenario: the workloads to create at start and how much load each one offers, plus the load model's
// per-node and per-pod settings. Read from a small JSON document:
//
// {
//   "nodeOverheadMillicores": 100,          // system daemons' CPU per node
//   "nodeMemoryBase": "512Mi",              // node working set besides its pods
//   "unreadyPodMillicores": 0,              // usage of a running pod that is not Ready yet
//   "podMemory": {"base": "32Mi", "perMillicore": "128Ki"},   // default pod memory model
//   "workloads": [
//     {"kind": "Deployment", "namespace": "default", "name": "web", "replicas": 3,
//      "containers": [{"name": "app", "cpu": "200m", "memory": "128Mi"}],
//      "load": "300m for 60s, 300m->900m over 30s, 900m",     // LoadCurve text, or a number of millicores
//      "memory": {"base": "64Mi", "perMillicore": "256Ki"}}
//   ]
// }
//
// Every field is optional except a workload's name. The load of a workload is split evenly across its Ready pods.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sandbox/load/load_curve.h"

namespace sandbox {

// Working set of a pod = base + per_millicore * its current CPU usage in millicores (split over its containers).
struct MemoryModel {
  double base_bytes = 32.0 * 1024 * 1024;
  double bytes_per_millicore = 128.0 * 1024;
};

struct ContainerTemplate {
  std::string name = "app";
  int64_t cpu_request_millicores = 100;
  int64_t memory_request_bytes = 128LL * 1024 * 1024;
  std::optional<int64_t> cpu_limit_millicores;
  std::optional<int64_t> memory_limit_bytes;
};

struct WorkloadSpec {
  std::string kind = "Deployment";  // Deployment, ReplicaSet, StatefulSet or ReplicationController
  std::string namespace_name = "default";
  std::string name;
  int32_t replicas = 1;
  std::vector<ContainerTemplate> containers{ContainerTemplate{}};
  LoadCurve load;
  std::optional<MemoryModel> memory;
};

struct Scenario {
  double node_overhead_millicores = 100;
  double node_memory_base_bytes = 512.0 * 1024 * 1024;
  double unready_pod_millicores = 0;
  MemoryModel pod_memory;
  std::vector<WorkloadSpec> workloads;
};

// Errors: kInvalidArgument with the offending field.
common::Result<Scenario> ParseScenario(std::string_view json_text);

// "128Mi", "1G", "1500" into bytes (binary and decimal suffixes). Errors: kInvalidArgument.
common::Result<double> ParseByteQuantity(std::string_view text);

}  // namespace sandbox
