#include "sandbox/kubelet/kubelet_fleet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/net/http_client.h"
#include "certs/certs.h"

namespace sandbox {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kNodes = 40;
constexpr const char* kToken = "kubelet-test-token";

class KubeletFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto now = std::chrono::system_clock::now();
    ca_ = new certs::Bundle(certs::GenerateCa({{"sandbox-kubelet-ca", {}}}, now).value());
    wrong_ca_ = new certs::Bundle(certs::GenerateCa({{"some-other-ca", {}}}, now).value());
    client_ = new certs::Bundle(certs::GenerateClient(*ca_, {{"metrics-server", {"system:monitoring"}}}, now).value());
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete wrong_ca_;
    delete client_;
  }

  void SetUp() override {
    epoch_ = std::chrono::system_clock::now();
    LoadModelOptions o;
    o.epoch = epoch_;
    model_ = std::make_unique<LoadModel>(o);
    loop_ = net::EventLoop::Create(1);
    // Blocks derived from the pid keep parallel test processes apart; retry when an address is taken anyway.
    for (int attempt = 0; attempt < 8 && !fleet_; ++attempt) {
      int block = 1 + (getpid() + attempt * 37) % 250;
      TryStart(block);
    }
    ASSERT_TRUE(fleet_) << "no free address block";
    client_options_.tls.ca_pem = ca_->cert_pem;
    client_options_.request_timeout = milliseconds(5000);
    client_http_ = net::HttpClient::Create(*loop_, client_options_).value();
  }

  void TryStart(int block) {
    KubeletFleetOptions options;
    std::vector<std::string> ips;
    for (int i = 0; i < kNodes; ++i) {
      std::string name = "node-" + std::to_string(i);
      std::string address = NodeAddress(block, i);
      model_->AddNode(name, epoch_);
      options.nodes.push_back({name, address});
      ips.push_back(address);
    }
    auto now = std::chrono::system_clock::now();
    auto serving = certs::GenerateServing(*ca_, {{"kubelet", {}}, {"localhost"}, ips}, now).value();
    auto wrong = certs::GenerateServing(*wrong_ca_, {{"kubelet", {}}, {}, ips}, now).value();
    options.tls.cert_pem = serving.cert_pem;
    options.tls.key_pem = serving.key_pem;
    options.tls.client_ca_pem = ca_->cert_pem;
    options.wrong_tls = net::TlsServerConfig{};
    options.wrong_tls->cert_pem = wrong.cert_pem;
    options.wrong_tls->key_pem = wrong.key_pem;
    options.wrong_cert_nodes = {"node-7"};
    options.auth.bearer_tokens = {kToken};
    options.render_interval = milliseconds(0);  // always fresh: the test compares with the model
    for (int i = 0; i < kNodes; ++i) {
      std::string name = "node-" + std::to_string(i);
      ASSERT_TRUE(model_->StartPod({"default", "pod-" + std::to_string(i), name, "default", "web", {"app"},
                                    epoch_ - seconds(10)})
                      .ok());
    }
    auto fleet = KubeletFleet::Start(*loop_, *model_, std::move(options));
    if (fleet.ok()) fleet_ = std::move(fleet).value();
  }

  void TearDown() override {
    if (fleet_) fleet_->Shutdown();
    client_http_.reset();
    if (loop_) loop_->Stop();
  }

  common::Result<net::ClientResponse> Get(int node, std::string path = "/metrics/resource", bool token = true,
                                          net::HttpClient* client = nullptr) {
    net::ClientRequest request;
    request.host = fleet_->nodes()[node].address;
    request.port = 10250;
    request.target = std::move(path);
    if (token) request.headers.push_back({"Authorization", std::string("Bearer ") + kToken});
    return (client ? client : client_http_.get())->Send(std::move(request));
  }

  static certs::Bundle* ca_;
  static certs::Bundle* wrong_ca_;
  static certs::Bundle* client_;
  TimePoint epoch_;
  std::unique_ptr<LoadModel> model_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<KubeletFleet> fleet_;
  net::ClientOptions client_options_;
  std::unique_ptr<net::HttpClient> client_http_;
};

