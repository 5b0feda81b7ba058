// Cost of metrics-server's scrape path, without the network: parser throughput on kubelet-shaped bodies, and
// the CPU and resident memory per node of a scrape cycle (parse every node's body + store) for large clusters.
// Prints figures; never asserts. Run: build-*/bench/metrics-server/metrics_server_scrape_bench [nodes...]

#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "metrics-server/scrape/prometheus_parser.h"
#include "metrics-server/storage/metrics_storage.h"

namespace {

using metrics_server::MetricsStorage;
using metrics_server::NodeBatch;
using metrics_server::NodeScrape;
using metrics_server::PrometheusParser;

constexpr int kContainersPerPod = 2;
constexpr int64_t kEpochMs = 1'713'449'932'367;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long ResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

void AppendNumber(std::string* out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.9g", v);
  out->append(buf, n);
}

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out->append(buf, n);
}

// A kubelet-shaped body: families in the kubelet's order, series sorted by (container, namespace, pod).
void MakeBody(int node, int pods, int cycle, std::string* out) {
  out->clear();
  const int64_t ts = kEpochMs + cycle * 15'000;
  const char* containers[kContainersPerPod] = {"app", "istio-proxy"};
  auto pod_labels = [&](int p, std::string* o) {
    o->append("namespace=\"team-");
    AppendInt(o, p % 7);
    o->append("\",pod=\"deployment-");
    AppendInt(o, node);
    o->append("-");
    AppendInt(o, p);
    o->append("-7d9f8b6c5d-x2k4p\"");
  };
  struct Family {
    const char* name;
    const char* help;
    const char* type;
  };
  const Family container_families[] = {
      {"container_cpu_usage_seconds_total", "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
       "counter"},
      {"container_memory_working_set_bytes", "[STABLE] Current working set of the container in bytes", "gauge"},
      {"container_start_time_seconds", "[STABLE] Start time of the container since unix epoch in seconds", "gauge"},
      {"container_swap_usage_bytes", "[ALPHA] Current amount of the container swap usage in bytes", "gauge"},
  };
  for (int f = 0; f < 4; ++f) {
    out->append("# HELP ").append(container_families[f].name).append(" ").append(container_families[f].help);
    out->append("\n# TYPE ").append(container_families[f].name).append(" ").append(container_families[f].type);
    out->append("\n");
    for (int c = 0; c < kContainersPerPod; ++c) {
      for (int p = 0; p < pods; ++p) {
        out->append(container_families[f].name).append("{container=\"").append(containers[c]).append("\",");
        pod_labels(p, out);
        out->append("} ");
        switch (f) {
          case 0: AppendNumber(out, 1000.123456789 + p + c + cycle * 1.5); break;
          case 1: AppendNumber(out, 1.5060992e+07 + p * 4096.0); break;
          case 2: AppendNumber(out, 1.7134495e+09); break;
          default: out->append("0"); break;
        }
        out->append(" ");
        AppendInt(out, ts);
        out->append("\n");
      }
    }
  }
  out->append("# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds\n");
  out->append("# TYPE node_cpu_usage_seconds_total counter\nnode_cpu_usage_seconds_total ");
  AppendNumber(out, 357354.91 + cycle * 30.0);
  out->append(" ");
  AppendInt(out, ts);
  out->append("\n# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n");
  out->append("# TYPE node_memory_working_set_bytes gauge\nnode_memory_working_set_bytes 1.616273408e+09 ");
  AppendInt(out, ts);
  out->append("\n");
  const char* pod_families[] = {"pod_cpu_usage_seconds_total", "pod_memory_working_set_bytes"};
  for (const char* family : pod_families) {
    out->append("# HELP ").append(family).append(" [STABLE] pod level\n# TYPE ").append(family).append(" gauge\n");
    for (int p = 0; p < pods; ++p) {
      out->append(family).append("{");
      pod_labels(p, out);
      out->append("} ");
      AppendNumber(out, 2000.5 + p);
      out->append(" ");
      AppendInt(out, ts);
      out->append("\n");
    }
  }
  out->append("# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics\n");
  out->append("# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n");
}

