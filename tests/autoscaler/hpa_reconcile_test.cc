// Reconcile pass: every condition reason and event reason upstream's controller can produce, with upstream's
// message texts, plus the two-phase scale write, status-change detection and the controller memory.

#include "autoscaler/algorithm/reconcile.h"

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace autoscaler::hpa {
namespace {

const Time kNow{std::chrono::seconds(1700000000)};

common::Error Boom() { return common::Error::Make(common::ErrorCode::kUnavailable, "boom"); }

Pod MakePod(const std::string& name, int64_t cpu_request) {
  Pod p;
  p.name = name;
  p.labels = {{"app", "web"}};
  p.phase = PodPhase::kRunning;
  p.start_time = kNow - Seconds(3600);
  p.conditions = {{"Ready", "True", kNow - Seconds(3500)}};
  p.containers = {{"app", {{"cpu", cpu_request}}, false}};
  return p;
}

std::vector<PodMetrics> CpuUsage(int64_t per_pod, int pods = 3) {
  std::vector<PodMetrics> out;
  for (int i = 0; i < pods; ++i) {
    out.push_back(PodMetrics{"web-" + std::to_string(i), kNow - Seconds(10), Seconds(30), {{"app", {{"cpu", per_pod}}}}});
  }
  return out;
}

MetricSpec CpuUtilization(int32_t percent) {
  MetricSpec m;
  m.type = MetricSourceType::kResource;
  m.type_name = "Resource";
  m.resource_name = "cpu";
  m.target.type = MetricTargetType::kUtilization;
  m.target.average_utilization = percent;
  return m;
}

// A healthy HPA at equilibrium: 3 pods requesting 1 CPU each, target 50%, each using 500m.
ReconcileInput Baseline() {
  ReconcileInput in;
  in.now = kNow;
  in.hpa.name = "web";
  in.hpa.namespace_name = "prod";
  in.hpa.spec.scale_target_ref = {"Deployment", "web", "apps/v1"};
  in.hpa.spec.min_replicas = 1;
  in.hpa.spec.max_replicas = 10;
  in.hpa.spec.metrics = {CpuUtilization(50)};
  in.hpa.status.current_replicas = 3;
  in.hpa.status.desired_replicas = 3;
  in.scale = ScaleView{3, 3, "app=web"};
  for (int i = 0; i < 3; ++i) in.pods.push_back(MakePod("web-" + std::to_string(i), 1000));
  Pod other = MakePod("db-0", 1000);
  other.labels = {{"app", "db"}};
  in.pods.push_back(other);
  MetricAnswer answer;
  answer.resource = CpuUsage(500);
  in.metric_answers = {answer};
  in.memory.recommendations = std::vector<TimestampedRecommendation>{};
  return in;
}

void SetCpuUsage(ReconcileInput& in, int64_t per_pod) { in.metric_answers[0].resource = CpuUsage(per_pod); }

const HpaCondition* Find(const ReconcileOutput& out, const std::string& type) {
  for (const auto& c : out.status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

const Event* FindEvent(const ReconcileOutput& out, const std::string& reason) {
  for (const auto& e : out.events) {
    if (e.reason == reason) return &e;
  }
  return nullptr;
}

ReconcileOutput RunOk(const ReconcileInput& in) {
  return RunReconcile(in, [](int32_t) { return common::Status::Ok(); });
}

struct ConditionRow {
  std::string label;
  std::function<void(ReconcileInput&)> mutate;
  std::string type, status, reason, message;
  int32_t desired_replicas;
};

void PrintTo(const ConditionRow& row, std::ostream* os) { *os << row.label; }

class ConditionTableTest : public testing::TestWithParam<ConditionRow> {};

TEST_P(ConditionTableTest, SetsUpstreamReasonAndMessage) {
  const ConditionRow& row = GetParam();
  ReconcileInput in = Baseline();
  row.mutate(in);
  ReconcileOutput out = RunReconcile(in, [](int32_t) { return common::Status::Ok(); });
  const HpaCondition* c = Find(out, row.type);
  ASSERT_NE(c, nullptr) << "no " << row.type << " condition";
  EXPECT_EQ(c->status, row.status);
  EXPECT_EQ(c->reason, row.reason);
  EXPECT_EQ(c->message, row.message);
  EXPECT_EQ(out.status.desired_replicas, row.desired_replicas);
}

MetricSpec WithType(MetricSourceType type, const char* name) {
  MetricSpec m;
  m.type = type;
  m.type_name = name;
  m.metric.name = "qps";
  m.target.type = MetricTargetType::kAverageValue;
  m.target.average_value_milli = 1000;
  return m;
}

MetricSpec ObjectValue() {
  MetricSpec m = WithType(MetricSourceType::kObject, "Object");
  m.described_object = {"Service", "frontend", "v1"};
  m.target.type = MetricTargetType::kValue;
  m.target.average_value_milli.reset();
  m.target.value_milli = 1000;
  return m;
}

std::vector<ConditionRow> ConditionRows() {
  const std::string unable = "the HPA was unable to compute the replica count: ";
  return {
      {"SucceededGetScale", [](ReconcileInput& in) { in.metric_answers[0].resource = Boom(); }, kAbleToScale, "True",
       "SucceededGetScale", "the HPA controller was able to get the target's current scale", 3},
      {"FailedGetScale", [](ReconcileInput& in) { in.scale = Boom(); }, kAbleToScale, "False", "FailedGetScale",
       "the HPA controller was unable to get the target's current scale: boom", 3},
      {"SucceededRescale", [](ReconcileInput& in) { SetCpuUsage(in, 1000); }, kAbleToScale, "True",
       "SucceededRescale", "the HPA controller was able to update the target scale to 6", 6},
      {"ReadyForNewScale", [](ReconcileInput&) {}, kAbleToScale, "True", "ReadyForNewScale",
       "recommended size matches current size", 3},
      {"ScaleDownStabilized",
       [](ReconcileInput& in) {
         SetCpuUsage(in, 100);
         in.memory.recommendations.reset();  // first sight: current size is recorded and holds the scale-down
       },
       kAbleToScale, "True", "ScaleDownStabilized",
       "recent recommendations were higher than current one, applying the highest recent recommendation", 3},
      {"ScaleUpStabilized",
       [](ReconcileInput& in) {
         SetCpuUsage(in, 1000);
         ScalingRules up;
         up.stabilization_window_seconds = 300;
         in.hpa.spec.behavior = DefaultBehavior(Behavior{up, std::nullopt});
         in.memory.recommendations = std::vector<TimestampedRecommendation>{{3, kNow - Seconds(60)}};
       },
       kAbleToScale, "True", "ScaleUpStabilized",
       "recent recommendations were lower than current one, applying the lowest recent recommendation", 3},
      {"ValidMetricFound", [](ReconcileInput&) {}, kScalingActive, "True", "ValidMetricFound",
       "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of "
       "request)",
       3},
      {"ScalingDisabled", [](ReconcileInput& in) { in.scale = ScaleView{0, 0, "app=web"}; }, kScalingActive, "False",
       "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", 0},
      {"InvalidSelectorMissing", [](ReconcileInput& in) { in.scale = ScaleView{3, 3, ""}; }, kScalingActive, "False",
       "InvalidSelector", "the HPA target's scale is missing a selector", 3},
      {"InvalidSelectorUnparsable", [](ReconcileInput& in) { in.scale = ScaleView{3, 3, "app in (web"}; },
       kScalingActive, "False", "InvalidSelector",
       // Upstream's labels.Parse wraps a failed requirement in "unable to parse requirement: ".
       "couldn't convert selector into a corresponding internal selector object: unable to parse requirement: found "
       "'', expected: ',' or ')'",
       3},
      {"AmbiguousSelector", [](ReconcileInput& in) { in.other_hpas = {{"web-2", "app in (web,db)"}}; },
       kScalingActive, "False", "AmbiguousSelector",
       "pods by selector app=web are controlled by multiple HPAs: [prod/web prod/web-2]", 3},
      {"FailedGetResourceMetric", [](ReconcileInput& in) { in.metric_answers[0].resource = Boom(); },
       kScalingActive, "False", "FailedGetResourceMetric",
       unable + "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
                "resource metrics API: boom",
       3},
      {"FailedGetContainerResourceMetric",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics[0].type = MetricSourceType::kContainerResource;
         in.hpa.spec.metrics[0].container = "app";
         in.metric_answers[0].resource = std::vector<PodMetrics>{};
       },
       kScalingActive, "False", "FailedGetContainerResourceMetric",
       unable + "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from "
                "resource metrics API",
       3},
      {"FailedGetPodsMetric",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {WithType(MetricSourceType::kPods, "Pods")};
         in.metric_answers[0].pods = Boom();
       },
       kScalingActive, "False", "FailedGetPodsMetric",
       unable + "unable to get metric qps: unable to fetch metrics from custom metrics API: boom", 3},
      {"FailedGetObjectMetric",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {WithType(MetricSourceType::kObject, "Object")};
         in.hpa.spec.metrics[0].target.type = MetricTargetType::kUnset;
       },
       kScalingActive, "False", "FailedGetObjectMetric",
       unable + "invalid object metric source: neither a value target nor an average value target was set", 3},
      {"FailedGetObjectMetricApiError",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {ObjectValue()};
         in.metric_answers[0].object = Boom();
       },
       kScalingActive, "False", "FailedGetObjectMetric",
       // Upstream's argument order in "unable to get metric %s: %v on %s %s/%s", reproduced.
       unable + "unable to get metric qps: Service on prod frontend/unable to fetch metrics from custom metrics API: "
                "boom",
       3},
      {"FailedGetExternalMetric",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {WithType(MetricSourceType::kExternal, "External")};
         in.metric_answers[0].external = std::vector<MetricValue>{};
       },
       kScalingActive, "False", "FailedGetExternalMetric",
       unable + "unable to get external metric prod/qps/nil: no metrics returned from external metrics API", 3},
      {"InvalidMetricSourceType",
       [](ReconcileInput& in) { in.hpa.spec.metrics = {WithType(MetricSourceType::kUnknown, "CheddarCheese")}; },
       kScalingActive, "False", "InvalidMetricSourceType", unable + "unknown metric source type \"CheddarCheese\"", 3},
      {"DesiredWithinRange", [](ReconcileInput&) {}, kScalingLimited, "False", "DesiredWithinRange",
       "the desired count is within the acceptable range", 3},
      {"TooFewReplicas",
       [](ReconcileInput& in) {
         in.hpa.spec.min_replicas = 2;
         SetCpuUsage(in, 100);
       },
       kScalingLimited, "True", "TooFewReplicas", "the desired replica count is less than the minimum replica count",
       2},
      {"TooManyReplicas",
       [](ReconcileInput& in) {
         in.hpa.spec.max_replicas = 4;
         SetCpuUsage(in, 1000);
       },
       kScalingLimited, "True", "TooManyReplicas", "the desired replica count is more than the maximum replica count",
       4},
      {"ScaleUpLimit", [](ReconcileInput& in) { SetCpuUsage(in, 3000); }, kScalingLimited, "True", "ScaleUpLimit",
       "the desired replica count is increasing faster than the maximum scale rate", 6},
      {"ScaleDownLimit",
       [](ReconcileInput& in) {
         SetCpuUsage(in, 100);
         ScalingRules down;
         down.stabilization_window_seconds = 0;
         down.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPods, 1, 60}};
         in.hpa.spec.behavior = DefaultBehavior(Behavior{std::nullopt, down});
       },
       kScalingLimited, "True", "ScaleDownLimit",
       "the desired replica count is decreasing faster than the maximum scale rate", 2},
  };
}

