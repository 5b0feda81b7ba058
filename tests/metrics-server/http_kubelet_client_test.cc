#include "metrics-server/scrape/http_kubelet_client.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "common/net/http_server.h"

namespace metrics_server {
namespace {

using std::chrono::milliseconds;

// A plain-HTTP fake kubelet on loopback. The handler decides the answer per test.
class KubeletServer {
 public:
  explicit KubeletServer(net::EventLoop& loop, net::Handler handler) {
    net::ServerOptions options;
    options.endpoints.push_back({"127.0.0.1", 0});
    auto server = net::HttpServer::Start(loop, options, std::move(handler));
    EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
    if (server.ok()) server_ = std::move(server.value());
  }
  ~KubeletServer() {
    if (server_) server_->Shutdown(milliseconds(100));
  }
  uint16_t port() const { return server_ ? server_->ports()[0] : 0; }

 private:
  std::unique_ptr<net::HttpServer> server_;
};

common::Result<std::string> Fetch(KubeletClient& client, uint16_t port, milliseconds timeout = milliseconds(2000)) {
  std::promise<common::Result<std::string>> done;
  auto future = done.get_future();
  client.FetchResourceMetrics(KubeletTarget{"node-1", "127.0.0.1", port}, timeout,
                              [&done](common::Result<std::string> r) { done.set_value(std::move(r)); });
  return future.get();
}

class HttpKubeletClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpKubeletClient> MakeClient(KubeletClientOptions options, kube::TokenSource* tokens = nullptr) {
    auto client = HttpKubeletClient::Create(*loop_, std::move(options), tokens);
    EXPECT_TRUE(client.ok());
    return client.ok() ? std::move(client.value()) : nullptr;
  }
  static KubeletClientOptions Plain() {
    KubeletClientOptions o;
    o.use_tls = false;
    return o;
  }

  std::unique_ptr<net::EventLoop> loop_ = net::EventLoop::Create(1);
};

TEST_F(HttpKubeletClientTest, FetchesWithBearerToken) {
  std::mutex mu;
  std::vector<std::string> seen;
  KubeletServer server(*loop_, [&](const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(request.method + " " + request.target + " " +
                     std::string(request.Header("Authorization").value_or("-")));
    }
    responder->Respond(net::HttpResponse::Make(200, "text/plain", "node_cpu_usage_seconds_total 1 1\n"));
  });
  kube::TokenSource tokens("s3cret", "");
  auto client = MakeClient(Plain(), &tokens);
  for (int i = 0; i < 3; ++i) {  // several requests over the kept-alive connection
    auto body = Fetch(*client, server.port());
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_EQ(*body, "node_cpu_usage_seconds_total 1 1\n");
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], "GET /metrics/resource Bearer s3cret");
}

TEST_F(HttpKubeletClientTest, HttpErrorsBecomeErrors) {
  KubeletServer server(*loop_, [](const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
    const bool unauthorized = request.Header("Authorization").has_value();
    responder->Respond(net::HttpResponse::Make(unauthorized ? 401 : 500, "text/plain", "Unauthorized"));
  });
  kube::TokenSource tokens("expired", "");
  auto with_token = MakeClient(Plain(), &tokens);
  auto r = Fetch(*with_token, server.port());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, common::ErrorCode::kUnauthorized);
  EXPECT_EQ(r.error().http_status, 401);

  auto anonymous = MakeClient(Plain());
  r = Fetch(*anonymous, server.port());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_NE(r.error().message.find("status 500"), std::string::npos);
}

TEST_F(HttpKubeletClientTest, ResponseSizeIsCapped) {
  KubeletServer server(*loop_, [](const net::HttpRequest&, std::shared_ptr<net::Responder> responder) {
    responder->Respond(net::HttpResponse::Make(200, "text/plain", std::string(64 << 10, '#')));
  });
  KubeletClientOptions options = Plain();
  options.max_response_bytes = 16 << 10;
  auto client = MakeClient(options);
  auto r = Fetch(*client, server.port());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, common::ErrorCode::kTooLarge) << r.error().message;
}

TEST_F(HttpKubeletClientTest, SlowKubeletTimesOut) {
  std::mutex mu;
  std::vector<std::shared_ptr<net::Responder>> parked;  // never answered until the end of the test
  KubeletServer server(*loop_, [&](const net::HttpRequest&, std::shared_ptr<net::Responder> responder) {
    std::lock_guard<std::mutex> lock(mu);
    parked.push_back(std::move(responder));
  });
  auto client = MakeClient(Plain());
  auto r = Fetch(*client, server.port(), milliseconds(200));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, common::ErrorCode::kTimeout) << r.error().message;
  std::lock_guard<std::mutex> lock(mu);
  for (auto& responder : parked) responder->Respond(net::HttpResponse::Make(200, "text/plain", ""));
}

TEST_F(HttpKubeletClientTest, TlsClientAgainstPlainKubeletFails) {
  KubeletServer server(*loop_, [](const net::HttpRequest&, std::shared_ptr<net::Responder> responder) {
    responder->Respond(net::HttpResponse::Make(200, "text/plain", "x 1\n"));
  });
  KubeletClientOptions options;
  options.insecure_skip_verify = true;
  auto client = MakeClient(options);
  auto r = Fetch(*client, server.port());
  EXPECT_FALSE(r.ok());
}

TEST_F(HttpKubeletClientTest, ConnectionRefused) {
  uint16_t port;
  {
    KubeletServer server(*loop_, [](const net::HttpRequest&, std::shared_ptr<net::Responder> responder) {
      responder->Respond(net::HttpResponse::Make(200, "text/plain", ""));
    });
    port = server.port();
  }
  auto client = MakeClient(Plain());
  auto r = Fetch(*client, port);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace metrics_server
