// The sandbox API server over real HTTPS on 127.0.0.1: discovery, CRUD, optimistic concurrency, /scale, watch,
// selectors, Table output, authentication and authorization.
#include "sandbox/apiserver/api_server.h"

#include <gtest/gtest.h>

#include "tests/sandbox/apiserver/test_cluster.h"

namespace sandbox {
namespace {

using namespace std::chrono_literals;
using testing::ParseOrDie;
using testing::TestCluster;

constexpr const char* kDeployment = R"({"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"x","labels":{"app":"x"}},
  "spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}},
          "template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}})";

std::string Pod(const std::string& name, const std::string& app, const std::string& node, const std::string& phase) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","labels":{"app":")" + app +
         R"("}},"spec":{"nodeName":")" + node + R"(","containers":[{"name":"c","image":"i"}]},"status":{"phase":")" +
         phase + R"("}})";
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_ = TestCluster::Start(); }
  void TearDown() override { cluster_.reset(); }
  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(ApiServerTest, AggregatedDiscoveryEchoesContentType) {
  const std::string accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/"
      "json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  auto r = cluster_->Send("GET", "/api?timeout=32s", "", {{"Accept", accept}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  auto doc = ParseOrDie(r.body);
  EXPECT_EQ(json::GetString(doc, {"kind"}), "APIGroupDiscoveryList");
  const auto& resources = doc["items"][0]["versions"][0]["resources"];
  bool found_pods = false;
  for (const auto& res : resources.GetArray()) {
    if (json::GetString(res, {"resource"}) == "pods") {
      found_pods = true;
      EXPECT_EQ(json::Serialize(res["shortNames"]), R"(["po"])");
      EXPECT_EQ(json::GetString(res, {"scope"}), "Namespaced");
    }
  }
  EXPECT_TRUE(found_pods);

  auto apis = cluster_->Send("GET", "/apis", "", {{"Accept", accept}});
  auto apis_doc = ParseOrDie(apis.body);
  std::string text = apis.body;
  EXPECT_NE(text.find(R"("resource":"deployments")"), std::string::npos);
  EXPECT_NE(text.find(R"("subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"})"),
            std::string::npos);
  EXPECT_NE(text.find(R"("shortNames":["hpa"])"), std::string::npos);
}

