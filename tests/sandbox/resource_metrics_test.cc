#include "sandbox/kubelet/resource_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace sandbox {
namespace {

using std::chrono::seconds;

TEST(FormatGoFloatTest, MatchesStrconvShortestG) {
  const std::pair<double, const char*> cases[] = {
      {0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {-1, "-1"},
      {100, "100"},
      {0.1, "0.1"},
      {0.30000000000000004, "0.30000000000000004"},
      {357.35491, "357.35491"},
      {12345.678, "12345.678"},
      {123456, "123456"},
      {999999, "999999"},
      {1e6, "1e+06"},
      {1234567, "1.234567e+06"},
      {1.616273408e9, "1.616273408e+09"},
      {1.6880308718148456e9, "1.6880308718148456e+09"},
      {1e21, "1e+21"},
      {0.0001, "0.0001"},
      {0.00012, "0.00012"},
      {0.00001, "1e-05"},
      {1.5e-7, "1.5e-07"},
      {-2.5e-10, "-2.5e-10"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(FormatGoFloat(value), text) << value;
}

struct Line {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
  std::optional<int64_t> timestamp;
};

// A small, strict reader for what the renderer writes (the metrics-server has the fast one).
std::vector<Line> ParseBody(const std::string& body, std::vector<std::string>* comments) {
  std::vector<Line> lines;
  std::istringstream in(body);
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty()) {
      ADD_FAILURE() << "blank line";
      continue;
    }
    if (text[0] == '#') {
      comments->push_back(text);
      continue;
    }
    Line line;
    std::size_t pos = text.find_first_of("{ ");
    line.name = text.substr(0, pos);
    if (text[pos] == '{') {
      std::size_t end = text.find('}', pos);
      std::string labels = text.substr(pos + 1, end - pos - 1);
      std::size_t p = 0;
      while (p < labels.size()) {
        std::size_t eq = labels.find('=', p);
        std::size_t close = labels.find('"', eq + 2);
        line.labels[labels.substr(p, eq - p)] = labels.substr(eq + 2, close - eq - 2);
        p = close + 2;  // skip `",`
      }
      pos = end + 1;
    }
    std::istringstream rest(text.substr(pos + 1));
    std::string value;
    rest >> value;
    line.value = std::stod(value);
    int64_t ts;
    if (rest >> ts) line.timestamp = ts;
    lines.push_back(std::move(line));
  }
  return lines;
}

class ResourceMetricsTest : public ::testing::Test {
 protected:
  ResourceMetricsTest() : model(Options()) {
    model.AddNode("n1", epoch);
    model.SetWorkloadLoad("default", "web", LoadCurve::Ramp(400, 4000, 0, 100), epoch);
    model.SetWorkloadLoad("kube-system", "dns", LoadCurve::Constant(70), epoch);
    Start("default", "web-b", "web", {"app", "proxy"}, 1);
    Start("default", "web-a", "web", {"app"}, 2);
    Start("kube-system", "coredns-x", "dns", {"coredns"}, 0.5);
  }
  static LoadModelOptions Options() {
    LoadModelOptions o;
    o.epoch = TimePoint(seconds(1'700'000'000));
    return o;
  }
  void Start(const std::string& ns, const std::string& pod, const std::string& workload,
             std::vector<std::string> containers, double ready_at) {
    auto started = epoch + std::chrono::milliseconds(static_cast<int>(ready_at * 500));
    ASSERT_TRUE(model.StartPod({ns, pod, "n1", ns, workload, std::move(containers), started}).ok());
    ASSERT_TRUE(model.SetPodReady(ns, pod, true, epoch + std::chrono::milliseconds(static_cast<int>(ready_at * 1000))).ok());
  }
  TimePoint epoch = TimePoint(seconds(1'700'000'000));
  LoadModel model;
};

TEST_F(ResourceMetricsTest, BodyParsesBackToTheModel) {
  TimePoint at = epoch + std::chrono::milliseconds(42'123);
  auto sample = model.SampleNode("n1", at);
  ASSERT_TRUE(sample.ok());
  std::string body;
  RenderResourceMetrics(*sample, ResourceMetricsFormat{}, &body);
  std::vector<std::string> comments;
  std::vector<Line> lines = ParseBody(body, &comments);

  const int64_t ts = 1'700'000'042'123;
  int container_cpu = 0, pod_cpu = 0, start_times = 0;
  for (const Line& line : lines) {
    if (line.name == "resource_scrape_error") {
      EXPECT_EQ(line.value, 0);
      EXPECT_FALSE(line.timestamp.has_value());
      continue;
    }
    ASSERT_TRUE(line.timestamp.has_value()) << line.name;
    const std::string ns = line.labels.count("namespace") ? line.labels.at("namespace") : "";
    const std::string pod = line.labels.count("pod") ? line.labels.at("pod") : "";
    if (line.name == "container_cpu_usage_seconds_total") {
      ++container_cpu;
      EXPECT_EQ(*line.timestamp, ts);
      auto want = model.ContainerCpuCounter(ns, pod, line.labels.at("container"), at);
      ASSERT_TRUE(want.ok());
      EXPECT_EQ(std::llround(line.value * 1e9), static_cast<long long>(*want)) << pod;
    } else if (line.name == "container_memory_working_set_bytes") {
      EXPECT_EQ(line.value, model.ContainerMemoryBytes(ns, pod, line.labels.at("container"), at).value());
    } else if (line.name == "container_start_time_seconds") {
      ++start_times;
      // The start time is both the value and the timestamp.
      EXPECT_EQ(std::llround(line.value * 1000), *line.timestamp);
    } else if (line.name == "pod_cpu_usage_seconds_total") {
      ++pod_cpu;
      EXPECT_EQ(std::llround(line.value * 1e9), static_cast<long long>(model.PodCpuCounter(ns, pod, at).value()));
    } else if (line.name == "pod_memory_working_set_bytes") {
      EXPECT_EQ(line.value, model.PodMemoryBytes(ns, pod, at).value());
    } else if (line.name == "node_cpu_usage_seconds_total") {
      EXPECT_EQ(std::llround(line.value * 1e9), static_cast<long long>(model.NodeCpuCounter("n1", at).value()));
    } else if (line.name == "node_memory_working_set_bytes") {
      EXPECT_EQ(line.value, model.NodeMemoryBytes("n1", at).value());
    } else if (line.name.ends_with("_swap_usage_bytes")) {
      EXPECT_EQ(line.value, 0);
    } else {
      ADD_FAILURE() << "unexpected metric " << line.name;
    }
  }
  EXPECT_EQ(container_cpu, 4);
  EXPECT_EQ(start_times, 4);
  EXPECT_EQ(pod_cpu, 3);
  // Every family has HELP then TYPE, in name order.
  std::vector<std::string> families;
  for (const std::string& c : comments) {
    if (c.starts_with("# TYPE ")) families.push_back(c.substr(7, c.find(' ', 7) - 7));
  }
  EXPECT_EQ(families, (std::vector<std::string>{
                          "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                          "container_start_time_seconds", "container_swap_usage_bytes", "node_cpu_usage_seconds_total",
                          "node_memory_working_set_bytes", "node_swap_usage_bytes", "pod_cpu_usage_seconds_total",
                          "pod_memory_working_set_bytes", "pod_swap_usage_bytes", "resource_scrape_error"}));
  EXPECT_NE(body.find("# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the "
                      "container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n"),
            std::string::npos);
  EXPECT_TRUE(body.ends_with("resource_scrape_error 0\n"));
}

TEST_F(ResourceMetricsTest, SeriesAreSortedByLabelValues) {
  auto sample = model.SampleNode("n1", epoch + seconds(10));
  std::string body;
  RenderResourceMetrics(*sample, ResourceMetricsFormat{false}, &body);
  EXPECT_EQ(body.find("swap"), std::string::npos);
  // Containers order by container name first: app (web-a, web-b), coredns, proxy.
  std::size_t a = body.find("container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web-a\"}");
  std::size_t b = body.find("container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web-b\"}");
  std::size_t c = body.find("container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-system\"");
  std::size_t d = body.find("container_cpu_usage_seconds_total{container=\"proxy\"");
  ASSERT_NE(a, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
  std::size_t p1 = body.find("pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-a\"}");
  std::size_t p2 = body.find("pod_cpu_usage_seconds_total{namespace=\"kube-system\",pod=\"coredns-x\"}");
  ASSERT_NE(p1, std::string::npos);
  EXPECT_LT(p1, p2);
}

TEST(ResourceMetricsEscapingTest, EscapesLabelValues) {
  NodeSample sample;
  sample.timestamp_ms = 5;
  PodSample pod;
  pod.namespace_name = "a\"b";
  pod.name = "c\\d\ne";
  pod.containers.push_back({"x", 1, 2, TimePoint(seconds(1))});
  sample.pods.push_back(pod);
  std::string body;
  RenderResourceMetrics(sample, {}, &body);
  EXPECT_NE(body.find("pod_cpu_usage_seconds_total{namespace=\"a\\\"b\",pod=\"c\\\\d\\ne\"} 0 5\n"), std::string::npos)
      << body;
}

TEST(ResourceMetricsEscapingTest, EmptyNodeStillReportsNodeAndScrapeError) {
  NodeSample sample;
  sample.timestamp_ms = 1'700'000'000'000;
  sample.cpu_core_nanoseconds = 357'354'910'000;
  sample.memory_working_set_bytes = 1'616'273'408;
  std::string body;
  RenderResourceMetrics(sample, {false}, &body);
  EXPECT_NE(body.find("\nnode_cpu_usage_seconds_total 357.35491 1700000000000\n"), std::string::npos) << body;
  EXPECT_NE(body.find("\nnode_memory_working_set_bytes 1.616273408e+09 1700000000000\n"), std::string::npos);
  EXPECT_EQ(body.find("container_"), std::string::npos);
  EXPECT_EQ(body.find("pod_"), std::string::npos);
}

}  // namespace
}  // namespace sandbox
