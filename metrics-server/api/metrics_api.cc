#include "metrics-server/api/metrics_api.h"

#include <algorithm>
#include <vector>

#include "apiservice/content_negotiation.h"
#include "apiservice/http_util.h"
#include "apiservice/request_info.h"
#include "apiservice/status.h"
#include "apiservice/time_format.h"
#include "metrics-server/api/list_filter.h"
#include "metrics-server/api/metrics_encoding.h"

namespace metrics_server {

namespace {

using apiservice::Format;
using apiservice::Negotiated;
using apiservice::StatusResponse;

constexpr std::string_view kGroupPath = "/apis/metrics.k8s.io";
constexpr std::string_view kVersionPath = "/apis/metrics.k8s.io/v1beta1";
constexpr std::string_view kDefinitionPrefix = "io.k8s.metrics.pkg.apis.metrics.v1beta1.";

constexpr apiservice::Offers kResourceOffers{.protobuf = true, .table = true, .aggregated_discovery = false};
constexpr apiservice::Offers kRootOffers{.protobuf = false, .table = false, .aggregated_discovery = true};
constexpr apiservice::Offers kJsonOnly{};

std::string_view TrimTrailingSlash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

net::HttpResponse Json(std::string body, std::string content_type = "application/json") {
  return net::HttpResponse::Make(200, std::move(content_type), std::move(body));
}

std::string Schema(std::string_view kind, std::string_view body) {
  return std::string(R"({"type":"object","x-kubernetes-group-version-kind":[{"group":"metrics.k8s.io","version":"v1beta1","kind":")") +
         std::string(kind) + R"("}],)" + std::string(body) + "}";
}

std::vector<std::pair<std::string, std::string>> MetricsSchemas() {
  const std::string prefix(kDefinitionPrefix);
  const std::string usage =
      R"("usage":{"type":"object","description":"The memory and cpu usage.","additionalProperties":{"type":"string","format":"quantity"}})";
  const std::string common =
      R"("apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},)"
      R"("timestamp":{"type":"string","format":"date-time"},"window":{"type":"string"})";
  const std::string list_meta = R"("apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"})";
  return {
      {prefix + "ContainerMetrics",
       R"({"type":"object","required":["name","usage"],"properties":{"name":{"type":"string"},)" + usage + "}}"},
      {prefix + "NodeMetrics", Schema("NodeMetrics", R"("required":["timestamp","window","usage"],"properties":{)" +
                                                         common + "," + usage + "}")},
      {prefix + "NodeMetricsList",
       Schema("NodeMetricsList", R"("required":["items"],"properties":{)" + list_meta +
                                     R"(,"items":{"type":"array","items":{"$ref":"#/definitions/)" + prefix +
                                     R"(NodeMetrics"}}})")},
      {prefix + "PodMetrics",
       Schema("PodMetrics", R"("required":["timestamp","window","containers"],"properties":{)" + common +
                                R"(,"containers":{"type":"array","items":{"$ref":"#/definitions/)" + prefix +
                                R"(ContainerMetrics"}}})")},
      {prefix + "PodMetricsList",
       Schema("PodMetricsList", R"("required":["items"],"properties":{)" + list_meta +
                                    R"(,"items":{"type":"array","items":{"$ref":"#/definitions/)" + prefix +
                                    R"(PodMetrics"}}})")},
  };
}

enum class Resource { kNodes, kPods };

struct ResourcePath {
  Resource resource;
  bool all_namespaces = false;
  std::string namespace_name;
  std::string name;  // empty for lists
};

