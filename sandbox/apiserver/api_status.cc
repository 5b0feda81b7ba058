#include "sandbox/apiserver/api_status.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sandbox {

std::string StatusBody(int code, std::string_view reason, std::string_view message, const StatusDetails& details) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  w.Key("kind");
  w.String("Status");
  w.Key("apiVersion");
  w.String("v1");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("status");
  w.String("Failure");
  w.Key("message");
  str(message);
  if (!reason.empty()) {
    w.Key("reason");
    str(reason);
  }
  if (details.present) {
    w.Key("details");
    w.StartObject();
    if (!details.name.empty()) {
      w.Key("name");
      str(details.name);
    }
    if (!details.group.empty()) {
      w.Key("group");
      str(details.group);
    }
    if (!details.kind.empty()) {
      w.Key("kind");
      str(details.kind);
    }
    if (details.retry_after_seconds > 0) {
      w.Key("retryAfterSeconds");
      w.Int(details.retry_after_seconds);
    }
    w.EndObject();
  }
  w.Key("code");
  w.Int(code);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

net::HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                                 const StatusDetails& details) {
  return net::HttpResponse::Make(code, "application/json", StatusBody(code, reason, message, details));
}

const char* ReasonForCode(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 406:
      return "NotAcceptable";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 413:
      return "RequestEntityTooLarge";
    case 415:
      return "UnsupportedMediaType";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return code >= 500 ? "InternalError" : "";
  }
}

int HttpCodeFor(const common::Error& error) {
  using common::ErrorCode;
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return error.http_status == 422 ? 422 : 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

net::HttpResponse ErrorResponse(const common::Error& error, const StatusDetails& details) {
  int code = HttpCodeFor(error);
  const char* reason = ReasonForCode(code);
  if (error.code == common::ErrorCode::kAlreadyExists) reason = "AlreadyExists";
  return StatusResponse(code, reason, error.message, details);
}

}  // namespace sandbox
