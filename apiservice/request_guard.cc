#include "apiservice/request_guard.h"

#include <algorithm>

#include "apiservice/request_info.h"
#include "apiservice/status.h"
#include "common/log.h"

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
  const auto& groups = authn.user.groups;
  const auto& privileged = options_.always_allow_groups;
  if (std::any_of(groups.begin(), groups.end(), [&privileged](const std::string& g) {
        return std::find(privileged.begin(), privileged.end(), g) != privileged.end();
      })) {
    outcome.user = std::move(authn.user);
    return outcome;
  }
  const Attributes attributes = MakeAttributes(authn.user, ParseRequestInfo(request));
  common::Result<AuthzResult> authz = authorizer_->Review(attributes);
  if (!authz.ok()) {
    // As upstream's authorization filter: an authorizer that could not decide is a server error, not a denial.
    LOG_WARNING("authorization error (user={}, verb={}, {}): {}", attributes.user.name, attributes.verb,
                attributes.resource_request ? "resource=" + attributes.resource : "path=" + attributes.path,
                authz.error().message);
    outcome.rejection = StatusResponse(InternalErrorStatus(authz.error().message), protobuf_errors);
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