certs::Bundle* KubeletFleetTest::ca_ = nullptr;
certs::Bundle* KubeletFleetTest::wrong_ca_ = nullptr;
certs::Bundle* KubeletFleetTest::client_ = nullptr;

TEST(NodeAddressTest, SpreadsNodesOverLoopbackAddresses) {
  EXPECT_EQ(NodeAddress(0, 0), "127.0.1.2");
  EXPECT_EQ(NodeAddress(0, 249), "127.0.1.251");
  EXPECT_EQ(NodeAddress(3, 250), "127.3.2.2");
  EXPECT_EQ(NodeAddress(0, 4999), "127.0.20.251");
}

TEST_F(KubeletFleetTest, EachAddressServesItsOwnNode) {
  for (int i : {0, 1, 13, kNodes - 1}) {
    auto response = Get(i);
    ASSERT_TRUE(response.ok()) << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->Header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
    const std::string& body = response->body;
    EXPECT_NE(body.find("pod=\"pod-" + std::to_string(i) + "\""), std::string::npos);
    for (int other : {0, 1, 13, kNodes - 1}) {
      if (other != i) {
        EXPECT_EQ(body.find("pod=\"pod-" + std::to_string(other) + "\""), std::string::npos);
      }
    }
    EXPECT_NE(body.find("\nresource_scrape_error 0\n"), std::string::npos);
  }
}

TEST_F(KubeletFleetTest, RefusesUnauthenticatedRequests) {
  auto response = Get(2, "/metrics/resource", /*token=*/false);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 401);
  net::ClientRequest request;
  request.host = fleet_->nodes()[2].address;
  request.port = 10250;
  request.target = "/metrics/resource";
  request.headers.push_back({"Authorization", "Bearer wrong"});
  auto wrong = client_http_->Send(request);
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  EXPECT_GE(fleet_->stats().unauthorized, 2u);
  // Health needs no credentials.
  auto health = Get(2, "/healthz", false);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
}

TEST_F(KubeletFleetTest, AcceptsAVerifiedClientCertificate) {
  net::ClientOptions options = client_options_;
  options.tls.client_cert_pem = client_->cert_pem;
  options.tls.client_key_pem = client_->key_pem;
  auto client = net::HttpClient::Create(*loop_, options).value();
  auto response = Get(3, "/metrics/resource", /*token=*/false, client.get());
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(KubeletFleetTest, UnknownPathsAre404) {
  auto response = Get(1, "/stats/summary");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
}

TEST_F(KubeletFleetTest, WrongCertificateFailsVerification) {
  auto response = Get(7);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, common::ErrorCode::kTls) << response.error().message;
  net::ClientOptions insecure = client_options_;
  insecure.tls.insecure_skip_verify = true;
  auto client = net::HttpClient::Create(*loop_, insecure).value();
  auto ok = Get(7, "/metrics/resource", true, client.get());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, 200);
}

