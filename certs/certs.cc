#include "certs/certs.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace certs {
namespace {

using common::Error;
using common::ErrorCode;

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct NameFree {
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
};
struct GenNamesFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using GenNamesPtr = std::unique_ptr<GENERAL_NAMES, GenNamesFree>;

// The OpenSSL error queue is thread-local; drain it into a message so the next call starts clean.
std::string OpenSslErrors() {
  std::string out;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

Error SslError(const std::string& what) { return Error::Make(ErrorCode::kInternal, what + ": " + OpenSslErrors()); }

common::Result<PkeyPtr> GenerateKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (key == nullptr) return SslError("generating private key");
  return PkeyPtr(key);
}

BioPtr MemBio(const std::string& data) { return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size()))); }

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<std::size_t>(len) : 0);
}

common::Result<X509Ptr> ParseCert(const std::string& pem) {
  ERR_clear_error();
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Error::Make(ErrorCode::kInvalidArgument, "certificate is not PEM (no BEGIN CERTIFICATE block)");
  }
  BioPtr bio = MemBio(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    return Error::Make(ErrorCode::kInvalidArgument, "certificate PEM does not parse: " + OpenSslErrors());
  }
  return X509Ptr(cert);
}

common::Result<PkeyPtr> ParseKey(const std::string& pem) {
  ERR_clear_error();
  if (pem.find("PRIVATE KEY-----") == std::string::npos) {
    return Error::Make(ErrorCode::kInvalidArgument, "private key is not PEM (no BEGIN PRIVATE KEY block)");
  }
  BioPtr bio = MemBio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Error::Make(ErrorCode::kInvalidArgument, "private key PEM does not parse: " + OpenSslErrors());
  }
  return PkeyPtr(key);
}

common::Status SetSubject(X509_NAME* name, const Subject& subject) {
  if (subject.common_name.empty()) {
    return Error::Make(ErrorCode::kInvalidArgument, "a common name (CN) is required");
  }
  for (const std::string& org : subject.organizations) {
    if (org.empty()) return Error::Make(ErrorCode::kInvalidArgument, "empty organization (group) name");
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(org.c_str()), -1,
                                   -1, 0) != 1) {
      return SslError("setting subject O");
    }
  }
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(subject.common_name.c_str()), -1, -1, 0) != 1) {
    return SslError("setting subject CN");
  }
  return common::Status::Ok();
}

common::Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return SslError(std::string("building extension ") + OBJ_nid2sn(nid));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return SslError(std::string("adding extension ") + OBJ_nid2sn(nid));
  return common::Status::Ok();
}

// SANs are built as GENERAL_NAMEs rather than a config string so that a name cannot inject extra entries.
common::Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& dns,
                                  const std::vector<std::string>& ips) {
  GenNamesPtr names(sk_GENERAL_NAME_new_null());
  for (const std::string& d : dns) {
    if (d.empty()) return Error::Make(ErrorCode::kInvalidArgument, "empty DNS name");
    GENERAL_NAME* gen = GENERAL_NAME_new();
    ASN1_IA5STRING* str = ASN1_IA5STRING_new();
    ASN1_STRING_set(str, d.data(), static_cast<int>(d.size()));
    GENERAL_NAME_set0_value(gen, GEN_DNS, str);
    sk_GENERAL_NAME_push(names.get(), gen);
  }
  for (const std::string& ip : ips) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ERR_clear_error();
      return Error::Make(ErrorCode::kInvalidArgument, "not an IP address: \"" + ip + "\"");
    }
    GENERAL_NAME* gen = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gen, GEN_IPADD, octets);
    sk_GENERAL_NAME_push(names.get(), gen);
  }
  if (sk_GENERAL_NAME_num(names.get()) == 0) return common::Status::Ok();
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return SslError("adding subjectAltName");
  }
  return common::Status::Ok();
}

struct CertSpec {
  const Subject* subject;
  std::chrono::hours validity;
  KeyType key_type;
  bool is_ca = false;
  const char* extended_key_usage = nullptr;
  const std::vector<std::string>* dns = nullptr;
  const std::vector<std::string>* ips = nullptr;
};

