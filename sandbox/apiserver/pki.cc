#include "sandbox/apiserver/pki.h"

namespace sandbox {

common::Result<ApiServerPki> GenerateApiServerPki(std::chrono::system_clock::time_point now) {
  ApiServerPki pki;
  auto ca = certs::GenerateCa(certs::CaOptions{.subject = {"sandbox-ca", {}}}, now);
  if (!ca.ok()) return ca.error();
  pki.ca = std::move(*ca);
  certs::ServingOptions serving;
  serving.subject = {"kube-apiserver", {}};
  serving.dns_names = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"};
  serving.ip_addresses = {"127.0.0.1"};
  auto serving_bundle = certs::GenerateServing(pki.ca, serving, now);
  if (!serving_bundle.ok()) return serving_bundle.error();
  pki.serving = std::move(*serving_bundle);
  auto admin = certs::GenerateClient(pki.ca, certs::ClientOptions{.subject = {"admin", {"system:masters"}}}, now);
  if (!admin.ok()) return admin.error();
  pki.admin = std::move(*admin);
  auto rh = certs::GenerateCa(certs::CaOptions{.subject = {"sandbox-front-proxy-ca", {}}}, now);
  if (!rh.ok()) return rh.error();
  pki.requestheader_ca = std::move(*rh);
  auto fp = certs::GenerateClient(pki.requestheader_ca,
                                  certs::ClientOptions{.subject = {"front-proxy-client", {}}}, now);
  if (!fp.ok()) return fp.error();
  pki.front_proxy_client = std::move(*fp);
  return pki;
}

common::Result<certs::Bundle> GenerateClientCertificate(const ApiServerPki& pki, const std::string& user,
                                                        const std::vector<std::string>& groups,
                                                        std::chrono::system_clock::time_point now) {
  return certs::GenerateClient(pki.ca, certs::ClientOptions{.subject = {user, groups}}, now);
}

}  // namespace sandbox
