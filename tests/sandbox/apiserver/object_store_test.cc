#include "sandbox/apiserver/object_store.h"

#include <gtest/gtest.h>

#include <vector>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {
namespace {

const ResourceKey kDeployments{"apps", "v1", "deployments"};
const ResourceKey kPods{"", "v1", "pods"};

std::string Field(const StoredObject& o, std::initializer_list<std::string_view> path) {
  auto doc = json::Parse(o.json);
  EXPECT_TRUE(doc.ok());
  const rapidjson::Value* v = json::Find(*doc, path);
  if (v == nullptr) return "<missing>";
  if (v->IsString()) return v->GetString();
  return json::Serialize(*v);
}

TEST(ObjectStoreTest, CreateAssignsMetadata) {
  ObjectStore store;
  auto created = store.Create(kDeployments, "default",
                              R"({"metadata":{"name":"x","labels":{"app":"x"}},"spec":{"replicas":1}})");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->name, "x");
  EXPECT_EQ(created->namespace_name, "default");
  EXPECT_EQ(created->resource_version, 1001u);
  EXPECT_EQ(Field(*created, {"metadata", "resourceVersion"}), "1001");
  EXPECT_EQ(Field(*created, {"metadata", "namespace"}), "default");
  EXPECT_EQ(Field(*created, {"metadata", "generation"}), "1");
  EXPECT_EQ(Field(*created, {"metadata", "uid"}).size(), 36u);
  EXPECT_NE(Field(*created, {"metadata", "creationTimestamp"}), "<missing>");
  EXPECT_EQ(created->labels.at("app"), "x");

  auto again = store.Create(kDeployments, "default", R"({"metadata":{"name":"x"}})");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, common::ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "deployments.apps \"x\" already exists");
}

TEST(ObjectStoreTest, GenerateNameAndBadInput) {
  ObjectStore store;
  auto created = store.Create(kPods, "default", R"({"metadata":{"generateName":"web-"}})");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->name.rfind("web-", 0), 0u);
  EXPECT_EQ(created->name.size(), 9u);
  EXPECT_FALSE(store.Create(kPods, "default", "{not json").ok());
  EXPECT_FALSE(store.Create(kPods, "default", R"({"metadata":{}})").ok());
  EXPECT_FALSE(store.Create(kPods, "default", "[1,2]").ok());
}

TEST(ObjectStoreTest, UpdateConflictsOnStaleResourceVersion) {
  ObjectStore store;
  auto created = store.Create(kDeployments, "default", R"({"metadata":{"name":"x"},"spec":{"replicas":1}})");
  ASSERT_TRUE(created.ok());
  auto updated = store.Update(kDeployments, "default", "x",
                              R"({"metadata":{"name":"x","resourceVersion":"1001"},"spec":{"replicas":2}})");
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->resource_version, 1002u);
  EXPECT_EQ(Field(*updated, {"metadata", "generation"}), "2");
  EXPECT_EQ(Field(*updated, {"metadata", "uid"}), Field(*created, {"metadata", "uid"}));

  auto stale = store.Update(kDeployments, "default", "x",
                            R"({"metadata":{"name":"x","resourceVersion":"1001"},"spec":{"replicas":3}})");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, common::ErrorCode::kConflict);
  EXPECT_EQ(stale.error().message,
            "Operation cannot be fulfilled on deployments.apps \"x\": the object has been modified; please apply "
            "your changes to the latest version and try again");

  // No resourceVersion: unconditional update.
  auto unconditional = store.Update(kDeployments, "default", "x", R"({"metadata":{"name":"x"},"spec":{"replicas":4}})");
  ASSERT_TRUE(unconditional.ok());
  EXPECT_EQ(Field(*unconditional, {"spec", "replicas"}), "4");
  EXPECT_FALSE(store.Update(kDeployments, "default", "nope", R"({"metadata":{}})").ok());
}

TEST(ObjectStoreTest, MutateIsAtomicAndNoOpKeepsVersion) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kDeployments, "default", R"({"metadata":{"name":"x"},"spec":{"replicas":1}})").ok());
  auto bumped = store.Mutate(kDeployments, "default", "x", [](rapidjson::Document& doc) {
    json::SetInt(*json::FindMutable(doc, {"spec"}), "replicas", 5, doc.GetAllocator());
    return common::Status::Ok();
  });
  ASSERT_TRUE(bumped.ok());
  EXPECT_EQ(bumped->resource_version, 1002u);
  auto same = store.Mutate(kDeployments, "default", "x", [](rapidjson::Document&) { return common::Status::Ok(); });
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->resource_version, 1002u);
  auto failed = store.Mutate(kDeployments, "default", "x", [](rapidjson::Document&) {
    return common::Status(common::Error::Make(common::ErrorCode::kInvalidArgument, "nope"));
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "nope");
  EXPECT_EQ(store.CurrentResourceVersion(), 1002u);
}

TEST(ObjectStoreTest, ListFiltersByNamespaceAndPredicate) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, "a", R"({"metadata":{"name":"p1","labels":{"app":"x"}}})").ok());
  ASSERT_TRUE(store.Create(kPods, "b", R"({"metadata":{"name":"p2","labels":{"app":"y"}}})").ok());
  ASSERT_TRUE(store.Create(kPods, "b", R"({"metadata":{"name":"p0","labels":{"app":"x"}}})").ok());
  EXPECT_EQ(store.List(kPods, "").items.size(), 3u);
  auto b = store.List(kPods, "b");
  ASSERT_EQ(b.items.size(), 2u);
  EXPECT_EQ(b.items[0].name, "p0");
  EXPECT_EQ(b.resource_version, 1003u);
  auto x = store.List(kPods, "", [](const StoredObject& o) { return o.labels.count("app") && o.labels.at("app") == "x"; });
  EXPECT_EQ(x.items.size(), 2u);
  EXPECT_TRUE(store.List(kDeployments, "").items.empty());
}

