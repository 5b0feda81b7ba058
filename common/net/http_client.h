#pragma once
// An HTTP/1.1 client (plain or TLS) on Boost.Beast with keep-alive connection reuse per host, size caps and
// deadlines. Async calls complete on the event loop; the blocking calls must not be made from a loop thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/net/event_loop.h"
#include "common/net/http_types.h"
#include "common/result.h"

namespace net {

struct TlsClientConfig {
  bool insecure_skip_verify = false;  // accept any server certificate (--kubelet-insecure-tls)
  std::string ca_file;                // verify the server against this bundle; empty = system defaults
  std::string ca_pem;
  std::string client_cert_file;  // optional client certificate (mTLS)
  std::string client_key_file;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string server_name;  // SNI and hostname verification override; empty = request host
};

struct ClientOptions {
  bool use_tls = true;
  TlsClientConfig tls;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{10000};  // whole exchange, connect included
  std::size_t max_response_bytes = 64 << 20;         // larger bodies fail with kTooLarge
  std::size_t max_idle_connections_per_host = 4;
  std::chrono::milliseconds idle_connection_timeout{90000};  // pooled connections idle longer are dropped
  std::size_t max_response_header_bytes = 1 << 20;           // larger headers fail with kTooLarge
};

struct ClientRequest {
  std::string method = "GET";
  std::string host;  // name or address to connect to
  uint16_t port = 443;
  std::string target = "/";  // path + query, already encoded
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // 0 = options.request_timeout
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
  std::optional<std::string_view> Header(std::string_view name) const { return FindHeader(headers, name); }
};

// A response read incrementally (watch). Each call returns the next chunk of body bytes as they arrive.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Blocks until bytes arrive. Returns an empty string at a clean end of stream, an error on failure or when
  // `idle_timeout` passes with no data (kTimeout), kUnavailable after Cancel(). The bytes are raw body bytes:
  // event boundaries are not preserved (split on newlines for watch). Not from a loop thread.
  virtual common::Result<std::string> Read(std::chrono::milliseconds idle_timeout) = 0;
  // Unblocks a pending Read from another thread and closes the connection.
  virtual void Cancel() = 0;
};

struct StreamingResponse {
  int status = 0;
  Headers headers;
  std::unique_ptr<BodyStream> body;
};

// Destroying the client aborts in-flight requests (their callbacks get kUnavailable) and, off the loop threads,
// waits until every callback has returned.
class HttpClient {
 public:
  static common::Result<std::unique_ptr<HttpClient>> Create(EventLoop& loop, ClientOptions options);
  virtual ~HttpClient() = default;

  using Callback = std::function<void(common::Result<ClientResponse>)>;
  // Completes on a loop thread. Transport failures are errors; any HTTP status is a response.
  virtual void SendAsync(ClientRequest request, Callback callback) = 0;
  // Blocking form of SendAsync.
  virtual common::Result<ClientResponse> Send(ClientRequest request) = 0;
  // Blocking; returns once headers arrive. The connection is not reused.
  virtual common::Result<StreamingResponse> Stream(ClientRequest request) = 0;
};

}  // namespace net
