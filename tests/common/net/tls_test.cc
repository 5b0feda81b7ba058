// TLS behaviour: verification (CA, hostname and IP SANs), client certificates, reload, protocol floor.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
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
using testing::Pki;

TlsServerConfig ServingConfig(const certs::Bundle& serving) {
  TlsServerConfig tls;
  tls.cert_pem = serving.cert_pem;
  tls.key_pem = serving.key_pem;
  return tls;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { loop_ = EventLoop::Create(2); }
  void TearDown() override {
    server_.reset();
    loop_->Stop();
  }

  void StartServer(TlsServerConfig tls) {
    ServerOptions options;
    options.endpoints.push_back({"127.0.0.1", 0});
    options.tls = std::move(tls);
    auto server = HttpServer::Start(*loop_, std::move(options), [](const HttpRequest& req, auto responder) {
      std::string groups;
      for (const auto& o : req.peer.organizations) groups += o + ",";
      std::string body = "tls=" + std::to_string(req.tls) + " presented=" + std::to_string(req.peer.presented) +
                         " verified=" + std::to_string(req.peer.verified) + " cn=" + req.peer.common_name +
                         " groups=" + groups + " remote=" + req.remote_address;
      responder->Respond(HttpResponse::Make(200, "text/plain", body));
    });
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(server).value();
    port_ = server_->ports()[0];
  }

  common::Result<ClientResponse> Send(TlsClientConfig tls, std::string host = "127.0.0.1") {
    ClientOptions options;
    options.tls = std::move(tls);
    auto client = HttpClient::Create(*loop_, std::move(options));
    if (!client.ok()) return client.error();
    ClientRequest req;
    req.host = std::move(host);
    req.port = port_;
    req.target = "/";
    return (*client)->Send(req);
  }

  static TlsClientConfig Trusting(const certs::Bundle& ca) {
    TlsClientConfig tls;
    tls.ca_pem = ca.cert_pem;
    return tls;
  }

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(TlsTest, VerifiedRoundTripByIpAndByName) {
  StartServer(ServingConfig(Pki().serving));
  auto by_ip = Send(Trusting(Pki().ca));
  ASSERT_TRUE(by_ip.ok()) << by_ip.error().message;
  EXPECT_NE(by_ip->body.find("tls=1 presented=0"), std::string::npos) << by_ip->body;
  auto by_name = Send(Trusting(Pki().ca), "localhost");
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
}

// Regression: bodies larger than one TLS record (16 KiB) used to stop after the head, in both directions.
TEST_F(TlsTest, LargeBodiesCrossInBothDirections) {
  ServerOptions options;
  options.endpoints.push_back({"127.0.0.1", 0});
  options.tls = ServingConfig(Pki().serving);
  auto server = HttpServer::Start(*loop_, std::move(options), [](const HttpRequest& req, auto responder) {
    // Echo the request body size and answer with a large body derived from it.
    std::string body(req.body.size() * 3 + 200'000, 'x');
    body.replace(0, std::to_string(req.body.size()).size(), std::to_string(req.body.size()));
    responder->Respond(HttpResponse::Make(200, "text/plain", std::move(body)));
  });
  ASSERT_TRUE(server.ok()) << server.error().message;
  server_ = std::move(server).value();
  ClientOptions client_options;
  client_options.tls = Trusting(Pki().ca);
  auto client = HttpClient::Create(*loop_, std::move(client_options));
  ASSERT_TRUE(client.ok());
  for (std::size_t request_size : {0u, 100u, 20'000u, 150'000u}) {
    ClientRequest req;
    req.method = "PUT";
    req.host = "127.0.0.1";
    req.port = server_->ports()[0];
    req.target = "/";
    req.body = std::string(request_size, 'b');
    auto response = (*client)->Send(req);
    ASSERT_TRUE(response.ok()) << request_size << ": " << response.error().message;
    EXPECT_EQ(response->status, 200);
    ASSERT_EQ(response->body.size(), request_size * 3 + 200'000);
    EXPECT_EQ(response->body.substr(0, std::to_string(request_size).size()), std::to_string(request_size));
  }
}

TEST_F(TlsTest, KeepAliveOverTls) {
  StartServer(ServingConfig(Pki().serving));
  ClientOptions options;
  options.tls = Trusting(Pki().ca);
  auto client = HttpClient::Create(*loop_, options);
  ASSERT_TRUE(client.ok());
  std::set<std::string> remotes;
  for (int i = 0; i < 4; ++i) {
    ClientRequest req;
    req.host = "127.0.0.1";
    req.port = port_;
    auto resp = (*client)->Send(req);
    ASSERT_TRUE(resp.ok()) << resp.error().message;
    remotes.insert(resp->body.substr(resp->body.find("remote=")));
  }
  EXPECT_EQ(remotes.size(), 1u);
}

// The client's TLS stream (lean_tls_stream.h) sees the server's close of an idle pooled connection as the end of
// that connection, and the next request goes over a new one.
TEST_F(TlsTest, PooledConnectionClosedByTheServerIsReplaced) {
  ServerOptions server_options;
  server_options.endpoints.push_back({"127.0.0.1", 0});
  server_options.tls = ServingConfig(Pki().serving);
  server_options.idle_timeout = std::chrono::milliseconds(100);
  auto server = HttpServer::Start(*loop_, std::move(server_options), [](const HttpRequest& req, auto responder) {
    responder->Respond(HttpResponse::Make(200, "text/plain", "remote=" + req.remote_address));
  });
  ASSERT_TRUE(server.ok()) << server.error().message;
  server_ = std::move(server).value();
  ClientOptions options;
  options.tls = Trusting(Pki().ca);
  auto client = HttpClient::Create(*loop_, options);
  ASSERT_TRUE(client.ok());
  std::set<std::string> remotes;
  for (int i = 0; i < 3; ++i) {
    ClientRequest req;
    req.host = "127.0.0.1";
    req.port = server_->ports()[0];
    auto resp = (*client)->Send(req);
    ASSERT_TRUE(resp.ok()) << i << ": " << resp.error().message;
    remotes.insert(resp->body);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
  }
  EXPECT_EQ(remotes.size(), 3u);
}

// Many exchanges at once on a two-thread loop, each on its own connection and strand.
TEST_F(TlsTest, ConcurrentExchangesOverTls) {
  StartServer(ServingConfig(Pki().serving));
  ClientOptions options;
  options.tls = Trusting(Pki().ca);
  options.max_idle_connections_per_host = 64;
  auto client = HttpClient::Create(*loop_, options);
  ASSERT_TRUE(client.ok());
  constexpr int kRequests = 64;
  std::mutex mu;
  std::condition_variable cv;
  int ok = 0, finished = 0;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kRequests; ++i) {
      ClientRequest req;
      req.host = "127.0.0.1";
      req.port = port_;
      (*client)->SendAsync(req, [&](common::Result<ClientResponse> resp) {
        std::lock_guard<std::mutex> lock(mu);
        if (resp.ok() && resp->status == 200 && resp->body.find("tls=1") == 0) ++ok;
        ++finished;
        cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return finished == (round + 1) * kRequests; }));
  }
  EXPECT_EQ(ok, 2 * kRequests);
}

TEST_F(TlsTest, UnknownCaFailsWithTlsErrorUnlessInsecure) {
  StartServer(ServingConfig(Pki().other_serving));
  auto verified = Send(Trusting(Pki().ca));
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error().code, ErrorCode::kTls);
  EXPECT_NE(verified.error().message.find("certificate verification failed"), std::string::npos)
      << verified.error().message;

  TlsClientConfig insecure;
  insecure.insecure_skip_verify = true;
  auto skipped = Send(insecure);
  ASSERT_TRUE(skipped.ok()) << skipped.error().message;
  EXPECT_EQ(skipped->status, 200);
}

