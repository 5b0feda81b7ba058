#include "kube/client/http_rest_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "tests/kube/client/temp_dir.h"

namespace kube {
namespace {

using common::ErrorCode;
using namespace std::chrono_literals;

net::ClientResponse Response(int status, std::string body, net::Headers headers = {}) {
  net::ClientResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

std::string StatusBody(int code, const std::string& reason) {
  return R"({"kind":"Status","status":"Failure","reason":")" + reason + R"(","message":"m )" + reason +
         R"(","code":)" + std::to_string(code) + "}";
}

// Answers Send() from a script and records every request.
class FakeTransport : public net::HttpClient {
 public:
  std::vector<net::ClientRequest> requests;
  std::deque<common::Result<net::ClientResponse>> script;

  void SendAsync(net::ClientRequest request, Callback callback) override { callback(Send(std::move(request))); }
  common::Result<net::ClientResponse> Send(net::ClientRequest request) override {
    requests.push_back(std::move(request));
    if (script.empty()) return Response(200, "{}");
    auto next = std::move(script.front());
    script.pop_front();
    return next;
  }
  common::Result<net::StreamingResponse> Stream(net::ClientRequest request) override {
    requests.push_back(std::move(request));
    return common::Error::Make(ErrorCode::kUnavailable, "no streams here");
  }
};

struct Harness {
  explicit Harness(ClientConfig config = DefaultConfig()) {
    auto fake = std::make_unique<FakeTransport>();
    transport = fake.get();
    RestClientOptions options;
    options.retry.max_attempts = 4;
    options.retry.backoff = BackoffPolicy{100ms, 400ms, 2.0, 0.0};
    options.retry.max_retry_after = 3s;
    options.sleeper = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    client = NewRestClient(std::move(fake), config, options);
  }

  static ClientConfig DefaultConfig() {
    ClientConfig config;
    config.host = "api.example";
    config.port = 6443;
    config.path_prefix = "/prefix";
    config.bearer_token = "secret";
    config.user_agent = "test-agent/1.0";
    return config;
  }

  FakeTransport* transport;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<RestClient> client;
};

std::string HeaderOf(const net::ClientRequest& r, std::string_view name) {
  auto v = net::FindHeader(r.headers, name);
  return v ? std::string(*v) : "<absent>";
}

TEST(RestClientTest, SetsHeadersAndTarget) {
  Harness h;
  h.transport->script.push_back(Response(200, R"({"kind":"Pod"})"));
  auto doc = h.client->GetJson("/api/v1/namespaces/default/pods/web");
  ASSERT_TRUE(doc.ok());
  EXPECT_STREQ((*doc)["kind"].GetString(), "Pod");
  ASSERT_EQ(h.transport->requests.size(), 1u);
  const net::ClientRequest& r = h.transport->requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.host, "api.example");
  EXPECT_EQ(r.port, 6443);
  EXPECT_EQ(r.target, "/prefix/api/v1/namespaces/default/pods/web");
  EXPECT_EQ(HeaderOf(r, "Authorization"), "Bearer secret");
  EXPECT_EQ(HeaderOf(r, "Accept"), "application/json");
  EXPECT_EQ(HeaderOf(r, "User-Agent"), "test-agent/1.0");
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "<absent>");
}

TEST(RestClientTest, VerbsAndContentTypes) {
  Harness h;
  ASSERT_TRUE(h.client->Create("/api/v1/namespaces/d/pods", "{}").ok());
  ASSERT_TRUE(h.client->Update("/api/v1/namespaces/d/pods/p", "{}").ok());
  ASSERT_TRUE(h.client->Patch("/apis/apps/v1/namespaces/d/deployments/x/scale", R"({"spec":{"replicas":3}})").ok());
  ASSERT_TRUE(h.client->Delete("/api/v1/namespaces/d/pods/p").ok());
  auto& r = h.transport->requests;
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].method, "POST");
  EXPECT_EQ(HeaderOf(r[0], "Content-Type"), "application/json");
  EXPECT_EQ(r[1].method, "PUT");
  EXPECT_EQ(r[2].method, "PATCH");
  EXPECT_EQ(HeaderOf(r[2], "Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(r[2].body, R"({"spec":{"replicas":3}})");
  EXPECT_EQ(r[3].method, "DELETE");
}

TEST(RestClientTest, ListQuery) {
  Harness h;
  ListOptions options;
  options.label_selector = "app in (a,b)";
  options.limit = 500;
  options.continue_token = "tok=";
  options.resource_version = "ignored-with-continue";
  ASSERT_TRUE(h.client->List("/api/v1/pods", options).ok());
  EXPECT_EQ(h.transport->requests[0].target,
            "/prefix/api/v1/pods?labelSelector=app%20in%20%28a%2Cb%29&limit=500&continue=tok%3D");
  ListOptions any_version;
  any_version.resource_version = "0";
  EXPECT_EQ(WithListQuery("/api/v1/pods?x=1", any_version), "/api/v1/pods?x=1&resourceVersion=0");
  WatchOptions watch;
  watch.resource_version = "7";
  watch.timeout = 300s;
  EXPECT_EQ(WithWatchQuery("/api/v1/pods", watch),
            "/api/v1/pods?watch=true&resourceVersion=7&allowWatchBookmarks=true&timeoutSeconds=300");
}

TEST(RestClientTest, DecodesStatusErrorsWithoutRetrying) {
  Harness h;
  h.transport->script.push_back(Response(404, StatusBody(404, "NotFound")));
  auto result = h.client->Get("/api/v1/namespaces/d/pods/missing");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(result.error().message, "m NotFound");
  EXPECT_EQ(h.transport->requests.size(), 1u);

  h.transport->script.push_back(Response(409, StatusBody(409, "Conflict")));
  auto conflict = h.client->Update("/x", "{}");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_EQ(h.transport->requests.size(), 2u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(RestClientTest, RetriesIdempotentRequestsWithCappedBackoff) {
  Harness h;
  h.transport->script.push_back(Response(503, StatusBody(503, "ServiceUnavailable")));
  h.transport->script.push_back(common::Error::Make(ErrorCode::kUnavailable, "connection refused"));
  h.transport->script.push_back(Response(500, "oops"));
  h.transport->script.push_back(Response(200, "ok"));
  auto result = h.client->Get("/healthz");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, "ok");
  EXPECT_EQ(h.transport->requests.size(), 4u);
  EXPECT_EQ(h.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms}));
}

