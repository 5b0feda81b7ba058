#pragma once
// Certificate authority tooling on OpenSSL 3: a CA, serving certificates with DNS/IP SANs, and client
// certificates whose subject CN is the user name and whose O entries are the groups (how Kubernetes reads client
// certificates). Everything is returned as PEM strings; only WriteBundle/ReadBundle touch the file system.

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace certs {

struct Bundle {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8 "PRIVATE KEY"
};

enum class KeyType {
  kEcdsaP256,  // default: generation takes well under a millisecond, which matters for thousands of kubelets
  kRsa2048,
};

struct Subject {
  std::string common_name;
  std::vector<std::string> organizations;  // Kubernetes groups for client certificates
};

struct CaOptions {
  Subject subject;
  std::chrono::hours validity{24 * 365 * 10};
  KeyType key_type = KeyType::kEcdsaP256;
};

struct ServingOptions {
  Subject subject;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // IPv4 or IPv6 literals
  std::chrono::hours validity{24 * 365};
  KeyType key_type = KeyType::kEcdsaP256;
};

struct ClientOptions {
  Subject subject;  // CN = user, O = groups
  std::chrono::hours validity{24 * 365};
  KeyType key_type = KeyType::kEcdsaP256;
};

using TimePoint = std::chrono::system_clock::time_point;

// Self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign). Valid from `now` minus one hour (clock skew).
common::Result<Bundle> GenerateCa(const CaOptions& options, TimePoint now);
// Certificate for serverAuth signed by `ca`. At least one DNS name or IP address is required.
common::Result<Bundle> GenerateServing(const Bundle& ca, const ServingOptions& options, TimePoint now);
// Certificate for clientAuth signed by `ca`.
common::Result<Bundle> GenerateClient(const Bundle& ca, const ClientOptions& options, TimePoint now);

// What a certificate says about itself.
struct CertificateInfo {
  Subject subject;
  Subject issuer;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  TimePoint not_before;
  TimePoint not_after;
  bool is_ca = false;
};

// Parses the first certificate of a PEM bundle.
common::Result<CertificateInfo> InspectCertificate(const std::string& cert_pem);

// Checks that a cert/key pair is usable now: both parse as PEM, the key matches the certificate, and the
// certificate is within its validity window. Errors are kInvalidArgument with a message naming the problem.
common::Result<CertificateInfo> ValidatePair(const Bundle& bundle, TimePoint now);

// Checks that `cert_pem` chains to `ca_pem` (signature and validity at `now`).
common::Status VerifySignedBy(const std::string& cert_pem, const std::string& ca_pem, TimePoint now);

// Writes <dir>/<name>.crt (0644) and <dir>/<name>.key (0600), creating `dir` (0755) if needed. Files are written
// to a temporary name and renamed so that a watcher never sees half a file.
common::Status WriteBundle(const std::string& dir, const std::string& name, const Bundle& bundle);
// Reads a PEM file pair (no validation).
common::Result<Bundle> ReadBundle(const std::string& cert_file, const std::string& key_file);
// Reads a whole file; kNotFound when it does not exist.
common::Result<std::string> ReadFile(const std::string& path);

}  // namespace certs
