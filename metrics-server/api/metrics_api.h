#pragma once
// The metrics.k8s.io/v1beta1 API as a pure function of (request, snapshot, object metadata, now): discovery at
// /apis, /apis/metrics.k8s.io and /apis/metrics.k8s.io/v1beta1 (legacy and aggregated v2), OpenAPI at /openapi/v2
// and /openapi/v3, and the nodes and pods resources with label/field selectors, Table output, JSON and protobuf.
// Authentication and authorization happen before (apiservice::RequestGuard); sockets are elsewhere.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "apiservice/discovery.h"
#include "apiservice/openapi.h"
#include "common/net/http_types.h"
#include "metrics-server/api/object_metadata_source.h"
#include "metrics-server/storage/metrics_snapshot.h"

namespace metrics_server {

struct MetricsApiOptions {
  std::string server_version = "v0.7.2";  // info.version of the OpenAPI documents
};

class MetricsApi {
 public:
  // `metadata` must outlive the API.
  MetricsApi(const ObjectMetadataSource* metadata, MetricsApiOptions options = {});

  // Answers paths under /apis and /openapi; returns nullopt for any other path (health checks, /metrics: the
  // caller's). `snapshot` may be null before the first scrape (lists are then empty). `now` becomes
  // metadata.creationTimestamp.
  std::optional<net::HttpResponse> Handle(const net::HttpRequest& request, const MetricsSnapshot* snapshot,
                                          TimePoint now) const;

  // Whether Handle answers this path.
  static bool Owns(std::string_view path);
  // Whether errors for this request (including 401/403 from the guard) should be protobuf: the request is for a
  // metrics resource and its Accept header prefers protobuf.
  static bool WantsProtobuf(const net::HttpRequest& request);

  const apiservice::DiscoveryModel& discovery() const { return openapi_.groups; }

 private:
  net::HttpResponse HandleResource(const net::HttpRequest& request, const MetricsSnapshot* snapshot,
                                   TimePoint now) const;

  const ObjectMetadataSource* metadata_;
  apiservice::OpenApiModel openapi_;
};

// The served group version (nodes and pods), shared with the APIService manifest generator and tests.
apiservice::DiscoveryModel MetricsDiscoveryModel();

}  // namespace metrics_server
