#include "kube/client/http_rest_client.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "kube/client/api_status.h"
#include "kube/client/token_source.h"

namespace kube {
namespace {

using common::Error;
using common::ErrorCode;

// Retry-After in seconds (the API server never sends the HTTP-date form).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::optional<std::string_view> header) {
  if (!header) return std::nullopt;
  std::string_view text = *header;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  return std::chrono::milliseconds(std::min<int64_t>(seconds, 24 * 3600) * 1000);
}

class HttpRestClient : public RestClient {
 public:
  HttpRestClient(std::unique_ptr<net::HttpClient> transport, const ClientConfig& config, RestClientOptions options)
      : transport_(std::move(transport)),
        config_(config),
        options_(std::move(options)),
        sleeper_(options_.sleeper ? options_.sleeper : RealSleeper()),
        tokens_(config.bearer_token, config.bearer_token_file),
        limiter_(config.qps, config.burst, sleeper_) {}

  common::Result<std::string> Send(const RestRequest& request) override {
    Backoff backoff(options_.retry.backoff);
    bool refreshed_token = false;
    for (int attempt = 1;; ++attempt) {
      std::optional<std::chrono::milliseconds> retry_after;
      auto result = SendOnce(request, &retry_after);
      if (result.ok()) return result;
      const Error& error = result.error();
      // A 401 with a token file usually means the token rotated under us: re-read it once and try again.
      if (error.code == ErrorCode::kUnauthorized && !config_.bearer_token_file.empty() && !refreshed_token) {
        refreshed_token = true;
        tokens_.Invalidate();
        continue;
      }
      if (attempt >= options_.retry.max_attempts || !IsRetryable(request.verb, error)) return result;
      std::chrono::milliseconds delay = backoff.Next();
      if (retry_after) delay = std::max(delay, std::min(*retry_after, options_.retry.max_retry_after));
      sleeper_(delay);
    }
  }

  common::Result<std::unique_ptr<WatchStream>> Watch(std::string_view path, const WatchOptions& options) override {
    auto request = BuildRequest(Verb::kGet, WithWatchQuery(path, options), "", "");
    if (!request.ok()) return request.error();
    limiter_.Acquire();
    auto response = transport_->Stream(std::move(request.value()));
    if (!response.ok()) return response.error();
    if (response->status < 200 || response->status >= 300) {
      // Error bodies are small Status objects; read a bounded amount for the message.
      std::string body;
      while (response->body && body.size() < 64 * 1024) {
        auto chunk = response->body->Read(std::chrono::milliseconds(5000));
        if (!chunk.ok() || chunk->empty()) break;
        body += *chunk;
      }
      return ErrorFromResponse(response->status, body);
    }
    if (!response->body) return Error::Make(ErrorCode::kInternal, "watch response without a body");
    return NewBodyWatchStream(std::move(response->body), options_.watch_idle_timeout, options_.max_watch_frame_bytes);
  }

 private:
  common::Result<net::ClientRequest> BuildRequest(Verb verb, std::string target, std::string body,
                                                  std::string content_type) {
    net::ClientRequest request;
    request.method = VerbName(verb);
    request.host = config_.host;
    request.port = config_.port;
    request.target = config_.path_prefix + target;
    request.headers.push_back({"Accept", "application/json"});
    request.headers.push_back({"User-Agent", config_.user_agent});
    auto token = tokens_.Token();
    if (!token.ok()) return token.error();
    if (!token->empty()) request.headers.push_back({"Authorization", "Bearer " + *token});
    if (!body.empty() || verb == Verb::kPost || verb == Verb::kPut || verb == Verb::kPatch) {
      request.headers.push_back({"Content-Type", content_type.empty() ? "application/json" : std::move(content_type)});
    }
    request.body = std::move(body);
    request.timeout = config_.timeout;
    return request;
  }

  common::Result<std::string> SendOnce(const RestRequest& rest, std::optional<std::chrono::milliseconds>* retry_after) {
    auto request = BuildRequest(rest.verb, rest.path, rest.body, rest.content_type);
    if (!request.ok()) return request.error();
    limiter_.Acquire();
    auto response = transport_->Send(std::move(request.value()));
    if (!response.ok()) return response.error();
    if (response->status >= 200 && response->status < 300) return std::move(response->body);
    *retry_after = ParseRetryAfter(net::FindHeader(response->headers, "Retry-After"));
    return ErrorFromResponse(response->status, response->body);
  }

  std::unique_ptr<net::HttpClient> transport_;
  ClientConfig config_;
  RestClientOptions options_;
  Sleeper sleeper_;
  TokenSource tokens_;
  RateLimiter limiter_;
};

}  // namespace

bool IsRetryable(Verb verb, const common::Error& error) {
  if (error.http_status == 429) return true;
  bool idempotent = verb == Verb::kGet || verb == Verb::kPut || verb == Verb::kDelete;
  if (!idempotent) return false;
  if (error.http_status >= 500) return error.http_status != 501;
  // Transport failures (no HTTP status): refused/reset connections and timeouts.
  return error.http_status == 0 && (error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kTimeout);
}

common::Result<std::unique_ptr<RestClient>> NewRestClient(net::EventLoop& loop, const ClientConfig& config,
                                                          RestClientOptions options) {
  if (config.host.empty()) return Error::Make(ErrorCode::kInvalidArgument, "client config has no server host");
  net::ClientOptions client_options;
  client_options.use_tls = config.use_tls();
  client_options.tls.insecure_skip_verify = config.insecure_skip_tls_verify;
  client_options.tls.ca_file = config.ca_file;
  client_options.tls.ca_pem = config.ca_pem;
  client_options.tls.client_cert_file = config.client_cert_file;
  client_options.tls.client_key_file = config.client_key_file;
  client_options.tls.client_cert_pem = config.client_cert_pem;
  client_options.tls.client_key_pem = config.client_key_pem;
  client_options.tls.server_name = config.tls_server_name;
  client_options.request_timeout = config.timeout;
  auto transport = net::HttpClient::Create(loop, std::move(client_options));
  if (!transport.ok()) return transport.error();
  return NewRestClient(std::move(transport.value()), config, std::move(options));
}

std::unique_ptr<RestClient> NewRestClient(std::unique_ptr<net::HttpClient> transport, const ClientConfig& config,
                                          RestClientOptions options) {
  return std::make_unique<HttpRestClient>(std::move(transport), config, std::move(options));
}

}  // namespace kube