TEST_F(TlsTest, SanMismatchFailsAndServerNameOverrides) {
  StartServer(ServingConfig(Pki().dns_only_serving));  // SAN: example.test only
  auto mismatch = Send(Trusting(Pki().ca));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, ErrorCode::kTls);
  auto by_localhost = Send(Trusting(Pki().ca), "localhost");
  ASSERT_FALSE(by_localhost.ok());
  EXPECT_EQ(by_localhost.error().code, ErrorCode::kTls);

  TlsClientConfig named = Trusting(Pki().ca);
  named.server_name = "example.test";
  auto ok = Send(named);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
}

TEST_F(TlsTest, ClientCertificateIsVerifiedAndReported) {
  TlsServerConfig tls = ServingConfig(Pki().serving);
  tls.client_ca_pem = Pki().ca.cert_pem;
  StartServer(tls);

  TlsClientConfig with_cert = Trusting(Pki().ca);
  with_cert.client_cert_pem = Pki().client.cert_pem;
  with_cert.client_key_pem = Pki().client.key_pem;
  auto good = Send(with_cert);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_NE(good->body.find("presented=1 verified=1 cn=alice groups=team-a,team-b,"), std::string::npos) << good->body;

  TlsClientConfig foreign = Trusting(Pki().ca);
  foreign.client_cert_pem = Pki().other_client.cert_pem;
  foreign.client_key_pem = Pki().other_client.key_pem;
  auto untrusted = Send(foreign);
  ASSERT_TRUE(untrusted.ok()) << untrusted.error().message;
  EXPECT_NE(untrusted->body.find("presented=1 verified=0 cn=mallory"), std::string::npos) << untrusted->body;

  auto anonymous = Send(Trusting(Pki().ca));
  ASSERT_TRUE(anonymous.ok());
  EXPECT_NE(anonymous->body.find("presented=0 verified=0 cn= groups="), std::string::npos) << anonymous->body;
}

