#include "tests/common/net/test_util.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace net::testing {
namespace {

certs::Bundle Ca(const std::string& cn) {
  certs::CaOptions options;
  options.subject.common_name = cn;
  auto b = certs::GenerateCa(options, std::chrono::system_clock::now());
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : certs::Bundle{};
}

certs::Bundle Serving(const certs::Bundle& ca, std::vector<std::string> dns, std::vector<std::string> ips) {
  certs::ServingOptions options;
  options.subject.common_name = "server";
  options.dns_names = std::move(dns);
  options.ip_addresses = std::move(ips);
  auto b = certs::GenerateServing(ca, options, std::chrono::system_clock::now());
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : certs::Bundle{};
}

certs::Bundle Client(const certs::Bundle& ca, const std::string& cn, std::vector<std::string> groups) {
  certs::ClientOptions options;
  options.subject.common_name = cn;
  options.subject.organizations = std::move(groups);
  auto b = certs::GenerateClient(ca, options, std::chrono::system_clock::now());
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : certs::Bundle{};
}

}  // namespace

const TestPki& Pki() {
  static const TestPki pki = [] {
    TestPki p;
    p.ca = Ca("test-ca");
    p.other_ca = Ca("other-ca");
    p.serving = Serving(p.ca, {"localhost"}, {"127.0.0.1"});
    p.other_serving = Serving(p.other_ca, {"localhost"}, {"127.0.0.1"});
    p.dns_only_serving = Serving(p.ca, {"example.test"}, {});
    p.client = Client(p.ca, "alice", {"team-a", "team-b"});
    p.other_client = Client(p.other_ca, "mallory", {"system:masters"});
    return p;
  }();
  return pki;
}

std::string RawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout, bool* closed) {
  if (closed) *closed = false;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    if (closed) *closed = true;
    return "";
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

RawServer::RawServer(std::string reply) : reply_(std::move(reply)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(fd_, 16);
  socklen_t len = sizeof(addr);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Run(); });
}

RawServer::~RawServer() {
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  thread_.join();
}

void RawServer::Run() {
  for (;;) {
    int conn = ::accept(fd_, nullptr, nullptr);
    if (conn < 0) return;
    // Read the request head (best effort) so the client sees a reply, not a reset.
    char buf[4096];
    pollfd p{conn, POLLIN, 0};
    if (::poll(&p, 1, 1000) > 0) (void)::recv(conn, buf, sizeof(buf), 0);
    (void)::send(conn, reply_.data(), reply_.size(), MSG_NOSIGNAL);
    ::shutdown(conn, SHUT_WR);
    ::close(conn);
  }
}

}  // namespace net::testing
