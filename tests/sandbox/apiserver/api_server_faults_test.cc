// Injected faults of the sandbox API server over real HTTPS: 5xx and 429 answers shaped like kube-apiserver's,
// the admin-only /sandbox/faults endpoint, watches cut, and the server going away and coming back on its port.
#include <gtest/gtest.h>

#include <thread>

#include "sandbox/apiserver/api_server.h"
#include "tests/sandbox/apiserver/test_cluster.h"

namespace sandbox {
namespace {

using namespace std::chrono_literals;
using testing::ParseOrDie;
using testing::TestCluster;

std::vector<ApiFault> Faults(const char* text) {
  auto faults = ParseApiFaults(text);
  EXPECT_TRUE(faults.ok()) << text;
  return faults.ok() ? *faults : std::vector<ApiFault>{};
}

// Reads a watch until it ends; the outcome: "clean end", "cut: <error>" or "open" when nothing happened in `wait`.
std::string ReadUntilEnd(net::BodyStream& body, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    auto chunk = body.Read(wait);
    if (!chunk.ok()) return chunk.error().code == common::ErrorCode::kTimeout ? "open" : "cut: " + chunk.error().message;
    if (chunk->empty()) return "clean end";
  }
  return "open";
}

class ApiServerFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_ = TestCluster::Start(); }
  void TearDown() override { cluster_.reset(); }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(ApiServerFaultsTest, ErrorFaultsAnswerOnlyMatchingRequestsWithUpstreamStatus) {
  cluster_->server->SetFaults(Faults("500 resource=pods verb=list\n503 resource=nodes\n504 resource=deployments/scale"));
  auto pods = cluster_->Send("GET", "/api/v1/namespaces/default/pods");
  EXPECT_EQ(pods.status, 500);
  auto status = ParseOrDie(pods.body);
  EXPECT_EQ(json::GetString(status, {"kind"}), "Status");
  EXPECT_EQ(json::GetString(status, {"reason"}), "InternalError");
  EXPECT_EQ(json::GetString(status, {"message"}),
            "Internal error occurred: injected fault \"500 resource=pods verb=list\"");
  EXPECT_EQ(json::GetInt(status, {"code"}), 500);

  auto nodes = ParseOrDie(cluster_->Send("GET", "/api/v1/nodes").body);
  EXPECT_EQ(json::GetString(nodes, {"reason"}), "ServiceUnavailable");
  EXPECT_EQ(json::GetInt(nodes, {"code"}), 503);

  // Other verbs and resources, discovery and health are served.
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/namespaces/default/pods/none").status, 404);
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/namespaces").status, 200);
  EXPECT_EQ(cluster_->Send("GET", "/apis").status, 200);
  EXPECT_EQ(cluster_->Send("GET", "/readyz").status, 200);

  cluster_->server->ClearFaults();
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/namespaces/default/pods").status, 200);
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/nodes").status, 200);
}

TEST_F(ApiServerFaultsTest, ThrottleAnswers429WithRetryAfterLikeMaxInFlight) {
  cluster_->server->SetFaults(Faults("429:3 verb=list"));
  auto r = cluster_->Send("GET", "/api/v1/nodes");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Retry-After").value_or(""), "3");
  auto status = ParseOrDie(r.body);
  EXPECT_EQ(json::GetString(status, {"reason"}), "TooManyRequests");
  EXPECT_EQ(json::GetString(status, {"message"}), "Too many requests, please try again later.");
  EXPECT_EQ(json::GetInt(status, {"details", "retryAfterSeconds"}), 3);
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/namespaces/default").status, 200);  // a get, not a list
}

