#pragma once
// The gRPC server of the pod-metrics stream (metrics_stream.proto), optionally with mutual TLS.

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "metrics-server/stream/snapshot_broadcaster.h"

namespace metrics_server {

struct StreamServerOptions {
  std::string address = "0.0.0.0:10251";  // port 0 picks a free port; see StreamServer::port()
  // PEM contents. Without cert/key the server is plaintext (tests, loopback only). With client_ca_pem, clients
  // must present a certificate signed by it (mTLS).
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;
};

class StreamServer {
 public:
  // The broadcaster must outlive the server.
  static common::Result<std::unique_ptr<StreamServer>> Start(const StreamServerOptions& options,
                                                             const SnapshotBroadcaster& broadcaster);
  virtual ~StreamServer() = default;
  virtual int port() const = 0;
  // Ends open streams and stops serving. Idempotent.
  virtual void Shutdown() = 0;
};

}  // namespace metrics_server
