// Our Kubernetes-protobuf bodies read by the real `protoc --decode_raw`, which knows no schema: it shows the
// bare field numbers and nesting. They must match what the same tool shows for the upstream bodies kubectl
// decoded (tests/golden/kubectl-traces/protobuf/*.bin), so the layout is upstream's field by field, not merely
// something our own generated classes accept.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "metrics-server/api/metrics_encoding.h"
#include "tests/apiservice/json_test_util.h"
#include "tests/metrics-server/api/fixture.h"

namespace metrics_server {
namespace {

using apiservice_testing::Golden;

// protoc --decode_raw of a body without its "k8s\0" magic. Empty on failure (with a test failure).
std::string DecodeRaw(const std::string& body) {
  if (body.compare(0, 4, std::string("k8s\0", 4)) != 0) {
    ADD_FAILURE() << "body does not start with the k8s magic";
    return "";
  }
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("kma-decode-raw-" + std::to_string(::getpid()) + ".bin")).string();
  {
    std::ofstream out(path, std::ios::binary);
    out.write(body.data() + 4, static_cast<std::streamsize>(body.size() - 4));
  }
  const std::string command = std::string(KMA_PROTOC) + " --decode_raw < " + path + " 2>&1";
  std::string text;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
    const int rc = ::pclose(pipe);
    EXPECT_EQ(0, rc) << command << "\n" << text;
  } else {
    ADD_FAILURE() << "cannot run " << command;
  }
  std::filesystem::remove(path);
  return text;
}

class ProtocDecodeRawTest : public ::testing::Test {
 protected:
  std::unique_ptr<StaticMetadataSource> metadata_ = metrics_api_testing::Metadata();
};

TEST_F(ProtocDecodeRawTest, NodeMetricsListHasUpstreamFieldLayout) {
  // Times of the golden body: scraped 02:16:15, served 02:16:18; it lists node-1 only.
  auto s = metrics_api_testing::Snapshot(1795486575, 1795486573);
  std::vector<NodeItem> nodes;
  for (const NodeMetricsPoint& p : s->nodes) nodes.push_back({&p, metadata_->NodeLabels(p.name)});
  EncodeOptions options;
  options.creation_unix_seconds = 1795486578;
  const std::string ours = DecodeRaw(NodeMetricsListProtobuf(std::span<const NodeItem>(nodes.data(), 1), options));
  const std::string upstream = DecodeRaw(Golden("kubectl-traces/protobuf/NodeMetricsList.k8s-protobuf.bin"));
  ASSERT_FALSE(upstream.empty());
  EXPECT_EQ(upstream, ours);
  // The envelope as runtime.Unknown: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType.
  EXPECT_EQ(0u, ours.find("1 {\n  1: \"metrics.k8s.io/v1beta1\"\n  2: \"NodeMetricsList\"\n}\n2 {\n")) << ours;
}

TEST_F(ProtocDecodeRawTest, PodMetricsListHasUpstreamFieldLayout) {
  auto s = metrics_api_testing::Snapshot(1795486575, 1795486573);
  std::vector<PodItem> pods;
  for (const PodMetricsPoint& p : s->pods) {
    if (p.namespace_name == "default") pods.push_back({&p, metadata_->PodLabels(p.namespace_name, p.name)});
  }
  EncodeOptions options;
  options.creation_unix_seconds = 1795486578;
  const std::string ours = DecodeRaw(PodMetricsListProtobuf(pods, options));
  std::string upstream = DecodeRaw(Golden("kubectl-traces/protobuf/PodMetricsList.k8s-protobuf.bin"));
  ASSERT_FALSE(upstream.empty());
  // The golden server spelled 250 millicores "250000000n"; we write the canonical "250m" (same value, what
  // upstream's Quantity.String() gives). Everything else, every field number and nesting level, is the same.
  const std::size_t pos = upstream.find("\"250000000n\"");
  ASSERT_NE(std::string::npos, pos) << upstream;
  upstream.replace(pos, 12, "\"250m\"");
  EXPECT_EQ(upstream, ours);
  EXPECT_EQ(0u, ours.find("1 {\n  1: \"metrics.k8s.io/v1beta1\"\n  2: \"PodMetricsList\"\n}\n2 {\n")) << ours;
}

}  // namespace
}  // namespace metrics_server
