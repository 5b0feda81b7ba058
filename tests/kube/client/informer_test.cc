#include "kube/client/informer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>

#include "kube/client/object_meta.h"
#include "tests/kube/client/fake_api.h"

namespace kube {
namespace {

using namespace std::chrono_literals;
using kube::testing::FakeApi;
using kube::testing::FakeWatchBody;

// What the tests cache: the name and one spec field, as a caller keeping only what it needs would.
struct Thing {
  std::string name;
  std::string value;
};

common::Result<Thing> DecodeThing(const rapidjson::Value& object) {
  auto meta = ParseObjectMeta(object);
  if (!meta.ok()) return meta.error();
  const rapidjson::Value* spec = ObjectMember(object, "spec");
  auto value = spec ? StringMember(*spec, "value") : std::nullopt;
  if (!value) return common::Error::Make(common::ErrorCode::kInvalidArgument, "no spec.value");
  return Thing{meta->name, std::string(*value)};
}

std::string Obj(const std::string& name, const std::string& rv, const std::string& value,
                const std::string& app = "web") {
  return R"({"metadata":{"namespace":"ns","name":")" + name + R"(","resourceVersion":")" + rv +
         R"(","labels":{"app":")" + app + R"("}},"spec":{"value":")" + value + R"("}})";
}

std::string Event(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}

std::string Bookmark(const std::string& rv) {
  return R"({"type":"BOOKMARK","object":{"kind":"Thing","metadata":{"resourceVersion":")" + rv + R"("}}})" "\n";
}

std::string Gone() {
  return R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",)"
         R"("message":"too old resource version","reason":"Expired","code":410}})"
         "\n";
}

