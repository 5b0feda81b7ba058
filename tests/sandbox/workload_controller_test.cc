#include "sandbox/workload/workload_controller.h"

#include <gtest/gtest.h>

#include <set>

#include "sandbox/apiserver/json_util.h"
#include "sandbox/workload/node_objects.h"

namespace sandbox {
namespace {

using std::chrono::seconds;

const ResourceKey kDeployments{"apps", "v1", "deployments"};
const ResourceKey kReplicaSets{"apps", "v1", "replicasets"};
const ResourceKey kStatefulSets{"apps", "v1", "statefulsets"};
const ResourceKey kReplicationControllers{"", "v1", "replicationcontrollers"};
const ResourceKey kPods{"", "v1", "pods"};

const TimePoint kT0 = TimePoint(seconds(1'750'000'000));

std::string Workload(const std::string& kind, const std::string& name, int replicas,
                     const std::string& image = "nginx") {
  std::string api = kind == "ReplicationController" ? "v1" : "apps/v1";
  std::string selector = kind == "ReplicationController" ? R"({"app":")" + name + R"("})"
                                                         : R"({"matchLabels":{"app":")" + name + R"("}})";
  return R"({"apiVersion":")" + api + R"(","kind":")" + kind + R"(","metadata":{"name":")" + name +
         R"("},"spec":{"replicas":)" + std::to_string(replicas) + R"(,"selector":)" + selector +
         R"(,"template":{"metadata":{"labels":{"app":")" + name +
         R"("}},"spec":{"containers":[{"name":"app","image":")" + image +
         R"(","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}},{"name":"sidecar","image":"envoy"}]}}}})";
}

class WorkloadControllerTest : public ::testing::Test {
 protected:
  WorkloadControllerTest() : store(StoreOptions()), model(ModelOptions()) {}

  static ObjectStoreOptions StoreOptions() {
    ObjectStoreOptions o;
    o.clock = [] { return kT0; };
    return o;
  }
  static LoadModelOptions ModelOptions() {
    LoadModelOptions o;
    o.epoch = kT0;
    return o;
  }

  void SetUp() override {
    WorkloadControllerOptions options;
    options.creation_delay = seconds(1);
    options.start_delay = seconds(2);
    options.readiness_delay = seconds(3);
    options.max_pods_per_node = max_pods;
    controller = std::make_unique<WorkloadController>(store, &model, options);
    for (int i = 0; i < 3; ++i) {
      std::string name = "node-" + std::to_string(i);
      std::string address = "127.0.1." + std::to_string(i + 2);
      model.AddNode(name, kT0);
      NodeObjectSpec node;
      node.name = name;
      node.internal_ip = address;
      node.hostname = name;
      ASSERT_TRUE(store.Create({"", "v1", "nodes"}, "", NodeJson(node, kT0)).ok());
      controller->AddNode(name, address);
    }
    ASSERT_TRUE(controller->Start().ok());
  }

  void SyncAt(double s) { controller->Sync(kT0 + std::chrono::milliseconds(static_cast<int64_t>(s * 1000))); }

  std::vector<rapidjson::Document> Pods(const std::string& prefix = "") {
    std::vector<rapidjson::Document> out;
    for (const StoredObject& o : store.List(kPods, "default").items) {
      if (!o.name.starts_with(prefix)) continue;
      out.push_back(json::Parse(o.json).value());
    }
    return out;
  }

  std::vector<std::string> PodNames(const std::string& prefix = "") {
    std::vector<std::string> names;
    for (const StoredObject& o : store.List(kPods, "default").items) {
      if (o.name.starts_with(prefix)) names.push_back(o.name);
    }
    return names;
  }

  static std::string Condition(const rapidjson::Value& pod, const std::string& type, const char* field = "status") {
    const rapidjson::Value* conditions = json::Find(pod, {"status", "conditions"});
    if (!conditions || !conditions->IsArray()) return "";
    for (const auto& c : conditions->GetArray()) {
      if (json::GetString(c, {"type"}) == type) return json::GetString(c, {field});
    }
    return "";
  }

  rapidjson::Document Get(const ResourceKey& key, const std::string& name) {
    return json::Parse(store.Get(key, "default", name).value().json).value();
  }

  void Scale(const ResourceKey& key, const std::string& name, int replicas) {
    ASSERT_TRUE(store.Mutate(key, "default", name, [replicas](rapidjson::Document& d) {
                      json::SetInt(*json::FindMutable(d, {"spec"}), "replicas", replicas, d.GetAllocator());
                      return common::Status::Ok();
                    }).ok());
  }

  int max_pods = 110;
  ObjectStore store;
  LoadModel model;
  std::unique_ptr<WorkloadController> controller;
};

TEST_F(WorkloadControllerTest, DeploymentPodsGoThroughPendingRunningReady) {
  ASSERT_TRUE(store.Create(kDeployments, "default", Workload("Deployment", "web", 3)).ok());
  SyncAt(0);
  auto replicasets = store.List(kReplicaSets, "default").items;
  ASSERT_EQ(replicasets.size(), 1u);
  auto rs = json::Parse(replicasets[0].json).value();
  const std::string hash = json::GetString(rs, {"spec", "template", "metadata", "labels", "pod-template-hash"});
  EXPECT_FALSE(hash.empty());
  EXPECT_EQ(replicasets[0].name, "web-" + hash);
  EXPECT_EQ(json::GetString(rs, {"spec", "selector", "matchLabels", "pod-template-hash"}), hash);
  EXPECT_EQ(json::GetString(rs, {"metadata", "ownerReferences"}), "");  // an array, not a string
  EXPECT_EQ(json::GetString(*json::Find(rs, {"metadata", "ownerReferences"})->Begin(), {"kind"}), "Deployment");
  EXPECT_TRUE(Pods().empty()) << "creation waits for creation_delay";

  SyncAt(1);
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 3u);
  std::set<std::string> nodes;
  for (const auto& pod : pods) {
    EXPECT_EQ(json::GetString(pod, {"status", "phase"}), "Pending");
    EXPECT_EQ(json::GetString(pod, {"metadata", "labels", "app"}), "web");
    EXPECT_EQ(json::GetString(pod, {"metadata", "labels", "pod-template-hash"}), hash);
    EXPECT_EQ(json::GetString(pod, {"status", "qosClass"}), "Burstable");
    nodes.insert(json::GetString(pod, {"spec", "nodeName"}));
    EXPECT_EQ(Condition(pod, "PodScheduled"), "True");
  }
  EXPECT_EQ(nodes.size(), 3u) << "least loaded node first";

  SyncAt(3);
  for (const auto& pod : Pods()) {
    EXPECT_EQ(json::GetString(pod, {"status", "phase"}), "Running");
    EXPECT_EQ(json::GetString(pod, {"status", "startTime"}), json::FormatTime(kT0 + seconds(3)));
    EXPECT_EQ(Condition(pod, "Ready"), "False");
    EXPECT_EQ(json::GetString(pod, {"status", "hostIP"}).substr(0, 8), "127.0.1.");
  }
  EXPECT_EQ(model.ReadyPods("default", "web", kT0 + seconds(3)), 0);
  auto deployment = Get(kDeployments, "web");
  EXPECT_EQ(json::GetInt(deployment, {"status", "replicas"}).value_or(-1), 3);
  EXPECT_FALSE(json::GetInt(deployment, {"status", "readyReplicas"}).has_value());

  SyncAt(5.999);
  EXPECT_EQ(Condition(Pods()[0], "Ready"), "False");
  SyncAt(6);
  for (const auto& pod : Pods()) {
    EXPECT_EQ(Condition(pod, "Ready"), "True");
    EXPECT_EQ(Condition(pod, "Ready", "lastTransitionTime"), json::FormatTime(kT0 + seconds(6)));
    EXPECT_EQ(Condition(pod, "ContainersReady"), "True");
  }
  deployment = Get(kDeployments, "web");
  EXPECT_EQ(json::GetInt(deployment, {"status", "readyReplicas"}).value_or(-1), 3);
  EXPECT_EQ(json::GetInt(deployment, {"status", "availableReplicas"}).value_or(-1), 3);
  EXPECT_EQ(json::GetInt(deployment, {"status", "updatedReplicas"}).value_or(-1), 3);
  EXPECT_EQ(json::GetInt(deployment, {"status", "observedGeneration"}).value_or(-1), 1);
  EXPECT_EQ(json::GetInt(Get(kReplicaSets, replicasets[0].name), {"status", "readyReplicas"}).value_or(-1), 3);
  EXPECT_EQ(model.ReadyPods("default", "web", kT0 + seconds(6)), 3);
  // The load model sees the pods on their nodes.
  int sampled = 0;
  for (const std::string& node : model.NodeNames()) sampled += static_cast<int>(model.SampleNode(node, kT0 + seconds(7))->pods.size());
  EXPECT_EQ(sampled, 3);
}

TEST_F(WorkloadControllerTest, ScalesDownNewestFirstAndUpAgain) {
  ASSERT_TRUE(store.Create(kDeployments, "default", Workload("Deployment", "web", 2)).ok());
  SyncAt(0);
  SyncAt(1);
  auto first = PodNames();
  ASSERT_EQ(first.size(), 2u);
  SyncAt(6);
  Scale(kDeployments, "web", 5);
  SyncAt(10);
  EXPECT_EQ(PodNames().size(), 2u);
  SyncAt(11);
  auto all = PodNames();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(json::GetInt(Get(kDeployments, "web"), {"status", "observedGeneration"}).value_or(-1), 2);
  SyncAt(16);
  EXPECT_EQ(model.ReadyPods("default", "web", kT0 + seconds(16)), 5);

  Scale(kDeployments, "web", 2);
  SyncAt(20);
  EXPECT_EQ(PodNames().size(), 5u) << "deletion waits for creation_delay";
  EXPECT_EQ(json::GetInt(Get(kDeployments, "web"), {"status", "replicas"}).value_or(-1), 2);
  SyncAt(21);
  auto left = PodNames();
  std::sort(first.begin(), first.end());
  EXPECT_EQ(left, first) << "the newest pods go first";
  EXPECT_EQ(model.ReadyPods("default", "web", kT0 + seconds(21)), 2);
}

TEST_F(WorkloadControllerTest, ScaleDownBeforeCreationCancelsPendingCreations) {
  ASSERT_TRUE(store.Create(kDeployments, "default", Workload("Deployment", "web", 4)).ok());
  SyncAt(0);
  Scale(kDeployments, "web", 1);
  SyncAt(0.5);
  SyncAt(1);
  EXPECT_EQ(PodNames().size(), 1u);
  EXPECT_EQ(controller->stats().pods_created, 1u);
}

TEST_F(WorkloadControllerTest, NotReadyPodsAreRemovedBeforeReadyOnes) {
  ASSERT_TRUE(store.Create(kReplicaSets, "default", Workload("ReplicaSet", "rs", 2)).ok());
  SyncAt(0);
  SyncAt(1);
  SyncAt(6);  // both Ready
  auto ready = PodNames();
  Scale(kReplicaSets, "rs", 4);
  SyncAt(7);
  SyncAt(8);  // two more created at 8, Pending
  ASSERT_EQ(PodNames().size(), 4u);
  Scale(kReplicaSets, "rs", 2);
  SyncAt(9);
  SyncAt(10);
  EXPECT_EQ(PodNames(), ready);
}

TEST_F(WorkloadControllerTest, StatefulSetUsesOrdinals) {
  ASSERT_TRUE(store.Create(kStatefulSets, "default", Workload("StatefulSet", "db", 3)).ok());
  SyncAt(0);
  SyncAt(1);
  EXPECT_EQ(PodNames(), (std::vector<std::string>{"db-0", "db-1", "db-2"}));
  EXPECT_EQ(json::GetString(Pods()[1], {"metadata", "labels", "statefulset.kubernetes.io/pod-name"}), "db-1");
  SyncAt(6);
  EXPECT_EQ(json::GetInt(Get(kStatefulSets, "db"), {"status", "readyReplicas"}).value_or(-1), 3);
  Scale(kStatefulSets, "db", 1);
  SyncAt(7);
  SyncAt(8);
  EXPECT_EQ(PodNames(), (std::vector<std::string>{"db-0"}));
  // The load of a StatefulSet is shared by its own pods.
  EXPECT_EQ(model.ReadyPods("default", "db", kT0 + seconds(9)), 1);
}

TEST_F(WorkloadControllerTest, ReplicationControllerAndReplacementOfDeletedPods) {
  ASSERT_TRUE(store.Create(kReplicationControllers, "default", Workload("ReplicationController", "rc", 2)).ok());
  SyncAt(0);
  SyncAt(1);
  auto names = PodNames();
  ASSERT_EQ(names.size(), 2u);
  ASSERT_TRUE(store.Delete(kPods, "default", names[0]).ok());
  SyncAt(2);
  EXPECT_EQ(PodNames().size(), 1u);
  SyncAt(3);
  auto now = PodNames();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(std::count(now.begin(), now.end(), names[0]), 0);
}

TEST_F(WorkloadControllerTest, DeletingADeploymentDeletesItsReplicaSetsAndPods) {
  ASSERT_TRUE(store.Create(kDeployments, "default", Workload("Deployment", "web", 2)).ok());
  SyncAt(0);
  SyncAt(1);
  SyncAt(6);
  ASSERT_EQ(PodNames().size(), 2u);
  ASSERT_TRUE(store.Delete(kDeployments, "default", "web").ok());
  SyncAt(7);
  EXPECT_TRUE(PodNames().empty());
  EXPECT_TRUE(store.List(kReplicaSets, "default").items.empty());
  EXPECT_EQ(model.ReadyPods("default", "web", kT0 + seconds(8)), 0);
}

TEST_F(WorkloadControllerTest, TemplateChangeMovesReplicasToANewReplicaSet) {
  ASSERT_TRUE(store.Create(kDeployments, "default", Workload("Deployment", "web", 2)).ok());
  SyncAt(0);
  SyncAt(1);
  ASSERT_TRUE(store.Update(kDeployments, "default", "web", Workload("Deployment", "web", 2, "nginx:2"), false).ok());
  SyncAt(2);
  SyncAt(3);
  auto replicasets = store.List(kReplicaSets, "default").items;
  ASSERT_EQ(replicasets.size(), 2u);
  int total = 0;
  for (const auto& rs : replicasets) total += static_cast<int>(json::GetInt(json::Parse(rs.json).value(), {"spec", "replicas"}).value());
  EXPECT_EQ(total, 2);
  for (const auto& pod : Pods()) {
    EXPECT_EQ(json::GetString(*json::Find(pod, {"spec", "containers"})->Begin(), {"image"}), "nginx:2");
  }
  EXPECT_EQ(Pods().size(), 2u);
}

class FullNodesTest : public WorkloadControllerTest {
 protected:
  FullNodesTest() { max_pods = 1; }
};

TEST_F(FullNodesTest, PodsWaitUnscheduledForCapacity) {
  ASSERT_TRUE(store.Create(kReplicaSets, "default", Workload("ReplicaSet", "rs", 4)).ok());
  SyncAt(0);
  SyncAt(1);
  auto pods = Pods();
  ASSERT_EQ(pods.size(), 4u);
  int unscheduled = 0;
  for (const auto& pod : pods) {
    if (Condition(pod, "PodScheduled") == "False") ++unscheduled;
  }
  EXPECT_EQ(unscheduled, 1);
  EXPECT_EQ(controller->stats().unscheduled, 1u);
  Scale(kReplicaSets, "rs", 3);
  SyncAt(2);
  SyncAt(3);
  EXPECT_EQ(Pods().size(), 3u);
  EXPECT_EQ(controller->stats().unscheduled, 0u);
}

TEST(PodTemplateHashTest, IsStableAndSafe) {
  std::string a = PodTemplateHash(R"({"spec":{}})");
  EXPECT_EQ(a, PodTemplateHash(R"({"spec":{}})"));
  EXPECT_NE(a, PodTemplateHash(R"({"spec":{"x":1}})"));
  for (char c : a) EXPECT_NE(std::string_view("bcdfghjklmnpqrstvwxz2456789").find(c), std::string_view::npos);
}

}  // namespace
}  // namespace sandbox
