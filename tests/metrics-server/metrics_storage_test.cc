#include "metrics-server/storage/metrics_storage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace metrics_server {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSecond;
constexpr int64_t kMiB = 1 << 20;

ResourcePoint Point(int64_t timestamp_ns, uint64_t cpu_ns, uint64_t memory, int64_t start_ns = 0) {
  return ResourcePoint{timestamp_ns, cpu_ns, memory, start_ns};
}

struct TestContainer {
  std::string namespace_name;
  std::string pod;
  std::string name;
  ResourcePoint point;
};

// Builds the batch the parser would produce: pods sorted, containers grouped by pod and sorted by name.
NodeBatch MakeBatch(ResourcePoint node, std::vector<TestContainer> containers) {
  std::sort(containers.begin(), containers.end(), [](const TestContainer& a, const TestContainer& b) {
    return std::tie(a.namespace_name, a.pod, a.name) < std::tie(b.namespace_name, b.pod, b.name);
  });
  NodeBatch b;
  b.node = node;
  auto add = [&b](const std::string& s) {
    StrRef r{static_cast<uint32_t>(b.strings.size()), static_cast<uint32_t>(s.size())};
    b.strings += s;
    return r;
  };
  for (const TestContainer& c : containers) {
    if (b.pods.empty() || b.str(b.pods.back().namespace_name) != c.namespace_name ||
        b.str(b.pods.back().name) != c.pod) {
      PodSample p;
      p.namespace_name = add(c.namespace_name);
      p.name = add(c.pod);
      p.first_container = static_cast<uint32_t>(b.containers.size());
      b.pods.push_back(p);
    }
    ContainerSample cs;
    cs.name = add(c.name);
    cs.point = c.point;
    b.containers.push_back(cs);
    ++b.pods.back().container_count;
  }
  return b;
}

NodeBatch NodeOnly(ResourcePoint node) { return MakeBatch(node, {}); }

StoreStats StoreOne(MetricsStorage& s, std::string_view node, const NodeBatch& b) {
  NodeScrape scrape{node, &b};
  return s.Store(std::span<const NodeScrape>(&scrape, 1), TimePoint(nanoseconds(kT0)));
}

TimePoint At(int64_t ns) { return TimePoint(nanoseconds(ns)); }

TEST(MetricsStorageTest, EmptyStorageHasEmptySnapshot) {
  MetricsStorage s;
  auto snap = s.Snapshot();
  ASSERT_NE(snap, nullptr);
  EXPECT_TRUE(snap->nodes.empty());
  EXPECT_TRUE(snap->pods.empty());
  EXPECT_EQ(snap->FindNode("n"), nullptr);
  EXPECT_EQ(snap->FindPod("ns", "p"), nullptr);
}

TEST(MetricsStorageTest, NodeNeedsTwoPoints) {
  MetricsStorage s;
  StoreStats st = StoreOne(s, "node1", NodeOnly(Point(kT0, 5 * kSecond, 100 * kMiB)));
  EXPECT_EQ(st.node_points, 0u);
  EXPECT_TRUE(s.Snapshot()->nodes.empty());

  st = StoreOne(s, "node1", NodeOnly(Point(kT0 + 10 * kSecond, 6 * kSecond, 120 * kMiB)));
  EXPECT_EQ(st.node_points, 1u);
  auto snap = s.Snapshot();
  ASSERT_EQ(snap->nodes.size(), 1u);
  const NodeMetricsPoint& n = snap->nodes[0];
  EXPECT_EQ(n.name, "node1");
  EXPECT_EQ(n.usage.cpu_nanocores, 100'000'000u);  // 1 core-second over 10 s = 100m
  EXPECT_EQ(n.usage.memory_bytes, static_cast<uint64_t>(120 * kMiB));
  EXPECT_EQ(n.window, seconds(10));
  EXPECT_EQ(n.timestamp, At(kT0 + 10 * kSecond));
  EXPECT_EQ(snap->FindNode("node1"), &snap->nodes[0]);
}

