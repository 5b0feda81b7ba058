#include "metrics-server/scrape/prometheus_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace metrics_server {
namespace {

constexpr int64_t kDefaultMs = 1'700'000'000'000;

// The shape of a real kubelet 1.29 /metrics/resource answer (families sorted by name, series sorted by labels).
constexpr std::string_view kKubeletBody =
    "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n"
    "# TYPE container_cpu_usage_seconds_total counter\n"
    "container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 4.023963427 1713449932367\n"
    "container_cpu_usage_seconds_total{container=\"etcd\",namespace=\"kube-system\",pod=\"etcd-node-1\"} 351.5 1713449932100\n"
    "container_cpu_usage_seconds_total{container=\"sidecar\",namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 0.5 1713449932367\n"
    "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes\n"
    "# TYPE container_memory_working_set_bytes gauge\n"
    "container_memory_working_set_bytes{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 1.5060992e+07 1713449932367\n"
    "container_memory_working_set_bytes{container=\"etcd\",namespace=\"kube-system\",pod=\"etcd-node-1\"} 4.2e+07 1713449932100\n"
    "container_memory_working_set_bytes{container=\"sidecar\",namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 1024 1713449932367\n"
    "# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds\n"
    "# TYPE container_start_time_seconds gauge\n"
    "container_start_time_seconds{container=\"coredns\",namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 1.7134495e+09 1713449500123\n"
    "container_start_time_seconds{container=\"etcd\",namespace=\"kube-system\",pod=\"etcd-node-1\"} 1.713449e+09 1713449000000\n"
    "container_start_time_seconds{container=\"sidecar\",namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 1.7134495e+09 1713449500123\n"
    "# HELP container_swap_usage_bytes [ALPHA] Current amount of the container swap usage in bytes.\n"
    "# TYPE container_swap_usage_bytes gauge\n"
    "container_swap_usage_bytes{container=\"etcd\",namespace=\"kube-system\",pod=\"etcd-node-1\"} 4096 1713449932100\n"
    "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds\n"
    "# TYPE node_cpu_usage_seconds_total counter\n"
    "node_cpu_usage_seconds_total 357.35491 1713449932367\n"
    "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n"
    "# TYPE node_memory_working_set_bytes gauge\n"
    "node_memory_working_set_bytes 1.616273408e+09 1713449932367\n"
    "# HELP node_swap_usage_bytes [ALPHA] Current swap usage of the node in bytes.\n"
    "# TYPE node_swap_usage_bytes gauge\n"
    "node_swap_usage_bytes 0 1713449932367\n"
    "# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds\n"
    "# TYPE pod_cpu_usage_seconds_total counter\n"
    "pod_cpu_usage_seconds_total{namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 4.6 1713449932367\n"
    "# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes\n"
    "# TYPE pod_memory_working_set_bytes gauge\n"
    "pod_memory_working_set_bytes{namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 1.5355904e+07 1713449932367\n"
    "# HELP pod_swap_usage_bytes [ALPHA] Current amount of the pod swap usage in bytes.\n"
    "# TYPE pod_swap_usage_bytes gauge\n"
    "pod_swap_usage_bytes{namespace=\"kube-system\",pod=\"coredns-55fddfc79-6gx5j\"} 0 1713449932367\n"
    "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n"
    "# TYPE resource_scrape_error gauge\n"
    "resource_scrape_error 0\n";

NodeBatch Parse(std::string_view body) {
  PrometheusParser parser;
  NodeBatch batch;
  parser.Parse(body, kDefaultMs, &batch);
  return batch;
}

const ContainerSample* FindContainer(const NodeBatch& b, std::string_view ns, std::string_view pod,
                                     std::string_view name) {
  for (const PodSample& p : b.pods) {
    if (b.str(p.namespace_name) != ns || b.str(p.name) != pod) continue;
    for (uint32_t i = p.first_container; i < p.first_container + p.container_count; ++i) {
      if (b.str(b.containers[i].name) == name) return &b.containers[i];
    }
  }
  return nullptr;
}

TEST(PrometheusParserTest, ParsesKubeletBody) {
  NodeBatch b = Parse(kKubeletBody);
  EXPECT_EQ(b.stats.invalid_lines, 0u) << b.stats.first_error;
  EXPECT_EQ(b.stats.unknown_samples, 0u);
  EXPECT_EQ(b.stats.samples, 17u);

  EXPECT_EQ(b.node.cumulative_cpu_ns, static_cast<uint64_t>(357.35491 * 1e9));
  EXPECT_EQ(b.node.memory_bytes, 1616273408u);
  EXPECT_EQ(b.node.timestamp_ns, 1713449932367 * 1'000'000);
  EXPECT_TRUE(b.has_node_swap);
  EXPECT_TRUE(b.has_scrape_error);
  EXPECT_EQ(b.scrape_error, 0);

  ASSERT_EQ(b.pods.size(), 2u);
  EXPECT_EQ(b.str(b.pods[0].name), "coredns-55fddfc79-6gx5j");
  EXPECT_EQ(b.str(b.pods[1].name), "etcd-node-1");
  EXPECT_EQ(b.pods[0].container_count, 2u);
  EXPECT_EQ(b.pods[1].container_count, 1u);
  EXPECT_EQ(b.pods[1].first_container, 2u);
  EXPECT_EQ(b.str(b.containers[0].name), "coredns");
  EXPECT_EQ(b.str(b.containers[1].name), "sidecar");
  EXPECT_EQ(b.pods[0].pod_level.cumulative_cpu_ns, static_cast<uint64_t>(4.6 * 1e9));
  EXPECT_EQ(b.pods[0].pod_level.memory_bytes, 15355904u);
  EXPECT_TRUE(b.pods[0].has_swap);

  const ContainerSample* coredns = FindContainer(b, "kube-system", "coredns-55fddfc79-6gx5j", "coredns");
  ASSERT_NE(coredns, nullptr);
  // Same conversion as upstream: uint64(value * 1e9), truncating.
  EXPECT_EQ(coredns->point.cumulative_cpu_ns, static_cast<uint64_t>(4.023963427 * 1e9));
  EXPECT_EQ(coredns->point.memory_bytes, 15060992u);
  EXPECT_EQ(coredns->point.timestamp_ns, 1713449932367 * 1'000'000);
  EXPECT_EQ(coredns->point.start_time_ns, 1713449500000000000);
  EXPECT_FALSE(coredns->has_swap);

  const ContainerSample* etcd = FindContainer(b, "kube-system", "etcd-node-1", "etcd");
  ASSERT_NE(etcd, nullptr);
  EXPECT_EQ(etcd->point.cumulative_cpu_ns, 351500000000u);
  EXPECT_EQ(etcd->point.timestamp_ns, 1713449932100 * 1'000'000);
  EXPECT_TRUE(etcd->has_swap);
  EXPECT_EQ(etcd->swap_bytes, 4096u);
}

TEST(PrometheusParserTest, LineOrderDoesNotMatter) {
  std::vector<std::string> lines;
  std::string_view rest = kKubeletBody;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    lines.emplace_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  std::reverse(lines.begin(), lines.end());
  std::string reversed;
  for (const std::string& l : lines) reversed += l + "\n";

  NodeBatch a = Parse(kKubeletBody);
  NodeBatch b = Parse(reversed);
  EXPECT_EQ(b.stats.invalid_lines, 0u);
  EXPECT_EQ(a.node.cumulative_cpu_ns, b.node.cumulative_cpu_ns);
  EXPECT_EQ(a.node.timestamp_ns, b.node.timestamp_ns);
  ASSERT_EQ(a.containers.size(), b.containers.size());
  for (size_t i = 0; i < a.containers.size(); ++i) {
    EXPECT_EQ(a.str(a.containers[i].name), b.str(b.containers[i].name));
    EXPECT_EQ(a.containers[i].point.cumulative_cpu_ns, b.containers[i].point.cumulative_cpu_ns);
    EXPECT_EQ(a.containers[i].point.memory_bytes, b.containers[i].point.memory_bytes);
    EXPECT_EQ(a.containers[i].point.timestamp_ns, b.containers[i].point.timestamp_ns);
    EXPECT_EQ(a.containers[i].point.start_time_ns, b.containers[i].point.start_time_ns);
  }
}

// Each line alone must be accepted as a well-formed sample (Prometheus text format 0.0.4 rules).
TEST(PrometheusParserTest, ValidLines) {
  const std::vector<std::string> valid = {
      "node_cpu_usage_seconds_total 1",
      "node_cpu_usage_seconds_total 1 1700000000000",
      "node_cpu_usage_seconds_total 1 -1",
      "  node_cpu_usage_seconds_total\t1   ",
      "node_cpu_usage_seconds_total{} 1",
      "node_cpu_usage_seconds_total {} 1",
      "node_cpu_usage_seconds_total{}1",
      "some:recording_rule 3",
      "_underscore 1",
      "x{a=\"b\",} 1",
      "x{ a = \"b\" , c=\"d\" } 1",
      "x{a=\"\"} 1",
      "x{a=\"with \\\"quote\\\" and \\\\ and \\n\"} 1",
      "x{a=\"unknown \\t escape kept\"} 1",
      "x{a=\"{},= #\"} 1",
      "x{a=\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"} 1",
      "x 1.5e+07",
      "x 1.5E-3",
      "x .5",
      "x 5.",
      "x -0",
      "x +Inf",
      "x -Inf",
      "x Inf",
      "x inf",
      "x NaN",
      "x nan",
      "x 1e308",
      "x 1 1700000000000\r",
  };
  for (const std::string& line : valid) {
    NodeBatch b = Parse(line);
    EXPECT_EQ(b.stats.invalid_lines, 0u) << "line: " << line << " error: " << b.stats.first_error;
    EXPECT_EQ(b.stats.samples, 1u) << line;
  }
}

