// autoscaler: the HorizontalPodAutoscaler controller of kube-controller-manager, as its own process.

#include <prometheus/registry.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <random>

#include "autoscaler/controller/event_recorder.h"
#include "autoscaler/controller/hpa_controller.h"
#include "autoscaler/controller/leader_elector.h"
#include "autoscaler/controller/metrics_client.h"
#include "autoscaler/controller/scale_client.h"
#include "certs/certs.h"
#include "common/duration.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/signals.h"
#include "common/metrics/prometheus_text.h"
#include "common/net/event_loop.h"
#include "common/net/fd_limit.h"
#include "common/net/http_server.h"
#include "common/serving/serving_certificate.h"
#include "kube/client/config.h"
#include "kube/client/connect.h"
#include "kube/client/http_rest_client.h"
#include "kube/client/informer.h"
#include "kube/objects/pod.h"
#include "metrics-server/stream/stream_client.h"

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

struct Flags {
  std::string kubeconfig;
  std::string namespace_name;
  nanoseconds sync_period = std::chrono::seconds(15);
  int workers = 5;
  double tolerance = 0.1;
  nanoseconds cpu_initialization_period = std::chrono::minutes(5);
  nanoseconds initial_readiness_delay = std::chrono::seconds(30);
  nanoseconds downscale_stabilization = std::chrono::minutes(5);
  bool leader_elect = true;
  nanoseconds lease_duration = std::chrono::seconds(15);
  nanoseconds renew_deadline = std::chrono::seconds(10);
  nanoseconds retry_period = std::chrono::seconds(2);
  std::string lease_namespace = "kube-system";
  std::string lease_name = "kma-autoscaler";
  std::string grpc_address;
  std::string grpc_ca_file;
  std::string grpc_cert_file;
  std::string grpc_key_file;
  std::string grpc_server_name;
  std::string hpa_class;
  int secure_port = 10257;
  std::string bind_address = "0.0.0.0";
  std::string cert_dir;
  std::string tls_cert_file;
  std::string tls_key_file;
};

std::string ReadOrEmpty(const std::string& path, std::string* error) {
  if (path.empty()) return "";
  auto content = certs::ReadFile(path);
  if (!content.ok()) {
    *error = content.error().message;
    return "";
  }
  return *content;
}

std::string Identity() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::random_device rd;
  return std::string(host) + "_" + std::to_string(rd() % 100000000);
}

// Decodes an HPA for the informer, keeping the raw object for status writes.
common::Result<autoscaler::HpaObject> DecodeForInformer(const rapidjson::Value& value) {
  auto decoded = autoscaler::DecodeHpa(value);
  if (!decoded.ok()) return decoded;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  decoded->raw_json.assign(buffer.GetString(), buffer.GetSize());
  return decoded;
}

