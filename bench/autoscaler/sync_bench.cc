// CPU cost of the HPA controller's sync cycle for N HPAs (default 1,000 and 10,000), each targeting a Deployment
// with 10 pods: reading /scale, fetching pod metrics, the pure reconcile, writing status. The API server and the
// metrics API are in-memory fakes, so the figure is the controller's own CPU (JSON decoding/encoding included),
// not network latency. Prints CPU seconds per cycle and per HPA.
//
//   build/bench/autoscaler/autoscaler_sync_bench 1000 10000

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autoscaler/controller/hpa_controller.h"
#include "common/log.h"

namespace {

using namespace std::chrono_literals;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Answers GET /scale and discovery, accepts PUT /status and /scale; no locking needed (one thread).
class InMemoryApi : public kube::RestClient {
 public:
  common::Result<std::string> Send(const kube::RestRequest& r) override {
    if (r.verb == kube::Verb::kGet && r.path == "/apis/apps/v1") {
      return std::string(R"({"resources":[{"name":"deployments","kind":"Deployment"},{"name":"deployments/scale","kind":"Scale"}]})");
    }
    if (r.verb == kube::Verb::kGet) {
      return std::string(R"({"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"resourceVersion":"7"},"spec":{"replicas":10},"status":{"replicas":10,"selector":"app=x"}})");
    }
    ++writes;
    return r.body;
  }
  common::Result<std::unique_ptr<kube::WatchStream>> Watch(std::string_view, const kube::WatchOptions&) override {
    return common::Error::Make(common::ErrorCode::kInternal, "no watch");
  }
  long writes = 0;
};

class FixedMetrics : public autoscaler::MetricsClient {
 public:
  explicit FixedMetrics(std::vector<autoscaler::hpa::PodMetrics> pods) : pods_(std::move(pods)) {}
  common::Result<std::vector<autoscaler::hpa::PodMetrics>> ResourceMetrics(const std::string&, const std::string&) override {
    return pods_;
  }
  common::Result<std::vector<autoscaler::hpa::CustomPodMetric>> PodsMetric(const std::string&, const std::string&,
                                                                           const std::string&, const std::string&) override {
    return common::Error::Make(common::ErrorCode::kNotFound, "none");
  }
  common::Result<autoscaler::hpa::MetricValue> ObjectMetric(const std::string&, const autoscaler::hpa::CrossVersionObjectReference&,
                                                            const std::string&, const std::string&) override {
    return common::Error::Make(common::ErrorCode::kNotFound, "none");
  }
  common::Result<std::vector<autoscaler::hpa::MetricValue>> ExternalMetric(const std::string&, const std::string&,
                                                                           const std::string&) override {
    return common::Error::Make(common::ErrorCode::kNotFound, "none");
  }

 private:
  std::vector<autoscaler::hpa::PodMetrics> pods_;
};

class FixedPods : public autoscaler::PodLister {
 public:
  explicit FixedPods(std::vector<autoscaler::hpa::Pod> pods) : pods_(std::move(pods)) {}
  std::vector<autoscaler::hpa::Pod> PodsInNamespace(const std::string&) const override { return pods_; }
  const std::map<std::string, std::string>* Labels(const std::string&, const std::string&) const override {
    return nullptr;
  }

 private:
  std::vector<autoscaler::hpa::Pod> pods_;
};

class NoEvents : public autoscaler::EventRecorder {
 public:
  void Record(const autoscaler::InvolvedObject&, const std::string&, const std::string&, const std::string&) override {}
};

void RunCycle(int hpa_count) {
  const auto now = std::chrono::system_clock::now();
  const auto t = std::chrono::time_point_cast<autoscaler::hpa::Duration>(now);
  std::vector<autoscaler::hpa::Pod> pods;
  std::vector<autoscaler::hpa::PodMetrics> metrics;
  for (int i = 0; i < 10; ++i) {
    autoscaler::hpa::Pod pod;
    pod.name = fmt::format("x-{}", i);
    pod.labels = {{"app", "x"}};
    pod.phase = autoscaler::hpa::PodPhase::kRunning;
    pod.start_time = t - 1h;
    pod.conditions.push_back({"Ready", "True", t - 59min});
    pod.containers.push_back({"app", {{"cpu", 100}}, false});
    pods.push_back(pod);
    metrics.push_back({pod.name, t - 5s, autoscaler::hpa::Seconds(15), {{"app", {{"cpu", 55}}}}});
  }
  InMemoryApi api;
  autoscaler::RestMapper mapper(api);
  autoscaler::ApiScaleClient scale(api, mapper);
  FixedMetrics metrics_client(metrics);
  FixedPods pod_lister(pods);
  NoEvents events;
  autoscaler::HpaController::Dependencies deps{&api, &scale, &metrics_client, &events, &pod_lister};
  autoscaler::HpaController controller(deps, {});

  std::vector<autoscaler::HpaObject> hpas;
  for (int i = 0; i < hpa_count; ++i) {
    auto decoded = autoscaler::DecodeHpaJson(fmt::format(
        R"({{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{{"name":"h{}","namespace":"ns{}","resourceVersion":"1","generation":1}},"spec":{{"scaleTargetRef":{{"apiVersion":"apps/v1","kind":"Deployment","name":"x"}},"minReplicas":1,"maxReplicas":20,"metrics":[{{"type":"Resource","resource":{{"name":"cpu","target":{{"type":"Utilization","averageUtilization":50}}}}}}]}}}})",
        i, i % 100));
    if (!decoded.ok()) {
      std::fprintf(stderr, "bad fixture: %s\n", decoded.error().message.c_str());
      std::exit(1);
    }
    hpas.push_back(std::move(*decoded));
  }
  for (auto& h : hpas) controller.Reconcile(h);  // warm-up: first pass records the initial recommendation
  const long writes_before = api.writes;
  const double start = ThreadCpuSeconds();
  constexpr int kCycles = 3;
  for (int c = 0; c < kCycles; ++c) {
    for (auto& h : hpas) controller.Reconcile(h);
  }
  const double per_cycle = (ThreadCpuSeconds() - start) / kCycles;
  std::printf("%6d HPAs x 10 pods: %.3f CPU-s per sync cycle, %.1f us per HPA, %.4f cores at a 15s sync period "
              "(%ld status/scale writes per cycle)\n",
              hpa_count, per_cycle, per_cycle / hpa_count * 1e6, per_cycle / 15.0, (api.writes - writes_before) / kCycles);
}

}  // namespace

int main(int argc, char** argv) {
  common::ConfigureLogging({.format = common::LogFormat::kText, .verbosity = 0});
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {1000, 10000};
  for (int n : sizes) {
    if (n <= 0) {
      std::fprintf(stderr, "usage: %s [HPA-COUNT...]\n", argv[0]);
      return 2;
    }
    RunCycle(n);
  }
  return 0;
}
