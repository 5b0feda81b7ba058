#include "sandbox/apiserver/auth.h"

#include <algorithm>

namespace sandbox {

namespace {

void AddAuthenticated(UserInfo& user) {
  if (std::find(user.groups.begin(), user.groups.end(), "system:authenticated") == user.groups.end()) {
    user.groups.push_back("system:authenticated");
  }
}

}  // namespace

std::optional<UserInfo> Authenticator::AuthenticateToken(std::string_view token) const {
  auto it = tokens_.find(std::string(token));
  if (it == tokens_.end()) return std::nullopt;
  UserInfo user{it->second.name, it->second.groups};
  AddAuthenticated(user);
  return user;
}

std::optional<UserInfo> Authenticator::Authenticate(const net::HttpRequest& request) const {
  if (request.peer.presented && request.peer.verified && !request.peer.common_name.empty()) {
    UserInfo user{request.peer.common_name, request.peer.organizations};
    AddAuthenticated(user);
    return user;
  }
  if (auto header = request.Header("Authorization")) {
    std::string_view value = *header;
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() > kBearer.size() && std::equal(kBearer.begin(), kBearer.end(), value.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return AuthenticateToken(value.substr(kBearer.size()));
    }
  }
  return std::nullopt;
}

bool Authorizer::Allowed(const RequestAttributes& a) const {
  // system:masters is never denied, as with RBAC's cluster-admin binding.
  if (std::find(a.groups.begin(), a.groups.end(), "system:masters") != a.groups.end()) return true;
  for (const auto& rule : deny_) {
    if (!rule.user.empty() && rule.user != a.user) continue;
    if (!rule.verb.empty() && rule.verb != a.verb) continue;
    if (!rule.group.empty() && rule.group != "*" && rule.group != a.group) continue;
    if (!rule.resource.empty()) {
      std::string full = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
      if (rule.resource != a.resource && rule.resource != full) continue;
    }
    if (!rule.namespace_name.empty() && rule.namespace_name != a.namespace_name) continue;
    return false;
  }
  return true;
}

std::string Authorizer::ForbiddenMessage(const RequestAttributes& a) {
  if (!a.resource_request) {
    return "forbidden: User \"" + a.user + "\" cannot " + a.verb + " path \"" + a.resource + "\"";
  }
  std::string subject = a.group.empty() ? a.resource : a.resource + "." + a.group;
  if (!a.name.empty()) subject += " \"" + a.name + "\"";
  std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
  std::string scope = a.namespace_name.empty() ? "at the cluster scope" : "in the namespace \"" + a.namespace_name + "\"";
  return subject + " is forbidden: User \"" + a.user + "\" cannot " + a.verb + " resource \"" + resource +
         "\" in API group \"" + a.group + "\" " + scope;
}

}  // namespace sandbox