INSTANTIATE_TEST_SUITE_P(Reasons, ConditionTableTest, testing::ValuesIn(ConditionRows()),
                         [](const testing::TestParamInfo<ConditionRow>& info) { return info.param.label; });

struct EventRow {
  std::string label;
  std::function<void(ReconcileInput&)> mutate;
  bool fail_scale_write;
  std::string type, reason, message;
};

void PrintTo(const EventRow& row, std::ostream* os) { *os << row.label; }

class EventTableTest : public testing::TestWithParam<EventRow> {};

TEST_P(EventTableTest, EmitsUpstreamEvent) {
  const EventRow& row = GetParam();
  ReconcileInput in = Baseline();
  row.mutate(in);
  bool fail = row.fail_scale_write;
  ReconcileOutput out = RunReconcile(in, [&](int32_t) { return fail ? common::Status(Boom()) : common::Status::Ok(); });
  const Event* e = FindEvent(out, row.reason);
  ASSERT_NE(e, nullptr) << "no " << row.reason << " event";
  EXPECT_EQ(e->type, row.type);
  EXPECT_EQ(e->message, row.message);
}

std::vector<EventRow> EventRows() {
  return {
      {"SuccessfulRescaleUp", [](ReconcileInput& in) { SetCpuUsage(in, 1000); }, false, "Normal", "SuccessfulRescale",
       "New size: 6; reason: cpu resource utilization (percentage of request) above target"},
      {"SuccessfulRescaleDown", [](ReconcileInput& in) { SetCpuUsage(in, 100); }, false, "Normal",
       "SuccessfulRescale", "New size: 1; reason: All metrics below target"},
      {"SuccessfulRescaleAboveMax", [](ReconcileInput& in) { in.scale = ScaleView{12, 12, "app=web"}; }, false,
       "Normal", "SuccessfulRescale", "New size: 10; reason: Current number of replicas above Spec.MaxReplicas"},
      {"SuccessfulRescaleBelowMin",
       [](ReconcileInput& in) {
         in.hpa.spec.min_replicas = 4;
       },
       false, "Normal", "SuccessfulRescale", "New size: 4; reason: Current number of replicas below Spec.MinReplicas"},
      {"FailedRescale", [](ReconcileInput& in) { SetCpuUsage(in, 1000); }, true, "Warning", "FailedRescale",
       "New size: 6; reason: cpu resource utilization (percentage of request) above target; error: boom"},
      {"FailedGetScale", [](ReconcileInput& in) { in.scale = Boom(); }, false, "Warning", "FailedGetScale", "boom"},
      {"SelectorRequired", [](ReconcileInput& in) { in.scale = ScaleView{3, 3, ""}; }, false, "Warning",
       "SelectorRequired", "selector is required"},
      {"InvalidSelector", [](ReconcileInput& in) { in.scale = ScaleView{3, 3, "app=web,,"}; }, false, "Warning",
       "InvalidSelector",
       // Upstream's labels.Parse reports a dangling comma itself, not as a failed requirement.
       "couldn't convert selector into a corresponding internal selector object: found ',', expected: identifier "
       "after ','"},
      {"AmbiguousSelector", [](ReconcileInput& in) { in.other_hpas = {{"api", "app=web"}}; }, false, "Warning",
       "AmbiguousSelector", "pods by selector app=web are controlled by multiple HPAs: [prod/api prod/web]"},
      {"FailedGetResourceMetric", [](ReconcileInput& in) { in.metric_answers[0].resource = Boom(); }, false,
       "Warning", "FailedGetResourceMetric",
       "failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource "
       "metrics API: boom"},
      {"FailedGetObjectMetric",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {ObjectValue()};
         in.metric_answers[0].object = Boom();
       },
       false, "Warning", "FailedGetObjectMetric",
       "unable to get metric qps: Service on prod frontend/unable to fetch metrics from custom metrics API: boom"},
      {"FailedGetPodsMetric",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {WithType(MetricSourceType::kPods, "Pods")};
         in.metric_answers[0].pods = std::vector<CustomPodMetric>{};
       },
       false, "Warning", "FailedGetPodsMetric", "unable to get metric qps: no metrics returned from custom metrics API"},
      {"FailedComputeMetricsReplicasObject",
       [](ReconcileInput& in) {
         in.hpa.spec.metrics = {ObjectValue()};
         in.metric_answers[0].object = Boom();
       },
       false, "Warning", "FailedComputeMetricsReplicas",
       "invalid metrics (1 invalid out of 1), first error is: failed to get object metric value: unable to get metric "
       "qps: Service on prod frontend/unable to fetch metrics from custom metrics API: boom"},
      {"FailedComputeMetricsReplicas", [](ReconcileInput& in) { in.metric_answers[0].resource = Boom(); }, false,
       "Warning", "FailedComputeMetricsReplicas",
       "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get "
       "cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: "
       "boom"},
  };
}

