// Time to answer `kubectl top pod -A`-shaped requests for a 150,000-pod cluster, in-process (no sockets, no TLS):
// the encoders alone (JSON, protobuf, Table) and the whole MetricsApi::Handle path (namespace range, metadata
// lookups, selector matching, encoding), plus single-pod GET throughput through Handle.
//
// Usage: metrics_api_bench [pods=150000] [iterations=20]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "metrics-server/api/metrics_api.h"
#include "metrics-server/api/metrics_encoding.h"

namespace {

using Clock = std::chrono::steady_clock;
using metrics_server::MetricsSnapshot;

struct Cluster {
  MetricsSnapshot snapshot;
  metrics_server::StaticMetadataSource metadata;
};

// 1,000 namespaces of 150 pods, one container each, two labels per pod: the shape the ~35 MB figure assumes.
std::unique_ptr<Cluster> MakeCluster(int pods) {
  auto c = std::make_unique<Cluster>();
  const auto now = std::chrono::system_clock::now();
  char ns[32], name[64], app[32];
  for (int i = 0; i < pods; ++i) {
    std::snprintf(ns, sizeof(ns), "namespace-%04d", i / 150);
    std::snprintf(app, sizeof(app), "app-%05d", i / 3);
    std::snprintf(name, sizeof(name), "%s-5d8f7c9b6-%05d", app, i);
    metrics_server::PodMetricsPoint p;
    p.namespace_name = ns;
    p.name = name;
    p.timestamp = now - std::chrono::seconds(3);
    p.window = std::chrono::milliseconds(15009);
    metrics_server::ContainerMetricsPoint container;
    container.name = "main";
    container.usage.cpu_nanocores = 1000000ULL + 7919ULL * i;
    container.usage.memory_bytes = (20ULL << 20) + 4096ULL * (i % 5000);
    p.containers.push_back(container);
    c->snapshot.pods.push_back(std::move(p));
    c->metadata.SetPod(ns, name, {{"app", app}, {"pod-template-hash", "5d8f7c9b6"}});
  }
  std::sort(c->snapshot.pods.begin(), c->snapshot.pods.end(), [](const auto& a, const auto& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  c->snapshot.scrape_time = now;
  return c;
}

// CPU time of this thread: on a shared, overloaded machine wall time mostly measures the scheduler.
double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Stats {
  double p50_ms, p99_ms;          // thread CPU time
  double wall_p50_ms;
  std::size_t bytes;
};

Stats Measure(int iterations, const std::function<std::string()>& fn) {
  std::vector<double> cpu, wall;
  std::size_t bytes = fn().size();  // warm-up: page in buffers, fill caches
  for (int i = 0; i < iterations; ++i) {
    const auto start = Clock::now();
    const double cpu_start = ThreadCpuMs();
    const std::string out = fn();
    cpu.push_back(ThreadCpuMs() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    bytes = out.size();
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
  };
  return {pct(cpu, 0.50), pct(cpu, 0.99), pct(wall, 0.50), bytes};
}

void Print(const char* what, const Stats& s) {
  std::printf("%-34s cpu p50 %7.1f ms  p99 %7.1f ms  (wall p50 %7.1f ms)  %6.2f MB  %5.0f MB/s per core\n", what,
              s.p50_ms, s.p99_ms, s.wall_p50_ms, s.bytes / 1e6, s.bytes / 1e6 / (s.p50_ms / 1e3));
}

}  // namespace

int main(int argc, char** argv) {
  const int pods = argc > 1 ? std::max(1, std::atoi(argv[1])) : 150000;
  const int iterations = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  std::printf("metrics API serialization, %d pods x 1 container, %d iterations\n", pods, iterations);
  std::unique_ptr<Cluster> cluster = MakeCluster(pods);

  std::vector<metrics_server::PodItem> items;
  for (const auto& p : cluster->snapshot.pods) items.push_back({&p, cluster->metadata.PodLabels(p.namespace_name, p.name)});
  metrics_server::EncodeOptions options;
  options.creation_unix_seconds = 1795487013;

  Print("encode PodMetricsList JSON", Measure(iterations, [&] { return metrics_server::PodMetricsListJson(items, options); }));
  Print("encode PodMetricsList protobuf",
        Measure(iterations, [&] { return metrics_server::PodMetricsListProtobuf(items, options); }));
  Print("encode Table JSON", Measure(iterations, [&] { return metrics_server::PodMetricsTableJson(items, options); }));

  metrics_server::MetricsApi api(&cluster->metadata);
  auto handle = [&](const char* target, const char* accept) {
    net::HttpRequest r;
    r.method = "GET";
    r.path = target;
    r.target = target;
    r.headers.push_back({"Accept", accept});
    return [&api, &cluster, r] {
      std::optional<net::HttpResponse> response = api.Handle(r, &cluster->snapshot, std::chrono::system_clock::now());
      return std::move(response->body);
    };
  };
  Print("Handle GET /pods (JSON)", Measure(iterations, handle("/apis/metrics.k8s.io/v1beta1/pods", "application/json")));
  Print("Handle GET /pods (protobuf)",
        Measure(iterations, handle("/apis/metrics.k8s.io/v1beta1/pods", "application/vnd.kubernetes.protobuf, */*")));

  // Single-pod GETs, in-process: the ceiling a wrk run against the server could approach per core.
  const auto& pod = cluster->snapshot.pods[cluster->snapshot.pods.size() / 2];
  const std::string target = "/apis/metrics.k8s.io/v1beta1/namespaces/" + pod.namespace_name + "/pods/" + pod.name;
  for (const char* accept : {"application/json", "application/vnd.kubernetes.protobuf"}) {
    auto get = handle(target.c_str(), accept);
    const int n = 200000;
    std::size_t total = 0;
    const double cpu_start = ThreadCpuMs();
    for (int i = 0; i < n; ++i) total += get().size();
    const double s = (ThreadCpuMs() - cpu_start) / 1e3;
    std::printf("Handle GET one pod (%-36s) %9.0f req/s per core  (%zu bytes each)\n", accept, n / s, total / n);
  }
  return 0;
}
