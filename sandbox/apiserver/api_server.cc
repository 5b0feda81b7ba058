#include "sandbox/apiserver/api_server.h"

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/log.h"
#include "common/net/http_server.h"
#include "sandbox/apiserver/aggregator.h"
#include "sandbox/apiserver/api_status.h"
#include "sandbox/apiserver/base64.h"
#include "sandbox/apiserver/conversion.h"
#include "sandbox/apiserver/json_util.h"
#include "sandbox/apiserver/printers.h"
#include "sandbox/apiserver/resources.h"
#include "sandbox/apiserver/restartable_server.h"
#include "sandbox/apiserver/selectors.h"

namespace sandbox {

using common::Error;
using common::ErrorCode;

ApiServerOptions ApiServerOptions::FromPki(const ApiServerPki& pki) {
  ApiServerOptions o;
  o.serving_cert_pem = pki.serving.cert_pem;
  o.serving_key_pem = pki.serving.key_pem;
  o.ca_pem = pki.ca.cert_pem;
  o.client_ca_pem = pki.ca.cert_pem;
  o.admin_cert_pem = pki.admin.cert_pem;
  o.admin_key_pem = pki.admin.key_pem;
  o.front_proxy_client_cert_pem = pki.front_proxy_client.cert_pem;
  o.front_proxy_client_key_pem = pki.front_proxy_client.key_pem;
  o.requestheader_ca_pem = pki.requestheader_ca.cert_pem;
  return o;
}

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kAggregatedDiscovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const ResourceKey kNamespaces{"", "v1", "namespaces"};
const ResourceKey kConfigMaps{"", "v1", "configmaps"};

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool WantsAggregatedDiscovery(const net::HttpRequest& r) {
  auto accept = r.Header("Accept");
  return accept && accept->find("as=APIGroupDiscoveryList") != std::string_view::npos &&
         accept->find("v=v2;") != std::string_view::npos;
}

bool WantsTable(const net::HttpRequest& r) {
  auto accept = r.Header("Accept");
  return accept && accept->find("as=Table") != std::string_view::npos &&
         accept->find("g=meta.k8s.io") != std::string_view::npos;
}

net::HttpResponse Json(int status, std::string body) {
  return net::HttpResponse::Make(status, kJson, std::move(body));
}

net::HttpResponse NotFoundPath() {
  StatusDetails details;
  details.present = true;
  return StatusResponse(404, "NotFound", "the server could not find the requested resource", details);
}

bool QueryTrue(const net::HttpRequest& r, std::string_view name) {
  auto v = r.Query(name);
  return v && (*v == "true" || *v == "1");
}

std::string ContentTypeOf(const net::HttpRequest& r) {
  std::string ct(r.Header("Content-Type").value_or(""));
  if (auto semi = ct.find(';'); semi != std::string::npos) ct.resize(semi);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  return ct;
}

// What a resource request addresses.
struct Target {
  const ResourceInfo* info = nullptr;
  std::string namespace_name;
  std::string name;
  std::string subresource;
};

StatusDetails DetailsFor(const ResourceInfo& info, const std::string& name) {
  StatusDetails d;
  d.present = true;
  d.name = name;
  d.group = info.group;
  d.kind = info.resource;
  return d;
}

Error Conflict(const ResourceInfo& info, const std::string& name) {
  std::string gr = info.group.empty() ? info.resource : info.resource + "." + info.group;
  return Error::Make(ErrorCode::kConflict,
                     "Operation cannot be fulfilled on " + gr + " \"" + name +
                         "\": the object has been modified; please apply your changes to the latest version and try "
                         "again",
                     409);
}

Error BadRequest(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message), 400); }
Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message), 422); }

// A continue token: base64 of "namespace/name" of the last returned item.
std::string ContinueToken(const StoredObject& last) { return Base64Encode(last.namespace_name + "/" + last.name); }

std::string YamlQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

class ApiServerImpl : public ApiServer {
 public:
  ApiServerImpl(net::EventLoop& loop, ApiServerOptions options)
      : loop_(loop),
        options_(std::move(options)),
        store_(options_.store),
        authenticator_(options_.tokens),
        authorizer_(options_.deny_rules) {}

  ~ApiServerImpl() override { Shutdown(); }

  common::Status Init() {
    if (auto s = Bootstrap(); !s.ok()) return s;
    AggregatorOptions agg;
    agg.front_proxy_client_cert_pem = options_.front_proxy_client_cert_pem;
    agg.front_proxy_client_key_pem = options_.front_proxy_client_key_pem;
    agg.check_interval = options_.availability_check_interval;
    agg.proxy_timeout = options_.proxy_timeout;
    auto aggregator = Aggregator::Create(store_, loop_, agg);
    if (!aggregator.ok()) return aggregator.error();
    aggregator_ = std::move(*aggregator);

    net::ServerOptions server_options;
    server_options.endpoints = {net::Endpoint{options_.address, options_.port}};
    net::TlsServerConfig tls;
    tls.cert_pem = options_.serving_cert_pem;
    tls.key_pem = options_.serving_key_pem;
    tls.client_ca_pem = options_.client_ca_pem;
    server_options.tls = tls;
    auto server = RestartableServer::Start(
        loop_, server_options,
        [this](const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
          Handle(request, std::move(responder));
        });
    if (!server.ok()) return server.error();
    server_ = std::move(*server);
    port_ = server_->port();
    if (!options_.faults.empty()) SetFaults(std::move(options_.faults));
    return common::Status::Ok();
  }

  void SetFaults(std::vector<ApiFault> faults) override {
    faults_.Replace(std::move(faults), std::chrono::steady_clock::now());
    OnFaultsChanged(std::chrono::milliseconds(0));
  }
  void ClearFaults() override {
    faults_.Clear();
    OnFaultsChanged(std::chrono::milliseconds(0));
  }
  std::string DescribeFaults() const override { return faults_.Describe(std::chrono::steady_clock::now()); }

  uint16_t port() const override { return port_; }
  ObjectStore& store() override { return store_; }

  void RegisterServiceEndpoint(const std::string& ns, const std::string& name, const std::string& host,
                               uint16_t port) override {
    aggregator_->RegisterServiceEndpoint(ns, name, host, port);
  }
  void UnregisterServiceEndpoint(const std::string& ns, const std::string& name) override {
    aggregator_->UnregisterServiceEndpoint(ns, name);
  }
  void CheckApiServicesNow() override { aggregator_->CheckNow(); }

  ClientAccess AdminAccess() const override {
    ClientAccess a;
    a.host = options_.address == "0.0.0.0" ? "127.0.0.1" : options_.address;
    a.port = port_;
    a.server = "https://" + a.host + ":" + std::to_string(port_);
    a.ca_pem = options_.ca_pem;
    if (!options_.admin_cert_pem.empty()) {
      a.client_cert_pem = options_.admin_cert_pem;
      a.client_key_pem = options_.admin_key_pem;
    } else if (!options_.tokens.empty()) {
      a.token = options_.tokens.begin()->first;
    }
    return a;
  }

