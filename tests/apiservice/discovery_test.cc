#include "apiservice/discovery.h"

#include <gtest/gtest.h>

#include "tests/apiservice/json_test_util.h"

namespace apiservice {
namespace {

using apiservice_testing::Golden;
using apiservice_testing::ParseJson;

DiscoveryModel MetricsModel() {
  GroupVersionInfo gv;
  gv.group = "metrics.k8s.io";
  gv.version = "v1beta1";
  gv.resources.push_back({"nodes", "NodeMetrics", false, {"get", "list"}, "nodemetrics", "", {}});
  gv.resources.push_back({"pods", "PodMetrics", true, {"get", "list"}, "podmetrics", "", {}});
  return {gv};
}

// The element of `array` whose `key`/`subkey` string equals `name`, re-serialized.
std::string Pick(const std::string& document, const char* array, const char* name) {
  rapidjson::Document doc = ParseJson(document);
  for (auto& item : doc[array].GetArray()) {
    const rapidjson::Value& n = item.HasMember("metadata") ? item["metadata"]["name"] : item["name"];
    if (std::string(n.GetString()) == name) return apiservice_testing::Pretty(item);
  }
  return "";
}

TEST(DiscoveryTest, ApiResourceListMatchesGolden) {
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/apis-metrics.k8s.io-v1beta1.APIResourceList.json"),
                 ApiResourceListJson(MetricsModel()[0]));
}

TEST(DiscoveryTest, ApiGroupMatchesGolden) {
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/apis-metrics.k8s.io.APIGroup.json"),
                 ApiGroupJson(MetricsModel(), "metrics.k8s.io"));
  EXPECT_EQ("", ApiGroupJson(MetricsModel(), "apps"));
}

TEST(DiscoveryTest, ApiGroupListMatchesGoldenEntry) {
  const std::string ours = ApiGroupListJson(MetricsModel());
  rapidjson::Document doc = ParseJson(ours);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ("APIGroupList", doc["kind"].GetString());
  EXPECT_STREQ("v1", doc["apiVersion"].GetString());
  ASSERT_EQ(1u, doc["groups"].Size());
  EXPECT_JSON_EQ(Pick(Golden("kubectl-traces/samples/apis.legacy.APIGroupList.json"), "groups", "metrics.k8s.io"),
                 Pick(ours, "groups", "metrics.k8s.io"));
}

TEST(DiscoveryTest, AggregatedDiscoveryMatchesGoldenEntry) {
  const std::string ours = AggregatedDiscoveryJson(MetricsModel(), "v2");
  rapidjson::Document doc = ParseJson(ours);
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ("APIGroupDiscoveryList", doc["kind"].GetString());
  EXPECT_STREQ("apidiscovery.k8s.io/v2", doc["apiVersion"].GetString());
  EXPECT_TRUE(doc["metadata"].IsObject());
  EXPECT_JSON_EQ(
      Pick(Golden("kubectl-traces/samples/apis.aggregated-v2.APIGroupDiscoveryList.json"), "items", "metrics.k8s.io"),
      Pick(ours, "items", "metrics.k8s.io"));
  EXPECT_STREQ("apidiscovery.k8s.io/v2beta1",
               ParseJson(AggregatedDiscoveryJson(MetricsModel(), "v2beta1"))["apiVersion"].GetString());
}

TEST(DiscoveryTest, SeveralVersionsPreferTheFirst) {
  DiscoveryModel model = MetricsModel();
  GroupVersionInfo older = model[0];
  older.version = "v1alpha1";
  model.push_back(older);
  rapidjson::Document group = ParseJson(ApiGroupJson(model, "metrics.k8s.io"));
  ASSERT_EQ(2u, group["versions"].Size());
  EXPECT_STREQ("metrics.k8s.io/v1beta1", group["preferredVersion"]["groupVersion"].GetString());
  rapidjson::Document aggregated = ParseJson(AggregatedDiscoveryJson(model, "v2"));
  ASSERT_EQ(1u, aggregated["items"].Size());
  EXPECT_EQ(2u, aggregated["items"][0]["versions"].Size());
}

}  // namespace
}  // namespace apiservice