TEST_F(KubeletFleetTest, InjectsFaults) {
  fleet_->SetFault("node-1", {KubeletFaultKind::kServerError});
  fleet_->SetFault("node-2", {KubeletFaultKind::kGarbageBody});
  fleet_->SetFault("node-3", {KubeletFaultKind::kTruncatedBody});
  fleet_->SetFault("node-4", {KubeletFaultKind::kHugeBody, milliseconds(0), 12000});
  fleet_->SetFault("node-5", {KubeletFaultKind::kSlow, milliseconds(50)});
  fleet_->SetFault("node-6", {KubeletFaultKind::kUnauthorized});

  EXPECT_EQ(Get(1)->status, 500);
  auto garbage = Get(2);
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 200);
  EXPECT_EQ(garbage->body.find("# HELP"), std::string::npos);
  auto full = fleet_->Body("node-3").value();
  auto truncated = Get(3);
  ASSERT_TRUE(truncated.ok());
  EXPECT_LT(truncated->body.size(), full->size());
  EXPECT_FALSE(truncated->body.ends_with("\n"));
  auto huge = Get(4);
  ASSERT_TRUE(huge.ok()) << huge.error().message;
  EXPECT_EQ(huge->body.size(), 12000u);
  auto slow = Get(5);
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(slow->status, 200);
  EXPECT_NE(slow->body.find("pod-5"), std::string::npos);
  EXPECT_EQ(Get(6)->status, 401);

  fleet_->ClearFaults();
  EXPECT_EQ(Get(1)->status, 200);
  EXPECT_EQ(Get(6)->status, 200);
}

// A kubelet that dies mid-answer: the client must see a transport error (not a short 200 it could mistake for a
// complete body), and the fleet must keep answering the next request normally.
TEST_F(KubeletFleetTest, ConnectionClosedFaultCutsTheResponse) {
  fleet_->SetFault("node-1", {KubeletFaultKind::kConnectionClosed});
  for (int i = 0; i < 3; ++i) {
    auto cut = Get(1);
    EXPECT_FALSE(cut.ok()) << "status " << cut->status << " body " << cut->body.size() << " bytes";
  }
  auto other = Get(2);
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_EQ(other->status, 200);
  fleet_->ClearFaults();
  auto healed = Get(1);
  ASSERT_TRUE(healed.ok()) << healed.error().message;
  EXPECT_EQ(healed->status, 200);
  EXPECT_NE(healed->body.find("pod-1"), std::string::npos);
}

TEST(ParseKubeletFaultTest, ParsesEveryKindAndRejectsNonsense) {
  EXPECT_EQ(ParseKubeletFault("slow:250")->kind, KubeletFaultKind::kSlow);
  EXPECT_EQ(ParseKubeletFault("slow:250")->delay, milliseconds(250));
  EXPECT_EQ(ParseKubeletFault("huge:1000")->huge_bytes, 1000u);
  EXPECT_EQ(ParseKubeletFault("500")->kind, KubeletFaultKind::kServerError);
  EXPECT_EQ(ParseKubeletFault("garbage")->kind, KubeletFaultKind::kGarbageBody);
  EXPECT_EQ(ParseKubeletFault("truncated")->kind, KubeletFaultKind::kTruncatedBody);
  EXPECT_EQ(ParseKubeletFault("401")->kind, KubeletFaultKind::kUnauthorized);
  EXPECT_EQ(ParseKubeletFault("close")->kind, KubeletFaultKind::kConnectionClosed);
  EXPECT_EQ(ParseKubeletFault("none")->kind, KubeletFaultKind::kNone);
  EXPECT_FALSE(ParseKubeletFault("slow:").ok());
  EXPECT_FALSE(ParseKubeletFault("slow:1x").ok());
  EXPECT_FALSE(ParseKubeletFault("close:3").ok());
  EXPECT_FALSE(ParseKubeletFault("explode").ok());
}

