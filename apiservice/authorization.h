#pragma once
// Authorization of authenticated requests through SubjectAccessReview (the API server decides, like upstream's
// delegated authorizer), with a short cache whose TTLs for allowed and denied answers are set separately.

#include <chrono>
#include <string>
#include <string_view>

#include "apiservice/authentication.h"
#include "apiservice/request_info.h"
#include "apiservice/status.h"
#include "apiservice/ttl_cache.h"
#include "common/result.h"

namespace apiservice {

struct Attributes {
  UserInfo user;
  std::string verb;
  bool resource_request = false;
  // Resource requests.
  std::string namespace_name;
  std::string api_group;
  std::string api_version;
  std::string resource;
  std::string subresource;
  std::string name;
  // Non-resource requests.
  std::string path;
};

Attributes MakeAttributes(const UserInfo& user, const RequestInfo& info);

enum class Decision { kAllow, kDeny, kNoOpinion };

struct AuthzResult {
  Decision decision = Decision::kNoOpinion;
  std::string reason;
};

// authorization.k8s.io SubjectAccessReview. Errors mean no answer could be obtained.
class SubjectAccessReviewer {
 public:
  virtual ~SubjectAccessReviewer() = default;
  virtual common::Result<AuthzResult> Review(const Attributes& attributes) = 0;
};

struct AuthorizationCacheOptions {
  // Upstream defaults (--authorization-webhook-cache-authorized-ttl / -unauthorized-ttl) are 10s each.
  std::chrono::seconds allowed_ttl{10};
  std::chrono::seconds denied_ttl{10};
  std::size_t max_entries = 8192;
};

// Caches the inner reviewer's answers. Errors are not cached. Thread-safe.
class CachingAuthorizer : public SubjectAccessReviewer {
 public:
  CachingAuthorizer(SubjectAccessReviewer* inner, AuthorizationCacheOptions options, SteadyClock clock);
  common::Result<AuthzResult> Review(const Attributes& attributes) override;

 private:
  SubjectAccessReviewer* inner_;
  AuthorizationCacheOptions options_;
  TtlCache<AuthzResult> allowed_;
  TtlCache<AuthzResult> denied_;
};

// Upstream's wording, e.g. `User "x" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster
// scope` or `User "x" cannot get path "/apis"`.
std::string ForbiddenReasonText(const Attributes& attributes);
// The complete 403 Status: `nodes.metrics.k8s.io is forbidden: User "x" cannot list ...[: reason]`.
ApiStatus ForbiddenStatusFor(const Attributes& attributes, std::string_view reason);

}  // namespace apiservice
