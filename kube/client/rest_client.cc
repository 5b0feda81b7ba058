#include "kube/client/rest_client.h"

#include <utility>

#include "common/net/http_types.h"

namespace kube {
namespace {

void AddParam(std::string* target, bool* first, std::string_view name, std::string_view value) {
  target->push_back(*first ? '?' : '&');
  *first = false;
  target->append(name);
  target->push_back('=');
  target->append(net::PercentEncode(value));
}

}  // namespace

const char* VerbName(Verb verb) {
  switch (verb) {
    case Verb::kGet:
      return "GET";
    case Verb::kPost:
      return "POST";
    case Verb::kPut:
      return "PUT";
    case Verb::kPatch:
      return "PATCH";
    case Verb::kDelete:
      return "DELETE";
  }
  return "GET";
}

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

std::string WithListQuery(std::string_view path, const ListOptions& options) {
  std::string target(path);
  bool first = target.find('?') == std::string::npos;
  if (!options.label_selector.empty()) AddParam(&target, &first, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) AddParam(&target, &first, "fieldSelector", options.field_selector);
  if (options.limit > 0) AddParam(&target, &first, "limit", std::to_string(options.limit));
  if (!options.continue_token.empty()) AddParam(&target, &first, "continue", options.continue_token);
  // The server rejects resourceVersion together with continue; the token already pins the snapshot.
  if (options.continue_token.empty() && !options.resource_version.empty()) {
    AddParam(&target, &first, "resourceVersion", options.resource_version);
    if (!options.resource_version_match.empty()) {
      AddParam(&target, &first, "resourceVersionMatch", options.resource_version_match);
    }
  }
  return target;
}

std::string WithWatchQuery(std::string_view path, const WatchOptions& options) {
  std::string target(path);
  bool first = target.find('?') == std::string::npos;
  AddParam(&target, &first, "watch", "true");
  if (!options.resource_version.empty()) AddParam(&target, &first, "resourceVersion", options.resource_version);
  if (options.allow_watch_bookmarks) AddParam(&target, &first, "allowWatchBookmarks", "true");
  if (!options.label_selector.empty()) AddParam(&target, &first, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) AddParam(&target, &first, "fieldSelector", options.field_selector);
  if (options.timeout.count() > 0) AddParam(&target, &first, "timeoutSeconds", std::to_string(options.timeout.count()));
  return target;
}

common::Result<rapidjson::Document> ParseJson(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument,
                               "malformed JSON at offset " + std::to_string(doc.GetErrorOffset()));
  }
  return doc;
}

common::Result<std::unique_ptr<WatchStream>> RestClient::Watch(std::string_view path,
                                                               std::string_view resource_version,
                                                               bool allow_watch_bookmarks) {
  WatchOptions options;
  options.resource_version = std::string(resource_version);
  options.allow_watch_bookmarks = allow_watch_bookmarks;
  return Watch(path, options);
}

common::Result<std::string> RestClient::Get(std::string_view path) {
  return Send(RestRequest{Verb::kGet, std::string(path), "", ""});
}

common::Result<rapidjson::Document> RestClient::GetJson(std::string_view path) {
  auto body = Get(path);
  if (!body.ok()) return body.error();
  return ParseJson(*body);
}

common::Result<rapidjson::Document> RestClient::List(std::string_view path, const ListOptions& options) {
  return GetJson(WithListQuery(path, options));
}

common::Result<std::string> RestClient::Create(std::string_view path, std::string body) {
  return Send(RestRequest{Verb::kPost, std::string(path), std::move(body), "application/json"});
}

common::Result<std::string> RestClient::Update(std::string_view path, std::string body) {
  return Send(RestRequest{Verb::kPut, std::string(path), std::move(body), "application/json"});
}

common::Result<std::string> RestClient::Patch(std::string_view path, std::string body, PatchType type) {
  return Send(RestRequest{Verb::kPatch, std::string(path), std::move(body), PatchContentType(type)});
}

common::Status RestClient::Delete(std::string_view path) {
  auto body = Send(RestRequest{Verb::kDelete, std::string(path), "", ""});
  if (!body.ok()) return body.error();
  return common::Status::Ok();
}

}  // namespace kube