// Builds and signs one certificate. With no issuer the certificate is self-signed by its own new key.
common::Result<Bundle> Issue(const CertSpec& spec, X509* issuer_cert, EVP_PKEY* issuer_key, TimePoint now) {
  ERR_clear_error();
  auto key = GenerateKey(spec.key_type);
  if (!key.ok()) return key.error();
  X509Ptr cert(X509_new());
  if (!cert) return SslError("allocating certificate");
  X509_set_version(cert.get(), 2);  // v3

  // 127-bit random serial: unique without coordination, positive as RFC 5280 requires.
  std::unique_ptr<BIGNUM, BnFree> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return SslError("generating serial number");
  }

  const time_t start = std::chrono::system_clock::to_time_t(now - std::chrono::hours(1));
  const time_t end = std::chrono::system_clock::to_time_t(now + spec.validity);
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), start) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), end) == nullptr) {
    return SslError("setting validity");
  }

  if (auto st = SetSubject(X509_get_subject_name(cert.get()), *spec.subject); !st.ok()) return st.error();
  X509* issuer = issuer_cert != nullptr ? issuer_cert : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1) return SslError("setting issuer");
  if (X509_set_pubkey(cert.get(), key->get()) != 1) return SslError("setting public key");

  common::Status st;
  if (spec.is_ca) {
    st = AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
    if (st.ok()) st = AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign");
  } else {
    st = AddExtension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
    if (st.ok()) st = AddExtension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    if (st.ok() && spec.extended_key_usage != nullptr) {
      st = AddExtension(cert.get(), issuer, NID_ext_key_usage, spec.extended_key_usage);
    }
  }
  if (st.ok()) st = AddExtension(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (st.ok() && issuer_cert != nullptr) {
    st = AddExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  }
  if (st.ok() && (spec.dns != nullptr || spec.ips != nullptr)) {
    static const std::vector<std::string> kNone;
    st = AddSubjectAltNames(cert.get(), spec.dns ? *spec.dns : kNone, spec.ips ? *spec.ips : kNone);
  }
  if (!st.ok()) return st.error();

  EVP_PKEY* signer = issuer_key != nullptr ? issuer_key : key->get();
  if (X509_sign(cert.get(), signer, EVP_sha256()) == 0) return SslError("signing certificate");

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key->get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return SslError("encoding PEM");
  }
  return Bundle{BioContents(cert_bio.get()), BioContents(key_bio.get())};
}

struct LoadedCa {
  X509Ptr cert;
  PkeyPtr key;
};

common::Result<LoadedCa> LoadCa(const Bundle& ca) {
  auto cert = ParseCert(ca.cert_pem);
  if (!cert.ok()) return Error::Make(ErrorCode::kInvalidArgument, "CA " + cert.error().message);
  auto key = ParseKey(ca.key_pem);
  if (!key.ok()) return Error::Make(ErrorCode::kInvalidArgument, "CA " + key.error().message);
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return Error::Make(ErrorCode::kInvalidArgument, "CA private key does not match the CA certificate");
  }
  if (X509_check_ca(cert->get()) == 0) {
    return Error::Make(ErrorCode::kInvalidArgument, "the CA certificate is not a CA (basicConstraints CA:FALSE)");
  }
  return LoadedCa{std::move(cert).value(), std::move(key).value()};
}

TimePoint AsnTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return TimePoint{};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Subject ReadName(const X509_NAME* name) {
  Subject s;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0) continue;
    std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (nid == NID_commonName) s.common_name = value;
    if (nid == NID_organizationName) s.organizations.push_back(value);
  }
  return s;
}

std::string FormatIp(const ASN1_OCTET_STRING* ip) {
  char buf[64];
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  int len = ASN1_STRING_length(ip);
  if (len == 4) {
    snprintf(buf, sizeof(buf), "%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
    return buf;
  }
  if (len == 16) {
    std::string out;
    for (int i = 0; i < 16; i += 2) {
      snprintf(buf, sizeof(buf), "%s%x", i ? ":" : "", (d[i] << 8) | d[i + 1]);
      out += buf;
    }
    return out;
  }
  return "";
}

CertificateInfo Describe(X509* cert) {
  CertificateInfo info;
  info.subject = ReadName(X509_get_subject_name(cert));
  info.issuer = ReadName(X509_get_issuer_name(cert));
  info.not_before = AsnTime(X509_get0_notBefore(cert));
  info.not_after = AsnTime(X509_get0_notAfter(cert));
  info.is_ca = X509_check_ca(cert) != 0;
  GENERAL_NAMES* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, i);
      if (gen->type == GEN_DNS) {
        const ASN1_IA5STRING* s = gen->d.dNSName;
        info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<std::size_t>(ASN1_STRING_length(s)));
      } else if (gen->type == GEN_IPADD) {
        info.ip_addresses.push_back(FormatIp(gen->d.iPAddress));
      }
    }
    GENERAL_NAMES_free(names);
  }
  ERR_clear_error();
  return info;
}

