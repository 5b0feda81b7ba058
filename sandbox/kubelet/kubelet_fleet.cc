#include "sandbox/kubelet/kubelet_fleet.h"

#include <atomic>
#include <charconv>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

namespace sandbox {

using common::Error;
using common::ErrorCode;

namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

net::HttpResponse Text(int status, std::string body) {
  return net::HttpResponse::Make(status, "text/plain; charset=utf-8", std::move(body));
}

bool TokenMatches(const std::vector<std::string>& tokens, std::string_view presented) {
  for (const std::string& t : tokens) {
    if (!t.empty() && t == presented) return true;
  }
  return false;
}

}  // namespace

std::string NodeAddress(int block, int index) {
  return fmt::format("127.{}.{}.{}", block, index / 250 + 1, index % 250 + 2);
}

class KubeletFleet::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::EventLoop& loop, const LoadModel& model, KubeletFleetOptions options)
      : loop_(loop), model_(model), options_(std::move(options)), nodes_(options_.nodes.size()) {
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  }

  common::Status Listen() {
    std::vector<net::Endpoint> good;
    std::vector<net::Endpoint> wrong;
    for (std::size_t i = 0; i < options_.nodes.size(); ++i) {
      const KubeletNode& node = options_.nodes[i];
      if (!by_address_.emplace(node.address, i).second) {
        return Error::Make(ErrorCode::kInvalidArgument, fmt::format("address {} used by two nodes", node.address));
      }
      by_name_.emplace(node.name, i);
      bool is_wrong = options_.wrong_cert_nodes.count(node.name) != 0;
      (is_wrong ? wrong : good).push_back({node.address, options_.port});
    }
    std::weak_ptr<Impl> weak = weak_from_this();
    auto handler = [weak](const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
      if (auto self = weak.lock()) {
        self->Handle(request, std::move(responder));
      } else {
        responder->Respond(Text(503, "shutting down\n"));
      }
    };
    auto start = [&](std::vector<net::Endpoint> endpoints,
                     const net::TlsServerConfig& tls) -> common::Result<std::unique_ptr<net::HttpServer>> {
      net::ServerOptions server_options;
      server_options.endpoints = std::move(endpoints);
      server_options.tls = tls;
      server_options.max_connections = std::max<std::size_t>(10000, options_.nodes.size() * 4);
      return net::HttpServer::Start(loop_, std::move(server_options), handler);
    };
    if (!options_.node_certs.empty() && options_.node_certs.size() != options_.nodes.size()) {
      return Error::Make(ErrorCode::kInvalidArgument, "node_certs needs one certificate per node");
    }
    if (!options_.node_certs.empty()) {
      for (std::size_t i = 0; i < options_.nodes.size(); ++i) {
        if (options_.wrong_cert_nodes.count(options_.nodes[i].name) != 0) continue;
        net::TlsServerConfig tls = options_.tls;
        tls.cert_pem = options_.node_certs[i].cert_pem;
        tls.key_pem = options_.node_certs[i].key_pem;
        auto server = start({{options_.nodes[i].address, options_.port}}, tls);
        if (!server.ok()) return server.error();
        servers_.push_back(std::move(server).value());
      }
    } else if (!good.empty()) {
      auto server = start(std::move(good), options_.tls);
      if (!server.ok()) return server.error();
      servers_.push_back(std::move(server).value());
    }
    if (!wrong.empty()) {
      if (!options_.wrong_tls) {
        return Error::Make(ErrorCode::kInvalidArgument, "wrong_cert_nodes needs a wrong_tls certificate");
      }
      auto server = start(std::move(wrong), *options_.wrong_tls);
      if (!server.ok()) return server.error();
      servers_.push_back(std::move(server).value());
    }
    return common::Status::Ok();
  }

  void Shutdown() {
    std::vector<std::unique_ptr<net::HttpServer>> servers;
    {
      std::lock_guard lock(servers_mu_);
      servers.swap(servers_);
    }
    for (auto& s : servers) s->Shutdown(std::chrono::milliseconds(500));
  }

  void SetFault(std::string_view node, KubeletFault fault) {
    auto it = by_name_.find(std::string(node));
    if (it == by_name_.end()) return;
    std::lock_guard lock(nodes_[it->second].mu);
    nodes_[it->second].fault = fault;
  }

  void ClearFaults() {
    for (NodeState& n : nodes_) {
      std::lock_guard lock(n.mu);
      n.fault = KubeletFault{};
    }
  }

  common::Result<std::shared_ptr<const std::string>> Body(std::string_view node) {
    auto it = by_name_.find(std::string(node));
    if (it == by_name_.end()) return Error::Make(ErrorCode::kNotFound, fmt::format("no kubelet for node {}", node));
    return CurrentBody(it->second);
  }

  void RenderAll() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) (void)CurrentBody(i);
  }

  const std::vector<KubeletNode>& nodes() const { return options_.nodes; }
  uint16_t port() const { return options_.port; }
  Stats stats() const { return Stats{requests_.load(), renders_.load(), unauthorized_.load()}; }

 private:
  struct NodeState {
    std::mutex mu;
    std::shared_ptr<const std::string> body;
    TimePoint rendered_at;
    KubeletFault fault;
  };

  // The cached body, re-rendered when stale. Rendering holds the node's lock so concurrent scrapes of one node
  // render once.
  common::Result<std::shared_ptr<const std::string>> CurrentBody(std::size_t index) {
    NodeState& state = nodes_[index];
    std::lock_guard lock(state.mu);
    TimePoint now = options_.clock();
    if (state.body && now - state.rendered_at < options_.render_interval && now >= state.rendered_at) return state.body;
    auto sample = model_.SampleNode(options_.nodes[index].name, now);
    if (!sample.ok()) return sample.error();
    auto body = std::make_shared<std::string>();
    RenderResourceMetrics(*sample, options_.format, body.get());
    state.body = std::move(body);
    state.rendered_at = now;
    renders_.fetch_add(1, std::memory_order_relaxed);
    return state.body;
  }

  bool Authenticated(const net::HttpRequest& request) const {
    const KubeletAuthConfig& auth = options_.auth;
    if (auth.allow_anonymous) return true;
    if (auth.accept_client_certificates && request.peer.verified) return true;
    auto header = request.Header("Authorization");
    if (!header) return false;
    std::string_view value = *header;
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() <= kBearer.size() || value.substr(0, kBearer.size()) != kBearer) return false;
    return TokenMatches(auth.bearer_tokens, value.substr(kBearer.size()));
  }

  void Handle(const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (request.path == "/healthz") return responder->Respond(Text(200, "ok"));
    auto it = by_address_.find(request.local_address);
    if (it == by_address_.end()) return responder->Respond(Text(404, "404 page not found\n"));
    std::size_t index = it->second;
    KubeletFault fault;
    {
      std::lock_guard lock(nodes_[index].mu);
      fault = nodes_[index].fault;
    }
    if (fault.kind == KubeletFaultKind::kUnauthorized || !Authenticated(request)) {
      unauthorized_.fetch_add(1, std::memory_order_relaxed);
      return responder->Respond(Text(401, "Unauthorized\n"));
    }
    if (request.path != "/metrics/resource") return responder->Respond(Text(404, "404 page not found\n"));
    if (request.method != "GET" && request.method != "HEAD") {
      return responder->Respond(Text(405, "405 method not allowed\n"));
    }
    if (fault.kind == KubeletFaultKind::kSlow && fault.delay.count() > 0) {
      std::weak_ptr<Impl> weak = weak_from_this();
      fault.kind = KubeletFaultKind::kNone;
      loop_.PostAfter(fault.delay, [weak, index, fault, responder]() mutable {
        if (auto self = weak.lock()) {
          self->Answer(index, fault, std::move(responder));
        } else {
          responder->Respond(Text(503, "shutting down\n"));
        }
      });
      return;
    }
    Answer(index, fault, std::move(responder));
  }

  void Answer(std::size_t index, const KubeletFault& fault, std::shared_ptr<net::Responder> responder) {
    switch (fault.kind) {
      case KubeletFaultKind::kServerError:
        return responder->Respond(Text(500, "Internal Error: failed to get node info: sandbox fault injection\n"));
      case KubeletFaultKind::kGarbageBody:
        return responder->Respond(net::HttpResponse::Make(
            200, kMetricsContentType,
            std::string("\x00\x01\xff garbage {{{ not=\"prometheus\n}}} 1.2.3 \x7f\n", 40) +
                "container_cpu_usage_seconds_total{container=\"a\" 12 zz\n"));
      case KubeletFaultKind::kHugeBody: {
        std::string body;
        body.reserve(fault.huge_bytes);
        constexpr std::string_view kLine = "# padding: a kubelet that never stops talking .......................\n";
        while (body.size() + kLine.size() <= fault.huge_bytes) body.append(kLine);
        body.append(fault.huge_bytes - body.size(), '#');
        return responder->Respond(net::HttpResponse::Make(200, kMetricsContentType, std::move(body)));
      }
      default:
        break;
    }
    auto body = CurrentBody(index);
    if (!body.ok()) return responder->Respond(Text(500, "Internal Error: " + body.error().message + "\n"));
    if (fault.kind == KubeletFaultKind::kTruncatedBody) {
      const std::string& full = **body;
      // Cut inside a line (not at a newline) so the damage is visible to a parser.
      std::size_t cut = full.size() / 2;
      while (cut > 0 && full[cut - 1] == '\n') --cut;
      return responder->Respond(net::HttpResponse::Make(200, kMetricsContentType, full.substr(0, cut)));
    }
    if (fault.kind == KubeletFaultKind::kConnectionClosed) {
      // Streamed (chunked) so the cut is a transport failure, not a short but well-framed body.
      const std::string& full = **body;
      auto stream = responder->StartStream(200, net::Headers{{"Content-Type", std::string(kMetricsContentType)}});
      stream->Write(full.substr(0, full.size() / 2));
      stream->Abort();
      return;
    }
    // The cached string is shared between requests; the response needs its own copy.
    responder->Respond(net::HttpResponse::Make(200, kMetricsContentType, **body));
  }

  net::EventLoop& loop_;
  const LoadModel& model_;
  KubeletFleetOptions options_;
  std::vector<NodeState> nodes_;
  std::unordered_map<std::string, std::size_t> by_address_;
  std::unordered_map<std::string, std::size_t> by_name_;
  std::mutex servers_mu_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> renders_{0};
  std::atomic<uint64_t> unauthorized_{0};
};