INSTANTIATE_TEST_SUITE_P(Reasons, EventTableTest, testing::ValuesIn(EventRows()),
                         [](const testing::TestParamInfo<EventRow>& info) { return info.param.label; });

TEST(Reconcile, FailedUpdateScaleConditionAndError) {
  ReconcileInput in = Baseline();
  SetCpuUsage(in, 1000);
  ReconcileOutput out = RunReconcile(in, [](int32_t) { return common::Status(Boom()); });
  const HpaCondition* c = Find(out, kAbleToScale);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "False");
  EXPECT_EQ(c->reason, "FailedUpdateScale");
  EXPECT_EQ(c->message, "the HPA controller was unable to update the target scale: boom");
  EXPECT_FALSE(out.scale_updated);
  EXPECT_EQ(out.scale_update, 6);
  EXPECT_EQ(out.status.desired_replicas, 3);  // unchanged: the write failed
  EXPECT_FALSE(out.status.last_scale_time.has_value());
  ASSERT_TRUE(out.error.has_value());
  EXPECT_EQ(*out.error, "failed to rescale Deployment/prod/web: boom");
  EXPECT_TRUE(out.memory.scale_up_events.empty());
}

TEST(Reconcile, TwoPhaseApi) {
  ReconcileInput in = Baseline();
  SetCpuUsage(in, 1000);
  ReconcileOutput partial = Reconcile(in);
  ASSERT_TRUE(partial.awaiting_scale_update);
  EXPECT_EQ(partial.scale_update, 6);
  EXPECT_FALSE(partial.scale_updated);
  ReconcileOutput done = CompleteReconcile(in, partial, common::Status::Ok());
  EXPECT_FALSE(done.awaiting_scale_update);
  EXPECT_TRUE(done.scale_updated);
  EXPECT_EQ(done.status.desired_replicas, 6);
  EXPECT_EQ(done.status.current_replicas, 3);
  EXPECT_EQ(done.status.last_scale_time, kNow);
  ASSERT_EQ(done.status.current_metrics.size(), 1u);
  EXPECT_EQ(done.status.current_metrics[0].current.average_utilization, 100);
  EXPECT_EQ(done.status.current_metrics[0].current.average_value_milli, 1000);
  // Completing an already complete output changes nothing.
  ReconcileOutput again = CompleteReconcile(in, done, common::Status(Boom()));
  EXPECT_EQ(again.status, done.status);
}

