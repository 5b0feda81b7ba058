#include <gtest/gtest.h>

#include "kube/client/rest_client.h"
#include "kube/objects/node.h"
#include "kube/objects/pod.h"
#include "kube/objects/time.h"

namespace kube {
namespace {

using namespace std::chrono;

TEST(TimeTest, ParsesVariants) {
  auto t = ParseRfc3339("2024-02-29T23:59:58Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->time_since_epoch(), seconds(1709251198));
  auto frac = ParseRfc3339("2024-02-29T23:59:58.123456789Z");
  ASSERT_TRUE(frac.ok());
  EXPECT_EQ(*frac - *t, microseconds(123456));
  auto offset = ParseRfc3339("2024-03-01T01:59:58+02:00");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset, *t);
  auto negative = ParseRfc3339("2024-02-29T20:29:58.5-03:30");
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(*negative - *t, milliseconds(500));
  auto epoch = ParseRfc3339("1970-01-01T00:00:00Z");
  ASSERT_TRUE(epoch.ok());
  EXPECT_EQ(epoch->time_since_epoch().count(), 0);
}

TEST(TimeTest, GoZeroTime) {
  auto zero = ParseRfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(IsZeroTime(*zero));
  EXPECT_EQ(FormatRfc3339(kGoZeroTime), "0001-01-01T00:00:00Z");
  EXPECT_EQ(ToSystemClock(kGoZeroTime), system_clock::time_point::min());
}

TEST(TimeTest, Formats) {
  auto t = ParseRfc3339("2026-11-25T00:27:24.123456Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-25T00:27:24Z");
  EXPECT_EQ(FormatRfc3339(*t, TimePrecision::kMillis), "2026-11-25T00:27:24.123Z");
  EXPECT_EQ(FormatRfc3339(*t, TimePrecision::kMicros), "2026-11-25T00:27:24.123456Z");
  auto before_epoch = ParseRfc3339("1969-12-31T23:59:59.5Z");
  ASSERT_TRUE(before_epoch.ok());
  EXPECT_EQ(FormatRfc3339(*before_epoch, TimePrecision::kMillis), "1969-12-31T23:59:59.500Z");
  EXPECT_EQ(FromSystemClock(ToSystemClock(*t)), *t);
}

TEST(TimeTest, RejectsMalformed) {
  for (const char* bad : {"", "2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01 00:00:00Z",
                          "2024-01-01T24:00:00Z", "2024-01-01T00:00:60Z", "2024-01-01T00:00:00",
                          "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00Zjunk", "0000-01-01T00:00:00Z",
                          "2024-01-01T00:00:00+2:00", "24-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

constexpr char kNodeJson[] = R"({
  "kind": "Node", "apiVersion": "v1",
  "metadata": {"name": "node-1", "resourceVersion": "42", "creationTimestamp": "2026-01-02T03:04:05Z",
               "labels": {"kubernetes.io/hostname": "node-1", "zone": "a"}},
  "status": {
    "addresses": [{"type": "InternalIP", "address": "10.0.0.5"}, {"type": "Hostname", "address": "node-1"},
                  {"type": "InternalIP", "address": "fd00::5"}],
    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
    "conditions": [{"type": "MemoryPressure", "status": "False"},
                   {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-02T03:05:00Z"}]
  }
})";

TEST(NodeTest, Decodes) {
  auto doc = ParseJson(kNodeJson);
  ASSERT_TRUE(doc.ok());
  auto node = DecodeNode(*doc);
  ASSERT_TRUE(node.ok()) << node.error().message;
  EXPECT_EQ(node->name, "node-1");
  EXPECT_EQ(node->labels.at("zone"), "a");
  EXPECT_EQ(node->Address("InternalIP"), "10.0.0.5");
  EXPECT_EQ(node->Address("Hostname"), "node-1");
  EXPECT_FALSE(node->Address("ExternalIP").has_value());
  EXPECT_EQ(node->addresses.size(), 3u);
  EXPECT_EQ(node->kubelet_port, 10250);
  EXPECT_EQ(node->ready, ConditionStatus::kTrue);
  ASSERT_TRUE(node->creation_timestamp.has_value());
  EXPECT_EQ(FormatRfc3339(*node->creation_timestamp), "2026-01-02T03:04:05Z");
}

TEST(NodeTest, MinimalAndInvalid) {
  auto minimal = ParseJson(R"({"metadata":{"name":"n"}})");
  ASSERT_TRUE(minimal.ok());
  auto node = DecodeNode(*minimal);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->ready, ConditionStatus::kUnknown);
  EXPECT_EQ(node->kubelet_port, 0);
  for (const char* bad : {R"([])", R"({"metadata":{}})", R"({"metadata":{"name":5}})",
                          R"({"metadata":{"name":"n","labels":{"a":1}}})",
                          R"({"metadata":{"name":"n"},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":-1}}}})",
                          R"({"metadata":{"name":"n"},"status":{"addresses":{}}})",
                          R"({"metadata":{"name":"n","creationTimestamp":"yesterday"}})"}) {
    auto doc = ParseJson(bad);
    ASSERT_TRUE(doc.ok()) << bad;
    EXPECT_FALSE(DecodeNode(*doc).ok()) << bad;
  }
}

