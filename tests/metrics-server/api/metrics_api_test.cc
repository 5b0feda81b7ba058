#include "metrics-server/api/metrics_api.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <sstream>

#include "apiservice/proto/meta.pb.h"
#include "apiservice/proto/runtime.pb.h"
#include "metrics-server/api/proto/metrics.pb.h"
#include "tests/apiservice/json_test_util.h"
#include "tests/metrics-server/api/fixture.h"

namespace metrics_server {
namespace {

using apiservice_testing::Golden;
using apiservice_testing::ParseJson;
using metrics_api_testing::k022333;

constexpr const char* kDiscoveryAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;"
    "v=v2beta1;as=APIGroupDiscoveryList,application/json";
constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
    "application/json";
constexpr const char* kProtobufAccept = "application/vnd.kubernetes.protobuf, */*";

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

net::HttpRequest Request(std::string target, std::string accept, std::string method = "GET") {
  net::HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  const std::size_t q = target.find('?');
  r.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string::npos) {
    std::string_view query = std::string_view(target).substr(q + 1);
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      std::size_t eq = pair.find('=');
      r.query.emplace_back(PercentDecode(pair.substr(0, eq), true),
                           eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true));
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  if (!accept.empty()) r.headers.push_back({"Accept", std::move(accept)});
  return r;
}

std::string ContentType(const net::HttpResponse& r) {
  for (const net::Header& h : r.headers) {
    if (h.name == "Content-Type") return h.value;
  }
  return "";
}

// Item names of a JSON list or Table.
std::vector<std::string> Names(const net::HttpResponse& r) {
  std::vector<std::string> names;
  rapidjson::Document doc = ParseJson(r.body);
  if (!doc.IsObject()) return names;
  const char* array = doc.HasMember("rows") ? "rows" : "items";
  for (auto& item : doc[array].GetArray()) {
    names.push_back(item.HasMember("cells") ? item["cells"][0].GetString() : item["metadata"]["name"].GetString());
  }
  return names;
}

class MetricsApiTest : public ::testing::Test {
 protected:
  net::HttpResponse Get(std::string target, std::string accept = "application/json", std::string method = "GET") {
    std::optional<net::HttpResponse> r = api_.Handle(Request(std::move(target), std::move(accept), std::move(method)),
                                                     snapshot_.get(), metrics_api_testing::At(k022333));
    EXPECT_TRUE(r.has_value());
    return r.value_or(net::HttpResponse{});
  }

  std::unique_ptr<StaticMetadataSource> metadata_ = metrics_api_testing::Metadata();
  std::shared_ptr<MetricsSnapshot> snapshot_ = metrics_api_testing::Snapshot(k022333 - 4, k022333 - 5);
  MetricsApi api_{metadata_.get()};
};

TEST_F(MetricsApiTest, AggregatedDiscoveryAtApis) {
  net::HttpResponse r = Get("/apis", kDiscoveryAccept);
  EXPECT_EQ(200, r.status);
  EXPECT_EQ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", ContentType(r));
  rapidjson::Document doc = ParseJson(r.body);
  ASSERT_TRUE(doc.IsObject());
  rapidjson::Document golden = ParseJson(Golden("kubectl-traces/samples/apis.aggregated-v2.APIGroupDiscoveryList.json"));
  const rapidjson::Value* metrics = nullptr;
  for (auto& item : golden["items"].GetArray()) {
    if (std::string(item["metadata"]["name"].GetString()) == "metrics.k8s.io") metrics = &item;
  }
  ASSERT_NE(nullptr, metrics);
  ASSERT_EQ(1u, doc["items"].Size());
  EXPECT_TRUE(doc["items"][0] == *metrics) << r.body;
}

TEST_F(MetricsApiTest, LegacyDiscovery) {
  net::HttpResponse root = Get("/apis", "application/json, */*");
  EXPECT_EQ("application/json", ContentType(root));
  EXPECT_STREQ("APIGroupList", ParseJson(root.body)["kind"].GetString());
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/apis-metrics.k8s.io.APIGroup.json"),
                 Get("/apis/metrics.k8s.io", "application/json, */*").body);
  net::HttpResponse resources = Get("/apis/metrics.k8s.io/v1beta1?timeout=32s", "application/json, */*");
  EXPECT_EQ(200, resources.status);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/apis-metrics.k8s.io-v1beta1.APIResourceList.json"), resources.body);
  EXPECT_JSON_EQ(resources.body, Get("/apis/metrics.k8s.io/v1beta1/", "").body);
}

