#include "apiservice/request_guard.h"

#include <algorithm>

#include "apiservice/request_info.h"
#include "apiservice/status.h"

namespace apiservice {

RequestGuard::RequestGuard(const Authenticator* authenticator, SubjectAccessReviewer* authorizer,
                           GuardOptions options)
    : authenticator_(authenticator), authorizer_(authorizer), options_(std::move(options)) {}

GuardOutcome RequestGuard::Check(const net::HttpRequest& request, bool protobuf_errors) const {
  GuardOutcome outcome;
  const auto& allow = options_.always_allow_paths;
  std::string path = request.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (std::find(allow.begin(), allow.end(), path) != allow.end()) return outcome;

  AuthnResult authn = authenticator_->Authenticate(request);
  if (authn.outcome != AuthnOutcome::kAuthenticated) {
    outcome.rejection = StatusResponse(UnauthorizedStatus(), protobuf_errors);
    return outcome;
  }
  const Attributes attributes = MakeAttributes(authn.user, ParseRequestInfo(request));
  common::Result<AuthzResult> authz = authorizer_->Review(attributes);
  if (!authz.ok()) {
    // Upstream reports an authorizer failure as a 403 with the error as the reason.
    outcome.rejection = StatusResponse(ForbiddenStatusFor(attributes, authz.error().message), protobuf_errors);
    return outcome;
  }
  if (authz->decision != Decision::kAllow) {
    outcome.rejection = StatusResponse(ForbiddenStatusFor(attributes, authz->reason), protobuf_errors);
    return outcome;
  }
  outcome.user = std::move(authn.user);
  return outcome;
}

}  // namespace apiservice