TEST_F(ApiServerTest, LegacyDiscovery) {
  auto api = cluster_->Send("GET", "/api", "", {{"Accept", "application/json, */*"}});
  EXPECT_EQ(api.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(json::GetString(ParseOrDie(api.body), {"kind"}), "APIVersions");

  auto apis = ParseOrDie(cluster_->Send("GET", "/apis").body);
  EXPECT_EQ(json::GetString(apis, {"kind"}), "APIGroupList");
  std::vector<std::string> groups;
  for (const auto& g : apis["groups"].GetArray()) groups.push_back(json::GetString(g, {"name"}));
  EXPECT_NE(std::find(groups.begin(), groups.end(), "apps"), groups.end());
  EXPECT_NE(std::find(groups.begin(), groups.end(), "autoscaling"), groups.end());

  auto autoscaling = ParseOrDie(cluster_->Send("GET", "/apis/autoscaling").body);
  EXPECT_EQ(json::GetString(autoscaling, {"preferredVersion", "version"}), "v2");

  auto v1 = cluster_->Send("GET", "/api/v1");
  EXPECT_NE(v1.body.find(R"("name":"pods/status")"), std::string::npos);
  auto apps = cluster_->Send("GET", "/apis/apps/v1");
  EXPECT_NE(apps.body.find(R"({"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale")"),
            std::string::npos)
      << apps.body;
  EXPECT_EQ(cluster_->Send("GET", "/apis/nope/v1").status, 404);
}

TEST_F(ApiServerTest, AuthenticationAndHealth) {
  EXPECT_EQ(cluster_->SendAs("", "GET", "/healthz").status, 200);
  EXPECT_EQ(cluster_->SendAs("", "GET", "/version").status, 200);
  auto unauthenticated = cluster_->SendAs("", "GET", "/api/v1/pods");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_EQ(unauthenticated.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  EXPECT_EQ(cluster_->SendAs("wrong-token", "GET", "/api/v1/pods").status, 401);
  EXPECT_EQ(cluster_->SendAs(testing::kAliceToken, "GET", "/api/v1/pods").status, 200);
}

TEST_F(ApiServerTest, DenyRulesGiveForbiddenAndSubjectAccessReviewAgrees) {
  auto denied = cluster_->SendAs(testing::kMalloryToken, "GET", "/api/v1/namespaces/default/pods");
  EXPECT_EQ(denied.status, 403);
  auto doc = ParseOrDie(denied.body);
  EXPECT_EQ(json::GetString(doc, {"reason"}), "Forbidden");
  EXPECT_EQ(json::GetString(doc, {"message"}),
            "pods is forbidden: User \"mallory\" cannot list resource \"pods\" in API group \"\" in the namespace "
            "\"default\"");
  EXPECT_EQ(cluster_->SendAs(testing::kMalloryToken, "GET", "/api/v1/nodes").status, 200);

  auto sar = [&](const std::string& user) {
    auto r = cluster_->Send("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                            R"({"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":")" +
                                user + R"(","resourceAttributes":{"verb":"list","resource":"pods","namespace":"default"}}})");
    EXPECT_EQ(r.status, 201);
    const auto doc = ParseOrDie(r.body);  // keep the document alive while its member is read
    const auto* allowed = json::Find(doc, {"status", "allowed"});
    return allowed != nullptr && allowed->IsTrue();
  };
  EXPECT_FALSE(sar("mallory"));
  EXPECT_TRUE(sar("alice"));

  auto tr = cluster_->Send("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                           std::string(R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":")") +
                               testing::kAliceToken + "\"}}");
  auto tr_doc = ParseOrDie(tr.body);
  EXPECT_EQ(json::GetString(tr_doc, {"status", "user", "username"}), "alice");
  EXPECT_EQ(json::Serialize(tr_doc["status"]["user"]["groups"]), R"(["devs","system:authenticated"])");
  auto bad = ParseOrDie(cluster_->Send("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                                       R"({"spec":{"token":"nope"}})")
                            .body);
  EXPECT_EQ(json::Find(bad, {"status", "authenticated"}), nullptr);
}

TEST_F(ApiServerTest, CrudWithConflictOnStaleUpdate) {
  auto created = cluster_->Send("POST", "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create",
                                kDeployment);
  ASSERT_EQ(created.status, 201) << created.body;
  auto doc = ParseOrDie(created.body);
  std::string rv = json::GetString(doc, {"metadata", "resourceVersion"});
  EXPECT_FALSE(rv.empty());
  EXPECT_EQ(json::GetString(doc, {"metadata", "namespace"}), "default");

  auto dup = cluster_->Send("POST", "/apis/apps/v1/namespaces/default/deployments", kDeployment);
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(json::GetString(ParseOrDie(dup.body), {"reason"}), "AlreadyExists");

  auto got = ParseOrDie(cluster_->Send("GET", "/apis/apps/v1/namespaces/default/deployments/x").body);
  json::SetInt(got["spec"], "replicas", 2, got.GetAllocator());
  auto updated = cluster_->Send("PUT", "/apis/apps/v1/namespaces/default/deployments/x", json::Serialize(got));
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json::GetInt(ParseOrDie(updated.body), {"metadata", "generation"}), 2);

  // `got` still carries the old resourceVersion.
  auto stale = cluster_->Send("PUT", "/apis/apps/v1/namespaces/default/deployments/x", json::Serialize(got));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on deployments.apps \"x\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","group":"apps","kind":"deployments"},"code":409})");

  auto patched = cluster_->Send("PATCH", "/apis/apps/v1/namespaces/default/deployments/x",
                                R"({"metadata":{"labels":{"tier":"web"}}})",
                                {{"Content-Type", "application/strategic-merge-patch+json"}});
  ASSERT_EQ(patched.status, 200);
  EXPECT_EQ(json::GetString(ParseOrDie(patched.body), {"metadata", "labels", "tier"}), "web");
  EXPECT_EQ(cluster_->Send("PATCH", "/apis/apps/v1/namespaces/default/deployments/x", "x: 1",
                           {{"Content-Type", "application/apply-patch+yaml"}})
                .status,
            415);

  EXPECT_EQ(cluster_->Send("DELETE", "/apis/apps/v1/namespaces/default/deployments/x").status, 200);
  auto missing = cluster_->Send("GET", "/apis/apps/v1/namespaces/default/deployments/x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"x\" not found","reason":"NotFound","details":{"name":"x","group":"apps","kind":"deployments"},"code":404})");
  EXPECT_EQ(cluster_->Send("POST", "/api/v1/namespaces/nowhere/pods", Pod("p", "a", "n", "Running")).status, 404);
}

