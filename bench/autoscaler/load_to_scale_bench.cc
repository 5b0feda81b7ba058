// Load-to-scale latency, metrics-server gRPC stream vs metrics.k8s.io polling: the real sandbox, metrics-server and
// autoscaler (the e2e fixture), one Deployment whose load steps 2m -> 24m (80% of a 30m request against a 10%
// target) several times; the figure is the time from a step (scenario time) to the first change of the
// Deployment's spec.replicas. Between steps the load drops and, with a 0 s downscale stabilization, the Deployment
// returns to one replica so every step starts from the same state.
//
// Built by the normal build, never run by ctest (no test discovery): it takes minutes. Settings from the
// environment: KMA_BENCH_RESOLUTION (metric resolution, default 15s), KMA_BENCH_SYNC (HPA sync period, default
// 15s), KMA_BENCH_REPS (steps per mode, default 3). Run one mode with --gtest_filter=*Stream* or *Polling*.
// It prints figures and asserts nothing about timing.

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != 0 ? v : fallback;
}

double Seconds(const std::string& text) {
  auto parsed = GoDurationSeconds(text);
  return parsed ? *parsed : 0;
}

class LoadToScaleBench : public E2eTest {
 protected:
  void Run(bool stream) {
    const std::string resolution = Env("KMA_BENCH_RESOLUTION", "15s");
    const std::string sync = Env("KMA_BENCH_SYNC", "15s");
    const int reps = std::max(1, std::atoi(Env("KMA_BENCH_REPS", "3").c_str()));
    const double res_s = Seconds(resolution);
    const double sync_s = Seconds(sync);
    ASSERT_GT(res_s, 0) << "bad KMA_BENCH_RESOLUTION " << resolution;
    ASSERT_GT(sync_s, 0) << "bad KMA_BENCH_SYNC " << sync;
    // Setup (~10 s) and two scrapes before the HPA has a first utilization; then each phase outlasts the worst
    // case (a scrape, a sync, and the same again for the scale-down) with room to spare.
    const double warmup = 12 + 3 * res_s + sync_s;
    const double phase = 2 * (res_s + sync_s) + 6;
    std::ostringstream load;
    load << "2m for " << warmup << "s";
    for (int i = 0; i < reps; ++i) load << ", 24m for " << phase << "s, 2m for " << phase << "s";
    load << ", 2m";
    const std::string scenario = R"({"workloads": [{"kind": "Deployment", "namespace": "default", "name": "bench",
        "replicas": 1, "containers": [{"name": "app", "cpu": "30m", "memory": "32Mi"}], "load": ")" +
                                 load.str() + R"("}]})";

    ASSERT_TRUE(StartSandbox({.scenario_json = scenario, .nodes = 2, .address_block = stream ? 201 : 203}));
    ASSERT_TRUE(StartMetricsServer({.metric_resolution = resolution, .grpc = stream}));
    ASSERT_TRUE(RegisterApiService());
    ASSERT_NE(StartAutoscaler({.use_stream = stream, .sync_period = sync, .downscale_stabilization = "0s"}), nullptr);
    auto r = kubectl().Run({"autoscale", "deployment", "bench", "--cpu-percent=10", "--min=1", "--max=10"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();

    auto replicas = [&] {
      auto text = JsonPath({"deployment", "bench"}, "{.spec.replicas}");
      return text.empty() ? -1 : std::atoi(text.c_str());
    };
    std::vector<double> latencies;
    for (int i = 0; i < reps; ++i) {
      const double step = warmup + i * 2 * phase;
      while (ScenarioSeconds() < step - 1) std::this_thread::sleep_for(milliseconds(200));
      const int before = replicas();
      if (before != 1) {
        std::cout << "  step " << i << ": " << before << " replicas at the step (not back to 1), skipped\n";
        continue;
      }
      while (ScenarioSeconds() < step) std::this_thread::sleep_for(milliseconds(20));
      std::optional<double> seen;
      while (ScenarioSeconds() < step + phase) {
        const int now = replicas();
        if (now > 1) {
          seen = ScenarioSeconds() - step;
          break;
        }
        std::this_thread::sleep_for(milliseconds(100));
      }
      if (seen) {
        latencies.push_back(*seen);
        std::cout << "  step " << i << ": " << *seen << " s\n";
      } else {
        std::cout << "  step " << i << ": no scale-up within " << phase << " s\n";
      }
    }
    ASSERT_FALSE(latencies.empty()) << LogTails();
    std::vector<double> sorted = latencies;
    std::sort(sorted.begin(), sorted.end());
    const double p50 = sorted[(sorted.size() - 1) / 2];
    std::cout << "RESULT mode=" << (stream ? "stream" : "polling") << " metric-resolution=" << resolution
              << " sync-period=" << sync << " steps=" << sorted.size() << " p50=" << p50
              << "s min=" << sorted.front() << "s max=" << sorted.back() << "s\n";
  }
};

TEST_F(LoadToScaleBench, Stream) { Run(true); }
TEST_F(LoadToScaleBench, Polling) { Run(false); }

}  // namespace
}  // namespace e2e