// Table of node point sequences and the usage expected after the last one (upstream node storage semantics).
TEST(MetricsStorageTest, NodePointSequences) {
  struct Case {
    std::string name;
    std::vector<ResourcePoint> points;
    bool want_metrics;
    uint64_t want_cpu = 0;
    int64_t want_window_s = 0;
    int64_t want_timestamp = 0;
  };
  const std::vector<Case> cases = {
      {"two increasing points", {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 2)}, true,
       200'000'000, 10, kT0 + 10 * kSecond},
      {"same timestamp again keeps the previous point",
       {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 2), Point(kT0 + 10 * kSecond, 3 * kSecond, 5)},
       true, 200'000'000, 10, kT0 + 10 * kSecond},
      {"point between prev and last replaces last",
       {Point(kT0, 1 * kSecond, 1), Point(kT0 + 20 * kSecond, 9 * kSecond, 2), Point(kT0 + 5 * kSecond, 2 * kSecond, 3)},
       true, 200'000'000, 5, kT0 + 5 * kSecond},
      {"point older than prev drops history",
       {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 2), Point(kT0 - 10 * kSecond, 1, 3)},
       false},
      {"history restarts after an old point",
       {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 2), Point(kT0 - 10 * kSecond, 1, 3),
        Point(kT0 + 20 * kSecond, 3 * kSecond + 1, 4)},
       true, 100'000'000, 30, kT0 + 20 * kSecond},
      {"decreasing counter gives no usage",
       {Point(kT0, 5 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 2)}, false},
      {"next point after a decrease pairs with the new value",
       {Point(kT0, 5 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 2), Point(kT0 + 20 * kSecond, 4 * kSecond, 2)},
       true, 100'000'000, 10, kT0 + 20 * kSecond},
      {"incomplete point forgets the node",
       {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 0)}, false},
      {"after an incomplete point two new points are needed",
       {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 3 * kSecond, 0), Point(kT0 + 20 * kSecond, 4 * kSecond, 1)},
       false},
      {"zero cpu counter is incomplete", {Point(kT0, 1 * kSecond, 1), Point(kT0 + 10 * kSecond, 0, 1)}, false},
      {"truncates like upstream", {Point(kT0, 1 * kSecond, 1), Point(kT0 + 3 * kSecond, 2 * kSecond, 1)}, true,
       333'333'333, 3, kT0 + 3 * kSecond},
  };
  for (const Case& c : cases) {
    MetricsStorage s;
    for (const ResourcePoint& p : c.points) (void)StoreOne(s, "node", NodeOnly(p));
    auto snap = s.Snapshot();
    const NodeMetricsPoint* n = snap->FindNode("node");
    ASSERT_EQ(n != nullptr, c.want_metrics) << c.name;
    if (n == nullptr) continue;
    EXPECT_EQ(n->usage.cpu_nanocores, c.want_cpu) << c.name;
    EXPECT_EQ(n->window, seconds(c.want_window_s)) << c.name;
    EXPECT_EQ(n->timestamp, At(c.want_timestamp)) << c.name;
    EXPECT_EQ(n->usage.memory_bytes, c.points.back().memory_bytes) << c.name;
  }
}

TEST(MetricsStorageTest, NodesAbsentFromTheLatestCycleAreDropped) {
  MetricsStorage s;
  NodeBatch a0 = NodeOnly(Point(kT0, 1 * kSecond, 1));
  NodeBatch b0 = NodeOnly(Point(kT0, 1 * kSecond, 1));
  NodeBatch a1 = NodeOnly(Point(kT0 + 10 * kSecond, 2 * kSecond, 1));
  NodeBatch b1 = NodeOnly(Point(kT0 + 10 * kSecond, 2 * kSecond, 1));
  std::vector<NodeScrape> cycle0 = {{"b", &b0}, {"a", &a0}};
  std::vector<NodeScrape> cycle1 = {{"b", &b1}, {"a", &a1}};
  (void)s.Store(cycle0, At(kT0));
  (void)s.Store(cycle1, At(kT0 + 10 * kSecond));
  auto snap = s.Snapshot();
  ASSERT_EQ(snap->nodes.size(), 2u);
  EXPECT_EQ(snap->nodes[0].name, "a");  // sorted
  EXPECT_EQ(snap->nodes[1].name, "b");
  EXPECT_EQ(snap->scrape_time, At(kT0 + 10 * kSecond));

  NodeBatch a2 = NodeOnly(Point(kT0 + 20 * kSecond, 3 * kSecond, 1));
  std::vector<NodeScrape> cycle2 = {{"a", &a2}};
  (void)s.Store(cycle2, At(kT0 + 20 * kSecond));
  snap = s.Snapshot();
  ASSERT_EQ(snap->nodes.size(), 1u);
  EXPECT_EQ(snap->nodes[0].name, "a");

  // b comes back: it needs two fresh points again.
  NodeBatch b3 = NodeOnly(Point(kT0 + 30 * kSecond, 4 * kSecond, 1));
  NodeBatch a3 = NodeOnly(Point(kT0 + 30 * kSecond, 4 * kSecond, 1));
  std::vector<NodeScrape> cycle3 = {{"a", &a3}, {"b", &b3}};
  (void)s.Store(cycle3, At(kT0 + 30 * kSecond));
  EXPECT_EQ(s.Snapshot()->FindNode("b"), nullptr);
  EXPECT_NE(s.Snapshot()->FindNode("a"), nullptr);
}

