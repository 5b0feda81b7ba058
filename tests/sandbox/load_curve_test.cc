#include "sandbox/load/load_curve.h"

#include <gtest/gtest.h>

#include "sandbox/load/scenario.h"

namespace sandbox {
namespace {

TEST(LoadCurveTest, ConstantIntegratesLinearly) {
  LoadCurve c = LoadCurve::Constant(500);
  EXPECT_DOUBLE_EQ(c.MillicoresAt(-5), 500);
  EXPECT_DOUBLE_EQ(c.MillicoresAt(100), 500);
  EXPECT_DOUBLE_EQ(c.CoreSecondsUntil(10), 5);
  EXPECT_DOUBLE_EQ(c.CoreSecondsUntil(-2), -1);
}

TEST(LoadCurveTest, StepRampAndSpike) {
  LoadCurve step = LoadCurve::Step(100, 900, 10);
  EXPECT_DOUBLE_EQ(step.MillicoresAt(9.999), 100);
  EXPECT_DOUBLE_EQ(step.MillicoresAt(10), 900);
  EXPECT_DOUBLE_EQ(step.CoreSecondsUntil(20), 1 + 9);

  LoadCurve ramp = LoadCurve::Ramp(0, 1000, 10, 10);
  EXPECT_DOUBLE_EQ(ramp.MillicoresAt(15), 500);
  EXPECT_DOUBLE_EQ(ramp.CoreSecondsUntil(15), 0.5 * 5 * 0.5);  // triangle
  EXPECT_DOUBLE_EQ(ramp.CoreSecondsUntil(30), 5 + 10);

  LoadCurve spike = LoadCurve::SpikeThenCalm(200, 2000, 60, 30, 300);
  EXPECT_DOUBLE_EQ(spike.MillicoresAt(59), 200);
  EXPECT_DOUBLE_EQ(spike.MillicoresAt(60), 2000);
  EXPECT_DOUBLE_EQ(spike.MillicoresAt(90), 300);
  EXPECT_DOUBLE_EQ(spike.CoreSecondsUntil(100), 12 + 60 + 3);
}

TEST(LoadCurveTest, ParsesTextAndRoundTrips) {
  auto c = LoadCurve::Parse("200m for 60s, 200m->1.5 over 30s, 1500m for 1m30s, 300m");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_DOUBLE_EQ(c->MillicoresAt(30), 200);
  EXPECT_DOUBLE_EQ(c->MillicoresAt(75), 850);
  EXPECT_DOUBLE_EQ(c->MillicoresAt(100), 1500);
  EXPECT_DOUBLE_EQ(c->MillicoresAt(180), 300);
  auto again = LoadCurve::Parse(c->ToString());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->ToString(), c->ToString());
  for (double t : {-1.0, 0.0, 33.3, 75.0, 120.0, 179.0, 500.0}) {
    EXPECT_DOUBLE_EQ(again->CoreSecondsUntil(t), c->CoreSecondsUntil(t)) << t;
  }
}

TEST(LoadCurveTest, LastSegmentEndHoldsWithoutFinalValue) {
  auto c = LoadCurve::Parse("100m->400m over 10s");
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(c->MillicoresAt(1000), 400);
}

TEST(LoadCurveTest, RejectsBadText) {
  for (const char* text : {"", "abc", "100m for", "100m for 10", "100x", "-5m", "100m, 200m", "1->2", "1m->2m over x",
                           "100m,,200m"}) {
    EXPECT_FALSE(LoadCurve::Parse(text).ok()) << text;
  }
}

TEST(ScenarioTest, ParsesWorkloadsAndDefaults) {
  auto s = ParseScenario(R"({
    "nodeOverheadMillicores": "150m", "nodeMemoryBase": "1Gi", "unreadyPodMillicores": 20,
    "podMemory": {"base": "10Mi", "perMillicore": 1024},
    "workloads": [
      {"name": "web", "replicas": 3, "load": "300m for 60s, 900m",
       "containers": [{"name": "nginx", "cpu": "250m", "memory": "64Mi"}, {"cpu": 50}]},
      {"kind": "StatefulSet", "namespace": "db", "name": "pg", "load": 1200, "memory": {"base": "1Gi"}}
    ]})");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(s->node_overhead_millicores, 150);
  EXPECT_DOUBLE_EQ(s->node_memory_base_bytes, 1073741824.0);
  EXPECT_DOUBLE_EQ(s->unready_pod_millicores, 20);
  EXPECT_DOUBLE_EQ(s->pod_memory.base_bytes, 10 * 1048576.0);
  EXPECT_DOUBLE_EQ(s->pod_memory.bytes_per_millicore, 1024);
  ASSERT_EQ(s->workloads.size(), 2u);
  const WorkloadSpec& web = s->workloads[0];
  EXPECT_EQ(web.kind, "Deployment");
  EXPECT_EQ(web.namespace_name, "default");
  EXPECT_EQ(web.replicas, 3);
  ASSERT_EQ(web.containers.size(), 2u);
  EXPECT_EQ(web.containers[0].name, "nginx");
  EXPECT_EQ(web.containers[0].cpu_request_millicores, 250);
  EXPECT_EQ(web.containers[0].memory_request_bytes, 64 * 1048576);
  EXPECT_EQ(web.containers[1].name, "app1");
  EXPECT_EQ(web.containers[1].cpu_request_millicores, 50);
  EXPECT_DOUBLE_EQ(web.load.MillicoresAt(61), 900);
  const WorkloadSpec& pg = s->workloads[1];
  EXPECT_EQ(pg.kind, "StatefulSet");
  EXPECT_EQ(pg.namespace_name, "db");
  EXPECT_DOUBLE_EQ(pg.load.MillicoresAt(0), 1200);
  ASSERT_TRUE(pg.memory.has_value());
  EXPECT_DOUBLE_EQ(pg.memory->base_bytes, 1073741824.0);
}

TEST(ScenarioTest, RejectsBadInput) {
  for (const char* text : {"", "[]", "{", R"({"workloads": [{}]})", R"({"workloads": [{"name": "a", "kind": "Job"}]})",
                           R"({"workloads": [{"name": "a", "replicas": -1}]})",
                           R"({"workloads": [{"name": "a", "load": "fast"}]})", R"({"nodeMemoryBase": "1Zi"})",
                           R"({"workloads": [{"name": "a", "containers": []}]})"}) {
    EXPECT_FALSE(ParseScenario(text).ok()) << text;
  }
}

}  // namespace
}  // namespace sandbox