void ParserThroughput(const char* label, const std::string& body) {
  PrometheusParser parser;
  NodeBatch batch;
  parser.Parse(body, kEpochMs, &batch);  // warm up buffers
  if (batch.stats.invalid_lines != 0) {
    std::printf("unexpected invalid lines: %u (%s)\n", batch.stats.invalid_lines, batch.stats.first_error.c_str());
  }
  const double start = ThreadCpuSeconds();
  double elapsed = 0;
  long iterations = 0;
  while (elapsed < 2.0) {
    for (int i = 0; i < 16; ++i) parser.Parse(body, kEpochMs, &batch);
    iterations += 16;
    elapsed = ThreadCpuSeconds() - start;
  }
  const double bytes = static_cast<double>(body.size()) * iterations;
  std::printf("parser %-28s body %8.1f KiB, %5zu containers: %7.0f MB/s per core, %8.1f us per body\n", label,
              body.size() / 1024.0, batch.containers.size(), bytes / elapsed / 1e6, elapsed / iterations * 1e6);
}

void ScrapeCycles(int nodes, int pods) {
  const long rss_before = ResidentKiB();
  MetricsStorage storage;
  PrometheusParser parser;
  std::vector<NodeBatch> batches(nodes);
  std::vector<std::string> names(nodes);
  for (int n = 0; n < nodes; ++n) names[n] = "node-" + std::to_string(n);
  std::vector<NodeScrape> scrapes(nodes);
  std::string body;
  constexpr int kCycles = 4;
  double parse_cpu = 0, store_cpu = 0;
  size_t body_bytes = 0;
  metrics_server::StoreStats stats;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    double cycle_parse = 0;
    for (int n = 0; n < nodes; ++n) {
      MakeBody(n, pods, cycle, &body);  // stands in for the network; not timed
      const double t = ThreadCpuSeconds();
      parser.Parse(body, kEpochMs + cycle * 15'000, &batches[n]);
      cycle_parse += ThreadCpuSeconds() - t;
      scrapes[n] = NodeScrape{names[n], &batches[n]};
      body_bytes = body.size();
    }
    const double t = ThreadCpuSeconds();
    stats = storage.Store(scrapes, metrics_server::TimePoint{});
    const double cycle_store = ThreadCpuSeconds() - t;
    if (cycle > 0) {  // the first cycle grows every buffer; report the steady state
      parse_cpu += cycle_parse;
      store_cpu += cycle_store;
    }
  }
  const long rss_after = ResidentKiB();
  const double per_cycle = (parse_cpu + store_cpu) / (kCycles - 1);
  const auto snapshot = storage.Snapshot();
  std::printf(
      "cycle %5d nodes x %d pods x %d containers (body %.1f KiB/node): parse %.3f ms/node, store+snapshot %.3f "
      "ms/node, %.4f core average at 15s resolution, RSS %.1f KiB/node (%zu node points, %zu container points, %zu "
      "pods in snapshot)\n",
      nodes, pods, kContainersPerPod, body_bytes / 1024.0, parse_cpu / (kCycles - 1) / nodes * 1e3,
      store_cpu / (kCycles - 1) / nodes * 1e3, per_cycle / 15.0,
      static_cast<double>(rss_after - rss_before) / nodes, stats.node_points, stats.container_points,
      snapshot->pods.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string body;
  MakeBody(1, 30, 1, &body);
  ParserThroughput("node (30 pods x 2)", body);
  MakeBody(1, 1000, 1, &body);
  ParserThroughput("large (1000 pods x 2)", body);

  std::vector<int> node_counts;
  for (int i = 1; i < argc; ++i) node_counts.push_back(std::atoi(argv[i]));
  if (node_counts.empty()) node_counts = {1000, 5000};
  for (int nodes : node_counts) ScrapeCycles(nodes, 30);
  return 0;
}
