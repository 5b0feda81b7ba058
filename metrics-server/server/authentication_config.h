#pragma once
// How metrics-server learns to trust the aggregator, as upstream's delegated authentication does: the
// requestheader CA, allowed names and header names from the kube-system/extension-apiserver-authentication
// ConfigMap (published by kube-apiserver), each overridable by a --requestheader-* flag.

#include <string>
#include <vector>

#include "apiservice/authentication.h"
#include "common/result.h"
#include "kube/client/rest_client.h"

namespace metrics_server {

struct DelegatedAuthenticationConfig {
  std::string requestheader_client_ca_pem;  // verifies front-proxy client certificates
  std::string client_ca_pem;                // user client certificates (informational; see main)
  apiservice::RequestHeaderConfig request_header;
};

struct RequestHeaderFlags {
  std::string client_ca_file;                  // --requestheader-client-ca-file
  std::vector<std::string> allowed_names;      // --requestheader-allowed-names
  std::vector<std::string> username_headers;   // --requestheader-username-headers
  std::vector<std::string> group_headers;      // --requestheader-group-headers
  std::vector<std::string> extra_headers_prefix;  // --requestheader-extra-headers-prefix
};

// Parses the ConfigMap's data (JSON object of a ConfigMap).
common::Result<DelegatedAuthenticationConfig> ParseAuthenticationConfigMap(std::string_view configmap_json);

// Reads the ConfigMap (unless every needed value comes from flags) and applies the flag overrides.
common::Result<DelegatedAuthenticationConfig> LoadDelegatedAuthentication(kube::RestClient& client,
                                                                          const RequestHeaderFlags& flags);

}  // namespace metrics_server
