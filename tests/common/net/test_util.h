#pragma once
// Helpers for the net tests: a throwaway PKI and a raw TCP client for sending bytes no HTTP client would send.

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "certs/certs.h"

namespace net::testing {

struct TestPki {
  certs::Bundle ca;
  certs::Bundle serving;  // CN=server, SANs: localhost, 127.0.0.1
  certs::Bundle client;   // CN=alice, O=[team-a, team-b], signed by ca
  certs::Bundle other_ca;
  certs::Bundle other_serving;     // same SANs, signed by other_ca
  certs::Bundle other_client;      // CN=mallory, signed by other_ca
  certs::Bundle dns_only_serving;  // SAN example.test only, signed by ca
};

// Generated once per process (ECDSA keys make this cheap).
const TestPki& Pki();

// Connects to 127.0.0.1:port, writes `bytes`, and reads until the peer closes or `timeout` passes.
// Returns what was read; `closed` tells whether the peer closed the connection.
std::string RawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout,
                        bool* closed = nullptr);

// A listening plain TCP socket on 127.0.0.1 that answers every connection with `reply` and closes it.
class RawServer {
 public:
  explicit RawServer(std::string reply);
  ~RawServer();
  uint16_t port() const { return port_; }

 private:
  void Run();
  std::string reply_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace net::testing
