#pragma once
// A TLS client stream over beast::tcp_stream that holds no buffer while idle. For common/net implementation
// files only.
//
// Why not boost::asio::ssl::stream: it allocates four 17 KiB buffers per stream for the stream's whole life
// (two stream_core vectors and a BIO pair). metrics-server keeps a connection alive to every kubelet, and those
// buffers were 70 KiB of the ~118 KiB per node it used at 5,000 nodes (docs/memory.md). Here the records
// go through memory BIOs that are replaced when drained, the receive buffer exists only while an operation waits
// for the peer, and SSL_MODE_RELEASE_BUFFERS lets OpenSSL free its record buffers between operations.
//
// The interface is the part of ssl::stream that the HTTP client uses: async_handshake (client side only),
// async_read_some / async_write_some (AsyncReadStream / AsyncWriteStream for Beast), native_handle, next_layer.
// Deadlines are the tcp_stream's (expires_at/expires_after apply to the reads and writes done here). Errors are
// reported as ssl::stream does: a TCP close without close_notify is ssl::error::stream_truncated, close_notify is
// asio::error::eof, OpenSSL failures are in asio's SSL category. One operation at a time (the HTTP client reads
// and writes a connection in turn, never both at once); all on the stream's executor (the connection strand).

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <memory>
#include <string>

