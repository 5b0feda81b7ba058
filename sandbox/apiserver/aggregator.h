#pragma once
// kube-aggregator behaviour: APIService objects (apiregistration.k8s.io/v1) whose spec.service names a service
// the sandbox has mapped to a local host:port get /apis/<group>/<version>/... proxied to that backend over TLS,
// presenting the front-proxy client certificate, with the caller's identity in X-Remote-User / X-Remote-Group
// (headers of that name sent by the caller are dropped first). A background thread probes each backend's
// discovery document and maintains the APIService Available condition; while a backend is unavailable its
// requests get kube-aggregator's 503 "service unavailable" and discovery marks the group version Stale.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/event_loop.h"
#include "common/net/http_server.h"
#include "common/net/http_types.h"
#include "sandbox/apiserver/auth.h"
#include "sandbox/apiserver/object_store.h"
#include "sandbox/apiserver/resources.h"

namespace sandbox {

struct AggregatorOptions {
  std::string front_proxy_client_cert_pem;
  std::string front_proxy_client_key_pem;
  std::chrono::milliseconds check_interval{2000};
  std::chrono::milliseconds proxy_timeout{30000};
  std::chrono::milliseconds check_timeout{5000};
};

class Aggregator {
 public:
  static const ResourceKey kApiServices;

  // Watches APIServices in `store`; starts the availability checker thread.
  static common::Result<std::unique_ptr<Aggregator>> Create(ObjectStore& store, net::EventLoop& loop,
                                                            AggregatorOptions options);
  virtual ~Aggregator() = default;

  virtual void RegisterServiceEndpoint(const std::string& ns, const std::string& name, const std::string& host,
                                       uint16_t port) = 0;
  virtual void UnregisterServiceEndpoint(const std::string& ns, const std::string& name) = 0;

  // True when an APIService with a service backend claims group/version.
  virtual bool Serves(std::string_view group, std::string_view version) const = 0;
  // For discovery documents.
  virtual std::vector<AggregatedGroupVersion> GroupVersions() const = 0;
  // Proxies an (authenticated, authorized) request to the backend of its group/version; answers via responder.
  virtual void Proxy(const net::HttpRequest& request, const UserInfo& user, std::string_view group,
                     std::string_view version, std::shared_ptr<net::Responder> responder) = 0;
  // Probes every backend now and updates the Available conditions; blocks. Not from a loop thread.
  virtual void CheckNow() = 0;
  // Stops the checker thread. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace sandbox
