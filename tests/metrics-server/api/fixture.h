#pragma once
// The cluster of the kubectl traces (tests/golden/kubectl-traces): two nodes, four pods, with their labels and
// figures, at the scrape and request times of the golden samples.

#include <chrono>
#include <memory>
#include <string>

#include "metrics-server/api/object_metadata_source.h"
#include "metrics-server/storage/metrics_snapshot.h"

namespace metrics_api_testing {

using metrics_server::TimePoint;

inline TimePoint At(int64_t unix_seconds) { return TimePoint(std::chrono::seconds(unix_seconds)); }

// 2026-11-24T02:23:33Z.
inline constexpr int64_t k022333 = 1795487013;

inline constexpr uint64_t Ki = 1024;
inline constexpr uint64_t Mi = 1024 * 1024;

inline metrics_server::ContainerMetricsPoint Container(std::string name, uint64_t nanocores, uint64_t bytes) {
  metrics_server::ContainerMetricsPoint c;
  c.name = std::move(name);
  c.usage.cpu_nanocores = nanocores;
  c.usage.memory_bytes = bytes;
  return c;
}

// Nodes scraped at node_time with a 10.062s window; pods at pod_time with 15.009s.
inline std::shared_ptr<metrics_server::MetricsSnapshot> Snapshot(int64_t node_time, int64_t pod_time) {
  auto s = std::make_shared<metrics_server::MetricsSnapshot>();
  auto node = [&](std::string name, uint64_t cpu, uint64_t mem) {
    metrics_server::NodeMetricsPoint n;
    n.name = std::move(name);
    n.timestamp = At(node_time);
    n.window = std::chrono::milliseconds(10062);
    n.usage.cpu_nanocores = cpu;
    n.usage.memory_bytes = mem;
    s->nodes.push_back(n);
  };
  node("node-1", 123456789, 1452412 * Ki);
  node("node-2", 2345678901, 4102000 * Ki);
  auto pod = [&](std::string ns, std::string name, std::vector<metrics_server::ContainerMetricsPoint> containers) {
    metrics_server::PodMetricsPoint p;
    p.namespace_name = std::move(ns);
    p.name = std::move(name);
    p.timestamp = At(pod_time);
    p.window = std::chrono::milliseconds(15009);
    p.containers = std::move(containers);
    s->pods.push_back(p);
  };
  pod("default", "x-5d8f7c9b6-abcde", {Container("nginx", 1234567, 2780 * Ki), Container("sidecar", 500000000, 10 * Mi)});
  pod("default", "y-7f9c8d7b5-fghij", {Container("main", 250000000, 64 * Mi)});
  pod("kube-system", "coredns-668d6bf9bc-xyz12", {Container("coredns", 3141592, 13500 * Ki)});
  pod("kube-system", "metrics-server-5f4c8b7d9-q1w2e", {Container("metrics-server", 5000000, 21344 * Ki)});
  s->scrape_time = At(pod_time + 1);
  return s;
}

inline std::unique_ptr<metrics_server::StaticMetadataSource> Metadata() {
  auto m = std::make_unique<metrics_server::StaticMetadataSource>();
  m->SetNode("node-1", {{"kubernetes.io/hostname", "node-1"}, {"node-role.kubernetes.io/control-plane", ""}});
  m->SetNode("node-2", {{"kubernetes.io/hostname", "node-2"}});
  m->SetPod("default", "x-5d8f7c9b6-abcde", {{"app", "x"}, {"pod-template-hash", "5d8f7c9b6"}});
  m->SetPod("default", "y-7f9c8d7b5-fghij", {{"app", "y"}});
  m->SetPod("kube-system", "coredns-668d6bf9bc-xyz12", {{"k8s-app", "kube-dns"}});
  m->SetPod("kube-system", "metrics-server-5f4c8b7d9-q1w2e", {{"k8s-app", "metrics-server"}});
  return m;
}

}  // namespace metrics_api_testing
