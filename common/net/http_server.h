#pragma once
// An async HTTP/1.1 server (plain or TLS) on Boost.Beast behind a small interface. One server may listen on many
// endpoints (the sandbox runs thousands of simulated kubelets, one loopback address each, in one server).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/net/event_loop.h"
#include "common/net/http_types.h"
#include "common/result.h"

namespace net {

struct TlsServerConfig {
  // PEM file paths, or inline PEM when *_pem is set (inline wins).
  std::string cert_file;
  std::string key_file;
  std::string cert_pem;
  std::string key_pem;
  // When set, clients may present a certificate; it is verified against this CA bundle and reported in
  // HttpRequest::peer. A missing or unverifiable certificate does not fail the handshake unless
  // require_client_cert is set (the API layer decides what an unauthenticated request may do).
  std::string client_ca_file;
  std::string client_ca_pem;
  bool require_client_cert = false;
};

struct Endpoint {
  std::string address = "0.0.0.0";
  uint16_t port = 0;  // 0 picks a free port; see HttpServer::ports()
};

struct ServerOptions {
  std::vector<Endpoint> endpoints;
  std::optional<TlsServerConfig> tls;              // absent = plain HTTP
  std::size_t max_header_bytes = 1 << 20;          // larger headers get 431
  std::size_t max_body_bytes = 3 << 20;            // larger bodies get 413
  std::chrono::milliseconds read_timeout{30000};   // a request must arrive in full within this (slowloris guard)
  std::chrono::milliseconds idle_timeout{90000};   // keep-alive connections idle longer are closed
  std::chrono::milliseconds write_timeout{60000};  // a (non-streamed) response must be written within this
  std::size_t max_connections = 10000;
};

// A response being streamed (watch): chunked transfer encoding, one Write per event. The connection closes when
// the stream ends (a streamed response is the last one on its connection). A client that stops reading while more
// than 16 MiB are queued is disconnected.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues a chunk; thread-safe. Returns false once the client has gone away.
  virtual bool Write(std::string chunk) = 0;
  // Ends the response (terminating chunk). Thread-safe, idempotent.
  virtual void Close() = 0;
  // Ends the connection after the queued chunks without the terminating chunk, so the client sees a response cut
  // off mid-body (fault injection: a peer that dies while answering). Thread-safe, idempotent.
  virtual void Abort() = 0;
  virtual bool IsOpen() const = 0;
  // Called once, on a loop thread, when the client disconnects or Close() completes.
  virtual void OnClosed(std::function<void()> callback) = 0;
};

// Given to the handler; answer exactly once, from any thread, now or later. Dropping the last reference without
// answering sends 500 (so does a handler that throws).
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void Respond(HttpResponse response) = 0;
  virtual std::shared_ptr<ResponseStream> StartStream(int status, Headers headers) = 0;
};

using Handler = std::function<void(const HttpRequest& request, std::shared_ptr<Responder> responder)>;

class HttpServer {
 public:
  static common::Result<std::unique_ptr<HttpServer>> Start(EventLoop& loop, ServerOptions options, Handler handler);
  virtual ~HttpServer() = default;

  // Bound ports, in the order of options.endpoints.
  virtual std::vector<uint16_t> ports() const = 0;
  // Swaps the serving certificate for new connections (hot reload). Existing connections keep theirs.
  virtual common::Status ReloadTls(const TlsServerConfig& tls) = 0;
  // Stops accepting, closes open connections after in-flight responses finish (or after `grace`); open streams
  // are ended cleanly. Idempotent. Destroying the server is Shutdown(0); after the destructor returns (called
  // off the loop threads) the handler is never invoked again.
  virtual void Shutdown(std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) = 0;
};

}  // namespace net