  std::string Kubeconfig(const ClientAccess& a) const override {
    std::string y;
    y += "apiVersion: v1\nkind: Config\n";
    y += "clusters:\n- name: sandbox\n  cluster:\n    server: " + a.server + "\n";
    if (!a.ca_pem.empty()) y += "    certificate-authority-data: " + Base64Encode(a.ca_pem) + "\n";
    y += "users:\n- name: sandbox\n  user:\n";
    if (!a.client_cert_pem.empty()) {
      y += "    client-certificate-data: " + Base64Encode(a.client_cert_pem) + "\n";
      y += "    client-key-data: " + Base64Encode(a.client_key_pem) + "\n";
    }
    if (!a.token.empty()) y += "    token: " + YamlQuote(a.token) + "\n";
    y += "contexts:\n- name: sandbox\n  context:\n    cluster: sandbox\n    user: sandbox\n    namespace: default\n";
    y += "current-context: sandbox\n";
    return y;
  }

  common::Status WriteKubeconfig(const std::string& path) const override {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return Error::Make(ErrorCode::kInternal, "cannot write " + path);
    out << Kubeconfig(AdminAccess());
    out.close();
    if (!out) return Error::Make(ErrorCode::kInternal, "cannot write " + path);
    return common::Status::Ok();
  }

  void Shutdown() override {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    {
      // Callbacks that use members after this point are turned away; those running are waited for.
      std::unique_lock<std::mutex> timers(timer_guard_->mu);
      timer_guard_->alive = false;
      timer_guard_->idle.wait(timers, [this] { return timer_guard_->running == 0; });
    }
    if (aggregator_) aggregator_->Stop();
    if (server_) server_->Shutdown(std::chrono::milliseconds(200));
  }

