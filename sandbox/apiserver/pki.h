#pragma once
// The certificates a sandbox API server needs, generated with the certs library: a cluster CA (serving and client
// certificates), the serving certificate (IP SAN 127.0.0.1, DNS localhost / kubernetes.default.svc), an admin
// client certificate (CN admin, O system:masters) and the aggregator's separate requestheader CA with the
// front-proxy client certificate (CN front-proxy-client).

#include <chrono>

#include "certs/certs.h"
#include "common/result.h"

namespace sandbox {

struct ApiServerPki {
  certs::Bundle ca;              // signs the serving certificate and client certificates
  certs::Bundle serving;
  certs::Bundle admin;           // CN=admin, O=system:masters
  certs::Bundle requestheader_ca;
  certs::Bundle front_proxy_client;  // CN=front-proxy-client, signed by requestheader_ca
};

common::Result<ApiServerPki> GenerateApiServerPki(std::chrono::system_clock::time_point now);

// A client certificate for `user` in `groups`, signed by the cluster CA (for components and tests).
common::Result<certs::Bundle> GenerateClientCertificate(const ApiServerPki& pki, const std::string& user,
                                                        const std::vector<std::string>& groups,
                                                        std::chrono::system_clock::time_point now);

}  // namespace sandbox