TEST_F(MetricsApiTest, OpenApi) {
  net::HttpResponse v2 = Get("/openapi/v2", "application/json");
  EXPECT_EQ(200, v2.status);
  EXPECT_STREQ("2.0", ParseJson(v2.body)["swagger"].GetString());
  net::HttpResponse v3 = Get("/openapi/v3", "application/json");
  rapidjson::Document index = ParseJson(v3.body);
  ASSERT_TRUE(index.IsObject());
  std::string url = index["paths"]["apis/metrics.k8s.io/v1beta1"]["serverRelativeURL"].GetString();
  net::HttpResponse doc = Get(url, "application/json");
  EXPECT_EQ(200, doc.status);
  EXPECT_STREQ("3.0.0", ParseJson(doc.body)["openapi"].GetString());
  EXPECT_TRUE(ParseJson(doc.body)["components"]["schemas"].HasMember("io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics"));
  EXPECT_EQ(404, Get("/openapi/v3/apis/apps/v1").status);
}

TEST_F(MetricsApiTest, OtherPathsAreNotOurs) {
  for (const char* path : {"/livez", "/readyz", "/healthz", "/metrics", "/", "/api", "/apisx"}) {
    EXPECT_FALSE(api_.Handle(Request(path, ""), snapshot_.get(), metrics_api_testing::At(0))) << path;
    EXPECT_FALSE(MetricsApi::Owns(path)) << path;
  }
  EXPECT_TRUE(MetricsApi::Owns("/apis/metrics.k8s.io/v1beta1/nodes"));
  EXPECT_EQ(404, Get("/apis/apps/v1").status);
}