TEST(MetricsStorageTest, DuplicateNodeInOneCycleKeepsTheFirst) {
  MetricsStorage s;
  NodeBatch first = NodeOnly(Point(kT0, 1 * kSecond, 1));
  NodeBatch second = NodeOnly(Point(kT0, 1 * kSecond, 7));
  std::vector<NodeScrape> cycle = {{"a", &first}, {"a", &second}};
  EXPECT_EQ(s.Store(cycle, At(kT0)).duplicate_nodes, 1u);
  NodeBatch next = NodeOnly(Point(kT0 + 10 * kSecond, 2 * kSecond, 3));
  (void)StoreOne(s, "a", next);
  ASSERT_NE(s.Snapshot()->FindNode("a"), nullptr);
  EXPECT_EQ(s.Snapshot()->FindNode("a")->usage.cpu_nanocores, 100'000'000u);
}

TEST(MetricsStorageTest, PodWithTwoContainers) {
  MetricsStorage s;
  const int64_t start = kT0 - 3600 * kSecond;
  (void)StoreOne(s, "n", MakeBatch(Point(kT0, 1, 1), {
                                       {"ns", "p", "web", Point(kT0, 10 * kSecond, 50 * kMiB, start)},
                                       {"ns", "p", "proxy", Point(kT0 + kSecond, 2 * kSecond, 10 * kMiB, start)},
                                   }));
  EXPECT_TRUE(s.Snapshot()->pods.empty());
  StoreStats st = StoreOne(s, "n", MakeBatch(Point(kT0 + 15 * kSecond, 2, 1),
                                             {
                                                 {"ns", "p", "web", Point(kT0 + 15 * kSecond, 13 * kSecond, 60 * kMiB, start)},
                                                 {"ns", "p", "proxy", Point(kT0 + 11 * kSecond, 3 * kSecond, 11 * kMiB, start)},
                                             }));
  EXPECT_EQ(st.container_points, 2u);
  auto snap = s.Snapshot();
  const PodMetricsPoint* pod = snap->FindPod("ns", "p");
  ASSERT_NE(pod, nullptr);
  ASSERT_EQ(pod->containers.size(), 2u);
  EXPECT_EQ(pod->containers[0].name, "proxy");
  EXPECT_EQ(pod->containers[0].usage.cpu_nanocores, 100'000'000u);  // 1 s over 10 s
  EXPECT_EQ(pod->containers[0].usage.memory_bytes, static_cast<uint64_t>(11 * kMiB));
  EXPECT_EQ(pod->containers[1].name, "web");
  EXPECT_EQ(pod->containers[1].usage.cpu_nanocores, 200'000'000u);  // 3 s over 15 s
  EXPECT_EQ(pod->containers[1].usage.memory_bytes, static_cast<uint64_t>(60 * kMiB));
  // The pod carries the timestamp and window of its least recent container.
  EXPECT_EQ(pod->timestamp, At(kT0 + 11 * kSecond));
  EXPECT_EQ(pod->window, seconds(10));
}

