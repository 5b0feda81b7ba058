#pragma once
// RestClient over net::HttpClient: authentication headers, client-side rate limit, Status decoding, and retries of
// requests that are safe to repeat.

#include <chrono>
#include <memory>

#include "common/net/event_loop.h"
#include "common/net/http_client.h"
#include "common/result.h"
#include "kube/client/backoff.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"

namespace kube {

struct RetryPolicy {
  int max_attempts = 5;  // including the first
  BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(5000), 2.0, 0.2};
  std::chrono::milliseconds max_retry_after{30000};  // a larger Retry-After is capped to this
};

struct RestClientOptions {
  RetryPolicy retry;
  Sleeper sleeper;  // empty = real sleeping
  // A watch with no bytes for this long is treated as dead. Bookmarks arrive about once a minute and the server
  // ends every watch after its timeoutSeconds, so this only fires on a stuck connection.
  std::chrono::milliseconds watch_idle_timeout{std::chrono::minutes(11)};
  std::size_t max_watch_frame_bytes = 16 << 20;
};

// Connects with the TLS and auth settings of `config`. The loop must outlive the client.
common::Result<std::unique_ptr<RestClient>> NewRestClient(net::EventLoop& loop, const ClientConfig& config,
                                                          RestClientOptions options = {});
// Uses `transport` as is (tests pass a fake net::HttpClient).
std::unique_ptr<RestClient> NewRestClient(std::unique_ptr<net::HttpClient> transport, const ClientConfig& config,
                                          RestClientOptions options = {});

// Whether a request that failed this way may be sent again. POST and PATCH are only retried on 429, which the API
// server returns before it touches anything.
bool IsRetryable(Verb verb, const common::Error& error);

}  // namespace kube