// Records handler calls as "add:name=value", "update:name=old->new", "delete:name".
class Recorder {
 public:
  EventHandlers<Thing> Handlers() {
    return EventHandlers<Thing>{
        [this](const Thing& t) { Record("add:" + t.name + "=" + t.value); },
        [this](const Thing& o, const Thing& n) { Record("update:" + n.name + "=" + o.value + "->" + n.value); },
        [this](const Thing& t) { Record("delete:" + t.name); }};
  }
  // Waits (bounded, to fail rather than hang) until `count` events have been recorded; returns them all.
  std::vector<std::string> WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return events_.size() >= count; });
    return events_;
  }
  std::vector<std::string> Snapshot() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  void Record(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

InformerOptions TestOptions() {
  InformerOptions options;
  options.path = "/apis/test/v1/things";
  options.page_size = 2;
  options.backoff = BackoffPolicy{1ms, 5ms, 2.0, 0.0};
  options.min_watch_timeout = 0s;
  options.indexed_labels = {"app"};
  return options;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> Values(const Store<Thing>& store) {
  std::vector<std::string> out;
  for (const auto& t : store.List()) out.push_back(t->name + "=" + t->value);
  return out;
}

TEST(InformerTest, ListsInPagesWatchesAndRelistsOnGone) {
  FakeApi api;
  api.SetObjects({{"a", Obj("a", "1", "a1")}, {"b", Obj("b", "2", "b1")}, {"c", Obj("c", "3", "c1", "db")}}, "3");
  Recorder recorder;
  Informer<Thing> informer(api, TestOptions(), DecodeThing);
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  EXPECT_TRUE(informer.HasSynced());
  EXPECT_EQ(Sorted(recorder.WaitFor(3)), (std::vector<std::string>{"add:a=a1", "add:b=b1", "add:c=c1"}));
  // Two pages of two: the second request carries the continue token.
  auto lists = api.list_targets();
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_NE(lists[0].find("limit=2"), std::string::npos);
  EXPECT_NE(lists[1].find("continue=2"), std::string::npos);

  WatchOptions watch;
  std::shared_ptr<FakeWatchBody> body;
  ASSERT_TRUE(api.WaitForWatch(1, &watch, &body));
  EXPECT_EQ(watch.resource_version, "3");
  EXPECT_TRUE(watch.allow_watch_bookmarks);

  // An update split across chunks, a bookmark, an add and a delete.
  std::string modified = Event("MODIFIED", Obj("a", "4", "a2"));
  body->Push(modified.substr(0, 17));
  body->Push(modified.substr(17) + Bookmark("5").substr(0, 5));
  body->Push(Bookmark("5").substr(5) + Event("ADDED", Obj("e", "6", "e1")));
  body->Push(Event("DELETED", Obj("c", "7", "c1", "db")));
  auto events = recorder.WaitFor(6);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[3], "update:a=a1->a2");
  EXPECT_EQ(events[4], "add:e=e1");
  EXPECT_EQ(events[5], "delete:c");
  EXPECT_EQ(Sorted(Values(informer.store())), (std::vector<std::string>{"a=a2", "b=b1", "e=e1"}));
  EXPECT_EQ(informer.reflector().LastResourceVersion(), "7");

  // The server compacts: b disappears, a changes, f appears, e is unchanged. Then the watch says 410.
  api.SetObjects({{"a", Obj("a", "8", "a3")}, {"e", Obj("e", "6", "e1")}, {"f", Obj("f", "9", "f1", "db")}}, "9");
  body->Push(Gone());
  events = recorder.WaitFor(9);
  ASSERT_EQ(events.size(), 9u);
  EXPECT_EQ(Sorted({events[6], events[7], events[8]}),
            (std::vector<std::string>{"add:f=f1", "delete:b", "update:a=a2->a3"}));
  EXPECT_EQ(Sorted(Values(informer.store())), (std::vector<std::string>{"a=a3", "e=e1", "f=f1"}));

  // After the re-list the informer watches again from the new list's resourceVersion.
  ASSERT_TRUE(api.WaitForWatch(2, &watch, &body));
  EXPECT_EQ(watch.resource_version, "9");

  // Indexes and lookups follow the store.
  ASSERT_NE(informer.store().Get("ns", "f"), nullptr);
  EXPECT_EQ(informer.store().Get("ns/f")->value, "f1");
  EXPECT_EQ(informer.store().Get("ns", "b"), nullptr);
  EXPECT_EQ(informer.store().ListByNamespace("ns").size(), 3u);
  EXPECT_TRUE(informer.store().ListByNamespace("other").empty());
  EXPECT_EQ(informer.store().ListByLabel("app", "db").size(), 1u);
  EXPECT_EQ(informer.store().ListByLabel("app", "web").size(), 2u);

  informer.Stop();
  EXPECT_TRUE(body->cancelled());
  EXPECT_EQ(recorder.Snapshot().size(), 9u);
}

TEST(InformerTest, RewatchesFromBookmarkAfterCleanEnd) {
  FakeApi api;
  api.SetObjects({{"a", Obj("a", "10", "a1")}}, "10");
  Informer<Thing> informer(api, TestOptions(), DecodeThing);
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  WatchOptions watch;
  std::shared_ptr<FakeWatchBody> body;
  ASSERT_TRUE(api.WaitForWatch(1, &watch, &body));
  body->Push(Bookmark("15"));
  body->End();
  ASSERT_TRUE(api.WaitForWatch(2, &watch, &body));
  EXPECT_EQ(watch.resource_version, "15");
  EXPECT_EQ(api.list_targets().size(), 1u);  // no re-list for a plain end of watch
}

TEST(InformerTest, RetriesFailedListsAndWatches) {
  FakeApi api;
  api.SetObjects({{"a", Obj("a", "1", "a1")}}, "1");
  api.FailNextLists(3);
  api.FailNextWatches(2, common::Error::Make(common::ErrorCode::kUnavailable, "connection refused"));
  Recorder recorder;
  Informer<Thing> informer(api, TestOptions(), DecodeThing);
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  EXPECT_EQ(api.list_targets().size(), 4u);
  WatchOptions watch;
  std::shared_ptr<FakeWatchBody> body;
  ASSERT_TRUE(api.WaitForWatch(3, &watch, &body));
  EXPECT_EQ(watch.resource_version, "1");
  body->Push(Event("ADDED", Obj("b", "2", "b1")));
  EXPECT_EQ(recorder.WaitFor(2), (std::vector<std::string>{"add:a=a1", "add:b=b1"}));
}

TEST(InformerTest, WatchStartingWithGoneRelists) {
  FakeApi api;
  api.SetObjects({{"a", Obj("a", "1", "a1")}}, "1");
  api.FailNextWatches(1, common::Error::Make(common::ErrorCode::kGone, "too old", 410));
  Informer<Thing> informer(api, TestOptions(), DecodeThing);
  informer.Start();
  WatchOptions watch;
  std::shared_ptr<FakeWatchBody> body;
  ASSERT_TRUE(api.WaitForWatch(2, &watch, &body));
  EXPECT_EQ(api.list_targets().size(), 2u);
}

TEST(InformerTest, SurvivesGarbage) {
  FakeApi api;
  // "bad" has no spec.value: the decoder rejects it and it is simply not cached.
  api.SetObjects({{"a", Obj("a", "1", "a1")}, {"bad", R"({"metadata":{"name":"bad","resourceVersion":"2"}})"},
                  {"nometa", R"({"kind":"Thing"})"}},
                 "2");
  Recorder recorder;
  Informer<Thing> informer(api, TestOptions(), DecodeThing);
  informer.AddHandlers(recorder.Handlers());
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(10s));
  EXPECT_EQ(Values(informer.store()), (std::vector<std::string>{"a=a1"}));
  WatchOptions watch;
  std::shared_ptr<FakeWatchBody> body;
  ASSERT_TRUE(api.WaitForWatch(1, &watch, &body));
  // Events without metadata or that fail decoding are skipped; a frame that is not JSON ends the watch, and the
  // informer re-watches from the last good resourceVersion.
  body->Push(Event("ADDED", R"({"kind":"Thing"})"));
  body->Push(Event("MODIFIED", R"({"metadata":{"namespace":"ns","name":"a","resourceVersion":"3"}})"));
  body->Push(Event("ADDED", Obj("z", "4", "z1")));
  body->Push("{not json\n");
  ASSERT_TRUE(api.WaitForWatch(2, &watch, &body));
  EXPECT_EQ(watch.resource_version, "4");
  body->Push(Event("DELETED", Obj("a", "5", "a1")));
  EXPECT_EQ(recorder.WaitFor(3), (std::vector<std::string>{"add:a=a1", "add:z=z1", "delete:a"}));
  EXPECT_EQ(Values(informer.store()), (std::vector<std::string>{"z=z1"}));
}

