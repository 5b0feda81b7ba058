#pragma once
// TokenReview and SubjectAccessReview clients. They only build the request JSON and read the answer; the HTTP call
// to the API server goes through an ApiTransport so that the wiring (kube::RestClient with the service account's
// credentials) stays outside and tests can answer with canned bodies.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "apiservice/authentication.h"
#include "apiservice/authorization.h"
#include "common/result.h"

namespace apiservice {

// POSTs `body` (JSON) to `path` on the API server and returns the response body. Non-2xx answers are errors.
using ApiTransport = std::function<common::Result<std::string>(const std::string& path, const std::string& body)>;

class TokenReviewClient : public TokenReviewer {
 public:
  explicit TokenReviewClient(ApiTransport transport, std::vector<std::string> audiences = {});
  common::Result<TokenReviewResult> Review(std::string_view token) override;

 private:
  ApiTransport transport_;
  std::vector<std::string> audiences_;
};

class SubjectAccessReviewClient : public SubjectAccessReviewer {
 public:
  explicit SubjectAccessReviewClient(ApiTransport transport);
  common::Result<AuthzResult> Review(const Attributes& attributes) override;

 private:
  ApiTransport transport_;
};

// The request bodies and answer parsers, exposed for tests.
std::string TokenReviewRequestJson(std::string_view token, const std::vector<std::string>& audiences);
common::Result<TokenReviewResult> ParseTokenReviewResponse(std::string_view body);
std::string SubjectAccessReviewRequestJson(const Attributes& attributes);
common::Result<AuthzResult> ParseSubjectAccessReviewResponse(std::string_view body);

}  // namespace apiservice