std::string FormatTime(TimePoint t) {
  time_t tt = std::chrono::system_clock::to_time_t(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

common::Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Error::Make(ErrorCode::kInternal, "creating " + tmp + ": " + std::strerror(errno));
  // open() applies the umask; set the mode explicitly so keys are never group/world readable and certs are.
  ::fchmod(fd, mode);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = "writing " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error::Make(ErrorCode::kInternal, msg);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = "writing " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error::Make(ErrorCode::kInternal, msg);
  }
  return common::Status::Ok();
}

}  // namespace

common::Result<Bundle> GenerateCa(const CaOptions& options, TimePoint now) {
  CertSpec spec{&options.subject, options.validity, options.key_type};
  spec.is_ca = true;
  return Issue(spec, nullptr, nullptr, now);
}

common::Result<Bundle> GenerateServing(const Bundle& ca, const ServingOptions& options, TimePoint now) {
  if (options.dns_names.empty() && options.ip_addresses.empty()) {
    return Error::Make(ErrorCode::kInvalidArgument, "a serving certificate needs at least one DNS name or IP");
  }
  auto loaded = LoadCa(ca);
  if (!loaded.ok()) return loaded.error();
  CertSpec spec{&options.subject, options.validity, options.key_type};
  spec.extended_key_usage = "serverAuth";
  spec.dns = &options.dns_names;
  spec.ips = &options.ip_addresses;
  return Issue(spec, loaded->cert.get(), loaded->key.get(), now);
}

common::Result<Bundle> GenerateClient(const Bundle& ca, const ClientOptions& options, TimePoint now) {
  auto loaded = LoadCa(ca);
  if (!loaded.ok()) return loaded.error();
  CertSpec spec{&options.subject, options.validity, options.key_type};
  spec.extended_key_usage = "clientAuth";
  return Issue(spec, loaded->cert.get(), loaded->key.get(), now);
}

common::Result<CertificateInfo> InspectCertificate(const std::string& cert_pem) {
  auto cert = ParseCert(cert_pem);
  if (!cert.ok()) return cert.error();
  return Describe(cert->get());
}

common::Result<CertificateInfo> ValidatePair(const Bundle& bundle, TimePoint now) {
  auto cert = ParseCert(bundle.cert_pem);
  if (!cert.ok()) return cert.error();
  auto key = ParseKey(bundle.key_pem);
  if (!key.ok()) return key.error();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return Error::Make(ErrorCode::kInvalidArgument, "private key does not match the certificate's public key");
  }
  CertificateInfo info = Describe(cert->get());
  if (now >= info.not_after) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       "certificate \"" + info.subject.common_name + "\" expired at " + FormatTime(info.not_after));
  }
  if (now < info.not_before) {
    return Error::Make(ErrorCode::kInvalidArgument, "certificate \"" + info.subject.common_name +
                                                        "\" is not valid before " + FormatTime(info.not_before));
  }
  return info;
}

common::Status VerifySignedBy(const std::string& cert_pem, const std::string& ca_pem, TimePoint now) {
  auto cert = ParseCert(cert_pem);
  if (!cert.ok()) return cert.error();
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  BioPtr bio = MemBio(ca_pem);
  int added = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), ca);
    X509_free(ca);
    ++added;
  }
  ERR_clear_error();
  if (added == 0) return Error::Make(ErrorCode::kInvalidArgument, "CA bundle holds no PEM certificate");
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    std::string reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return Error::Make(ErrorCode::kTls, "certificate does not verify against the CA: " + reason);
  }
  return common::Status::Ok();
}

common::Status WriteBundle(const std::string& dir, const std::string& name, const Bundle& bundle) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error::Make(ErrorCode::kInternal, "creating directory " + dir + ": " + ec.message());
  const std::string base = (std::filesystem::path(dir) / name).string();
  // The key goes first: a watcher that sees the new certificate then always finds its key.
  if (auto st = WriteFileAtomically(base + ".key", bundle.key_pem, 0600); !st.ok()) return st;
  return WriteFileAtomically(base + ".crt", bundle.cert_pem, 0644);
}

common::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Error::Make(ErrorCode::kNotFound, path + ": no such file");
    return Error::Make(ErrorCode::kInternal, "opening " + path + ": " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Error::Make(ErrorCode::kInternal, "reading " + path);
  return out.str();
}

common::Result<Bundle> ReadBundle(const std::string& cert_file, const std::string& key_file) {
  auto cert = ReadFile(cert_file);
  if (!cert.ok()) return cert.error();
  auto key = ReadFile(key_file);
  if (!key.ok()) return key.error();
  return Bundle{std::move(cert).value(), std::move(key).value()};
}

}  // namespace certs