TEST(Reconcile, NoStatusWriteWhenNothingChanged) {
  ReconcileInput in = Baseline();
  ReconcileOutput first = RunOk(in);
  EXPECT_TRUE(first.status_changed);  // conditions and metrics were empty
  ReconcileInput second = in;
  second.hpa.status = first.status;
  second.memory = first.memory;
  second.now = kNow + Seconds(15);
  ReconcileOutput out = RunOk(second);
  EXPECT_FALSE(out.status_changed);
  EXPECT_TRUE(out.events.empty());
  EXPECT_FALSE(out.scale_update.has_value());
}

TEST(Reconcile, ConditionTransitionTimeMovesOnlyOnStatusChange) {
  ReconcileInput in = Baseline();
  ReconcileOutput first = RunOk(in);
  ReconcileInput later = in;
  later.hpa.status = first.status;
  later.memory = first.memory;
  later.now = kNow + Seconds(60);
  SetCpuUsage(later, 1000);  // reason changes, status (True) does not
  ReconcileOutput out = RunOk(later);
  const HpaCondition* c = Find(out, kAbleToScale);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "SucceededRescale");
  EXPECT_EQ(c->last_transition_time, kNow);
  later.metric_answers[0].resource = Boom();
  ReconcileOutput failed = RunOk(later);
  const HpaCondition* active = Find(failed, kScalingActive);
  ASSERT_NE(active, nullptr);
  EXPECT_EQ(active->status, "False");
  EXPECT_EQ(active->last_transition_time, kNow + Seconds(60));
}