TEST_F(TlsTest, RequiredClientCertificateRejectsAnonymousClients) {
  TlsServerConfig tls = ServingConfig(Pki().serving);
  tls.client_ca_pem = Pki().ca.cert_pem;
  tls.require_client_cert = true;
  StartServer(tls);
  auto anonymous = Send(Trusting(Pki().ca));
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.error().code, ErrorCode::kTls) << anonymous.error().message;
  TlsClientConfig with_cert = Trusting(Pki().ca);
  with_cert.client_cert_pem = Pki().client.cert_pem;
  with_cert.client_key_pem = Pki().client.key_pem;
  EXPECT_TRUE(Send(with_cert).ok());
}

TEST_F(TlsTest, ReloadSwapsCertificateForNewConnections) {
  StartServer(ServingConfig(Pki().other_serving));
  EXPECT_FALSE(Send(Trusting(Pki().ca)).ok());
  ASSERT_TRUE(server_->ReloadTls(ServingConfig(Pki().serving)).ok());
  auto after = Send(Trusting(Pki().ca));
  ASSERT_TRUE(after.ok()) << after.error().message;

  TlsServerConfig broken;
  broken.cert_pem = Pki().serving.cert_pem;
  broken.key_pem = Pki().other_serving.key_pem;
  auto st = server_->ReloadTls(broken);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("does not match"), std::string::npos) << st.error().message;
  EXPECT_TRUE(Send(Trusting(Pki().ca)).ok());  // the previous certificate is still served
}

TEST_F(TlsTest, ProtocolMismatchesAreErrorsNotCrashes) {
  StartServer(ServingConfig(Pki().serving));
  // Plain HTTP to a TLS port.
  ClientOptions plain;
  plain.use_tls = false;
  auto client = HttpClient::Create(*loop_, plain);
  ASSERT_TRUE(client.ok());
  ClientRequest req;
  req.host = "127.0.0.1";
  req.port = port_;
  auto resp = (*client)->Send(req);
  EXPECT_FALSE(resp.ok());
  // Garbage bytes at the handshake.
  bool closed = false;
  testing::RawExchange(port_, std::string(3000, '\x16'), 5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(Send(Trusting(Pki().ca)).ok());

  // TLS to a plain port.
  ServerOptions options;
  options.endpoints.push_back({"127.0.0.1", 0});
  auto plain_server = HttpServer::Start(
      *loop_, options, [](const HttpRequest&, auto r) { r->Respond(HttpResponse::Make(200, "text/plain", "plain")); });
  ASSERT_TRUE(plain_server.ok());
  port_ = (*plain_server)->ports()[0];
  auto tls_to_plain = Send(Trusting(Pki().ca));
  ASSERT_FALSE(tls_to_plain.ok());
  EXPECT_EQ(tls_to_plain.error().code, ErrorCode::kTls);
}

TEST_F(TlsTest, TlsBelow12IsRefused) {
  StartServer(ServingConfig(Pki().serving));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);  // let the client offer TLS 1.1 so that the refusal is the server's
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  EXPECT_NE(SSL_connect(ssl), 1);
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  EXPECT_TRUE(Send(Trusting(Pki().ca)).ok());
}

TEST_F(TlsTest, BadServerConfigIsReported) {
  ServerOptions options;
  options.endpoints.push_back({"127.0.0.1", 0});
  TlsServerConfig tls;
  tls.cert_pem = "not a certificate";
  tls.key_pem = Pki().serving.key_pem;
  options.tls = tls;
  auto server = HttpServer::Start(*loop_, options, [](const HttpRequest&, auto) {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);

  ClientOptions client_options;
  client_options.tls.ca_pem = "garbage";
  auto client = HttpClient::Create(*loop_, client_options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace net
