#include "metrics-server/scrape/scrape_loop.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "common/log.h"

namespace metrics_server {
namespace {

using std::chrono::milliseconds;

constexpr int64_t kStartMs = 1'713'449'932'000;

// What a fake kubelet does when asked.
struct Hang {};
using Answer = std::variant<std::string, common::Error, Hang>;

class FakeKubelets final : public KubeletClient, public NodeLister {
 public:
  ~FakeKubelets() override {
    for (std::thread& t : threads_) t.join();
  }

  void Set(const std::string& node, Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[node] = std::move(answer);
  }
  void Remove(const std::string& node) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.erase(node);
  }
  void set_async(bool async) { async_ = async; }

  std::vector<KubeletTarget> List() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<KubeletTarget> out;
    for (const auto& [node, answer] : answers_) out.push_back({node, "10.0.0." + std::to_string(out.size() + 1), 10250});
    return out;
  }

  void FetchResourceMetrics(const KubeletTarget& target, milliseconds timeout, Callback done) override {
    Answer answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      timeouts_.push_back(timeout);
      answer = answers_.at(target.node_name);
      if (std::holds_alternative<Hang>(answer)) {
        held_.push_back(std::move(done));
        return;
      }
    }
    auto respond = [answer = std::move(answer), done = std::move(done)]() mutable {
      if (auto* body = std::get_if<std::string>(&answer)) {
        done(*body);
      } else {
        done(std::get<common::Error>(answer));
      }
    };
    if (async_) {
      std::lock_guard<std::mutex> lock(mu_);
      threads_.emplace_back(std::move(respond));
    } else {
      respond();
    }
  }

  // Answers every held request (after its cycle ended: must be ignored safely).
  void ReleaseHeld() {
    std::vector<Callback> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (Callback& cb : held) cb(std::string("node_cpu_usage_seconds_total 1 1\n"));
  }

  std::vector<milliseconds> timeouts() {
    std::lock_guard<std::mutex> lock(mu_);
    return timeouts_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, Answer> answers_;
  std::vector<Callback> held_;
  std::vector<std::thread> threads_;
  std::vector<milliseconds> timeouts_;
  int requests_ = 0;
  bool async_ = false;
};

// A kubelet body: one node and one pod with one container, cumulative CPU `cpu_s` at `ts_ms`.
std::string Body(const std::string& node, double cpu_s, int64_t ts_ms) {
  std::ostringstream b;
  b.precision(12);
  b << "# TYPE container_cpu_usage_seconds_total counter\n"
    << "container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web-" << node << "\"} "
    << cpu_s << " " << ts_ms << "\n"
    << "container_memory_working_set_bytes{container=\"app\",namespace=\"default\",pod=\"web-" << node
    << "\"} 1048576 " << ts_ms << "\n"
    << "container_start_time_seconds{container=\"app\",namespace=\"default\",pod=\"web-" << node
    << "\"} 1.7e+09 " << ts_ms << "\n"
    << "node_cpu_usage_seconds_total " << cpu_s * 10 << " " << ts_ms << "\n"
    << "node_memory_working_set_bytes 2097152 " << ts_ms << "\n";
  return b.str();
}

ScrapeOptions FastOptions() {
  ScrapeOptions o;
  o.metric_resolution = milliseconds(15000);
  o.kubelet_request_timeout = milliseconds(200);
  o.delay_per_node = milliseconds(0);  // no spreading: tests do not wait
  return o;
}

class ScrapeLoopTest : public ::testing::Test {
 protected:
  ScrapeLoopTest()
      : metrics_(MakePrometheusScrapeMetrics(registry_)),
        loop_(FastOptions(), fake_, fake_, storage_, metrics_.get(),
              [this] { return TimePoint(milliseconds(now_ms_)); }) {}

