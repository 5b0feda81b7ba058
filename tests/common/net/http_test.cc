// Plain-HTTP behaviour of HttpServer and HttpClient: round trips, keep-alive, limits, timeouts, bad peers.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "common/net/http_client.h"
#include "common/net/http_server.h"
#include "tests/common/net/test_util.h"

namespace net {
namespace {

using namespace std::chrono_literals;
using common::ErrorCode;

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_ = EventLoop::Create(2); }
  void TearDown() override {
    client_.reset();
    server_.reset();
    loop_->Stop();
  }

  void StartServer(Handler handler, ServerOptions options = {}) {
    if (options.endpoints.empty()) options.endpoints.push_back({"127.0.0.1", 0});
    auto server = HttpServer::Start(*loop_, std::move(options), std::move(handler));
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    port_ = server_->ports()[0];
  }

  std::unique_ptr<HttpClient> MakeClient(ClientOptions options = {}) {
    options.use_tls = false;
    auto client = HttpClient::Create(*loop_, std::move(options));
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  HttpClient& Client() {
    if (!client_) client_ = MakeClient();
    return *client_;
  }

  ClientRequest Get(std::string target) {
    ClientRequest r;
    r.host = "127.0.0.1";
    r.port = port_;
    r.target = std::move(target);
    return r;
  }

  static Handler Echo() {
    return [](const HttpRequest& req, std::shared_ptr<Responder> responder) {
      std::string body = req.method + " " + req.path;
      for (const auto& [k, v] : req.query) body += " " + k + "=" + v;
      body += " body=" + req.body + " remote=" + req.remote_address + " local=" + req.local_address;
      HttpResponse resp = HttpResponse::Make(200, "text/plain", body);
      resp.headers.push_back({"X-Echo", std::string(req.Header("x-test").value_or(""))});
      responder->Respond(std::move(resp));
    };
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  uint16_t port_ = 0;
};

std::string Field(const std::string& body, const std::string& key) {
  auto pos = body.find(key + "=");
  if (pos == std::string::npos) return "";
  pos += key.size() + 1;
  return body.substr(pos, body.find(' ', pos) - pos);
}

TEST_F(HttpTest, RoundTrip) {
  StartServer(Echo());
  ClientRequest req = Get("/api/v1/pods?labelSelector=app%3Dweb&limit=5");
  req.method = "POST";
  req.body = "payload";
  req.headers.push_back({"X-Test", "hello"});
  auto resp = Client().Send(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->Header("x-echo"), "hello");
  EXPECT_EQ(resp->Header("content-type"), "text/plain");
  EXPECT_NE(resp->body.find("POST /api/v1/pods labelSelector=app=web limit=5 body=payload"), std::string::npos)
      << resp->body;
  EXPECT_EQ(Field(resp->body, "local"), "127.0.0.1");
}

TEST_F(HttpTest, KeepAliveReusesOneConnection) {
  StartServer(Echo());
  std::set<std::string> remotes;
  for (int i = 0; i < 5; ++i) {
    auto resp = Client().Send(Get("/x"));
    ASSERT_TRUE(resp.ok()) << resp.error().message;
    remotes.insert(Field(resp->body, "remote"));
  }
  EXPECT_EQ(remotes.size(), 1u);  // one accepted connection served all five requests
}

TEST_F(HttpTest, ServesSeveralEndpointsInOneServer) {
  ServerOptions options;
  options.endpoints = {{"127.0.0.1", 0}, {"127.0.0.2", 0}};
  StartServer(Echo(), options);
  const auto ports = server_->ports();
  ASSERT_EQ(ports.size(), 2u);
  ClientRequest second = Get("/");
  second.host = "127.0.0.2";
  second.port = ports[1];
  auto a = Client().Send(Get("/"));
  auto b = Client().Send(second);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Field(a->body, "local"), "127.0.0.1");
  EXPECT_EQ(Field(b->body, "local"), "127.0.0.2");
}

TEST_F(HttpTest, ManyConcurrentAsyncRequests) {
  StartServer(Echo());
  constexpr int kRequests = 200;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < kRequests; ++i) {
    Client().SendAsync(Get("/n?i=" + std::to_string(i)), [&, i](common::Result<ClientResponse> r) {
      if (r.ok() && r->body.find("i=" + std::to_string(i) + " ") != std::string::npos) ok++;
      if (++done == kRequests) all.set_value();
    });
  }
  all.get_future().get();
  EXPECT_EQ(ok.load(), kRequests);
}

