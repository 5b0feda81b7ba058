#include "apiservice/authorization.h"

namespace apiservice {

namespace {

// Every attribute that can change the answer, separated by a byte that cannot occur in them.
std::string CacheKey(const Attributes& a) {
  std::string key;
  auto add = [&key](std::string_view s) {
    key.append(s);
    key.push_back('\0');
  };
  add(a.user.name);
  add(a.user.uid);
  for (const std::string& g : a.user.groups) add(g);
  key.push_back('\1');
  for (const auto& [k, values] : a.user.extra) {
    add(k);
    for (const std::string& v : values) add(v);
    key.push_back('\1');
  }
  key.push_back('\2');
  add(a.verb);
  add(a.resource_request ? "r" : "n");
  add(a.namespace_name);
  add(a.api_group);
  add(a.api_version);
  add(a.resource);
  add(a.subresource);
  add(a.name);
  add(a.path);
  return key;
}

}  // namespace

Attributes MakeAttributes(const UserInfo& user, const RequestInfo& info) {
  Attributes a;
  a.user = user;
  a.verb = info.verb;
  a.resource_request = info.is_resource_request;
  a.namespace_name = info.namespace_name;
  a.api_group = info.api_group;
  a.api_version = info.api_version;
  a.resource = info.resource;
  a.subresource = info.subresource;
  a.name = info.name;
  a.path = info.path;
  return a;
}

CachingAuthorizer::CachingAuthorizer(SubjectAccessReviewer* inner, AuthorizationCacheOptions options,
                                     SteadyClock clock)
    : inner_(inner), options_(options), allowed_(clock, options.max_entries), denied_(clock, options.max_entries) {}

common::Result<AuthzResult> CachingAuthorizer::Review(const Attributes& attributes) {
  const std::string key = CacheKey(attributes);
  if (std::optional<AuthzResult> hit = allowed_.Get(key)) return *hit;
  if (std::optional<AuthzResult> hit = denied_.Get(key)) return *hit;
  common::Result<AuthzResult> answer = inner_->Review(attributes);
  if (!answer.ok()) return answer;
  if (answer->decision == Decision::kAllow) {
    allowed_.Put(key, answer.value(), options_.allowed_ttl);
  } else {
    denied_.Put(key, answer.value(), options_.denied_ttl);
  }
  return answer;
}

std::string ForbiddenReasonText(const Attributes& a) {
  const std::string user = "User \"" + a.user.name + "\"";
  if (!a.resource_request) return user + " cannot " + a.verb + " path \"" + a.path + "\"";
  std::string resource = a.resource;
  if (!a.subresource.empty()) resource += "/" + a.subresource;
  std::string text = user + " cannot " + a.verb + " resource \"" + resource + "\" in API group \"" + a.api_group + "\"";
  if (!a.namespace_name.empty()) return text + " in the namespace \"" + a.namespace_name + "\"";
  return text + " at the cluster scope";
}

ApiStatus ForbiddenStatusFor(const Attributes& a, std::string_view reason) {
  std::string error = ForbiddenReasonText(a);
  if (!reason.empty()) {
    error += ": ";
    error += reason;
  }
  // apierrors.NewForbidden: the qualified resource is empty for non-resource requests.
  const std::string group = a.resource_request ? a.api_group : "";
  const std::string resource = a.resource_request ? a.resource : "";
  std::string message;
  if (resource.empty()) {
    message = "forbidden: " + error;
  } else if (a.name.empty()) {
    message = QualifiedResource(group, resource) + " is forbidden: " + error;
  } else {
    message = QualifiedResource(group, resource) + " \"" + a.name + "\" is forbidden: " + error;
  }
  return ForbiddenStatus(group, resource, a.resource_request ? a.name : "", std::move(message));
}

}  // namespace apiservice
