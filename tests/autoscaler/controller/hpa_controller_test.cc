// The controller pass end to end against fakes: it reads /scale through discovery, fetches metrics, scales,
// writes status and records events, and holds still when it is not the leader or metrics are missing.

#include "autoscaler/controller/hpa_controller.h"

#include <gtest/gtest.h>

#include "tests/autoscaler/controller/fake_rest_client.h"

namespace autoscaler {
namespace {

using namespace std::chrono_literals;

constexpr const char* kScalePath = "/apis/apps/v1/namespaces/shop/deployments/web/scale";
constexpr const char* kHpaPath = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web";

class FakeMetrics : public MetricsClient {
 public:
  common::Result<std::vector<hpa::PodMetrics>> resource = std::vector<hpa::PodMetrics>{};
  int resource_calls = 0;
  common::Result<std::vector<hpa::PodMetrics>> ResourceMetrics(const std::string&, const std::string& selector) override {
    ++resource_calls;
    last_selector = selector;
    return resource;
  }
  common::Result<std::vector<hpa::CustomPodMetric>> PodsMetric(const std::string&, const std::string&,
                                                               const std::string&, const std::string&) override {
    return common::Error::Make(common::ErrorCode::kNotFound, "no custom metrics");
  }
  common::Result<hpa::MetricValue> ObjectMetric(const std::string&, const hpa::CrossVersionObjectReference&,
                                                const std::string&, const std::string&) override {
    return common::Error::Make(common::ErrorCode::kNotFound, "no custom metrics");
  }
  common::Result<std::vector<hpa::MetricValue>> ExternalMetric(const std::string&, const std::string&,
                                                               const std::string&) override {
    return common::Error::Make(common::ErrorCode::kNotFound, "no external metrics");
  }
  std::string last_selector;
};

class FakePods : public PodLister {
 public:
  std::vector<hpa::Pod> pods;
  std::vector<hpa::Pod> PodsInNamespace(const std::string&) const override { return pods; }
  const std::map<std::string, std::string>* Labels(const std::string&, const std::string& name) const override {
    for (const auto& p : pods) {
      if (p.name == name) return &p.labels;
    }
    return nullptr;
  }
};

class FakeEvents : public EventRecorder {
 public:
  struct Recorded {
    std::string type, reason, message;
  };
  std::vector<Recorded> recorded;
  void Record(const InvolvedObject&, const std::string& type, const std::string& reason,
              const std::string& message) override {
    recorded.push_back({type, reason, message});
  }
};

hpa::Pod ReadyPod(const std::string& name, hpa::Time started) {
  hpa::Pod pod;
  pod.name = name;
  pod.labels = {{"app", "web"}};
  pod.phase = hpa::PodPhase::kRunning;
  pod.start_time = started;
  pod.conditions.push_back({"Ready", "True", started + 20s});
  pod.containers.push_back({"app", {{"cpu", 100}}, false});
  return pod;
}

hpa::PodMetrics UsingCpu(const std::string& name, int64_t milli, hpa::Time at) {
  return {name, at, hpa::Seconds(15), {{"app", {{"cpu", milli}}}}};
}

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api.Put("/apis/apps/v1", R"({"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
        {"name":"deployments","kind":"Deployment","namespaced":true},
        {"name":"deployments/scale","kind":"Scale","group":"autoscaling","version":"v1","namespaced":true}]})");
    api.Put(kScalePath, R"({"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","namespace":"shop"},
        "spec":{"replicas":2},"status":{"replicas":2,"selector":"app=web"}})");
    api.Put(kHpaPath, R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
        "metadata":{"name":"web","namespace":"shop","uid":"u1","generation":1},
        "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":10,
                "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]}})");
    const hpa::Time started = std::chrono::time_point_cast<hpa::Duration>(now - 1h);
    pods.pods = {ReadyPod("web-1", started), ReadyPod("web-2", started)};
  }

  HpaObject Hpa() {
    auto decoded = DecodeHpaJson(api.Object(kHpaPath));
    EXPECT_TRUE(decoded.ok());
    return *decoded;
  }

  std::unique_ptr<HpaController> Controller(std::function<bool()> is_leader = {}) {
    HpaController::Dependencies deps;
    deps.rest = &api;
    deps.scale = &scale;
    deps.metrics = &metrics;
    deps.events = &events;
    deps.pods = &pods;
    deps.is_leader = std::move(is_leader);
    deps.clock = [this] { return now; };
    return std::make_unique<HpaController>(deps, ControllerOptions{});
  }

  int ScaleReplicas() {
    auto s = DecodeScale(api.Object(kScalePath));
    return s.ok() ? s->view.spec_replicas : -1;
  }

  std::chrono::system_clock::time_point now = std::chrono::system_clock::time_point(std::chrono::seconds(1'790'000'000));
  testing::FakeRestClient api;
  RestMapper mapper{api};
  ApiScaleClient scale{api, mapper};
  FakeMetrics metrics;
  FakePods pods;
  FakeEvents events;
};

TEST_F(ControllerTest, ScalesUpWritesStatusAndRecordsEvent) {
  const hpa::Time at = std::chrono::time_point_cast<hpa::Duration>(now - 5s);
  metrics.resource = std::vector<hpa::PodMetrics>{UsingCpu("web-1", 200, at), UsingCpu("web-2", 200, at)};
  auto controller = Controller();
  auto error = controller->Reconcile(Hpa());
  EXPECT_FALSE(error.has_value()) << *error;
  EXPECT_EQ(metrics.last_selector, "app=web");
  // 400% of the 50% target wants 8; without behavior the scale-up limit is max(2 * 2, 4) = 4.
  EXPECT_EQ(ScaleReplicas(), 4);
  ASSERT_EQ(events.recorded.size(), 1u);
  EXPECT_EQ(events.recorded[0].type, "Normal");
  EXPECT_EQ(events.recorded[0].reason, "SuccessfulRescale");
  EXPECT_EQ(events.recorded[0].message, "New size: 4; reason: cpu resource utilization (percentage of request) above target");

  auto written = DecodeHpaJson(api.Object(kHpaPath));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->hpa.status.desired_replicas, 4);
  EXPECT_EQ(written->hpa.status.current_replicas, 2);
  ASSERT_TRUE(written->hpa.status.last_scale_time.has_value());
  ASSERT_EQ(written->hpa.status.current_metrics.size(), 1u);
  EXPECT_EQ(written->hpa.status.current_metrics[0].current.average_utilization, 200);
  std::vector<std::string> reasons;
  for (const auto& c : written->hpa.status.conditions) reasons.push_back(c.type + "/" + c.reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"AbleToScale/SucceededRescale", "ScalingActive/ValidMetricFound",
                                               "ScalingLimited/ScaleUpLimit"}));
}

