#include "common/net/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/net/tls_util.h"

namespace net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using common::Error;
using common::ErrorCode;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A streamed response that stops being drained (stalled client) is cut off past this many queued bytes rather
// than growing without bound.
constexpr std::size_t kMaxQueuedStreamBytes = 16 << 20;
// Read buffers larger than this are released between requests (per-connection memory stays small).
constexpr std::size_t kRetainedBufferBytes = 64 << 10;

common::Result<std::shared_ptr<ssl::context>> MakeServerContext(const TlsServerConfig& config) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  internal::ApplyProtocolFloor(native);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  error_code ec;
  if (!config.cert_pem.empty()) {
    ctx->use_certificate_chain(asio::buffer(config.cert_pem), ec);
  } else if (!config.cert_file.empty()) {
    ctx->use_certificate_chain_file(config.cert_file, ec);
  } else {
    return Error::Make(ErrorCode::kInvalidArgument, "TLS serving needs a certificate");
  }
  if (ec) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "loading serving certificate " + config.cert_file + ": " + ec.message());
  }
  if (!config.key_pem.empty()) {
    ctx->use_private_key(asio::buffer(config.key_pem), ssl::context::pem, ec);
  } else if (!config.key_file.empty()) {
    ctx->use_private_key_file(config.key_file, ssl::context::pem, ec);
  } else {
    return Error::Make(ErrorCode::kInvalidArgument, "TLS serving needs a private key");
  }
  if (ec) {
    return Error::Make(
        ErrorCode::kInvalidArgument,
        internal::KeyLoadError(config.key_file.empty() ? "serving key" : "serving key " + config.key_file,
                               static_cast<unsigned long>(ec.value()), ec.message()));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return Error::Make(ErrorCode::kInvalidArgument, "serving key does not match the serving certificate");
  }

  std::string ca_pem = config.client_ca_pem;
  if (ca_pem.empty() && !config.client_ca_file.empty()) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(config.client_ca_file.c_str(), "r"), &BIO_free);
    if (!bio) {
      ERR_clear_error();
      return Error::Make(ErrorCode::kInvalidArgument, "cannot read client CA file " + config.client_ca_file);
    }
    char buf[4096];
    int n;
    while ((n = BIO_read(bio.get(), buf, sizeof(buf))) > 0) ca_pem.append(buf, static_cast<std::size_t>(n));
  }
  if (!ca_pem.empty()) {
    if (auto st = internal::AddTrustedPem(native, ca_pem, /*advertise=*/true); !st.ok()) {
      return Error::Make(ErrorCode::kInvalidArgument, "client CA: " + st.error().message);
    }
    if (config.require_client_cert) {
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    } else {
      // Accept the handshake whatever the certificate; SSL_get_verify_result still records the outcome, which
      // becomes TlsPeer::verified. Authentication is the API layer's decision, as in kube-apiserver.
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    }
  }
  // Required by OpenSSL for session resumption when client certificates are requested.
  static constexpr unsigned char kSessionContext[] = "kma-net";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
  return ctx;
}

