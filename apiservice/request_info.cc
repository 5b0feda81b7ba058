#include "apiservice/request_info.h"

#include <cctype>

#include "apiservice/http_util.h"

namespace apiservice {

namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return parts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      parts.emplace_back(path.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  return parts;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The name required by a field selector term "metadata.name=X" or "metadata.name==X", if any.
std::string ExactNameFromFieldSelector(std::string_view selector) {
  std::size_t begin = 0;
  while (begin <= selector.size()) {
    std::size_t end = selector.find(',', begin);
    if (end == std::string_view::npos) end = selector.size();
    std::string_view term = selector.substr(begin, end - begin);
    for (std::string_view prefix : {std::string_view("metadata.name=="), std::string_view("metadata.name=")}) {
      if (term.substr(0, prefix.size()) == prefix) {
        std::string_view name = term.substr(prefix.size());
        // Like upstream, only a value usable as a path segment counts as a name.
        if (!name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
            name.find('%') == std::string_view::npos) {
          return std::string(name);
        }
        return {};
      }
    }
    begin = end + 1;
  }
  return {};
}

}  // namespace

RequestInfo ParseRequestInfo(std::string_view method, std::string_view path,
                             const std::vector<std::pair<std::string, std::string>>& query) {
  RequestInfo info;
  info.path = std::string(path);
  info.verb = Lower(method);
  std::vector<std::string> parts = SplitPath(path);
  if (parts.size() < 3) return info;
  std::size_t i = 0;
  if (parts[0] == "apis") {
    if (parts.size() < 4) return info;
    info.api_prefix = "apis";
    info.api_group = parts[1];
    i = 2;
  } else if (parts[0] == "api") {
    info.api_prefix = "api";
    i = 1;
  } else {
    return info;
  }
  info.is_resource_request = true;
  info.api_version = parts[i++];

  if (method == "GET" || method == "HEAD") {
    info.verb = "get";
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = "delete";
  } else {
    info.verb = "";
  }

  std::vector<std::string> rest(parts.begin() + i, parts.end());
  if (!rest.empty() && rest[0] == "namespaces" && rest.size() > 1) {
    info.namespace_name = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") rest.erase(rest.begin(), rest.begin() + 2);
  }
  info.parts = rest;
  if (rest.size() >= 3) info.subresource = rest[2];
  if (rest.size() >= 2) info.name = rest[1];
  if (!rest.empty()) info.resource = rest[0];

  std::optional<std::string> watch, field_selector;
  for (const auto& [k, v] : query) {
    if (k == "watch" && !watch) watch = v;
    if (k == "fieldSelector" && !field_selector) field_selector = v;
  }
  if (info.name.empty() && info.verb == "get") {
    info.verb = watch && IsTrue(*watch) ? "watch" : "list";
    if (field_selector) info.name = ExactNameFromFieldSelector(*field_selector);
  }
  if (info.name.empty() && info.verb == "delete") info.verb = "deletecollection";
  return info;
}

}  // namespace apiservice
