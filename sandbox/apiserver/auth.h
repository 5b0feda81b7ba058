#pragma once
// Authentication and authorization of the sandbox API server, modelled on kube-apiserver's:
//  - client certificates that chain to the client CA: user = subject CN, groups = subject O entries;
//  - static bearer tokens (--token-auth-file style);
//  - authorization: allow everything except requests matching a configurable deny rule (for tests of 403 paths
//    and of SubjectAccessReview answers).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_types.h"

namespace sandbox {

struct UserInfo {
  std::string name;
  std::vector<std::string> groups;  // always ends with "system:authenticated"
};

struct TokenUser {
  std::string name;
  std::vector<std::string> groups;
};

// A request matching every non-empty field is denied.
struct DenyRule {
  std::string user;
  std::string verb;       // get, list, watch, create, update, patch, delete
  std::string group;      // "*" matches any group; "" matches only when all of group/resource are empty too
  std::string resource;   // plural; "pods/status" style for subresources also accepted
  std::string namespace_name;
};

struct RequestAttributes {
  std::string user;
  std::vector<std::string> groups;
  std::string verb;
  std::string group;
  std::string resource;
  std::string subresource;
  std::string namespace_name;
  std::string name;
  bool resource_request = true;  // false for non-resource URLs (/apis, /healthz)
};

class Authenticator {
 public:
  explicit Authenticator(std::map<std::string, TokenUser> tokens) : tokens_(std::move(tokens)) {}
  // nullopt: no valid credentials (401).
  std::optional<UserInfo> Authenticate(const net::HttpRequest& request) const;
  std::optional<UserInfo> AuthenticateToken(std::string_view token) const;

 private:
  std::map<std::string, TokenUser> tokens_;
};

class Authorizer {
 public:
  explicit Authorizer(std::vector<DenyRule> deny) : deny_(std::move(deny)) {}
  bool Allowed(const RequestAttributes& attributes) const;
  // Upstream's wording, e.g. `pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the
  // namespace "default"`.
  static std::string ForbiddenMessage(const RequestAttributes& attributes);

 private:
  std::vector<DenyRule> deny_;
};

}  // namespace sandbox