std::string FormatEndpoint(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

bool IsHttpParseError(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// A header field value or name must not smuggle a line break into the response.
bool SafeHeaderText(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

void AppendStatusLine(std::string* out, int status) {
  out->append("HTTP/1.1 ");
  out->append(std::to_string(status));
  out->push_back(' ');
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out->append(reason.data(), reason.size());
  out->append("\r\n");
}

// Appends the handler's headers, dropping the framing headers the server owns.
void AppendHeaders(std::string* out, const Headers& headers, bool* close_requested) {
  for (const Header& h : headers) {
    if (!SafeHeaderText(h.name) || !SafeHeaderText(h.value) || h.name.empty()) continue;
    if (EqualsIgnoreCase(h.name, "Content-Length") || EqualsIgnoreCase(h.name, "Transfer-Encoding")) continue;
    if (EqualsIgnoreCase(h.name, "Connection")) {
      if (EqualsIgnoreCase(h.value, "close")) *close_requested = true;
      continue;
    }
    out->append(h.name);
    out->append(": ");
    out->append(h.value);
    out->append("\r\n");
  }
}

class ServerCore;
class Connection;

class StreamImpl final : public ResponseStream {
 public:
  explicit StreamImpl(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}
  bool Write(std::string chunk) override;
  void Close() override;
  void Abort() override;
  bool IsOpen() const override { return open_.load(); }
  void OnClosed(std::function<void()> callback) override;

  // Called on the connection strand once the stream is over (client gone, Close finished, server shut down).
  void MarkClosed();

 private:
  std::shared_ptr<Connection> conn_;
  std::atomic<bool> open_{true};
  std::mutex mu_;
  bool closed_ = false;  // MarkClosed ran
  std::function<void()> on_closed_;
};

// State shared by the listeners and connections of one server; outlives HttpServer while callbacks are pending.
class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  ServerCore(asio::io_context& ioc, ServerOptions options, Handler handler)
      : ioc_(ioc), options_(std::move(options)), handler_(std::move(handler)) {}

  asio::io_context& ioc() { return ioc_; }
  const ServerOptions& options() const { return options_; }
  bool shutting_down() const { return shutting_down_.load(); }

  std::shared_ptr<ssl::context> tls_context() {
    std::lock_guard<std::mutex> lock(tls_mu_);
    return tls_;
  }
  void set_tls_context(std::shared_ptr<ssl::context> ctx) {
    std::lock_guard<std::mutex> lock(tls_mu_);
    tls_ = std::move(ctx);
  }

  common::Status Listen();
  void StartAccepting();
  std::vector<uint16_t> ports() const { return ports_; }

  // Runs the user handler unless the server is being destroyed.
  void Dispatch(const HttpRequest& request, std::shared_ptr<Responder> responder);
  // Makes Dispatch a no-op and waits for running handlers (unless called from one).
  void StopDispatching(bool wait);

  bool Register(const std::shared_ptr<Connection>& conn);
  void Unregister(Connection* conn);
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    std::unique_ptr<asio::steady_timer> retry_timer;
  };
  void Accept(std::size_t index);
  void OnAccept(std::size_t index, const error_code& ec, tcp::socket socket);

  asio::io_context& ioc_;
  const ServerOptions options_;
  const Handler handler_;
  std::mutex tls_mu_;
  std::shared_ptr<ssl::context> tls_;
  std::vector<Listener> listeners_;
  std::vector<uint16_t> ports_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> dispatch_stopped_{false};
  std::atomic<int> dispatching_{0};
  std::mutex conn_mu_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<ServerCore> core, tcp::socket socket, std::shared_ptr<ssl::context> tls)
      : core_(std::move(core)), executor_(socket.get_executor()), tls_context_(std::move(tls)) {
    error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) remote_address_ = FormatEndpoint(remote);
    const auto local = socket.local_endpoint(ec);
    if (!ec) {
      local_address_ = local.address().to_string();
      local_port_ = local.port();
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (tls_context_) {
      tls_.emplace(std::move(socket), *tls_context_);
    } else {
      plain_.emplace(std::move(socket));
    }
  }

  void Start() {
    asio::dispatch(executor_, [self = shared_from_this()] {
      if (self->tls_) {
        self->Handshake();
      } else {
        self->ReadRequest();
      }
    });
  }

  // --- called through posts to the strand ---
  void SendResponse(HttpResponse response);
  void BeginStream(int status, Headers headers, std::shared_ptr<StreamImpl> stream);
  void QueueChunk(std::string framed);
  // Ends a streamed response once the queued chunks are written: with the terminating chunk (a complete body), or
  // without it (`terminate` false: the client sees the body cut off).
  void EndStream(bool terminate = true);
  void OnServerShutdown();
  void ForceClose() { Close(); }

  const asio::any_io_executor& executor() const { return executor_; }

 private:
  enum class Phase { kReading, kHandling, kWriting, kStreaming, kClosed };

  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <class F>
  void WithStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  void Handshake();
  void ReadRequest();
  void ReadMessage();
  void OnRead(const error_code& ec);
  void WriteSimpleError(int status, std::string_view message);
  void LingerThenClose();
  void Drain(std::size_t drained);
  void WriteBuffered();
  void WritePart(const std::string& part, bool body_follows);
  void OnWritten(const error_code& ec);
  void FlushStream();
  void WatchForDisconnect();
  void Close();

  std::shared_ptr<ServerCore> core_;
  asio::any_io_executor executor_;
  std::shared_ptr<ssl::context> tls_context_;  // keeps the context alive across ReloadTls
  std::optional<PlainStream> plain_;
  std::optional<TlsStream> tls_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  TlsPeer peer_;
  std::string remote_address_;
  std::string local_address_;
  uint16_t local_port_ = 0;

  Phase phase_ = Phase::kReading;
  bool first_request_ = true;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool linger_ = false;  // after an error response, drain what the client still sends before closing
  std::string out_head_;
  std::string out_body_;

  std::shared_ptr<StreamImpl> stream_;
  std::deque<std::string> stream_queue_;
  std::size_t stream_queued_bytes_ = 0;
  bool stream_writing_ = false;
  bool stream_ending_ = false;
  std::array<char, 512> discard_{};
};

