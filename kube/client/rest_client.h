#pragma once
// The Kubernetes REST client seen by controllers: a tiny virtual surface (Send, Watch) so tests can fake it, and
// typed helpers on top (Get/List/Create/Update/Patch/Delete). Paths are API paths such as
// "/api/v1/namespaces/default/pods" and may already carry a query string.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/client/watch.h"

namespace kube {

enum class Verb { kGet, kPost, kPut, kPatch, kDelete };
const char* VerbName(Verb verb);

enum class PatchType { kMerge, kStrategicMerge, kJson };
const char* PatchContentType(PatchType type);

struct RestRequest {
  Verb verb = Verb::kGet;
  std::string path;  // API path with optional query
  std::string body;
  std::string content_type;  // for bodies; default application/json
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;        // "" = most recent (consistent read), "0" = any (watch cache)
  std::string resource_version_match;  // "NotOlderThan" / "Exact"
  int64_t limit = 0;                   // page size; 0 = everything
  std::string continue_token;
};

struct WatchOptions {
  std::string resource_version;
  bool allow_watch_bookmarks = true;
  std::string label_selector;
  std::string field_selector;
  std::chrono::seconds timeout{0};  // server-side timeoutSeconds; 0 = server default
};

// Appends the query parameters of `options` to `path` ("?" or "&" as needed).
std::string WithListQuery(std::string_view path, const ListOptions& options);
std::string WithWatchQuery(std::string_view path, const WatchOptions& options);

// Parses a JSON body; a malformed body is kInvalidArgument.
common::Result<rapidjson::Document> ParseJson(std::string_view body);

class RestClient {
 public:
  virtual ~RestClient() = default;

  // Sends one request. A 2xx response returns its body; any other status is decoded into an error (see
  // api_status.h). Implementations may retry where that is safe.
  virtual common::Result<std::string> Send(const RestRequest& request) = 0;
  // Starts a watch on a collection path; returns once the server accepted it.
  virtual common::Result<std::unique_ptr<WatchStream>> Watch(std::string_view path, const WatchOptions& options) = 0;

  common::Result<std::unique_ptr<WatchStream>> Watch(std::string_view path, std::string_view resource_version,
                                                     bool allow_watch_bookmarks = true);

  common::Result<std::string> Get(std::string_view path);
  common::Result<rapidjson::Document> GetJson(std::string_view path);
  common::Result<rapidjson::Document> List(std::string_view path, const ListOptions& options = {});
  common::Result<std::string> Create(std::string_view path, std::string body);
  common::Result<std::string> Update(std::string_view path, std::string body);
  common::Result<std::string> Patch(std::string_view path, std::string body, PatchType type = PatchType::kMerge);
  common::Status Delete(std::string_view path);
};

}  // namespace kube