TEST_F(ApiServerTest, ScaleSubresource) {
  ASSERT_EQ(cluster_->Send("POST", "/apis/apps/v1/namespaces/default/deployments", kDeployment).status, 201);
  auto scale = cluster_->Send("GET", "/apis/apps/v1/namespaces/default/deployments/x/scale");
  ASSERT_EQ(scale.status, 200);
  auto doc = ParseOrDie(scale.body);
  EXPECT_EQ(json::GetString(doc, {"kind"}), "Scale");
  EXPECT_EQ(json::GetString(doc, {"apiVersion"}), "autoscaling/v1");
  EXPECT_EQ(json::GetInt(doc, {"spec", "replicas"}), 1);
  EXPECT_EQ(json::GetString(doc, {"status", "selector"}), "app=x");

  auto patched = cluster_->Send("PATCH", "/apis/apps/v1/namespaces/default/deployments/x/scale",
                                R"({"spec":{"replicas":3}})", {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json::GetInt(ParseOrDie(patched.body), {"spec", "replicas"}), 3);
  auto deployment = ParseOrDie(cluster_->Send("GET", "/apis/apps/v1/namespaces/default/deployments/x").body);
  EXPECT_EQ(json::GetInt(deployment, {"spec", "replicas"}), 3);
  EXPECT_EQ(json::GetInt(deployment, {"metadata", "generation"}), 2);

  // PUT with the Scale read before the patch: stale.
  json::SetInt(doc["spec"], "replicas", 5, doc.GetAllocator());
  auto stale = cluster_->Send("PUT", "/apis/apps/v1/namespaces/default/deployments/x/scale", json::Serialize(doc));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(json::GetString(ParseOrDie(stale.body), {"reason"}), "Conflict");

  auto fresh = ParseOrDie(cluster_->Send("GET", "/apis/apps/v1/namespaces/default/deployments/x/scale").body);
  json::SetInt(fresh["spec"], "replicas", 5, fresh.GetAllocator());
  auto put = cluster_->Send("PUT", "/apis/apps/v1/namespaces/default/deployments/x/scale", json::Serialize(fresh));
  ASSERT_EQ(put.status, 200);
  EXPECT_EQ(json::GetInt(ParseOrDie(put.body), {"spec", "replicas"}), 5);

  json::SetInt(fresh["spec"], "replicas", -1, fresh.GetAllocator());
  json::Remove(fresh["metadata"], "resourceVersion");
  EXPECT_EQ(cluster_->Send("PUT", "/apis/apps/v1/namespaces/default/deployments/x/scale", json::Serialize(fresh)).status,
            422);
  EXPECT_EQ(cluster_->Send("GET", "/apis/apps/v1/namespaces/default/deployments/nope/scale").status, 404);
}

TEST_F(ApiServerTest, StatusSubresourceSeparatesSpecAndStatus) {
  ASSERT_EQ(cluster_->Send("POST", "/apis/apps/v1/namespaces/default/deployments", kDeployment).status, 201);
  auto status = cluster_->Send("PATCH", "/apis/apps/v1/namespaces/default/deployments/x/status",
                               R"({"status":{"replicas":1,"readyReplicas":1},"spec":{"replicas":9}})",
                               {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(status.status, 200);
  auto doc = ParseOrDie(status.body);
  EXPECT_EQ(json::GetInt(doc, {"status", "readyReplicas"}), 1);
  EXPECT_EQ(json::GetInt(doc, {"spec", "replicas"}), 1);
  auto main = cluster_->Send("PATCH", "/apis/apps/v1/namespaces/default/deployments/x",
                             R"({"status":{"readyReplicas":7}})", {{"Content-Type", "application/merge-patch+json"}});
  EXPECT_EQ(json::GetInt(ParseOrDie(main.body), {"status", "readyReplicas"}), 1);
}

TEST_F(ApiServerTest, SelectorsAndPagination) {
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("a", "x", "node-1", "Running")).status, 201);
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("b", "y", "node-2", "Pending")).status, 201);
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/kube-system/pods", Pod("c", "x", "node-1", "Running")).status,
            201);
  auto names = [&](const std::string& target) {
    auto r = cluster_->Send("GET", target);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    auto doc = ParseOrDie(r.body);
    if (doc.HasMember("items")) {
      for (const auto& i : doc["items"].GetArray()) out.push_back(json::GetString(i, {"metadata", "name"}));
    }
    return out;
  };
  EXPECT_EQ(names("/api/v1/pods"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(names("/api/v1/namespaces/default/pods"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names("/api/v1/pods?labelSelector=app%3Dx"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(names("/api/v1/pods?labelSelector=app%20notin%20(x)"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1,metadata.namespace%3Ddefault"),
            (std::vector<std::string>{"a"}));
  EXPECT_EQ(names("/api/v1/pods?fieldSelector=status.phase%21%3DRunning"), (std::vector<std::string>{"b"}));
  auto bad = cluster_->Send("GET", "/api/v1/pods?fieldSelector=spec.foo%3Dbar");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::GetString(ParseOrDie(bad.body), {"message"}), "field label not supported: spec.foo");

  auto page1 = ParseOrDie(cluster_->Send("GET", "/api/v1/pods?limit=2").body);
  EXPECT_EQ(page1["items"].Size(), 2u);
  std::string token = json::GetString(page1, {"metadata", "continue"});
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(names("/api/v1/pods?limit=2&continue=" + net::PercentEncode(token)), (std::vector<std::string>{"c"}));
}

TEST_F(ApiServerTest, TableOrListByAcceptHeader) {
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("a", "x", "node-1", "Running")).status, 201);
  const std::string table_accept =
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  auto table = ParseOrDie(cluster_->Send("GET", "/api/v1/pods?limit=500", "", {{"Accept", table_accept}}).body);
  EXPECT_EQ(json::GetString(table, {"kind"}), "Table");
  EXPECT_EQ(json::GetString(table["columnDefinitions"][0], {"name"}), "Name");
  auto& cells = table["rows"][0]["cells"];
  cells.Erase(cells.Begin() + 4);  // Age depends on the clock
  EXPECT_EQ(json::Serialize(cells), R"(["a","0/1","Running","0","<none>","node-1","<none>","<none>"])");
  EXPECT_EQ(json::GetString(table["rows"][0]["object"], {"metadata", "namespace"}), "default");

  auto list = ParseOrDie(cluster_->Send("GET", "/api/v1/pods", "", {{"Accept", "application/json"}}).body);
  EXPECT_EQ(json::GetString(list, {"kind"}), "PodList");
  EXPECT_EQ(list["items"].Size(), 1u);
}

TEST_F(ApiServerTest, HpaServedAsV1AndV2) {
  auto created = cluster_->Send(
      "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
      R"({"metadata":{"name":"x"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"x","apiVersion":"apps/v1"},"minReplicas":1,"maxReplicas":10,"targetCPUUtilizationPercentage":50}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto v1 = ParseOrDie(created.body);
  EXPECT_EQ(json::GetString(v1, {"apiVersion"}), "autoscaling/v1");
  EXPECT_EQ(json::GetInt(v1, {"spec", "targetCPUUtilizationPercentage"}), 50);
  auto v2 = ParseOrDie(cluster_->Send("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/x").body);
  EXPECT_EQ(json::Serialize(v2["spec"]["metrics"]),
            R"([{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}])");
  auto status = cluster_->Send(
      "PUT", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/x/status",
      R"({"metadata":{"name":"x"},"status":{"currentReplicas":1,"desiredReplicas":1,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":12}}}]}})");
  ASSERT_EQ(status.status, 200) << status.body;
  auto table = ParseOrDie(cluster_->Send("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers?limit=500",
                                         "", {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}})
                              .body);
  auto& cells = table["rows"][0]["cells"];
  cells.Erase(cells.Begin() + 6);  // Age depends on the clock
  EXPECT_EQ(json::Serialize(cells), R"(["x","Deployment/x","cpu: 12%/50%","1",10,1])");
  auto v1_again =
      ParseOrDie(cluster_->Send("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/x").body);
  EXPECT_EQ(json::GetInt(v1_again, {"status", "currentCPUUtilizationPercentage"}), 12);
}

