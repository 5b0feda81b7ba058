#include "metrics-server/api/metrics_encoding.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include "apiservice/proto/runtime.pb.h"
#include "metrics-server/api/proto/metrics.pb.h"
#include "tests/apiservice/json_test_util.h"
#include "tests/metrics-server/api/fixture.h"

namespace metrics_server {
namespace {

using apiservice_testing::Golden;
using metrics_api_testing::k022333;

std::vector<NodeItem> Nodes(const MetricsSnapshot& s, const ObjectMetadataSource& m) {
  std::vector<NodeItem> items;
  for (const NodeMetricsPoint& p : s.nodes) items.push_back({&p, m.NodeLabels(p.name)});
  return items;
}

std::vector<PodItem> Pods(const MetricsSnapshot& s, const ObjectMetadataSource& m, std::string_view ns,
                          std::string_view only_name = "") {
  std::vector<PodItem> items;
  for (const PodMetricsPoint& p : s.pods) {
    if (!ns.empty() && p.namespace_name != ns) continue;
    if (!only_name.empty() && p.name != only_name) continue;
    items.push_back({&p, m.PodLabels(p.namespace_name, p.name)});
  }
  return items;
}

EncodeOptions CreatedAt(int64_t seconds) {
  EncodeOptions o;
  o.creation_unix_seconds = seconds;
  return o;
}

class MetricsEncodingTest : public ::testing::Test {
 protected:
  std::unique_ptr<StaticMetadataSource> metadata_ = metrics_api_testing::Metadata();
};

TEST_F(MetricsEncodingTest, NodeMetricsListJsonMatchesGolden) {
  auto s = metrics_api_testing::Snapshot(k022333 - 4, k022333 - 5);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/NodeMetricsList.json"),
                 NodeMetricsListJson(Nodes(*s, *metadata_), CreatedAt(k022333 - 1)));
}

TEST_F(MetricsEncodingTest, NodeMetricsJsonMatchesGolden) {
  auto s = metrics_api_testing::Snapshot(k022333 - 3, k022333 - 5);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/NodeMetrics.json"),
                 NodeMetricsJson(Nodes(*s, *metadata_)[0], CreatedAt(k022333)));
}

TEST_F(MetricsEncodingTest, PodMetricsJsonMatchesGolden) {
  auto s = metrics_api_testing::Snapshot(k022333, k022333 - 5);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/PodMetrics.json"),
                 PodMetricsJson(Pods(*s, *metadata_, "default", "y-7f9c8d7b5-fghij")[0], CreatedAt(k022333)));
}

TEST_F(MetricsEncodingTest, PodMetricsListJsonMatchesGolden) {
  auto s = metrics_api_testing::Snapshot(k022333, k022333 - 5);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/PodMetricsList.json"),
                 PodMetricsListJson(Pods(*s, *metadata_, "default", "x-5d8f7c9b6-abcde"), CreatedAt(k022333)));
}

TEST_F(MetricsEncodingTest, TablesMatchGolden) {
  auto s = metrics_api_testing::Snapshot(k022333, k022333 - 5);
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/NodeMetrics.Table.json"),
                 NodeMetricsTableJson(Nodes(*s, *metadata_), CreatedAt(k022333 + 14)));
  EXPECT_JSON_EQ(Golden("kubectl-traces/samples/PodMetrics.Table.json"),
                 PodMetricsTableJson(Pods(*s, *metadata_, "default"), CreatedAt(k022333 + 13)));
}

TEST_F(MetricsEncodingTest, TableVariants) {
  auto s = metrics_api_testing::Snapshot(k022333, k022333 - 5);
  EncodeOptions o = CreatedAt(k022333);
  o.table_version = "v1beta1";
  o.table_object = TableObject::kNone;
  rapidjson::Document doc = apiservice_testing::ParseJson(PodMetricsTableJson(Pods(*s, *metadata_, ""), o));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ("meta.k8s.io/v1beta1", doc["apiVersion"].GetString());
  ASSERT_EQ(4u, doc["rows"].Size());
  EXPECT_FALSE(doc["rows"][0].HasMember("object"));
  o.table_object = TableObject::kFull;
  doc = apiservice_testing::ParseJson(PodMetricsTableJson(Pods(*s, *metadata_, ""), o));
  EXPECT_STREQ("PodMetrics", doc["rows"][2]["object"]["kind"].GetString());
  EXPECT_STREQ("kube-system", doc["rows"][2]["object"]["metadata"]["namespace"].GetString());
  EXPECT_STREQ("3141592n", doc["rows"][2]["object"]["containers"][0]["usage"]["cpu"].GetString());
  // Empty tables still describe their columns.
  doc = apiservice_testing::ParseJson(PodMetricsTableJson({}, o));
  EXPECT_EQ(4u, doc["columnDefinitions"].Size());
  EXPECT_EQ(0u, doc["rows"].Size());
}

