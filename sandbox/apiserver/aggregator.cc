#include "sandbox/apiserver/aggregator.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/net/http_client.h"
#include "sandbox/apiserver/base64.h"
#include "sandbox/apiserver/json_util.h"

namespace sandbox {

const ResourceKey Aggregator::kApiServices{"apiregistration.k8s.io", "v1", "apiservices"};

namespace {

struct ApiServiceEntry {
  std::string name;
  std::string group;
  std::string version;
  bool has_service = false;
  std::string service_namespace;
  std::string service_name;
  std::string ca_bundle_pem;
  bool insecure_skip_verify = false;

  bool operator==(const ApiServiceEntry&) const = default;
  std::string ServerName() const { return service_name + "." + service_namespace + ".svc"; }
};

struct Availability {
  bool available = false;
  std::string resources_json;  // the backend's APIResourceList "resources"
};

struct Condition {
  bool available = false;
  std::string reason;
  std::string message;
};

std::optional<ApiServiceEntry> ParseApiService(const std::string& text) {
  auto doc = json::Parse(text);
  if (!doc.ok()) return std::nullopt;
  ApiServiceEntry e;
  e.name = json::GetString(*doc, {"metadata", "name"});
  e.group = json::GetString(*doc, {"spec", "group"});
  e.version = json::GetString(*doc, {"spec", "version"});
  if (const auto* svc = json::Find(*doc, {"spec", "service"}); svc != nullptr && svc->IsObject()) {
    e.has_service = true;
    e.service_namespace = json::GetString(*svc, {"namespace"});
    e.service_name = json::GetString(*svc, {"name"});
  }
  if (auto ca = Base64Decode(json::GetString(*doc, {"spec", "caBundle"}))) e.ca_bundle_pem = *ca;
  const auto* insecure = json::Find(*doc, {"spec", "insecureSkipTLSVerify"});
  e.insecure_skip_verify = insecure != nullptr && insecure->IsTrue();
  return e;
}

bool IsHopByHopOrIdentity(std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  std::string n = lower(name);
  static const char* const kDropped[] = {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
                                         "proxy-authorization", "proxy-authenticate", "host", "content-length",
                                         "authorization"};
  for (const char* d : kDropped) {
    if (n == d) return true;
  }
  // The identity headers are the aggregator's to set; a client must not be able to forge them.
  return n.rfind("x-remote-", 0) == 0 || n.rfind("impersonate-", 0) == 0;
}

net::HttpResponse ServiceUnavailable(std::string message) {
  net::HttpResponse r = net::HttpResponse::Make(503, "text/plain; charset=utf-8", std::move(message) + "\n");
  r.headers.push_back({"X-Content-Type-Options", "nosniff"});
  return r;
}

class AggregatorImpl : public Aggregator {
 public:
  AggregatorImpl(ObjectStore& store, net::EventLoop& loop, AggregatorOptions options)
      : store_(store), loop_(loop), options_(std::move(options)) {}

  ~AggregatorImpl() override { Stop(); }

  common::Status Init() {
    auto watch = store_.Watch(kApiServices, "", 0, [this](const WatchEvent& event) { OnEvent(event); });
    if (!watch.ok()) return watch.error();
    watch_ = std::move(*watch);
    checker_ = std::thread([this] { CheckLoop(); });
    return common::Status::Ok();
  }

  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (checker_.joinable()) checker_.join();
    watch_.reset();
  }