class ResponderImpl final : public Responder {
 public:
  explicit ResponderImpl(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}
  ~ResponderImpl() override {
    // A handler that drops its responder must not leave the client hanging.
    if (!answered_.exchange(true)) {
      asio::post(conn_->executor(), [conn = conn_] {
        conn->SendResponse(HttpResponse::Make(500, "text/plain", "handler did not respond\n"));
      });
    }
  }

  void Respond(HttpResponse response) override {
    if (answered_.exchange(true)) return;
    asio::post(conn_->executor(),
               [conn = conn_, response = std::move(response)]() mutable { conn->SendResponse(std::move(response)); });
  }

  std::shared_ptr<ResponseStream> StartStream(int status, Headers headers) override {
    auto stream = std::make_shared<StreamImpl>(conn_);
    if (answered_.exchange(true)) {
      stream->MarkClosed();  // a second answer is ignored; the stream reports closed from the start
      return stream;
    }
    asio::post(conn_->executor(), [conn = conn_, status, headers = std::move(headers), stream]() mutable {
      conn->BeginStream(status, std::move(headers), std::move(stream));
    });
    return stream;
  }

 private:
  std::shared_ptr<Connection> conn_;
  std::atomic<bool> answered_{false};
};

// ---------------- StreamImpl ----------------

bool StreamImpl::Write(std::string chunk) {
  if (!open_.load()) return false;
  if (chunk.empty()) return true;  // an empty chunk would end the response
  char size_line[24];
  const int n = std::snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  std::string framed;
  framed.reserve(static_cast<std::size_t>(n) + chunk.size() + 2);
  framed.append(size_line, static_cast<std::size_t>(n));
  framed.append(chunk);
  framed.append("\r\n");
  asio::post(conn_->executor(),
             [conn = conn_, framed = std::move(framed)]() mutable { conn->QueueChunk(std::move(framed)); });
  return true;
}

void StreamImpl::Close() {
  if (!open_.exchange(false)) return;
  asio::post(conn_->executor(), [conn = conn_] { conn->EndStream(); });
}

void StreamImpl::Abort() {
  if (!open_.exchange(false)) return;
  asio::post(conn_->executor(), [conn = conn_] { conn->EndStream(/*terminate=*/false); });
}

void StreamImpl::OnClosed(std::function<void()> callback) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!closed_) {
    on_closed_ = std::move(callback);
    return;
  }
  lock.unlock();
  asio::post(conn_->executor(), std::move(callback));
}

void StreamImpl::MarkClosed() {
  open_.store(false);
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    callback = std::move(on_closed_);
  }
  if (callback) callback();
}

// ---------------- Connection ----------------

void Connection::Handshake() {
  Lowest().expires_after(core_->options().read_timeout);
  tls_->async_handshake(ssl::stream_base::server, [self = shared_from_this()](const error_code& ec) {
    if (ec) {
      self->Close();
      return;
    }
    SSL* ssl = self->tls_->native_handle();
    if (X509* cert = SSL_get1_peer_certificate(ssl)) {
      self->peer_.presented = true;
      self->peer_.verified = SSL_get_verify_result(ssl) == X509_V_OK;
      internal::ReadSubject(cert, &self->peer_);
      X509_free(cert);
    }
    self->ReadRequest();
  });
}