  // Counter or gauge value of `name` with label `key`=`value` ("" = no label), or -1 when absent.
  double Metric(const std::string& name, const std::string& key = "", const std::string& value = "") {
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& m : family.metric) {
        bool match = key.empty();
        for (const auto& l : m.label) match = match || (l.name == key && l.value == value);
        if (!match) continue;
        if (family.type == prometheus::MetricType::Counter) return m.counter.value;
        if (family.type == prometheus::MetricType::Gauge) return m.gauge.value;
        if (family.type == prometheus::MetricType::Histogram) return static_cast<double>(m.histogram.sample_count);
      }
    }
    return -1;
  }

  FakeKubelets fake_;
  MetricsStorage storage_;
  prometheus::Registry registry_;
  std::unique_ptr<ScrapeMetrics> metrics_;
  int64_t now_ms_ = kStartMs;
  ScrapeLoop loop_;
};

TEST_F(ScrapeLoopTest, TwoCyclesGiveUsage) {
  fake_.Set("node-a", Body("a", 10, kStartMs));
  fake_.Set("node-b", Body("b", 20, kStartMs));
  CycleResult first = loop_.RunOnce();
  EXPECT_EQ(first.nodes, 2u);
  EXPECT_EQ(first.succeeded, 2u);
  EXPECT_EQ(first.failed, 0u);
  EXPECT_TRUE(storage_.Snapshot()->nodes.empty());

  now_ms_ += 15000;
  fake_.Set("node-a", Body("a", 11.5, kStartMs + 15000));
  fake_.Set("node-b", Body("b", 23, kStartMs + 15000));
  CycleResult second = loop_.RunOnce();
  EXPECT_EQ(second.succeeded, 2u);
  EXPECT_EQ(second.store.node_points, 2u);
  EXPECT_EQ(second.store.container_points, 2u);

  auto snap = storage_.Snapshot();
  EXPECT_EQ(snap->scrape_time, TimePoint(milliseconds(kStartMs + 15000)));
  ASSERT_EQ(snap->nodes.size(), 2u);
  EXPECT_EQ(snap->nodes[0].name, "node-a");
  EXPECT_EQ(snap->nodes[0].usage.cpu_nanocores, 1'000'000'000u);  // 15 core-seconds over 15 s
  EXPECT_EQ(snap->nodes[1].usage.cpu_nanocores, 2'000'000'000u);
  const PodMetricsPoint* web_a = snap->FindPod("default", "web-a");
  ASSERT_NE(web_a, nullptr);
  EXPECT_EQ(web_a->containers[0].usage.cpu_nanocores, 100'000'000u);
  EXPECT_EQ(web_a->containers[0].usage.memory_bytes, 1048576u);
  ASSERT_NE(snap->FindPod("default", "web-b"), nullptr);

  EXPECT_EQ(Metric("metrics_server_kubelet_request_total", "success", "true"), 4);
  EXPECT_EQ(Metric("metrics_server_kubelet_request_total", "success", "false"), 0);
  EXPECT_EQ(Metric("metrics_server_storage_points", "type", "node"), 2);
  EXPECT_EQ(Metric("metrics_server_storage_points", "type", "container"), 2);
  EXPECT_EQ(Metric("metrics_server_manager_tick_duration_seconds"), 2);
  EXPECT_EQ(Metric("metrics_server_kubelet_request_duration_seconds", "node", "node-a"), 2);
  EXPECT_EQ(Metric("metrics_server_kubelet_last_request_time_seconds", "node", "node-b"), (kStartMs + 15000) / 1000.0);
}

TEST_F(ScrapeLoopTest, AnswersFromOtherThreads) {
  fake_.set_async(true);
  for (int i = 0; i < 20; ++i) fake_.Set("node-" + std::to_string(i), Body(std::to_string(i), 10, kStartMs));
  CycleResult r = loop_.RunOnce();
  EXPECT_EQ(r.succeeded, 20u);
  now_ms_ += 15000;
  for (int i = 0; i < 20; ++i) fake_.Set("node-" + std::to_string(i), Body(std::to_string(i), 11, kStartMs + 15000));
  r = loop_.RunOnce();
  EXPECT_EQ(r.succeeded, 20u);
  EXPECT_EQ(storage_.Snapshot()->nodes.size(), 20u);
  EXPECT_EQ(storage_.Snapshot()->pods.size(), 20u);
}

class CapturedLog {
 public:
  CapturedLog() : saved_(common::CurrentLogConfig()) {
    std::FILE* f = std::tmpfile();
    file_ = f;
    common::LogConfig config = saved_;
    config.fd = fileno(f);
    common::ConfigureLogging(config);
  }
  ~CapturedLog() {
    common::ConfigureLogging(saved_);
    std::fclose(file_);
  }
  std::string Text() {
    std::string text;
    char buf[4096];
    std::rewind(file_);
    while (size_t n = std::fread(buf, 1, sizeof buf, file_)) text.append(buf, n);
    std::fseek(file_, 0, SEEK_END);
    return text;
  }
  static int Count(const std::string& text, const std::string& needle) {
    int count = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++count;
    return count;
  }

 private:
  common::LogConfig saved_;
  std::FILE* file_;
};

TEST_F(ScrapeLoopTest, FailingNodeIsSkippedAndLoggedOnce) {
  CapturedLog log;
  fake_.Set("good", Body("good", 10, kStartMs));
  fake_.Set("bad", common::Error::Make(common::ErrorCode::kUnavailable, "connection refused"));
  for (int cycle = 0; cycle < 3; ++cycle) {
    now_ms_ = kStartMs + cycle * 15000;
    fake_.Set("good", Body("good", 10 + cycle, now_ms_));
    CycleResult r = loop_.RunOnce();
    EXPECT_EQ(r.succeeded, 1u);
    EXPECT_EQ(r.failed, 1u);
  }
  auto snap = storage_.Snapshot();
  ASSERT_EQ(snap->nodes.size(), 1u);
  EXPECT_EQ(snap->nodes[0].name, "good");
  std::string text = log.Text();
  EXPECT_EQ(CapturedLog::Count(text, "Failed to scrape node bad"), 1) << text;
  EXPECT_NE(text.find("connection refused"), std::string::npos);
  EXPECT_EQ(Metric("metrics_server_kubelet_request_total", "success", "false"), 3);

  fake_.Set("bad", Body("bad", 1, now_ms_));
  (void)loop_.RunOnce();
  text = log.Text();
  EXPECT_EQ(CapturedLog::Count(text, "Scraping node bad succeeds again"), 1) << text;
}

TEST_F(ScrapeLoopTest, SlowNodeTimesOutWithoutHoldingTheCycle) {
  fake_.Set("fast", Body("fast", 10, kStartMs));
  fake_.Set("slow", Hang{});
  CycleResult r = loop_.RunOnce();
  EXPECT_EQ(r.succeeded, 1u);
  EXPECT_EQ(r.failed, 1u);
  // The late answer arrives after the cycle ended: dropped, no crash.
  fake_.ReleaseHeld();
  now_ms_ += 15000;
  fake_.Set("fast", Body("fast", 11, kStartMs + 15000));
  r = loop_.RunOnce();
  EXPECT_EQ(r.failed, 1u);
  EXPECT_NE(storage_.Snapshot()->FindNode("fast"), nullptr);
  EXPECT_EQ(storage_.Snapshot()->FindNode("slow"), nullptr);
  fake_.ReleaseHeld();
  for (milliseconds t : fake_.timeouts()) EXPECT_EQ(t, milliseconds(200));
}

TEST_F(ScrapeLoopTest, BadBodies) {
  CapturedLog log;
  fake_.Set("garbage", std::string("<html>502 Bad Gateway</html>\n\x01\x02\n"));
  fake_.Set("empty", std::string());
  fake_.Set("truncated", Body("truncated", 10, kStartMs).substr(0, 130));
  fake_.Set("partly", Body("partly", 10, kStartMs) + "garbage line {\n");
  CycleResult r = loop_.RunOnce();
  EXPECT_EQ(r.nodes, 4u);
  // Bodies without a single good sample fail; "partly" keeps its good lines.
  EXPECT_EQ(r.failed, 3u);
  EXPECT_EQ(r.succeeded, 1u);
  std::string text = log.Text();
  EXPECT_NE(text.find("Failed to scrape node garbage: unparsable response: line 1"), std::string::npos) << text;
  EXPECT_NE(text.find("Failed to scrape node empty: response contains no samples"), std::string::npos) << text;
  EXPECT_NE(text.find("Failed to scrape node truncated: truncated response"), std::string::npos) << text;
  EXPECT_NE(text.find("node partly: skipped 1 malformed lines"), std::string::npos) << text;
}

TEST_F(ScrapeLoopTest, NodesLeavingTheClusterAreForgotten) {
  fake_.Set("a", Body("a", 10, kStartMs));
  fake_.Set("b", Body("b", 10, kStartMs));
  (void)loop_.RunOnce();
  EXPECT_EQ(Metric("metrics_server_kubelet_request_duration_seconds", "node", "b"), 1);
  fake_.Remove("b");
  now_ms_ += 15000;
  fake_.Set("a", Body("a", 11, kStartMs + 15000));
  CycleResult r = loop_.RunOnce();
  EXPECT_EQ(r.nodes, 1u);
  EXPECT_EQ(Metric("metrics_server_kubelet_request_duration_seconds", "node", "b"), -1);
  EXPECT_EQ(Metric("metrics_server_kubelet_request_duration_seconds", "node", "a"), 2);
  EXPECT_EQ(storage_.Snapshot()->nodes.size(), 1u);
}

TEST(ScrapeLoopSpreadTest, OffsetsStayInsideTheSpreadAndAreStable) {
  ScrapeOptions o;  // 8 ms per node, at most 4 s, at most half of the 10 s timeout
  EXPECT_EQ(SpreadOffset("n", 1, ScrapeOptions{.delay_per_node = milliseconds(0)}), milliseconds(0));
  for (int i = 0; i < 200; ++i) {
    const std::string name = "node-" + std::to_string(i);
    EXPECT_LT(SpreadOffset(name, 10, o), milliseconds(80));
    EXPECT_LT(SpreadOffset(name, 5000, o), milliseconds(4000));
    EXPECT_EQ(SpreadOffset(name, 5000, o), SpreadOffset(name, 5000, o));
  }
  ScrapeOptions short_timeout;
  short_timeout.kubelet_request_timeout = milliseconds(1000);
  for (int i = 0; i < 200; ++i) EXPECT_LT(SpreadOffset("node-" + std::to_string(i), 5000, short_timeout), milliseconds(500));
}

TEST(ScrapeLoopThreadTest, StartScrapesPeriodicallyAndStopInterruptsACycle) {
  FakeKubelets fake;
  MetricsStorage storage;
  ScrapeOptions o;
  o.metric_resolution = milliseconds(20);
  o.kubelet_request_timeout = milliseconds(60000);  // a hanging node would hold a cycle for a minute
  o.delay_per_node = milliseconds(0);
  std::atomic<int64_t> now_ms{kStartMs};
  fake.Set("a", Body("a", 10, kStartMs));
  ScrapeLoop loop(o, fake, fake, storage, nullptr, [&now_ms] { return TimePoint(milliseconds(now_ms.load())); });
  loop.Start();
  // Each cycle sees the same point; the node stays listed in snapshot order. Wait for at least one cycle.
  for (int i = 0; i < 500 && storage.Snapshot()->scrape_time == TimePoint{}; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(storage.Snapshot()->scrape_time, TimePoint(milliseconds(kStartMs)));
  fake.Set("b", Hang{});
  std::this_thread::sleep_for(milliseconds(50));  // let a cycle start and block on "b"
  loop.Stop();  // must not wait for the minute-long timeout
  fake.ReleaseHeld();
}

}  // namespace
}  // namespace metrics_server