// Upstream pod storage behaviours, one container per case: each case is a sequence of points and the expected
// usage after the last.
TEST(MetricsStorageTest, ContainerPointSequences) {
  struct Case {
    std::string name;
    std::vector<ResourcePoint> points;
    bool want_metrics;
    uint64_t want_cpu = 0;
    int64_t want_window_s = 0;
  };
  const int64_t old_start = kT0 - 3600 * kSecond;
  const std::vector<Case> cases = {
      {"single point is not enough", {Point(kT0, 5 * kSecond, 1, old_start)}, false},
      {"two points", {Point(kT0, 5 * kSecond, 1, old_start), Point(kT0 + 10 * kSecond, 6 * kSecond, 1, old_start)},
       true, 100'000'000, 10},
      {"restart: start time after the stored point resets history",
       {Point(kT0, 5 * kSecond, 1, old_start), Point(kT0 + 60 * kSecond, 1 * kSecond, 1, kT0 + 30 * kSecond)},
       false},
      {"after a restart the next point pairs with the restarted one",
       {Point(kT0, 5 * kSecond, 1, old_start), Point(kT0 + 60 * kSecond, 1 * kSecond, 1, kT0 + 30 * kSecond),
        Point(kT0 + 70 * kSecond, 2 * kSecond, 1, kT0 + 30 * kSecond)},
       true, 100'000'000, 10},
      {"fresh container: first point rated from its start time",
       {Point(kT0, 3 * kSecond, 1, kT0 - 12 * kSecond)}, true, 250'000'000, 12},
      {"too fresh container (< 10 s) waits for a second point", {Point(kT0, 3 * kSecond, 1, kT0 - 5 * kSecond)},
       false},
      {"container older than the resolution waits for a second point",
       {Point(kT0, 3 * kSecond, 1, kT0 - 15 * kSecond)}, false},
      {"decreasing counter gives no usage",
       {Point(kT0, 5 * kSecond, 1, old_start), Point(kT0 + 10 * kSecond, 4 * kSecond, 1, old_start)}, false},
      {"duplicate timestamp keeps prev",
       {Point(kT0, 5 * kSecond, 1, old_start), Point(kT0 + 10 * kSecond, 7 * kSecond, 1, old_start),
        Point(kT0 + 10 * kSecond, 7 * kSecond, 1, old_start)},
       true, 200'000'000, 10},
      {"point older than prev drops history",
       {Point(kT0, 5 * kSecond, 1, old_start), Point(kT0 + 10 * kSecond, 7 * kSecond, 1, old_start),
        Point(kT0 - 5 * kSecond, 4 * kSecond, 1, old_start)},
       false},
      {"unknown start time keeps history",
       {Point(kT0, 5 * kSecond, 1, 0), Point(kT0 + 10 * kSecond, 7 * kSecond, 1, 0)}, true, 200'000'000, 10},
  };
  for (const Case& c : cases) {
    MetricsStorage s(StorageOptions{seconds(15)});
    for (const ResourcePoint& p : c.points) {
      (void)StoreOne(s, "n", MakeBatch(Point(p.timestamp_ns, 1, 1), {{"ns", "p", "c", p}}));
    }
    auto snap = s.Snapshot();
    const PodMetricsPoint* pod = snap->FindPod("ns", "p");
    ASSERT_EQ(pod != nullptr, c.want_metrics) << c.name;
    if (pod == nullptr) continue;
    ASSERT_EQ(pod->containers.size(), 1u) << c.name;
    EXPECT_EQ(pod->containers[0].usage.cpu_nanocores, c.want_cpu) << c.name;
    EXPECT_EQ(pod->window, seconds(c.want_window_s)) << c.name;
    EXPECT_EQ(pod->timestamp, At(c.points.back().timestamp_ns)) << c.name;
  }
}

