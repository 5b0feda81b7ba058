#pragma once
// Turns failed API responses (a metav1.Status body, or anything else) into common::Error values.

#include <string>
#include <string_view>

#include "common/result.h"

namespace kube {

// The fields of a metav1.Status that callers act on.
struct ApiStatus {
  int code = 0;          // HTTP code the server put in the body (0 when absent)
  std::string status;    // "Failure" / "Success"
  std::string reason;    // "NotFound", "AlreadyExists", "Conflict", "Expired", ...
  std::string message;
};

// Parses a Status object. Fails when the body is not JSON or not {"kind":"Status"}.
common::Result<ApiStatus> ParseApiStatus(std::string_view body);

// The error code for an HTTP status and Status reason: 404 kNotFound, 409 kConflict (kAlreadyExists when the reason
// says so), 410 kGone, 401 kUnauthorized, 403 kForbidden, 429/5xx kUnavailable,
// 413 kTooLarge, other 4xx kInvalidArgument.
common::ErrorCode ErrorCodeForHttpStatus(int http_status, std::string_view reason = {});

// The error for a non-2xx response: message = Status.message when the body is a Status, otherwise the HTTP status
// and a bounded prefix of the body. The Status reason is stored in Error::reason once common::Error has that field
// (see ErrorReason).
common::Error ErrorFromResponse(int http_status, std::string_view body);

// Same for a Status object found inside a watch ERROR event, where the HTTP status is in Status.code.
common::Error ErrorFromStatus(const ApiStatus& status);

// The Status reason of an error, if ErrorFromResponse recorded one.
std::string ErrorReason(const common::Error& error);

}  // namespace kube
