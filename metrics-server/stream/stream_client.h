#pragma once
// Client of the pod-metrics stream: keeps one stream open in a background thread, reconnecting with capped
// exponential backoff, and keeps the newest batch. Callers ask Latest() and decide, from its age, whether to
// trust it or fall back to the metrics.k8s.io API.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "metrics-server/storage/metrics_snapshot.h"

namespace metrics_server {

struct StreamClientOptions {
  std::string target;  // "host:port"
  // PEM contents; an empty ca_pem means plaintext. cert/key make it mutual TLS.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  std::string server_name_override;  // when the certificate's name differs from the target host
  std::vector<std::string> namespaces;  // empty = all
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
};

struct StreamState {
  bool connected = false;
  uint64_t generation = 0;  // of the newest batch received; 0 = none yet
  std::chrono::steady_clock::time_point received_at;
  TimePoint scrape_time;
  std::shared_ptr<const std::vector<PodMetricsPoint>> pods;  // null until the first batch
  std::string last_error;
};

class StreamClient {
 public:
  // on_batch runs on the client's thread after each batch is stored; keep it short (e.g. enqueue a resync).
  static common::Result<std::unique_ptr<StreamClient>> Start(StreamClientOptions options,
                                                             std::function<void(const StreamState&)> on_batch);
  virtual ~StreamClient() = default;
  virtual StreamState Latest() const = 0;
  // Cancels the stream and joins the thread. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace metrics_server