constexpr char kPodJson[] = R"({
  "metadata": {
    "name": "web-0", "namespace": "prod", "uid": "u-1", "labels": {"app": "web"},
    "creationTimestamp": "2026-01-01T00:00:00Z", "deletionTimestamp": "2026-01-01T01:00:00Z",
    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "rs-1",
                         "controller": true, "blockOwnerDeletion": true}]
  },
  "spec": {
    "nodeName": "node-1", "restartPolicy": "Always",
    "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "50m"}}},
                       {"name": "sidecar", "restartPolicy": "Always", "resources": {"requests": {"memory": "64Mi"}}}],
    "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"},
                                                                   "limits": {"cpu": "1"}}},
                   {"name": "no-requests"}]
  },
  "status": {
    "phase": "Running", "startTime": "2026-01-01T00:00:05Z",
    "conditions": [{"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-01T00:00:01Z"},
                   {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:30Z"}]
  }
})";

TEST(PodTest, Decodes) {
  auto doc = ParseJson(kPodJson);
  ASSERT_TRUE(doc.ok());
  auto pod = DecodePod(*doc);
  ASSERT_TRUE(pod.ok()) << pod.error().message;
  EXPECT_EQ(pod->namespace_name, "prod");
  EXPECT_EQ(pod->name, "web-0");
  EXPECT_EQ(pod->uid, "u-1");
  EXPECT_EQ(pod->labels.at("app"), "web");
  EXPECT_EQ(pod->phase, PodPhase::kRunning);
  EXPECT_EQ(pod->node_name, "node-1");
  EXPECT_EQ(pod->restart_policy, "Always");
  ASSERT_TRUE(pod->deletion_timestamp.has_value());
  EXPECT_EQ(FormatRfc3339(*pod->deletion_timestamp), "2026-01-01T01:00:00Z");
  ASSERT_TRUE(pod->start_time.has_value());
  EXPECT_EQ(FormatRfc3339(*pod->start_time), "2026-01-01T00:00:05Z");

  EXPECT_TRUE(pod->IsReady());
  const PodCondition* ready = pod->Condition("Ready");
  ASSERT_NE(ready, nullptr);
  ASSERT_TRUE(ready->last_transition_time.has_value());
  EXPECT_EQ(FormatRfc3339(*ready->last_transition_time), "2026-01-01T00:00:30Z");
  EXPECT_EQ(pod->Condition("ContainersReady"), nullptr);

  ASSERT_EQ(pod->containers.size(), 2u);
  EXPECT_EQ(pod->containers[0].name, "app");
  EXPECT_EQ(pod->containers[0].requests.at("cpu").MilliValue(), 250);
  EXPECT_EQ(pod->containers[0].requests.at("memory").Value(), int64_t{1} << 30);
  EXPECT_EQ(pod->containers[0].requests.count("limits"), 0u);
  EXPECT_TRUE(pod->containers[1].requests.empty());
  ASSERT_EQ(pod->init_containers.size(), 2u);
  EXPECT_EQ(pod->init_containers[0].restart_policy, "");
  EXPECT_EQ(pod->init_containers[1].restart_policy, "Always");
  EXPECT_EQ(pod->init_containers[1].requests.at("memory").ToString(), "64Mi");

  const OwnerReference* owner = pod->ControllerRef();
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->kind, "ReplicaSet");
  EXPECT_EQ(owner->name, "web-abc");
  EXPECT_EQ(owner->api_version, "apps/v1");
}

TEST(PodTest, NotReadyAndMinimal) {
  auto doc = ParseJson(R"({"metadata":{"name":"p","namespace":"d"},"status":{"phase":"Pending",
      "conditions":[{"type":"Ready","status":"False"}]}})");
  ASSERT_TRUE(doc.ok());
  auto pod = DecodePod(*doc);
  ASSERT_TRUE(pod.ok()) << pod.error().message;
  EXPECT_EQ(pod->phase, PodPhase::kPending);
  EXPECT_FALSE(pod->IsReady());
  EXPECT_FALSE(pod->start_time.has_value());
  EXPECT_EQ(pod->ControllerRef(), nullptr);
}

TEST(PodTest, RejectsMalformedFields) {
  for (const char* bad : {
           R"({"metadata":{"namespace":"d"}})",
           R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}})",
           R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":1}}}]}})",
           R"({"metadata":{"name":"p"},"spec":{"containers":{}}})",
           R"({"metadata":{"name":"p"},"status":{"startTime":"soon"}})",
           R"({"metadata":{"name":"p"},"status":{"conditions":[{"type":"Ready","lastTransitionTime":7}]}})",
           R"({"metadata":{"name":"p","ownerReferences":[1]}})",
           R"({"metadata":{"name":"p"},"spec":[]})",
       }) {
    auto doc = ParseJson(bad);
    ASSERT_TRUE(doc.ok()) << bad;
    auto pod = DecodePod(*doc);
    EXPECT_FALSE(pod.ok()) << bad;
  }
}

}  // namespace
}  // namespace kube
