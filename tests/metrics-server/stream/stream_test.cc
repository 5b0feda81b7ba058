// The pod-metrics stream end to end over loopback: the server pushes each published snapshot, filters by
// namespace, and the client reconnects after the server restarts.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "metrics-server/stream/snapshot_broadcaster.h"
#include "metrics-server/stream/stream_client.h"
#include "metrics-server/stream/stream_convert.h"
#include "metrics-server/stream/stream_server.h"

namespace metrics_server {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const MetricsSnapshot> MakeSnapshot(uint64_t cpu) {
  auto snapshot = std::make_shared<MetricsSnapshot>();
  snapshot->scrape_time = TimePoint(std::chrono::seconds(1'700'000'000));
  for (const char* ns : {"default", "kube-system"}) {
    PodMetricsPoint pod;
    pod.namespace_name = ns;
    pod.name = std::string("web-") + ns;
    pod.timestamp = snapshot->scrape_time - 1s;
    pod.window = 15s;
    pod.containers.push_back({"main", {cpu, 64u << 20}});
    pod.containers.push_back({"sidecar", {cpu / 2, 8u << 20}});
    snapshot->pods.push_back(pod);
  }
  return snapshot;
}

// Polls until pred holds or 10 s pass; the stream is asynchronous by nature.
template <typename Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

TEST(StreamConvert, RoundTripKeepsEveryField) {
  auto snapshot = MakeSnapshot(250'000'000);
  auto batch = ToBatch(*snapshot, 7, {});
  EXPECT_EQ(batch.generation(), 7u);
  auto pods = FromBatch(batch);
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_EQ(pods[0].namespace_name, "default");
  EXPECT_EQ(pods[0].name, "web-default");
  EXPECT_EQ(pods[0].timestamp, snapshot->pods[0].timestamp);
  EXPECT_EQ(pods[0].window, 15s);
  ASSERT_EQ(pods[0].containers.size(), 2u);
  EXPECT_EQ(pods[0].containers[1].name, "sidecar");
  EXPECT_EQ(pods[0].containers[1].usage.cpu_nanocores, 125'000'000u);
  EXPECT_EQ(pods[0].containers[0].usage.memory_bytes, 64u << 20);
}

TEST(StreamConvert, FiltersNamespaces) {
  auto batch = ToBatch(*MakeSnapshot(1), 1, {"kube-system"});
  ASSERT_EQ(batch.pods_size(), 1);
  EXPECT_EQ(batch.pods(0).namespace_(), "kube-system");
}

TEST(MetricsStream, PushesEachPublishedSnapshot) {
  SnapshotBroadcaster broadcaster;
  auto server = StreamServer::Start({.address = "127.0.0.1:0"}, broadcaster);
  ASSERT_TRUE(server.ok()) << server.error().message;
  broadcaster.Publish(MakeSnapshot(100));

  std::atomic<int> batches{0};
  StreamClientOptions options;
  options.target = "127.0.0.1:" + std::to_string((*server)->port());
  options.namespaces = {"default"};
  auto client = StreamClient::Start(options, [&](const StreamState&) { ++batches; });
  ASSERT_TRUE(client.ok()) << client.error().message;

  ASSERT_TRUE(WaitFor([&] { return batches >= 1; }));
  StreamState first = (*client)->Latest();
  EXPECT_TRUE(first.connected);
  ASSERT_NE(first.pods, nullptr);
  ASSERT_EQ(first.pods->size(), 1u);
  EXPECT_EQ(first.pods->at(0).containers[0].usage.cpu_nanocores, 100u);

  broadcaster.Publish(MakeSnapshot(200));
  ASSERT_TRUE(WaitFor([&] { return batches >= 2; }));
  StreamState second = (*client)->Latest();
  EXPECT_GT(second.generation, first.generation);
  EXPECT_EQ(second.pods->at(0).containers[0].usage.cpu_nanocores, 200u);

  (*client)->Stop();
  (*server)->Shutdown();
}

TEST(MetricsStream, ClientReconnectsAfterServerRestart) {
  SnapshotBroadcaster broadcaster;
  broadcaster.Publish(MakeSnapshot(1));
  auto server = StreamServer::Start({.address = "127.0.0.1:0"}, broadcaster);
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();

  std::atomic<int> batches{0};
  StreamClientOptions options;
  options.target = "127.0.0.1:" + std::to_string(port);
  options.initial_backoff = 50ms;
  options.max_backoff = 200ms;
  auto client = StreamClient::Start(options, [&](const StreamState&) { ++batches; });
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(WaitFor([&] { return batches >= 1; }));

  (*server)->Shutdown();
  ASSERT_TRUE(WaitFor([&] { return !(*client)->Latest().connected; }));
  EXPECT_FALSE((*client)->Latest().last_error.empty());

  auto restarted = StreamServer::Start({.address = "127.0.0.1:" + std::to_string(port)}, broadcaster);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  broadcaster.Publish(MakeSnapshot(2));
  ASSERT_TRUE(WaitFor([&] { return batches >= 2 && (*client)->Latest().connected; }));
  EXPECT_EQ((*client)->Latest().pods->at(0).containers[0].usage.cpu_nanocores, 2u);
  (*client)->Stop();
}

TEST(MetricsStream, RejectsHalfConfiguredTls) {
  SnapshotBroadcaster broadcaster;
  auto server = StreamServer::Start({.address = "127.0.0.1:0", .cert_pem = "x"}, broadcaster);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, common::ErrorCode::kInvalidArgument);
}

TEST(MetricsStream, EmptyTargetIsAnError) {
  auto client = StreamClient::Start({}, nullptr);
  ASSERT_FALSE(client.ok());
}

}  // namespace
}  // namespace metrics_server
