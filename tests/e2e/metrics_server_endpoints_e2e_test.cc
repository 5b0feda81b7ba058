// metrics-server's own HTTPS port, reached directly (not through the aggregator): health endpoints are open to
// anonymous callers, the metrics API is not, and identity headers without the front-proxy certificate count for
// nothing.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

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

// Hostile clients against the real binary: connections that never finish a request, headers and bodies over
// the caps, TLS below 1.2. Each is refused with the status upstream's server gives, and legitimate requests
// (through the aggregator, with the front-proxy certificate) are served throughout.
TEST_F(MetricsServerEndpointsE2eTest, HostileClientsAreRefusedWhileOthersAreServed) {
  if (access(kCurl, X_OK) != 0) GTEST_SKIP() << "curl not found at " << kCurl;
  ASSERT_TRUE(StartSandbox({.scenario_json = kScenario, .nodes = 2, .address_block = 177}));
  ASSERT_TRUE(StartMetricsServer({.grpc = false}));
  ASSERT_TRUE(RegisterApiService());
  ASSERT_TRUE(WaitForNodeMetrics());

  // Slowloris: connections that open and then trickle or send nothing, held open while others are served.
  std::vector<int> idle;
  for (int i = 0; i < 64; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(metrics_server_port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    if (i % 2 == 0) {
      const char partial[] = "\x16\x03\x01";  // the first bytes of a TLS record, then silence
      ASSERT_EQ(::send(fd, partial, 3, MSG_NOSIGNAL), 3);
    }
    idle.push_back(fd);
  }
  {
    auto top = kubectl().Run({"top", "node"});
    EXPECT_EQ(top.exit_code, 0) << top.Describe();
    auto livez = Get("/livez");
    EXPECT_EQ(livez.status, 200) << livez.describe;
  }

  // Headers over the 1 MiB cap: 431. Sent raw through `openssl s_client` (curl will not send that much header).
  {
    std::string request = "GET /apis/metrics.k8s.io/v1beta1/nodes HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (int i = 0; i < 48; ++i) {
      request += "X-Filler-" + std::to_string(i) + ": " + std::string(32 << 10, 'a') + "\r\n";
    }
    request += "\r\n";
    CommandOptions options;
    options.argv = {"/usr/bin/openssl", "s_client", "-quiet", "-connect",
                    "127.0.0.1:" + std::to_string(metrics_server_port())};
    options.stdin_data = request;
    options.timeout = seconds(20);
    auto r = RunCommand(options);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->out.rfind("HTTP/1.1 431", 0), 0u) << r->out.substr(0, 500) << "\n" << r->err.substr(0, 500);
  }

  // A body over the 3 MiB cap: 413, answered before the server reads it all.
  const std::string big_body = dir() + "/big-body.bin";
  std::ofstream(big_body) << std::string(4 << 20, 'b');
  auto body = Get("/apis/metrics.k8s.io/v1beta1/nodes",
                  {"-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@" + big_body});
  EXPECT_EQ(body.status, 413) << body.describe.substr(0, 2000);

  // TLS 1.0/1.1 only (security level 0 so that the client itself would allow them): the handshake fails, no
  // HTTP status at all.
  auto old_tls = Get("/livez", {"--tlsv1.0", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"});
  EXPECT_EQ(old_tls.status, 0) << old_tls.describe;
  EXPECT_EQ(old_tls.body.find("ok"), std::string::npos) << old_tls.describe;

  // Everyone else is still served, the slowloris connections still open.
  auto top = kubectl().Run({"top", "node"});
  EXPECT_EQ(top.exit_code, 0) << top.Describe();
  auto raw = kubectl().Run({"get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes"});
  EXPECT_EQ(raw.exit_code, 0) << raw.Describe();
  EXPECT_NE(raw.out.find("NodeMetricsList"), std::string::npos) << raw.Describe();
  for (int fd : idle) ::close(fd);
  EXPECT_TRUE(metrics_server()->Running()) << LogTails();
}

}  // namespace
}  // namespace e2e