TEST(Reconcile, RecordsInitialRecommendationAndScaleEvents) {
  ReconcileInput in = Baseline();
  in.memory = HpaMemory{};
  ScalingRules up;
  up.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPercent, 100, 60}};
  in.hpa.spec.behavior = DefaultBehavior(Behavior{up, std::nullopt});
  SetCpuUsage(in, 1000);
  ReconcileOutput out = RunOk(in);
  ASSERT_TRUE(out.memory.recommendations.has_value());
  ASSERT_EQ(out.memory.recommendations->size(), 2u);
  EXPECT_EQ((*out.memory.recommendations)[0].recommendation, 3);  // initial: current size
  EXPECT_EQ((*out.memory.recommendations)[1].recommendation, 6);
  ASSERT_EQ(out.memory.scale_up_events.size(), 1u);
  EXPECT_EQ(out.memory.scale_up_events[0].replica_change, 3);
  EXPECT_EQ(out.memory.scale_up_events[0].timestamp, kNow);
  EXPECT_TRUE(out.memory.scale_down_events.empty());
}

TEST(Reconcile, PerHpaToleranceOverridesFlag) {
  ReconcileInput in = Baseline();
  SetCpuUsage(in, 540);  // 54% of 50% = ratio 1.08: within the default 10%
  EXPECT_FALSE(RunOk(in).scale_updated);
  ScalingRules up;
  up.tolerance = 0.05;
  in.hpa.spec.behavior = DefaultBehavior(Behavior{up, std::nullopt});
  ReconcileOutput out = RunOk(in);
  EXPECT_TRUE(out.scale_updated);
  EXPECT_EQ(out.status.desired_replicas, 4);
  in.config.configurable_tolerance = false;
  EXPECT_FALSE(RunOk(in).scale_updated);
}

