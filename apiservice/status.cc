#include "apiservice/status.h"

#include "apiservice/json_sink.h"
#include "apiservice/k8s_protobuf.h"

namespace apiservice {

std::string QualifiedResource(std::string_view group, std::string_view resource) {
  std::string out(resource);
  if (!group.empty()) {
    out += '.';
    out += group;
  }
  return out;
}

ApiStatus NotFoundStatus(std::string_view group, std::string_view resource, std::string_view name) {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = QualifiedResource(group, resource) + " \"" + std::string(name) + "\" not found";
  s.details = StatusDetails{std::string(name), std::string(group), std::string(resource)};
  return s;
}

ApiStatus BadRequestStatus(std::string message) {
  ApiStatus s;
  s.code = 400;
  s.reason = "BadRequest";
  s.message = std::move(message);
  return s;
}

ApiStatus UnauthorizedStatus() {
  ApiStatus s;
  s.code = 401;
  s.reason = "Unauthorized";
  s.message = "Unauthorized";
  return s;
}

ApiStatus ForbiddenStatus(std::string_view group, std::string_view resource, std::string_view name,
                          std::string message) {
  ApiStatus s;
  s.code = 403;
  s.reason = "Forbidden";
  s.message = std::move(message);
  s.details = StatusDetails{std::string(name), std::string(group), std::string(resource)};
  return s;
}

ApiStatus WatchNotSupportedStatus(std::string_view group, std::string_view resource) {
  ApiStatus s;
  s.code = 405;
  s.reason = "MethodNotAllowed";
  s.message = "watch is not supported on resources of kind \"" + QualifiedResource(group, resource) + "\"";
  s.details = StatusDetails{"", std::string(group), std::string(resource)};
  return s;
}

ApiStatus MethodNotAllowedStatus(std::string_view group, std::string_view resource) {
  ApiStatus s;
  s.code = 405;
  s.reason = "MethodNotAllowed";
  s.message = "the server does not allow this method on the requested resource";
  s.details = StatusDetails{"", std::string(group), std::string(resource)};
  return s;
}

ApiStatus NotAcceptableStatus() {
  ApiStatus s;
  s.code = 406;
  s.reason = "NotAcceptable";
  s.message =
      "only the following media types are accepted: application/json, application/vnd.kubernetes.protobuf";
  return s;
}

ApiStatus InternalErrorStatus(std::string message) {
  ApiStatus s;
  s.code = 500;
  s.reason = "InternalError";
  s.message = "Internal error occurred: " + message;
  // As upstream's NewInternalError: the error once more as the only cause.
  s.details = StatusDetails{};
  s.details->cause_messages.push_back(std::move(message));
  return s;
}

ApiStatus ServiceUnavailableStatus(std::string message) {
  ApiStatus s;
  s.code = 503;
  s.reason = "ServiceUnavailable";
  s.message = std::move(message);
  return s;
}

ApiStatus PathNotFoundStatus() {
  ApiStatus s;
  s.code = 404;
  s.reason = "NotFound";
  s.message = "the server could not find the requested resource";
  s.details = StatusDetails{};
  return s;
}

std::string StatusToJson(const ApiStatus& status) {
  JsonOutput json(256 + status.message.size());
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "kind");
  Str(w, "Status");
  Key(w, "apiVersion");
  Str(w, "v1");
  Key(w, "metadata");
  w.StartObject();
  w.EndObject();
  Key(w, "status");
  Str(w, "Failure");
  Key(w, "message");
  Str(w, status.message);
  if (!status.reason.empty()) {
    Key(w, "reason");
    Str(w, status.reason);
  }
  if (status.details) {
    // Go's omitempty drops empty strings, so an all-empty StatusDetails prints as {}.
    Key(w, "details");
    w.StartObject();
    if (!status.details->name.empty()) {
      Key(w, "name");
      Str(w, status.details->name);
    }
    if (!status.details->group.empty()) {
      Key(w, "group");
      Str(w, status.details->group);
    }
    if (!status.details->kind.empty()) {
      Key(w, "kind");
      Str(w, status.details->kind);
    }
    if (!status.details->cause_messages.empty()) {
      Key(w, "causes");
      w.StartArray();
      for (const std::string& cause : status.details->cause_messages) {
        w.StartObject();
        Key(w, "message");
        Str(w, cause);
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  }
  Key(w, "code");
  w.Int(status.code);
  w.EndObject();
  return json.Take();
}

std::string StatusToProtobuf(const ApiStatus& status) {
  ReverseProtoWriter w(256 + status.message.size());
  const std::size_t envelope = BeginUnknown(w);
  w.Varint(6, status.code);
  if (status.details) {
    const std::size_t mark = w.size();
    w.Bytes(6, "");    // uid
    w.Varint(5, 0);    // retryAfterSeconds
    const auto& causes = status.details->cause_messages;
    for (auto cause = causes.rbegin(); cause != causes.rend(); ++cause) {  // reverse writer: last first
      const std::size_t cause_mark = w.size();
      w.Bytes(3, "");  // field
      w.Bytes(2, *cause);
      w.Bytes(1, "");  // reason
      w.EndMessage(4, cause_mark);
    }
    w.Bytes(3, status.details->kind);
    w.Bytes(2, status.details->group);
    w.Bytes(1, status.details->name);
    w.EndMessage(5, mark);
  }
  w.Bytes(4, status.reason);
  w.Bytes(3, status.message);
  w.Bytes(2, "Failure");
  WriteEmptyListMeta(w, 1);
  FinishUnknown(w, envelope, "v1", "Status");
  return w.Take();
}

net::HttpResponse StatusResponse(const ApiStatus& status, bool protobuf) {
  if (protobuf) {
    return net::HttpResponse::Make(status.code, std::string(kProtobufContentType), StatusToProtobuf(status));
  }
  return net::HttpResponse::Make(status.code, "application/json", StatusToJson(status));
}

}  // namespace apiservice
