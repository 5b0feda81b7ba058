#include "metrics-server/stream/stream_client.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "metrics-server/stream/metrics_stream.grpc.pb.h"
#include "metrics-server/stream/stream_convert.h"

namespace metrics_server {
namespace {

namespace pb = kma::metricsstream::v1;

class GrpcStreamClient final : public StreamClient {
 public:
  GrpcStreamClient(StreamClientOptions options, std::shared_ptr<grpc::Channel> channel,
                   std::function<void(const StreamState&)> on_batch)
      : options_(std::move(options)),
        stub_(pb::PodMetricsStream::NewStub(channel)),
        on_batch_(std::move(on_batch)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~GrpcStreamClient() override { Stop(); }

  StreamState Latest() const override {
    std::lock_guard lock(mu_);
    return state_;
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) {
        // Already stopping; join below if still joinable.
      }
      stopping_ = true;
      if (context_ != nullptr) context_->TryCancel();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    auto backoff = options_.initial_backoff;
    while (true) {
      grpc::ClientContext context;
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        context_ = &context;
      }
      pb::WatchPodMetricsRequest request;
      for (const auto& ns : options_.namespaces) request.add_namespaces(ns);
      std::unique_ptr<grpc::ClientReader<pb::PodMetricsBatch>> reader = stub_->WatchPodMetrics(&context, request);
      pb::PodMetricsBatch batch;
      bool received = false;
      while (reader->Read(&batch)) {
        // Transitions only: a metrics-server that is away for minutes must not fill the log.
        if (!received) LOG_INFO("metrics stream from {} connected", options_.target);
        received = true;
        failing_ = false;
        StreamState snapshot;
        {
          std::lock_guard lock(mu_);
          state_.connected = true;
          state_.generation = batch.generation();
          state_.received_at = std::chrono::steady_clock::now();
          state_.scrape_time = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
              std::chrono::nanoseconds(batch.scrape_time_unix_nanos())));
          state_.pods = std::make_shared<const std::vector<PodMetricsPoint>>(FromBatch(batch));
          state_.last_error.clear();
          snapshot = state_;
        }
        backoff = options_.initial_backoff;
        if (on_batch_) on_batch_(snapshot);
      }
      grpc::Status status = reader->Finish();
      std::unique_lock lock(mu_);
      context_ = nullptr;
      state_.connected = false;
      state_.last_error = status.ok() ? "stream ended by server" : status.error_message();
      if (stopping_) return;
      if (received) {
        LOG_WARNING("metrics stream from {} lost ({}); reconnecting, metrics.k8s.io answers meanwhile",
                    options_.target, state_.last_error);
      } else if (!failing_) {
        LOG_WARNING("metrics stream from {} unavailable ({}); retrying every {}ms at most", options_.target,
                    state_.last_error, options_.max_backoff.count());
        failing_ = true;
      }
      wake_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }

  const StreamClientOptions options_;
  std::unique_ptr<pb::PodMetricsStream::Stub> stub_;
  std::function<void(const StreamState&)> on_batch_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  StreamState state_;
  grpc::ClientContext* context_ = nullptr;  // the open stream's context, for cancellation
  bool stopping_ = false;
  bool failing_ = false;  // attempts have failed since the last batch (said once in the log)
  std::thread thread_;
};

}  // namespace

common::Result<std::unique_ptr<StreamClient>> StreamClient::Start(StreamClientOptions options,
                                                                  std::function<void(const StreamState&)> on_batch) {
  if (options.target.empty()) {
    return common::Error::Make(common::ErrorCode::kInvalidArgument, "gRPC stream: empty target address");
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments args;
  if (options.ca_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    ssl.pem_cert_chain = options.cert_pem;
    ssl.pem_private_key = options.key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.server_name_override.empty()) {
      args.SetSslTargetNameOverride(options.server_name_override);
    }
  }
  // Keepalive pings notice a dead metrics-server even when no batch is due.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetMaxReceiveMessageSize(256 << 20);
  auto channel = grpc::CreateCustomChannel(options.target, credentials, args);
  return std::unique_ptr<StreamClient>(
      std::make_unique<GrpcStreamClient>(std::move(options), std::move(channel), std::move(on_batch)));
}

}  // namespace metrics_server
