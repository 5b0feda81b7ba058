#pragma once
// OpenSSL helpers shared by the server and client implementations (internal to common/net).

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

#include "common/net/http_types.h"
#include "common/result.h"

namespace net::internal {

// Drains the thread-local OpenSSL error queue into one message.
std::string OpenSslErrors();

// Describes a failure to load a private key; names the common cause (key of another certificate) plainly.
// `code` is the OpenSSL error Asio consumed into its error_code (Asio drains the queue itself).
std::string KeyLoadError(const std::string& what, unsigned long code, const std::string& fallback);

// Fills peer.common_name and peer.organizations from the certificate subject.
void ReadSubject(X509* cert, TlsPeer* peer);

// Loads every certificate of a PEM bundle into `ctx`'s trust store and, when `advertise` is set, into the list
// of acceptable client CA names sent in the CertificateRequest.
common::Status AddTrustedPem(SSL_CTX* ctx, const std::string& pem, bool advertise);

// Settings shared by both sides: TLS >= 1.2, no compression or renegotiation, idle buffers released.
void ApplyProtocolFloor(SSL_CTX* ctx);

}  // namespace net::internal
