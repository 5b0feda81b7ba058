#pragma once
// Authentication of requests reaching an aggregated API server. kube-apiserver's aggregator proxies requests over
// TLS with its front-proxy client certificate and names the real user in X-Remote-User / X-Remote-Group /
// X-Remote-Extra-* headers; those headers are trusted only on a connection whose certificate chains to the
// requestheader CA and (when configured) has an allowed common name. Otherwise a bearer token is checked with a
// TokenReview. Anything else is anonymous, which this server rejects (401).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apiservice/ttl_cache.h"
#include "common/net/http_types.h"
#include "common/result.h"

namespace apiservice {

struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

// The requestheader settings (from the kube-system/extension-apiserver-authentication ConfigMap or flags).
struct RequestHeaderConfig {
  std::vector<std::string> allowed_names;  // empty: any certificate from the requestheader CA
  std::vector<std::string> username_headers{"X-Remote-User"};
  std::vector<std::string> group_headers{"X-Remote-Group"};
  std::vector<std::string> extra_header_prefixes{"X-Remote-Extra-"};
};

struct TokenReviewResult {
  bool authenticated = false;
  UserInfo user;
  std::string error;  // status.error when not authenticated
};

// authentication.k8s.io TokenReview. Errors mean the review could not be made (API server unreachable, ...).
class TokenReviewer {
 public:
  virtual ~TokenReviewer() = default;
  virtual common::Result<TokenReviewResult> Review(std::string_view token) = 0;
};

enum class AuthnOutcome {
  kAuthenticated,
  kAnonymous,  // no usable credentials
  kRejected,   // credentials presented but invalid (wrong CN, bad token, review failed)
};

struct AuthnResult {
  AuthnOutcome outcome = AuthnOutcome::kAnonymous;
  UserInfo user;
  std::string reason;  // for logs, never sent to the client
};

// Reads the user from X-Remote-* headers of a request whose front-proxy certificate was verified. Returns
// nullopt when the request carries no front-proxy identity (unverified or no certificate, or no user header);
// an error when the certificate's CN is not allowed.
common::Result<std::optional<UserInfo>> UserFromRequestHeaders(const net::HttpRequest& request,
                                                               const RequestHeaderConfig& config);

struct AuthenticatorOptions {
  RequestHeaderConfig request_header;
  // Token reviews are cached like upstream's --authentication-token-webhook-cache-ttl.
  std::chrono::seconds token_cache_ttl{10};
  std::size_t token_cache_entries = 4096;
};

class Authenticator {
 public:
  // `token_reviewer` may be null (bearer tokens are then rejected). It must outlive the authenticator.
  Authenticator(AuthenticatorOptions options, TokenReviewer* token_reviewer, SteadyClock clock);

  // May block on a TokenReview; call off the event loop thread.
  AuthnResult Authenticate(const net::HttpRequest& request) const;

 private:
  AuthenticatorOptions options_;
  TokenReviewer* token_reviewer_;
  mutable TtlCache<TokenReviewResult> token_cache_;
};

}  // namespace apiservice
