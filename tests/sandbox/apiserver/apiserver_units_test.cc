// Pure parts of the sandbox API server: selectors, printers, conversions, protobuf decoding, base64, discovery.
#include <gtest/gtest.h>

#include "sandbox/apiserver/base64.h"
#include "sandbox/apiserver/conversion.h"
#include "sandbox/apiserver/json_util.h"
#include "sandbox/apiserver/printers.h"
#include "sandbox/apiserver/resources.h"
#include "sandbox/apiserver/selectors.h"

namespace sandbox {
namespace {

rapidjson::Document Doc(const std::string& text) {
  auto d = json::Parse(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? std::move(*d) : rapidjson::Document(rapidjson::kObjectType);
}

// Query selectors are kube::LabelSelector; these cases pin what the server relies on.
TEST(LabelSelectorTest, Table) {
  const kube::Labels labels = {{"app", "x"}, {"tier", "web"}, {"n", "5"}};
  struct Case {
    const char* selector;
    bool matches;
  } cases[] = {
      {"", true},
      {"app=x", true},
      {"app==x", true},
      {"app!=x", false},
      {"app in (x,y)", true},
      {"app notin (x,y)", false},
      {"app", true},
      {"!app", false},
      {"!canary", true},
      {"app in (x,y),tier notin (db),!canary", true},
      {"k8s-app,app!=zz", false},
      {"n>4", true},
      {"n<4", false},
  };
  for (const auto& c : cases) {
    auto s = kube::LabelSelector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
    EXPECT_EQ(s->Matches(labels), c.matches) << c.selector;
  }
  EXPECT_FALSE(kube::LabelSelector::Parse("app in x").ok());
  EXPECT_FALSE(kube::LabelSelector::Parse("a=b=c").ok());
  EXPECT_FALSE(kube::LabelSelector::Parse("app,,x").ok());
}

TEST(FieldSelectorTest, MatchesPathsAndRejectsUnsupported) {
  auto pod = Doc(R"({"metadata":{"name":"a","namespace":"default"},"spec":{"nodeName":"n1","hostNetwork":true},"status":{"phase":"Running"}})");
  struct Case {
    const char* selector;
    bool matches;
  } cases[] = {
      {"metadata.name=a", true},   {"metadata.name!=a", false},         {"spec.nodeName==n1", true},
      {"status.phase=Pending", false}, {"spec.nodeName=,metadata.name=a", false},
      {"spec.hostNetwork=true", true}, {"status.podIP=", true},  // absent reads as ""
      {"metadata.namespace=default", true},
  };
  for (const auto& c : cases) {
    auto s = ParseFieldSelector(c.selector, "", "pods");
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
    EXPECT_EQ(FieldsMatch(*s, pod), c.matches) << c.selector;
  }
  auto bad = ParseFieldSelector("spec.nodeName=n1", "apps", "deployments");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "field label not supported: spec.nodeName");
  auto garbled = ParseFieldSelector("metadata.name", "", "pods");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().message, "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
}

TEST(FieldSelectorTest, FieldValueRendering) {
  auto obj = Doc(R"({"status":{"replicas":3,"phase":null},"spec":{"unschedulable":false}})");
  EXPECT_EQ(FieldValue(obj, "status.replicas"), "3");
  EXPECT_EQ(FieldValue(obj, "status.phase"), "");
  EXPECT_EQ(FieldValue(obj, "spec.unschedulable"), "false");
  EXPECT_EQ(FieldValue(obj, "spec.missing.deeper"), "");
}

TEST(SelectorStringTest, FromLabelSelectorAndMap) {
  auto s = Doc(R"({"matchLabels":{"b":"2","a":"1"},"matchExpressions":[{"key":"c","operator":"In","values":["y","x"]},{"key":"d","operator":"DoesNotExist"}]})");
  auto text = SelectorString(&s);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "a=1,b=2,c in (x,y),!d");
  auto rc = Doc(R"({"app":"x"})");
  ASSERT_TRUE(SelectorString(&rc).ok());
  EXPECT_EQ(*SelectorString(&rc), "app=x");
  ASSERT_TRUE(SelectorString(nullptr).ok());
  EXPECT_EQ(*SelectorString(nullptr), "");
  auto invalid = Doc(R"({"matchExpressions":[{"key":"c","operator":"Near","values":["x"]}]})");
  auto err = SelectorString(&invalid);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message, "\"Near\" is not a valid label selector operator");
}

TEST(PrintersTest, HumanDuration) {
  using std::chrono::seconds;
  EXPECT_EQ(HumanDuration(seconds(-5)), "<invalid>");
  EXPECT_EQ(HumanDuration(seconds(45)), "45s");
  EXPECT_EQ(HumanDuration(seconds(150)), "2m30s");
  EXPECT_EQ(HumanDuration(seconds(300)), "5m");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600 + 600)), "3h10m");
  EXPECT_EQ(HumanDuration(seconds(20 * 3600)), "20h");
  EXPECT_EQ(HumanDuration(seconds(3 * 86400 + 7200)), "3d2h");
  EXPECT_EQ(HumanDuration(seconds(30 * 86400)), "30d");
  EXPECT_EQ(HumanDuration(seconds(int64_t{3} * 365 * 86400)), "3y");
}

TEST(PrintersTest, HpaTargets) {
  EXPECT_EQ(HpaTargets(Doc(R"({"spec":{}})")), "<none>");
  EXPECT_EQ(HpaTargets(Doc(R"({"spec":{"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]}})")),
            "cpu: <unknown>/50%");
  EXPECT_EQ(
      HpaTargets(Doc(R"({"spec":{"metrics":[
        {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},
        {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
        {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"10"}}}]},
        "status":{"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":12}}},
        {"type":"Resource","resource":{"name":"memory","current":{"averageValue":"50Mi"}}}]}})")),
      "cpu: 12%/50%, memory: 50Mi/100Mi + 1 more...");
}

