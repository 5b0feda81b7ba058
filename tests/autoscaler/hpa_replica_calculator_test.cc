// Replica calculator details that the golden cases do not pin down on their own.

#include "autoscaler/algorithm/replica_calculator.h"

#include <limits>

#include <gtest/gtest.h>

namespace autoscaler::hpa {
namespace {

const Time kNow{std::chrono::seconds(1700000000)};

Pod ReadyPod(const std::string& name, int64_t cpu) {
  Pod p;
  p.name = name;
  p.phase = PodPhase::kRunning;
  p.start_time = kNow - Seconds(3600);
  p.conditions = {{"Ready", "True", kNow - Seconds(3500)}};
  p.containers = {{"app", {{"cpu", cpu}}, false}};
  return p;
}

PodRefs Refs(const std::vector<Pod>& pods) {
  PodRefs r;
  for (const auto& p : pods) r.push_back(&p);
  return r;
}

PodMetrics Usage(const std::string& pod, int64_t cpu) {
  return PodMetrics{pod, kNow - Seconds(5), Seconds(30), {{"app", {{"cpu", cpu}}}}};
}

TEST(Conversions, Saturate) {
  EXPECT_EQ(CeilToInt32(1e20), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(CeilToInt32(-1e20), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(CeilToInt32(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(CeilToInt32(2.0000001), 3);
  EXPECT_EQ(CeilToInt64(9.3e18), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(SaturatingAdd(std::numeric_limits<int64_t>::max(), 1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(SaturatingAdd(std::numeric_limits<int64_t>::min(), -1), std::numeric_limits<int64_t>::min());
}

TEST(Tolerances, BoundsAreInclusive) {
  Tolerances t{0.1, 0.2};
  EXPECT_TRUE(t.IsWithin(0.9));
  EXPECT_TRUE(t.IsWithin(1.2));
  EXPECT_FALSE(t.IsWithin(0.89));
  EXPECT_FALSE(t.IsWithin(1.21));
}

TEST(Requests, SidecarsCountAndPlainInitContainersDoNot) {
  Pod p = ReadyPod("p", 100);
  p.init_containers = {{"sidecar", {{"cpu", 50}}, true}, {"init", {{"cpu", 1000}}, false}};
  std::vector<Pod> pods = {p};
  auto r = CalculateRequests(Refs(pods), "", "cpu", false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->at("p"), 150);
}

TEST(Requests, PodLevelRequestsNeedTheGateAndNoContainer) {
  Pod p = ReadyPod("p", 100);
  p.pod_requests = {{"cpu", 800}};
  std::vector<Pod> pods = {p};
  EXPECT_EQ(CalculateRequests(Refs(pods), "", "cpu", true)->at("p"), 800);
  EXPECT_EQ(CalculateRequests(Refs(pods), "", "cpu", false)->at("p"), 100);
  EXPECT_EQ(CalculateRequests(Refs(pods), "app", "cpu", true)->at("p"), 100);
  auto missing = CalculateRequests(Refs(pods), "", "memory", false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "missing request for memory in container app of Pod p");
}

TEST(GroupPods, OnlyCpuHasReadinessRules) {
  Pod starting = ReadyPod("starting", 100);
  starting.start_time = kNow - Seconds(10);
  starting.conditions = {{"Ready", "False", kNow - Seconds(5)}};
  std::vector<Pod> pods = {starting};
  PodMetricsInfo metrics = {{"starting", PodMetric{kNow, Seconds(30), 10}}};
  PodGroups cpu = GroupPods(Refs(pods), metrics, "cpu", Seconds(300), Seconds(30), kNow);
  EXPECT_EQ(cpu.unready_pods.count("starting"), 1u);
  PodGroups memory = GroupPods(Refs(pods), metrics, "memory", Seconds(300), Seconds(30), kNow);
  EXPECT_EQ(memory.ready_pod_count, 1);
}

TEST(GroupPods, ReadyPodNeedsAFullWindowAfterTransitionDuringInitialization) {
  Pod p = ReadyPod("p", 100);
  p.start_time = kNow - Seconds(60);
  p.conditions = {{"Ready", "True", kNow - Seconds(40)}};
  std::vector<Pod> pods = {p};
  // Sample taken 30 s after the transition with a 30 s window: complete.
  PodMetricsInfo fresh = {{"p", PodMetric{kNow - Seconds(10), Seconds(30), 10}}};
  EXPECT_EQ(GroupPods(Refs(pods), fresh, "cpu", Seconds(300), Seconds(30), kNow).ready_pod_count, 1);
  // Sample window started before the transition: unready.
  PodMetricsInfo stale = {{"p", PodMetric{kNow - Seconds(20), Seconds(30), 10}}};
  EXPECT_EQ(GroupPods(Refs(pods), stale, "cpu", Seconds(300), Seconds(30), kNow).unready_pods.size(), 1u);
}

TEST(ResourceReplicas, MissingPodsOnScaleDownUseFullRequestWhenTargetBelow100) {
  std::vector<Pod> pods = {ReadyPod("a", 1000), ReadyPod("b", 1000)};
  std::vector<PodMetrics> usage = {Usage("a", 100)};  // b has no metrics
  auto r = GetResourceReplicas({kNow, Seconds(300), Seconds(30), false}, 2, 50, "cpu", "", Tolerances{}, Refs(pods),
                               usage);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->utilization, 10);
  // b counted at 100% of its request: (100 + 1000) / 2000 = 55% of a 50% target: within tolerance -> stay.
  EXPECT_EQ(r->replicas, 2);
}

TEST(ResourceReplicas, ErrorsAreUpstreamTexts) {
  std::vector<Pod> pods = {ReadyPod("a", 1000)};
  ReplicaCalcConfig config{kNow, Seconds(300), Seconds(30), false};
  auto api_error = GetResourceReplicas(config, 1, 50, "cpu", "", Tolerances{}, Refs(pods),
                                       common::Error::Make(common::ErrorCode::kUnavailable, "down"));
  ASSERT_FALSE(api_error.ok());
  EXPECT_EQ(api_error.error().message,
            "unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: down");
  auto no_pods = GetResourceReplicas(config, 1, 50, "cpu", "", Tolerances{}, {}, std::vector<PodMetrics>{Usage("a", 1)});
  ASSERT_FALSE(no_pods.ok());
  EXPECT_EQ(no_pods.error().message, "no pods returned by selector while calculating replica count");
  Pod pending = ReadyPod("a", 1000);
  pending.phase = PodPhase::kPending;
  std::vector<Pod> pending_pods = {pending};
  auto unready = GetResourceReplicas(config, 1, 50, "cpu", "", Tolerances{}, Refs(pending_pods),
                                     std::vector<PodMetrics>{Usage("a", 1)});
  ASSERT_FALSE(unready.ok());
  EXPECT_EQ(unready.error().message, "did not receive metrics for targeted pods (pods might be unready)");
}

TEST(ObjectReplicas, ZeroTargetDoesNotCrash) {
  std::vector<Pod> pods = {ReadyPod("a", 1000)};
  auto r = GetObjectMetricReplicas(1, 0, "qps", "ns", {"Deployment", "d", "apps/v1"}, Tolerances{}, Refs(pods),
                                   MetricValue{100, kNow});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas, std::numeric_limits<int32_t>::max());
  auto per_pod = GetObjectPerPodMetricReplicas(0, 0, "qps", "ns", {"Deployment", "d", "apps/v1"}, Tolerances{},
                                               MetricValue{0, kNow});
  ASSERT_TRUE(per_pod.ok());
}

}  // namespace
}  // namespace autoscaler::hpa
