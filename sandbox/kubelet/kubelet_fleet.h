#pragma once
// Simulated kubelets: one HTTPS server listening on every node's loopback address (127.B.x.y:10250), which tells
// the nodes apart by the address a request arrived on. Serves, like a kubelet's authenticated port:
//   GET /metrics/resource   the node's resource metrics (rendered from the LoadModel, see resource_metrics.h)
//   GET /healthz            "ok" (no authentication, like a probe)
// Anything else is 404; a request without a valid bearer token or verified client certificate gets 401.
//
// Bodies are rendered lazily: a node's body is rebuilt when a request finds it older than render_interval, and
// the same immutable string is served until then (so thousands of nodes cost nothing while nobody scrapes).
//
// Fault injection per node for reliability tests; nodes listed in wrong_cert_nodes are served by a second server
// whose certificate comes from a different CA (a TLS verification failure for clients trusting the kubelet CA).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/event_loop.h"
#include "common/net/http_server.h"
#include "common/result.h"
#include "sandbox/kubelet/resource_metrics.h"
#include "sandbox/load/load_model.h"

namespace sandbox {

struct KubeletNode {
  std::string name;
  std::string address;  // "127.0.1.2"
};

enum class KubeletFaultKind {
  kNone,
  kSlow,           // answer normally after `delay` (a long delay makes a hanging kubelet)
  kServerError,    // 500 with a kubelet-like error text
  kGarbageBody,    // 200 with bytes that are not the Prometheus text format
  kHugeBody,       // 200 streaming `huge_bytes` of valid-looking comment lines
  kTruncatedBody,  // 200 with the real body cut in the middle of a line
  kUnauthorized,   // 401 whatever the credentials
  kConnectionClosed,  // 200 headers and half the body, then the connection is closed without ending the response
};

struct KubeletFault {
  KubeletFaultKind kind = KubeletFaultKind::kNone;
  std::chrono::milliseconds delay{0};
  std::size_t huge_bytes = 64u << 20;
};

struct KubeletAuthConfig {
  std::vector<std::string> bearer_tokens;  // accepted "Authorization: Bearer <token>" values
  bool accept_client_certificates = true;  // a client certificate verified against tls.client_ca_* is accepted
  bool allow_anonymous = false;            // no authentication at all (kubelet --anonymous-auth + AlwaysAllow)
};

using Clock = std::function<TimePoint()>;

struct KubeletFleetOptions {
  std::vector<KubeletNode> nodes;
  uint16_t port = 10250;
  net::TlsServerConfig tls;                       // serving certificate (+ client CA for certificate auth)
  // When set (one per node, same order as `nodes`): node i is served with the certificate and key of
  // node_certs[i] (client CA from `tls`), by a server of its own, as real kubelets each present their own
  // certificate. One shared certificate naming every node's IP made each client connection hold a decoded
  // SAN list of N entries, i.e. O(N^2) memory in metrics-server that a real cluster does not have.
  std::vector<net::TlsServerConfig> node_certs;
  std::optional<net::TlsServerConfig> wrong_tls;  // certificate for the wrong_cert_nodes
  std::set<std::string> wrong_cert_nodes;
  KubeletAuthConfig auth;
  std::chrono::milliseconds render_interval{1000};
  ResourceMetricsFormat format;
  Clock clock;  // defaults to system_clock::now
};

class KubeletFleet {
 public:
  struct Stats {
    uint64_t requests = 0;
    uint64_t renders = 0;
    uint64_t unauthorized = 0;
  };

  // Errors: kInvalidArgument (duplicate address), whatever net::HttpServer::Start returns (e.g. address in use).
  static common::Result<std::unique_ptr<KubeletFleet>> Start(net::EventLoop& loop, const LoadModel& model,
                                                             KubeletFleetOptions options);
  ~KubeletFleet();

  void SetFault(std::string_view node, KubeletFault fault);
  void ClearFaults();

  // The current body of a node as it would be served (rendered if stale). Errors: kNotFound.
  common::Result<std::shared_ptr<const std::string>> Body(std::string_view node);
  // Renders every node now (benchmarks, or warming before a scrape storm).
  void RenderAll();

  const std::vector<KubeletNode>& nodes() const;
  uint16_t port() const;
  Stats stats() const;
  // Stops listening. Idempotent.
  void Shutdown();

 private:
  class Impl;
  explicit KubeletFleet(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// A fault named on a command line: "slow:DELAY_MS", "500", "garbage", "huge[:BYTES]", "truncated", "401",
// "close", "none". Errors: kInvalidArgument.
common::Result<KubeletFault> ParseKubeletFault(std::string_view text);

// The loopback address of node `index` in address block `block` (the second octet):
// 127.<block>.<index / 250 + 1>.<index % 250 + 2>, i.e. 250 nodes per third octet, up to 63,750 per block.
std::string NodeAddress(int block, int index);

}  // namespace sandbox
