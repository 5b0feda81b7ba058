#include "common/net/tls_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>

namespace net::internal {

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

std::string KeyLoadError(const std::string& what, unsigned long code, const std::string& fallback) {
  ERR_clear_error();
  if (ERR_GET_LIB(code) == ERR_LIB_X509 && ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH) {
    return what + " does not match the certificate";
  }
  return "loading " + what + ": " + fallback;
}

void ReadSubject(X509* cert, TlsPeer* peer) {
  const X509_NAME* name = X509_get_subject_name(cert);
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid != NID_commonName && nid != NID_organizationName) continue;
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (len < 0) continue;
    std::string value(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (nid == NID_commonName) {
      peer->common_name = std::move(value);
    } else {
      peer->organizations.push_back(std::move(value));
    }
  }
}

common::Status AddTrustedPem(SSL_CTX* ctx, const std::string& pem, bool advertise) {
  ERR_clear_error();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    if (advertise) SSL_CTX_add_client_CA(ctx, cert);
    X509_free(cert);
    ++added;
  }
  ERR_clear_error();  // the loop ends with a "no start line" error by design
  if (added == 0) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument, "CA bundle holds no PEM certificate");
  }
  return common::Status::Ok();
}

void ApplyProtocolFloor(SSL_CTX* ctx) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Thousands of idle keep-alive connections (kubelets <-> metrics-server) would otherwise each pin ~34 KiB of
  // OpenSSL record buffers.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
}

}  // namespace net::internal