TEST(InformerTest, StopBeforeSyncReturns) {
  FakeApi api;
  api.FailNextLists(1000000);
  Informer<Thing> informer(api, TestOptions(), DecodeThing);
  informer.Start();
  EXPECT_FALSE(informer.WaitForSync(20ms));
  informer.Stop();
  EXPECT_FALSE(informer.HasSynced());
}

TEST(StoreTest, IndexFollowsUpdatesAndRemovals) {
  Store<Thing> store({"app"});
  auto item = [](const std::string& value, std::optional<std::string> app) {
    return Store<Thing>::Item{std::make_shared<const Thing>(Thing{"x", value}), "1", {std::move(app)}};
  };
  store.Upsert("ns/x", item("1", "web"));
  EXPECT_EQ(store.ListByLabel("app", "web").size(), 1u);
  store.Upsert("ns/x", item("2", "db"));
  EXPECT_TRUE(store.ListByLabel("app", "web").empty());
  EXPECT_EQ(store.ListByLabel("app", "db").size(), 1u);
  EXPECT_TRUE(store.ListByLabel("team", "db").empty());  // not indexed
  store.Upsert("ns2/y", item("3", std::nullopt));
  EXPECT_EQ(store.ListByNamespace("ns").size(), 1u);
  EXPECT_EQ(store.ListByNamespace("ns2").size(), 1u);
  EXPECT_TRUE(store.Remove("ns/x").has_value());
  EXPECT_FALSE(store.Remove("ns/x").has_value());
  EXPECT_TRUE(store.ListByLabel("app", "db").empty());
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace kube
