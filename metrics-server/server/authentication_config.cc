#include "metrics-server/server/authentication_config.h"

#include "certs/certs.h"
#include "kube/client/object_meta.h"

namespace metrics_server {
namespace {

constexpr const char* kConfigMapPath = "/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication";

// The ConfigMap stores lists as JSON arrays in strings: "[\"front-proxy-client\"]".
common::Result<std::vector<std::string>> JsonStringList(std::string_view text, const char* key) {
  auto doc = kube::ParseJson(text);
  if (!doc.ok() || !doc->IsArray()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument,
                               std::string("extension-apiserver-authentication: ") + key + " is not a JSON list");
  }
  std::vector<std::string> out;
  for (const auto& v : doc->GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

}  // namespace

common::Result<DelegatedAuthenticationConfig> ParseAuthenticationConfigMap(std::string_view configmap_json) {
  auto doc = kube::ParseJson(configmap_json);
  if (!doc.ok()) return doc.error();
  DelegatedAuthenticationConfig config;
  const rapidjson::Value* data = kube::ObjectMember(*doc, "data");
  if (data == nullptr) return config;
  auto text = [&](const char* key) { return std::string(kube::StringMember(*data, key).value_or("")); };
  config.requestheader_client_ca_pem = text("requestheader-client-ca-file");
  config.client_ca_pem = text("client-ca-file");
  struct ListKey {
    const char* key;
    std::vector<std::string>* target;
  };
  for (const ListKey& k : {ListKey{"requestheader-allowed-names", &config.request_header.allowed_names},
                           ListKey{"requestheader-username-headers", &config.request_header.username_headers},
                           ListKey{"requestheader-group-headers", &config.request_header.group_headers},
                           ListKey{"requestheader-extra-headers-prefix", &config.request_header.extra_header_prefixes}}) {
    const std::string value = text(k.key);
    if (value.empty()) continue;
    auto list = JsonStringList(value, k.key);
    if (!list.ok()) return list.error();
    *k.target = std::move(*list);
  }
  return config;
}

common::Result<DelegatedAuthenticationConfig> LoadDelegatedAuthentication(kube::RestClient& client,
                                                                          const RequestHeaderFlags& flags) {
  DelegatedAuthenticationConfig config;
  if (flags.client_ca_file.empty()) {
    auto body = client.Get(kConfigMapPath);
    if (!body.ok()) {
      return common::Error::Make(body.error().code,
                                 "cannot read kube-system/extension-apiserver-authentication (needed to trust the "
                                 "aggregator; or pass --requestheader-client-ca-file): " + body.error().message);
    }
    auto parsed = ParseAuthenticationConfigMap(*body);
    if (!parsed.ok()) return parsed.error();
    config = std::move(*parsed);
  } else {
    auto pem = certs::ReadFile(flags.client_ca_file);
    if (!pem.ok()) return pem.error();
    config.requestheader_client_ca_pem = *pem;
  }
  if (!flags.allowed_names.empty()) config.request_header.allowed_names = flags.allowed_names;
  if (!flags.username_headers.empty()) config.request_header.username_headers = flags.username_headers;
  if (!flags.group_headers.empty()) config.request_header.group_headers = flags.group_headers;
  if (!flags.extra_headers_prefix.empty()) config.request_header.extra_header_prefixes = flags.extra_headers_prefix;
  if (config.requestheader_client_ca_pem.empty()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument,
                               "no requestheader client CA: requests proxied by the aggregator cannot be trusted");
  }
  return config;
}

}  // namespace metrics_server
