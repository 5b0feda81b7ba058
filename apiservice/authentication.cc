#include "apiservice/authentication.h"

#include <algorithm>
#include <cctype>

#include "apiservice/http_util.h"

namespace apiservice {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Extra keys travel percent-encoded in header names (upstream unescapes them and lower-cases).
std::string UnescapeExtraKey(std::string_view key) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key[i] == '%' && i + 2 < key.size()) {
      const int hi = HexValue(key[i + 1]);
      const int lo = HexValue(key[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(key[i]);
  }
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string_view> BearerToken(const net::HttpRequest& request) {
  std::optional<std::string_view> auth = HeaderValue(request.headers, "Authorization");
  if (!auth) return std::nullopt;
  std::string_view v = *auth;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (!StartsWithIgnoreCase(v, "bearer ")) return std::nullopt;
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return v;
}

}  // namespace

common::Result<std::optional<UserInfo>> UserFromRequestHeaders(const net::HttpRequest& request,
                                                               const RequestHeaderConfig& config) {
  if (!request.tls || !request.peer.presented || !request.peer.verified) return std::optional<UserInfo>();
  if (!config.allowed_names.empty() &&
      std::find(config.allowed_names.begin(), config.allowed_names.end(), request.peer.common_name) ==
          config.allowed_names.end()) {
    return common::Error::Make(common::ErrorCode::kUnauthorized,
                               "front-proxy certificate CN \"" + request.peer.common_name +
                                   "\" is not in the allowed names",
                               401);
  }
  UserInfo user;
  for (const std::string& header : config.username_headers) {
    if (auto v = HeaderValue(request.headers, header); v && !v->empty()) {
      user.name = std::string(*v);
      break;
    }
  }
  if (user.name.empty()) return std::optional<UserInfo>();
  for (const std::string& header : config.group_headers) {
    for (std::string_view v : HeaderValues(request.headers, header)) user.groups.emplace_back(v);
  }
  for (const std::string& prefix : config.extra_header_prefixes) {
    for (const net::Header& h : request.headers) {
      if (h.name.size() > prefix.size() && StartsWithIgnoreCase(h.name, prefix)) {
        user.extra[UnescapeExtraKey(std::string_view(h.name).substr(prefix.size()))].push_back(h.value);
      }
    }
  }
  return std::optional<UserInfo>(std::move(user));
}

Authenticator::Authenticator(AuthenticatorOptions options, TokenReviewer* token_reviewer, SteadyClock clock)
    : options_(std::move(options)),
      token_reviewer_(token_reviewer),
      token_cache_(std::move(clock), options_.token_cache_entries) {}

AuthnResult Authenticator::Authenticate(const net::HttpRequest& request) const {
  AuthnResult result;
  common::Result<std::optional<UserInfo>> proxied = UserFromRequestHeaders(request, options_.request_header);
  if (!proxied.ok()) {
    result.outcome = AuthnOutcome::kRejected;
    result.reason = proxied.error().message;
    return result;
  }
  if (proxied.value()) {
    result.outcome = AuthnOutcome::kAuthenticated;
    result.user = std::move(*proxied.value());
    return result;
  }
  std::optional<std::string_view> token = BearerToken(request);
  if (!token) return result;  // anonymous
  if (token_reviewer_ == nullptr) {
    result.outcome = AuthnOutcome::kRejected;
    result.reason = "bearer tokens are not accepted (no TokenReview client)";
    return result;
  }
  const std::string key(*token);
  std::optional<TokenReviewResult> review = token_cache_.Get(key);
  if (!review) {
    common::Result<TokenReviewResult> fresh = token_reviewer_->Review(*token);
    if (!fresh.ok()) {
      // Not cached: a transient API server failure must not lock the user out for the TTL.
      result.outcome = AuthnOutcome::kRejected;
      result.reason = "token review failed: " + fresh.error().message;
      return result;
    }
    token_cache_.Put(key, fresh.value(), options_.token_cache_ttl);
    review = std::move(fresh.value());
  }
  if (!review->authenticated) {
    result.outcome = AuthnOutcome::kRejected;
    result.reason = review->error.empty() ? "token not authenticated" : review->error;
    return result;
  }
  result.outcome = AuthnOutcome::kAuthenticated;
  result.user = review->user;
  return result;
}

}  // namespace apiservice