TEST(PrintersTest, NodeTable) {
  auto node = Doc(R"({"metadata":{"name":"node-1","creationTimestamp":"2026-11-24T00:00:00Z",
    "labels":{"node-role.kubernetes.io/control-plane":""}},"spec":{"unschedulable":true},
    "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.32.4"}}})");
  TableOptions options;
  options.now = *json::ParseTime("2026-11-24T00:05:00Z");
  auto table = Doc(RenderTable("", "nodes", {&node}, options));
  EXPECT_EQ(json::Serialize(table["rows"][0]["cells"]),
            R"(["node-1","Ready,SchedulingDisabled","control-plane","5m","v1.32.4","<none>","<none>","<none>","<none>","<none>"])");
  EXPECT_EQ(json::GetString(table["rows"][0]["object"], {"kind"}), "PartialObjectMetadata");
}

TEST(ConversionTest, HpaRoundTripKeepsWhatV1CannotExpress) {
  auto v2 = Doc(R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","spec":{"maxReplicas":5,"metrics":[
    {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},
    {"type":"Resource","resource":{"name":"memory","target":{"type":"Utilization","averageUtilization":70}}}]},
    "status":{"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":30}}}]}})");
  rapidjson::Document v1;
  v1.CopyFrom(v2, v1.GetAllocator());
  HpaV2ToV1(v1);
  EXPECT_EQ(json::GetInt(v1, {"spec", "targetCPUUtilizationPercentage"}), 50);
  EXPECT_EQ(json::GetInt(v1, {"status", "currentCPUUtilizationPercentage"}), 30);
  EXPECT_EQ(json::Find(v1, {"spec", "metrics"}), nullptr);
  json::SetInt(v1["spec"], "targetCPUUtilizationPercentage", 60, v1.GetAllocator());
  HpaV1ToV2(v1, &v2);
  EXPECT_EQ(json::Serialize(v1["spec"]["metrics"]),
            R"([{"type":"Resource","resource":{"name":"memory","target":{"type":"Utilization","averageUtilization":70}}},)"
            R"({"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}])");
}

// A string literal with embedded NULs, without its terminator.
template <size_t N>
std::string Bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

TEST(ConversionTest, DecodesKubectlAutoscaleProtobuf) {
  // The body kubectl v1.32 sent in tests/golden/kubectl-traces/autoscale.http.txt.
  const std::string body = Bytes(
      "k8s\x00\n)\n\x0e" "autoscaling/v1\x12\x17HorizontalPodAutoscaler\x12;\n\x11\n\x01x\x12\x00\x1a\x00\"\x00*\x00"
      "2\x00" "8\x00" "B\x00\x12 \n\x18\n\nDeployment\x12\x01x\x1a\x07" "apps/v1\x10\x01\x18\n 2\x1a\x04\x18\x00 \x00"
      "\x1a\x00\"\x00");
  auto doc = DecodeHpaProtobuf(body);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(json::Serialize(*doc),
            R"({"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"x"},)"
            R"("spec":{"scaleTargetRef":{"kind":"Deployment","name":"x","apiVersion":"apps/v1"},"minReplicas":1,"maxReplicas":10,"targetCPUUtilizationPercentage":50}})");

  // kubectl v1.33 sends autoscaling/v2 (k133_autoscale.http.txt).
  const std::string v2 = Bytes(
      "k8s\x00\n)\n\x0e" "autoscaling/v2\x12\x17HorizontalPodAutoscaler\x12]\n\x11\n\x01x\x12\x00\x1a\x00\"\x00*\x00"
      "2\x00" "8\x00" "B\x00\x12" "B\n\x18\n\nDeployment\x12\x01x\x1a\x07" "apps/v1\x10\x01\x18\n\"\"\n\x08Resource\"\x16\n\x03"
      "cpu\x12\x0f\n\x0bUtilization 2\x1a\x04\x18\x00 \x00\x1a\x00\"\x00");
  auto doc2 = DecodeHpaProtobuf(v2);
  ASSERT_TRUE(doc2.ok()) << doc2.error().message;
  EXPECT_EQ(json::Serialize((*doc2)["spec"]["metrics"]),
            R"([{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}])");

  EXPECT_FALSE(DecodeHpaProtobuf("{}").ok());
  EXPECT_FALSE(DecodeHpaProtobuf(std::string("k8s\x00\xff\xff", 6)).ok());
}

TEST(Base64Test, RoundTrip) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\x00\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)).value_or("<fail>"), s);
  }
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(Base64Decode("a*b").has_value());
}

TEST(ResourceRegistryTest, AggregatedDiscoveryOfStaleGroup) {
  ResourceRegistry registry;
  std::string doc = registry.AggregatedApis({AggregatedGroupVersion{"metrics.k8s.io", "v1beta1", false, ""}});
  EXPECT_NE(doc.find(R"({"metadata":{"name":"metrics.k8s.io","creationTimestamp":null},"versions":[{"version":"v1beta1","freshness":"Stale"}]})"),
            std::string::npos)
      << doc;
  ASSERT_NE(registry.Find("autoscaling", "v1", "horizontalpodautoscalers"), nullptr);
  EXPECT_EQ(registry.Find("autoscaling", "v1", "horizontalpodautoscalers")->storage.version, "v2");
}

}  // namespace
}  // namespace sandbox