TEST(ObjectStoreTest, WatchDeliversBacklogThenLiveEventsInOrder) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, "default", R"({"metadata":{"name":"a"}})").ok());
  std::vector<std::string> seen;
  auto handle = store.Watch(kPods, "default", 0, [&](const WatchEvent& e) {
    seen.push_back(std::string(WatchEventTypeName(e.type)) + " " + e.object.name + " " +
                   std::to_string(e.object.resource_version));
  });
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(store.Create(kPods, "other", R"({"metadata":{"name":"ignored"}})").ok());
  ASSERT_TRUE(store.Create(kPods, "default", R"({"metadata":{"name":"b"}})").ok());
  ASSERT_TRUE(store.Delete(kPods, "default", "a").ok());
  handle->reset();
  ASSERT_TRUE(store.Create(kPods, "default", R"({"metadata":{"name":"after"}})").ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED a 1001", "ADDED b 1003", "DELETED a 1004"}));
}

TEST(ObjectStoreTest, WatchResumesFromHistoryAndReportsGone) {
  ObjectStore store;
  ASSERT_TRUE(store.Create(kPods, "default", R"({"metadata":{"name":"a"}})").ok());
  ASSERT_TRUE(store.Create(kPods, "default", R"({"metadata":{"name":"b"}})").ok());
  std::vector<std::string> seen;
  auto handle = store.Watch(kPods, "", 1001, [&](const WatchEvent& e) { seen.push_back(e.object.name); });
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(seen, std::vector<std::string>{"b"});

  store.CompactHistory();
  auto gone = store.Watch(kPods, "", 1001, [](const WatchEvent&) {});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, common::ErrorCode::kGone);
  EXPECT_TRUE(store.Watch(kPods, "", 1002, [](const WatchEvent&) {}).ok());
}

TEST(ObjectStoreTest, BoundedHistoryCompacts) {
  ObjectStoreOptions options;
  options.history_limit = 2;
  ObjectStore store(options);
  for (const char* n : {"a", "b", "c", "d"}) {
    ASSERT_TRUE(store.Create(kPods, "default", std::string(R"({"metadata":{"name":")") + n + "\"}}").ok());
  }
  EXPECT_FALSE(store.Watch(kPods, "", 1001, [](const WatchEvent&) {}).ok());
  EXPECT_TRUE(store.Watch(kPods, "", 1002, [](const WatchEvent&) {}).ok());
}

TEST(ObjectStoreTest, CallbackMayWriteToTheStoreAndUnsubscribeItself) {
  ObjectStore store;
  std::unique_ptr<WatchHandle> handle;
  int calls = 0;
  auto h = store.Watch(kDeployments, "", 0, [&](const WatchEvent& e) {
    ++calls;
    // Reacting to a change by writing again must not deadlock.
    (void)store.Create(kPods, "default", R"({"metadata":{"generateName":"p-"}})");
    handle.reset();
  });
  ASSERT_TRUE(h.ok());
  handle = std::move(*h);
  ASSERT_TRUE(store.Create(kDeployments, "default", R"({"metadata":{"name":"x"}})").ok());
  ASSERT_TRUE(store.Create(kDeployments, "default", R"({"metadata":{"name":"y"}})").ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(store.List(kPods, "").items.size(), 1u);
}

TEST(JsonUtilTest, MergePatch) {
  auto target = json::Parse(R"({"a":1,"b":{"c":2,"d":3},"l":[1,2]})");
  auto patch = json::Parse(R"({"a":null,"b":{"c":5,"e":{"f":null,"g":1}},"l":[3]})");
  ASSERT_TRUE(target.ok() && patch.ok());
  json::ApplyMergePatch(*target, *patch, target->GetAllocator());
  EXPECT_EQ(json::Serialize(*target), R"({"b":{"c":5,"d":3,"e":{"g":1}},"l":[3]})");
}

TEST(JsonUtilTest, JsonPatch) {
  auto target = json::Parse(R"({"spec":{"replicas":1,"l":[1,3]}})");
  auto patch = json::Parse(
      R"([{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":4},)"
      R"({"op":"add","path":"/spec/l/1","value":2},{"op":"remove","path":"/spec/l/0"}])");
  ASSERT_TRUE(target.ok() && patch.ok());
  ASSERT_TRUE(json::ApplyJsonPatch(*target, *patch).ok());
  EXPECT_EQ(json::Serialize(*target), R"({"spec":{"replicas":4,"l":[2,3]}})");
  auto bad = json::Parse(R"([{"op":"test","path":"/spec/replicas","value":9}])");
  EXPECT_FALSE(json::ApplyJsonPatch(*target, *bad).ok());
}

TEST(JsonUtilTest, Time) {
  auto t = json::ParseTime("2026-11-24T02:22:58Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(json::FormatTime(*t), "2026-11-24T02:22:58Z");
  EXPECT_FALSE(json::ParseTime("yesterday").has_value());
}

}  // namespace
}  // namespace sandbox