// Reads watch events (one JSON object per line) until `count` arrived.
std::vector<rapidjson::Document> ReadEvents(net::BodyStream& body, size_t count) {
  std::vector<rapidjson::Document> events;
  std::string buffer;
  while (events.size() < count) {
    size_t newline;
    while (events.size() < count && (newline = buffer.find('\n')) != std::string::npos) {
      events.push_back(ParseOrDie(buffer.substr(0, newline)));
      buffer.erase(0, newline + 1);
    }
    if (events.size() >= count) break;
    auto chunk = body.Read(5s);
    if (!chunk.ok() || chunk->empty()) break;
    buffer += *chunk;
  }
  return events;
}

TEST_F(ApiServerTest, WatchDeliversEventsAndGoneForTooOldVersion) {
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("a", "x", "n", "Running")).status, 201);
  auto list = ParseOrDie(cluster_->Send("GET", "/api/v1/namespaces/default/pods").body);
  std::string rv = json::GetString(list, {"metadata", "resourceVersion"});

  auto stream = cluster_->admin->Stream(cluster_->Request(
      "GET", "/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true&resourceVersion=" + rv +
                 "&labelSelector=app%3Dx&timeoutSeconds=30"));
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_EQ(stream->status, 200);
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("skipped", "y", "n", "Running")).status, 201);
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("b", "x", "n", "Running")).status, 201);
  ASSERT_EQ(cluster_->Send("DELETE", "/api/v1/namespaces/default/pods/a").status, 200);
  auto events = ReadEvents(*stream->body, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(json::GetString(events[0], {"type"}), "ADDED");
  EXPECT_EQ(json::GetString(events[0], {"object", "metadata", "name"}), "b");
  EXPECT_EQ(json::GetString(events[1], {"type"}), "DELETED");
  EXPECT_EQ(json::GetString(events[1], {"object", "metadata", "name"}), "a");
  stream->body->Cancel();

  cluster_->server->store().CompactHistory();
  auto gone = cluster_->admin->Stream(
      cluster_->Request("GET", "/api/v1/namespaces/default/pods?watch=1&resourceVersion=" + rv));
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->status, 200);
  auto error = ReadEvents(*gone->body, 1);
  ASSERT_EQ(error.size(), 1u);
  EXPECT_EQ(json::GetString(error[0], {"type"}), "ERROR");
  EXPECT_EQ(json::GetInt(error[0], {"object", "code"}), 410);
  EXPECT_EQ(json::GetString(error[0], {"object", "reason"}), "Expired");
}