TEST(Reconcile, MissingMetricAnswersAreErrorsNotCrashes) {
  ReconcileInput in = Baseline();
  in.metric_answers.clear();
  ReconcileOutput out = RunOk(in);
  EXPECT_TRUE(out.error.has_value());
  const HpaCondition* c = Find(out, kScalingActive);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "FailedGetResourceMetric");
  in.hpa.spec.metrics.clear();
  out = RunOk(in);
  EXPECT_TRUE(out.error.has_value());
  EXPECT_FALSE(out.scale_update.has_value());
}

TEST(Reconcile, PlanMetricQueries) {
  HpaSpec spec;
  spec.metrics = {CpuUtilization(50), WithType(MetricSourceType::kPods, "Pods"),
                  WithType(MetricSourceType::kExternal, "External"), WithType(MetricSourceType::kObject, "Object"),
                  WithType(MetricSourceType::kUnknown, "Bogus")};
  spec.metrics[2].metric.selector = LabelSelector{{{"queue", "jobs"}}, {}};
  spec.metrics[3].described_object = {"Ingress", "main", "networking.k8s.io/v1"};
  auto q = PlanMetricQueries(spec, "app=web");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[0].api, MetricsApi::kResource);
  EXPECT_EQ(q[0].resource, "cpu");
  EXPECT_EQ(q[0].pod_selector, "app=web");
  EXPECT_EQ(q[1].api, MetricsApi::kCustomPods);
  EXPECT_EQ(q[1].metric_name, "qps");
  EXPECT_EQ(q[2].api, MetricsApi::kExternal);
  EXPECT_EQ(q[2].metric_selector, "queue=jobs");
  EXPECT_EQ(q[3].api, MetricsApi::kCustomObject);
  EXPECT_EQ(q[3].object.name, "main");
  EXPECT_EQ(q[4].api, MetricsApi::kNone);
}

}  // namespace
}  // namespace autoscaler::hpa
