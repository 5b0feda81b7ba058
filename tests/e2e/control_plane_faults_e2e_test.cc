// Reliability under a misbehaving control plane, with the real binaries: the sandbox's API server answering 5xx
// and 429, dropping watches, going away for a minute; metrics-server killed and restarted under an autoscaler that
// reads its gRPC stream. In every case the autoscaler must hold its scale while its data is missing or its
// writes fail (never scale on missing or bad data), and resume correctly once the fault is over; nothing crashes
// and memory stays bounded.
//
// Each test runs one Deployment, "demo": 3 replicas with a 30m CPU request under `kubectl autoscale
// --cpu-percent=10`. A load of 9m is exactly the target on 3 pods (10%), so the HPA holds 3; the scenario then
// moves the load at a fixed scenario time that falls inside or after the fault, and the replicas must follow only
// once the fault is over.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_test_base.h"
#include "tests/e2e/harness/replica_timeline.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Sample = ReplicaTimeline::Sample;

std::string Scenario(const std::string& load, const std::string& extra_workloads = "") {
  return R"({"workloads": [
    {"kind": "Deployment", "namespace": "default", "name": "demo", "replicas": 3,
     "containers": [{"name": "app", "cpu": "30m", "memory": "32Mi"}], "load": ")" +
         load + "\"}" + extra_workloads + "]}";
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Seconds since midnight of the first klog line ("I1207 12:46:29.810205 ...") containing `text`.
std::optional<double> KlogTimeOf(const std::string& log, const std::string& text) {
  const size_t at = log.find(text);
  if (at == std::string::npos) return std::nullopt;
  const size_t line = log.rfind('\n', at);
  const size_t start = line == std::string::npos ? 0 : line + 1;
  int h = 0, m = 0;
  double sec = 0;
  if (std::sscanf(log.c_str() + start, "%*c%*4d %d:%d:%lf", &h, &m, &sec) != 3) return std::nullopt;
  return h * 3600.0 + m * 60.0 + sec;
}

class ControlPlaneFaultsE2eTest : public E2eTest {
 protected:
  // Sets up the stack and `kubectl autoscale`, and waits until the HPA has measured the load once.
  void StartStack(int address_block, const std::string& scenario, bool use_stream) {
    ASSERT_TRUE(StartSandbox({.scenario_json = scenario, .nodes = 2, .address_block = address_block}));
    ASSERT_TRUE(StartMetricsServer({.metric_resolution = "3s", .grpc = use_stream}));
    ASSERT_TRUE(RegisterApiService());
    ASSERT_TRUE(WaitForNodeMetrics());
    ASSERT_NE(StartAutoscaler({.use_stream = use_stream, .sync_period = "2s", .downscale_stabilization = "10s"}),
              nullptr);
    auto r = kubectl().Run({"autoscale", "deployment", "demo", "--cpu-percent=10", "--min=1", "--max=10"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    auto measured = WaitUntil(seconds(20), milliseconds(500), [&](std::string* seen) {
      *seen = JsonPath({"hpa", "demo"}, "{.status.currentMetrics[0].resource.current.averageUtilization}");
      return !seen->empty();
    });
    ASSERT_TRUE(measured.ok) << "the HPA never reported a utilization\n" << LogTails();
  }

  std::optional<int> Replicas() {
    auto text = JsonPath({"deployment", "demo"}, "{.spec.replicas}");
    if (text.empty()) return std::nullopt;
    return std::atoi(text.c_str());
  }

  std::string Condition(const std::string& type) {
    return JsonPath({"hpa", "demo"}, "{.status.conditions[?(@.type==\"" + type + "\")].status}/"
                                     "{.status.conditions[?(@.type==\"" + type + "\")].reason}");
  }

  // PUT /sandbox/faults (replaces the installed faults) through kubectl, as an operator would.
  void SetApiFaults(const std::string& lines) {
    const std::string path = dir() + "/faults-" + std::to_string(++fault_files_) + ".txt";
    std::ofstream(path) << lines;
    auto r = kubectl().Run({"replace", "--raw", "/sandbox/faults", "-f", path});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  void ClearApiFaults() {
    auto r = kubectl().Run({"delete", "--raw", "/sandbox/faults"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  // Every process alive, and metrics-server's and the autoscalers' peak RSS (sampled as the test goes) bounded:
  // retry loops against a failing API server must not accumulate memory. The bound is several times what a
  // two-node stack needs (~20-40 MiB each).
  void ExpectAllRunning() {
    SampleRss();
    constexpr int64_t kRssBoundKib = 150 * 1024;
    EXPECT_LT(max_metrics_server_rss_kib_, kRssBoundKib) << "metrics-server peak VmRSS (KiB)";
    EXPECT_LT(max_autoscaler_rss_kib_, kRssBoundKib) << "autoscaler peak VmRSS (KiB)";
    RecordProperty("metrics_server_max_rss_kib", std::to_string(max_metrics_server_rss_kib_));
    RecordProperty("autoscaler_max_rss_kib", std::to_string(max_autoscaler_rss_kib_));
    EXPECT_TRUE(sandbox()->Running()) << LogTails();
    if (metrics_server() != nullptr) {
      EXPECT_TRUE(metrics_server()->Running()) << LogTails();
    }
    for (auto& a : autoscalers()) EXPECT_TRUE(a->Running()) << LogTails();
  }

  // Samples the replicas (and that every process lives) until scenario time `until`; every readable sample must
  // be `replicas`.
  void SampleRss() {
    if (metrics_server() != nullptr && metrics_server()->Running()) {
      max_metrics_server_rss_kib_ = std::max(max_metrics_server_rss_kib_, RssKib(metrics_server()->pid()));
    }
    for (auto& a : autoscalers()) {
      if (a->Running()) max_autoscaler_rss_kib_ = std::max(max_autoscaler_rss_kib_, RssKib(a->pid()));
    }
  }

  void HoldUntil(double until, int replicas, const std::string& why) {
    auto broken = timeline_.Until(until, [&](const Sample& s) {
      SampleRss();
      // The sample that ends the hold may already be past a load change due at `until` (a streaming autoscaler
      // reacts within a fraction of a second); it is not held to the expectation.
      if (s.t >= until) return false;
      bool alive = sandbox()->Running();
      for (auto& a : autoscalers()) alive = alive && a->Running();
      return !alive || (s.replicas && *s.replicas != replicas);
    });
    ASSERT_FALSE(broken) << why << " (or a process died)\n" << Timeline() << LogTails();
  }

  std::string Timeline() const { return timeline_.Describe("deployment.spec.replicas"); }

  ReplicaTimeline timeline_{[this] { return Replicas(); }, [this] { return ScenarioSeconds(); }, milliseconds(500)};
  int fault_files_ = 0;
  int64_t max_metrics_server_rss_kib_ = 0;
  int64_t max_autoscaler_rss_kib_ = 0;
};

// 5xx on the metrics and pod reads, then 503 on /scale with 429 on HPA status writes, while the load drops: the
// HPA says why it cannot act, holds 3 replicas through both phases, and scales down once the faults are cleared.
TEST_F(ControlPlaneFaultsE2eTest, ApiErrorsHoldTheScaleAndTheAutoscalerResumesAfterwards) {
  constexpr double kPhase2At = 32, kDropAt = 44, kClearAt = 56;
  static_assert(kPhase2At < kDropAt && kDropAt < kClearAt, "the load drops inside phase 2");
  StartStack(183, Scenario("9m for 44s, 2m"), /*use_stream=*/false);
  if (HasFatalFailure()) return;
  ASSERT_LT(ScenarioSeconds(), kPhase2At - 8) << "setup took too long for the scenario";
  HoldUntil(ScenarioSeconds() + 3, 3, "rescaled at the target load");

  // Phase 1: every pods request fails (metrics.k8s.io pods and core pods alike).
  SetApiFaults("500 resource=pods\n");
  auto failing = WaitUntil(seconds(15), milliseconds(500), [&](std::string* seen) {
    *seen = Condition("ScalingActive");
    return *seen == "False/FailedGetResourceMetric";
  });
  EXPECT_TRUE(failing.ok) << "ScalingActive never said the metrics were missing; last: " << failing.last_observation
                          << "\n" << LogTails();
  HoldUntil(kPhase2At, 3, "scaled while the metrics API failed");

  // Phase 2: metrics are back, but the target's /scale fails and status writes are throttled; the load drops.
  SetApiFaults("503 resource=deployments/scale\n429:1 resource=horizontalpodautoscalers verb=update\n");
  HoldUntil(kClearAt, 3, "scaled while /scale failed");

  ClearApiFaults();
  auto down = timeline_.Until(kClearAt + 30, [](const Sample& s) { return s.replicas == 1; });
  ASSERT_TRUE(down) << "did not scale down to 1 after the faults were cleared\n" << Timeline() << LogTails();
  EXPECT_GE(down->t, kClearAt) << Timeline();
  auto healthy = WaitUntil(seconds(15), milliseconds(500), [&](std::string* seen) {
    *seen = Condition("ScalingActive") + " " + Condition("AbleToScale") + " current=" +
            JsonPath({"hpa", "demo"}, "{.status.currentReplicas}");
    return seen->rfind("True/ValidMetricFound True/", 0) == 0 && seen->find("current=1") != std::string::npos;
  });
  EXPECT_TRUE(healthy.ok) << "HPA status not healthy after the faults: " << healthy.last_observation;
  // The autoscaler said what failed, as upstream's events do.
  auto events = MustKubectl({"get", "events", "--field-selector", "involvedObject.name=demo", "-o",
                             "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"});
  EXPECT_NE(events.find("FailedGetResourceMetric"), std::string::npos) << events;
  EXPECT_NE(events.find("FailedGetScale"), std::string::npos) << events;
  ExpectAllRunning();
  std::cout << Timeline();
}

// The API server goes away for a minute (connections refused) while the autoscaler still receives metrics over
// the stream, and the load drops meanwhile. Nothing crashes; when the API server is back, kubectl top works
// again through the aggregator and the autoscaler scales down to what the new load needs.
TEST_F(ControlPlaneFaultsE2eTest, ApiServerAwayForAMinuteThenEverythingResumes) {
  constexpr double kDropAt = 60;
  StartStack(185, Scenario("9m for 60s, 2m"), /*use_stream=*/true);
  if (HasFatalFailure()) return;
  ASSERT_LT(ScenarioSeconds(), 30) << "setup took too long for the scenario";
  HoldUntil(ScenarioSeconds() + 3, 3, "rescaled at the target load");

  const std::string path = dir() + "/down.txt";
  std::ofstream(path) << "down for=60s\n";
  auto r = kubectl().Run({"create", "--raw", "/sandbox/faults", "-f", path});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  const auto away_at = std::chrono::steady_clock::now();
  const double away_t = ScenarioSeconds();
  std::this_thread::sleep_for(seconds(1));
  auto refused = kubectl().Run({"get", "nodes"}, "", seconds(10));
  EXPECT_NE(refused.exit_code, 0) << "the API server still answers\n" << refused.Describe();

  // Away: every process keeps running (informers and leases retry; nobody exits on a lost API server).
  while (std::chrono::steady_clock::now() - away_at < seconds(58)) {
    SampleRss();
    ASSERT_TRUE(metrics_server()->Running()) << LogTails();
    ASSERT_TRUE(autoscalers()[0]->Running()) << LogTails();
    ASSERT_TRUE(sandbox()->Running()) << LogTails();
    std::this_thread::sleep_for(seconds(1));
  }
  ASSERT_GT(ScenarioSeconds(), kDropAt) << "the load drop must fall inside the outage";

  // Back: the aggregator finds metrics-server Available again and kubectl top answers.
  auto back = timeline_.Until(away_t + 75, [](const Sample& s) { return s.replicas.has_value(); });
  ASSERT_TRUE(back) << "the API server did not come back\n" << LogTails();
  EXPECT_TRUE(back->replicas == 3 || back->replicas == 1) << Timeline();
  EXPECT_TRUE(WaitForNodeMetrics(seconds(40))) << LogTails();

  // The autoscaler resumes: the low load (2m on 3 pods) means 1 replica.
  auto down = timeline_.Until(ScenarioSeconds() + 40, [](const Sample& s) { return s.replicas == 1; });
  ASSERT_TRUE(down) << "the autoscaler did not resume after the outage\n" << Timeline() << LogTails();
  auto status = WaitUntil(seconds(15), milliseconds(500), [&](std::string* seen) {
    *seen = JsonPath({"hpa", "demo"}, "{.status.currentReplicas}/{.status.desiredReplicas}");
    return *seen == "1/1";
  });
  EXPECT_TRUE(status.ok) << "HPA status after the outage: " << status.last_observation;
  // The rescale came after the API server was back, never during the outage (the autoscaler may act before our
  // first kubectl read does, so the logs' klog times tell: same machine, same clock).
  const auto back_at = KlogTimeOf(sandbox()->Output(), "injected fault over");
  const auto scaled_at = KlogTimeOf(autoscalers()[0]->Output(), "scaled demo from 3 to ");
  ASSERT_TRUE(back_at && scaled_at) << LogTails();
  EXPECT_GE(*scaled_at, *back_at) << "scaled while the API server was away?\n" << LogTails();
  ExpectAllRunning();
  std::cout << Timeline();
}

// metrics-server is killed under an autoscaler reading its gRPC stream: the stream goes stale, the fallback
// (metrics.k8s.io) has no backend either, so the HPA holds its scale and says so; metrics-server restarts on the
// same ports, the stream reconnects, and a later load step is followed.
TEST_F(ControlPlaneFaultsE2eTest, MetricsServerRestartUnderAStreamingAutoscaler) {
  constexpr double kStepAt = 50;
  StartStack(187, Scenario("9m for 50s, 24m"), /*use_stream=*/true);
  if (HasFatalFailure()) return;
  ASSERT_LT(ScenarioSeconds(), 25) << "setup took too long for the scenario";
  Subprocess& autoscaler = *autoscalers()[0];
  ASSERT_TRUE(WaitForLog(autoscaler, "metrics stream from 127.0.0.1:", seconds(10)));
  HoldUntil(ScenarioSeconds() + 3, 3, "rescaled at the target load");

  metrics_server()->Kill();
  auto missing = WaitUntil(seconds(25), milliseconds(500), [&](std::string* seen) {
    *seen = Condition("ScalingActive");
    return *seen == "False/FailedGetResourceMetric";
  });
  EXPECT_TRUE(missing.ok) << "ScalingActive never said the metrics were missing; last: " << missing.last_observation
                          << "\n" << LogTails();
  EXPECT_TRUE(WaitForLog(autoscaler, "lost (", seconds(5)));
  HoldUntil(ScenarioSeconds() + 4, 3, "scaled without metrics");

  ASSERT_TRUE(StartMetricsServer({.metric_resolution = "3s", .grpc = true}));
  auto reconnected = WaitUntil(seconds(40), milliseconds(500), [&] {
    return Count(autoscaler.Output(), "metrics stream from 127.0.0.1:") >= 2 &&
           Count(autoscaler.Output(), " connected") >= 2;
  });
  EXPECT_TRUE(reconnected) << "the stream did not reconnect\n" << autoscaler.LogTail(30);
  ASSERT_LT(ScenarioSeconds(), kStepAt) << "restart took too long for the scenario's load step\n" << LogTails();
  HoldUntil(kStepAt, 3, "rescaled before the load step");

  // 24m on 3 pods is 80% of request against a 10% target: up to 8 pods.
  auto up = timeline_.Until(kStepAt + 25, [](const Sample& s) { return s.replicas.value_or(0) >= 6; });
  ASSERT_TRUE(up) << "the load step was not followed after the restart\n" << Timeline() << LogTails();
  ExpectAllRunning();
  std::cout << Timeline();
}

// Every watch is cut a second after it starts: informers must re-list and re-watch over and over and still see
// what changes. A new HPA for a second Deployment is picked up and acted on (its pods too), the first HPA holds,
// and kubectl top keeps working (metrics-server's node informer suffers the same).
TEST_F(ControlPlaneFaultsE2eTest, DroppedWatchesAreReListedAndChangesAreStillSeen) {
  const std::string late = R"(,
    {"kind": "Deployment", "namespace": "default", "name": "late", "replicas": 1,
     "containers": [{"name": "app", "cpu": "30m", "memory": "32Mi"}], "load": "24m"})";
  StartStack(189, Scenario("9m", late), /*use_stream=*/false);
  if (HasFatalFailure()) return;

  SetApiFaults("drop-watches:1s\n");
  EXPECT_NE(MustKubectl({"get", "--raw", "/sandbox/faults"}).find("drop-watches:1s"), std::string::npos);
  std::this_thread::sleep_for(seconds(3));  // every informer has had its watch cut at least once
  {
    auto r = kubectl().Run({"autoscale", "deployment", "late", "--cpu-percent=10", "--min=1", "--max=10"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  // 24m on one 30m pod is 80%: up to 8. Scaling up needs the HPA (HPA informer) and the new pods' metrics with
  // their labels and readiness (pod informer), all through cut watches.
  auto up = WaitUntil(seconds(45), milliseconds(500), [&](std::string* seen) {
    *seen = JsonPath({"deployment", "late"}, "{.spec.replicas}") + " status " +
            JsonPath({"hpa", "late"}, "{.status.currentReplicas}/{.status.desiredReplicas}");
    const int replicas = std::atoi(seen->c_str());
    return replicas >= 6;
  });
  EXPECT_TRUE(up.ok) << "the new HPA was not acted on under dropped watches; last: " << up.last_observation << "\n"
                     << LogTails();
  EXPECT_EQ(Replicas(), 3);
  auto top = kubectl().Run({"top", "node", "--no-headers"});
  EXPECT_EQ(top.exit_code, 0) << top.Describe();
  EXPECT_EQ(SplitLines(top.out).size(), 2u) << top.out;
  auto pods = kubectl().Run({"top", "pod", "-l", "app=late", "--no-headers"});
  EXPECT_EQ(pods.exit_code, 0) << pods.Describe();

  // The fault did fire, more than once per informer (the autoscaler's HPA and pod informers, metrics-server's
  // node informer; a re-list after a cut waits for the informer's backoff, so about one cut per informer every
  // few seconds).
  auto listed = MustKubectl({"get", "--raw", "/sandbox/faults"});
  const auto hits = listed.find("hits=");
  ASSERT_NE(hits, std::string::npos) << listed;
  EXPECT_GE(std::atoi(listed.c_str() + hits + 5), 6) << listed;
  ClearApiFaults();
  ExpectAllRunning();
}

}  // namespace
}  // namespace e2e
