#pragma once
// The two I/O boundaries of the scrape loop: where the kubelets are (NodeLister) and how their resource metrics
// are fetched (KubeletClient). Production implementations sit on the node informer and the HTTP client; tests
// drive the loop with fakes.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace metrics_server {

// One kubelet to scrape: the node's name and the address chosen by --kubelet-preferred-address-types.
struct KubeletTarget {
  std::string node_name;
  std::string host;
  uint16_t port = 10250;
};

class KubeletClient {
 public:
  virtual ~KubeletClient() = default;

  using Callback = std::function<void(common::Result<std::string> body)>;
  // Fetches GET /metrics/resource. Calls `done` exactly once, on any thread (possibly before returning), no later
  // than about `timeout` from now. A non-200 answer is an error.
  virtual void FetchResourceMetrics(const KubeletTarget& target, std::chrono::milliseconds timeout,
                                    Callback done) = 0;
};

class NodeLister {
 public:
  virtual ~NodeLister() = default;
  // The kubelets to scrape this cycle. Must be cheap (it reads a cache) and thread-safe.
  virtual std::vector<KubeletTarget> List() = 0;
};

}  // namespace metrics_server