TEST_F(HttpTest, HandlerMayAnswerLaterFromAnotherThread) {
  std::thread worker;
  StartServer([&](const HttpRequest&, std::shared_ptr<Responder> responder) {
    worker = std::thread([responder] {
      std::this_thread::sleep_for(20ms);
      responder->Respond(HttpResponse::Make(202, "text/plain", "later"));
    });
  });
  auto resp = Client().Send(Get("/"));
  worker.join();
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 202);
  EXPECT_EQ(resp->body, "later");
}

TEST_F(HttpTest, DroppedResponderAnswers500AndThrowingHandlerIsContained) {
  StartServer([](const HttpRequest& req, std::shared_ptr<Responder>) {
    if (req.path == "/throw") throw std::runtime_error("boom");
  });
  auto dropped = Client().Send(Get("/drop"));
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->status, 500);
  auto thrown = Client().Send(Get("/throw"));
  ASSERT_TRUE(thrown.ok());
  EXPECT_EQ(thrown->status, 500);
}

TEST_F(HttpTest, HeadGetsLengthButNoBody) {
  StartServer([](const HttpRequest&, std::shared_ptr<Responder> r) {
    r->Respond(HttpResponse::Make(200, "text/plain", "0123456789"));
  });
  ClientRequest head = Get("/");
  head.method = "HEAD";
  auto resp = Client().Send(head);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->Header("content-length"), "10");
  EXPECT_TRUE(resp->body.empty());
  auto again = Client().Send(Get("/"));  // the connection is still in sync
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, "0123456789");
}

TEST_F(HttpTest, OversizedHeaderGets431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(Echo(), options);
  ClientRequest req = Get("/");
  req.headers.push_back({"X-Big", std::string(4096, 'a')});
  auto resp = Client().Send(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 431);
  EXPECT_TRUE(Client().Send(Get("/")).ok());
}

TEST_F(HttpTest, OversizedBodyGets413) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(Echo(), options);
  ClientRequest req = Get("/");
  req.method = "PUT";
  req.body = std::string(200000, 'b');
  auto resp = Client().Send(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 413);
  req.body = std::string(1000, 'b');
  auto fits = Client().Send(req);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(fits->status, 200);
}

