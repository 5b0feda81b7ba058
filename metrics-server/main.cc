// metrics-server: scrapes every kubelet's /metrics/resource and serves metrics.k8s.io/v1beta1 as an aggregated API
// (one straight data path: node discovery -> scrape loop -> storage -> API and gRPC stream).

#include <prometheus/registry.h>
#include <unistd.h>

#include <sstream>

#include "apiservice/authentication.h"
#include "apiservice/authorization.h"
#include "apiservice/request_guard.h"
#include "apiservice/review_clients.h"
#include "certs/certs.h"
#include "certs/reloader.h"
#include "common/duration.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/signals.h"
#include "common/metrics/prometheus_text.h"
#include "common/net/event_loop.h"
#include "common/net/fd_limit.h"
#include "common/net/http_server.h"
#include "common/serving/serving_certificate.h"
#include "common/work_pool.h"
#include "kube/client/config.h"
#include "kube/client/connect.h"
#include "kube/client/http_rest_client.h"
#include "kube/client/informer.h"
#include "kube/client/token_source.h"
#include "kube/label_selector.h"
#include "kube/objects/node.h"
#include "metrics-server/api/metrics_api.h"
#include "metrics-server/scrape/http_kubelet_client.h"
#include "metrics-server/scrape/informer_node_lister.h"
#include "metrics-server/scrape/kubelet_address.h"
#include "metrics-server/scrape/scrape_loop.h"
#include "metrics-server/scrape/scrape_metrics.h"
#include "metrics-server/server/authentication_config.h"
#include "metrics-server/server/informer_metadata_source.h"
#include "metrics-server/storage/metrics_storage.h"
#include "metrics-server/stream/snapshot_broadcaster.h"
#include "metrics-server/stream/stream_server.h"

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

struct Flags {
  std::string kubeconfig;
  nanoseconds metric_resolution = std::chrono::seconds(15);
  bool kubelet_insecure_tls = false;
  int kubelet_port = 10250;
  bool kubelet_use_node_status_port = false;
  std::string kubelet_preferred_address_types = "Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP";
  std::string kubelet_ca_file;
  std::string kubelet_client_cert;
  std::string kubelet_client_key;
  nanoseconds kubelet_request_timeout = std::chrono::seconds(10);
  std::string node_selector;
  int secure_port = 10250;
  std::string bind_address = "0.0.0.0";
  std::string cert_dir = "apiserver.local.config/certificates";
  std::string tls_cert_file;
  std::string tls_key_file;
  metrics_server::RequestHeaderFlags request_header;
  int grpc_port = 0;
  std::string grpc_bind_address = "0.0.0.0";
  std::string grpc_client_ca_file;
  int serving_threads = 4;
};

// Reads a file or fails the start with a clear message.
common::Result<std::string> ReadIfSet(const std::string& path) {
  if (path.empty()) return std::string();
  return certs::ReadFile(path);
}

