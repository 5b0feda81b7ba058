// The sandbox shape in miniature: one TLS server on many loopback addresses, scraped concurrently by one client.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "common/net/fd_limit.h"
#include "common/net/http_client.h"
#include "common/net/http_server.h"
#include "tests/common/net/test_util.h"

namespace net {
namespace {

TEST(ScaleTest, ManyTlsEndpointsScrapedConcurrently) {
  ASSERT_TRUE(RaiseOpenFileLimit().ok());
  constexpr int kEndpoints = 250;
  auto loop = EventLoop::Create(2);
  ServerOptions options;
  for (int i = 1; i <= kEndpoints; ++i) options.endpoints.push_back({"127.0.4." + std::to_string(i), 0});
  TlsServerConfig tls;
  tls.cert_pem = testing::Pki().serving.cert_pem;
  tls.key_pem = testing::Pki().serving.key_pem;
  options.tls = tls;
  auto server = HttpServer::Start(*loop, options, [](const HttpRequest& req, std::shared_ptr<Responder> r) {
    r->Respond(HttpResponse::Make(200, "text/plain", "node " + req.local_address));
  });
  ASSERT_TRUE(server.ok()) << server.error().message;
  const auto ports = (*server)->ports();

  ClientOptions client_options;
  client_options.tls.ca_pem = testing::Pki().ca.cert_pem;
  client_options.tls.server_name = "localhost";  // the certificate names localhost, not every address
  auto client = HttpClient::Create(*loop, client_options);
  ASSERT_TRUE(client.ok());

  for (int round = 0; round < 2; ++round) {  // the second round runs on pooled connections
    std::atomic<int> ok{0};
    std::atomic<int> done{0};
    std::promise<void> all;
    for (int i = 0; i < kEndpoints; ++i) {
      ClientRequest req;
      req.host = options.endpoints[i].address;
      req.port = ports[i];
      req.target = "/metrics/resource";
      (*client)->SendAsync(req, [&, expected = "node " + req.host](common::Result<ClientResponse> r) {
        if (r.ok() && r->body == expected) ok++;
        if (++done == kEndpoints) all.set_value();
      });
    }
    all.get_future().get();
    EXPECT_EQ(ok.load(), kEndpoints) << "round " << round;
  }
  client->reset();
  server->reset();
}

}  // namespace
}  // namespace net