KubeletFleet::KubeletFleet(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

KubeletFleet::~KubeletFleet() { Shutdown(); }

common::Result<std::unique_ptr<KubeletFleet>> KubeletFleet::Start(net::EventLoop& loop, const LoadModel& model,
                                                                  KubeletFleetOptions options) {
  auto impl = std::make_shared<Impl>(loop, model, std::move(options));
  auto status = impl->Listen();
  if (!status.ok()) {
    impl->Shutdown();
    return status.error();
  }
  return std::unique_ptr<KubeletFleet>(new KubeletFleet(std::move(impl)));
}

common::Result<KubeletFault> ParseKubeletFault(std::string_view text) {
  std::string_view kind = text;
  std::optional<uint64_t> argument;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    kind = text.substr(0, colon);
    std::string_view digits = text.substr(colon + 1);
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      return Error::Make(ErrorCode::kInvalidArgument, fmt::format("kubelet fault \"{}\": bad number", text));
    }
    argument = value;
  }
  // One row per name: which fault, and whether it takes the ":N" argument.
  struct NamedFault {
    std::string_view name;
    KubeletFaultKind kind;
    bool takes_argument;
  };
  static constexpr NamedFault kNamed[] = {
      {"none", KubeletFaultKind::kNone, false},        {"slow", KubeletFaultKind::kSlow, true},
      {"500", KubeletFaultKind::kServerError, false},  {"garbage", KubeletFaultKind::kGarbageBody, false},
      {"huge", KubeletFaultKind::kHugeBody, true},     {"truncated", KubeletFaultKind::kTruncatedBody, false},
      {"401", KubeletFaultKind::kUnauthorized, false}, {"close", KubeletFaultKind::kConnectionClosed, false},
  };
  const NamedFault* named = nullptr;
  for (const NamedFault& n : kNamed) {
    if (n.name == kind) named = &n;
  }
  if (named == nullptr) {
    return Error::Make(ErrorCode::kInvalidArgument,
                       fmt::format("unknown kubelet fault \"{}\" (slow[:MS], 500, garbage, huge[:BYTES], truncated, "
                                   "401, close, none)",
                                   text));
  }
  if (argument && !named->takes_argument) {
    return Error::Make(ErrorCode::kInvalidArgument, fmt::format("kubelet fault \"{}\" takes no argument", text));
  }
  KubeletFault fault;
  fault.kind = named->kind;
  if (fault.kind == KubeletFaultKind::kSlow) fault.delay = std::chrono::milliseconds(argument.value_or(5000));
  if (fault.kind == KubeletFaultKind::kHugeBody && argument) fault.huge_bytes = *argument;
  return fault;
}

void KubeletFleet::SetFault(std::string_view node, KubeletFault fault) { impl_->SetFault(node, fault); }
void KubeletFleet::ClearFaults() { impl_->ClearFaults(); }
common::Result<std::shared_ptr<const std::string>> KubeletFleet::Body(std::string_view node) {
  return impl_->Body(node);
}
void KubeletFleet::RenderAll() { impl_->RenderAll(); }
const std::vector<KubeletNode>& KubeletFleet::nodes() const { return impl_->nodes(); }
uint16_t KubeletFleet::port() const { return impl_->port(); }
KubeletFleet::Stats KubeletFleet::stats() const { return impl_->stats(); }
void KubeletFleet::Shutdown() { impl_->Shutdown(); }

}  // namespace sandbox
