#pragma once
// An HTTP server that can go away and come back on the same port, as an API server does when it restarts:
// while away, connections are refused (the listener is closed) and open connections are cut.

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "common/net/event_loop.h"
#include "common/net/http_server.h"
#include "common/result.h"

namespace sandbox {

class RestartableServer {
 public:
  // options.endpoints must hold exactly one endpoint.
  static common::Result<std::unique_ptr<RestartableServer>> Start(net::EventLoop& loop, net::ServerOptions options,
                                                                  net::Handler handler);
  RestartableServer(net::EventLoop& loop, net::ServerOptions options, net::Handler handler)
      : loop_(loop), options_(std::move(options)), handler_(std::move(handler)) {}
  ~RestartableServer();

  uint16_t port() const { return port_; }
  // Closes the listener and every open connection now. Idempotent. Callable from any thread, loop threads too.
  void GoAway();
  // Listens again on the same port. Errors: the port was taken meanwhile (kUnavailable).
  common::Status Reopen();
  bool away() const;
  void Shutdown(std::chrono::milliseconds grace);

 private:
  net::EventLoop& loop_;
  net::ServerOptions options_;
  net::Handler handler_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::unique_ptr<net::HttpServer> current_;
  // Servers that went away. Destroying one waits for its in-flight handlers, which a loop thread (where GoAway
  // may be called) must not do, so they live until this object dies.
  std::vector<std::unique_ptr<net::HttpServer>> retired_;
  bool shut_down_ = false;
};

}  // namespace sandbox
