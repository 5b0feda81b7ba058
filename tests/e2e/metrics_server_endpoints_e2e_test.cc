// metrics-server's own HTTPS port, reached directly (not through the aggregator): health endpoints are open to
// anonymous callers, the metrics API is not, and identity headers without the front-proxy certificate count for
// nothing.

#include <unistd.h>

#include <regex>

#include "tests/e2e/e2e_test_base.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kScenario[] = R"({
  "workloads": [{"kind": "Deployment", "namespace": "default", "name": "web", "replicas": 2, "load": "100m"}]
})";
constexpr char kCurl[] = "/usr/bin/curl";

class MetricsServerEndpointsE2eTest : public E2eTest {
 protected:
  struct Reply {
    int status = 0;
    std::string body;
    std::string describe;
  };
  // GET https://127.0.0.1:<metrics-server port><path> with curl (server certificate not verified: self-signed).
  Reply Get(const std::string& path, const std::vector<std::string>& extra = {}) {
    CommandOptions options;
    options.argv = {kCurl, "-sk", "-w", "\n%{http_code}"};
    options.argv.insert(options.argv.end(), extra.begin(), extra.end());
    options.argv.push_back("https://127.0.0.1:" + std::to_string(metrics_server_port()) + path);
    options.timeout = seconds(10);
    Reply reply;
    auto r = RunCommand(options);
    if (!r.ok()) {
      reply.describe = r.error().message;
      return reply;
    }
    reply.describe = r->Describe();
    auto newline = r->out.rfind('\n');
    if (newline == std::string::npos) return reply;
    reply.body = r->out.substr(0, newline);
    reply.status = std::atoi(r->out.c_str() + newline + 1);
    return reply;
  }
};

TEST_F(MetricsServerEndpointsE2eTest, HealthIsAnonymousAndTheMetricsApiNeedsTheFrontProxy) {
  if (access(kCurl, X_OK) != 0) GTEST_SKIP() << "curl not found at " << kCurl;
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 2, .address_block = 175}));
  ASSERT_TRUE(StartMetricsServer({.grpc = false}));

  auto livez = Get("/livez");
  EXPECT_EQ(livez.status, 200) << livez.describe;
  EXPECT_EQ(livez.body, "ok") << livez.describe;

  // Ready once two scrapes have produced servable metrics.
  Reply readyz;
  auto ready = WaitUntil(seconds(30), milliseconds(500), [&](std::string* seen) {
    readyz = Get("/readyz");
    *seen = readyz.describe;
    return readyz.status == 200;
  });
  EXPECT_TRUE(ready.ok) << "/readyz never returned 200; last reply:\n" << ready.last_observation;
  EXPECT_EQ(readyz.body, "ok");

  // No client certificate: anonymous, which may not read metrics.
  auto anonymous = Get("/apis/metrics.k8s.io/v1beta1/nodes");
  EXPECT_TRUE(anonymous.status == 401 || anonymous.status == 403) << anonymous.describe;
  EXPECT_EQ(anonymous.body.find("NodeMetricsList"), std::string::npos) << anonymous.describe;

  // Identity headers are trusted only with the front-proxy client certificate; without it they are ignored.
  auto spoofed = Get("/apis/metrics.k8s.io/v1beta1/nodes",
                     {"-H", "X-Remote-User: system:admin", "-H", "X-Remote-Group: system:masters"});
  EXPECT_TRUE(spoofed.status == 401 || spoofed.status == 403) << spoofed.describe;
  EXPECT_EQ(spoofed.body.find("NodeMetricsList"), std::string::npos) << spoofed.describe;

  // A client certificate from another CA (the kubelet client's) is no front-proxy certificate either.
  const std::string certs = dir() + "/certs";
  auto other_ca = Get("/apis/metrics.k8s.io/v1beta1/pods",
                      {"--cert", certs + "/kubelet-client.crt", "--key", certs + "/kubelet-client.key", "-H",
                       "X-Remote-User: system:admin", "-H", "X-Remote-Group: system:masters"});
  // The TLS layer may reject the certificate outright (status 0: no HTTP reply) or the request is refused.
  EXPECT_TRUE(other_ca.status == 0 || other_ca.status == 401 || other_ca.status == 403) << other_ca.describe;
  EXPECT_EQ(other_ca.body.find("PodMetricsList"), std::string::npos) << other_ca.describe;

  // Unauthenticated refusals are Kubernetes Status objects, as upstream answers.
  if (anonymous.status == 401 || anonymous.status == 403) {
    EXPECT_TRUE(std::regex_search(anonymous.body, std::regex(R"re("kind"\s*:\s*"Status")re"))) << anonymous.describe;
  }
}

}  // namespace
}  // namespace e2e
