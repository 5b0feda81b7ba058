#pragma once
// The sandbox's kube-apiserver stand-in: a Kubernetes REST API over HTTPS on net::HttpServer, backed by an
// in-memory ObjectStore, with kube-aggregator behaviour for APIService objects.
//
//   auto loop = net::EventLoop::Create(2);
//   auto pki = sandbox::GenerateApiServerPki(now);
//   sandbox::ApiServerOptions options = sandbox::ApiServerOptions::FromPki(*pki);
//   auto server = sandbox::ApiServer::Start(*loop, std::move(options));
//   (*server)->store().Create({"", "v1", "nodes"}, "", R"({"metadata":{"name":"node-1"}})");
//   (*server)->RegisterServiceEndpoint("kube-system", "metrics-server", "127.0.0.1", 4443);
//   (*server)->WriteKubeconfig("/tmp/kubeconfig");   // then: KUBECONFIG=/tmp/kubeconfig kubectl get nodes
//
// Stored objects are in their storage version (HorizontalPodAutoscalers in autoscaling/v2) with apiVersion and
// kind set. Writers other than the API (controllers in the sandbox) use store() directly.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/net/event_loop.h"
#include "common/result.h"
#include "sandbox/apiserver/api_faults.h"
#include "sandbox/apiserver/auth.h"
#include "sandbox/apiserver/object_store.h"
#include "sandbox/apiserver/pki.h"

namespace sandbox {

struct ApiServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port

  // TLS. serving_* is the server's certificate; ca_pem is what clients verify it with (written to kubeconfigs).
  std::string serving_cert_pem;
  std::string serving_key_pem;
  std::string ca_pem;
  // Client certificates chaining to this CA authenticate as CN / O.
  std::string client_ca_pem;
  // Bearer tokens (token -> user), like --token-auth-file.
  std::map<std::string, TokenUser> tokens;
  // Authorization: everything is allowed except what these rules deny.
  std::vector<DenyRule> deny_rules;

  // Credentials written into kubeconfigs (an admin client certificate, or else the first token).
  std::string admin_cert_pem;
  std::string admin_key_pem;

  // The aggregator's front-proxy identity (--proxy-client-cert-file) and the CA that signs it
  // (--requestheader-client-ca-file), published in kube-system/extension-apiserver-authentication.
  std::string front_proxy_client_cert_pem;
  std::string front_proxy_client_key_pem;
  std::string requestheader_ca_pem;
  std::vector<std::string> requestheader_allowed_names = {"front-proxy-client"};

  // How often the aggregator probes each APIService backend for the Available condition.
  std::chrono::milliseconds availability_check_interval{2000};
  // Timeout of proxied requests (kube-aggregator's default is much longer; the sandbox wants quick failures).
  std::chrono::milliseconds proxy_timeout{30000};

  std::string git_version = "v1.32.0-sandbox";
  // Faults installed at start (sandbox/apiserver/api_faults.h); changed later with SetFaults or
  // POST/PUT/DELETE /sandbox/faults (system:masters only).
  std::vector<ApiFault> faults;
  ObjectStoreOptions store;

  // Serving, admin and front-proxy credentials from a generated PKI.
  static ApiServerOptions FromPki(const ApiServerPki& pki);
};

// What an in-process component needs to reach the server (maps onto kube::ClientConfig).
struct ClientAccess {
  std::string server;  // "https://127.0.0.1:PORT"
  std::string host;    // "127.0.0.1"
  uint16_t port = 0;
  std::string ca_pem;
  std::string client_cert_pem;  // empty when a token is used
  std::string client_key_pem;
  std::string token;
};

class ApiServer {
 public:
  static common::Result<std::unique_ptr<ApiServer>> Start(net::EventLoop& loop, ApiServerOptions options);
  virtual ~ApiServer() = default;

  virtual uint16_t port() const = 0;
  virtual ObjectStore& store() = 0;

  // The aggregator's service registry: requests for an APIService whose spec.service is ns/name go to host:port.
  virtual void RegisterServiceEndpoint(const std::string& ns, const std::string& name, const std::string& host,
                                       uint16_t port) = 0;
  virtual void UnregisterServiceEndpoint(const std::string& ns, const std::string& name) = 0;
  // Runs the APIService availability checks now (normally periodic); blocks until done. Not from a loop thread.
  virtual void CheckApiServicesNow() = 0;

  // Fault injection: replaces the installed faults (durations count from now) / removes them all. A `down` fault
  // closes the listener at once and reopens it on the same port when it expires.
  virtual void SetFaults(std::vector<ApiFault> faults) = 0;
  virtual void ClearFaults() = 0;
  // The active faults, one per line.
  virtual std::string DescribeFaults() const = 0;

  // Admin access (admin certificate, else the first static token).
  virtual ClientAccess AdminAccess() const = 0;
  // A kubeconfig (YAML) with one cluster/user/context "sandbox" for `access`.
  virtual std::string Kubeconfig(const ClientAccess& access) const = 0;
  virtual common::Status WriteKubeconfig(const std::string& path) const = 0;

  virtual void Shutdown() = 0;
};

}  // namespace sandbox
