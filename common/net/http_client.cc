#include "common/net/http_client.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/net/lean_tls_stream.h"
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
using Clock = std::chrono::steady_clock;

// Not beast::ssl_stream: asio's ssl::stream pins 70 KiB of buffers per connection for its whole life, and the
// kubelet client keeps one connection per node (see lean_tls_stream.h).
using TlsStream = internal::LeanTlsStream;

constexpr std::size_t kStreamReadBuffer = 64 << 10;

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

std::string HostPort(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

common::Result<std::string> ReadWholeFile(const std::string& path) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) {
    ERR_clear_error();
    return Error::Make(ErrorCode::kInvalidArgument, "cannot read " + path);
  }
  std::string out;
  char buf[4096];
  int n;
  while ((n = BIO_read(bio.get(), buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

common::Result<std::shared_ptr<ssl::context>> MakeClientContext(const TlsClientConfig& config) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  internal::ApplyProtocolFloor(native);
  error_code ec;
  if (config.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    std::string ca_pem = config.ca_pem;
    if (ca_pem.empty() && !config.ca_file.empty()) {
      auto file = ReadWholeFile(config.ca_file);
      if (!file.ok()) return Error::Make(ErrorCode::kInvalidArgument, "CA bundle: " + file.error().message);
      ca_pem = std::move(file).value();
    }
    if (!ca_pem.empty()) {
      if (auto st = internal::AddTrustedPem(native, ca_pem, /*advertise=*/false); !st.ok()) {
        return Error::Make(ErrorCode::kInvalidArgument, "CA bundle: " + st.error().message);
      }
    } else {
      ctx->set_default_verify_paths(ec);
    }
  }
  const bool has_cert = !config.client_cert_pem.empty() || !config.client_cert_file.empty();
  const bool has_key = !config.client_key_pem.empty() || !config.client_key_file.empty();
  if (has_cert != has_key) {
    return Error::Make(ErrorCode::kInvalidArgument, "a client certificate needs both the certificate and the key");
  }
  if (has_cert) {
    if (!config.client_cert_pem.empty()) {
      ctx->use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
    } else {
      ctx->use_certificate_chain_file(config.client_cert_file, ec);
    }
    if (ec) {
      ERR_clear_error();
      return Error::Make(ErrorCode::kInvalidArgument, "loading client certificate: " + ec.message());
    }
    if (!config.client_key_pem.empty()) {
      ctx->use_private_key(asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    } else {
      ctx->use_private_key_file(config.client_key_file, ssl::context::pem, ec);
    }
    if (ec)
      return Error::Make(ErrorCode::kInvalidArgument,
                         internal::KeyLoadError("client key", static_cast<unsigned long>(ec.value()), ec.message()));
    if (SSL_CTX_check_private_key(native) != 1) {
      ERR_clear_error();
      return Error::Make(ErrorCode::kInvalidArgument, "client key does not match the client certificate");
    }
  }
  return ctx;
}

// One transport connection; used by one exchange at a time, all I/O on its strand.
struct Connection {
  explicit Connection(asio::io_context& ioc, ssl::context* tls_context, std::string pool_key)
      : executor(asio::make_strand(ioc)), key(std::move(pool_key)) {
    if (tls_context != nullptr) {
      tls.emplace(executor, *tls_context);
    } else {
      plain.emplace(executor);
    }
  }
  beast::tcp_stream& Lowest() { return tls ? tls->next_layer() : *plain; }
  template <class F>
  void WithStream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }
  // Whether a pooled connection still looks usable: the server has not closed it or sent anything unasked.
  bool LooksAlive() {
    auto& socket = Lowest().socket();
    if (!socket.is_open()) return false;
    char probe;
    const ssize_t n = ::recv(socket.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  asio::any_io_executor executor;
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;
  std::string key;
  Clock::time_point idle_since;
};

class ConnectionPool {
 public:
  ConnectionPool(std::size_t max_idle_per_host, std::chrono::milliseconds idle_timeout)
      : max_idle_per_host_(max_idle_per_host), idle_timeout_(idle_timeout) {}

  std::unique_ptr<Connection> Take(const std::string& key) {
    std::vector<std::unique_ptr<Connection>> stale;  // destroyed outside the lock
    std::unique_ptr<Connection> found;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = idle_.find(key);
      if (it == idle_.end()) return nullptr;
      auto& list = it->second;
      const auto now = Clock::now();
      while (!list.empty()) {
        std::unique_ptr<Connection> conn = std::move(list.back());
        list.pop_back();
        if (now - conn->idle_since <= idle_timeout_ && conn->LooksAlive()) {
          found = std::move(conn);
          break;
        }
        stale.push_back(std::move(conn));
      }
      if (list.empty()) idle_.erase(it);
    }
    return found;
  }

  void Put(std::unique_ptr<Connection> conn) {
    conn->idle_since = Clock::now();
    std::unique_ptr<Connection> evicted;
    std::lock_guard<std::mutex> lock(mu_);
    auto& list = idle_[conn->key];
    // Evict the oldest connection of the host first: it is the most likely to have been closed by the server.
    if (list.size() >= max_idle_per_host_) {
      if (max_idle_per_host_ == 0) return;
      evicted = std::move(list.front());
      list.erase(list.begin());
    }
    list.push_back(std::move(conn));
  }

  void Clear() {
    std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
    std::lock_guard<std::mutex> lock(mu_);
    idle.swap(idle_);
  }

 private:
  const std::size_t max_idle_per_host_;
  const std::chrono::milliseconds idle_timeout_;
  std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
};

class Exchange;

struct ClientCore {
  ClientCore(asio::io_context& io, ClientOptions opts, std::shared_ptr<ssl::context> ctx)
      : ioc(io),
        options(std::move(opts)),
        tls(std::move(ctx)),
        pool(options.max_idle_connections_per_host, options.idle_connection_timeout) {}

  asio::io_context& ioc;
  const ClientOptions options;
  const std::shared_ptr<ssl::context> tls;
  ConnectionPool pool;

  // In-flight exchanges, so that destroying the client can abort them and wait for their callbacks.
  std::mutex mu;
  std::unordered_map<Exchange*, std::weak_ptr<Exchange>> inflight;
  std::atomic<bool> closed{false};
};

// Reads a streamed body in pieces; all socket work happens on the connection strand.
class StreamState : public std::enable_shared_from_this<StreamState> {
 public:
  StreamState(std::unique_ptr<Connection> conn, std::unique_ptr<http::response_parser<http::buffer_body>> parser,
              std::string where)
      : conn_(std::move(conn)), parser_(std::move(parser)), where_(std::move(where)), chunk_(kStreamReadBuffer) {}

  common::Result<std::string> Read(std::chrono::milliseconds idle_timeout) {
    std::promise<common::Result<std::string>> promise;
    auto future = promise.get_future();
    asio::post(conn_->executor,
               [self = shared_from_this(), idle_timeout, &promise] { self->StartRead(idle_timeout, &promise); });
    return future.get();
  }

  void Cancel() {
    cancelled_.store(true);
    asio::post(conn_->executor, [self = shared_from_this()] {
      error_code ec;
      self->conn_->Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->conn_->Lowest().close();
    });
  }

  bool cancelled() const { return cancelled_.load(); }

 private:
  using Promise = std::promise<common::Result<std::string>>;

  void StartRead(std::chrono::milliseconds idle_timeout, Promise* promise) {
    if (cancelled_.load()) {
      promise->set_value(Error::Make(ErrorCode::kUnavailable, "stream from " + where_ + " was cancelled"));
      return;
    }
    if (parser_->is_done()) {
      promise->set_value(std::string());
      return;
    }
    conn_->Lowest().expires_after(idle_timeout);
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    body.more = true;
    conn_->WithStream([&](auto& stream) {
      http::async_read_some(stream, conn_->buffer, *parser_,
                            [self = shared_from_this(), idle_timeout, promise](const error_code& ec, std::size_t) {
                              self->OnRead(ec, idle_timeout, promise);
                            });
    });
  }

  void OnRead(error_code ec, std::chrono::milliseconds idle_timeout, Promise* promise) {
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t n = chunk_.size() - parser_->get().body().size;
    if (cancelled_.load()) {
      promise->set_value(Error::Make(ErrorCode::kUnavailable, "stream from " + where_ + " was cancelled"));
      return;
    }
    if (ec == beast::error::timeout) {
      promise->set_value(Error::Make(ErrorCode::kTimeout, "no data from " + where_ + " within the idle timeout"));
      return;
    }
    if (ec) {
      promise->set_value(Error::Make(ErrorCode::kUnavailable, "stream from " + where_ + " broke: " + ec.message()));
      return;
    }
    if (n == 0 && !parser_->is_done()) {
      StartRead(idle_timeout, promise);  // only framing (chunk headers) arrived
      return;
    }
    promise->set_value(std::string(chunk_.data(), n));
  }

  std::unique_ptr<Connection> conn_;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser_;
  std::string where_;
  std::vector<char> chunk_;
  std::atomic<bool> cancelled_{false};
};

class BodyStreamImpl final : public BodyStream {
 public:
  BodyStreamImpl(std::shared_ptr<StreamState> state, EventLoop& loop) : state_(std::move(state)), loop_(loop) {}
  ~BodyStreamImpl() override { state_->Cancel(); }

  common::Result<std::string> Read(std::chrono::milliseconds idle_timeout) override {
    if (loop_.InLoopThread()) {
      return Error::Make(ErrorCode::kInternal, "BodyStream::Read must not be called from an event loop thread");
    }
    std::lock_guard<std::mutex> lock(read_mu_);  // one Read at a time; the promise lives on this stack frame
    return state_->Read(idle_timeout);
  }

  void Cancel() override { state_->Cancel(); }

 private:
  std::shared_ptr<StreamState> state_;
  EventLoop& loop_;
  std::mutex read_mu_;
};

// One request/response exchange (or the start of a stream).
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  using StreamCallback = std::function<void(common::Result<StreamingResponse>)>;

  Exchange(std::shared_ptr<ClientCore> core, EventLoop& loop, ClientRequest request, HttpClient::Callback callback,
           StreamCallback stream_callback)
      : core_(std::move(core)),
        loop_(loop),
        request_(std::move(request)),
        callback_(std::move(callback)),
        stream_callback_(std::move(stream_callback)) {
    host_ = request_.host;
    if (host_.size() > 2 && host_.front() == '[' && host_.back() == ']') host_ = host_.substr(1, host_.size() - 2);
    where_ = HostPort(host_, request_.port);
    const auto timeout = request_.timeout.count() > 0 ? request_.timeout : core_->options.request_timeout;
    deadline_ = Clock::now() + timeout;
  }

  void Start() {
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      core_->inflight.emplace(this, weak_from_this());
    }
    if (core_->closed.load()) return Finish(Error::Make(ErrorCode::kUnavailable, "the HTTP client was destroyed"));
    if (host_.empty()) return Finish(Error::Make(ErrorCode::kInvalidArgument, "request has no host"));
    if (!stream_callback_) conn_ = core_->pool.Take(where_);
    if (conn_) {
      reused_ = true;
      asio::dispatch(conn_->executor, [self = shared_from_this()] { self->Write(); });
      return;
    }
    Connect();
  }

  // From the client's destructor: abort whatever is in progress.
  void Abort() {
    std::lock_guard<std::mutex> lock(conn_mu_);
    if (!conn_) return;
    asio::post(conn_->executor, [self = shared_from_this()] {
      if (self->conn_) self->conn_->Lowest().close();
      if (self->resolver_) self->resolver_->cancel();
    });
  }

 private:
  void Connect() {
    {
      std::lock_guard<std::mutex> lock(conn_mu_);
      conn_ = std::make_unique<Connection>(core_->ioc, core_->options.use_tls ? core_->tls.get() : nullptr, where_);
    }
    const auto connect_deadline = std::min(deadline_, Clock::now() + core_->options.connect_timeout);
    error_code ec;
    const auto address = asio::ip::make_address(host_, ec);
    if (!ec) {
      asio::dispatch(conn_->executor, [self = shared_from_this(), address, connect_deadline] {
        const tcp::endpoint endpoint(address, self->request_.port);
        self->conn_->Lowest().expires_at(connect_deadline);
        self->conn_->Lowest().async_connect(endpoint, [self](const error_code& ec) { self->OnConnect(ec); });
      });
      return;
    }
    resolver_ = std::make_unique<tcp::resolver>(conn_->executor);
    asio::dispatch(conn_->executor, [self = shared_from_this(), connect_deadline] {
      self->resolver_->async_resolve(
          self->host_, std::to_string(self->request_.port),
          [self, connect_deadline](const error_code& ec, const tcp::resolver::results_type& results) {
            if (ec) {
              return self->Finish(
                  Error::Make(ErrorCode::kUnavailable, "resolving " + self->host_ + ": " + ec.message()));
            }
            self->conn_->Lowest().expires_at(connect_deadline);
            self->conn_->Lowest().async_connect(
                results, [self](const error_code& ec, const tcp::endpoint&) { self->OnConnect(ec); });
          });
    });
  }

  void OnConnect(const error_code& ec) {
    if (ec == beast::error::timeout) {
      return Finish(Error::Make(ErrorCode::kTimeout, "connecting to " + where_ + " timed out"));
    }
    if (ec) return Finish(Error::Make(ErrorCode::kUnavailable, "connecting to " + where_ + ": " + ec.message()));
    error_code ignored;
    conn_->Lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (!conn_->tls) return Write();
    Handshake();
  }

  void Handshake() {
    const TlsClientConfig& config = core_->options.tls;
    const std::string& name = config.server_name.empty() ? host_ : config.server_name;
    SSL* ssl = conn_->tls->native_handle();
    const bool ip = IsIpLiteral(name);
    // SNI carries host names only (RFC 6066); certificate checking covers both DNS and IP SANs.
    if (!ip) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!config.insecure_skip_verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
      }
    }
    conn_->Lowest().expires_at(deadline_);
    conn_->tls->async_handshake(ssl::stream_base::client, [self = shared_from_this()](const error_code& ec) {
      if (ec == beast::error::timeout) {
        return self->Finish(Error::Make(ErrorCode::kTimeout, "TLS handshake with " + self->where_ + " timed out"));
      }
      if (ec) {
        std::string reason = ec.message();
        const long verify = SSL_get_verify_result(self->conn_->tls->native_handle());
        if (verify != X509_V_OK) {
          reason = std::string("certificate verification failed: ") + X509_verify_cert_error_string(verify);
        }
        ERR_clear_error();
        return self->Finish(Error::Make(ErrorCode::kTls, "TLS handshake with " + self->where_ + ": " + reason));
      }
      self->Write();
    });
  }

  void Write() {
    out_.clear();
    out_.reserve(128 + request_.target.size() + request_.body.size());
    out_.append(request_.method.empty() ? "GET" : request_.method);
    out_.push_back(' ');
    out_.append(request_.target.empty() ? "/" : request_.target);
    out_.append(" HTTP/1.1\r\n");
    bool has_host = false;
    for (const Header& h : request_.headers) {
      if (h.name.find_first_of("\r\n") != std::string::npos || h.value.find_first_of("\r\n") != std::string::npos) {
        continue;
      }
      if (beast::iequals(h.name, "Content-Length") || beast::iequals(h.name, "Transfer-Encoding") ||
          beast::iequals(h.name, "Connection")) {
        continue;
      }
      if (beast::iequals(h.name, "Host")) has_host = true;
      out_.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (!has_host) {
      const bool default_port = request_.port == (conn_->tls ? 443 : 80);
      out_.append("Host: ").append(
          default_port ? (IsIpLiteral(host_) && host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_)
                       : where_);
      out_.append("\r\n");
    }
    const bool body_expected =
        !request_.body.empty() || request_.method == "POST" || request_.method == "PUT" || request_.method == "PATCH";
    if (body_expected) out_.append("Content-Length: ").append(std::to_string(request_.body.size())).append("\r\n");
    if (stream_callback_) out_.append("Connection: close\r\n");
    out_.append("\r\n");

    // One buffer: a two-buffer sequence through beast::ssl_stream completed after the first buffer, so request
    // bodies were lost over TLS. Request bodies are small (status updates, reviews); copying them is cheap.
    out_.append(request_.body);
    conn_->Lowest().expires_at(deadline_);
    conn_->WithStream([&](auto& stream) {
      asio::async_write(stream, asio::buffer(out_), [self = shared_from_this()](const error_code& ec, std::size_t) {
        if (ec && self->RetryOnFreshConnection(ec)) return;
        if (ec == beast::error::timeout) {
          return self->Finish(Error::Make(ErrorCode::kTimeout, "request to " + self->where_ + " timed out"));
        }
        if (ec) {
          return self->Finish(
              Error::Make(ErrorCode::kUnavailable, "sending request to " + self->where_ + ": " + ec.message()));
        }
        self->Read();
      });
    });
  }

  // A pooled connection the server closed in the meantime fails before any response byte; that is not the
  // request's fault, so it is retried once on a new connection (as Go's transport does).
  bool RetryOnFreshConnection(const error_code& ec) {
    if (!reused_ || retried_ || ec == beast::error::timeout || core_->closed.load()) return false;
    if (parser_ && parser_->got_some()) return false;
    retried_ = true;
    reused_ = false;
    parser_.reset();
    Connect();
    return true;
  }

  void Read() {
    conn_->Lowest().expires_at(deadline_);
    if (stream_callback_) {
      stream_parser_ = std::make_unique<http::response_parser<http::buffer_body>>();
      stream_parser_->header_limit(static_cast<std::uint32_t>(core_->options.max_response_header_bytes));
      stream_parser_->body_limit(boost::none);
      conn_->WithStream([&](auto& stream) {
        http::async_read_header(
            stream, conn_->buffer, *stream_parser_,
            [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnStreamHeader(ec); });
      });
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(core_->options.max_response_header_bytes));
    parser_->body_limit(core_->options.max_response_bytes);
    if (request_.method == "HEAD") parser_->skip(true);
    conn_->WithStream([&](auto& stream) {
      http::async_read(stream, conn_->buffer, *parser_,
                       [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnRead(ec); });
    });
  }

  Error ReadError(const error_code& ec) {
    if (ec == beast::error::timeout) return Error::Make(ErrorCode::kTimeout, "request to " + where_ + " timed out");
    if (ec == http::error::body_limit) {
      return Error::Make(ErrorCode::kTooLarge, "response from " + where_ + " exceeds " +
                                                   std::to_string(core_->options.max_response_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return Error::Make(ErrorCode::kTooLarge, "response headers from " + where_ + " are too large");
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated) {
      return Error::Make(ErrorCode::kUnavailable, "connection to " + where_ + " closed before the response ended");
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      // With TLS 1.3 a rejected client certificate surfaces here, after the client's side of the handshake.
      return Error::Make(ErrorCode::kTls, "TLS error from " + where_ + ": " + ec.message());
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return Error::Make(ErrorCode::kUnavailable, "malformed HTTP response from " + where_ + ": " + ec.message());
    }
    return Error::Make(ErrorCode::kUnavailable, "reading response from " + where_ + ": " + ec.message());
  }

  void OnRead(const error_code& ec) {
    if (ec && RetryOnFreshConnection(ec)) return;
    if (ec) return Finish(ReadError(ec));
    auto& message = parser_->get();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    response.headers.reserve(16);
    for (const auto& field : message) {
      response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    response.body = std::move(message.body());
    const bool reusable = message.keep_alive() && parser_->is_done() && !core_->closed.load();
    parser_.reset();
    if (reusable) {
      conn_->Lowest().expires_never();
      if (conn_->buffer.capacity() > kStreamReadBuffer && conn_->buffer.size() == 0) conn_->buffer.shrink_to_fit();
      std::unique_ptr<Connection> conn;
      {
        std::lock_guard<std::mutex> lock(conn_mu_);
        conn = std::move(conn_);
      }
      core_->pool.Put(std::move(conn));
    }
    Finish(std::move(response));
  }

  void OnStreamHeader(const error_code& ec) {
    if (ec) return FinishStream(ReadError(ec));
    auto& message = stream_parser_->get();
    StreamingResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    conn_->Lowest().expires_never();
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard<std::mutex> lock(conn_mu_);
      conn = std::move(conn_);
    }
    auto state = std::make_shared<StreamState>(std::move(conn), std::move(stream_parser_), where_);
    response.body = std::make_unique<BodyStreamImpl>(std::move(state), loop_);
    FinishStream(std::move(response));
  }

  void Finish(common::Result<ClientResponse> result) {
    if (stream_callback_) {
      if (!result.ok()) return FinishStream(result.error());
      return;  // unreachable: streams finish through FinishStream
    }
    Unregister();
    auto callback = std::move(callback_);
    callback_ = nullptr;
    if (callback) callback(std::move(result));
  }

  void FinishStream(common::Result<StreamingResponse> result) {
    Unregister();
    auto callback = std::move(stream_callback_);
    stream_callback_ = nullptr;
    if (callback) callback(std::move(result));
  }

  void Unregister() {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->inflight.erase(this);
  }

  std::shared_ptr<ClientCore> core_;
  EventLoop& loop_;
  ClientRequest request_;
  HttpClient::Callback callback_;
  StreamCallback stream_callback_;
  std::string host_;
  std::string where_;
  Clock::time_point deadline_;
  std::mutex conn_mu_;  // guards the conn_ pointer against Abort() from the destroying thread
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<tcp::resolver> resolver_;
  std::string out_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::unique_ptr<http::response_parser<http::buffer_body>> stream_parser_;
  bool reused_ = false;
  bool retried_ = false;
};

class HttpClientImpl final : public HttpClient {
 public:
  HttpClientImpl(EventLoop& loop, std::shared_ptr<ClientCore> core) : loop_(loop), core_(std::move(core)) {}

  ~HttpClientImpl() override {
    core_->closed.store(true);
    std::vector<std::shared_ptr<Exchange>> inflight;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      for (auto& [ptr, weak] : core_->inflight) {
        if (auto exchange = weak.lock()) inflight.push_back(std::move(exchange));
      }
    }
    for (auto& exchange : inflight) exchange->Abort();
    inflight.clear();
    // Callbacks may capture objects that die with the client: wait until none is pending (a loop thread cannot
    // wait for itself, and a stopped loop will never run them).
    if (!loop_.InLoopThread()) {
      while (!core_->ioc.stopped()) {
        {
          std::lock_guard<std::mutex> lock(core_->mu);
          if (core_->inflight.empty()) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    core_->pool.Clear();
  }

  void SendAsync(ClientRequest request, Callback callback) override {
    if (core_->ioc.stopped()) {
      // Nothing would ever complete the request; say so now instead of hanging a blocking caller.
      callback(Error::Make(ErrorCode::kUnavailable, "the event loop is stopped"));
      return;
    }
    auto exchange = std::make_shared<Exchange>(core_, loop_, std::move(request), std::move(callback), nullptr);
    exchange->Start();
  }

  common::Result<ClientResponse> Send(ClientRequest request) override {
    if (loop_.InLoopThread()) {
      return Error::Make(ErrorCode::kInternal, "HttpClient::Send must not be called from an event loop thread");
    }
    std::promise<common::Result<ClientResponse>> promise;
    auto future = promise.get_future();
    SendAsync(std::move(request),
              [&promise](common::Result<ClientResponse> result) { promise.set_value(std::move(result)); });
    return future.get();
  }

  common::Result<StreamingResponse> Stream(ClientRequest request) override {
    if (loop_.InLoopThread()) {
      return Error::Make(ErrorCode::kInternal, "HttpClient::Stream must not be called from an event loop thread");
    }
    if (core_->ioc.stopped()) return Error::Make(ErrorCode::kUnavailable, "the event loop is stopped");
    std::promise<common::Result<StreamingResponse>> promise;
    auto future = promise.get_future();
    auto exchange = std::make_shared<Exchange>(
        core_, loop_, std::move(request), nullptr,
        [&promise](common::Result<StreamingResponse> result) { promise.set_value(std::move(result)); });
    exchange->Start();
    return future.get();
  }

 private:
  EventLoop& loop_;
  std::shared_ptr<ClientCore> core_;
};

}  // namespace

common::Result<std::unique_ptr<HttpClient>> HttpClient::Create(EventLoop& loop, ClientOptions options) {
  std::shared_ptr<ssl::context> tls;
  if (options.use_tls) {
    auto ctx = MakeClientContext(options.tls);
    if (!ctx.ok()) return ctx.error();
    tls = std::move(ctx).value();
  }
  auto* ioc = static_cast<asio::io_context*>(loop.native_handle());
  auto core = std::make_shared<ClientCore>(*ioc, std::move(options), std::move(tls));
  return std::unique_ptr<HttpClient>(std::make_unique<HttpClientImpl>(loop, std::move(core)));
}

}  // namespace net
