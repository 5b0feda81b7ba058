#include "apiservice/review_clients.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "apiservice/json_sink.h"

namespace apiservice {

namespace {

common::Error BadAnswer(std::string what) {
  return common::Error::Make(common::ErrorCode::kInternal, "malformed review response: " + std::move(what));
}

common::Result<rapidjson::Document> ParseObject(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) return BadAnswer(rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject()) return BadAnswer("not an object");
  return doc;
}

const rapidjson::Value* Member(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string StringMember(const rapidjson::Value& obj, const char* name) {
  const rapidjson::Value* v = Member(obj, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

bool BoolMember(const rapidjson::Value& obj, const char* name) {
  const rapidjson::Value* v = Member(obj, name);
  return v != nullptr && v->IsBool() && v->GetBool();
}

void WriteStringArray(JsonWriter& w, const std::vector<std::string>& values) {
  w.StartArray();
  for (const std::string& v : values) Str(w, v);
  w.EndArray();
}

}  // namespace

std::string TokenReviewRequestJson(std::string_view token, const std::vector<std::string>& audiences) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "apiVersion");
  Str(w, "authentication.k8s.io/v1");
  Key(w, "kind");
  Str(w, "TokenReview");
  Key(w, "spec");
  w.StartObject();
  Key(w, "token");
  Str(w, token);
  if (!audiences.empty()) {
    Key(w, "audiences");
    WriteStringArray(w, audiences);
  }
  w.EndObject();
  w.EndObject();
  return json.Take();
}

common::Result<TokenReviewResult> ParseTokenReviewResponse(std::string_view body) {
  common::Result<rapidjson::Document> doc = ParseObject(body);
  if (!doc.ok()) return doc.error();
  const rapidjson::Value* status = Member(doc.value(), "status");
  TokenReviewResult result;
  if (status == nullptr || !status->IsObject()) return result;  // no status: not authenticated
  result.authenticated = BoolMember(*status, "authenticated");
  result.error = StringMember(*status, "error");
  if (const rapidjson::Value* user = Member(*status, "user"); user != nullptr && user->IsObject()) {
    result.user.name = StringMember(*user, "username");
    result.user.uid = StringMember(*user, "uid");
    if (const rapidjson::Value* groups = Member(*user, "groups"); groups != nullptr && groups->IsArray()) {
      for (const auto& g : groups->GetArray()) {
        if (g.IsString()) result.user.groups.emplace_back(g.GetString(), g.GetStringLength());
      }
    }
    if (const rapidjson::Value* extra = Member(*user, "extra"); extra != nullptr && extra->IsObject()) {
      for (const auto& kv : extra->GetObject()) {
        std::vector<std::string>& values = result.user.extra[kv.name.GetString()];
        if (!kv.value.IsArray()) continue;
        for (const auto& v : kv.value.GetArray()) {
          if (v.IsString()) values.emplace_back(v.GetString(), v.GetStringLength());
        }
      }
    }
  }
  if (result.authenticated && result.user.name.empty()) return BadAnswer("authenticated without a username");
  return result;
}

std::string SubjectAccessReviewRequestJson(const Attributes& a) {
  JsonOutput json(256);
  JsonWriter& w = json.writer();
  w.StartObject();
  Key(w, "apiVersion");
  Str(w, "authorization.k8s.io/v1");
  Key(w, "kind");
  Str(w, "SubjectAccessReview");
  Key(w, "spec");
  w.StartObject();
  if (a.resource_request) {
    Key(w, "resourceAttributes");
    w.StartObject();
    Key(w, "namespace");
    Str(w, a.namespace_name);
    Key(w, "verb");
    Str(w, a.verb);
    Key(w, "group");
    Str(w, a.api_group);
    Key(w, "version");
    Str(w, a.api_version);
    Key(w, "resource");
    Str(w, a.resource);
    Key(w, "subresource");
    Str(w, a.subresource);
    Key(w, "name");
    Str(w, a.name);
    w.EndObject();
  } else {
    Key(w, "nonResourceAttributes");
    w.StartObject();
    Key(w, "path");
    Str(w, a.path);
    Key(w, "verb");
    Str(w, a.verb);
    w.EndObject();
  }
  Key(w, "user");
  Str(w, a.user.name);
  Key(w, "groups");
  WriteStringArray(w, a.user.groups);
  if (!a.user.extra.empty()) {
    Key(w, "extra");
    w.StartObject();
    for (const auto& [k, values] : a.user.extra) {
      Key(w, k);
      WriteStringArray(w, values);
    }
    w.EndObject();
  }
  Key(w, "uid");
  Str(w, a.user.uid);
  w.EndObject();
  w.EndObject();
  return json.Take();
}

common::Result<AuthzResult> ParseSubjectAccessReviewResponse(std::string_view body) {
  common::Result<rapidjson::Document> doc = ParseObject(body);
  if (!doc.ok()) return doc.error();
  const rapidjson::Value* status = Member(doc.value(), "status");
  if (status == nullptr || !status->IsObject()) return BadAnswer("no status");
  AuthzResult result;
  if (BoolMember(*status, "allowed")) {
    result.decision = Decision::kAllow;
  } else if (BoolMember(*status, "denied")) {
    result.decision = Decision::kDeny;
  }
  result.reason = StringMember(*status, "reason");
  const std::string evaluation_error = StringMember(*status, "evaluationError");
  if (result.decision != Decision::kAllow && result.reason.empty()) result.reason = evaluation_error;
  return result;
}

TokenReviewClient::TokenReviewClient(ApiTransport transport, std::vector<std::string> audiences)
    : transport_(std::move(transport)), audiences_(std::move(audiences)) {}

common::Result<TokenReviewResult> TokenReviewClient::Review(std::string_view token) {
  common::Result<std::string> body =
      transport_("/apis/authentication.k8s.io/v1/tokenreviews", TokenReviewRequestJson(token, audiences_));
  if (!body.ok()) return body.error();
  return ParseTokenReviewResponse(body.value());
}

SubjectAccessReviewClient::SubjectAccessReviewClient(ApiTransport transport) : transport_(std::move(transport)) {}

common::Result<AuthzResult> SubjectAccessReviewClient::Review(const Attributes& attributes) {
  common::Result<std::string> body = transport_("/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                                SubjectAccessReviewRequestJson(attributes));
  if (!body.ok()) return body.error();
  return ParseSubjectAccessReviewResponse(body.value());
}

}  // namespace apiservice