TEST_F(ApiServerFaultsTest, FaultEndpointIsForMastersAndValidatesWhatItIsGiven) {
  // alice is authenticated but not in system:masters.
  auto denied = cluster_->SendAs(testing::kAliceToken, "POST", "/sandbox/faults", "500", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(cluster_->SendAs("", "GET", "/sandbox/faults").status, 401);

  auto bad = cluster_->Send("POST", "/sandbox/faults", "500\nteapot\n", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("line 2: unknown fault \\\"teapot\\\""), std::string::npos) << bad.body;
  EXPECT_EQ(cluster_->server->DescribeFaults(), "");  // nothing half-installed

  auto added = cluster_->Send("POST", "/sandbox/faults", "500 resource=pods for=1h\n", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(added.status, 200);
  EXPECT_EQ(added.body.rfind("500 resource=pods for=1h (", 0), 0u) << added.body;
  cluster_->Send("POST", "/sandbox/faults", "429 resource=nodes", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/nodes").status, 429);
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/pods").status, 500);
  auto listed = cluster_->Send("GET", "/sandbox/faults");
  EXPECT_NE(listed.body.find("\n429 resource=nodes hits=1\n"), std::string::npos) << listed.body;

  cluster_->Send("PUT", "/sandbox/faults", "503 resource=pods", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/nodes").status, 200);
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/pods").status, 503);

  EXPECT_EQ(cluster_->Send("DELETE", "/sandbox/faults").status, 200);
  EXPECT_EQ(cluster_->Send("GET", "/api/v1/pods").status, 200);
  EXPECT_EQ(cluster_->Send("GET", "/sandbox/faults").body, "");
  EXPECT_EQ(cluster_->Send("PATCH", "/sandbox/faults", "500").status, 405);
}

TEST_F(ApiServerFaultsTest, DropWatchesCutsOpenWatchesAndEveryNewOne) {
  auto open = cluster_->admin->Stream(cluster_->Request("GET", "/api/v1/pods?watch=true&resourceVersion=0"));
  ASSERT_TRUE(open.ok());
  auto other = cluster_->admin->Stream(cluster_->Request("GET", "/api/v1/nodes?watch=true&resourceVersion=0"));
  ASSERT_TRUE(other.ok());
  // (A read that times out ends the client's stream, so each stream is read once, after the fault.)
  cluster_->server->SetFaults(Faults("drop-watches:300ms resource=pods"));
  EXPECT_EQ(ReadUntilEnd(*open->body, 3000ms).rfind("cut: ", 0), 0u);  // cut, not ended cleanly
  EXPECT_EQ(ReadUntilEnd(*other->body, 300ms), "open");                 // nodes are not covered

  const auto started = std::chrono::steady_clock::now();
  auto next = cluster_->admin->Stream(cluster_->Request("GET", "/api/v1/pods?watch=true&resourceVersion=0"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(ReadUntilEnd(*next->body, 5000ms).rfind("cut: ", 0), 0u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);

  EXPECT_EQ(cluster_->server->DescribeFaults(), "drop-watches:300ms resource=pods hits=2\n");
  cluster_->server->ClearFaults();
  auto calm = cluster_->admin->Stream(cluster_->Request("GET", "/api/v1/pods?watch=true&resourceVersion=0"));
  ASSERT_TRUE(calm.ok());
  EXPECT_EQ(ReadUntilEnd(*calm->body, 1000ms), "open");
  calm->body->Cancel();
  other->body->Cancel();
}

TEST_F(ApiServerFaultsTest, DownRefusesConnectionsThenComesBackOnTheSamePort) {
  const uint16_t port = cluster_->server->port();
  // An open watch is cut when the server goes away; its closed callback then runs inside the forced close, on the
  // loop thread doing it (this deadlocked the server once).
  auto watch = cluster_->admin->Stream(cluster_->Request("GET", "/api/v1/pods?watch=true&resourceVersion=0"));
  ASSERT_TRUE(watch.ok());
  ASSERT_EQ(cluster_->Send("POST", "/sandbox/faults", "down for=2s", {{"Content-Type", "text/plain"}}).status, 200);
  EXPECT_NE(ReadUntilEnd(*watch->body, 3000ms), "open");
  std::this_thread::sleep_for(300ms);
  auto fresh = cluster_->MakeClient(true);
  auto refused = fresh->Send(cluster_->Request("GET", "/readyz"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, common::ErrorCode::kUnavailable) << refused.error().message;

  bool back = false;
  for (int i = 0; i < 60 && !back; ++i) {
    std::this_thread::sleep_for(100ms);
    auto r = fresh->Send(cluster_->Request("GET", "/api/v1/namespaces"));
    back = r.ok() && r->status == 200;
  }
  EXPECT_TRUE(back) << "not back within 8 s";
  EXPECT_EQ(cluster_->server->port(), port);
  EXPECT_EQ(cluster_->server->DescribeFaults(), "");
}

TEST_F(ApiServerFaultsTest, ClearingFaultsBringsADownServerBackAtOnce) {
  cluster_->server->SetFaults(Faults("down for=1h"));
  auto fresh = cluster_->MakeClient(true);
  EXPECT_FALSE(fresh->Send(cluster_->Request("GET", "/readyz")).ok());
  cluster_->server->ClearFaults();
  auto r = fresh->Send(cluster_->Request("GET", "/readyz"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace sandbox
