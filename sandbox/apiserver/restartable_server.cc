#include "sandbox/apiserver/restartable_server.h"

namespace sandbox {

common::Result<std::unique_ptr<RestartableServer>> RestartableServer::Start(net::EventLoop& loop,
                                                                            net::ServerOptions options,
                                                                            net::Handler handler) {
  if (options.endpoints.size() != 1) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument, "RestartableServer needs exactly one endpoint");
  }
  auto server = std::make_unique<RestartableServer>(loop, std::move(options), std::move(handler));
  auto started = net::HttpServer::Start(loop, server->options_, server->handler_);
  if (!started.ok()) return started.error();
  server->port_ = (*started)->ports().at(0);
  // A restart must come back where clients (and kubeconfigs) expect it.
  server->options_.endpoints[0].port = server->port_;
  server->current_ = std::move(*started);
  return server;
}

RestartableServer::~RestartableServer() {
  std::unique_ptr<net::HttpServer> current;
  std::vector<std::unique_ptr<net::HttpServer>> retired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    current = std::move(current_);
    retired = std::move(retired_);
  }
  // Destroyed outside the lock: a destructor waits for handlers, which may call away().
}

void RestartableServer::GoAway() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!current_) return;
  current_->Shutdown(std::chrono::milliseconds(0));
  retired_.push_back(std::move(current_));
}

common::Status RestartableServer::Reopen() {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_ || shut_down_) return common::Status::Ok();
  auto started = net::HttpServer::Start(loop_, options_, handler_);
  if (!started.ok()) {
    return common::Error::Make(common::ErrorCode::kUnavailable,
                               "cannot listen again on port " + std::to_string(port_) + ": " +
                                   started.error().message);
  }
  current_ = std::move(*started);
  return common::Status::Ok();
}

bool RestartableServer::away() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ == nullptr;
}

void RestartableServer::Shutdown(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  if (current_) current_->Shutdown(grace);
}

}  // namespace sandbox