TEST_F(MetricsApiTest, ListsAndGets) {
  EXPECT_EQ((std::vector<std::string>{"node-1", "node-2"}), Names(Get("/apis/metrics.k8s.io/v1beta1/nodes")));
  EXPECT_EQ((std::vector<std::string>{"x-5d8f7c9b6-abcde", "y-7f9c8d7b5-fghij", "coredns-668d6bf9bc-xyz12",
                                      "metrics-server-5f4c8b7d9-q1w2e"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/pods")));
  EXPECT_EQ((std::vector<std::string>{"coredns-668d6bf9bc-xyz12", "metrics-server-5f4c8b7d9-q1w2e"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods")));
  EXPECT_TRUE(Names(Get("/apis/metrics.k8s.io/v1beta1/namespaces/nope/pods")).empty());

  net::HttpResponse node = Get("/apis/metrics.k8s.io/v1beta1/nodes/node-2");
  EXPECT_EQ(200, node.status);
  rapidjson::Document doc = ParseJson(node.body);
  EXPECT_STREQ("NodeMetrics", doc["kind"].GetString());
  EXPECT_STREQ("2345678901n", doc["usage"]["cpu"].GetString());
  EXPECT_STREQ("2026-11-24T02:23:33Z", doc["metadata"]["creationTimestamp"].GetString());

  net::HttpResponse pod = Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/y-7f9c8d7b5-fghij");
  EXPECT_EQ(200, pod.status);
  EXPECT_STREQ("PodMetrics", ParseJson(pod.body)["kind"].GetString());
}

TEST_F(MetricsApiTest, NotFound) {
  net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nosuch", kTableAccept);
  EXPECT_EQ(404, r.status);
  EXPECT_EQ("application/json", ContentType(r));
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/Status.404.NotFound.json"), r.body);
  // A pod in another namespace is not found in this one.
  EXPECT_EQ(404, Get("/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods/x-5d8f7c9b6-abcde").status);
  net::HttpResponse node = Get("/apis/metrics.k8s.io/v1beta1/nodes/node-9");
  EXPECT_EQ(404, node.status);
  EXPECT_EQ("nodes.metrics.k8s.io \"node-9\" not found", std::string(ParseJson(node.body)["message"].GetString()));
  // Unknown resources and shapes.
  for (const char* path : {"/apis/metrics.k8s.io/v1beta1/deployments", "/apis/metrics.k8s.io/v1beta1/namespaces/default/nodes",
                           "/apis/metrics.k8s.io/v1beta1/nodes/a/b", "/apis/metrics.k8s.io/v1beta1/namespaces//pods",
                           "/apis/metrics.k8s.io/v1alpha1/nodes"}) {
    net::HttpResponse other = Get(path);
    EXPECT_EQ(404, other.status) << path;
    EXPECT_STREQ("Status", ParseJson(other.body)["kind"].GetString()) << path;
  }
}

TEST_F(MetricsApiTest, NotFoundInProtobuf) {
  net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nosuchpod", kProtobufAccept);
  EXPECT_EQ(404, r.status);
  EXPECT_EQ("application/vnd.kubernetes.protobuf", ContentType(r));
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  ASSERT_TRUE(unknown.ParseFromString(r.body.substr(4)));
  k8s::io::apimachinery::pkg::apis::meta::v1::Status status;
  ASSERT_TRUE(status.ParseFromString(unknown.raw()));
  EXPECT_EQ("pods.metrics.k8s.io \"nosuchpod\" not found", status.message());
  EXPECT_EQ("NotFound", status.reason());
}

TEST_F(MetricsApiTest, ObjectsUnknownToTheInformerAreHidden) {
  metadata_->RemovePod("default", "y-7f9c8d7b5-fghij");
  metadata_->RemoveNode("node-1");
  EXPECT_EQ((std::vector<std::string>{"x-5d8f7c9b6-abcde"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")));
  EXPECT_EQ(404, Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/y-7f9c8d7b5-fghij").status);
  EXPECT_EQ((std::vector<std::string>{"node-2"}), Names(Get("/apis/metrics.k8s.io/v1beta1/nodes")));
  EXPECT_EQ(404, Get("/apis/metrics.k8s.io/v1beta1/nodes/node-1").status);
}

TEST_F(MetricsApiTest, BeforeTheFirstScrape) {
  snapshot_.reset();
  net::HttpResponse list = Get("/apis/metrics.k8s.io/v1beta1/pods");
  EXPECT_EQ(200, list.status);
  EXPECT_TRUE(Names(list).empty());
  EXPECT_EQ(200, Get("/apis/metrics.k8s.io/v1beta1/nodes", kProtobufAccept).status);
  EXPECT_EQ(404, Get("/apis/metrics.k8s.io/v1beta1/nodes/node-1").status);
}

TEST_F(MetricsApiTest, Selectors) {
  EXPECT_EQ((std::vector<std::string>{"x-5d8f7c9b6-abcde"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dx")));
  EXPECT_EQ((std::vector<std::string>{"coredns-668d6bf9bc-xyz12", "metrics-server-5f4c8b7d9-q1w2e"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%21%3Dzz%2Ck8s-app")));
  EXPECT_EQ((std::vector<std::string>{"x-5d8f7c9b6-abcde", "y-7f9c8d7b5-fghij"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.namespace%3Ddefault&labelSelector="
                      "app+in+%28x%2Cy%29%2Ctier+notin+%28db%29%2C%21canary&limit=500",
                      kTableAccept)));
  EXPECT_EQ((std::vector<std::string>{"x-5d8f7c9b6-abcde"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=metadata.name%3Dx-5d8f7c9b6-"
                      "abcde")));
  EXPECT_EQ((std::vector<std::string>{"node-1"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=node-role.kubernetes.io%2Fcontrol-plane")));
  EXPECT_EQ((std::vector<std::string>{"node-2"}),
            Names(Get("/apis/metrics.k8s.io/v1beta1/nodes?fieldSelector=metadata.name%21%3Dnode-1")));
}

TEST_F(MetricsApiTest, BadSelectors) {
  net::HttpResponse r =
      Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dnode-1", "application/json");
  EXPECT_EQ(400, r.status);
  EXPECT_JSON_EQ(
      R"({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "field label not supported: spec.nodeName", "reason": "BadRequest", "code": 400})",
      r.body);
  net::HttpResponse pb =
      Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?fieldSelector=spec.nodeName%3Dnode-1", kProtobufAccept);
  EXPECT_EQ(400, pb.status);
  EXPECT_EQ("application/vnd.kubernetes.protobuf", ContentType(pb));
  net::HttpResponse labels = Get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=app+in+%28x");
  EXPECT_EQ(400, labels.status);
  EXPECT_STREQ("BadRequest", ParseJson(labels.body)["reason"].GetString());
}

TEST_F(MetricsApiTest, WatchIsNotSupported) {
  net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?watch=true", kTableAccept);
  EXPECT_EQ(405, r.status);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/Status.405.watch.json"), r.body);
  net::HttpResponse nodes = Get("/apis/metrics.k8s.io/v1beta1/nodes?watch=1");
  EXPECT_EQ(405, nodes.status);
  EXPECT_NE(std::string::npos, nodes.body.find("nodes.metrics.k8s.io"));
  EXPECT_EQ(200, Get("/apis/metrics.k8s.io/v1beta1/nodes?watch=false").status);
}

TEST_F(MetricsApiTest, WritesAreNotAllowed) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", "application/json", method);
    EXPECT_EQ(405, r.status) << method;
    EXPECT_STREQ("MethodNotAllowed", ParseJson(r.body)["reason"].GetString());
  }
  EXPECT_EQ(405, Get("/apis", "", "POST").status);
}

TEST_F(MetricsApiTest, NotAcceptable) {
  net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/nodes", "text/html");
  EXPECT_EQ(406, r.status);
  EXPECT_EQ("application/json", ContentType(r));
  EXPECT_EQ(406, Get("/apis/metrics.k8s.io/v1beta1", "text/html").status);
}

TEST_F(MetricsApiTest, Tables) {
  net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?limit=500", kTableAccept);
  EXPECT_EQ(200, r.status);
  rapidjson::Document doc = ParseJson(r.body);
  EXPECT_STREQ("Table", doc["kind"].GetString());
  EXPECT_STREQ("501234567n", doc["rows"][0]["cells"][1].GetString());
  EXPECT_STREQ("13020Ki", doc["rows"][0]["cells"][2].GetString());
  EXPECT_STREQ("15.009s", doc["rows"][0]["cells"][3].GetString());
  net::HttpResponse one = Get("/apis/metrics.k8s.io/v1beta1/nodes/node-1?includeObject=None", kTableAccept);
  EXPECT_EQ((std::vector<std::string>{"node-1"}), Names(one));
  EXPECT_FALSE(ParseJson(one.body)["rows"][0].HasMember("object"));
}

TEST_F(MetricsApiTest, Protobuf) {
  net::HttpResponse r = Get("/apis/metrics.k8s.io/v1beta1/pods", kProtobufAccept);
  EXPECT_EQ(200, r.status);
  EXPECT_EQ("application/vnd.kubernetes.protobuf", ContentType(r));
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  ASSERT_TRUE(unknown.ParseFromString(r.body.substr(4)));
  EXPECT_EQ("PodMetricsList", unknown.typemeta().kind());
  k8s::io::metrics::pkg::apis::metrics::v1beta1::PodMetricsList list;
  ASSERT_TRUE(list.ParseFromString(unknown.raw()));
  ASSERT_EQ(4, list.items_size());
  EXPECT_EQ("kube-system", list.items(2).metadata().namespace_());
  EXPECT_EQ(k022333, list.items(2).metadata().creationtimestamp().seconds());
  EXPECT_EQ("kube-dns", list.items(2).metadata().labels().at("k8s-app"));
  EXPECT_TRUE(MetricsApi::WantsProtobuf(Request("/apis/metrics.k8s.io/v1beta1/pods", kProtobufAccept)));
  EXPECT_FALSE(MetricsApi::WantsProtobuf(Request("/apis/metrics.k8s.io/v1beta1/pods", kTableAccept)));
  EXPECT_FALSE(MetricsApi::WantsProtobuf(Request("/apis", kProtobufAccept)));
}

// Odd input never crashes and always yields a well-formed Status or document.
TEST_F(MetricsApiTest, SurvivesOddRequests) {
  const char* targets[] = {
      "/apis/metrics.k8s.io/v1beta1/namespaces", "/apis/metrics.k8s.io/v1beta1/namespaces/x",
      "/apis/metrics.k8s.io/v1beta1///", "/apis/metrics.k8s.io/v1beta1/pods/x/y/z",
      "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=%00%ff", "/apis/metrics.k8s.io/v1beta1/nodes?fieldSelector=%5C",
      "/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=a+in+()", "/apis/metrics.k8s.io/v1beta1/nodes?watch",
      "/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3D%3D%3D", "/apis//", "/openapi/v3/",
      "/openapi/v3/apis/metrics.k8s.io/v1beta1/extra", "/apis/metrics.k8s.io/v1beta1/nodes/%2F..%2F"};
  const char* accepts[] = {"", ",,,", ";;;", "*/*;q=x", "application/json;as", "application/vnd.kubernetes.protobuf;q=0",
                           "application/json;as=Table;g=meta.k8s.io;v=v9", "\xff\xfe", kProtobufAccept, kTableAccept};
  for (const char* target : targets) {
    for (const char* accept : accepts) {
      net::HttpResponse r = Get(target, accept);
      EXPECT_GE(r.status, 200) << target << " " << accept;
      EXPECT_LT(r.status, 500) << target << " " << accept;
      EXPECT_FALSE(r.body.empty()) << target << " " << accept;
    }
  }
}

// Every request kubectl made to metrics.k8s.io in the traces gets the status the real stack gave (the 503s came
// from the aggregator with no backend, not from metrics-server).
TEST_F(MetricsApiTest, ReplaysKubectlTraces) {
  namespace fs = std::filesystem;
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(std::string(KMA_GOLDEN_DIR) + "/kubectl-traces")) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 9 || name.substr(name.size() - 9) != ".http.txt") continue;
    std::istringstream in(apiservice_testing::ReadFile(entry.path().string()));
    std::string line, target, accept;
    while (std::getline(in, line)) {
      if (line.rfind("GET ", 0) == 0) {
        target = line.substr(4);
        accept.clear();
      } else if (line.rfind("  Accept: ", 0) == 0) {
        accept = line.substr(10);
      } else if (line.rfind("  <<< ", 0) == 0 && !target.empty() && line.size() > 9 && std::isdigit(line[6])) {
        const int status = std::stoi(line.substr(6, 3));
        const bool ours = target.rfind("/apis/metrics.k8s.io", 0) == 0 || target == "/apis" ||
                          target.rfind("/apis?", 0) == 0;
        if (ours && status != 503) {
          net::HttpResponse r = Get(target, accept);
          EXPECT_EQ(status, r.status) << name << ": " << target << " Accept: " << accept;
          const std::string type = ContentType(r);
          if (type == "application/vnd.kubernetes.protobuf") {
            EXPECT_EQ(std::string("k8s\0", 4), r.body.substr(0, 4)) << target;
          } else {
            EXPECT_TRUE(ParseJson(r.body).IsObject()) << target;
          }
          ++replayed;
        }
        target.clear();
      }
    }
  }
  EXPECT_GT(replayed, 100);
}

}  // namespace
}  // namespace metrics_server