  void RegisterServiceEndpoint(const std::string& ns, const std::string& name, const std::string& host,
                               uint16_t port) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      endpoints_[{ns, name}] = {host, port};
      kicked_ = true;
    }
    cv_.notify_all();
  }

  void UnregisterServiceEndpoint(const std::string& ns, const std::string& name) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      endpoints_.erase({ns, name});
      kicked_ = true;
    }
    cv_.notify_all();
  }

  bool Serves(std::string_view group, std::string_view version) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return FindLocked(group, version) != nullptr;
  }

  std::vector<AggregatedGroupVersion> GroupVersions() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<AggregatedGroupVersion> out;
    for (const auto& [name, e] : services_) {
      if (!e.has_service) continue;
      AggregatedGroupVersion gv{e.group, e.version, false, ""};
      if (auto it = availability_.find(name); it != availability_.end()) {
        gv.available = it->second.available;
        gv.resources_json = it->second.resources_json;
      }
      out.push_back(std::move(gv));
    }
    return out;
  }

  void Proxy(const net::HttpRequest& request, const UserInfo& user, std::string_view group, std::string_view version,
             std::shared_ptr<net::Responder> responder) override {
    ApiServiceEntry entry;
    std::pair<std::string, uint16_t> endpoint;
    net::HttpClient* client = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const ApiServiceEntry* found = FindLocked(group, version);
      auto avail = found == nullptr ? availability_.end() : availability_.find(found->name);
      auto ep = found == nullptr ? endpoints_.end() : endpoints_.find({found->service_namespace, found->service_name});
      if (found == nullptr || avail == availability_.end() || !avail->second.available || ep == endpoints_.end()) {
        responder->Respond(ServiceUnavailable("service unavailable"));
        return;
      }
      entry = *found;
      endpoint = ep->second;
      auto c = ClientLocked(entry);
      if (!c.ok()) {
        responder->Respond(ServiceUnavailable("Error trying to reach service: " + c.error().message));
        return;
      }
      client = *c;
    }
    net::ClientRequest out;
    out.method = request.method;
    out.host = endpoint.first;
    out.port = endpoint.second;
    out.target = request.target;
    out.body = request.body;
    out.timeout = options_.proxy_timeout;
    for (const auto& h : request.headers) {
      if (!IsHopByHopOrIdentity(h.name)) out.headers.push_back(h);
    }
    out.headers.push_back({"X-Remote-User", user.name});
    for (const auto& g : user.groups) out.headers.push_back({"X-Remote-Group", g});
    client->SendAsync(std::move(out), [responder](common::Result<net::ClientResponse> result) {
      if (!result.ok()) {
        responder->Respond(ServiceUnavailable("Error trying to reach service: " + result.error().message));
        return;
      }
      net::HttpResponse response;
      response.status = result->status;
      for (auto& h : result->headers) {
        std::string lower = h.name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lower == "connection" || lower == "keep-alive" || lower == "transfer-encoding" ||
            lower == "content-length" || lower == "date" || lower == "server") {
          continue;
        }
        response.headers.push_back(std::move(h));
      }
      response.body = std::move(result->body);
      responder->Respond(std::move(response));
    });
  }

  void CheckNow() override {
    std::lock_guard<std::mutex> checking(check_mu_);
    RunChecks();
  }

 private:
  const ApiServiceEntry* FindLocked(std::string_view group, std::string_view version) const {
    for (const auto& [name, e] : services_) {
      if (e.has_service && e.group == group && e.version == version) return &e;
    }
    return nullptr;
  }

  common::Result<net::HttpClient*> ClientLocked(const ApiServiceEntry& e) {
    std::string key = (e.insecure_skip_verify ? "insecure|" : "verify|") + e.ServerName() + "|" + e.ca_bundle_pem;
    auto it = clients_.find(key);
    if (it != clients_.end()) return it->second.get();
    net::ClientOptions options;
    options.use_tls = true;
    options.tls.insecure_skip_verify = e.insecure_skip_verify;
    options.tls.ca_pem = e.ca_bundle_pem;
    options.tls.client_cert_pem = options_.front_proxy_client_cert_pem;
    options.tls.client_key_pem = options_.front_proxy_client_key_pem;
    // kube-aggregator verifies the backend as the service's DNS name.
    options.tls.server_name = e.ServerName();
    options.request_timeout = options_.proxy_timeout;
    options.connect_timeout = std::min(options_.proxy_timeout, std::chrono::milliseconds(5000));
    auto client = net::HttpClient::Create(loop_, options);
    if (!client.ok()) return client.error();
    net::HttpClient* raw = client->get();
    clients_.emplace(key, std::move(*client));
    return raw;
  }

  void OnEvent(const WatchEvent& event) {
    bool changed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (event.type == WatchEvent::Type::kDeleted) {
        changed = services_.erase(event.object.name) > 0;
        availability_.erase(event.object.name);
      } else if (auto entry = ParseApiService(event.object.json)) {
        auto it = services_.find(entry->name);
        changed = it == services_.end() || !(it->second == *entry);
        services_[entry->name] = std::move(*entry);
      }
      if (changed) kicked_ = true;
    }
    // Only spec changes trigger a check: the checker's own status writes come back here too.
    if (changed) cv_.notify_all();
  }

  void CheckLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, options_.check_interval, [this] { return stopping_ || kicked_; });
      if (stopping_) break;
      kicked_ = false;
      lock.unlock();
      {
        std::lock_guard<std::mutex> checking(check_mu_);
        RunChecks();
      }
      lock.lock();
    }
  }

  // Probes one backend the way kube-aggregator's availability controller does: GET its discovery document as
  // system:kube-aggregator in system:masters.
  std::pair<Condition, std::string> Probe(const ApiServiceEntry& e) {
    if (!e.has_service) return {{true, "Local", "Local APIServices are always available"}, ""};
    std::pair<std::string, uint16_t> endpoint;
    net::HttpClient* client = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto ep = endpoints_.find({e.service_namespace, e.service_name});
      if (ep == endpoints_.end()) {
        return {{false, "MissingEndpoints",
                 "endpoints for service/" + e.service_name + " in \"" + e.service_namespace +
                     "\" have no addresses with port name \"https\""},
                ""};
      }
      endpoint = ep->second;
      auto c = ClientLocked(e);
      if (!c.ok()) return {{false, "FailedDiscoveryCheck", c.error().message}, ""};
      client = *c;
    }
    std::string url = "https://" + endpoint.first + ":" + std::to_string(endpoint.second) + "/apis/" + e.group + "/" +
                      e.version;
    net::ClientRequest request;
    request.host = endpoint.first;
    request.port = endpoint.second;
    request.target = "/apis/" + e.group + "/" + e.version;
    request.headers = {{"Accept", "application/json"},
                       {"X-Remote-User", "system:kube-aggregator"},
                       {"X-Remote-Group", "system:masters"}};
    request.timeout = options_.check_timeout;
    auto response = client->Send(std::move(request));
    if (!response.ok()) {
      return {{false, "FailedDiscoveryCheck", "failing or missing response from " + url + ": " + response.error().message},
              ""};
    }
    if (response->status < 200 || response->status > 299) {
      return {{false, "FailedDiscoveryCheck",
               "failing or missing response from " + url + ": bad status from " + url + ": " +
                   std::to_string(response->status)},
              ""};
    }
    std::string resources;
    if (auto doc = json::Parse(response->body); doc.ok()) {
      if (const auto* r = json::Find(*doc, {"resources"}); r != nullptr && r->IsArray()) resources = json::Serialize(*r);
    }
    return {{true, "Passed", "all checks passed"}, resources};
  }

  void RunChecks() {
    std::vector<ApiServiceEntry> entries;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [name, e] : services_) entries.push_back(e);
    }
    for (const auto& e : entries) {
      auto [condition, resources] = Probe(e);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (services_.count(e.name) == 0) continue;
        Availability& a = availability_[e.name];
        a.available = condition.available;
        if (condition.available) a.resources_json = resources;  // keep the last good list while Stale
      }
      WriteCondition(e.name, condition);
    }
  }

  void WriteCondition(const std::string& name, const Condition& condition) {
    std::string now = json::FormatTime(std::chrono::system_clock::now());
    (void)store_.Mutate(kApiServices, "", name, [&](rapidjson::Document& doc) {
      auto& alloc = doc.GetAllocator();
      rapidjson::Value& status = json::EnsureObject(doc, "status", alloc);
      std::string status_word = condition.available ? "True" : "False";
      std::string transition = now;
      if (const auto* conds = json::Find(status, {"conditions"}); conds != nullptr && conds->IsArray()) {
        for (const auto& c : conds->GetArray()) {
          if (json::GetString(c, {"type"}) == "Available" && json::GetString(c, {"status"}) == status_word) {
            transition = json::GetString(c, {"lastTransitionTime"}, now);
          }
        }
      }
      rapidjson::Value c(rapidjson::kObjectType);
      json::SetString(c, "type", "Available", alloc);
      json::SetString(c, "status", status_word, alloc);
      json::SetString(c, "lastTransitionTime", transition, alloc);
      json::SetString(c, "reason", condition.reason, alloc);
      json::SetString(c, "message", condition.message, alloc);
      rapidjson::Value list(rapidjson::kArrayType);
      list.PushBack(std::move(c), alloc);
      json::SetValue(status, "conditions", std::move(list), alloc);
      return common::Status::Ok();
    });
  }

  ObjectStore& store_;
  net::EventLoop& loop_;
  AggregatorOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool kicked_ = true;  // check once right away
  std::map<std::string, ApiServiceEntry> services_;
  std::map<std::string, Availability> availability_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, uint16_t>> endpoints_;
  std::map<std::string, std::unique_ptr<net::HttpClient>> clients_;

  std::mutex check_mu_;  // one round of checks at a time (periodic thread vs CheckNow)
  std::unique_ptr<WatchHandle> watch_;
  std::thread checker_;
};

}  // namespace

common::Result<std::unique_ptr<Aggregator>> Aggregator::Create(ObjectStore& store, net::EventLoop& loop,
                                                               AggregatorOptions options) {
  auto aggregator = std::make_unique<AggregatorImpl>(store, loop, std::move(options));
  if (auto status = aggregator->Init(); !status.ok()) return status.error();
  return std::unique_ptr<Aggregator>(std::move(aggregator));
}

}  // namespace sandbox