TEST(KubeletFleetCacheTest, ServesTheSameBodyUntilStale) {
  TimePoint now = TimePoint(seconds(1'800'000'000));
  LoadModelOptions o;
  o.epoch = now;
  LoadModel model(o);
  model.AddNode("n", now);
  auto loop = net::EventLoop::Create(1);
  auto real_now = std::chrono::system_clock::now();
  auto ca = certs::GenerateCa({{"ca", {}}}, real_now).value();
  auto cert = certs::GenerateServing(ca, {{"kubelet", {}}, {}, {"127.0.0.1"}}, real_now).value();
  KubeletFleetOptions options;
  options.nodes = {{"n", "127.0.0.1"}};
  options.port = 0;  // the cache is exercised directly; any free port will do
  options.tls.cert_pem = cert.cert_pem;
  options.tls.key_pem = cert.key_pem;
  options.clock = [&now] { return now; };
  options.render_interval = seconds(1);
  auto fleet = KubeletFleet::Start(*loop, model, options);
  ASSERT_TRUE(fleet.ok()) << fleet.error().message;
  auto first = (*fleet)->Body("n").value();
  now += milliseconds(999);
  EXPECT_EQ((*fleet)->Body("n").value(), first);
  now += milliseconds(1);
  auto second = (*fleet)->Body("n").value();
  EXPECT_NE(second, first);
  EXPECT_EQ((*fleet)->stats().renders, 2u);
  EXPECT_NE(second->find("node_cpu_usage_seconds_total 0.1 1800000001000\n"), std::string::npos) << *second;
  EXPECT_FALSE((*fleet)->Body("nope").ok());
  (*fleet)->Shutdown();
  loop->Stop();
}

// Real kubelets each present their own certificate; with node_certs the fleet does too, so a client connection
// holds a certificate naming one address rather than all of them.
TEST(KubeletFleetNodeCertsTest, EachNodePresentsItsOwnCertificate) {
  TimePoint now = TimePoint(seconds(1'800'000'000));
  LoadModelOptions o;
  o.epoch = now;
  LoadModel model(o);
  auto loop = net::EventLoop::Create(1);
  auto real_now = std::chrono::system_clock::now();
  auto ca = certs::GenerateCa({{"ca", {}}}, real_now).value();
  std::unique_ptr<KubeletFleet> fleet;
  for (int attempt = 0; attempt < 8 && !fleet; ++attempt) {
    const int block = 1 + (getpid() + 101 + attempt * 37) % 250;
    KubeletFleetOptions options;
    for (int i = 0; i < 3; ++i) {
      std::string name = "n" + std::to_string(i);
      if (attempt == 0) model.AddNode(name, now);
      options.nodes.push_back({name, NodeAddress(block, i)});
      auto cert = certs::GenerateServing(ca, {{name, {}}, {}, {NodeAddress(block, i)}}, real_now).value();
      net::TlsServerConfig& tls = options.node_certs.emplace_back();
      tls.cert_pem = cert.cert_pem;
      tls.key_pem = cert.key_pem;
    }
    options.auth.bearer_tokens = {kToken};
    auto started = KubeletFleet::Start(*loop, model, std::move(options));
    if (started.ok()) fleet = std::move(started).value();
  }
  ASSERT_TRUE(fleet) << "no free address block";
  net::ClientOptions client_options;
  client_options.tls.ca_pem = ca.cert_pem;
  auto client = net::HttpClient::Create(*loop, client_options).value();
  auto get = [&](int node) {
    net::ClientRequest request;
    request.host = fleet->nodes()[node].address;
    request.port = 10250;
    request.target = "/metrics/resource";
    request.headers.push_back({"Authorization", std::string("Bearer ") + kToken});
    return client->Send(std::move(request));
  };
  for (int i = 0; i < 3; ++i) {
    auto response = get(i);
    ASSERT_TRUE(response.ok()) << i << ": " << response.error().message;
    EXPECT_EQ(response->status, 200);
  }
  // Node 0's certificate does not name node 1's address.
  net::ClientOptions pinned = client_options;
  pinned.tls.server_name = fleet->nodes()[1].address;
  auto pinned_client = net::HttpClient::Create(*loop, pinned).value();
  net::ClientRequest request;
  request.host = fleet->nodes()[0].address;
  request.port = 10250;
  request.target = "/metrics/resource";
  auto response = pinned_client->Send(std::move(request));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, common::ErrorCode::kTls);
  client.reset();
  pinned_client.reset();
  fleet->Shutdown();
  loop->Stop();
}

}  // namespace
}  // namespace sandbox
