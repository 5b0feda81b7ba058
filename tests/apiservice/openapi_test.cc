#include "apiservice/openapi.h"

#include <gtest/gtest.h>

#include "tests/apiservice/json_test_util.h"

namespace apiservice {
namespace {

using apiservice_testing::ParseJson;

OpenApiModel Model() {
  OpenApiModel m;
  m.title = "test";
  m.version = "v1";
  GroupVersionInfo gv;
  gv.group = "metrics.k8s.io";
  gv.version = "v1beta1";
  gv.resources.push_back({"nodes", "NodeMetrics", false, {"get", "list"}, "nodemetrics", "", {}});
  gv.resources.push_back({"pods", "PodMetrics", true, {"get", "list"}, "podmetrics", "", {}});
  m.groups = {gv};
  m.definition_prefix = "p.";
  m.schemas = {{"p.NodeMetrics", R"({"type":"object"})"},
               {"p.NodeMetricsList", R"({"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/definitions/p.NodeMetrics"}}}})"},
               {"p.PodMetrics", R"({"type":"object"})"},
               {"p.PodMetricsList", R"({"type":"object"})"}};
  return m;
}

// Every "$ref" in the document points at a schema the document defines.
void ExpectRefsResolve(const rapidjson::Value& v, const rapidjson::Value& schemas, const std::string& prefix) {
  if (v.IsObject()) {
    for (auto& m : v.GetObject()) {
      if (std::string(m.name.GetString()) == "$ref") {
        std::string ref = m.value.GetString();
        ASSERT_EQ(0u, ref.find(prefix)) << ref;
        EXPECT_TRUE(schemas.HasMember(ref.substr(prefix.size()).c_str())) << ref;
      } else {
        ExpectRefsResolve(m.value, schemas, prefix);
      }
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) ExpectRefsResolve(e, schemas, prefix);
  }
}

TEST(OpenApiTest, V2) {
  rapidjson::Document doc = ParseJson(OpenApiV2Json(Model()));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ("2.0", doc["swagger"].GetString());
  const rapidjson::Value& paths = doc["paths"];
  for (const char* p : {"/apis/metrics.k8s.io/v1beta1/nodes", "/apis/metrics.k8s.io/v1beta1/nodes/{name}",
                        "/apis/metrics.k8s.io/v1beta1/pods", "/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods",
                        "/apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{name}"}) {
    EXPECT_TRUE(paths.HasMember(p)) << p;
  }
  EXPECT_EQ(5u, paths.MemberCount());
  ExpectRefsResolve(doc, doc["definitions"], "#/definitions/");
}

TEST(OpenApiTest, V3IndexAndDocument) {
  const OpenApiModel m = Model();
  rapidjson::Document index = ParseJson(OpenApiV3IndexJson(m));
  ASSERT_TRUE(index.IsObject());
  const std::string url = index["paths"]["apis/metrics.k8s.io/v1beta1"]["serverRelativeURL"].GetString();
  EXPECT_EQ(0u, url.find("/openapi/v3/apis/metrics.k8s.io/v1beta1?hash="));

  rapidjson::Document doc = ParseJson(OpenApiV3GroupVersionJson(m, "apis/metrics.k8s.io/v1beta1"));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ("3.0.0", doc["openapi"].GetString());
  EXPECT_EQ(5u, doc["paths"].MemberCount());
  ExpectRefsResolve(doc, doc["components"]["schemas"], "#/components/schemas/");
  EXPECT_EQ("", OpenApiV3GroupVersionJson(m, "apis/apps/v1"));
}

}  // namespace
}  // namespace apiservice