TEST_F(ControllerTest, FollowerNeverWritesScale) {
  const hpa::Time at = std::chrono::time_point_cast<hpa::Duration>(now - 5s);
  metrics.resource = std::vector<hpa::PodMetrics>{UsingCpu("web-1", 200, at), UsingCpu("web-2", 200, at)};
  auto controller = Controller([] { return false; });
  auto error = controller->Reconcile(Hpa());
  EXPECT_TRUE(error.has_value());
  EXPECT_EQ(ScaleReplicas(), 2);
  for (const auto& call : api.Calls()) {
    EXPECT_FALSE(call.verb == kube::Verb::kPut && call.path == kScalePath) << "scale written by a follower";
  }
}

TEST_F(ControllerTest, MissingMetricsHoldTheScale) {
  metrics.resource = common::Error::Make(common::ErrorCode::kUnavailable, "the server is currently unable to handle the request");
  auto controller = Controller();
  auto error = controller->Reconcile(Hpa());
  EXPECT_TRUE(error.has_value());
  EXPECT_EQ(ScaleReplicas(), 2);
  auto written = DecodeHpaJson(api.Object(kHpaPath));
  ASSERT_TRUE(written.ok());
  bool scaling_inactive = false;
  for (const auto& c : written->hpa.status.conditions) {
    if (c.type == "ScalingActive") scaling_inactive = c.status == "False" && c.reason == "FailedGetResourceMetric";
  }
  EXPECT_TRUE(scaling_inactive);
  bool warned = false;
  for (const auto& e : events.recorded) warned |= e.type == "Warning" && e.reason == "FailedGetResourceMetric";
  EXPECT_TRUE(warned);
}