TEST_F(HttpTest, MalformedRequestsGet400AndServerKeepsServing) {
  StartServer(Echo());
  EXPECT_EQ(testing::RawExchange(port_, "GARBAGE\r\n\r\n", 5s).substr(0, 12), "HTTP/1.1 400");
  EXPECT_EQ(testing::RawExchange(port_, "GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 5s).substr(0, 12), "HTTP/1.1 400");
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  bool closed = false;
  testing::RawExchange(port_, binary, 5s, &closed);
  EXPECT_TRUE(closed);
  auto resp = Client().Send(Get("/still-alive"));
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 200);
}

TEST_F(HttpTest, SlowRequestIsCutOff) {
  ServerOptions options;
  options.read_timeout = 200ms;
  StartServer(Echo(), options);
  bool closed = false;
  const std::string got = testing::RawExchange(port_, "GET / HTTP/1.1\r\nHost: x\r\n", 10s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.find("200"), std::string::npos);
}

TEST_F(HttpTest, ResponseLargerThanCapIsTooLarge) {
  StartServer([](const HttpRequest&, std::shared_ptr<Responder> r) {
    r->Respond(HttpResponse::Make(200, "text/plain", std::string(5000, 'x')));
  });
  ClientOptions options;
  options.max_response_bytes = 1000;
  auto client = MakeClient(options);
  auto resp = client->Send(Get("/"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ErrorCode::kTooLarge);
}

TEST_F(HttpTest, RequestTimeout) {
  std::mutex mu;
  std::vector<std::shared_ptr<Responder>> parked;
  StartServer([&](const HttpRequest&, std::shared_ptr<Responder> r) {
    std::lock_guard<std::mutex> lock(mu);
    parked.push_back(std::move(r));
  });
  ClientRequest req = Get("/");
  req.timeout = 200ms;
  auto resp = Client().Send(req);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ErrorCode::kTimeout);
  std::lock_guard<std::mutex> lock(mu);
  for (auto& r : parked) r->Respond(HttpResponse::Make(200, "text/plain", "late"));
}

TEST_F(HttpTest, ConnectionRefusedIsUnavailable) {
  StartServer(Echo());
  const uint16_t port = port_;
  server_.reset();
  auto resp = Client().Send(Get("/"));
  (void)port;
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(resp.error().message.find("127.0.0.1:"), std::string::npos) << resp.error().message;
}

TEST_F(HttpTest, PeerClosingMidResponseIsAnError) {
  testing::RawServer raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  port_ = raw.port();
  auto resp = Client().Send(Get("/"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(resp.error().message.find("closed before"), std::string::npos) << resp.error().message;
}

TEST_F(HttpTest, GarbageResponseIsAnError) {
  testing::RawServer raw("SSH-2.0-OpenSSH\r\n\r\n");
  port_ = raw.port();
  auto resp = Client().Send(Get("/"));
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
}

TEST_F(HttpTest, MaxConnectionsRejectsExtraConnections) {
  ServerOptions options;
  options.max_connections = 1;
  StartServer(Echo(), options);
  auto first = MakeClient();
  ASSERT_TRUE(first->Send(Get("/")).ok());  // its keep-alive connection stays open on the server
  auto second = MakeClient();
  auto rejected = second->Send(Get("/"));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, ErrorCode::kUnavailable);
  first.reset();  // frees the slot (the server notices the close)
  common::Result<ClientResponse> later = common::Error::Make(ErrorCode::kInternal, "not tried");
  for (int i = 0; i < 200 && !later.ok(); ++i) {
    later = second->Send(Get("/"));
    if (!later.ok()) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(later.ok());
}

TEST_F(HttpTest, StaleKeepAliveConnectionIsReplaced) {
  ServerOptions options;
  options.idle_timeout = 50ms;
  StartServer(Echo(), options);
  auto a = Client().Send(Get("/"));
  ASSERT_TRUE(a.ok());
  std::this_thread::sleep_for(300ms);  // the server drops the idle connection
  auto b = Client().Send(Get("/"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_NE(Field(a->body, "remote"), Field(b->body, "remote"));
}

TEST_F(HttpTest, GracefulShutdownFinishesInFlightRequest) {
  std::promise<std::shared_ptr<Responder>> parked;
  StartServer([&](const HttpRequest&, std::shared_ptr<Responder> r) { parked.set_value(std::move(r)); });
  std::promise<common::Result<ClientResponse>> result;
  Client().SendAsync(Get("/"), [&](common::Result<ClientResponse> r) { result.set_value(std::move(r)); });
  auto responder = parked.get_future().get();
  server_->Shutdown(10s);
  responder->Respond(HttpResponse::Make(200, "text/plain", "finished"));
  auto resp = result.get_future().get();
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->body, "finished");
  EXPECT_EQ(resp->Header("connection"), "close");
  auto refused = MakeClient()->Send(Get("/"));
  EXPECT_FALSE(refused.ok());
}

TEST_F(HttpTest, BlockingCallsFromLoopThreadAreRefused) {
  StartServer(Echo());
  std::promise<common::ErrorCode> code;
  loop_->Post([&] {
    auto r = Client().Send(Get("/"));
    code.set_value(r.ok() ? ErrorCode::kNotFound : r.error().code);
  });
  EXPECT_EQ(code.get_future().get(), ErrorCode::kInternal);
}

TEST_F(HttpTest, ListenConflictIsReported) {
  StartServer(Echo());
  ServerOptions options;
  options.endpoints.push_back({"127.0.0.1", port_});
  auto second = HttpServer::Start(*loop_, options, Echo());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  ServerOptions bad_options;
  bad_options.endpoints.push_back({"not-an-ip", 0});
  auto bad = HttpServer::Start(*loop_, bad_options, Echo());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace net