TEST_F(MetricsEncodingTest, UnlabelledObjectsOmitLabels) {
  auto s = metrics_api_testing::Snapshot(k022333, k022333);
  NodeItem item{&s->nodes[0], nullptr};
  rapidjson::Document doc = apiservice_testing::ParseJson(NodeMetricsJson(item, CreatedAt(k022333)));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_FALSE(doc["metadata"].HasMember("labels"));
  EXPECT_FALSE(doc["metadata"].HasMember("namespace"));
}

TEST_F(MetricsEncodingTest, SpecialCharactersAreEscaped) {
  auto s = metrics_api_testing::Snapshot(k022333, k022333);
  s->pods[0].containers[0].name = "we\"ird\\name\n";
  auto labels = std::make_shared<const apiservice::Labels>(apiservice::Labels{{"k", "v\"\x01"}});
  PodItem item{&s->pods[0], labels};
  rapidjson::Document doc = apiservice_testing::ParseJson(PodMetricsJson(item, CreatedAt(k022333)));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ("we\"ird\\name\n", doc["containers"][0]["name"].GetString());
  EXPECT_STREQ("v\"\x01", doc["metadata"]["labels"]["k"].GetString());
}

TEST(QuantityFormatTest, CanonicalForms) {
  char buf[64];
  auto cpu = [&](uint64_t n) { return std::string(buf, FormatCpu(n, buf)); };
  auto mem = [&](uint64_t n) { return std::string(buf, FormatMemory(n, buf)); };
  EXPECT_EQ("0", cpu(0));
  EXPECT_EQ("250m", cpu(250000000));
  EXPECT_EQ("1500m", cpu(1500000000));
  EXPECT_EQ("4", cpu(4000000000));
  EXPECT_EQ("1234567n", cpu(1234567));
  EXPECT_EQ("1200u", cpu(1200000));
  EXPECT_EQ("0", mem(0));
  EXPECT_EQ("500", mem(500));
  EXPECT_EQ("1k", mem(1000));
  EXPECT_EQ("1Ki", mem(1024));
  EXPECT_EQ("64Mi", mem(64 * 1024 * 1024));
  EXPECT_EQ("13020Ki", mem(13332480));
  // Values beyond int64 saturate instead of wrapping negative.
  EXPECT_NE('-', cpu(~0ULL)[0]);
}

// Protobuf: decode the envelope and the raw object with the upstream message layouts and compare with what
// `protoc --decode` printed for the real bodies kubectl accepted (protobuf/*.decoded.txt).

struct DecodedGolden {
  std::string raw_text;  // the "# raw:" section
};

DecodedGolden ReadDecoded(const std::string& name) {
  const std::string text = Golden("kubectl-traces/protobuf/" + name);
  const std::size_t raw = text.find("# raw:\n");
  const std::size_t hex = text.find("# hexdump");
  DecodedGolden g;
  if (raw == std::string::npos || hex == std::string::npos) return g;
  g.raw_text = text.substr(raw + 7, hex - raw - 7);
  while (!g.raw_text.empty() && g.raw_text.back() == '\n') g.raw_text.pop_back();
  return g;
}