TEST(MetricsStorageTest, PodNeedsEveryContainerToHaveUsage) {
  MetricsStorage s;
  const int64_t start = kT0 - 3600 * kSecond;
  auto scrape = [&](int64_t t, std::vector<TestContainer> cs) {
    return StoreOne(s, "n", MakeBatch(Point(t, 1, 1), std::move(cs)));
  };
  (void)scrape(kT0, {{"ns", "p", "a", Point(kT0, 1 * kSecond, 1, start)}});
  (void)scrape(kT0 + 10 * kSecond, {{"ns", "p", "a", Point(kT0 + 10 * kSecond, 2 * kSecond, 1, start)}});
  EXPECT_NE(s.Snapshot()->FindPod("ns", "p"), nullptr);

  // A new container (injected sidecar) has one point only: the pod is not reported this cycle.
  (void)scrape(kT0 + 20 * kSecond, {{"ns", "p", "a", Point(kT0 + 20 * kSecond, 3 * kSecond, 1, start)},
                                    {"ns", "p", "b", Point(kT0 + 20 * kSecond, 1 * kSecond, 1, start)}});
  EXPECT_EQ(s.Snapshot()->FindPod("ns", "p"), nullptr);
  (void)scrape(kT0 + 30 * kSecond, {{"ns", "p", "a", Point(kT0 + 30 * kSecond, 4 * kSecond, 1, start)},
                                    {"ns", "p", "b", Point(kT0 + 30 * kSecond, 2 * kSecond, 1, start)}});
  ASSERT_NE(s.Snapshot()->FindPod("ns", "p"), nullptr);
  EXPECT_EQ(s.Snapshot()->FindPod("ns", "p")->containers.size(), 2u);

  // One container's counter decreases: the whole pod is withheld (deliberately stricter than upstream).
  (void)scrape(kT0 + 40 * kSecond, {{"ns", "p", "a", Point(kT0 + 40 * kSecond, 5 * kSecond, 1, start)},
                                    {"ns", "p", "b", Point(kT0 + 40 * kSecond, 1 * kSecond, 1, start)}});
  EXPECT_EQ(s.Snapshot()->FindPod("ns", "p"), nullptr);
  (void)scrape(kT0 + 50 * kSecond, {{"ns", "p", "a", Point(kT0 + 50 * kSecond, 6 * kSecond, 1, start)},
                                    {"ns", "p", "b", Point(kT0 + 50 * kSecond, 2 * kSecond, 1, start)}});
  EXPECT_NE(s.Snapshot()->FindPod("ns", "p"), nullptr);
}

TEST(MetricsStorageTest, IncompleteContainerDropsThePodAndItsHistory) {
  MetricsStorage s;
  const int64_t start = kT0 - 3600 * kSecond;
  auto scrape = [&](int64_t t, uint64_t memory_b) {
    return StoreOne(s, "n", MakeBatch(Point(t, 1, 1), {{"ns", "p", "a", Point(t, t - kT0 + 1, 1, start)},
                                                       {"ns", "p", "b", Point(t, t - kT0 + 1, memory_b, start)},
                                                       {"ns", "q", "a", Point(t, t - kT0 + 1, 1, start)}}));
  };
  (void)scrape(kT0, 1);
  StoreStats st = scrape(kT0 + 10 * kSecond, 0);
  EXPECT_EQ(st.incomplete_pods, 1u);
  EXPECT_EQ(s.Snapshot()->FindPod("ns", "p"), nullptr);
  EXPECT_NE(s.Snapshot()->FindPod("ns", "q"), nullptr);
  (void)scrape(kT0 + 20 * kSecond, 1);
  EXPECT_EQ(s.Snapshot()->FindPod("ns", "p"), nullptr);  // history was forgotten
  (void)scrape(kT0 + 30 * kSecond, 1);
  EXPECT_NE(s.Snapshot()->FindPod("ns", "p"), nullptr);
}

TEST(MetricsStorageTest, PodsAbsentFromTheLatestScrapeAreDropped) {
  MetricsStorage s;
  const int64_t start = kT0 - 3600 * kSecond;
  (void)StoreOne(s, "n", MakeBatch(Point(kT0, 1, 1), {{"ns", "p", "a", Point(kT0, 1, 1, start)},
                                                      {"ns", "q", "a", Point(kT0, 1, 1, start)}}));
  (void)StoreOne(s, "n", MakeBatch(Point(kT0, 1, 1), {{"ns", "p", "a", Point(kT0 + kSecond, 2, 1, start)},
                                                      {"ns", "q", "a", Point(kT0 + kSecond, 2, 1, start)}}));
  EXPECT_EQ(s.Snapshot()->pods.size(), 2u);
  (void)StoreOne(s, "n", MakeBatch(Point(kT0, 1, 1), {{"ns", "q", "a", Point(kT0 + 2 * kSecond, 3, 1, start)}}));
  ASSERT_EQ(s.Snapshot()->pods.size(), 1u);
  EXPECT_EQ(s.Snapshot()->pods[0].name, "q");
}