namespace net::internal {

class LeanTlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  LeanTlsStream(const boost::asio::any_io_executor& executor, boost::asio::ssl::context& context)
      : next_(executor), ssl_(SSL_new(context.native_handle())) {
    // asio's engine sets the same modes; MOVING_WRITE_BUFFER because a retried SSL_write_ex may get another
    // pointer to the same bytes.
    SSL_set_mode(ssl_.get(),
                 SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_set_bio(ssl_.get(), NewMemoryBio(), NewMemoryBio());
  }
  LeanTlsStream(const LeanTlsStream&) = delete;
  LeanTlsStream& operator=(const LeanTlsStream&) = delete;

  executor_type get_executor() { return next_.get_executor(); }
  boost::beast::tcp_stream& next_layer() { return next_; }
  SSL* native_handle() { return ssl_.get(); }

  template <class Handler>
  auto async_handshake(boost::asio::ssl::stream_base::handshake_type, Handler&& handler) {
    SSL_set_connect_state(ssl_.get());
    return boost::asio::async_compose<Handler, void(boost::system::error_code)>(
        Op<Kind::kHandshake>{*this, nullptr, 0}, handler, next_);
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    const boost::asio::mutable_buffer first = boost::beast::buffers_front(buffers);
    return boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
        Op<Kind::kRead>{*this, first.data(), first.size()}, handler, next_);
  }

  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    const boost::asio::const_buffer first = boost::beast::buffers_front(buffers);
    return boost::asio::async_compose<Handler, void(boost::system::error_code, std::size_t)>(
        Op<Kind::kWrite>{*this, const_cast<void*>(first.data()), first.size()}, handler, next_);
  }

 private:
  // One TLS record (16 KiB + overhead) per read from the socket.
  static constexpr std::size_t kReceiveBuffer = 17 * 1024;

  enum class Kind { kHandshake, kRead, kWrite };

  static BIO* NewMemoryBio() {
    BIO* bio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(bio, -1);  // an empty BIO means "more to come" (WANT_READ), not end of stream
    return bio;
  }

  // A memory BIO keeps its largest size; a drained one is swapped for an empty one so that an idle
  // connection holds none of the bytes it once carried.
  void ReleaseDrainedBios() {
    if (BIO_ctrl_pending(SSL_get_rbio(ssl_.get())) == 0) SSL_set0_rbio(ssl_.get(), NewMemoryBio());
  }

  static boost::system::error_code ErrorFor(int ssl_error) {
    namespace asio = boost::asio;
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return asio::ssl::error::stream_truncated;
    return {static_cast<int>(code), asio::error::get_ssl_category()};
  }

  template <Kind K>
  struct Op {
    LeanTlsStream& s;
    void* data;
    std::size_t size;
    enum State { kStart, kFlushed, kReceived, kPosted } state = kStart;
    bool waited = false;  // an asynchronous operation ran: completing now does not recurse into the initiator
    int last_error = SSL_ERROR_NONE;
    std::size_t done = 0;
    boost::system::error_code result;
    std::unique_ptr<char[]> receive;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0) {
      switch (state) {
        case kStart:
          break;
        case kPosted:
          return Complete(self);
        case kFlushed:
          s.pending_out_.clear();
          s.pending_out_.shrink_to_fit();
          if (ec) return Finish(self, ec);
          if (last_error == SSL_ERROR_NONE) return Finish(self, {});
          if (last_error == SSL_ERROR_WANT_READ) return Receive(self);
          break;
        case kReceived:
          if (ec) {
            receive.reset();
            // As ssl::stream: the peer closing TCP without close_notify is a truncation.
            return Finish(self, ec == boost::asio::error::eof ? boost::asio::ssl::error::stream_truncated : ec);
          }
          BIO_write(SSL_get_rbio(s.ssl_.get()), receive.get(), static_cast<int>(n));
          receive.reset();
          break;
      }
      Step(self);
    }

    template <class Self>
    void Step(Self& self) {
      if (K != Kind::kHandshake && size == 0) return Finish(self, {});
      ERR_clear_error();
      int r = 0;
      done = 0;
      if constexpr (K == Kind::kHandshake) {
        r = SSL_do_handshake(s.ssl_.get());
      } else if constexpr (K == Kind::kRead) {
        r = SSL_read_ex(s.ssl_.get(), data, size, &done);
      } else {
        r = SSL_write_ex(s.ssl_.get(), data, size, &done);
      }
      last_error = r == 1 ? SSL_ERROR_NONE : SSL_get_error(s.ssl_.get(), r);
      // With memory BIOs, WANT_WRITE does not happen (the output BIO grows); any other error is final.
      if (last_error != SSL_ERROR_NONE && last_error != SSL_ERROR_WANT_READ) {
        return Finish(self, ErrorFor(last_error));
      }
      BIO* out = SSL_get_wbio(s.ssl_.get());
      if (const std::size_t pending = BIO_ctrl_pending(out); pending > 0) {
        s.pending_out_.resize(pending);
        BIO_read(out, s.pending_out_.data(), static_cast<int>(pending));
        SSL_set0_wbio(s.ssl_.get(), NewMemoryBio());
        state = kFlushed;
        waited = true;
        return boost::asio::async_write(s.next_, boost::asio::buffer(s.pending_out_), std::move(self));
      }
      if (last_error == SSL_ERROR_NONE) return Finish(self, {});
      Receive(self);
    }

    template <class Self>
    void Receive(Self& self) {
      state = kReceived;
      waited = true;
      receive = std::make_unique_for_overwrite<char[]>(kReceiveBuffer);
      s.next_.async_read_some(boost::asio::buffer(receive.get(), kReceiveBuffer), std::move(self));
    }

    template <class Self>
    void Finish(Self& self, boost::system::error_code ec) {
      result = ec;
      s.ReleaseDrainedBios();
      if (!waited) {
        // Completed without waiting (bytes already decrypted): post, so that the handler does not run inside
        // the initiating call.
        state = kPosted;
        return boost::asio::post(s.next_.get_executor(), std::move(self));
      }
      Complete(self);
    }

    template <class Self>
    void Complete(Self& self) {
      if constexpr (K == Kind::kHandshake) {
        self.complete(result);
      } else {
        self.complete(result, result ? 0 : done);
      }
    }
  };

  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  boost::beast::tcp_stream next_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::string pending_out_;  // encrypted bytes being written; empty between operations
};

}  // namespace net::internal
