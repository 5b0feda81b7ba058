#pragma once
// Authentication then authorization of one request, producing the Status upstream would send: 401 without valid
// credentials, 403 when the SubjectAccessReview says no, 500 InternalError when it cannot be asked (the API server
// is failing). Health endpoints are reachable without credentials (kubelet probes carry none), like upstream's
// always-allow paths, and system:masters skips the review, like upstream's always-allow groups (the API server
// would allow it anyway), so cluster admins keep working while SubjectAccessReviews fail.

#include <optional>
#include <string>
#include <vector>

#include "apiservice/authentication.h"
#include "apiservice/authorization.h"
#include "common/net/http_types.h"

namespace apiservice {

struct GuardOptions {
  std::vector<std::string> always_allow_paths{"/healthz", "/readyz", "/livez"};
  std::vector<std::string> always_allow_groups{"system:masters"};
};

struct GuardOutcome {
  std::optional<net::HttpResponse> rejection;  // set when the request must not proceed
  UserInfo user;                               // the authenticated user otherwise (empty for always-allowed paths)
};

class RequestGuard {
 public:
  // Both must outlive the guard.
  RequestGuard(const Authenticator* authenticator, SubjectAccessReviewer* authorizer, GuardOptions options = {});

  // May block on TokenReview/SubjectAccessReview; call off the event loop thread. `protobuf_errors` selects the
  // encoding of the rejection Status (the representation negotiated for the request).
  GuardOutcome Check(const net::HttpRequest& request, bool protobuf_errors) const;

 private:
  const Authenticator* authenticator_;
  SubjectAccessReviewer* authorizer_;
  GuardOptions options_;
};

}  // namespace apiservice