int Run(const Flags& flags) {
  if (auto raised = net::RaiseOpenFileLimit(); !raised.ok()) LOG_V(1, "open file limit: {}", raised.error().message);
  if (!flags.node_selector.empty()) {
    if (auto parsed = kube::LabelSelector::Parse(flags.node_selector); !parsed.ok()) {
      LOG_ERROR("invalid --node-selector: {}", parsed.error().message);
      return 1;
    }
  }
  auto address_types = metrics_server::ParseAddressTypes(flags.kubelet_preferred_address_types);
  if (!address_types.ok()) {
    LOG_ERROR("invalid --kubelet-preferred-address-types: {}", address_types.error().message);
    return 1;
  }
  auto connection = kube::Connect(flags.kubeconfig);
  if (!connection.ok()) {
    LOG_ERROR("{}", connection.error().message);
    return 1;
  }
  const kube::ClientConfig& config = connection->config;
  net::EventLoop& loop = *connection->loop;
  kube::RestClient& client = *connection->client;
  prometheus::Registry registry;

  // Node discovery and the labels the API serves.
  kube::Informer<kube::Node> nodes(client, {{.path = "/api/v1/nodes", .label_selector = flags.node_selector,
                                             .name = "nodes"}},
                                   kube::DecodeNode);
  kube::Informer<metrics_server::PodLabelsView> pods(client, {{.path = "/api/v1/pods", .name = "pods"}},
                                                     metrics_server::DecodePodLabels);
  metrics_server::InformerMetadataSource metadata(nodes.store(), pods.store());

  // The scrape path.
  kube::TokenSource kubelet_tokens(config.bearer_token, config.bearer_token_file);
  metrics_server::KubeletClientOptions kubelet_options;
  kubelet_options.insecure_skip_verify = flags.kubelet_insecure_tls;
  kubelet_options.ca_file = flags.kubelet_ca_file;
  kubelet_options.client_cert_file = flags.kubelet_client_cert;
  kubelet_options.client_key_file = flags.kubelet_client_key;
  kubelet_options.request_timeout = duration_cast<milliseconds>(flags.kubelet_request_timeout);
  auto kubelets = metrics_server::HttpKubeletClient::Create(
      loop, kubelet_options, flags.kubelet_client_cert.empty() ? &kubelet_tokens : nullptr);
  if (!kubelets.ok()) {
    LOG_ERROR("kubelet client: {}", kubelets.error().message);
    return 1;
  }
  metrics_server::InformerNodeLister lister(
      nodes.store(), {.preferred_address_types = *address_types,
                      .kubelet_port = static_cast<uint16_t>(flags.kubelet_port),
                      .use_node_status_port = flags.kubelet_use_node_status_port});
  metrics_server::MetricsStorage storage({.metric_resolution = flags.metric_resolution});
  auto scrape_metrics = metrics_server::MakePrometheusScrapeMetrics(registry);
  metrics_server::ScrapeLoop scraper({.metric_resolution = duration_cast<milliseconds>(flags.metric_resolution),
                                      .kubelet_request_timeout = duration_cast<milliseconds>(flags.kubelet_request_timeout)},
                                     lister, **kubelets, storage, scrape_metrics.get());

  // The gRPC stream to the autoscaler: each new snapshot is pushed as soon as the storage publishes it.
  metrics_server::SnapshotBroadcaster broadcaster;
  std::unique_ptr<metrics_server::StreamServer> stream_server;

  // Delegated authentication and authorization.
  auto authn_config = metrics_server::LoadDelegatedAuthentication(client, flags.request_header);
  if (!authn_config.ok()) {
    LOG_ERROR("{}", authn_config.error().message);
    return 1;
  }
  auto transport = [&client](const std::string& path, const std::string& body) { return client.Create(path, body); };
  apiservice::TokenReviewClient token_reviews(transport);
  apiservice::SubjectAccessReviewClient access_reviews(transport);
  auto steady = [] { return std::chrono::steady_clock::now(); };
  apiservice::Authenticator authenticator({.request_header = authn_config->request_header}, &token_reviews, steady);
  apiservice::CachingAuthorizer authorizer(&access_reviews, {}, steady);
  apiservice::RequestGuard guard(&authenticator, &authorizer);
  metrics_server::MetricsApi api(&metadata);

  auto serving = common::LoadOrCreateServingCertificate(
      {.cert_file = flags.tls_cert_file, .key_file = flags.tls_key_file, .cert_dir = flags.cert_dir,
       .pair_name = "apiserver", .dns_names = {"localhost", "metrics-server", "metrics-server.kube-system.svc"}},
      std::chrono::system_clock::now());
  if (!serving.ok()) {
    LOG_ERROR("serving certificate: {}", serving.error().message);
    return 1;
  }

  if (flags.grpc_port > 0) {
    auto client_ca = ReadIfSet(flags.grpc_client_ca_file);
    if (!client_ca.ok()) {
      LOG_ERROR("--grpc-client-ca-file: {}", client_ca.error().message);
      return 1;
    }
    auto started = metrics_server::StreamServer::Start(
        {.address = flags.grpc_bind_address + ":" + std::to_string(flags.grpc_port), .cert_pem = serving->cert_pem,
         .key_pem = serving->key_pem, .client_ca_pem = *client_ca},
        broadcaster);
    if (!started.ok()) {
      LOG_ERROR("{}", started.error().message);
      return 1;
    }
    stream_server = std::move(*started);
  }

  common::WorkPool pool(flags.serving_threads, 1024);
  auto handle = [&](const net::HttpRequest& request) -> net::HttpResponse {
    auto text = [](int status, std::string body) {
      return net::HttpResponse::Make(status, "text/plain; charset=utf-8", std::move(body));
    };
    auto snapshot = storage.Snapshot();
    const bool has_data = snapshot->scrape_time != metrics_server::TimePoint{};
    if (request.path == "/livez" || request.path == "/healthz") return text(200, "ok");
    if (request.path == "/readyz") {
      // Ready once metrics can be served (upstream's metric-storage-ready check) and the caches are filled.
      if (!has_data) return text(503, "[-]metric-storage-ready failed: not metrics to serve\nreadyz check failed");
      if (!nodes.HasSynced() || !pods.HasSynced()) return text(503, "[-]informer-sync failed\nreadyz check failed");
      return text(200, "ok");
    }
    auto outcome = guard.Check(request, metrics_server::MetricsApi::WantsProtobuf(request));
    if (outcome.rejection) return *outcome.rejection;
    if (request.path == "/metrics") {
      return net::HttpResponse::Make(200, common::kPrometheusTextContentType, common::RenderPrometheusText(registry));
    }
    if (auto response = api.Handle(request, snapshot.get(), std::chrono::system_clock::now())) return *response;
    return text(404, "404 page not found\n");
  };

  net::ServerOptions server_options;
  server_options.endpoints.push_back({flags.bind_address, static_cast<uint16_t>(flags.secure_port)});
  server_options.tls = net::TlsServerConfig{.cert_pem = serving->cert_pem,
                                            .key_pem = serving->key_pem,
                                            .client_ca_pem = authn_config->requestheader_client_ca_pem};
  auto server = net::HttpServer::Start(
      loop, server_options, [&](const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
        // Authentication and authorization may block on the API server: never on the event loop.
        auto copy = std::make_shared<net::HttpRequest>(request);
        if (!pool.Submit([&handle, copy, responder] { responder->Respond(handle(*copy)); })) {
          auto busy = net::HttpResponse::Make(429, "text/plain; charset=utf-8", "too many requests\n");
          busy.headers.push_back({"Retry-After", "1"});
          responder->Respond(std::move(busy));
        }
      });
  if (!server.ok()) {
    LOG_ERROR("cannot serve on {}:{}: {}", flags.bind_address, flags.secure_port, server.error().message);
    return 1;
  }

  nodes.Start();
  pods.Start();
  if (!nodes.WaitForSync(std::chrono::seconds(60))) LOG_WARNING("node informer not synced after 60s; retrying");
  scraper.Start();
  // Serving certificate hot reload (files from --tls-cert-file or --cert-dir): checked every 10 s, swapped for new
  // connections when the pair on disk changed and validates; a bad pair is logged and the old one kept.
  std::unique_ptr<certs::CertificateReloader> reloader;
  if (!serving->cert_file.empty()) {
    reloader = std::make_unique<certs::CertificateReloader>(serving->cert_file, serving->key_file);
    if (auto loaded = reloader->Load(std::chrono::system_clock::now()); !loaded.ok()) {
      LOG_WARNING("certificate reload disabled: {}", loaded.error().message);
      reloader.reset();
    }
  }
  std::atomic<bool> housekeeping{true};
  std::thread housekeeper([&] {
    const metrics_server::MetricsSnapshot* last = nullptr;
    auto next_cert_check = std::chrono::steady_clock::now();
    while (housekeeping) {
      // The storage swaps snapshots atomically; hand each new one to the stream at once.
      auto snapshot = storage.Snapshot();
      if (snapshot.get() != last && snapshot->scrape_time != metrics_server::TimePoint{}) {
        last = snapshot.get();
        broadcaster.Publish(std::move(snapshot));
      }
      if (reloader && std::chrono::steady_clock::now() >= next_cert_check) {
        next_cert_check = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        auto changed = reloader->CheckForChange(std::chrono::system_clock::now());
        if (!changed.ok()) {
          LOG_ERROR("serving certificate not reloaded: {}", changed.error().message);
        } else if (*changed) {
          auto reloaded = (*server)->ReloadTls({.cert_pem = reloader->current().cert_pem,
                                                .key_pem = reloader->current().key_pem,
                                                .client_ca_pem = authn_config->requestheader_client_ca_pem});
          if (reloaded.ok()) {
            LOG_INFO("serving certificate reloaded from {}", reloader->cert_file());
          } else {
            LOG_ERROR("serving certificate not reloaded: {}", reloaded.error().message);
          }
        }
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  LOG_INFO("metrics-server serving metrics.k8s.io on {}:{} (resolution {}, gRPC stream {})", flags.bind_address,
           (*server)->ports().front(), common::FormatDuration(flags.metric_resolution),
           stream_server ? std::to_string(stream_server->port()) : "off");

  const int signal_number = common::WaitForTerminationSignal();
  LOG_INFO("received signal {}, shutting down", signal_number);

  housekeeping = false;
  housekeeper.join();
  (*server)->Shutdown(std::chrono::seconds(5));
  pool.Stop();
  broadcaster.Shutdown();
  if (stream_server) stream_server->Shutdown();
  scraper.Stop();
  nodes.Stop();
  pods.Stop();
  loop.Stop();
  return 0;
}

std::vector<std::string> SplitCommaList(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream in(value);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  common::BlockTerminationSignals();

  Flags flags;
  std::string allowed_names, username_headers, group_headers, extra_prefixes;
  common::CommandLine cli("metrics-server", "Scrapes kubelets' /metrics/resource and serves metrics.k8s.io/v1beta1 "
                                            "(NodeMetrics, PodMetrics) as an aggregated API.");
  CLI::App& app = cli.app();
  app.add_option("--kubeconfig", flags.kubeconfig, "Path to a kubeconfig file; in-cluster config when empty.");
  common::AddDurationFlag(app, "--metric-resolution", &flags.metric_resolution,
                          "The resolution at which metrics-server will retain metrics; must be at least 10s.");
  common::AddBoolFlag(app, "--kubelet-insecure-tls", &flags.kubelet_insecure_tls,
                      "Do not verify the CA of serving certificates presented by Kubelets. For testing purposes only.");
  app.add_option("--kubelet-port", flags.kubelet_port, "The port to use to connect to Kubelets.")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  common::AddBoolFlag(app, "--kubelet-use-node-status-port", &flags.kubelet_use_node_status_port,
                      "Use the port in the node status. Takes precedence over --kubelet-port flag.");
  app.add_option("--kubelet-preferred-address-types", flags.kubelet_preferred_address_types,
                 "The priority of node address types to use when determining which address to use to connect to "
                 "a particular node.")
      ->capture_default_str();
  app.add_option("--kubelet-certificate-authority", flags.kubelet_ca_file,
                 "Path to the CA to use to validate the Kubelet's serving certificates.");
  app.add_option("--kubelet-client-certificate", flags.kubelet_client_cert,
                 "Path to a client cert file for TLS to the Kubelets.");
  app.add_option("--kubelet-client-key", flags.kubelet_client_key, "Path to a client key file for TLS.");
  common::AddDurationFlag(app, "--kubelet-request-timeout", &flags.kubelet_request_timeout,
                          "The length of time to wait before giving up on a single request to Kubelet.");
  app.add_option("--node-selector", flags.node_selector,
                 "Selector (label query) to filter on; supports '=', '==', '!=', 'in', 'notin', and existence.");
  app.add_option("--secure-port", flags.secure_port, "The port on which to serve HTTPS with authentication and "
                                                      "authorization.")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--bind-address", flags.bind_address, "The IP address on which to listen for --secure-port.")
      ->capture_default_str();
  app.add_option("--cert-dir", flags.cert_dir, "The directory where the TLS certs are located (ignored if "
                                                "--tls-cert-file and --tls-private-key-file are provided).")
      ->capture_default_str();
  app.add_option("--tls-cert-file", flags.tls_cert_file, "File containing the default x509 Certificate for HTTPS.");
  app.add_option("--tls-private-key-file", flags.tls_key_file, "File containing the x509 private key matching "
                                                               "--tls-cert-file.");
  app.add_option("--requestheader-client-ca-file", flags.request_header.client_ca_file,
                 "Root certificate bundle to verify client certificates on incoming requests before trusting "
                 "usernames in headers. Default: from kube-system/extension-apiserver-authentication.");
  app.add_option("--requestheader-allowed-names", allowed_names,
                 "List of client certificate common names to allow to provide usernames in headers.");
  app.add_option("--requestheader-username-headers", username_headers, "List of request headers to inspect for "
                                                                       "usernames.");
  app.add_option("--requestheader-group-headers", group_headers, "List of request headers to inspect for groups.");
  app.add_option("--requestheader-extra-headers-prefix", extra_prefixes,
                 "List of request header prefixes to inspect.");
  app.add_option("--grpc-port", flags.grpc_port, "Port of the pod-metrics gRPC stream for the autoscaler; 0 disables.")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--grpc-bind-address", flags.grpc_bind_address, "Address for --grpc-port.")->capture_default_str();
  app.add_option("--grpc-client-ca-file", flags.grpc_client_ca_file,
                 "When set, stream clients must present a certificate signed by this CA (mTLS).");
  app.add_option("--serving-threads", flags.serving_threads, "Threads answering API requests.")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  if (auto exit_code = cli.Parse(argc, argv)) return *exit_code;
  if (flags.metric_resolution < std::chrono::seconds(10)) {
    // Upstream's limit: the kubelet's cAdvisor housekeeping period makes shorter windows meaningless. The sandbox
    // demo uses a shorter one on purpose, hence a warning rather than a refusal.
    LOG_WARNING("--metric-resolution {} is below upstream's 10s minimum", common::FormatDuration(flags.metric_resolution));
  }
  flags.request_header.allowed_names = SplitCommaList(allowed_names);
  flags.request_header.username_headers = SplitCommaList(username_headers);
  flags.request_header.group_headers = SplitCommaList(group_headers);
  flags.request_header.extra_headers_prefix = SplitCommaList(extra_prefixes);
  return Run(flags);
}
