#pragma once
// Chooses the response representation from the Accept header the way kube-apiserver does: media ranges in
// preference order (q, then position), "as/g/v" parameters selecting Table or aggregated discovery, wildcards
// meaning JSON. Every Accept header kubectl sends resolves to something; only a header naming nothing we can
// produce yields 406, as upstream.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace apiservice {

struct MediaRange {
  std::string type;     // "application"
  std::string subtype;  // "json"
  std::vector<std::pair<std::string, std::string>> params;  // lower-cased keys, "q" excluded
  double q = 1.0;

  std::string_view Param(std::string_view key) const;
};

// Parses an Accept header. Malformed ranges are skipped rather than failing the request.
std::vector<MediaRange> ParseAccept(std::string_view accept);

enum class Format {
  kJson,
  kProtobuf,
  kTable,                // meta.k8s.io Table, JSON encoded
  kAggregatedDiscovery,  // apidiscovery.k8s.io APIGroupDiscoveryList, JSON encoded
};

// What an endpoint can produce besides plain JSON.
struct Offers {
  bool protobuf = false;
  bool table = false;
  bool aggregated_discovery = false;
};

struct Negotiated {
  Format format = Format::kJson;
  std::string version;       // Table: "v1"/"v1beta1"; aggregated discovery: "v2"/"v2beta1"; else empty
  std::string content_type;  // the response Content-Type
};

// The only error is kInvalidArgument (http_status 406): nothing in the header can be produced.
common::Result<Negotiated> Negotiate(std::string_view accept, const Offers& offers);

}  // namespace apiservice