TEST(PrometheusParserTest, InvalidLines) {
  const std::vector<std::string> invalid = {
      "1abc 1",
      "-x 1",
      "x-y 1",
      "x",
      "x ",
      "x{}",
      "x{a=\"b\"}",
      "x{a=\"b\" 1",
      "x{a=\"b} 1",
      "x{a=b} 1",
      "x{a} 1",
      "x{=\"b\"} 1",
      "x{1a=\"b\"} 1",
      "x{a:b=\"c\"} 1",
      "x{,} 1",
      "x{a=\"b\"c=\"d\"} 1",
      "x{a=\"b\",,c=\"d\"} 1",
      "x{a=\"\\\"} 1",
      "x{a=\"\xff\"} 1",
      "x{a=\"\xc0\xaf\"} 1",
      "x{a=\"\xed\xa0\x80\"} 1",
      "x abc",
      "x 1,5",
      "x 0x10",
      "x +-1",
      "x nan(1)",
      "x 1e999",
      "x 1 abc",
      "x 1 12.5",
      "x 1 1 1",
      "x 1 99999999999999999999",
      "x{pod=\"a\",pod=\"b\"} 1",
      "# TYPE x bogus",
      "# TYPE ",
      "# HELP \t",
      "# HELP 1x text",
      "node_cpu_usage_seconds_total -1",
      "node_cpu_usage_seconds_total NaN",
      "node_memory_working_set_bytes +Inf",
      "node_cpu_usage_seconds_total 1 9300000000000000",
      "container_cpu_usage_seconds_total{namespace=\"n\",pod=\"p\"} 1",
      "container_cpu_usage_seconds_total{namespace=\"n\",container=\"c\"} 1",
      "container_cpu_usage_seconds_total{namespace=\"\",pod=\"p\",container=\"c\"} 1",
      "pod_cpu_usage_seconds_total{pod=\"p\"} 1",
      "container_start_time_seconds{namespace=\"n\",pod=\"p\",container=\"c\"} 1e300",
  };
  for (const std::string& line : invalid) {
    NodeBatch b = Parse(line);
    EXPECT_EQ(b.stats.invalid_lines, 1u) << "line: " << line;
    EXPECT_EQ(b.stats.first_error_line, 1u) << line;
    EXPECT_FALSE(b.stats.first_error.empty()) << line;
    EXPECT_TRUE(b.pods.empty()) << line;
    EXPECT_EQ(b.node.cumulative_cpu_ns, 0u) << line;
  }
}

