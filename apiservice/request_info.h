#pragma once
// What a request asks for, parsed from method, path and query the way kube-apiserver's RequestInfoFactory does.
// It feeds SubjectAccessReview attributes and the router.

#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_types.h"

namespace apiservice {

struct RequestInfo {
  bool is_resource_request = false;
  std::string path;
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection; lower-cased method otherwise
  std::string api_prefix;  // "apis" or "api"
  std::string api_group;
  std::string api_version;
  std::string namespace_name;
  std::string resource;
  std::string subresource;
  std::string name;
  std::vector<std::string> parts;  // path segments from the resource on
};

RequestInfo ParseRequestInfo(std::string_view method, std::string_view path,
                             const std::vector<std::pair<std::string, std::string>>& query);
inline RequestInfo ParseRequestInfo(const net::HttpRequest& request) {
  return ParseRequestInfo(request.method, request.path, request.query);
}

}  // namespace apiservice