TEST(RestClientTest, GivesUpAfterMaxAttempts) {
  Harness h;
  for (int i = 0; i < 10; ++i) h.transport->script.push_back(Response(503, StatusBody(503, "ServiceUnavailable")));
  auto result = h.client->Get("/x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(h.transport->requests.size(), 4u);
  // The backoff is capped at 400ms.
  EXPECT_EQ(h.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms}));
}

TEST(RestClientTest, HonorsRetryAfterUpToTheCap) {
  Harness h;
  h.transport->script.push_back(Response(429, StatusBody(429, "TooManyRequests"), {{"Retry-After", "2"}}));
  h.transport->script.push_back(Response(429, StatusBody(429, "TooManyRequests"), {{"retry-after", "3600"}}));
  h.transport->script.push_back(Response(201, "{}"));
  // POST is retried on 429 only: the server refused it before doing anything.
  auto result = h.client->Create("/api/v1/namespaces/d/events", "{}");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(h.sleeps, (std::vector<std::chrono::milliseconds>{2000ms, 3000ms}));
}

TEST(RestClientTest, NonIdempotentRequestsAreNotRetriedOnServerErrors) {
  Harness h;
  h.transport->script.push_back(Response(500, StatusBody(500, "InternalError")));
  EXPECT_FALSE(h.client->Create("/x", "{}").ok());
  h.transport->script.push_back(common::Error::Make(ErrorCode::kUnavailable, "reset"));
  EXPECT_FALSE(h.client->Patch("/x", "{}").ok());
  EXPECT_EQ(h.transport->requests.size(), 2u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(RestClientTest, RereadsTokenFileAfter401) {
  testing::TempDir dir;
  std::string token_file = dir.Write("token", "old");
  ClientConfig config = Harness::DefaultConfig();
  config.bearer_token = "";
  config.bearer_token_file = token_file;
  Harness h(config);
  h.transport->script.push_back(Response(200, "{}"));
  ASSERT_TRUE(h.client->Get("/a").ok());
  // Rotate with the same size and mtime so only the forced re-read after the 401 can pick it up.
  auto mtime = std::filesystem::last_write_time(token_file);
  dir.Write("token", "new");
  std::filesystem::last_write_time(token_file, mtime);
  h.transport->script.push_back(Response(401, StatusBody(401, "Unauthorized")));
  h.transport->script.push_back(Response(200, "{}"));
  ASSERT_TRUE(h.client->Get("/b").ok());
  ASSERT_EQ(h.transport->requests.size(), 3u);
  EXPECT_EQ(HeaderOf(h.transport->requests[0], "Authorization"), "Bearer old");
  EXPECT_EQ(HeaderOf(h.transport->requests[2], "Authorization"), "Bearer new");
}

TEST(RestClientTest, RetryableClassification) {
  auto http = [](int status) { return common::Error::Make(ErrorCode::kUnavailable, "x", status); };
  EXPECT_TRUE(IsRetryable(Verb::kGet, http(500)));
  EXPECT_TRUE(IsRetryable(Verb::kPut, http(503)));
  EXPECT_TRUE(IsRetryable(Verb::kPost, http(429)));
  EXPECT_FALSE(IsRetryable(Verb::kPost, http(503)));
  EXPECT_FALSE(IsRetryable(Verb::kGet, common::Error::Make(ErrorCode::kNotFound, "x", 404)));
  EXPECT_FALSE(IsRetryable(Verb::kGet, common::Error::Make(ErrorCode::kTls, "bad cert")));
  EXPECT_TRUE(IsRetryable(Verb::kGet, common::Error::Make(ErrorCode::kTimeout, "slow")));
}

TEST(BackoffTest, GrowsToCapAndResets) {
  Backoff backoff(BackoffPolicy{10ms, 50ms, 2.0, 0.0});
  EXPECT_EQ(backoff.Next(), 10ms);
  EXPECT_EQ(backoff.Next(), 20ms);
  EXPECT_EQ(backoff.Next(), 40ms);
  EXPECT_EQ(backoff.Next(), 50ms);
  EXPECT_EQ(backoff.Next(), 50ms);
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), 10ms);
  Backoff jittered(BackoffPolicy{100ms, 1000ms, 2.0, 0.5}, 42);
  for (int i = 0; i < 20; ++i) {
    auto d = jittered.Next();
    EXPECT_GE(d, 100ms);
    EXPECT_LE(d, 1000ms);
  }
}

TEST(RateLimiterTest, BurstThenSpacing) {
  auto now = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  std::vector<std::chrono::milliseconds> waits;
  RateLimiter limiter(
      10, 3, [&](std::chrono::milliseconds d) { waits.push_back(d); }, [&] { return now; });
  for (int i = 0; i < 5; ++i) limiter.Acquire();
  // Three go at once, then each waits one more 100ms interval.
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
  waits.clear();
  now += std::chrono::seconds(10);  // bucket refilled
  limiter.Acquire();
  EXPECT_TRUE(waits.empty());
}

}  // namespace
}  // namespace kube
