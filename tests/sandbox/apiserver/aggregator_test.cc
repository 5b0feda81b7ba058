// The aggregator against a fake aggregated API server over TLS: proxying with the front-proxy certificate and
// X-Remote-* headers (forged ones stripped), discovery of the group, the Available condition, and 503s when the
// backend is down.
#include "sandbox/apiserver/aggregator.h"

#include <gtest/gtest.h>

#include <mutex>

#include "common/net/http_server.h"
#include "sandbox/apiserver/base64.h"
#include "tests/sandbox/apiserver/test_cluster.h"

namespace sandbox {
namespace {

using testing::ParseOrDie;
using testing::TestCluster;

constexpr const char* kResourceList =
    R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"metrics.k8s.io/v1beta1","resources":[)"
    R"({"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},)"
    R"({"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]})";

// A metrics-server stand-in that requires a client certificate from the requestheader CA and records what it saw.
class FakeBackend {
 public:
  struct Seen {
    std::string path;
    std::string peer_cn;
    std::vector<std::string> remote_users;
    std::vector<std::string> remote_groups;
    bool had_authorization = false;
  };

  FakeBackend(net::EventLoop& loop, const ApiServerPki& cluster_pki) {
    auto now = std::chrono::system_clock::now();
    ca_ = *certs::GenerateCa(certs::CaOptions{.subject = {"metrics-ca", {}}}, now);
    certs::ServingOptions serving;
    serving.subject = {"metrics-server", {}};
    serving.dns_names = {"metrics-server.kube-system.svc"};
    auto cert = certs::GenerateServing(ca_, serving, now);
    EXPECT_TRUE(cert.ok());
    net::ServerOptions options;
    options.endpoints = {net::Endpoint{"127.0.0.1", 0}};
    net::TlsServerConfig tls;
    tls.cert_pem = cert->cert_pem;
    tls.key_pem = cert->key_pem;
    tls.client_ca_pem = cluster_pki.requestheader_ca.cert_pem;
    tls.require_client_cert = true;
    options.tls = tls;
    auto server = net::HttpServer::Start(loop, options, [this](const net::HttpRequest& r,
                                                                 std::shared_ptr<net::Responder> responder) {
      Seen seen;
      seen.path = r.path;
      seen.peer_cn = r.peer.verified ? r.peer.common_name : "";
      for (const auto& h : r.headers) {
        std::string name = h.name;
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        if (name == "x-remote-user") seen.remote_users.push_back(h.value);
        if (name == "x-remote-group") seen.remote_groups.push_back(h.value);
        if (name == "authorization") seen.had_authorization = true;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(seen);
      }
      if (r.path == "/apis/metrics.k8s.io/v1beta1") {
        responder->Respond(net::HttpResponse::Make(200, "application/json", kResourceList));
      } else if (r.path == "/apis/metrics.k8s.io/v1beta1/nodes") {
        responder->Respond(net::HttpResponse::Make(
            200, "application/json", R"({"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1","items":[]})"));
      } else {
        responder->Respond(net::HttpResponse::Make(404, "application/json", R"({"kind":"Status","code":404})"));
      }
    });
    EXPECT_TRUE(server.ok());
    server_ = std::move(*server);
  }

  uint16_t port() const { return server_->ports().at(0); }
  const std::string& ca_pem() const { return ca_.cert_pem; }
  void Stop() { server_->Shutdown(std::chrono::milliseconds(100)); }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Requests other than the aggregator's availability probes (which may run at any time in the background).
  std::vector<Seen> proxied() {
    std::vector<Seen> out;
    for (auto& s : seen()) {
      if (s.path != "/apis/metrics.k8s.io/v1beta1") out.push_back(std::move(s));
    }
    return out;
  }

 private:
  certs::Bundle ca_;
  std::unique_ptr<net::HttpServer> server_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

class AggregatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = TestCluster::Start();
    backend_ = std::make_unique<FakeBackend>(*cluster_->loop, cluster_->pki);
  }
  void TearDown() override {
    backend_.reset();
    cluster_.reset();
  }

  void RegisterApiService() {
    std::string body = R"({"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService",
      "metadata":{"name":"v1beta1.metrics.k8s.io"},
      "spec":{"group":"metrics.k8s.io","version":"v1beta1","groupPriorityMinimum":100,"versionPriority":100,
              "service":{"namespace":"kube-system","name":"metrics-server","port":443},"caBundle":")" +
                       Base64Encode(backend_->ca_pem()) + R"("}})";
    auto r = cluster_->Send("POST", "/apis/apiregistration.k8s.io/v1/apiservices", body);
    ASSERT_EQ(r.status, 201) << r.body;
    cluster_->server->RegisterServiceEndpoint("kube-system", "metrics-server", "127.0.0.1", backend_->port());
    cluster_->server->CheckApiServicesNow();
  }

  rapidjson::Document AvailableCondition() {
    auto doc = ParseOrDie(
        cluster_->Send("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io").body);
    rapidjson::Document out(rapidjson::kObjectType);
    if (const auto* c = json::Find(doc, {"status", "conditions"}); c != nullptr && c->IsArray() && !c->Empty()) {
      out.CopyFrom((*c)[0], out.GetAllocator());
    }
    return out;
  }

  std::unique_ptr<TestCluster> cluster_;
  std::unique_ptr<FakeBackend> backend_;
};