TEST(MetricsStorageTest, PodsAreSortedAcrossNodesAndDuplicatesKeepTheFirstNode) {
  MetricsStorage s;
  const int64_t start = kT0 - 3600 * kSecond;
  auto batch = [&](int64_t t, uint64_t memory) {
    return MakeBatch(Point(t, 1, 1), {{"b-ns", "x", "c", Point(t, t - kT0 + 1, memory, start)},
                                      {"a-ns", "y-" + std::to_string(memory), "c", Point(t, t - kT0 + 1, 1, start)}});
  };
  for (int64_t t : {kT0, kT0 + 10 * kSecond}) {
    NodeBatch on_z = batch(t, 2);
    NodeBatch on_m = batch(t, 1);
    std::vector<NodeScrape> cycle = {{"z-node", &on_z}, {"m-node", &on_m}};
    StoreStats st = s.Store(cycle, At(t));
    EXPECT_EQ(st.duplicate_pods, t == kT0 ? 0u : 1u);
  }
  auto snap = s.Snapshot();
  ASSERT_EQ(snap->pods.size(), 3u);
  EXPECT_EQ(snap->pods[0].namespace_name, "a-ns");
  EXPECT_EQ(snap->pods[0].name, "y-1");
  EXPECT_EQ(snap->pods[1].name, "y-2");
  EXPECT_EQ(snap->pods[2].namespace_name, "b-ns");
  // m-node sorts before z-node: its entry (memory 1) wins.
  EXPECT_EQ(snap->pods[2].containers[0].usage.memory_bytes, 1u);
  EXPECT_EQ(snap->FindPod("b-ns", "x"), &snap->pods[2]);
  EXPECT_EQ(snap->FindPod("a-ns", "x"), nullptr);
}

TEST(MetricsStorageTest, PublishedSnapshotsAreImmutable) {
  MetricsStorage s;
  (void)StoreOne(s, "n", NodeOnly(Point(kT0, 1 * kSecond, 1)));
  (void)StoreOne(s, "n", NodeOnly(Point(kT0 + 10 * kSecond, 2 * kSecond, 1)));
  std::shared_ptr<const MetricsSnapshot> held = s.Snapshot();
  ASSERT_EQ(held->nodes.size(), 1u);
  const uint64_t cpu = held->nodes[0].usage.cpu_nanocores;
  (void)StoreOne(s, "n", NodeOnly(Point(kT0 + 20 * kSecond, 5 * kSecond, 1)));
  (void)StoreOne(s, "other", NodeOnly(Point(kT0 + 30 * kSecond, 5 * kSecond, 1)));
  EXPECT_EQ(held->nodes.size(), 1u);
  EXPECT_EQ(held->nodes[0].usage.cpu_nanocores, cpu);
  EXPECT_TRUE(s.Snapshot()->nodes.empty());
}

TEST(MetricsStorageTest, IncompleteNodeKeepsItsPods) {
  MetricsStorage s;
  const int64_t start = kT0 - 3600 * kSecond;
  for (int64_t t : {kT0, kT0 + 10 * kSecond}) {
    StoreStats st = StoreOne(s, "n", MakeBatch(Point(t, 0, 1), {{"ns", "p", "a", Point(t, t - kT0 + 1, 1, start)}}));
    EXPECT_EQ(st.incomplete_nodes, 1u);
  }
  EXPECT_TRUE(s.Snapshot()->nodes.empty());
  EXPECT_NE(s.Snapshot()->FindPod("ns", "p"), nullptr);
}

TEST(MetricsStorageTest, ComputeUsageRejectsBadWindows) {
  ResourceUsage u;
  nanoseconds w;
  EXPECT_FALSE(ComputeUsage(Point(kT0, 2, 1), Point(kT0, 1, 1), &u, &w));
  EXPECT_FALSE(ComputeUsage(Point(kT0, 2, 1), Point(kT0 + 1, 1, 1), &u, &w));
  EXPECT_FALSE(ComputeUsage(Point(kT0 + 1, 1, 1), Point(kT0, 2, 1), &u, &w));
  ASSERT_TRUE(ComputeUsage(Point(kT0 + 1, 2, 7), Point(kT0, 2, 1), &u, &w));
  EXPECT_EQ(u.cpu_nanocores, 0u);
  EXPECT_EQ(u.memory_bytes, 7u);
  EXPECT_EQ(w, nanoseconds(1));
}

}  // namespace
}  // namespace metrics_server