TEST(PrometheusParserTest, CommentsAndBlankLines) {
  NodeBatch b = Parse(
      "\n"
      "   \n"
      "#\n"
      "#no space comment\n"
      "# TYPE\n"
      "# just a comment\n"
      "# HELP\n"
      "# HELPER text\n"
      "# HELP x\n"
      "# HELP x some \\\\ text with \"quotes\"\n"
      "# TYPE x counter\n"
      "# TYPE x   gauge  \n"
      "# TYPE x untyped\n"
      "# TYPE x histogram\n"
      "# TYPE x summary\n"
      "\t# indented comment\n");
  EXPECT_EQ(b.stats.invalid_lines, 0u) << b.stats.first_error << " at " << b.stats.first_error_line;
  EXPECT_EQ(b.stats.samples, 0u);
  EXPECT_EQ(b.stats.lines, 16u);
}

TEST(PrometheusParserTest, EscapedLabelValuesAreUnescaped) {
  NodeBatch b = Parse(
      "container_cpu_usage_seconds_total{container=\"c\\\"1\",namespace=\"ns\\\\x\",pod=\"p\\nq\"} 2 1000\n"
      "container_memory_working_set_bytes{container=\"c\\\"1\",namespace=\"ns\\\\x\",pod=\"p\\nq\"} 3 1000\n"
      "container_memory_working_set_bytes{container=\"c\\t\",namespace=\"ns\\\\x\",pod=\"p\\nq\"} 3 1000\n");
  EXPECT_EQ(b.stats.invalid_lines, 0u) << b.stats.first_error;
  ASSERT_EQ(b.pods.size(), 1u);
  EXPECT_EQ(b.str(b.pods[0].namespace_name), "ns\\x");
  EXPECT_EQ(b.str(b.pods[0].name), "p\nq");
  ASSERT_EQ(b.containers.size(), 2u);
  EXPECT_EQ(b.str(b.containers[0].name), "c\"1");
  EXPECT_EQ(b.containers[0].point.cumulative_cpu_ns, 2'000'000'000u);
  EXPECT_EQ(b.containers[0].point.memory_bytes, 3u);
  EXPECT_EQ(b.str(b.containers[1].name), "c\\t");
}

TEST(PrometheusParserTest, CrLfAndMissingFinalNewline) {
  NodeBatch b = Parse(
      "# TYPE node_cpu_usage_seconds_total counter\r\n"
      "node_cpu_usage_seconds_total 10 2000\r\n"
      "\r\n"
      "node_memory_working_set_bytes 20 2000");
  EXPECT_EQ(b.stats.invalid_lines, 0u) << b.stats.first_error;
  EXPECT_EQ(b.stats.lines, 4u);
  EXPECT_EQ(b.node.cumulative_cpu_ns, 10'000'000'000u);
  EXPECT_EQ(b.node.memory_bytes, 20u);
  EXPECT_EQ(b.node.timestamp_ns, 2000 * 1'000'000);
}

TEST(PrometheusParserTest, TimestampDefaultsToScrapeTime) {
  NodeBatch b = Parse("node_cpu_usage_seconds_total 10\nnode_memory_working_set_bytes 20\n");
  EXPECT_EQ(b.node.timestamp_ns, kDefaultMs * 1'000'000);
}

TEST(PrometheusParserTest, NodeTimestampComesFromCpuLineFirst) {
  // Upstream: the CPU line sets the timestamp; the memory line only when none is set yet.
  NodeBatch mem_first = Parse("node_memory_working_set_bytes 20 1000\nnode_cpu_usage_seconds_total 10 2000\n");
  EXPECT_EQ(mem_first.node.timestamp_ns, 2000 * 1'000'000);
  NodeBatch cpu_first = Parse("node_cpu_usage_seconds_total 10 2000\nnode_memory_working_set_bytes 20 1000\n");
  EXPECT_EQ(cpu_first.node.timestamp_ns, 2000 * 1'000'000);
  NodeBatch mem_only = Parse("node_memory_working_set_bytes 20 1000\n");
  EXPECT_EQ(mem_only.node.timestamp_ns, 1000 * 1'000'000);
  EXPECT_FALSE(IsComplete(mem_only.node));
}

TEST(PrometheusParserTest, GarbageLinesAreCountedAndGoodLinesKept) {
  NodeBatch b = Parse(
      "node_cpu_usage_seconds_total 10 2000\n"
      "this is { garbage\n"
      "node_memory_working_set_bytes 20 2000\n"
      "\x01\x02\x03\n"
      "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 1 2000\n"
      "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"\n"
      "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p\"} 5 2000\n");
  EXPECT_EQ(b.stats.invalid_lines, 3u);
  EXPECT_EQ(b.stats.first_error_line, 2u);
  EXPECT_EQ(b.stats.samples, 4u);
  EXPECT_TRUE(IsComplete(b.node));
  ASSERT_EQ(b.containers.size(), 1u);
  EXPECT_TRUE(IsComplete(b.containers[0].point));
}

TEST(PrometheusParserTest, UnknownMetricsAreSkipped) {
  NodeBatch b = Parse(
      "go_goroutines 42\n"
      "container_cpu_usage_seconds_total_extra{container=\"c\",namespace=\"n\",pod=\"p\"} 1\n"
      "node_cpu_usage_seconds 7\n"
      "node_cpu_usage_seconds_total 10 2000\n");
  EXPECT_EQ(b.stats.invalid_lines, 0u);
  EXPECT_EQ(b.stats.unknown_samples, 3u);
  EXPECT_TRUE(b.pods.empty());
  EXPECT_EQ(b.node.cumulative_cpu_ns, 10'000'000'000u);
}

TEST(PrometheusParserTest, OldScrapeErrorNameAndValue) {
  NodeBatch b = Parse("scrape_error 1\n");
  EXPECT_TRUE(b.has_scrape_error);
  EXPECT_EQ(b.scrape_error, 1);
}

TEST(PrometheusParserTest, PodLevelLinesAloneMakeAPodWithoutContainers) {
  NodeBatch b = Parse("pod_memory_working_set_bytes{namespace=\"n\",pod=\"p\"} 5 3000\n");
  ASSERT_EQ(b.pods.size(), 1u);
  EXPECT_EQ(b.pods[0].container_count, 0u);
  EXPECT_EQ(b.pods[0].pod_level.memory_bytes, 5u);
  EXPECT_EQ(b.pods[0].pod_level.timestamp_ns, int64_t{3000} * 1'000'000);
}

TEST(PrometheusParserTest, ExtraLabelsAreIgnored) {
  NodeBatch b = Parse(
      "container_cpu_usage_seconds_total{id=\"/x\",container=\"c\",image=\"i\",namespace=\"n\",pod=\"p\",z=\"\"} 1\n");
  EXPECT_EQ(b.stats.invalid_lines, 0u) << b.stats.first_error;
  ASSERT_EQ(b.containers.size(), 1u);
  EXPECT_EQ(b.str(b.containers[0].name), "c");
}

TEST(PrometheusParserTest, ManyPodsAndReuseLeavesNoTrace) {
  std::string body;
  for (int i = 0; i < 500; ++i) {
    for (const char* c : {"a", "b"}) {
      body += "container_cpu_usage_seconds_total{container=\"" + std::string(c) + "\",namespace=\"ns" +
              std::to_string(i % 7) + "\",pod=\"pod-" + std::to_string(i) + "\"} " + std::to_string(i + 1) +
              " 5000\n";
    }
  }
  PrometheusParser parser;
  NodeBatch b;
  parser.Parse(body, kDefaultMs, &b);
  EXPECT_EQ(b.stats.invalid_lines, 0u);
  ASSERT_EQ(b.pods.size(), 500u);
  ASSERT_EQ(b.containers.size(), 1000u);
  for (size_t i = 1; i < b.pods.size(); ++i) {
    auto prev = std::make_pair(b.str(b.pods[i - 1].namespace_name), b.str(b.pods[i - 1].name));
    auto cur = std::make_pair(b.str(b.pods[i].namespace_name), b.str(b.pods[i].name));
    EXPECT_LT(prev, cur);
    EXPECT_EQ(b.pods[i].container_count, 2u);
  }
  const ContainerSample* c = FindContainer(b, "ns3", "pod-17", "b");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->point.cumulative_cpu_ns, 18'000'000'000u);

  parser.Parse("container_cpu_usage_seconds_total{container=\"x\",namespace=\"n\",pod=\"p\"} 1\n", kDefaultMs, &b);
  EXPECT_EQ(b.pods.size(), 1u);
  EXPECT_EQ(b.containers.size(), 1u);
  EXPECT_EQ(b.stats.samples, 1u);
  EXPECT_EQ(b.stats.lines, 1u);
}

TEST(PrometheusParserTest, FloatSyntax) {
  struct Case {
    std::string token;
    bool ok;
    double value;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<Case> cases = {
      {"0", true, 0},           {"1", true, 1},          {"-2.5", true, -2.5},   {"+2.5", true, 2.5},
      {"1e3", true, 1000},      {"1E-3", true, 0.001},   {"1.5e+07", true, 1.5e7}, {".5", true, 0.5},
      {"+Inf", true, inf},      {"-Inf", true, -inf},    {"Inf", true, inf},     {"infinity", true, inf},
      {"", false, 0},           {"+", false, 0},         {"-", false, 0},        {"1e", false, 0},
      {"abc", false, 0},        {"1.2.3", false, 0},     {"--1", false, 0},      {"1 ", false, 0},
  };
  for (const Case& c : cases) {
    double v = 0;
    EXPECT_EQ(ParsePrometheusFloat(c.token, &v), c.ok) << c.token;
    if (c.ok) {
      EXPECT_EQ(v, c.value) << c.token;
    }
  }
  double nan = 0;
  EXPECT_TRUE(ParsePrometheusFloat("NaN", &nan));
  EXPECT_TRUE(std::isnan(nan));
}

// The parser has a fast path for short decimals; it must agree bit for bit with the C library's conversion.
TEST(PrometheusParserTest, FloatFastPathMatchesStrtod) {
  std::mt19937_64 rng(42);
  const char* formats[] = {"%.3f", "%.9f", "%.17g", "%.6e", "%.9g", "%.15g", "%.1f"};
  char buf[64];
  for (int i = 0; i < 200000; ++i) {
    const double magnitude = std::pow(10.0, static_cast<int>(rng() % 40) - 20);
    const double x = static_cast<double>(rng() % 1000000007) / 1000000007.0 * magnitude;
    std::snprintf(buf, sizeof buf, formats[i % 7], x);
    double parsed = 0;
    ASSERT_TRUE(ParsePrometheusFloat(buf, &parsed)) << buf;
    const double expected = std::strtod(buf, nullptr);
    ASSERT_EQ(std::memcmp(&parsed, &expected, sizeof parsed), 0) << buf;
  }
  for (const char* token : {"1.", "0.1", "1e22", "1e23", "9007199254740993", "123456789012345678", "1e-22",
                            "4.023963427", "1.5060992e+07", "0.000000000000000000001", "00012.500"}) {
    double parsed = 0;
    ASSERT_TRUE(ParsePrometheusFloat(token, &parsed)) << token;
    EXPECT_EQ(parsed, std::strtod(token, nullptr)) << token;
  }
}

}  // namespace
}  // namespace metrics_server