void Connection::ReadRequest() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kReading;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(core_->options().max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser_->body_limit(core_->options().max_body_bytes);
  if (first_request_ || buffer_.size() > 0) {
    first_request_ = false;
    ReadMessage();
    return;
  }
  // Between requests the idle timeout applies; once the first byte of a request arrives, the (shorter) read
  // timeout bounds the rest of it, which is what stops slowloris clients.
  Lowest().expires_after(core_->options().idle_timeout);
  WithStream([this](auto& stream) {
    stream.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](const error_code& ec, std::size_t n) {
      if (ec) {
        self->Close();
        return;
      }
      self->buffer_.commit(n);
      self->ReadMessage();
    });
  });
}

void Connection::ReadMessage() {
  Lowest().expires_after(core_->options().read_timeout);
  WithStream([this](auto& stream) {
    http::async_read(stream, buffer_, *parser_,
                     [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnRead(ec); });
  });
}

void Connection::OnRead(const error_code& ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec == http::error::header_limit) return WriteSimpleError(431, "request header fields too large\n");
  if (ec == http::error::body_limit) return WriteSimpleError(413, "request entity too large\n");
  if (ec && IsHttpParseError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return WriteSimpleError(400, "malformed HTTP request\n");
  }
  if (ec) return Close();  // end of stream, timeout, reset

  http::request<http::string_body> message = parser_->release();
  parser_.reset();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  if (!ParseTarget(request.target, &request.path, &request.query)) {
    return WriteSimpleError(400, "malformed percent-encoding in request target\n");
  }
  request.headers.reserve(16);
  for (const auto& field : message) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = std::move(message.body());
  // An unusually large request must not pin its buffer for the life of a keep-alive connection.
  if (buffer_.capacity() > kRetainedBufferBytes && buffer_.size() == 0) buffer_.shrink_to_fit();
  request.tls = tls_.has_value();
  request.peer = peer_;
  request.remote_address = remote_address_;
  request.local_address = local_address_;
  request.local_port = local_port_;
  keep_alive_ = message.keep_alive() && !core_->shutting_down();
  head_request_ = message.method() == http::verb::head;

  phase_ = Phase::kHandling;
  Lowest().expires_never();  // the handler may take its time (e.g. a slow upstream); the client waits
  core_->Dispatch(request, std::make_shared<ResponderImpl>(shared_from_this()));
}

void Connection::WriteSimpleError(int status, std::string_view message) {
  keep_alive_ = false;
  head_request_ = false;
  linger_ = true;
  SendResponse(HttpResponse::Make(status, "text/plain; charset=utf-8", std::string(message)));
}

void Connection::SendResponse(HttpResponse response) {
  if (phase_ == Phase::kClosed) return;
  bool close_requested = false;
  out_head_.clear();
  AppendStatusLine(&out_head_, response.status);
  AppendHeaders(&out_head_, response.headers, &close_requested);
  if (close_requested) keep_alive_ = false;
  const bool bodyless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!bodyless) {
    out_head_.append("Content-Length: ");
    out_head_.append(std::to_string(response.body.size()));
    out_head_.append("\r\n");
  }
  if (!keep_alive_) out_head_.append("Connection: close\r\n");
  out_head_.append("\r\n");
  out_body_ = (bodyless || head_request_) ? std::string() : std::move(response.body);
  WriteBuffered();
}

void Connection::WriteBuffered() {
  phase_ = Phase::kWriting;
  Lowest().expires_after(core_->options().write_timeout);
  // One buffer per async_write: a two-buffer sequence through beast::ssl_stream completed after the first buffer
  // with success, so TLS bodies beyond the head were never sent. Small bodies ride along with the head (one
  // record); large ones follow it in a second write rather than being copied.
  constexpr std::size_t kCoalesceBytes = 16 << 10;
  if (!out_body_.empty() && out_body_.size() <= kCoalesceBytes) {
    out_head_.append(out_body_);
    out_body_.clear();
  }
  WritePart(out_head_, !out_body_.empty());
}

