#pragma once
// The /scale subresource of any scalable kind. scaleTargetRef names a kind; discovery maps it to the resource
// (Deployment -> deployments), as upstream's RESTMapper + scale client do, so custom resources with a scale
// subresource work too.

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "autoscaler/algorithm/types.h"
#include "common/result.h"
#include "kube/client/rest_client.h"

namespace autoscaler {

struct ScaleTarget {
  hpa::ScaleView view;
  std::string resource_version;
  std::string path;  // .../<resource>/<name>/scale
};

class ScaleClient {
 public:
  virtual ~ScaleClient() = default;
  virtual common::Result<ScaleTarget> Get(const std::string& namespace_name,
                                          const hpa::CrossVersionObjectReference& ref) = 0;
  // Sets spec.replicas. On a resourceVersion conflict it re-reads and retries a few times (the replica count we
  // write is the controller's decision; only the object version moved).
  virtual common::Status Update(const std::string& namespace_name, const hpa::CrossVersionObjectReference& ref,
                                int32_t replicas) = 0;
};

// Maps (apiVersion, kind) to the plural resource through the API server's discovery documents, caching answers.
class RestMapper {
 public:
  explicit RestMapper(kube::RestClient& client) : client_(client) {}
  // "/apis/apps/v1/namespaces/NS/deployments" style collection path of `kind` in `api_version`, checking that a
  // scale subresource exists.
  common::Result<std::string> ScalableCollectionPath(const std::string& namespace_name, const std::string& api_version,
                                                     const std::string& kind);
  // The plural resource of `kind` in `api_version` ("deployments"), scale subresource or not (custom metrics
  // describe any object).
  common::Result<std::string> ResourceFor(const std::string& api_version, const std::string& kind);

 private:
  struct Mapping {
    std::string resource;
    bool has_scale = false;
  };
  common::Status Refresh(const std::string& api_version);
  common::Result<Mapping> Lookup(const std::string& api_version, const std::string& kind);

  kube::RestClient& client_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Mapping> mappings_;  // (apiVersion, kind) -> resource
};

class ApiScaleClient final : public ScaleClient {
 public:
  ApiScaleClient(kube::RestClient& client, RestMapper& mapper) : client_(client), mapper_(mapper) {}
  common::Result<ScaleTarget> Get(const std::string& namespace_name,
                                  const hpa::CrossVersionObjectReference& ref) override;
  common::Status Update(const std::string& namespace_name, const hpa::CrossVersionObjectReference& ref,
                        int32_t replicas) override;

 private:
  common::Result<std::string> ScalePath(const std::string& namespace_name, const hpa::CrossVersionObjectReference& ref);

  kube::RestClient& client_;
  RestMapper& mapper_;
};

// Parses an autoscaling/v1 Scale body.
common::Result<ScaleTarget> DecodeScale(std::string_view json);

}  // namespace autoscaler