int Run(const Flags& flags) {
  if (auto raised = net::RaiseOpenFileLimit(); !raised.ok()) LOG_V(1, "open file limit: {}", raised.error().message);
  auto connection = kube::Connect(flags.kubeconfig);
  if (!connection.ok()) {
    LOG_ERROR("{}", connection.error().message);
    return 1;
  }
  net::EventLoop& loop = *connection->loop;
  kube::RestClient& client = *connection->client;
  prometheus::Registry registry;

  const std::string scope = flags.namespace_name.empty() ? "" : "/namespaces/" + flags.namespace_name;
  kube::Informer<autoscaler::HpaObject> hpas(
      client, {{.path = "/apis/autoscaling/v2" + scope + "/horizontalpodautoscalers", .name = "hpas"}},
      DecodeForInformer);
  kube::Informer<kube::Pod> pods(client, {{.path = "/api/v1" + scope + "/pods", .name = "pods"}}, kube::DecodePod);
  autoscaler::InformerPodLister pod_lister(pods);

  autoscaler::RestMapper mapper(client);
  autoscaler::ApiScaleClient scale(client, mapper);
  autoscaler::ApiMetricsClient api_metrics(client, mapper);
  autoscaler::ApiEventRecorder events(client, "horizontal-pod-autoscaler");

  std::unique_ptr<metrics_server::StreamClient> stream;
  std::unique_ptr<autoscaler::StreamMetricsClient> stream_metrics;
  autoscaler::HpaController* controller_ptr = nullptr;
  if (!flags.grpc_address.empty()) {
    std::string error;
    metrics_server::StreamClientOptions options;
    options.target = flags.grpc_address;
    options.ca_pem = ReadOrEmpty(flags.grpc_ca_file, &error);
    options.cert_pem = ReadOrEmpty(flags.grpc_cert_file, &error);
    options.key_pem = ReadOrEmpty(flags.grpc_key_file, &error);
    options.server_name_override = flags.grpc_server_name;
    if (!flags.namespace_name.empty()) options.namespaces = {flags.namespace_name};
    if (!error.empty()) {
      LOG_ERROR("metrics stream TLS material: {}", error);
      return 1;
    }
    auto started = metrics_server::StreamClient::Start(options, [&controller_ptr](const metrics_server::StreamState&) {
      // A scrape just finished: evaluate every HPA now instead of at the next sync tick.
      if (controller_ptr != nullptr) controller_ptr->EnqueueAll();
    });
    if (!started.ok()) {
      LOG_ERROR("metrics stream: {}", started.error().message);
      return 1;
    }
    stream = std::move(*started);
    // Two missed scrape cycles (default resolution 15s) and we stop trusting the stream.
    stream_metrics = std::make_unique<autoscaler::StreamMetricsClient>(
        *stream, api_metrics,
        [&pod_lister](const std::string& ns, const std::string& name) { return pod_lister.Labels(ns, name); },
        std::chrono::seconds(45));
  }

  std::unique_ptr<autoscaler::LeaderElector> elector;
  if (flags.leader_elect) {
    autoscaler::LeaderElectionConfig election;
    election.lease_namespace = flags.lease_namespace;
    election.lease_name = flags.lease_name;
    election.identity = Identity();
    election.lease_duration = duration_cast<milliseconds>(flags.lease_duration);
    election.renew_deadline = duration_cast<milliseconds>(flags.renew_deadline);
    election.retry_period = duration_cast<milliseconds>(flags.retry_period);
    if (auto valid = autoscaler::ValidateLeaderElectionConfig(election); !valid.ok()) {
      LOG_ERROR("{}", valid.error().message);
      return 1;
    }
    elector = std::make_unique<autoscaler::LeaderElector>(client, election);
  }

  autoscaler::ControllerOptions options;
  options.namespace_name = flags.namespace_name;
  options.sync_period = duration_cast<milliseconds>(flags.sync_period);
  options.workers = flags.workers;
  options.hpa_class = flags.hpa_class;
  options.algorithm.tolerance = flags.tolerance;
  options.algorithm.cpu_initialization_period = duration_cast<autoscaler::hpa::Duration>(flags.cpu_initialization_period);
  options.algorithm.delay_of_initial_readiness_status =
      duration_cast<autoscaler::hpa::Duration>(flags.initial_readiness_delay);
  options.algorithm.downscale_stabilization = duration_cast<autoscaler::hpa::Duration>(flags.downscale_stabilization);

  autoscaler::HpaController::Dependencies deps;
  deps.rest = &client;
  deps.scale = &scale;
  deps.metrics = stream_metrics ? static_cast<autoscaler::MetricsClient*>(stream_metrics.get()) : &api_metrics;
  deps.events = &events;
  deps.pods = &pod_lister;
  deps.registry = &registry;
  if (elector) deps.is_leader = [&elector] { return elector->IsLeader(); };
  autoscaler::HpaController controller(deps, options);
  controller.Watch(hpas);

  // Health and self-metrics over HTTPS, like kube-controller-manager's secure port.
  std::unique_ptr<net::HttpServer> server;
  if (flags.secure_port > 0) {
    auto cert = common::LoadOrCreateServingCertificate(
        {.cert_file = flags.tls_cert_file, .key_file = flags.tls_key_file, .cert_dir = flags.cert_dir,
         .pair_name = "autoscaler"},
        std::chrono::system_clock::now());
    if (!cert.ok()) {
      LOG_ERROR("serving certificate: {}", cert.error().message);
      return 1;
    }
    net::ServerOptions server_options;
    server_options.endpoints.push_back({flags.bind_address, static_cast<uint16_t>(flags.secure_port)});
    server_options.tls = net::TlsServerConfig{.cert_pem = cert->cert_pem, .key_pem = cert->key_pem};
    auto started = net::HttpServer::Start(
        loop, server_options,
        [&](const net::HttpRequest& request, std::shared_ptr<net::Responder> responder) {
          if (request.path == "/healthz" || request.path == "/livez" || request.path == "/readyz") {
            const bool synced = hpas.HasSynced() && pods.HasSynced();
            responder->Respond(net::HttpResponse::Make(request.path == "/livez" || synced ? 200 : 503,
                                                       "text/plain; charset=utf-8", synced ? "ok" : "informers not synced"));
          } else if (request.path == "/metrics") {
            responder->Respond(net::HttpResponse::Make(200, common::kPrometheusTextContentType,
                                                       common::RenderPrometheusText(registry)));
          } else {
            responder->Respond(net::HttpResponse::Make(404, "text/plain; charset=utf-8", "404 page not found\n"));
          }
        });
    if (!started.ok()) {
      LOG_ERROR("cannot serve on {}:{}: {}", flags.bind_address, flags.secure_port, started.error().message);
      return 1;
    }
    server = std::move(*started);
  }

  hpas.Start();
  pods.Start();
  if (!hpas.WaitForSync(std::chrono::seconds(60)) || !pods.WaitForSync(std::chrono::seconds(60))) {
    LOG_WARNING("informers not synced after 60s; continuing, they keep retrying");
  }
  controller_ptr = &controller;
  controller.Start();
  if (elector) {
    elector->Start([] { LOG_INFO("became leader: scaling"); }, [] { LOG_WARNING("lost leadership: not scaling"); });
  }
  LOG_INFO("autoscaler running (sync period {}, {} workers, metrics from {})",
           common::FormatDuration(flags.sync_period), flags.workers,
           flags.grpc_address.empty() ? "metrics.k8s.io" : "gRPC stream " + flags.grpc_address);

  const int signal_number = common::WaitForTerminationSignal();
  LOG_INFO("received signal {}, shutting down", signal_number);

  controller_ptr = nullptr;
  controller.Stop();
  if (elector) elector->Stop();  // releases the lease so a standby takes over at once
  if (stream) stream->Stop();
  hpas.Stop();
  pods.Stop();
  if (server) server->Shutdown(std::chrono::seconds(2));
  loop.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  common::BlockTerminationSignals();

  Flags flags;
  common::CommandLine cli("autoscaler", "The HorizontalPodAutoscaler controller (autoscaling/v2), wire-compatible "
                                        "with kube-controller-manager's.");
  CLI::App& app = cli.app();
  app.add_option("--kubeconfig", flags.kubeconfig, "Path to a kubeconfig file; in-cluster config when empty.");
  app.add_option("--namespace", flags.namespace_name, "Only HPAs of this namespace; all namespaces when empty.");
  common::AddDurationFlag(app, "--horizontal-pod-autoscaler-sync-period", &flags.sync_period,
                          "The period for syncing the number of pods in horizontal pod autoscaler.");
  app.add_option("--concurrent-horizontal-pod-autoscaler-syncs", flags.workers,
                 "The number of horizontal pod autoscaler objects that are allowed to sync concurrently.")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--horizontal-pod-autoscaler-tolerance", flags.tolerance,
                 "The minimum change (from 1.0) in the desired-to-actual metrics ratio for the horizontal pod "
                 "autoscaler to consider scaling.")
      ->check(CLI::Range(0.0, 1.0e6))
      ->capture_default_str();
  common::AddDurationFlag(app, "--horizontal-pod-autoscaler-cpu-initialization-period",
                          &flags.cpu_initialization_period,
                          "The period after pod start when CPU samples might be skipped.");
  common::AddDurationFlag(app, "--horizontal-pod-autoscaler-initial-readiness-delay", &flags.initial_readiness_delay,
                          "The period after pod start during which readiness changes will be treated as initial "
                          "readiness.");
  common::AddDurationFlag(app, "--horizontal-pod-autoscaler-downscale-stabilization", &flags.downscale_stabilization,
                          "The period for which autoscaler will look backwards and not scale down below any "
                          "recommendation it made during that period.");
  common::AddBoolFlag(app, "--leader-elect", &flags.leader_elect,
                      "Start a leader election client and gain leadership before scaling (default true).");
  common::AddDurationFlag(app, "--leader-elect-lease-duration", &flags.lease_duration,
                          "The duration that non-leader candidates will wait before forcing leadership.");
  common::AddDurationFlag(app, "--leader-elect-renew-deadline", &flags.renew_deadline,
                          "The interval between attempts by the acting leader to renew before it stops leading.");
  common::AddDurationFlag(app, "--leader-elect-retry-period", &flags.retry_period,
                          "The duration clients should wait between attempting acquisition and renewal.");
  app.add_option("--leader-elect-resource-namespace", flags.lease_namespace, "Namespace of the leader-election Lease.")
      ->capture_default_str();
  app.add_option("--leader-elect-resource-name", flags.lease_name, "Name of the leader-election Lease.")
      ->capture_default_str();
  app.add_option("--metrics-server-grpc-address", flags.grpc_address,
                 "host:port of metrics-server's pod-metrics stream; resource metrics then arrive right after each "
                 "scrape, with metrics.k8s.io as the fallback. Empty: metrics.k8s.io only.");
  app.add_option("--metrics-server-grpc-ca-file", flags.grpc_ca_file, "CA bundle verifying the stream's server (TLS).");
  app.add_option("--metrics-server-grpc-cert-file", flags.grpc_cert_file, "Client certificate for the stream (mTLS).");
  app.add_option("--metrics-server-grpc-key-file", flags.grpc_key_file, "Client key for the stream (mTLS).");
  app.add_option("--metrics-server-grpc-server-name", flags.grpc_server_name,
                 "Name to verify in the stream server's certificate when it differs from the address.");
  app.add_option("--hpa-class", flags.hpa_class,
                 "Only act on HPAs annotated autoscaling.kma.io/class=<value> (to run beside another HPA "
                 "controller). Empty: every HPA.");
  app.add_option("--secure-port", flags.secure_port, "HTTPS port for /healthz and /metrics; 0 disables.")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--bind-address", flags.bind_address, "Address for --secure-port.")->capture_default_str();
  app.add_option("--cert-dir", flags.cert_dir, "Directory for the self-signed serving certificate.");
  app.add_option("--tls-cert-file", flags.tls_cert_file, "Serving certificate (PEM).");
  app.add_option("--tls-private-key-file", flags.tls_key_file, "Serving private key (PEM).");
  if (auto exit_code = cli.Parse(argc, argv)) return *exit_code;
  return Run(flags);
}
