#pragma once
// Plain HTTP message types shared by the server and the client. No Boost here: Beast stays inside the .cc files
// of common/net so that the rest of the project compiles fast.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace net {

struct Header {
  std::string name;
  std::string value;
};

using Headers = std::vector<Header>;

// Case-insensitive lookup of the first header with this name.
std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);

// What the TLS layer learned about the client certificate of a connection.
struct TlsPeer {
  bool presented = false;                  // the client sent a certificate
  bool verified = false;                   // it chains to the configured client CA
  std::string common_name;                 // subject CN
  std::vector<std::string> organizations;  // subject O entries (Kubernetes groups)
};

struct HttpRequest {
  std::string method;                                      // "GET"
  std::string target;                                      // raw request-target: "/api/v1/pods?watch=true"
  std::string path;                                        // percent-decoded path, no query
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  Headers headers;
  std::string body;
  bool tls = false;
  TlsPeer peer;
  std::string remote_address;  // "127.0.0.1:54321"
  std::string local_address;   // the listening address this request arrived on, "127.0.0.7"
  uint16_t local_port = 0;

  std::optional<std::string_view> Header(std::string_view name) const { return FindHeader(headers, name); }
  // First value of a query parameter.
  std::optional<std::string_view> Query(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  static HttpResponse Make(int status, std::string content_type, std::string body) {
    HttpResponse r;
    r.status = status;
    r.headers.push_back({"Content-Type", std::move(content_type)});
    r.body = std::move(body);
    return r;
  }
};

// Splits "a/b%20c?x=1&y=%2F" into path and decoded query pairs. Returns false on malformed percent-encoding.
bool ParseTarget(std::string_view target, std::string* path, std::vector<std::pair<std::string, std::string>>* query);
std::string PercentEncode(std::string_view value);  // for query values and path segments

}  // namespace net