TEST_F(ControllerTest, ScaleDownWaitsForStabilizationWindow) {
  const hpa::Time at = std::chrono::time_point_cast<hpa::Duration>(now - 5s);
  metrics.resource = std::vector<hpa::PodMetrics>{UsingCpu("web-1", 10, at), UsingCpu("web-2", 10, at)};
  auto controller = Controller();
  // First pass: no history, the current size is recorded and holds the scale-down for 5 minutes.
  EXPECT_FALSE(controller->Reconcile(Hpa()).has_value());
  EXPECT_EQ(ScaleReplicas(), 2);
  now += 4min;
  EXPECT_FALSE(controller->Reconcile(Hpa()).has_value());
  EXPECT_EQ(ScaleReplicas(), 2);
  now += 2min;
  EXPECT_FALSE(controller->Reconcile(Hpa()).has_value());
  EXPECT_EQ(ScaleReplicas(), 1);
}

TEST_F(ControllerTest, UnknownTargetKindIsReportedNotFatal) {
  api.Put(kHpaPath, R"({"metadata":{"name":"web","namespace":"shop"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1",
      "kind":"Gizmo","name":"web"},"maxReplicas":3,"metrics":[]}})");
  auto controller = Controller();
  auto error = controller->Reconcile(Hpa());
  ASSERT_TRUE(error.has_value());
  const FakeEvents::Recorded* failed_get_scale = nullptr;
  for (const auto& e : events.recorded) {
    if (e.reason == "FailedGetScale") failed_get_scale = &e;
  }
  ASSERT_NE(failed_get_scale, nullptr);
  EXPECT_EQ(failed_get_scale->type, "Warning");
  // meta.NoKindMatchError as upstream's RESTMapper words it for a group-and-kind lookup.
  EXPECT_EQ(failed_get_scale->message, "no matches for kind \"Gizmo\" in group \"apps\"");
  EXPECT_EQ(*error, "failed to query scale subresource for Gizmo/shop/web: no matches for kind \"Gizmo\" in group \"apps\"");
}

TEST_F(ControllerTest, KindWithoutScaleSubresourceGetsTheServersNotFoundText) {
  api.Put("/api/v1", R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
      {"name":"configmaps","kind":"ConfigMap","namespaced":true}]})");
  api.Put(kHpaPath, R"({"metadata":{"name":"web","namespace":"shop"},"spec":{"scaleTargetRef":{"apiVersion":"v1",
      "kind":"ConfigMap","name":"web"},"maxReplicas":3,"metrics":[]}})");
  auto controller = Controller();
  ASSERT_TRUE(controller->Reconcile(Hpa()).has_value());
  ASSERT_FALSE(events.recorded.empty());
  EXPECT_EQ(events.recorded[0].reason, "FailedGetScale");
  EXPECT_EQ(events.recorded[0].message, "the server could not find the requested resource");
}

TEST_F(ControllerTest, FailedStatusWriteIsAWarningEvent) {
  const hpa::Time at = std::chrono::time_point_cast<hpa::Duration>(now - 5s);
  metrics.resource = std::vector<hpa::PodMetrics>{UsingCpu("web-1", 50, at), UsingCpu("web-2", 50, at)};
  api.FailNext(kHpaPath, common::ErrorCode::kUnavailable);  // the status PUT
  auto controller = Controller();
  auto error = controller->Reconcile(Hpa());
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, "failed to update status for web: injected failure");
  const FakeEvents::Recorded* failed = nullptr;
  for (const auto& e : events.recorded) {
    if (e.reason == "FailedUpdateStatus") failed = &e;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->type, "Warning");
  EXPECT_EQ(failed->message, "injected failure");
}

}  // namespace
}  // namespace autoscaler