 private:
  // Namespaces every cluster has, and the ConfigMap aggregated API servers read their front-proxy trust from.
  common::Status Bootstrap() {
    for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
      auto created = store_.Create(
          kNamespaces, "",
          std::string(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")") + ns +
              R"("},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})");
      if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists) return created.error();
    }
    rapidjson::Document cm(rapidjson::kObjectType);
    auto& alloc = cm.GetAllocator();
    json::SetString(cm, "apiVersion", "v1", alloc);
    json::SetString(cm, "kind", "ConfigMap", alloc);
    rapidjson::Value& meta = json::EnsureObject(cm, "metadata", alloc);
    json::SetString(meta, "name", "extension-apiserver-authentication", alloc);
    rapidjson::Value& data = json::EnsureObject(cm, "data", alloc);
    json::SetString(data, "client-ca-file", options_.client_ca_pem, alloc);
    json::SetString(data, "requestheader-client-ca-file", options_.requestheader_ca_pem, alloc);
    std::string names = "[";
    for (size_t i = 0; i < options_.requestheader_allowed_names.size(); ++i) {
      names += (i ? ",\"" : "\"") + options_.requestheader_allowed_names[i] + "\"";
    }
    json::SetString(data, "requestheader-allowed-names", names + "]", alloc);
    json::SetString(data, "requestheader-username-headers", R"(["X-Remote-User"])", alloc);
    json::SetString(data, "requestheader-group-headers", R"(["X-Remote-Group"])", alloc);
    json::SetString(data, "requestheader-extra-headers-prefix", R"(["X-Remote-Extra-"])", alloc);
    auto created = store_.Create(kConfigMaps, "kube-system", json::Serialize(cm));
    if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists) return created.error();
    return common::Status::Ok();
  }

  // ---------------- dispatch ----------------

  void Handle(const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
    const std::string& path = request.path;
    if (path == "/healthz" || path == "/livez" || path == "/readyz" || path.rfind("/healthz/", 0) == 0 ||
        path.rfind("/livez/", 0) == 0 || path.rfind("/readyz/", 0) == 0) {
      responder->Respond(net::HttpResponse::Make(200, "text/plain; charset=utf-8", "ok"));
      return;
    }
    if (path == "/version" || path == "/version/") {
      responder->Respond(Json(200, VersionJson()));
      return;
    }
    auto user = authenticator_.Authenticate(request);
    if (!user) {
      responder->Respond(StatusResponse(401, "Unauthorized", "Unauthorized"));
      return;
    }
    if (path == "/sandbox/faults") {
      HandleFaults(request, *user, responder);
      return;
    }
    std::vector<std::string> segments = SplitPath(path);
    if (segments.empty() || (segments[0] != "api" && segments[0] != "apis")) {
      if (InjectedFault(NonResourceAttributes(*user, request), responder)) return;
      responder->Respond(NonResource(request, *user, segments));
      return;
    }
    bool core = segments[0] == "api";
    if (segments.size() == 1) {
      if (!AuthorizeNonResource(*user, request, responder)) return;
      auto gvs = aggregator_->GroupVersions();
      if (WantsAggregatedDiscovery(request)) {
        responder->Respond(net::HttpResponse::Make(
            200, kAggregatedDiscovery, core ? registry_.AggregatedCore() : registry_.AggregatedApis(gvs)));
      } else {
        responder->Respond(Json(200, core ? registry_.LegacyApiVersions(Address())
                                          : registry_.LegacyApiGroupList(gvs)));
      }
      return;
    }
    std::string group = core ? "" : segments[1];
    if (!core && segments.size() == 2) {
      if (!AuthorizeNonResource(*user, request, responder)) return;
      auto doc = registry_.LegacyApiGroup(group, aggregator_->GroupVersions());
      responder->Respond(doc ? Json(200, *doc) : NotFoundPath());
      return;
    }
    size_t version_index = core ? 1 : 2;
    std::string version = segments[version_index];
    std::vector<std::string> rest(segments.begin() + static_cast<long>(version_index) + 1, segments.end());

    if (!core && aggregator_->Serves(group, version)) {
      RequestAttributes attrs = Attributes(*user, request, group, rest);
      if (!Authorize(attrs, responder) || InjectedFault(attrs, responder)) return;
      aggregator_->Proxy(request, *user, group, version, std::move(responder));
      return;
    }
    if (rest.empty()) {
      if (!AuthorizeNonResource(*user, request, responder)) return;
      auto doc = registry_.ApiResourceList(group, version);
      responder->Respond(doc ? Json(200, *doc) : NotFoundPath());
      return;
    }
    auto target = Resolve(group, version, rest);
    if (!target) {
      responder->Respond(NotFoundPath());
      return;
    }
    RequestAttributes attrs = Attributes(*user, request, group, rest);
    if (!Authorize(attrs, responder) || InjectedFault(attrs, responder)) return;
    HandleResource(request, *user, *target, std::move(responder));
  }

  std::string Address() const { return options_.address + ":" + std::to_string(port_); }

  std::string VersionJson() const {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    json::SetString(d, "major", "1", a);
    json::SetString(d, "minor", "32", a);
    json::SetString(d, "gitVersion", options_.git_version, a);
    json::SetString(d, "gitCommit", "0000000000000000000000000000000000000000", a);
    json::SetString(d, "gitTreeState", "clean", a);
    json::SetString(d, "buildDate", "2026-01-01T00:00:00Z", a);
    json::SetString(d, "goVersion", "go1.23.0", a);
    json::SetString(d, "compiler", "gc", a);
    json::SetString(d, "platform", "linux/amd64", a);
    return json::Serialize(d);
  }

  net::HttpResponse NonResource(const net::HttpRequest& request, const UserInfo& user,
                                const std::vector<std::string>& segments) {
    const std::string& path = request.path;
    if (path == "/openapi/v2") {
      return Json(200, R"({"swagger":"2.0","info":{"title":"Kubernetes","version":")" + options_.git_version +
                           R"("},"paths":{},"definitions":{}})");
    }
    if (path == "/openapi/v3") return Json(200, R"({"paths":{}})");
    return NotFoundPath();
  }

  // ---------------- authorization ----------------

  static std::string VerbFor(const net::HttpRequest& r, bool has_name) {
    if (r.method == "GET" || r.method == "HEAD") {
      if (QueryTrue(r, "watch")) return "watch";
      return has_name ? "get" : "list";
    }
    if (r.method == "POST") return "create";
    if (r.method == "PUT") return "update";
    if (r.method == "PATCH") return "patch";
    if (r.method == "DELETE") return has_name ? "delete" : "deletecollection";
    return r.method;
  }

  RequestAttributes Attributes(const UserInfo& user, const net::HttpRequest& r, const std::string& group,
                               const std::vector<std::string>& rest) const {
    RequestAttributes a;
    a.user = user.name;
    a.groups = user.groups;
    a.group = group;
    std::vector<std::string> s = rest;
    // /namespaces/NS/<resource>/... except the namespace's own subresources (/namespaces/NS/status).
    if (s.size() >= 3 && s[0] == "namespaces" && !(group.empty() && (s[2] == "status" || s[2] == "finalize"))) {
      a.namespace_name = s[1];
      s.erase(s.begin(), s.begin() + 2);
    }
    if (!s.empty()) a.resource = s[0];
    if (s.size() >= 2) a.name = s[1];
    if (s.size() >= 3) a.subresource = s[2];
    a.verb = VerbFor(r, !a.name.empty());
    return a;
  }

  bool Authorize(const RequestAttributes& a, const std::shared_ptr<net::Responder>& responder) {
    if (authorizer_.Allowed(a)) return true;
    StatusDetails d;
    d.present = true;
    d.name = a.name;
    d.group = a.group;
    d.kind = a.resource;
    responder->Respond(StatusResponse(403, "Forbidden", Authorizer::ForbiddenMessage(a), d));
    return false;
  }

  static RequestAttributes NonResourceAttributes(const UserInfo& user, const net::HttpRequest& r) {
    RequestAttributes a;
    a.user = user.name;
    a.groups = user.groups;
    a.verb = "get";
    a.resource = r.path;
    a.resource_request = false;
    return a;
  }

  // Discovery documents: authorized as non-resource URLs, and subject to injected faults.
  bool AuthorizeNonResource(const UserInfo& user, const net::HttpRequest& r,
                            const std::shared_ptr<net::Responder>& responder) {
    RequestAttributes a = NonResourceAttributes(user, r);
    if (!authorizer_.Allowed(a)) {
      responder->Respond(StatusResponse(403, "Forbidden", Authorizer::ForbiddenMessage(a)));
      return false;
    }
    return !InjectedFault(a, responder);
  }

  // ---------------- resource requests ----------------

  std::optional<Target> Resolve(const std::string& group, const std::string& version,
                                const std::vector<std::string>& rest) const {
    Target t;
    std::vector<std::string> s = rest;
    if (s.size() >= 3 && s[0] == "namespaces") {
      const ResourceInfo* info = registry_.Find(group, version, s[2]);
      if (info != nullptr && info->namespaced) {
        t.namespace_name = s[1];
        s.erase(s.begin(), s.begin() + 2);
      }
    }
    if (s.empty() || s.size() > 3) return std::nullopt;
    t.info = registry_.Find(group, version, s[0]);
    if (t.info == nullptr) return std::nullopt;
    if (!t.info->namespaced && !t.namespace_name.empty()) return std::nullopt;
    if (s.size() >= 2) t.name = s[1];
    if (s.size() == 3) {
      t.subresource = s[2];
      if (!t.info->HasSubresource(t.subresource)) return std::nullopt;
    }
    return t;
  }

  void HandleResource(const net::HttpRequest& r, const UserInfo& user, const Target& t,
                      std::shared_ptr<net::Responder> responder) {
    const std::string& m = r.method;
    if (!t.info->persisted) {
      if (m != "POST" || !t.name.empty()) {
        responder->Respond(MethodNotAllowed(r, t));
        return;
      }
      responder->Respond(Review(r, t));
      return;
    }
    if (t.name.empty()) {
      if (m == "GET" && QueryTrue(r, "watch")) {
        Watch(r, t, user, responder);
        return;
      }
      if (m == "GET") return responder->Respond(List(r, t));
      if (m == "POST") return responder->Respond(Create(r, t));
      if (m == "DELETE") return responder->Respond(DeleteCollection(r, t));
      return responder->Respond(MethodNotAllowed(r, t));
    }
    if (t.subresource == "scale") {
      if (m == "GET") return responder->Respond(GetScale(r, t));
      if (m == "PUT" || m == "PATCH") return responder->Respond(WriteScale(r, t));
      return responder->Respond(MethodNotAllowed(r, t));
    }
    if (m == "GET") return responder->Respond(Get(r, t));
    if (m == "PUT") return responder->Respond(Update(r, t));
    if (m == "PATCH") return responder->Respond(Patch(r, t));
    if (m == "DELETE" && t.subresource.empty()) return responder->Respond(Delete(r, t));
    responder->Respond(MethodNotAllowed(r, t));
  }

  net::HttpResponse MethodNotAllowed(const net::HttpRequest& r, const Target& t) {
    StatusDetails d;
    d.present = true;
    d.group = t.info->group;
    d.kind = t.info->resource;
    return StatusResponse(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                          d);
  }

  net::HttpResponse Fail(const Error& e, const Target& t, const std::string& name) {
    return ErrorResponse(e, DetailsFor(*t.info, name));
  }

  // Stored (storage version) JSON -> the version the request addressed.
  // Objects written straight into the store by sandbox components may lack apiVersion/kind, which clients need
  // to decode a response; the fast path (nothing to convert or add) returns the stored text untouched.
  common::Result<std::string> ToServed(const ResourceInfo& info, const std::string& stored) const {
    std::string storage_api_version =
        info.storage.group.empty() ? info.storage.version : info.storage.group + "/" + info.storage.version;
    bool typed = stored.find("\"kind\":\"" + info.kind + "\"") != std::string::npos &&
                 stored.find("\"apiVersion\":\"" + storage_api_version + "\"") != std::string::npos;
    if (info.version == info.storage.version && typed) return stored;
    auto doc = json::Parse(stored);
    if (!doc.ok()) return doc.error();
    if (!typed) {
      // Type fields first, as upstream serialises them.
      rapidjson::Document typed_doc(rapidjson::kObjectType);
      auto& alloc = typed_doc.GetAllocator();
      json::SetString(typed_doc, "apiVersion", storage_api_version, alloc);
      json::SetString(typed_doc, "kind", info.kind, alloc);
      for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) {
        std::string_view name(it->name.GetString(), it->name.GetStringLength());
        if (name == "apiVersion" || name == "kind") continue;
        json::SetValue(typed_doc, name, rapidjson::Value(it->value, alloc), alloc);
      }
      doc->Swap(typed_doc);
    }
    if (info.group == "autoscaling" && info.version == "v1") HpaV2ToV1(*doc);
    return json::Serialize(*doc);
  }

  // Request-version document -> storage version; `stored` is the current stored object (for updates).
  void ToStorage(const ResourceInfo& info, rapidjson::Document& doc, const rapidjson::Value* stored) const {
    if (info.group == "autoscaling" && info.version == "v1") HpaV1ToV2(doc, stored);
    auto& alloc = doc.GetAllocator();
    json::SetString(doc, "apiVersion",
                    info.storage.group.empty() ? info.storage.version
                                               : info.storage.group + "/" + info.storage.version,
                    alloc);
    json::SetString(doc, "kind", info.kind, alloc);
  }

  common::Result<rapidjson::Document> DecodeBody(const net::HttpRequest& r, const ResourceInfo& info) const {
    std::string ct = ContentTypeOf(r);
    if (ct == "application/vnd.kubernetes.protobuf" && info.kind == "HorizontalPodAutoscaler") {
      auto doc = DecodeHpaProtobuf(r.body);
      if (!doc.ok()) return doc.error();
      return doc;
    }
    if (!ct.empty() && ct != "application/json") {
      return Error::Make(ErrorCode::kInvalidArgument,
                         "the body of the request was in an unknown format - accepted media types include: "
                         "application/json, application/yaml",
                         415);
    }
    auto doc = json::Parse(r.body);
    if (!doc.ok()) return BadRequest("the object provided is unrecognized: " + doc.error().message);
    if (!doc->IsObject()) return BadRequest("the object provided is unrecognized: not a JSON object");
    return doc;
  }

  net::HttpResponse ErrorFrom(const Error& e, const Target& t, const std::string& name) {
    if (e.http_status == 415) {
      return StatusResponse(415, "UnsupportedMediaType", e.message);
    }
    return Fail(e, t, name);
  }

  net::HttpResponse Get(const net::HttpRequest& r, const Target& t) {
    auto object = store_.Get(t.info->storage, t.namespace_name, t.name);
    if (!object.ok()) return Fail(object.error(), t, t.name);
    if (WantsTable(r)) {
      auto doc = json::Parse(object->json);
      if (!doc.ok()) return Fail(doc.error(), t, t.name);
      TableOptions options;
      options.resource_version = std::to_string(object->resource_version);
      options.now = std::chrono::system_clock::now();
      return Json(200, RenderTable(t.info->group, t.info->resource, {&*doc}, options));
    }
    auto served = ToServed(*t.info, object->json);
    if (!served.ok()) return Fail(served.error(), t, t.name);
    return Json(200, std::move(*served));
  }

  // Selectors of a list or watch request as a store filter.
  common::Result<ObjectStore::Filter> FilterFor(const net::HttpRequest& r, const Target& t) const {
    auto labels = kube::LabelSelector::Parse(r.Query("labelSelector").value_or(""));
    if (!labels.ok()) return labels.error();
    auto fields = ParseFieldSelector(r.Query("fieldSelector").value_or(""), t.info->group, t.info->resource);
    if (!fields.ok()) return fields.error();
    if (labels->Empty() && fields->Empty()) return ObjectStore::Filter();
    return ObjectStore::Filter([labels = std::move(*labels), fields = std::move(*fields)](const StoredObject& o) {
      if (!labels.Matches(o.labels)) return false;
      if (fields.Empty()) return true;
      auto doc = json::Parse(o.json);
      return doc.ok() && FieldsMatch(fields, *doc);
    });
  }

  net::HttpResponse List(const net::HttpRequest& r, const Target& t) {
    auto filter = FilterFor(r, t);
    if (!filter.ok()) return Fail(filter.error(), t, "");
    ListResult list = store_.List(t.info->storage, t.namespace_name, *filter);
    // limit/continue: items are sorted by namespace/name, so a token is simply the last key returned.
    size_t begin = 0;
    if (auto token = r.Query("continue"); token && !token->empty()) {
      auto decoded = Base64Decode(*token);
      auto slash = decoded ? decoded->find('/') : std::string::npos;
      if (slash == std::string::npos) return Fail(BadRequest("continue key is not valid"), t, "");
      std::pair<std::string, std::string> after{decoded->substr(0, slash), decoded->substr(slash + 1)};
      while (begin < list.items.size() &&
             std::make_pair(list.items[begin].namespace_name, list.items[begin].name) <= after) {
        ++begin;
      }
    }
    size_t end = list.items.size();
    int64_t limit = 0;
    if (auto l = r.Query("limit")) {
      try {
        limit = std::stoll(std::string(*l));
      } catch (...) {
        limit = 0;
      }
    }
    std::string continue_token;
    int64_t remaining = 0;
    if (limit > 0 && end - begin > static_cast<size_t>(limit)) {
      end = begin + static_cast<size_t>(limit);
      continue_token = ContinueToken(list.items[end - 1]);
      remaining = static_cast<int64_t>(list.items.size() - end);
    }
    std::string rv = std::to_string(list.resource_version);
    if (WantsTable(r)) {
      std::vector<rapidjson::Document> docs;
      docs.reserve(end - begin);
      std::vector<const rapidjson::Value*> ptrs;
      for (size_t i = begin; i < end; ++i) {
        auto doc = json::Parse(list.items[i].json);
        if (doc.ok()) docs.push_back(std::move(*doc));
      }
      for (const auto& d : docs) ptrs.push_back(&d);
      TableOptions options;
      options.resource_version = rv;
      options.continue_token = continue_token;
      options.now = std::chrono::system_clock::now();
      return Json(200, RenderTable(t.info->group, t.info->resource, ptrs, options));
    }
    std::string body = R"({"kind":")" + t.info->kind + R"(List","apiVersion":")" + t.info->ApiVersion() +
                       R"(","metadata":{"resourceVersion":")" + rv + "\"";
    if (!continue_token.empty()) {
      body += R"(,"continue":")" + continue_token + R"(","remainingItemCount":)" + std::to_string(remaining);
    }
    body += R"(},"items":[)";
    for (size_t i = begin; i < end; ++i) {
      if (i != begin) body += ',';
      auto served = ToServed(*t.info, list.items[i].json);
      body += served.ok() ? *served : list.items[i].json;
    }
    body += "]}";
    return Json(200, std::move(body));
  }

  // Keeps a watch alive until the client goes away or the timeout closes it.
  struct WatchSession {
    std::mutex mu;
    std::unique_ptr<WatchHandle> handle;
    bool closed = false;
  };

  void Watch(const net::HttpRequest& r, const Target& t, const UserInfo& user,
             const std::shared_ptr<net::Responder>& responder) {
    auto filter = FilterFor(r, t);
    if (!filter.ok()) {
      responder->Respond(Fail(filter.error(), t, ""));
      return;
    }
    uint64_t from = 0;
    std::string rv(r.Query("resourceVersion").value_or(""));
    if (!rv.empty()) {
      try {
        from = std::stoull(rv);
      } catch (...) {
        responder->Respond(Fail(BadRequest("invalid resource version \"" + rv + "\""), t, ""));
        return;
      }
    }
    bool send_initial = QueryTrue(r, "sendInitialEvents");
    if (send_initial) from = 0;
    bool table = WantsTable(r);
    const ResourceInfo* info = t.info;
    std::shared_ptr<net::ResponseStream> stream =
        responder->StartStream(200, {{"Content-Type", kJson}, {"Cache-Control", "no-cache, private"}});
    auto session = std::make_shared<WatchSession>();
    ObjectStore::Filter pred = *filter;
    bool first_table = true;
    auto on_event = [this, stream, info, table, pred, first_table](const WatchEvent& e) mutable {
      if (pred && !pred(e.object)) return;
      std::string object;
      if (table) {
        auto doc = json::Parse(e.object.json);
        if (!doc.ok()) return;
        TableOptions options;
        options.include_column_definitions = first_table;
        options.now = std::chrono::system_clock::now();
        first_table = false;
        object = RenderTable(info->group, info->resource, {&*doc}, options);
      } else {
        auto served = ToServed(*info, e.object.json);
        object = served.ok() ? std::move(*served) : e.object.json;
      }
      stream->Write(std::string(R"({"type":")") + WatchEventTypeName(e.type) + R"(","object":)" + object + "}\n");
    };
    auto handle = store_.Watch(info->storage, t.namespace_name, from, on_event);
    if (!handle.ok()) {
      // Upstream sends the 410 as an ERROR event on an otherwise successful watch response.
      stream->Write(R"({"type":"ERROR","object":)" + StatusBody(410, "Expired", handle.error().message) + "}\n");
      stream->Close();
      return;
    }
    if (send_initial) {
      std::string bookmark = R"({"type":"BOOKMARK","object":{"kind":")" + info->kind + R"(","apiVersion":")" +
                             info->ApiVersion() + R"(","metadata":{"resourceVersion":")" +
                             std::to_string(store_.CurrentResourceVersion()) +
                             R"(","annotations":{"k8s.io/initial-events-end":"true"}}}})" + "\n";
      stream->Write(std::move(bookmark));
    }
    {
      std::lock_guard<std::mutex> lock(session->mu);
      session->handle = std::move(*handle);
    }
    const uint64_t watch_id = TrackWatch(stream, t, user);
    stream->OnClosed([this, guard = timer_guard_, session, watch_id] {
      UntrackWatch(*guard, watch_id);
      std::unique_ptr<WatchHandle> handle;
      {
        std::lock_guard<std::mutex> lock(session->mu);
        session->closed = true;
        handle = std::move(session->handle);
      }
      handle.reset();  // outside the session lock: unsubscribing waits for an in-flight delivery
    });
    int64_t timeout_seconds = 1800;
    if (auto ts = r.Query("timeoutSeconds")) {
      try {
        timeout_seconds = std::max<int64_t>(1, std::stoll(std::string(*ts)));
      } catch (...) {
      }
    }
    std::weak_ptr<net::ResponseStream> weak = stream;
    loop_.PostAfter(std::chrono::seconds(timeout_seconds), [weak] {
      if (auto s = weak.lock()) s->Close();
    });
  }

  // Defaults and server-managed fields of a new object (the strategies' PrepareForCreate).
  void PrepareForCreate(const ResourceInfo& info, rapidjson::Document& doc) const {
    auto& alloc = doc.GetAllocator();
    rapidjson::Value& meta = json::EnsureObject(doc, "metadata", alloc);
    for (const char* f : {"resourceVersion", "uid", "creationTimestamp", "generation", "deletionTimestamp"}) {
      json::Remove(meta, f);
    }
    const std::string& k = info.kind;
    if (k == "Deployment" || k == "ReplicaSet" || k == "StatefulSet" || k == "ReplicationController") {
      json::Remove(doc, "status");
      json::EnsureObject(doc, "status", alloc);
      rapidjson::Value& spec = json::EnsureObject(doc, "spec", alloc);
      if (!json::GetInt(spec, {"replicas"})) json::SetInt(spec, "replicas", 1, alloc);
    } else if (k == "HorizontalPodAutoscaler") {
      DefaultHpaV2(doc);
      json::Remove(doc, "status");
      rapidjson::Value& status = json::EnsureObject(doc, "status", alloc);
      json::SetInt(status, "currentReplicas", 0, alloc);
      json::SetInt(status, "desiredReplicas", 0, alloc);
    } else if (k == "Pod") {
      rapidjson::Value& status = json::EnsureObject(doc, "status", alloc);
      if (json::GetString(status, {"phase"}).empty()) json::SetString(status, "phase", "Pending", alloc);
    } else if (k == "Namespace") {
      rapidjson::Value& status = json::EnsureObject(doc, "status", alloc);
      if (json::GetString(status, {"phase"}).empty()) json::SetString(status, "phase", "Active", alloc);
    }
  }

  net::HttpResponse Create(const net::HttpRequest& r, const Target& t) {
    const ResourceInfo& info = *t.info;
    auto doc = DecodeBody(r, info);
    if (!doc.ok()) return ErrorFrom(doc.error(), t, "");
    std::string body_ns = json::GetString(*doc, {"metadata", "namespace"});
    if (info.namespaced && !body_ns.empty() && body_ns != t.namespace_name) {
      return Fail(BadRequest("the namespace of the provided object does not match the namespace sent on the request"),
                  t, "");
    }
    if (info.namespaced) {
      auto ns = store_.Get(kNamespaces, "", t.namespace_name);
      if (!ns.ok()) {
        StatusDetails d;
        d.present = true;
        d.name = t.namespace_name;
        d.kind = "namespaces";
        return ErrorResponse(ns.error(), d);
      }
    }
    ToStorage(info, *doc, nullptr);
    PrepareForCreate(info, *doc);
    std::string name = json::GetString(*doc, {"metadata", "name"});
    if (name.empty() && json::GetString(*doc, {"metadata", "generateName"}).empty()) {
      return Fail(Invalid(info.kind + " \"\" is invalid: metadata.name: Required value: name or generateName is "
                                      "required"),
                  t, "");
    }
    if (r.Query("dryRun") == std::optional<std::string_view>("All")) {
      auto served = ToServed(info, json::Serialize(*doc));
      return Json(201, served.ok() ? *served : json::Serialize(*doc));
    }
    auto created = store_.Create(info.storage, t.namespace_name, json::Serialize(*doc));
    if (!created.ok()) return Fail(created.error(), t, name);
    auto served = ToServed(info, created->json);
    if (!served.ok()) return Fail(served.error(), t, name);
    return Json(201, std::move(*served));
  }

  // Checks an optimistic-concurrency precondition carried in an incoming object.
  static common::Status CheckResourceVersion(const rapidjson::Value& incoming, const rapidjson::Value& current,
                                             const ResourceInfo& info, const std::string& name) {
    std::string wanted = json::GetString(incoming, {"metadata", "resourceVersion"});
    if (!wanted.empty() && wanted != json::GetString(current, {"metadata", "resourceVersion"})) {
      return Conflict(info, name);
    }
    return common::Status::Ok();
  }

  // Replaces `doc` (stored, storage version) by `next` (storage version) following the subresource rules: the
  // main resource cannot change status, the status subresource changes nothing but status.
  static void ApplyReplacement(const ResourceInfo& info, const std::string& subresource, rapidjson::Document& doc,
                               rapidjson::Document& next) {
    auto& alloc = doc.GetAllocator();
    if (subresource == "status") {
      const rapidjson::Value* status = json::Find(next, {"status"});
      json::SetValue(doc, "status", status ? rapidjson::Value(*status, alloc) : rapidjson::Value(rapidjson::kObjectType),
                     alloc);
      return;
    }
    if (info.HasSubresource("status")) {
      auto& next_alloc = next.GetAllocator();
      if (const rapidjson::Value* status = json::Find(doc, {"status"})) {
        json::SetValue(next, "status", rapidjson::Value(*status, next_alloc), next_alloc);
      } else {
        json::Remove(next, "status");
      }
    }
    doc.CopyFrom(next, alloc);
  }

  net::HttpResponse Update(const net::HttpRequest& r, const Target& t) {
    const ResourceInfo& info = *t.info;
    auto body = DecodeBody(r, info);
    if (!body.ok()) return ErrorFrom(body.error(), t, t.name);
    std::string body_name = json::GetString(*body, {"metadata", "name"});
    if (!body_name.empty() && body_name != t.name) {
      return Fail(BadRequest("the name of the object (" + body_name + ") does not match the name on the URL (" +
                             t.name + ")"),
                  t, t.name);
    }
    if (r.Query("dryRun") == std::optional<std::string_view>("All")) {
      auto current = store_.Get(info.storage, t.namespace_name, t.name);
      if (!current.ok()) return Fail(current.error(), t, t.name);
      return Json(200, json::Serialize(*body));
    }
    auto updated = store_.Mutate(info.storage, t.namespace_name, t.name, [&](rapidjson::Document& doc) {
      if (auto s = CheckResourceVersion(*body, doc, info, t.name); !s.ok()) return s;
      rapidjson::Document next;
      next.CopyFrom(*body, next.GetAllocator());
      ToStorage(info, next, &doc);
      ApplyReplacement(info, t.subresource, doc, next);
      return common::Status::Ok();
    });
    if (!updated.ok()) return Fail(updated.error(), t, t.name);
    auto served = ToServed(info, updated->json);
    if (!served.ok()) return Fail(served.error(), t, t.name);
    return Json(200, std::move(*served));
  }

  // Applies a PATCH body (by content type) to `doc`.
  static common::Status ApplyPatch(const std::string& content_type, const std::string& body, rapidjson::Document& doc) {
    auto patch = json::Parse(body);
    if (!patch.ok()) return BadRequest("error decoding patch: " + patch.error().message);
    if (content_type == "application/json-patch+json") return json::ApplyJsonPatch(doc, *patch);
    if (!patch->IsObject()) return BadRequest("error decoding patch: patch must be a JSON object");
    json::ApplyMergePatch(doc, *patch, doc.GetAllocator());
    return common::Status::Ok();
  }

  static bool SupportedPatch(const std::string& ct) {
    return ct == "application/merge-patch+json" || ct == "application/strategic-merge-patch+json" ||
           ct == "application/json-patch+json";
  }

  static net::HttpResponse UnsupportedPatch() {
    return StatusResponse(415, "UnsupportedMediaType",
                          "the body of the request was in an unknown format - accepted media types include: "
                          "application/json-patch+json, application/merge-patch+json, "
                          "application/strategic-merge-patch+json");
  }

  net::HttpResponse Patch(const net::HttpRequest& r, const Target& t) {
    const ResourceInfo& info = *t.info;
    std::string ct = ContentTypeOf(r);
    if (!SupportedPatch(ct)) return UnsupportedPatch();
    auto updated = store_.Mutate(info.storage, t.namespace_name, t.name, [&](rapidjson::Document& doc) {
      // Patches apply to the object as the client sees it: in the version it addressed.
      rapidjson::Document served;
      served.CopyFrom(doc, served.GetAllocator());
      if (info.group == "autoscaling" && info.version == "v1") HpaV2ToV1(served);
      if (auto s = ApplyPatch(ct, r.body, served); !s.ok()) return s;
      if (!served.IsObject()) return common::Status(BadRequest("patched object is not a JSON object"));
      if (auto s = CheckResourceVersion(served, doc, info, t.name); !s.ok()) return s;
      ToStorage(info, served, &doc);
      ApplyReplacement(info, t.subresource, doc, served);
      return common::Status::Ok();
    });
    if (!updated.ok()) return Fail(updated.error(), t, t.name);
    auto served = ToServed(info, updated->json);
    if (!served.ok()) return Fail(served.error(), t, t.name);
    return Json(200, std::move(*served));
  }

  net::HttpResponse Delete(const net::HttpRequest& r, const Target& t) {
    if (r.Query("dryRun") == std::optional<std::string_view>("All")) {
      auto current = store_.Get(t.info->storage, t.namespace_name, t.name);
      if (!current.ok()) return Fail(current.error(), t, t.name);
      return Json(200, current->json);
    }
    auto deleted = store_.Delete(t.info->storage, t.namespace_name, t.name);
    if (!deleted.ok()) return Fail(deleted.error(), t, t.name);
    if (t.info->resource == "namespaces" && t.info->group.empty()) {
      // Namespace deletion removes its contents (the namespace controller's job upstream).
      for (const auto& info : registry_.resources()) {
        if (!info.namespaced || !info.persisted || info.version != info.storage.version) continue;
        for (const auto& o : store_.List(info.storage, t.name).items) {
          (void)store_.Delete(info.storage, t.name, o.name);
        }
      }
    }
    auto served = ToServed(*t.info, deleted->json);
    return Json(200, served.ok() ? *served : deleted->json);
  }

  net::HttpResponse DeleteCollection(const net::HttpRequest& r, const Target& t) {
    if (!t.info->HasVerb("deletecollection")) return MethodNotAllowed(r, t);
    auto filter = FilterFor(r, t);
    if (!filter.ok()) return Fail(filter.error(), t, "");
    ListResult list = store_.List(t.info->storage, t.namespace_name, *filter);
    std::string body = R"({"kind":")" + t.info->kind + R"(List","apiVersion":")" + t.info->ApiVersion() +
                       R"(","metadata":{"resourceVersion":")" + std::to_string(list.resource_version) +
                       R"("},"items":[)";
    bool first = true;
    for (const auto& o : list.items) {
      auto deleted = store_.Delete(t.info->storage, o.namespace_name, o.name);
      if (!deleted.ok()) continue;
      if (!first) body += ',';
      first = false;
      auto served = ToServed(*t.info, deleted->json);
      body += served.ok() ? *served : deleted->json;
    }
    return Json(200, body + "]}");
  }

  // ---------------- scale subresource ----------------

  static std::string ScaleJson(const rapidjson::Value& parent) {
    rapidjson::Document scale(rapidjson::kObjectType);
    auto& a = scale.GetAllocator();
    json::SetString(scale, "kind", "Scale", a);
    json::SetString(scale, "apiVersion", "autoscaling/v1", a);
    rapidjson::Value& meta = json::EnsureObject(scale, "metadata", a);
    for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      std::string v = json::GetString(parent, {"metadata", f});
      if (!v.empty()) json::SetString(meta, f, v, a);
    }
    rapidjson::Value& spec = json::EnsureObject(scale, "spec", a);
    json::SetInt(spec, "replicas", json::GetInt(parent, {"spec", "replicas"}).value_or(0), a);
    rapidjson::Value& status = json::EnsureObject(scale, "status", a);
    json::SetInt(status, "replicas", json::GetInt(parent, {"status", "replicas"}).value_or(0), a);
    // An invalid stored selector (upstream rejects it at create time) leaves status.selector out rather than
    // failing the read.
    auto selector = SelectorString(json::Find(parent, {"spec", "selector"}));
    if (selector.ok() && !selector->empty()) json::SetString(status, "selector", *selector, a);
    return json::Serialize(scale);
  }

  net::HttpResponse GetScale(const net::HttpRequest& r, const Target& t) {
    auto object = store_.Get(t.info->storage, t.namespace_name, t.name);
    if (!object.ok()) return Fail(object.error(), t, t.name);
    auto doc = json::Parse(object->json);
    if (!doc.ok()) return Fail(doc.error(), t, t.name);
    return Json(200, ScaleJson(*doc));
  }

  net::HttpResponse WriteScale(const net::HttpRequest& r, const Target& t) {
    const ResourceInfo& info = *t.info;
    std::string ct = ContentTypeOf(r);
    bool patch = r.method == "PATCH";
    if (patch && !SupportedPatch(ct)) return UnsupportedPatch();
    std::optional<rapidjson::Document> put_body;
    if (!patch) {
      auto body = DecodeBody(r, info);
      if (!body.ok()) return ErrorFrom(body.error(), t, t.name);
      put_body = std::move(*body);
    }
    auto updated = store_.Mutate(info.storage, t.namespace_name, t.name, [&](rapidjson::Document& doc) {
      rapidjson::Document scale;
      if (patch) {
        auto current = json::Parse(ScaleJson(doc));
        if (!current.ok()) return common::Status(current.error());
        scale = std::move(*current);
        if (auto s = ApplyPatch(ct, r.body, scale); !s.ok()) return s;
      } else {
        scale.CopyFrom(*put_body, scale.GetAllocator());
      }
      if (auto s = CheckResourceVersion(scale, doc, info, t.name); !s.ok()) return s;
      auto replicas = json::GetInt(scale, {"spec", "replicas"});
      if (!replicas) replicas = 0;
      if (*replicas < 0) {
        return common::Status(Invalid("Scale.autoscaling \"" + t.name +
                                      "\" is invalid: spec.replicas: Invalid value: " + std::to_string(*replicas) +
                                      ": must be greater than or equal to 0"));
      }
      json::SetInt(json::EnsureObject(doc, "spec", doc.GetAllocator()), "replicas", *replicas, doc.GetAllocator());
      return common::Status::Ok();
    });
    if (!updated.ok()) return Fail(updated.error(), t, t.name);
    auto doc = json::Parse(updated->json);
    if (!doc.ok()) return Fail(doc.error(), t, t.name);
    return Json(200, ScaleJson(*doc));
  }

  // ---------------- TokenReview / SubjectAccessReview ----------------

  net::HttpResponse Review(const net::HttpRequest& r, const Target& t) {
    auto body = DecodeBody(r, *t.info);
    if (!body.ok()) return ErrorFrom(body.error(), t, "");
    rapidjson::Document& doc = *body;
    auto& a = doc.GetAllocator();
    json::SetString(doc, "apiVersion", t.info->ApiVersion(), a);
    json::SetString(doc, "kind", t.info->kind, a);
    json::EnsureObject(doc, "metadata", a);
    rapidjson::Value status(rapidjson::kObjectType);
    if (t.info->kind == "TokenReview") {
      auto user = authenticator_.AuthenticateToken(json::GetString(doc, {"spec", "token"}));
      rapidjson::Value u(rapidjson::kObjectType);
      if (user) {
        json::SetValue(status, "authenticated", rapidjson::Value(true), a);
        json::SetString(u, "username", user->name, a);
        rapidjson::Value groups(rapidjson::kArrayType);
        for (const auto& g : user->groups) groups.PushBack(rapidjson::Value(g.c_str(), a), a);
        json::SetValue(u, "groups", std::move(groups), a);
      } else {
        json::SetString(status, "error", "[invalid bearer token]", a);
      }
      json::SetValue(status, "user", std::move(u), a);
    } else {
      RequestAttributes attrs;
      attrs.user = json::GetString(doc, {"spec", "user"});
      if (const auto* groups = json::Find(doc, {"spec", "groups"}); groups != nullptr && groups->IsArray()) {
        for (const auto& g : groups->GetArray()) {
          if (g.IsString()) attrs.groups.emplace_back(g.GetString());
        }
      }
      if (const auto* ra = json::Find(doc, {"spec", "resourceAttributes"})) {
        attrs.verb = json::GetString(*ra, {"verb"});
        attrs.group = json::GetString(*ra, {"group"});
        attrs.resource = json::GetString(*ra, {"resource"});
        attrs.subresource = json::GetString(*ra, {"subresource"});
        attrs.namespace_name = json::GetString(*ra, {"namespace"});
        attrs.name = json::GetString(*ra, {"name"});
      } else if (const auto* nra = json::Find(doc, {"spec", "nonResourceAttributes"})) {
        attrs.resource_request = false;
        attrs.verb = json::GetString(*nra, {"verb"});
        attrs.resource = json::GetString(*nra, {"path"});
      }
      bool allowed = authorizer_.Allowed(attrs);
      json::SetValue(status, "allowed", rapidjson::Value(allowed), a);
      if (!allowed) {
        json::SetValue(status, "denied", rapidjson::Value(true), a);
        json::SetString(status, "reason", "denied by the sandbox's deny rules", a);
      }
    }
    json::SetValue(doc, "status", std::move(status), a);
    return Json(201, json::Serialize(doc));
  }

  // ---------------- fault injection ----------------

  struct OpenWatch {
    std::weak_ptr<net::ResponseStream> stream;
    std::string resource;
    std::string user;
  };
  // Lets callbacks that outlive a request (timers, stream-closed callbacks) use members only while the server
  // exists. The callbacks run without holding the lock: they may re-enter one another on the same thread (a
  // forced close runs a stream's closed callback inline).
  struct TimerGuard {
    std::mutex mu;
    std::condition_variable idle;
    bool alive = true;
    int running = 0;
    bool Enter() {
      std::lock_guard<std::mutex> lock(mu);
      if (!alive) return false;
      ++running;
      return true;
    }
    void Exit() {
      std::lock_guard<std::mutex> lock(mu);
      if (--running == 0) idle.notify_all();
    }
  };

  // The fault that answers this request instead of the server, if any; true when it answered.
  bool InjectedFault(const RequestAttributes& a, const std::shared_ptr<net::Responder>& responder) {
    const std::string resource = a.subresource.empty() ? a.resource : a.resource + "/" + a.subresource;
    auto fault = faults_.Answering({a.verb, a.resource_request ? resource : "", a.user},
                                   std::chrono::steady_clock::now());
    if (!fault) return false;
    if (fault->kind == ApiFaultKind::kThrottle) {
      // kube-apiserver's max-in-flight answer.
      const auto seconds = std::to_string(fault->retry_after.count());
      StatusDetails details;
      details.present = true;
      details.retry_after_seconds = static_cast<int>(fault->retry_after.count());
      auto response = StatusResponse(429, "TooManyRequests", "Too many requests, please try again later.", details);
      response.headers.push_back({"Retry-After", seconds});
      responder->Respond(std::move(response));
      return true;
    }
    switch (fault->code) {
      case 503:
        responder->Respond(StatusResponse(503, "ServiceUnavailable", "the server is currently unable to handle "
                                                                     "the request (injected fault)"));
        break;
      case 504:
        responder->Respond(StatusResponse(504, "Timeout", "the server was unable to return a response in the time "
                                                          "allotted, but may still be processing the request "
                                                          "(injected fault)"));
        break;
      default:
        responder->Respond(StatusResponse(fault->code, "InternalError",
                                          "Internal error occurred: injected fault \"" + fault->text + "\""));
    }
    return true;
  }

  // /sandbox/faults: GET lists the active faults, POST adds (one per line), PUT replaces, DELETE clears.
  void HandleFaults(const net::HttpRequest& r, const UserInfo& user, const std::shared_ptr<net::Responder>& responder) {
    if (std::find(user.groups.begin(), user.groups.end(), "system:masters") == user.groups.end()) {
      responder->Respond(StatusResponse(403, "Forbidden",
                                        "forbidden: User \"" + user.name + "\" cannot " + r.method +
                                            " path \"/sandbox/faults\" (system:masters only)"));
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (r.method == "POST" || r.method == "PUT") {
      auto parsed = ParseApiFaults(r.body);
      if (!parsed.ok()) {
        responder->Respond(StatusResponse(400, "BadRequest", parsed.error().message));
        return;
      }
      if (r.method == "PUT") {
        faults_.Replace(std::move(*parsed), now);
      } else {
        for (auto& f : *parsed) faults_.Add(std::move(f), now);
      }
    } else if (r.method == "DELETE") {
      faults_.Clear();
    } else if (r.method != "GET") {
      responder->Respond(StatusResponse(405, "MethodNotAllowed", "the server does not allow this method on "
                                                                 "the requested resource"));
      return;
    }
    responder->Respond(net::HttpResponse::Make(200, "text/plain; charset=utf-8", faults_.Describe(now)));
    // Going away waits a moment, so that this answer reaches the client first.
    if (r.method != "GET") OnFaultsChanged(std::chrono::milliseconds(100));
  }

  // Applies what changed: cuts the open watches a drop-watches fault covers, goes away or comes back.
  void OnFaultsChanged(std::chrono::milliseconds away_delay) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<net::ResponseStream>> cut;
    {
      std::lock_guard<std::mutex> lock(watches_mu_);
      for (auto& [id, w] : open_watches_) {
        if (!faults_.WatchLifetime({"watch", w.resource, w.user}, now)) continue;
        if (auto stream = w.stream.lock()) cut.push_back(std::move(stream));
      }
    }
    for (auto& stream : cut) stream->Abort();
    if (faults_.DownUntil(now)) {
      auto go_away = [this] {
        if (!faults_.DownUntil(std::chrono::steady_clock::now()) || server_->away()) return;
        LOG_WARNING("injected fault: the API server goes away (port {} closed)", port_);
        server_->GoAway();
      };
      if (away_delay.count() == 0) {
        go_away();  // SetFaults returns with the server gone
      } else {
        After(away_delay, go_away);
      }
    }
    ComeBackWhenDue();  // while a down fault holds, this schedules the return for when it ends
  }

  void ComeBackWhenDue() {
    const auto now = std::chrono::steady_clock::now();
    if (auto until = faults_.DownUntil(now)) {  // a later down fault still holds
      After(std::chrono::duration_cast<std::chrono::milliseconds>(*until - now) + std::chrono::milliseconds(1),
            [this] { ComeBackWhenDue(); });
      return;
    }
    if (!server_->away()) return;
    if (auto reopened = server_->Reopen(); !reopened.ok()) {
      LOG_ERROR("injected fault: {}; retrying", reopened.error().message);
      After(std::chrono::milliseconds(200), [this] { ComeBackWhenDue(); });
      return;
    }
    LOG_INFO("injected fault over: the API server is back on port {}", port_);
  }

  // Runs `fn` on the loop after `delay` unless the server has shut down by then.
  void After(std::chrono::milliseconds delay, std::function<void()> fn) {
    loop_.PostAfter(delay, [guard = timer_guard_, fn = std::move(fn)] {
      if (!guard->Enter()) return;
      fn();
      guard->Exit();
    });
  }

  // A watch a drop-watches fault may cut; cuts it after the fault's lifetime if one applies now.
  // Returns the id for UntrackWatch.
  uint64_t TrackWatch(const std::shared_ptr<net::ResponseStream>& stream, const Target& t, const UserInfo& user) {
    OpenWatch w{stream, t.info->resource, user.name};
    uint64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(watches_mu_);
      id = next_watch_id_++;
      open_watches_.emplace(id, w);
    }
    if (auto lifetime = faults_.WatchLifetime({"watch", w.resource, w.user}, std::chrono::steady_clock::now())) {
      std::weak_ptr<net::ResponseStream> weak = stream;
      loop_.PostAfter(*lifetime, [weak] {
        if (auto s = weak.lock()) s->Abort();
      });
    }
    return id;
  }

  // From the stream's OnClosed, which may run while the server is being destroyed: the guard says whether
  // open_watches_ still exists.
  void UntrackWatch(TimerGuard& guard, uint64_t id) {
    if (!guard.Enter()) return;
    {
      std::lock_guard<std::mutex> lock(watches_mu_);
      open_watches_.erase(id);
    }
    guard.Exit();
  }

  net::EventLoop& loop_;
  ApiServerOptions options_;
  ObjectStore store_;
  ResourceRegistry registry_;
  Authenticator authenticator_;
  Authorizer authorizer_;
  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<RestartableServer> server_;
  ApiFaultSet faults_;
  std::shared_ptr<TimerGuard> timer_guard_ = std::make_shared<TimerGuard>();
  std::mutex watches_mu_;
  std::map<uint64_t, OpenWatch> open_watches_;
  uint64_t next_watch_id_ = 0;
  uint16_t port_ = 0;
  std::mutex shutdown_mu_;
  bool shut_down_ = false;
};

}  // namespace

common::Result<std::unique_ptr<ApiServer>> ApiServer::Start(net::EventLoop& loop, ApiServerOptions options) {
  auto server = std::make_unique<ApiServerImpl>(loop, std::move(options));
  if (auto status = server->Init(); !status.ok()) return status.error();
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace sandbox