TEST_F(ApiServerTest, WatchFromZeroListsExistingObjects) {
  ASSERT_EQ(cluster_->Send("POST", "/api/v1/namespaces/default/pods", Pod("a", "x", "n", "Running")).status, 201);
  auto stream = cluster_->admin->Stream(cluster_->Request("GET", "/api/v1/pods?watch=true&resourceVersion=0"));
  ASSERT_TRUE(stream.ok());
  auto events = ReadEvents(*stream->body, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(json::GetString(events[0], {"type"}), "ADDED");
  EXPECT_EQ(json::GetString(events[0], {"object", "metadata", "name"}), "a");
  stream->body->Cancel();
}

TEST_F(ApiServerTest, ObjectsWrittenToTheStoreAreServedWithTypeFields) {
  ASSERT_TRUE(cluster_->server->store().Create({"", "v1", "nodes"}, "", R"({"metadata":{"name":"n1"}})").ok());
  auto node = ParseOrDie(cluster_->Send("GET", "/api/v1/nodes/n1").body);
  EXPECT_EQ(json::GetString(node, {"apiVersion"}), "v1");
  EXPECT_EQ(json::GetString(node, {"kind"}), "Node");
  EXPECT_EQ(json::GetString(node, {"metadata", "name"}), "n1");
}

TEST_F(ApiServerTest, FrontProxyConfigMapIsPublished) {
  auto cm = ParseOrDie(
      cluster_->Send("GET", "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication").body);
  EXPECT_EQ(json::GetString(cm, {"data", "requestheader-client-ca-file"}), cluster_->pki.requestheader_ca.cert_pem);
  EXPECT_EQ(json::GetString(cm, {"data", "client-ca-file"}), cluster_->pki.ca.cert_pem);
  EXPECT_EQ(json::GetString(cm, {"data", "requestheader-allowed-names"}), R"(["front-proxy-client"])");
  EXPECT_EQ(json::GetString(cm, {"data", "requestheader-username-headers"}), R"(["X-Remote-User"])");
  EXPECT_EQ(json::GetString(cm, {"data", "requestheader-group-headers"}), R"(["X-Remote-Group"])");
  EXPECT_EQ(json::GetString(cm, {"data", "requestheader-extra-headers-prefix"}), R"(["X-Remote-Extra-"])");
}

TEST_F(ApiServerTest, KubeconfigCarriesServerAndCredentials) {
  std::string kc = cluster_->server->Kubeconfig(cluster_->server->AdminAccess());
  EXPECT_NE(kc.find("server: https://127.0.0.1:" + std::to_string(cluster_->server->port())), std::string::npos);
  EXPECT_NE(kc.find("client-certificate-data: "), std::string::npos);
  EXPECT_NE(kc.find("current-context: sandbox"), std::string::npos);
}

}  // namespace
}  // namespace sandbox
