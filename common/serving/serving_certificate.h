#pragma once
// The serving certificate of our HTTPS endpoints, as upstream's genericapiserver options choose it:
// --tls-cert-file/--tls-private-key-file when given, otherwise a self-signed pair kept in --cert-dir (reused
// across restarts while valid) or, without a cert dir, generated in memory.

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace common {

struct ServingCertificateOptions {
  std::string cert_file;
  std::string key_file;
  std::string cert_dir;                  // where a self-signed pair is written and reused
  std::string pair_name = "apiserver";   // files <cert_dir>/<pair_name>.crt and .key
  std::vector<std::string> dns_names{"localhost"};
  std::vector<std::string> ip_addresses{"127.0.0.1"};
};

struct ServingCertificate {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;  // set when the pair lives in files (hot reload watches them)
  std::string key_file;
  bool self_signed = false;
};

Result<ServingCertificate> LoadOrCreateServingCertificate(const ServingCertificateOptions& options,
                                                          std::chrono::system_clock::time_point now);

}  // namespace common