void Connection::WritePart(const std::string& part, bool body_follows) {
  WithStream([&](auto& stream) {
    asio::async_write(stream, asio::buffer(part),
                      [self = shared_from_this(), body_follows](const error_code& ec, std::size_t) {
                        if (!ec && body_follows) return self->WritePart(self->out_body_, false);
                        self->OnWritten(ec);
                      });
  });
}

void Connection::OnWritten(const error_code& ec) {
  // Large bodies are released right away; the head string keeps its capacity for the next response.
  out_body_ = std::string();
  if (!ec && linger_) return LingerThenClose();
  if (ec || !keep_alive_ || core_->shutting_down()) return Close();
  ReadRequest();
}

// Closing a socket with unread input makes the kernel send a reset, which can destroy the error response
// before the client reads it (e.g. a 413 while the client is still uploading). So: half-close, then drain
// for a bounded time and amount, then close.
void Connection::LingerThenClose() {
  error_code ec;
  Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  Lowest().expires_after(std::chrono::seconds(2));
  Drain(0);
}

void Connection::Drain(std::size_t drained) {
  constexpr std::size_t kMaxDrain = 1 << 20;
  if (drained > kMaxDrain) return Close();
  Lowest().async_read_some(asio::buffer(discard_),
                           [self = shared_from_this(), drained](const error_code& ec, std::size_t n) {
                             if (ec) return self->Close();
                             self->Drain(drained + n);
                           });
}

void Connection::BeginStream(int status, Headers headers, std::shared_ptr<StreamImpl> stream) {
  if (phase_ == Phase::kClosed) {
    stream->MarkClosed();
    return;
  }
  stream_ = std::move(stream);
  phase_ = Phase::kStreaming;
  bool ignored = false;
  std::string head;
  AppendStatusLine(&head, status);
  AppendHeaders(&head, headers, &ignored);
  // A streamed response ends the connection: the disconnect watch below reads from the socket, so the next
  // request could not be parsed cleanly. Watch connections are one-shot anyway.
  head.append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  stream_queued_bytes_ += head.size();
  stream_queue_.push_front(std::move(head));
  Lowest().expires_never();
  FlushStream();
  WatchForDisconnect();
  if (core_->shutting_down()) EndStream();
}

void Connection::QueueChunk(std::string framed) {
  if (phase_ == Phase::kClosed || stream_ending_) return;
  stream_queued_bytes_ += framed.size();
  if (stream_queued_bytes_ > kMaxQueuedStreamBytes) return Close();
  stream_queue_.push_back(std::move(framed));
  if (phase_ == Phase::kStreaming) FlushStream();
}

void Connection::EndStream(bool terminate) {
  if (phase_ == Phase::kClosed || stream_ending_) return;
  stream_ending_ = true;
  // Without the "0\r\n\r\n" terminator, FlushStream closes the socket once the queue is written.
  if (terminate) stream_queue_.push_back("0\r\n\r\n");
  if (phase_ == Phase::kStreaming) FlushStream();
}

void Connection::FlushStream() {
  if (stream_writing_ || phase_ != Phase::kStreaming) return;
  if (stream_queue_.empty()) {
    if (stream_ending_) Close();
    return;
  }
  stream_writing_ = true;
  WithStream([this](auto& stream) {
    asio::async_write(stream, asio::buffer(stream_queue_.front()),
                      [self = shared_from_this()](const error_code& ec, std::size_t n) {
                        self->stream_writing_ = false;
                        // Closed meanwhile (the client went away, the server shut down): Close left the queue
                        // alone because this write still pointed into its front; drop it now.
                        if (ec || self->phase_ == Phase::kClosed) {
                          self->stream_queue_.clear();
                          return self->Close();
                        }
                        self->stream_queued_bytes_ -= std::min(self->stream_queued_bytes_, n);
                        self->stream_queue_.pop_front();
                        self->FlushStream();
                      });
  });
}

void Connection::WatchForDisconnect() {
  WithStream([this](auto& stream) {
    stream.async_read_some(asio::buffer(discard_), [self = shared_from_this()](const error_code& ec, std::size_t) {
      if (self->phase_ == Phase::kClosed) return;
      if (ec) return self->Close();
      self->WatchForDisconnect();  // bytes from the client during a stream carry no meaning; drop them
    });
  });
}

