// Reliability: metrics-server scraping a fleet where half the kubelets misbehave (hanging, closing the
// connection mid-response, garbage, a 64 MiB body, a certificate from another CA). The healthy nodes' figures
// must be served, exact, through several scrape cycles; the faulty nodes must be absent (never shown with made-up
// figures); metrics-server must not crash and its RSS must stay bounded (a 64 MiB body must not be buffered whole,
// scrape after scrape).

#include <set>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::seconds;

// No workloads: every node's CPU is its overhead, its memory the base, so each healthy node's figures are known.
constexpr char kScenario[] = R"({"nodeOverheadMillicores": 200, "nodeMemoryBase": "1Gi", "workloads": []})";

class KubeletFaultsE2eTest : public E2eTest {};

TEST_F(KubeletFaultsE2eTest, HealthyNodesAreServedExactlyWhileFaultyKubeletsMisbehave) {
  const std::set<std::string> faulty = {"node-0001", "node-0003", "node-0005", "node-0007", "node-0009"};
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario,
                            .nodes = 10,
                            .address_block = 181,
                            .extra_args = {"--pods-per-node", "0",
                                           "--kubelet-fault", "node-0001=slow:60000",
                                           "--kubelet-fault", "node-0003=close",
                                           "--kubelet-fault", "node-0005=garbage",
                                           "--kubelet-fault", "node-0007=huge",
                                           "--kubelet-wrong-cert", "node-0009"}}));
  ASSERT_TRUE(StartMetricsServer({.metric_resolution = "3s", .grpc = false}));
  ASSERT_TRUE(RegisterApiService());

  // The healthy five with exact figures; the faulty five without figures (kubectl lists a node that has no metrics
  // as <unknown>, older kubectls leave it out).
  auto check = [&](std::string* seen) {
    auto r = kubectl().Run({"top", "node"});
    *seen = r.Describe();
    if (r.exit_code != 0) return false;
    auto table = Table::Parse(r.out);
    size_t healthy = 0;
    for (size_t i = 0; i < table.size(); ++i) {
      if (faulty.count(table.At(i, "NAME"))) {
        if (table.At(i, "CPU(cores)") != "<unknown>" || table.At(i, "MEMORY(bytes)") != "<unknown>") return false;
        continue;
      }
      ++healthy;
      auto cpu = Millicores(table.At(i, "CPU(cores)"));
      if (!cpu || (*cpu != 200 && *cpu != 201)) return false;
      if (table.At(i, "MEMORY(bytes)") != "1024Mi") return false;
    }
    return healthy == 10 - faulty.size();
  };
  auto served = WaitUntil(seconds(60), seconds(1), check);
  ASSERT_TRUE(served.ok) << served.last_observation << "\n" << LogTails();

  // Several more scrape cycles (3 s each): still exact, still alive, memory bounded. The bound is generous for a
  // small fleet yet well under what buffering the 64 MiB body per scrape would cost.
  constexpr int64_t kRssBoundKib = 160 * 1024;
  int64_t max_rss = 0;
  const auto until = std::chrono::steady_clock::now() + seconds(12);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(metrics_server()->Running()) << LogTails();
    max_rss = std::max(max_rss, RssKib(metrics_server()->pid()));
    auto again = WaitUntil(seconds(20), seconds(1), [&](std::string* s) { return check(s); });
    ASSERT_TRUE(again.ok) << again.last_observation;
    std::this_thread::sleep_for(seconds(1));
  }
  EXPECT_GT(max_rss, 0);
  EXPECT_LT(max_rss, kRssBoundKib) << "metrics-server VmRSS " << max_rss << " KiB";
  RecordProperty("metrics_server_max_rss_kib", std::to_string(max_rss));
  ASSERT_TRUE(sandbox()->Running()) << LogTails();
}

}  // namespace
}  // namespace e2e
