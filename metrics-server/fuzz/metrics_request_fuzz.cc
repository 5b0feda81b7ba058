// libFuzzer target for metrics-server's request path after the socket: request target (path + query: selectors,
// watch, limit, ...) and headers (Accept, Authorization, X-Remote-*) through ParseTarget, authentication,
// authorization and the metrics API, over the fixed cluster of the kubectl traces. It is the same sequence as the
// handler in metrics-server/main.cc, with fake TokenReview and SubjectAccessReview answers.
//
// Input: text lines. The first is "METHOD TARGET"; then "Name: value" headers (leading blanks ignored, so blocks
// of tests/golden/kubectl-traces/*.http.txt are inputs as they are); "@peer CN" makes the connection carry a
// verified client certificate with that CN (the front-proxy CA), "@unverified CN" one that did not verify.
//
// Invariants besides sanitizers: identity headers count only on a verified connection with an allowed CN
// (otherwise the authorizer sees the bearer-token user or nobody); every answer has a Content-Type; JSON answers
// parse; error answers in JSON are Status objects carrying the HTTP code; protobuf answers have the k8s magic.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "apiservice/authentication.h"
#include "apiservice/authorization.h"
#include "apiservice/request_guard.h"
#include "common/net/http_types.h"
#include "kube/fuzz/fuzz_check.h"
#include "metrics-server/api/metrics_api.h"
#include "tests/metrics-server/api/fixture.h"

namespace {

constexpr std::string_view kFrontProxyCn = "front-proxy-client";
constexpr std::string_view kGoodToken = "good-token";
constexpr std::string_view kTokenUser = "token-user";

class FakeTokenReviewer : public apiservice::TokenReviewer {
 public:
  common::Result<apiservice::TokenReviewResult> Review(std::string_view token) override {
    apiservice::TokenReviewResult result;
    if (token == "failing-token") return common::Error::Make(common::ErrorCode::kUnavailable, "review failed");
    if (token == kGoodToken) {
      result.authenticated = true;
      result.user.name = std::string(kTokenUser);
      result.user.groups = {"system:authenticated"};
    } else {
      result.error = "invalid token";
    }
    return result;
  }
};

// Allows everyone except users whose name contains "deny"; "fail" makes the review itself fail. Remembers who asked.
class RecordingAuthorizer : public apiservice::SubjectAccessReviewer {
 public:
  common::Result<apiservice::AuthzResult> Review(const apiservice::Attributes& attributes) override {
    last_user = attributes.user.name;
    ++calls;
    if (attributes.user.name.find("fail") != std::string::npos) {
      return common::Error::Make(common::ErrorCode::kUnavailable, "authorizer unavailable");
    }
    apiservice::AuthzResult result;
    result.decision = attributes.user.name.find("deny") != std::string::npos ? apiservice::Decision::kDeny
                                                                               : apiservice::Decision::kAllow;
    return result;
  }
  std::string last_user;
  int calls = 0;
};

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Builds the request as the HTTP server would hand it over; false when the server would answer 400 itself.
bool BuildRequest(std::string_view input, net::HttpRequest* request) {
  request->tls = true;
  bool first = true;
  while (!input.empty()) {
    const size_t eol = input.find('\n');
    std::string_view line = TrimRight(input.substr(0, eol));
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    if (first) {
      first = false;
      const size_t space = line.find(' ');
      if (space == std::string_view::npos) return false;
      request->method = std::string(line.substr(0, space));
      request->target = std::string(line.substr(space + 1));
      continue;
    }
    line = TrimLeft(line);
    if (line.empty() || StartsWith(line, "<<<") || StartsWith(line, "===")) continue;
    if (StartsWith(line, "@peer ") || StartsWith(line, "@unverified ")) {
      request->peer.presented = true;
      request->peer.verified = StartsWith(line, "@peer ");
      request->peer.common_name = std::string(line.substr(line.find(' ') + 1));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    request->headers.push_back({std::string(line.substr(0, colon)), std::string(TrimLeft(line.substr(colon + 1)))});
  }
  if (request->method.empty() || request->target.empty() || request->target.front() != '/') return false;
  return net::ParseTarget(request->target, &request->path, &request->query);
}

void CheckResponse(const net::HttpResponse& response) {
  KMA_FUZZ_CHECK(response.status >= 200 && response.status <= 599);
  auto content_type = net::FindHeader(response.headers, "Content-Type");
  KMA_FUZZ_CHECK(content_type.has_value() && !content_type->empty());
  if (StartsWith(*content_type, "application/json")) {
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    KMA_FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
    if (response.status >= 400) {
      auto kind = doc.FindMember("kind");
      KMA_FUZZ_CHECK(kind != doc.MemberEnd() && kind->value.IsString() &&
                     std::string_view(kind->value.GetString()) == "Status");
      auto code = doc.FindMember("code");
      KMA_FUZZ_CHECK(code != doc.MemberEnd() && code->value.IsInt() && code->value.GetInt() == response.status);
    }
  } else if (StartsWith(*content_type, "application/vnd.kubernetes.protobuf")) {
    KMA_FUZZ_CHECK(StartsWith(response.body, std::string_view("k8s\0", 4)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto snapshot = metrics_api_testing::Snapshot(metrics_api_testing::k022333 - 5,
                                                             metrics_api_testing::k022333);
  static const auto metadata = metrics_api_testing::Metadata();
  static const metrics_server::MetricsApi api(metadata.get());
  const auto now = metrics_api_testing::At(metrics_api_testing::k022333 + 13);

  net::HttpRequest request;
  if (!BuildRequest(std::string_view(reinterpret_cast<const char*>(data), size), &request)) return 0;

  // Fresh per input: the token cache must not carry state from one input to the next.
  FakeTokenReviewer tokens;
  RecordingAuthorizer authorizer;
  apiservice::AuthenticatorOptions options;
  options.request_header.allowed_names = {std::string(kFrontProxyCn)};
  apiservice::Authenticator authenticator(options, &tokens, [] { return std::chrono::steady_clock::time_point(); });
  apiservice::RequestGuard guard(&authenticator, &authorizer);

  const bool protobuf_errors = metrics_server::MetricsApi::WantsProtobuf(request);
  apiservice::GuardOutcome outcome = guard.Check(request, protobuf_errors);

  // Identity headers are trusted only from the front proxy; anyone else is the token's user or nobody.
  const bool front_proxy = request.peer.presented && request.peer.verified && request.peer.common_name == kFrontProxyCn;
  if (!front_proxy && authorizer.calls > 0) KMA_FUZZ_CHECK(authorizer.last_user == kTokenUser);
  if (outcome.rejection) {
    KMA_FUZZ_CHECK(outcome.rejection->status == 401 || outcome.rejection->status == 403 ||
                   outcome.rejection->status == 500);
    KMA_FUZZ_CHECK(outcome.rejection->status != 401 || authorizer.calls == 0);
    CheckResponse(*outcome.rejection);
    return 0;
  }
  if (!outcome.user.name.empty() && !front_proxy) KMA_FUZZ_CHECK(outcome.user.name == kTokenUser);

  if (auto response = api.Handle(request, snapshot.get(), now)) CheckResponse(*response);
  return 0;
}
