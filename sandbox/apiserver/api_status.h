#pragma once
// Failure responses shaped exactly like kube-apiserver's metav1.Status bodies:
//   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":...,"reason":...,
//    "details":{"name":...,"group":...,"kind":...},"code":...}

#include <string>
#include <string_view>

#include "common/net/http_types.h"
#include "common/result.h"

namespace sandbox {

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;  // upstream puts the resource (plural) here, e.g. "deployments"
  int retry_after_seconds = 0;  // emitted when > 0 (429 answers)
  bool present = false;  // whether to emit "details" at all
};

// The Status JSON body.
std::string StatusBody(int code, std::string_view reason, std::string_view message,
                       const StatusDetails& details = {});
net::HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                                 const StatusDetails& details = {});

// Upstream's reason for an HTTP code ("NotFound", "Conflict", ...).
const char* ReasonForCode(int code);
int HttpCodeFor(const common::Error& error);

// Maps a store/handler error to a Status response. The error message is used as is (store errors already carry
// upstream's wording, e.g. `deployments.apps "x" not found`).
net::HttpResponse ErrorResponse(const common::Error& error, const StatusDetails& details = {});

}  // namespace sandbox
