#pragma once
// metav1.Status failure bodies shaped exactly like kube-apiserver's, in JSON and in Kubernetes protobuf. kubectl
// prints "Error from server (<reason>): <message>" from these, so message texts follow upstream's wording.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_types.h"

namespace apiservice {

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;  // upstream puts the (plural) resource here
  std::vector<std::string> cause_messages;  // StatusCause entries with only a message (NewInternalError's)
};

struct ApiStatus {
  int code = 500;
  std::string reason;   // "NotFound", "BadRequest", ...; empty for reasons upstream leaves unset
  std::string message;
  std::optional<StatusDetails> details;  // absent: no "details" key at all; present but empty: "details": {}
};

// Canonical failures. `group`/`resource` name the API resource ("metrics.k8s.io", "pods").
ApiStatus NotFoundStatus(std::string_view group, std::string_view resource, std::string_view name);
ApiStatus BadRequestStatus(std::string message);
ApiStatus UnauthorizedStatus();
// `message` is the complete text, see authorization.h ForbiddenStatus for the upstream wording.
ApiStatus ForbiddenStatus(std::string_view group, std::string_view resource, std::string_view name,
                          std::string message);
ApiStatus WatchNotSupportedStatus(std::string_view group, std::string_view resource);
ApiStatus MethodNotAllowedStatus(std::string_view group, std::string_view resource);
ApiStatus NotAcceptableStatus();
ApiStatus InternalErrorStatus(std::string message);
ApiStatus ServiceUnavailableStatus(std::string message);
// Plain 404 for paths that are not API resources ("the server could not find the requested resource").
ApiStatus PathNotFoundStatus();

// "group.resource" as Go's schema.GroupResource.String() prints it ("pods" for the core group).
std::string QualifiedResource(std::string_view group, std::string_view resource);

std::string StatusToJson(const ApiStatus& status);
// The whole protobuf body, magic and runtime.Unknown envelope included.
std::string StatusToProtobuf(const ApiStatus& status);

// An HTTP response carrying the status in JSON (protobuf = false) or protobuf.
net::HttpResponse StatusResponse(const ApiStatus& status, bool protobuf);

}  // namespace apiservice
