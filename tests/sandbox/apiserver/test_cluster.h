#pragma once
// A sandbox API server on 127.0.0.1 (random port, real TLS) plus a client for tests.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/net/event_loop.h"
#include "common/net/http_client.h"
#include "sandbox/apiserver/api_server.h"
#include "sandbox/apiserver/json_util.h"

namespace sandbox::testing {

inline constexpr const char* kAliceToken = "alice-token";
inline constexpr const char* kMalloryToken = "mallory-token";

class TestCluster {
 public:
  // Starts the server; deny rules forbid mallory to list pods.
  static std::unique_ptr<TestCluster> Start() {
    auto c = std::unique_ptr<TestCluster>(new TestCluster());
    c->loop = net::EventLoop::Create(2);
    auto pki = GenerateApiServerPki(std::chrono::system_clock::now());
    EXPECT_TRUE(pki.ok());
    c->pki = *pki;
    ApiServerOptions options = ApiServerOptions::FromPki(c->pki);
    options.tokens[kAliceToken] = TokenUser{"alice", {"devs"}};
    options.tokens[kMalloryToken] = TokenUser{"mallory", {}};
    options.deny_rules.push_back(DenyRule{"mallory", "list", "", "pods", ""});
    options.availability_check_interval = std::chrono::milliseconds(3600 * 1000);  // tests check explicitly
    options.proxy_timeout = std::chrono::milliseconds(3000);
    auto server = ApiServer::Start(*c->loop, options);
    EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
    c->server = std::move(*server);
    c->admin = c->MakeClient(true);
    c->anonymous = c->MakeClient(false);
    return c;
  }

  ~TestCluster() {
    admin.reset();
    anonymous.reset();
    server.reset();
    loop->Stop();
  }

  std::unique_ptr<net::HttpClient> MakeClient(bool with_admin_cert) {
    net::ClientOptions o;
    o.tls.ca_pem = pki.ca.cert_pem;
    if (with_admin_cert) {
      o.tls.client_cert_pem = pki.admin.cert_pem;
      o.tls.client_key_pem = pki.admin.key_pem;
    }
    o.request_timeout = std::chrono::milliseconds(5000);
    auto client = net::HttpClient::Create(*loop, o);
    EXPECT_TRUE(client.ok());
    return std::move(*client);
  }

  net::ClientRequest Request(std::string method, std::string target, std::string body = "",
                             net::Headers headers = {}) const {
    net::ClientRequest r;
    r.method = std::move(method);
    r.host = "127.0.0.1";
    r.port = server->port();
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    if (!r.body.empty() && !net::FindHeader(r.headers, "Content-Type")) {
      r.headers.push_back({"Content-Type", "application/json"});
    }
    return r;
  }

  // Sends as admin (client certificate).
  net::ClientResponse Send(std::string method, std::string target, std::string body = "", net::Headers headers = {}) {
    auto response = admin->Send(Request(std::move(method), std::move(target), std::move(body), std::move(headers)));
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
    return response.ok() ? *response : net::ClientResponse{};
  }

  // Sends with a bearer token and no client certificate.
  net::ClientResponse SendAs(const std::string& token, std::string method, std::string target, std::string body = "",
                             net::Headers headers = {}) {
    if (!token.empty()) headers.push_back({"Authorization", "Bearer " + token});
    auto response =
        anonymous->Send(Request(std::move(method), std::move(target), std::move(body), std::move(headers)));
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
    return response.ok() ? *response : net::ClientResponse{};
  }

  std::unique_ptr<net::EventLoop> loop;
  ApiServerPki pki;
  std::unique_ptr<ApiServer> server;
  std::unique_ptr<net::HttpClient> admin;
  std::unique_ptr<net::HttpClient> anonymous;

 private:
  TestCluster() = default;
};

inline rapidjson::Document ParseOrDie(const std::string& text) {
  auto doc = json::Parse(text);
  EXPECT_TRUE(doc.ok()) << text;
  if (!doc.ok()) return rapidjson::Document(rapidjson::kObjectType);
  return std::move(*doc);
}

}  // namespace sandbox::testing
