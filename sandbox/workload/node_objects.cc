#include "sandbox/workload/node_objects.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {

namespace {

std::string Quantity(int64_t bytes) {
  if (bytes % (1LL << 30) == 0) return fmt::format("{}Gi", bytes >> 30);
  if (bytes % (1LL << 20) == 0) return fmt::format("{}Mi", bytes >> 20);
  if (bytes % 1024 == 0) return fmt::format("{}Ki", bytes >> 10);
  return std::to_string(bytes);
}

std::string Cpu(int64_t millicores) {
  return millicores % 1000 == 0 ? std::to_string(millicores / 1000) : fmt::format("{}m", millicores);
}

}  // namespace

std::string NodeJson(const NodeObjectSpec& spec, TimePoint now) {
  using rapidjson::Value;
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  const std::string time = json::FormatTime(now);
  json::SetString(doc, "apiVersion", "v1", a);
  json::SetString(doc, "kind", "Node", a);
  Value& meta = json::EnsureObject(doc, "metadata", a);
  json::SetString(meta, "name", spec.name, a);
  Value& labels = json::EnsureObject(meta, "labels", a);
  std::map<std::string, std::string> all = {
      {"beta.kubernetes.io/arch", "amd64"},      {"beta.kubernetes.io/os", "linux"},
      {"kubernetes.io/arch", "amd64"},           {"kubernetes.io/hostname", spec.name},
      {"kubernetes.io/os", "linux"},             {"node.kubernetes.io/instance-type", "sandbox"},
      {"topology.kubernetes.io/zone", "sandbox-a"},
  };
  for (const auto& [k, v] : spec.labels) all[k] = v;
  for (const auto& [k, v] : all) json::SetString(labels, k, v, a);
  Value& annotations = json::EnsureObject(meta, "annotations", a);
  json::SetString(annotations, "node.alpha.kubernetes.io/ttl", "0", a);
  json::SetString(annotations, "volumes.kubernetes.io/controller-managed-attach-detach", "true", a);

  Value& nspec = json::EnsureObject(doc, "spec", a);
  json::SetString(nspec, "providerID", "sandbox://" + spec.name, a);

  Value& status = json::EnsureObject(doc, "status", a);
  for (const char* field : {"capacity", "allocatable"}) {
    Value& r = json::EnsureObject(status, field, a);
    json::SetString(r, "cpu", Cpu(spec.cpu_millicores), a);
    json::SetString(r, "ephemeral-storage", "100Gi", a);
    json::SetString(r, "hugepages-1Gi", "0", a);
    json::SetString(r, "hugepages-2Mi", "0", a);
    json::SetString(r, "memory", Quantity(spec.memory_bytes), a);
    json::SetString(r, "pods", std::to_string(spec.max_pods), a);
  }
  Value conditions(rapidjson::kArrayType);
  struct Condition {
    const char* type;
    const char* status;
    const char* reason;
    const char* message;
  };
  const Condition kConditions[] = {
      {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
      {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
      {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
      {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
  };
  for (const Condition& c : kConditions) {
    Value cond(rapidjson::kObjectType);
    json::SetString(cond, "type", c.type, a);
    json::SetString(cond, "status", c.status, a);
    json::SetString(cond, "lastHeartbeatTime", time, a);
    json::SetString(cond, "lastTransitionTime", time, a);
    json::SetString(cond, "reason", c.reason, a);
    json::SetString(cond, "message", c.message, a);
    conditions.PushBack(cond, a);
  }
  json::SetValue(status, "conditions", std::move(conditions), a);
  Value addresses(rapidjson::kArrayType);
  for (auto [type, address] : {std::pair<const char*, const std::string*>{"InternalIP", &spec.internal_ip},
                               {"Hostname", &spec.hostname}}) {
    if (address->empty()) continue;
    Value entry(rapidjson::kObjectType);
    json::SetString(entry, "type", type, a);
    json::SetString(entry, "address", *address, a);
    addresses.PushBack(entry, a);
  }
  json::SetValue(status, "addresses", std::move(addresses), a);
  Value& endpoints = json::EnsureObject(status, "daemonEndpoints", a);
  json::SetInt(json::EnsureObject(endpoints, "kubeletEndpoint", a), "Port", spec.kubelet_port, a);
  Value& info = json::EnsureObject(status, "nodeInfo", a);
  const std::pair<const char*, std::string> kInfo[] = {
      {"architecture", "amd64"},
      {"bootID", ""},
      {"containerRuntimeVersion", "containerd://1.7.22"},
      {"kernelVersion", "6.1.0-sandbox"},
      {"kubeProxyVersion", "v1.32.0"},
      {"kubeletVersion", "v1.32.0"},
      {"machineID", ""},
      {"operatingSystem", "linux"},
      {"osImage", "Sandbox Linux"},
      {"systemUUID", ""},
  };
  for (const auto& [k, v] : kInfo) json::SetString(info, k, v, a);
  return json::Serialize(doc);
}

}  // namespace sandbox