void Connection::OnServerShutdown() {
  switch (phase_) {
    case Phase::kReading:
      Close();
      break;
    case Phase::kHandling:
    case Phase::kWriting:
      keep_alive_ = false;
      break;
    case Phase::kStreaming:
      if (stream_) stream_->Close();
      EndStream();
      break;
    case Phase::kClosed:
      break;
  }
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  error_code ec;
  auto& socket = Lowest().socket();
  // No TLS close_notify round trip: it would need another timed async step per connection and HTTP framing
  // already tells the client where the response ends.
  socket.shutdown(tcp::socket::shutdown_both, ec);
  Lowest().close();
  // An async_write in flight still reads the front chunk; its completion clears the queue instead. (Clearing
  // here freed that buffer under the write and let the completion pop an empty deque: heap corruption.)
  if (!stream_writing_) stream_queue_.clear();
  if (stream_) {
    stream_->MarkClosed();
    stream_.reset();  // the stream holds the connection; drop the back reference so both can be freed
  }
  core_->Unregister(this);
}

// ---------------- ServerCore ----------------

common::Status ServerCore::Listen() {
  if (options_.endpoints.empty()) return Error::Make(ErrorCode::kInvalidArgument, "no endpoint to listen on");
  listeners_.reserve(options_.endpoints.size());
  for (const Endpoint& endpoint : options_.endpoints) {
    error_code ec;
    const auto address = asio::ip::make_address(endpoint.address, ec);
    if (ec) return Error::Make(ErrorCode::kInvalidArgument, "bad listen address \"" + endpoint.address + "\"");
    const tcp::endpoint ep(address, endpoint.port);
    auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(ioc_));
    const std::string where = FormatEndpoint(ep);
    if (acceptor->open(ep.protocol(), ec); ec) {
      return Error::Make(ErrorCode::kUnavailable, "listen on " + where + ": " + ec.message());
    }
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (acceptor->bind(ep, ec); ec) {
      return Error::Make(ErrorCode::kUnavailable, "listen on " + where + ": " + ec.message());
    }
    if (acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) {
      return Error::Make(ErrorCode::kUnavailable, "listen on " + where + ": " + ec.message());
    }
    ports_.push_back(acceptor->local_endpoint(ec).port());
    Listener listener;
    listener.retry_timer = std::make_unique<asio::steady_timer>(acceptor->get_executor());
    listener.acceptor = std::move(acceptor);
    listeners_.push_back(std::move(listener));
  }
  return common::Status::Ok();
}

void ServerCore::StartAccepting() {
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    asio::dispatch(listeners_[i].acceptor->get_executor(), [self = shared_from_this(), i] { self->Accept(i); });
  }
}

void ServerCore::Accept(std::size_t index) {
  if (shutting_down_.load()) return;
  listeners_[index].acceptor->async_accept(
      asio::make_strand(ioc_), [self = shared_from_this(), index](const error_code& ec, tcp::socket socket) {
        self->OnAccept(index, ec, std::move(socket));
      });
}

void ServerCore::OnAccept(std::size_t index, const error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || shutting_down_.load()) return;
  if (ec) {
    // Out of descriptors (EMFILE/ENFILE) or a transient error: retrying at once would spin the loop.
    Listener& listener = listeners_[index];
    listener.retry_timer->expires_after(std::chrono::milliseconds(50));
    listener.retry_timer->async_wait([self = shared_from_this(), index](const error_code& wait_ec) {
      if (!wait_ec) self->Accept(index);
    });
    return;
  }
  std::shared_ptr<ssl::context> tls;
  if (options_.tls) tls = tls_context();
  auto conn = std::make_shared<Connection>(shared_from_this(), std::move(socket), std::move(tls));
  if (Register(conn)) conn->Start();
  Accept(index);
}

bool ServerCore::Register(const std::shared_ptr<Connection>& conn) {
  std::lock_guard<std::mutex> lock(conn_mu_);
  if (connections_.size() >= options_.max_connections) return false;  // conn's socket closes with it
  connections_.emplace(conn.get(), conn);
  return true;
}

