#pragma once
// KubeletClient over the shared HTTPS client (keep-alive connections per kubelet, size cap, deadlines).
// Flags, as upstream: --kubelet-insecure-tls, --kubelet-certificate-authority, --kubelet-client-certificate /
// --kubelet-client-key, --kubelet-request-timeout; otherwise the service-account token is sent as a bearer token.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/net/event_loop.h"
#include "common/net/http_client.h"
#include "common/result.h"
#include "kube/client/token_source.h"
#include "metrics-server/scrape/kubelet_client.h"

namespace metrics_server {

struct KubeletClientOptions {
  bool use_tls = true;                     // kubelets serve HTTPS; plain HTTP exists for tests and sandboxes
  bool insecure_skip_verify = false;       // --kubelet-insecure-tls
  std::string ca_file;                     // --kubelet-certificate-authority; empty = system roots
  std::string client_cert_file;            // --kubelet-client-certificate
  std::string client_key_file;             // --kubelet-client-key
  std::chrono::milliseconds request_timeout{10000};  // --kubelet-request-timeout
  // A 30-pod node answers ~40 KiB; anything near this is not a kubelet resource endpoint.
  std::size_t max_response_bytes = 32 << 20;
  std::size_t max_idle_connections_per_host = 1;  // one scrape at a time per kubelet
};

class HttpKubeletClient final : public KubeletClient {
 public:
  // `tokens` may be null (no bearer token, e.g. when a client certificate is used). Both references must outlive
  // the client.
  static common::Result<std::unique_ptr<HttpKubeletClient>> Create(net::EventLoop& loop, KubeletClientOptions options,
                                                                   kube::TokenSource* tokens);

  void FetchResourceMetrics(const KubeletTarget& target, std::chrono::milliseconds timeout, Callback done) override;

 private:
  HttpKubeletClient(std::unique_ptr<net::HttpClient> http, kube::TokenSource* tokens)
      : http_(std::move(http)), tokens_(tokens) {}

  std::unique_ptr<net::HttpClient> http_;
  kube::TokenSource* tokens_;
};

}  // namespace metrics_server
