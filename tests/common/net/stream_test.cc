// Streamed responses (watch): chunked writes from any thread, incremental client reads, cancellation.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "common/net/http_client.h"
#include "common/net/http_server.h"
#include "tests/common/net/test_util.h"

namespace net {
namespace {

using namespace std::chrono_literals;
using common::ErrorCode;

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_ = EventLoop::Create(2); }
  void TearDown() override {
    client_.reset();
    server_.reset();
    loop_->Stop();
  }

  // Starts a server whose every request opens a stream, handed to the test through streams_.
  void StartServer(bool tls = false) {
    ServerOptions options;
    options.endpoints.push_back({"127.0.0.1", 0});
    if (tls) {
      TlsServerConfig config;
      config.cert_pem = testing::Pki().serving.cert_pem;
      config.key_pem = testing::Pki().serving.key_pem;
      options.tls = config;
    }
    auto server = HttpServer::Start(*loop_, options, [this](const HttpRequest& req, std::shared_ptr<Responder> r) {
      if (req.path == "/plain") {
        r->Respond(HttpResponse::Make(200, "text/plain", "whole body"));
        return;
      }
      auto stream = r->StartStream(200, {{"Content-Type", "application/json"}});
      std::lock_guard<std::mutex> lock(mu_);
      streams_.push_back(stream);
      cv_.notify_all();
    });
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    ClientOptions client_options;
    client_options.use_tls = tls;
    client_options.tls.ca_pem = testing::Pki().ca.cert_pem;
    auto client = HttpClient::Create(*loop_, client_options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }

  std::shared_ptr<ResponseStream> WaitForStream() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !streams_.empty(); });
    return streams_.back();
  }

  common::Result<StreamingResponse> Open(std::string path = "/watch") {
    ClientRequest req;
    req.host = "127.0.0.1";
    req.port = server_->ports()[0];
    req.target = std::move(path);
    return client_->Stream(req);
  }

  // Reads until `expected` bytes have arrived (chunks may be split or merged on the way).
  static std::string ReadExactly(BodyStream& body, std::size_t expected) {
    std::string got;
    while (got.size() < expected) {
      auto piece = body.Read(10s);
      if (!piece.ok() || piece->empty()) break;
      got += *piece;
    }
    return got;
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<ResponseStream>> streams_;
};

TEST_F(StreamTest, ChunksArriveIncrementallyAndCloseEndsTheBody) {
  StartServer();
  auto response = Open();
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(FindHeader(response->headers, "content-type"), "application/json");
  auto stream = WaitForStream();
  // Each event is readable before the next is written: the client sees data incrementally.
  for (int i = 0; i < 3; ++i) {
    const std::string event = "{\"type\":\"ADDED\",\"n\":" + std::to_string(i) + "}\n";
    ASSERT_TRUE(stream->Write(event));
    EXPECT_EQ(ReadExactly(*response->body, event.size()), event);
  }
  std::promise<void> closed;
  stream->OnClosed([&] { closed.set_value(); });
  stream->Close();
  stream->Close();
  auto end = response->body->Read(10s);
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_EQ(*end, "");
  closed.get_future().get();
  EXPECT_FALSE(stream->IsOpen());
  EXPECT_FALSE(stream->Write("late"));
}

// Abort (fault injection: a peer dying mid-answer) delivers what was written, then the client's read fails
// instead of seeing the clean end of the body.
TEST_F(StreamTest, AbortCutsTheBodyWithoutTheTerminatingChunk) {
  StartServer();
  auto response = Open();
  ASSERT_TRUE(response.ok()) << response.error().message;
  auto stream = WaitForStream();
  const std::string event = "{\"type\":\"ADDED\"}\n";
  ASSERT_TRUE(stream->Write(event));
  std::promise<void> closed;
  stream->OnClosed([&] { closed.set_value(); });
  stream->Abort();
  stream->Abort();
  EXPECT_EQ(ReadExactly(*response->body, event.size()), event);
  auto end = response->body->Read(10s);
  EXPECT_FALSE(end.ok()) << "read " << end->size() << " bytes after an abort";
  closed.get_future().get();
  EXPECT_FALSE(stream->IsOpen());
}

TEST_F(StreamTest, CancelUnblocksReadAndServerSeesDisconnect) {
  StartServer();
  auto response = Open();
  ASSERT_TRUE(response.ok());
  auto stream = WaitForStream();
  std::promise<void> server_saw_close;
  stream->OnClosed([&] { server_saw_close.set_value(); });
  BodyStream* body = response->body.get();
  std::thread canceller([body] {
    std::this_thread::sleep_for(50ms);
    body->Cancel();
  });
  auto read = body->Read(60s);  // would block for a minute without the cancel
  canceller.join();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
  server_saw_close.get_future().get();
  // Writes after the disconnect are refused.
  for (int i = 0; i < 100 && stream->Write("x"); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(stream->Write("x"));
  auto again = body->Read(1s);
  EXPECT_FALSE(again.ok());
}

TEST_F(StreamTest, IdleReadTimesOut) {
  StartServer();
  auto response = Open();
  ASSERT_TRUE(response.ok());
  auto read = response->body->Read(100ms);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kTimeout);
}

TEST_F(StreamTest, OrdinaryResponseCanBeReadAsStream) {
  StartServer();
  auto response = Open("/plain");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(ReadExactly(*response->body, 10), "whole body");
  auto end = response->body->Read(5s);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, "");
}

TEST_F(StreamTest, ShutdownEndsOpenStreams) {
  StartServer();
  auto response = Open();
  ASSERT_TRUE(response.ok());
  auto stream = WaitForStream();
  ASSERT_TRUE(stream->Write("before\n"));
  EXPECT_EQ(ReadExactly(*response->body, 7), "before\n");
  server_->Shutdown(5s);
  std::string rest;
  for (;;) {
    auto piece = response->body->Read(10s);
    ASSERT_TRUE(piece.ok()) << piece.error().message;
    if (piece->empty()) break;
    rest += *piece;
  }
  EXPECT_EQ(rest, "");
}

TEST_F(StreamTest, StreamsOverTlsAndManyWritersAreSafe) {
  StartServer(/*tls=*/true);
  auto response = Open();
  ASSERT_TRUE(response.ok()) << response.error().message;
  auto stream = WaitForStream();
  constexpr int kWriters = 4;
  constexpr int kEach = 50;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) stream->Write("0123456789\n");
    });
  }
  for (auto& t : writers) t.join();
  stream->Close();
  std::string all;
  for (;;) {
    auto piece = response->body->Read(10s);
    ASSERT_TRUE(piece.ok()) << piece.error().message;
    if (piece->empty()) break;
    all += *piece;
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kWriters * kEach * 11));
}

}  // namespace
}  // namespace net