template <typename Message>
std::string DecodeBody(const std::string& body, std::string_view kind) {
  EXPECT_EQ(std::string("k8s\0", 4), body.substr(0, 4));
  k8s::io::apimachinery::pkg::runtime::Unknown unknown;
  EXPECT_TRUE(unknown.ParseFromString(body.substr(4)));
  EXPECT_EQ("metrics.k8s.io/v1beta1", unknown.typemeta().apiversion());
  EXPECT_EQ(kind, unknown.typemeta().kind());
  EXPECT_TRUE(unknown.has_contentencoding());
  EXPECT_TRUE(unknown.has_contenttype());
  Message m;
  EXPECT_TRUE(m.ParseFromString(unknown.raw()));
  std::string text;
  google::protobuf::TextFormat::PrintToString(m, &text);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

TEST_F(MetricsEncodingTest, NodeMetricsListProtobufIsByteIdenticalToUpstream) {
  // Times of the golden body: scraped 02:16:15, served 02:16:18.
  auto s = metrics_api_testing::Snapshot(1795486575, 1795486573);
  // The golden body lists node-1 only.
  const std::vector<NodeItem> nodes = Nodes(*s, *metadata_);
  const std::string body = NodeMetricsListProtobuf(std::span<const NodeItem>(nodes.data(), 1), CreatedAt(1795486578));
  EXPECT_EQ(Golden("kubectl-traces/protobuf/NodeMetricsList.k8s-protobuf.bin"), body);
  EXPECT_EQ(ReadDecoded("NodeMetricsList.decoded.txt").raw_text,
            DecodeBody<k8s::io::metrics::pkg::apis::metrics::v1beta1::NodeMetricsList>(body, "NodeMetricsList"));
}

TEST_F(MetricsEncodingTest, PodMetricsListProtobufDecodesLikeUpstream) {
  auto s = metrics_api_testing::Snapshot(1795486575, 1795486573);
  const std::string body = PodMetricsListProtobuf(Pods(*s, *metadata_, "default"), CreatedAt(1795486578));
  std::string expected = ReadDecoded("PodMetricsList.decoded.txt").raw_text;
  // The golden server spelled 250 millicores "250000000n"; the canonical form (what upstream's Quantity.String()
  // gives and what the JSON samples show) is "250m". Same value.
  const std::size_t pos = expected.find("\"250000000n\"");
  ASSERT_NE(std::string::npos, pos);
  expected.replace(pos, 12, "\"250m\"");
  EXPECT_EQ(expected,
            DecodeBody<k8s::io::metrics::pkg::apis::metrics::v1beta1::PodMetricsList>(body, "PodMetricsList"));
  // Up to the first differing quantity the bytes are upstream's.
  const std::string golden = Golden("kubectl-traces/protobuf/PodMetricsList.k8s-protobuf.bin");
  const std::size_t y = golden.find("y-7f9c8d7b5-fghij");
  ASSERT_NE(std::string::npos, y);
  const std::size_t x_end = golden.rfind("10Mi", y);
  ASSERT_NE(std::string::npos, x_end);
  // Skip the envelope's outer lengths (they differ by the 6 bytes saved by "250m") and compare the first pod.
  const std::size_t x_begin = golden.find("x-5d8f7c9b6-abcde");
  EXPECT_EQ(golden.substr(x_begin, x_end - x_begin), body.substr(body.find("x-5d8f7c9b6-abcde"), x_end - x_begin));
}

TEST_F(MetricsEncodingTest, SingleObjectsInProtobuf) {
  auto s = metrics_api_testing::Snapshot(1795486575, 1795486573);
  const std::string node = NodeMetricsProtobuf(Nodes(*s, *metadata_)[1], CreatedAt(1795486578));
  const std::string text = DecodeBody<k8s::io::metrics::pkg::apis::metrics::v1beta1::NodeMetrics>(node, "NodeMetrics");
  EXPECT_NE(std::string::npos, text.find("name: \"node-2\""));
  EXPECT_NE(std::string::npos, text.find("string: \"2345678901n\""));
  const std::string pod = PodMetricsProtobuf(Pods(*s, *metadata_, "kube-system")[0], CreatedAt(1795486578));
  const std::string pod_text = DecodeBody<k8s::io::metrics::pkg::apis::metrics::v1beta1::PodMetrics>(pod, "PodMetrics");
  EXPECT_NE(std::string::npos, pod_text.find("namespace: \"kube-system\""));
  EXPECT_NE(std::string::npos, pod_text.find("duration: 15009000000"));
  EXPECT_NE(std::string::npos, pod_text.find("string: \"13500Ki\""));
}

TEST_F(MetricsEncodingTest, EmptyListsAreValid) {
  EXPECT_JSON_EQ(R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[]})",
                 PodMetricsListJson({}, CreatedAt(0)));
  EXPECT_EQ("metadata {\n  selfLink: \"\"\n  resourceVersion: \"\"\n  continue: \"\"\n}",
            DecodeBody<k8s::io::metrics::pkg::apis::metrics::v1beta1::NodeMetricsList>(
                NodeMetricsListProtobuf({}, CreatedAt(0)), "NodeMetricsList"));
}

}  // namespace
}  // namespace metrics_server
