#include "metrics-server/stream/stream_server.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "metrics-server/stream/metrics_stream.grpc.pb.h"
#include "metrics-server/stream/stream_convert.h"

namespace metrics_server {
namespace {

namespace pb = kma::metricsstream::v1;

class PodMetricsStreamService final : public pb::PodMetricsStream::Service {
 public:
  explicit PodMetricsStreamService(const SnapshotBroadcaster& broadcaster) : broadcaster_(broadcaster) {}

  void Stop() { stopping_ = true; }

  grpc::Status WatchPodMetrics(grpc::ServerContext* context, const pb::WatchPodMetricsRequest* request,
                               grpc::ServerWriter<pb::PodMetricsBatch>* writer) override {
    const std::vector<std::string> namespaces(request->namespaces().begin(), request->namespaces().end());
    uint64_t sent_generation = 0;
    // Wake up at least once a second to notice cancelled clients and shutdown.
    while (!context->IsCancelled() && !stopping_ && !broadcaster_.IsShutdown()) {
      auto latest = broadcaster_.WaitNewer(sent_generation, std::chrono::steady_clock::now() + std::chrono::seconds(1));
      if (latest.snapshot == nullptr || latest.generation == sent_generation) continue;
      pb::PodMetricsBatch batch = ToBatch(*latest.snapshot, latest.generation, namespaces);
      if (!writer->Write(batch)) break;  // client went away
      sent_generation = latest.generation;
    }
    return grpc::Status::OK;
  }

 private:
  const SnapshotBroadcaster& broadcaster_;
  std::atomic<bool> stopping_{false};
};

class GrpcStreamServer final : public StreamServer {
 public:
  GrpcStreamServer(std::unique_ptr<PodMetricsStreamService> service, std::unique_ptr<grpc::Server> server, int port)
      : service_(std::move(service)), server_(std::move(server)), port_(port) {}
  ~GrpcStreamServer() override { Shutdown(); }

  int port() const override { return port_; }

  void Shutdown() override {
    if (server_ == nullptr) return;
    service_->Stop();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
  }

 private:
  std::unique_ptr<PodMetricsStreamService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
};

}  // namespace

common::Result<std::unique_ptr<StreamServer>> StreamServer::Start(const StreamServerOptions& options,
                                                                   const SnapshotBroadcaster& broadcaster) {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (options.cert_pem.empty() != options.key_pem.empty()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument,
                               "gRPC stream: both a certificate and a private key are needed for TLS");
  }
  if (options.cert_pem.empty()) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions ssl(options.client_ca_pem.empty()
                                              ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                              : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = options.client_ca_pem;
    ssl.pem_key_cert_pairs.push_back({options.key_pem, options.cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  auto service = std::make_unique<PodMetricsStreamService>(broadcaster);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.address, credentials, &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return common::Error::Make(common::ErrorCode::kUnavailable,
                               "gRPC stream: cannot listen on " + options.address + " (bad address, port in use, or bad TLS material)");
  }
  return std::unique_ptr<StreamServer>(std::make_unique<GrpcStreamServer>(std::move(service), std::move(server), port));
}

}  // namespace metrics_server
