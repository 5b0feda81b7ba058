#pragma once
// Test doubles for the review interfaces and a manual clock.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "apiservice/authentication.h"
#include "apiservice/authorization.h"
#include "common/net/http_types.h"

namespace apiservice_testing {

class ManualClock {
 public:
  apiservice::SteadyClock AsFunction() {
    return [now = now_] { return *now; };
  }
  void Advance(std::chrono::seconds d) { *now_ += d; }

 private:
  std::shared_ptr<std::chrono::steady_clock::time_point> now_ =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::hours(1000));
};

class FakeTokenReviewer : public apiservice::TokenReviewer {
 public:
  std::function<common::Result<apiservice::TokenReviewResult>(std::string_view)> answer;
  int calls = 0;
  common::Result<apiservice::TokenReviewResult> Review(std::string_view token) override {
    ++calls;
    return answer(token);
  }
};

class FakeSubjectAccessReviewer : public apiservice::SubjectAccessReviewer {
 public:
  std::function<common::Result<apiservice::AuthzResult>(const apiservice::Attributes&)> answer;
  int calls = 0;
  apiservice::Attributes last;
  common::Result<apiservice::AuthzResult> Review(const apiservice::Attributes& a) override {
    ++calls;
    last = a;
    return answer(a);
  }
};

// A request as it arrives through kube-apiserver's aggregator: TLS with a verified front-proxy certificate.
inline net::HttpRequest ProxiedRequest(std::string path, std::string user, std::string cn = "front-proxy-client") {
  net::HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  r.target = r.path;
  r.tls = true;
  r.peer.presented = true;
  r.peer.verified = true;
  r.peer.common_name = std::move(cn);
  if (!user.empty()) r.headers.push_back({"X-Remote-User", std::move(user)});
  return r;
}

}  // namespace apiservice_testing
