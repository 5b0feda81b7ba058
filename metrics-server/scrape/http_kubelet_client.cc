#include "metrics-server/scrape/http_kubelet_client.h"

#include <utility>

namespace metrics_server {

common::Result<std::unique_ptr<HttpKubeletClient>> HttpKubeletClient::Create(net::EventLoop& loop,
                                                                             KubeletClientOptions options,
                                                                             kube::TokenSource* tokens) {
  net::ClientOptions http;
  http.use_tls = options.use_tls;
  http.tls.insecure_skip_verify = options.insecure_skip_verify;
  http.tls.ca_file = options.ca_file;
  http.tls.client_cert_file = options.client_cert_file;
  http.tls.client_key_file = options.client_key_file;
  http.request_timeout = options.request_timeout;
  http.connect_timeout = options.request_timeout;
  http.max_response_bytes = options.max_response_bytes;
  http.max_idle_connections_per_host = options.max_idle_connections_per_host;
  auto client = net::HttpClient::Create(loop, std::move(http));
  if (!client.ok()) return client.error();
  return std::unique_ptr<HttpKubeletClient>(new HttpKubeletClient(std::move(client.value()), tokens));
}

void HttpKubeletClient::FetchResourceMetrics(const KubeletTarget& target, std::chrono::milliseconds timeout,
                                             Callback done) {
  net::ClientRequest request;
  request.host = target.host;
  request.port = target.port;
  request.target = "/metrics/resource";
  request.timeout = timeout;
  request.headers.push_back({"Accept", "text/plain;version=0.0.4"});
  if (tokens_ != nullptr) {
    auto token = tokens_->Token();
    if (!token.ok()) {
      done(token.error());
      return;
    }
    if (!token->empty()) request.headers.push_back({"Authorization", "Bearer " + *token});
  }
  kube::TokenSource* tokens = tokens_;
  http_->SendAsync(std::move(request), [done = std::move(done), tokens](common::Result<net::ClientResponse> response) {
    if (!response.ok()) {
      done(response.error());
      return;
    }
    net::ClientResponse& r = response.value();
    if (r.status == 200) {
      done(std::move(r.body));
      return;
    }
    common::ErrorCode code = common::ErrorCode::kUnavailable;
    if (r.status == 401) {
      code = common::ErrorCode::kUnauthorized;
      if (tokens != nullptr) tokens->Invalidate();  // the token may have rotated
    } else if (r.status == 403) {
      code = common::ErrorCode::kForbidden;
    } else if (r.status == 404) {
      code = common::ErrorCode::kNotFound;
    }
    // Kubelet error bodies are short text; keep the start for the log line.
    std::string snippet = r.body.substr(0, 200);
    done(common::Error::Make(code, "request failed, status " + std::to_string(r.status) + ": " + snippet, r.status));
  });
}

}  // namespace metrics_server
