#include "autoscaler/controller/hpa_codec.h"

#include <gtest/gtest.h>

namespace autoscaler {
namespace {

constexpr const char* kHpa = R"({
  "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
  "metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "resourceVersion": "42", "generation": 3,
               "annotations": {"autoscaling.kma.io/class": "kma"}},
  "spec": {
    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
    "minReplicas": 2, "maxReplicas": 10,
    "metrics": [
      {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
      {"type": "ContainerResource", "containerResource": {"name": "memory", "container": "app",
        "target": {"type": "AverageValue", "averageValue": "512Mi"}}},
      {"type": "Pods", "pods": {"metric": {"name": "qps", "selector": {"matchLabels": {"verb": "GET"}}},
        "target": {"type": "AverageValue", "averageValue": "1.5"}}},
      {"type": "Object", "object": {"describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
        "metric": {"name": "rps"}, "target": {"type": "Value", "value": "2k"}}},
      {"type": "External", "external": {"metric": {"name": "queue", "selector": {"matchExpressions": [{"key": "q", "operator": "In", "values": ["a", "b"]}]}},
        "target": {"type": "AverageValue", "averageValue": "30"}}}
    ],
    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Min",
                               "policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}], "tolerance": "0.05"}}
  },
  "status": {"currentReplicas": 3, "desiredReplicas": 4, "lastScaleTime": "2026-11-24T02:22:56Z",
             "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 75, "averageValue": "150m"}}}],
             "conditions": [{"type": "AbleToScale", "status": "True", "lastTransitionTime": "2026-11-24T02:00:00Z",
                             "reason": "SucceededRescale", "message": "the HPA controller was able to update the target scale to 4"}]}
})";

TEST(HpaCodec, DecodesEveryMetricTypeAndBehavior) {
  auto decoded = DecodeHpaJson(kHpa);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const hpa::Hpa& h = decoded->hpa;
  EXPECT_EQ(h.name, "web");
  EXPECT_EQ(h.namespace_name, "shop");
  EXPECT_EQ(decoded->generation, 3);
  EXPECT_EQ(decoded->annotations.at("autoscaling.kma.io/class"), "kma");
  EXPECT_EQ(h.spec.scale_target_ref.kind, "Deployment");
  EXPECT_EQ(h.spec.min_replicas, 2);
  EXPECT_EQ(h.spec.max_replicas, 10);
  ASSERT_EQ(h.spec.metrics.size(), 5u);
  EXPECT_EQ(h.spec.metrics[0].type, hpa::MetricSourceType::kResource);
  EXPECT_EQ(h.spec.metrics[0].resource_name, "cpu");
  EXPECT_EQ(h.spec.metrics[0].target.type, hpa::MetricTargetType::kUtilization);
  EXPECT_EQ(h.spec.metrics[0].target.average_utilization, 60);
  EXPECT_EQ(h.spec.metrics[1].container, "app");
  EXPECT_EQ(h.spec.metrics[1].target.average_value_milli, 512LL * 1024 * 1024 * 1000);
  EXPECT_EQ(h.spec.metrics[2].metric.name, "qps");
  EXPECT_EQ(h.spec.metrics[2].metric.selector->match_labels.at("verb"), "GET");
  EXPECT_EQ(h.spec.metrics[2].target.average_value_milli, 1500);
  EXPECT_EQ(h.spec.metrics[3].described_object.kind, "Ingress");
  EXPECT_EQ(h.spec.metrics[3].target.value_milli, 2'000'000);
  EXPECT_EQ(h.spec.metrics[4].metric.selector->match_expressions[0].values.size(), 2u);

  ASSERT_TRUE(h.spec.behavior.has_value());
  const auto& down = *h.spec.behavior->scale_down;
  EXPECT_EQ(down.stabilization_window_seconds, 60);
  EXPECT_EQ(down.select_policy, hpa::SelectPolicy::kMin);
  ASSERT_EQ(down.policies->size(), 1u);
  EXPECT_EQ(down.policies->at(0).period_seconds, 30);
  EXPECT_DOUBLE_EQ(*down.tolerance, 0.05);
  // scaleUp was not given: API defaulting fills upstream's defaults.
  ASSERT_TRUE(h.spec.behavior->scale_up.has_value());
  EXPECT_EQ(h.spec.behavior->scale_up->stabilization_window_seconds, 0);
  EXPECT_EQ(h.spec.behavior->scale_up->policies->size(), 2u);

  EXPECT_EQ(h.status.current_replicas, 3);
  EXPECT_EQ(h.status.desired_replicas, 4);
  ASSERT_EQ(h.status.current_metrics.size(), 1u);
  EXPECT_EQ(h.status.current_metrics[0].current.average_utilization, 75);
  EXPECT_EQ(h.status.current_metrics[0].current.average_value_milli, 150);
  ASSERT_EQ(h.status.conditions.size(), 1u);
  EXPECT_EQ(h.status.conditions[0].reason, "SucceededRescale");
}