TEST_F(AggregatorTest, ProxiesWithFrontProxyIdentityAndStripsForgedHeaders) {
  RegisterApiService();
  auto condition = AvailableCondition();
  EXPECT_EQ(json::GetString(condition, {"status"}), "True");
  EXPECT_EQ(json::GetString(condition, {"reason"}), "Passed");

  auto r = cluster_->SendAs(testing::kAliceToken, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", "",
                            {{"X-Remote-User", "system:admin"}, {"x-remote-group", "system:masters"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::GetString(ParseOrDie(r.body), {"kind"}), "NodeMetricsList");

  auto seen = backend_->seen();
  ASSERT_FALSE(seen.empty());
  auto proxied = backend_->proxied();
  ASSERT_EQ(proxied.size(), 1u);
  const auto& last = proxied.back();
  EXPECT_EQ(last.path, "/apis/metrics.k8s.io/v1beta1/nodes");
  EXPECT_EQ(last.peer_cn, "front-proxy-client");
  EXPECT_EQ(last.remote_users, std::vector<std::string>{"alice"});
  EXPECT_EQ(last.remote_groups, (std::vector<std::string>{"devs", "system:authenticated"}));
  EXPECT_FALSE(last.had_authorization);
  // The availability probe identifies as the aggregator.
  EXPECT_EQ(seen.front().remote_users, std::vector<std::string>{"system:kube-aggregator"});
}

TEST_F(AggregatorTest, AggregatedGroupAppearsInDiscovery) {
  RegisterApiService();
  auto legacy = cluster_->Send("GET", "/apis");
  EXPECT_NE(legacy.body.find(R"({"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}])"),
            std::string::npos)
      << legacy.body;
  auto group = ParseOrDie(cluster_->Send("GET", "/apis/metrics.k8s.io").body);
  EXPECT_EQ(json::GetString(group, {"preferredVersion", "groupVersion"}), "metrics.k8s.io/v1beta1");
  auto resources = cluster_->Send("GET", "/apis/metrics.k8s.io/v1beta1");
  EXPECT_EQ(json::GetString(ParseOrDie(resources.body), {"groupVersion"}), "metrics.k8s.io/v1beta1");

  auto aggregated = cluster_->Send(
      "GET", "/apis", "", {{"Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}});
  EXPECT_NE(aggregated.body.find(
                R"({"resource":"nodes","responseKind":{"group":"metrics.k8s.io","version":"v1beta1","kind":"NodeMetrics"},"scope":"Cluster","singularResource":"nodemetrics","verbs":["get","list"]})"),
            std::string::npos)
      << aggregated.body;
  EXPECT_NE(aggregated.body.find(R"("freshness":"Current"}]}]})"), std::string::npos);
}

TEST_F(AggregatorTest, BackendDownGives503AndUnavailableCondition) {
  RegisterApiService();
  backend_->Stop();
  cluster_->server->CheckApiServicesNow();
  auto condition = AvailableCondition();
  EXPECT_EQ(json::GetString(condition, {"status"}), "False");
  EXPECT_EQ(json::GetString(condition, {"reason"}), "FailedDiscoveryCheck");

  auto r = cluster_->Send("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", "",
                          {{"Accept", "application/vnd.kubernetes.protobuf, */*"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "service unavailable\n");

  auto aggregated = cluster_->Send(
      "GET", "/apis", "", {{"Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}});
  EXPECT_NE(aggregated.body.find(R"("freshness":"Stale")"), std::string::npos);
}

TEST_F(AggregatorTest, UnregisteredServiceIsMissingEndpoints) {
  RegisterApiService();
  cluster_->server->UnregisterServiceEndpoint("kube-system", "metrics-server");
  cluster_->server->CheckApiServicesNow();
  EXPECT_EQ(json::GetString(AvailableCondition(), {"reason"}), "MissingEndpoints");
  EXPECT_EQ(cluster_->Send("GET", "/apis/metrics.k8s.io/v1beta1/nodes").status, 503);
}

TEST_F(AggregatorTest, UnauthenticatedRequestsAreNotProxied) {
  RegisterApiService();
  size_t before = backend_->proxied().size();
  EXPECT_EQ(cluster_->SendAs("", "GET", "/apis/metrics.k8s.io/v1beta1/nodes", "", {{"X-Remote-User", "admin"}}).status,
            401);
  EXPECT_EQ(backend_->proxied().size(), before);
}

}  // namespace
}  // namespace sandbox
