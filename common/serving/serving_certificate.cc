#include "common/serving/serving_certificate.h"

#include <filesystem>

#include "certs/certs.h"
#include "common/log.h"

namespace common {

Result<ServingCertificate> LoadOrCreateServingCertificate(const ServingCertificateOptions& options,
                                                          std::chrono::system_clock::time_point now) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return Error::Make(ErrorCode::kInvalidArgument, "--tls-cert-file and --tls-private-key-file must be given together");
  }
  if (!options.cert_file.empty()) {
    auto bundle = certs::ReadBundle(options.cert_file, options.key_file);
    if (!bundle.ok()) return bundle.error();
    if (auto valid = certs::ValidatePair(*bundle, now); !valid.ok()) return valid.error();
    return ServingCertificate{bundle->cert_pem, bundle->key_pem, options.cert_file, options.key_file, false};
  }

  std::string cert_file, key_file;
  if (!options.cert_dir.empty()) {
    cert_file = (std::filesystem::path(options.cert_dir) / (options.pair_name + ".crt")).string();
    key_file = (std::filesystem::path(options.cert_dir) / (options.pair_name + ".key")).string();
    std::error_code ec;
    if (std::filesystem::exists(cert_file, ec) && std::filesystem::exists(key_file, ec)) {
      auto bundle = certs::ReadBundle(cert_file, key_file);
      if (bundle.ok() && certs::ValidatePair(*bundle, now).ok()) {
        return ServingCertificate{bundle->cert_pem, bundle->key_pem, cert_file, key_file, true};
      }
      LOG_WARNING("self-signed certificate in {} is unusable; generating a new one", options.cert_dir);
    }
  }

  certs::CaOptions ca_options;
  ca_options.subject.common_name = "self-signed-ca@" + std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  auto ca = certs::GenerateCa(ca_options, now);
  if (!ca.ok()) return ca.error();
  certs::ServingOptions serving;
  serving.subject.common_name = options.dns_names.empty() ? "localhost" : options.dns_names.front();
  serving.dns_names = options.dns_names;
  serving.ip_addresses = options.ip_addresses;
  auto pair = certs::GenerateServing(*ca, serving, now);
  if (!pair.ok()) return pair.error();
  ServingCertificate out{pair->cert_pem + ca->cert_pem, pair->key_pem, "", "", true};
  if (!options.cert_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.cert_dir, ec);
    certs::Bundle chained{out.cert_pem, out.key_pem};
    if (auto written = certs::WriteBundle(options.cert_dir, options.pair_name, chained); !written.ok()) {
      // A read-only cert dir is not fatal: serve from memory, as upstream does when it cannot persist.
      LOG_WARNING("cannot write self-signed certificate to {}: {}", options.cert_dir, written.error().message);
    } else {
      out.cert_file = cert_file;
      out.key_file = key_file;
    }
  }
  return out;
}

}  // namespace common
