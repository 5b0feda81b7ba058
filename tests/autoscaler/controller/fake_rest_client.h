#pragma once
// An in-memory RestClient for controller tests: objects by path with resourceVersions, 409 on a stale PUT, and a
// log of every request. Watches are not supported (the controller tests drive informer-free code paths).

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "kube/client/rest_client.h"

namespace autoscaler::testing {

class FakeRestClient : public kube::RestClient {
 public:
  struct Call {
    kube::Verb verb;
    std::string path;
    std::string body;
  };

  // Stores `json` at `path`, stamping metadata.resourceVersion.
  void Put(const std::string& path, const std::string& json) {
    std::lock_guard lock(mu_);
    objects_[path] = Stamp(json);
  }
  std::string Object(const std::string& path) const {
    std::lock_guard lock(mu_);
    auto it = objects_.find(path);
    return it == objects_.end() ? "" : it->second;
  }
  std::vector<Call> Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // The next n requests to `path` fail with `code`.
  void FailNext(const std::string& path, common::ErrorCode code, int n = 1) {
    std::lock_guard lock(mu_);
    failures_[path] = {code, n};
  }

  common::Result<std::string> Send(const kube::RestRequest& original) override {
    std::lock_guard lock(mu_);
    calls_.push_back({original.verb, original.path, original.body});
    // The status subresource reads and writes its parent object, as on the API server.
    kube::RestRequest request = original;
    if (request.path.size() > 7 && request.path.compare(request.path.size() - 7, 7, "/status") == 0) {
      request.path.resize(request.path.size() - 7);
    }
    if (auto f = failures_.find(request.path); f != failures_.end() && f->second.second > 0) {
      --f->second.second;
      return common::Error::Make(f->second.first, "injected failure", 500);
    }
    switch (request.verb) {
      case kube::Verb::kGet: {
        auto it = objects_.find(request.path);
        if (it == objects_.end()) return common::Error::Make(common::ErrorCode::kNotFound, "not found", 404);
        return it->second;
      }
      case kube::Verb::kPost: {
        rapidjson::Document doc;
        doc.Parse(request.body.c_str());
        const std::string path = request.path + "/" + doc["metadata"]["name"].GetString();
        if (objects_.count(path) != 0) return common::Error::Make(common::ErrorCode::kAlreadyExists, "exists", 409);
        objects_[path] = Stamp(request.body);
        return objects_[path];
      }
      case kube::Verb::kPut: {
        auto it = objects_.find(request.path);
        if (it == objects_.end()) return common::Error::Make(common::ErrorCode::kNotFound, "not found", 404);
        if (ResourceVersion(request.body) != ResourceVersion(it->second)) {
          return common::Error::Make(common::ErrorCode::kConflict, "the object has been modified", 409);
        }
        it->second = Stamp(request.body);
        return it->second;
      }
      case kube::Verb::kPatch: {
        auto it = objects_.find(request.path);
        if (it == objects_.end()) return common::Error::Make(common::ErrorCode::kNotFound, "not found", 404);
        rapidjson::Document doc, patch;
        doc.Parse(it->second.c_str());
        patch.Parse(request.body.c_str());
        for (auto& m : patch.GetObject()) {
          doc.RemoveMember(m.name.GetString());
          doc.AddMember(rapidjson::Value(m.name, doc.GetAllocator()), rapidjson::Value(m.value, doc.GetAllocator()),
                        doc.GetAllocator());
        }
        it->second = Stamp(Write(doc));
        return it->second;
      }
      case kube::Verb::kDelete:
        objects_.erase(request.path);
        return std::string("{}");
    }
    return common::Error::Make(common::ErrorCode::kInternal, "unsupported verb");
  }

  common::Result<std::unique_ptr<kube::WatchStream>> Watch(std::string_view, const kube::WatchOptions&) override {
    return common::Error::Make(common::ErrorCode::kInternal, "FakeRestClient does not watch");
  }

 private:
  static std::string Write(const rapidjson::Value& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
  }
  static std::string ResourceVersion(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    if (!doc.IsObject() || !doc.HasMember("metadata") || !doc["metadata"].HasMember("resourceVersion")) return "";
    return doc["metadata"]["resourceVersion"].GetString();
  }
  std::string Stamp(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    if (!doc.IsObject()) return json;
    if (!doc.HasMember("metadata")) doc.AddMember("metadata", rapidjson::Value(rapidjson::kObjectType), doc.GetAllocator());
    auto& md = doc["metadata"];
    md.RemoveMember("resourceVersion");
    md.AddMember("resourceVersion", rapidjson::Value(std::to_string(++rv_).c_str(), doc.GetAllocator()),
                 doc.GetAllocator());
    return Write(doc);
  }

  mutable std::mutex mu_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, std::pair<common::ErrorCode, int>> failures_;
  std::vector<Call> calls_;
  uint64_t rv_ = 100;
};

}  // namespace autoscaler::testing