void ServerCore::Unregister(Connection* conn) {
  std::lock_guard<std::mutex> lock(conn_mu_);
  connections_.erase(conn);
}

void ServerCore::Dispatch(const HttpRequest& request, std::shared_ptr<Responder> responder) {
  // Counter first, flag second: StopDispatching sets the flag first and then waits for the counter, so a
  // handler either sees the flag or is waited for.
  dispatching_.fetch_add(1);
  if (!dispatch_stopped_.load()) {
    try {
      handler_(request, std::move(responder));
    } catch (...) {
      // The responder (if the handler dropped it) answers 500; nothing may escape into the event loop.
    }
  } else {
    responder->Respond(HttpResponse::Make(503, "text/plain", "server is shutting down\n"));
  }
  dispatching_.fetch_sub(1);
}

void ServerCore::StopDispatching(bool wait) {
  dispatch_stopped_.store(true);
  if (!wait) return;
  while (dispatching_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void ServerCore::Shutdown(std::chrono::milliseconds grace) {
  if (shutting_down_.exchange(true)) {
    if (grace.count() > 0) return;  // a forced close after an earlier graceful one still proceeds
  }
  for (Listener& listener : listeners_) {
    tcp::acceptor* acceptor = listener.acceptor.get();
    asio::steady_timer* timer = listener.retry_timer.get();
    asio::dispatch(acceptor->get_executor(), [self = shared_from_this(), acceptor, timer] {
      error_code ec;
      acceptor->close(ec);
      timer->cancel();
    });
  }
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard<std::mutex> lock(conn_mu_);
    for (auto& [ptr, weak] : connections_) {
      if (auto conn = weak.lock()) open.push_back(std::move(conn));
    }
  }
  for (auto& conn : open) {
    asio::dispatch(conn->executor(), [conn, force = grace.count() <= 0] {
      if (force) {
        conn->ForceClose();
      } else {
        conn->OnServerShutdown();
      }
    });
  }
  if (grace.count() > 0) {
    auto timer = std::make_shared<asio::steady_timer>(ioc_, grace);
    timer->async_wait([self = shared_from_this(), timer](const error_code& ec) {
      if (!ec) self->Shutdown(std::chrono::milliseconds(0));
    });
  }
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(EventLoop& loop, std::shared_ptr<ServerCore> core) : loop_(loop), core_(std::move(core)) {}
  ~HttpServerImpl() override {
    core_->Shutdown(std::chrono::milliseconds(0));
    // After this returns the handler is never called again, so it may capture objects that die with us.
    core_->StopDispatching(/*wait=*/!loop_.InLoopThread());
  }

  std::vector<uint16_t> ports() const override { return core_->ports(); }

  common::Status ReloadTls(const TlsServerConfig& tls) override {
    if (!core_->options().tls) {
      return Error::Make(ErrorCode::kInvalidArgument, "the server was started without TLS");
    }
    auto ctx = MakeServerContext(tls);
    if (!ctx.ok()) return ctx.error();
    core_->set_tls_context(std::move(ctx).value());
    return common::Status::Ok();
  }

  void Shutdown(std::chrono::milliseconds grace) override { core_->Shutdown(grace); }

 private:
  EventLoop& loop_;
  std::shared_ptr<ServerCore> core_;
};

}  // namespace

common::Result<std::unique_ptr<HttpServer>> HttpServer::Start(EventLoop& loop, ServerOptions options, Handler handler) {
  if (!handler) return Error::Make(ErrorCode::kInvalidArgument, "HttpServer needs a handler");
  auto* ioc = static_cast<asio::io_context*>(loop.native_handle());
  std::shared_ptr<ssl::context> tls;
  if (options.tls) {
    auto ctx = MakeServerContext(*options.tls);
    if (!ctx.ok()) return ctx.error();
    tls = std::move(ctx).value();
  }
  auto core = std::make_shared<ServerCore>(*ioc, std::move(options), std::move(handler));
  core->set_tls_context(std::move(tls));
  if (auto st = core->Listen(); !st.ok()) return st.error();
  core->StartAccepting();
  return std::unique_ptr<HttpServer>(std::make_unique<HttpServerImpl>(loop, std::move(core)));
}

}  // namespace net