// Maps the parts after /apis/metrics.k8s.io/v1beta1/ to a resource; nullopt for anything else.
std::optional<ResourcePath> ParseResourcePath(std::string_view rest) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= rest.size(); ++i) {
    if (i == rest.size() || rest[i] == '/') {
      parts.push_back(rest.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  for (std::string_view p : parts) {
    if (p.empty()) return std::nullopt;
  }
  ResourcePath r;
  if (parts.size() <= 2 && parts[0] == "nodes") {
    r.resource = Resource::kNodes;
    if (parts.size() == 2) r.name = std::string(parts[1]);
    return r;
  }
  if (parts.size() == 1 && parts[0] == "pods") {
    r.resource = Resource::kPods;
    r.all_namespaces = true;
    return r;
  }
  if ((parts.size() == 3 || parts.size() == 4) && parts[0] == "namespaces" && parts[2] == "pods") {
    r.resource = Resource::kPods;
    r.namespace_name = std::string(parts[1]);
    if (parts.size() == 4) r.name = std::string(parts[3]);
    return r;
  }
  return std::nullopt;
}

TableObject TableObjectFor(const net::HttpRequest& request) {
  std::optional<std::string_view> include = apiservice::QueryValue(request, "includeObject");
  if (include && *include == "None") return TableObject::kNone;
  if (include && *include == "Object") return TableObject::kFull;
  return TableObject::kMetadata;
}

}  // namespace

apiservice::DiscoveryModel MetricsDiscoveryModel() {
  apiservice::GroupVersionInfo gv;
  gv.group = std::string(kMetricsGroup);
  gv.version = std::string(kMetricsVersion);
  gv.resources.push_back({"nodes", "NodeMetrics", false, {"get", "list"}, "nodemetrics", "", {}});
  gv.resources.push_back({"pods", "PodMetrics", true, {"get", "list"}, "podmetrics", "", {}});
  return {gv};
}

MetricsApi::MetricsApi(const ObjectMetadataSource* metadata, MetricsApiOptions options) : metadata_(metadata) {
  openapi_.title = "Kubernetes metrics-server";
  openapi_.version = options.server_version;
  openapi_.groups = MetricsDiscoveryModel();
  openapi_.definition_prefix = std::string(kDefinitionPrefix);
  openapi_.schemas = MetricsSchemas();
}

bool MetricsApi::Owns(std::string_view path) {
  path = TrimTrailingSlash(path);
  return path == "/apis" || StartsWith(path, "/apis/") || path == "/openapi/v2" || path == "/openapi/v3" ||
         StartsWith(path, "/openapi/v3/");
}

bool MetricsApi::WantsProtobuf(const net::HttpRequest& request) {
  if (!StartsWith(request.path, std::string(kVersionPath) + "/")) return false;
  const std::string_view accept = apiservice::HeaderValue(request.headers, "Accept").value_or("");
  common::Result<Negotiated> n = apiservice::Negotiate(accept, kResourceOffers);
  return n.ok() && n->format == Format::kProtobuf;
}

std::optional<net::HttpResponse> MetricsApi::Handle(const net::HttpRequest& request, const MetricsSnapshot* snapshot,
                                                    TimePoint now) const {
  const std::string_view path = TrimTrailingSlash(request.path);
  if (!Owns(path)) return std::nullopt;
  const bool read = request.method == "GET" || request.method == "HEAD";
  const std::string_view accept = apiservice::HeaderValue(request.headers, "Accept").value_or("");

  if (StartsWith(path, std::string(kVersionPath) + "/")) return HandleResource(request, snapshot, now);
  if (!read) {
    return StatusResponse(apiservice::MethodNotAllowedStatus("", ""), false);
  }
  if (path == "/openapi/v2") return Json(apiservice::OpenApiV2Json(openapi_));
  if (path == "/openapi/v3") return Json(apiservice::OpenApiV3IndexJson(openapi_));
  if (StartsWith(path, "/openapi/v3/")) {
    std::string doc = apiservice::OpenApiV3GroupVersionJson(openapi_, path.substr(std::string_view("/openapi/v3/").size()));
    if (doc.empty()) return StatusResponse(apiservice::PathNotFoundStatus(), false);
    return Json(std::move(doc));
  }
  if (path == "/apis") {
    common::Result<Negotiated> n = apiservice::Negotiate(accept, kRootOffers);
    if (!n.ok()) return StatusResponse(apiservice::NotAcceptableStatus(), false);
    if (n->format == Format::kAggregatedDiscovery) {
      return Json(apiservice::AggregatedDiscoveryJson(openapi_.groups, n->version), n->content_type);
    }
    return Json(apiservice::ApiGroupListJson(openapi_.groups));
  }
  if (!apiservice::Negotiate(accept, kJsonOnly).ok()) return StatusResponse(apiservice::NotAcceptableStatus(), false);
  if (path == kGroupPath) return Json(apiservice::ApiGroupJson(openapi_.groups, kMetricsGroup));
  if (path == kVersionPath) return Json(apiservice::ApiResourceListJson(openapi_.groups[0]));
  return StatusResponse(apiservice::PathNotFoundStatus(), false);
}

net::HttpResponse MetricsApi::HandleResource(const net::HttpRequest& request, const MetricsSnapshot* snapshot,
                                             TimePoint now) const {
  const std::string_view path = TrimTrailingSlash(request.path);
  const std::string_view accept = apiservice::HeaderValue(request.headers, "Accept").value_or("");
  common::Result<Negotiated> negotiated = apiservice::Negotiate(accept, kResourceOffers);
  if (!negotiated.ok()) return StatusResponse(apiservice::NotAcceptableStatus(), false);
  const bool protobuf = negotiated->format == Format::kProtobuf;

  std::optional<ResourcePath> target = ParseResourcePath(path.substr(kVersionPath.size() + 1));
  if (!target) return StatusResponse(apiservice::PathNotFoundStatus(), protobuf);
  const std::string_view resource = target->resource == Resource::kNodes ? "nodes" : "pods";
  if (request.method != "GET" && request.method != "HEAD") {
    return StatusResponse(apiservice::MethodNotAllowedStatus(kMetricsGroup, resource), protobuf);
  }

  EncodeOptions options;
  options.creation_unix_seconds = apiservice::UnixSeconds(now);
  options.table_version = negotiated->version;
  options.table_object = TableObjectFor(request);
  const std::string& content_type = negotiated->content_type;
  auto respond = [&](std::string body) { return net::HttpResponse::Make(200, content_type, std::move(body)); };

  // GET of one object.
  if (!target->name.empty()) {
    auto not_found = [&] {
      return StatusResponse(apiservice::NotFoundStatus(kMetricsGroup, resource, target->name), protobuf);
    };
    if (target->resource == Resource::kNodes) {
      const NodeMetricsPoint* point = snapshot ? snapshot->FindNode(target->name) : nullptr;
      LabelsPtr labels = point ? metadata_->NodeLabels(target->name) : nullptr;
      if (!point || !labels) return not_found();
      NodeItem item{point, labels};
      switch (negotiated->format) {
        case Format::kProtobuf:
          return respond(NodeMetricsProtobuf(item, options));
        case Format::kTable:
          return respond(NodeMetricsTableJson(std::span<const NodeItem>(&item, 1), options));
        default:
          return respond(NodeMetricsJson(item, options));
      }
    }
    const PodMetricsPoint* point = snapshot ? snapshot->FindPod(target->namespace_name, target->name) : nullptr;
    LabelsPtr labels = point ? metadata_->PodLabels(target->namespace_name, target->name) : nullptr;
    if (!point || !labels) return not_found();
    PodItem item{point, labels};
    switch (negotiated->format) {
      case Format::kProtobuf:
        return respond(PodMetricsProtobuf(item, options));
      case Format::kTable:
        return respond(PodMetricsTableJson(std::span<const PodItem>(&item, 1), options));
      default:
        return respond(PodMetricsJson(item, options));
    }
  }

  // LIST.
  if (std::optional<std::string_view> watch = apiservice::QueryValue(request, "watch");
      watch && apiservice::IsTrue(*watch)) {
    return StatusResponse(apiservice::WatchNotSupportedStatus(kMetricsGroup, resource), protobuf);
  }
  common::Result<ListFilter> filter = ListFilter::Parse(apiservice::QueryValue(request, "labelSelector"),
                                                        apiservice::QueryValue(request, "fieldSelector"));
  if (!filter.ok()) return StatusResponse(apiservice::BadRequestStatus(filter.error().message), protobuf);

  if (target->resource == Resource::kNodes) {
    std::vector<NodeItem> items;
    if (snapshot != nullptr) {
      items.reserve(snapshot->nodes.size());
      for (const NodeMetricsPoint& p : snapshot->nodes) {
        LabelsPtr labels = metadata_->NodeLabels(p.name);
        if (!labels || !filter->Matches(p.name, "", labels.get())) continue;
        items.push_back({&p, std::move(labels)});
      }
    }
    switch (negotiated->format) {
      case Format::kProtobuf:
        return respond(NodeMetricsListProtobuf(items, options));
      case Format::kTable:
        return respond(NodeMetricsTableJson(items, options));
      default:
        return respond(NodeMetricsListJson(items, options));
    }
  }

  std::vector<PodItem> items;
  if (snapshot != nullptr) {
    auto begin = snapshot->pods.begin();
    auto end = snapshot->pods.end();
    if (!target->all_namespaces) {
      // Pods are sorted by (namespace, name): the namespace is one contiguous run.
      const std::string& ns = target->namespace_name;
      begin = std::lower_bound(begin, end, ns, [](const PodMetricsPoint& p, const std::string& n) {
        return p.namespace_name < n;
      });
      end = std::upper_bound(begin, end, ns, [](const std::string& n, const PodMetricsPoint& p) {
        return n < p.namespace_name;
      });
    }
    items.reserve(end - begin);
    for (auto it = begin; it != end; ++it) {
      LabelsPtr labels = metadata_->PodLabels(it->namespace_name, it->name);
      if (!labels || !filter->Matches(it->name, it->namespace_name, labels.get())) continue;
      items.push_back({&*it, std::move(labels)});
    }
  }
  switch (negotiated->format) {
    case Format::kProtobuf:
      return respond(PodMetricsListProtobuf(items, options));
    case Format::kTable:
      return respond(PodMetricsTableJson(items, options));
    default:
      return respond(PodMetricsListJson(items, options));
  }
}

}  // namespace metrics_server
