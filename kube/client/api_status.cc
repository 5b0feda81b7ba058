#include "kube/client/api_status.h"

#include <rapidjson/document.h>

#include <utility>

namespace kube {
namespace {

using common::ErrorCode;

std::string StringField(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// common::Error may or may not carry the Status reason; record it when it can, without making this file depend on
// which version of common/result.h it is compiled against.
template <typename E>
void SetReason(E& error, std::string reason) {
  if constexpr (requires { error.reason = std::move(reason); }) error.reason = std::move(reason);
}

template <typename E>
std::string GetReason(const E& error) {
  if constexpr (requires { std::string(error.reason); }) {
    return std::string(error.reason);
  } else {
    return "";
  }
}

// Bodies of failed responses can be large HTML pages from proxies; keep messages readable.
constexpr size_t kMaxBodyInMessage = 512;

}  // namespace

common::Result<ApiStatus> ParseApiStatus(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return common::Error::Make(ErrorCode::kInvalidArgument, "response body is not a JSON object");
  }
  if (StringField(doc, "kind") != "Status") {
    return common::Error::Make(ErrorCode::kInvalidArgument, "response body is not a Status");
  }
  ApiStatus status;
  status.status = StringField(doc, "status");
  status.reason = StringField(doc, "reason");
  status.message = StringField(doc, "message");
  if (auto it = doc.FindMember("code"); it != doc.MemberEnd() && it->value.IsInt()) status.code = it->value.GetInt();
  return status;
}

ErrorCode ErrorCodeForHttpStatus(int http_status, std::string_view reason) {
  switch (http_status) {
    case 400:
    case 422:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    case 413:
      return ErrorCode::kTooLarge;
    case 429:
      return ErrorCode::kUnavailable;
    default:
      break;
  }
  if (http_status >= 500) return ErrorCode::kUnavailable;
  // A Status "Expired" without an HTTP 410 (e.g. a continue token that expired) still means "start over".
  if (reason == "Expired" || reason == "Gone") return ErrorCode::kGone;
  if (http_status >= 400) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

common::Error ErrorFromResponse(int http_status, std::string_view body) {
  auto status = ParseApiStatus(body);
  if (status.ok()) {
    ApiStatus s = std::move(status.value());
    if (s.message.empty()) s.message = "HTTP " + std::to_string(http_status) + (s.reason.empty() ? "" : " " + s.reason);
    common::Error error = common::Error::Make(ErrorCodeForHttpStatus(http_status, s.reason), s.message, http_status);
    SetReason(error, s.reason);
    return error;
  }
  std::string message = "HTTP " + std::to_string(http_status);
  if (!body.empty()) {
    message += ": ";
    message += body.substr(0, kMaxBodyInMessage);
    if (body.size() > kMaxBodyInMessage) message += "...";
  }
  return common::Error::Make(ErrorCodeForHttpStatus(http_status), std::move(message), http_status);
}

common::Error ErrorFromStatus(const ApiStatus& status) {
  int code = status.code;
  // Old servers sent watch expiry as a 500 with reason "Expired"/"Gone"; treat the reason as authoritative.
  if (status.reason == "Expired" || status.reason == "Gone") code = 410;
  std::string message = status.message.empty() ? "watch error " + status.reason : status.message;
  common::Error error = common::Error::Make(code ? ErrorCodeForHttpStatus(code, status.reason) : ErrorCode::kInternal,
                                           std::move(message), code);
  SetReason(error, status.reason);
  return error;
}

std::string ErrorReason(const common::Error& error) { return GetReason(error); }

}  // namespace kube