TEST(HpaCodec, StatusRoundTripsThroughEncode) {
  auto decoded = DecodeHpaJson(kHpa);
  ASSERT_TRUE(decoded.ok());
  hpa::HpaStatus status = decoded->hpa.status;
  status.desired_replicas = 6;
  status.current_metrics.push_back({});  // upstream's empty entry for a metric that failed
  hpa::MetricStatus pods;
  pods.type = hpa::MetricSourceType::kPods;
  pods.metric.name = "qps";
  pods.current.average_value_milli = 1234;
  status.current_metrics.push_back(pods);
  auto body = EncodeStatusUpdate(decoded->raw_json, status, decoded->generation);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_NE(body->find("\"observedGeneration\":3"), std::string::npos);
  EXPECT_NE(body->find("\"averageValue\":\"1234m\""), std::string::npos);
  EXPECT_NE(body->find("\"resourceVersion\":\"42\""), std::string::npos) << "optimistic concurrency kept";
  auto again = DecodeHpaJson(*body);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->hpa.status, status);
  EXPECT_EQ(again->hpa.spec, decoded->hpa.spec);
}

// Found by autoscaler/fuzz/hpa_codec_fuzz: a duplicated "status" key must not survive the status update.
TEST(HpaCodec, StatusUpdateReplacesEveryStatusMember) {
  const std::string json =
      R"({"status":"stale","metadata":{"name":"web","namespace":"shop"},"spec":{"maxReplicas":3},)"
      R"("status":{"currentReplicas":1,"lastScaleTime":"not-a-time"}})";
  auto decoded = DecodeHpaJson(json);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  hpa::HpaStatus status;
  status.current_replicas = 2;
  status.desired_replicas = 2;
  auto body = EncodeStatusUpdate(decoded->raw_json, status, 1);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(body->find("stale"), std::string::npos) << *body;
  EXPECT_EQ(body->find("not-a-time"), std::string::npos) << *body;
  auto again = DecodeHpaJson(*body);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->hpa.status, status);
}

// With duplicated keys, readers take the first "spec"; the status update must not reorder members so that another
// one comes first (RapidJSON's RemoveMember moves the last member into the hole; found by hpa_codec_fuzz).
TEST(HpaCodec, StatusUpdateKeepsMemberOrder) {
  const std::string json =
      R"({"metadata":{"name":"web","namespace":"shop"},"status":{"currentReplicas":1},"spec":{"maxReplicas":3},)"
      R"("status":{"currentReplicas":1},"spec":{"maxReplicas":9},"status":{}})";
  auto decoded = DecodeHpaJson(json);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->hpa.spec.max_replicas, 3);
  auto body = EncodeStatusUpdate(decoded->raw_json, decoded->hpa.status, 1);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_LT(body->find(R"("maxReplicas":3)"), body->find(R"("maxReplicas":9)")) << *body;
  auto again = DecodeHpaJson(*body);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->hpa.spec, decoded->hpa.spec);
}

TEST(HpaCodec, MalformedInputIsAnErrorNamingTheField) {
  EXPECT_FALSE(DecodeHpaJson("{not json").ok());
  EXPECT_FALSE(DecodeHpaJson("[]").ok());
  auto bad_quantity = DecodeHpaJson(R"({"metadata":{"name":"h","namespace":"n"},"spec":{"maxReplicas":3,
      "metrics":[{"type":"Pods","pods":{"metric":{"name":"x"},"target":{"type":"AverageValue","averageValue":"12zz"}}}]}})");
  ASSERT_FALSE(bad_quantity.ok());
  EXPECT_NE(bad_quantity.error().message.find("averageValue"), std::string::npos) << bad_quantity.error().message;
  auto bad_policy = DecodeHpaJson(R"({"metadata":{"name":"h","namespace":"n"},"spec":{"maxReplicas":3,
      "behavior":{"scaleUp":{"selectPolicy":"Sometimes"}}}})");
  ASSERT_FALSE(bad_policy.ok());
  EXPECT_NE(bad_policy.error().message.find("selectPolicy"), std::string::npos);
}

TEST(HpaCodec, UnknownMetricTypeIsLeftToTheAlgorithm) {
  auto decoded = DecodeHpaJson(R"({"metadata":{"name":"h","namespace":"n"},"spec":{"maxReplicas":3,
      "metrics":[{"type":"Telepathy"}]}})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->hpa.spec.metrics[0].type, hpa::MetricSourceType::kUnknown);
  EXPECT_EQ(decoded->hpa.spec.metrics[0].type_name, "Telepathy");
}

TEST(HpaCodec, MilliQuantitiesAreCanonical) {
  EXPECT_EQ(MilliQuantityString(250), "250m");
  EXPECT_EQ(MilliQuantityString(2000), "2");
  EXPECT_EQ(MilliQuantityString(0), "0");
}

}  // namespace
}  // namespace autoscaler
