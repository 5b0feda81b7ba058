#include "autoscaler/controller/hpa_controller.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/log.h"
#include "kube/client/object_meta.h"

namespace autoscaler {

// Self-metrics named as kube-controller-manager's (horizontal_pod_autoscaler_controller_*), so existing
// dashboards keep working.
struct HpaController::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : reconciliations(prometheus::BuildCounter()
                            .Name("horizontal_pod_autoscaler_controller_reconciliations_total")
                            .Help("Number of reconciliations of the HPA controller, by action and error.")
                            .Register(registry)),
        duration(prometheus::BuildHistogram()
                     .Name("horizontal_pod_autoscaler_controller_reconciliation_duration_seconds")
                     .Help("Time the HPA controller takes to reconcile one HPA, by action and error.")
                     .Register(registry)) {}

  void Observe(const std::string& action, const std::string& error, double seconds) {
    reconciliations.Add({{"action", action}, {"error", error}}).Increment();
    duration
        .Add({{"action", action}, {"error", error}},
             prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256,
                                                     0.512, 1.024, 2.048, 4.096, 8.192, 16.384})
        .Observe(seconds);
  }

  prometheus::Family<prometheus::Counter>& reconciliations;
  prometheus::Family<prometheus::Histogram>& duration;
};

hpa::Pod ToAlgorithmPod(const kube::Pod& pod) {
  hpa::Pod out;
  out.name = pod.name;
  out.labels = pod.labels;
  switch (pod.phase) {
    case kube::PodPhase::kPending: out.phase = hpa::PodPhase::kPending; break;
    case kube::PodPhase::kRunning: out.phase = hpa::PodPhase::kRunning; break;
    case kube::PodPhase::kSucceeded: out.phase = hpa::PodPhase::kSucceeded; break;
    case kube::PodPhase::kFailed: out.phase = hpa::PodPhase::kFailed; break;
    case kube::PodPhase::kUnknown: out.phase = hpa::PodPhase::kUnknown; break;
  }
  out.deletion_timestamp_set = pod.deletion_timestamp.has_value();
  out.start_time = pod.start_time;
  for (const auto& c : pod.conditions) {
    out.conditions.push_back({c.type, kube::ConditionStatusName(c.status),
                              c.last_transition_time.value_or(hpa::kGoZeroTime)});
  }
  auto convert = [](const kube::Container& c) {
    hpa::Container container;
    container.name = c.name;
    for (const auto& [resource, quantity] : c.requests) container.requests[resource] = quantity.MilliValue();
    container.restart_policy_always = c.restart_policy == "Always";
    return container;
  };
  for (const auto& c : pod.containers) out.containers.push_back(convert(c));
  for (const auto& c : pod.init_containers) out.init_containers.push_back(convert(c));
  return out;
}

std::vector<hpa::Pod> InformerPodLister::PodsInNamespace(const std::string& namespace_name) const {
  std::vector<hpa::Pod> pods;
  for (const auto& pod : informer_.store().ListByNamespace(namespace_name)) pods.push_back(ToAlgorithmPod(*pod));
  return pods;
}

const std::map<std::string, std::string>* InformerPodLister::Labels(const std::string& ns,
                                                                    const std::string& name) const {
  // The store hands out shared immutable objects; the pointer stays valid while the informer keeps the object,
  // which outlives a metrics query.
  auto pod = informer_.store().Get(ns, name);
  return pod ? &pod->labels : nullptr;
}

HpaController::HpaController(Dependencies deps, ControllerOptions options)
    : deps_(std::move(deps)), options_(std::move(options)) {
  if (!deps_.clock) deps_.clock = [] { return std::chrono::system_clock::now(); };
  if (deps_.registry != nullptr) metrics_ = std::make_unique<Metrics>(*deps_.registry);
}

HpaController::~HpaController() { Stop(); }

bool HpaController::Selected(const HpaObject& hpa) const {
  if (options_.hpa_class.empty()) return true;
  auto it = hpa.annotations.find(kHpaClassAnnotation);
  return it != hpa.annotations.end() && it->second == options_.hpa_class;
}

void HpaController::Watch(kube::Informer<HpaObject>& hpas) {
  informer_ = &hpas;
  auto key_of = [](const HpaObject& o) { return kube::ObjectKey(o.hpa.namespace_name, o.hpa.name); };
  hpas.AddHandlers({
      .on_add = [this, key_of](const HpaObject& o) { queue_.Add(key_of(o)); },
      // Our own status writes come back as updates; only spec changes (a new generation) deserve an immediate
      // pass, the rest waits for the periodic resync.
      .on_update =
          [this, key_of](const HpaObject& old_object, const HpaObject& new_object) {
            if (old_object.generation != new_object.generation || old_object.annotations != new_object.annotations) {
              queue_.Add(key_of(new_object));
            }
          },
      .on_delete =
          [this, key_of](const HpaObject& o) {
            const std::string key = key_of(o);
            queue_.Forget(key);
            std::lock_guard lock(mu_);
            memory_.erase(key);
            if (auto it = selectors_.find(o.hpa.namespace_name); it != selectors_.end()) {
              it->second.erase(o.hpa.name);
              if (it->second.empty()) selectors_.erase(it);
            }
          },
  });
}

void HpaController::Start() {
  if (running_.exchange(true)) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { Worker(); });
}

void HpaController::Stop() {
  if (!running_.exchange(false)) return;
  queue_.ShutDown();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void HpaController::EnqueueAll() {
  if (informer_ == nullptr) return;
  for (const auto& key : informer_->store().Keys()) queue_.Add(key);
}

void HpaController::Worker() {
  while (auto key = queue_.Get()) {
    Process(*key);
    queue_.Done(*key);
  }
}

void HpaController::Process(const std::string& key) {
  if (informer_ == nullptr) return;
  auto object = informer_->store().Get(key);
  if (!object) return;  // deleted; on_delete already cleaned up
  // Every HPA is looked at again after the sync period, whatever happens now (upstream's fixed-interval requeue).
  queue_.AddAfter(key, options_.sync_period);
  if (!Selected(*object)) return;
  if (deps_.is_leader && !deps_.is_leader()) return;
  if (auto error = Reconcile(*object)) {
    LOG_WARNING("failed to reconcile HPA {}: {}", key, *error);
  }
}

common::Status HpaController::WriteStatus(const HpaObject& object, const hpa::HpaStatus& status) {
  const std::string path = "/apis/autoscaling/v2/namespaces/" + object.hpa.namespace_name +
                           "/horizontalpodautoscalers/" + object.hpa.name + "/status";
  std::string raw = object.raw_json;
  int64_t generation = object.generation;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto body = EncodeStatusUpdate(raw, status, generation);
    if (!body.ok()) return body.error();
    auto updated = deps_.rest->Update(path, *body);
    if (updated.ok()) return common::Status::Ok();
    if (updated.error().code != common::ErrorCode::kConflict) return updated.error();
    // Someone changed the object (e.g. the user edited the spec): write our status over the newest version.
    auto fresh = deps_.rest->Get(path.substr(0, path.size() - std::string("/status").size()));
    if (!fresh.ok()) return fresh.error();
    auto decoded = DecodeHpaJson(*fresh);
    if (!decoded.ok()) return decoded.error();
    raw = decoded->raw_json;
    generation = decoded->generation;
  }
  return common::Error::Make(common::ErrorCode::kConflict, "status update kept conflicting");
}

std::optional<std::string> HpaController::Reconcile(const HpaObject& object) {
  const auto started = std::chrono::steady_clock::now();
  const std::string key = kube::ObjectKey(object.hpa.namespace_name, object.hpa.name);
  const std::string& ns = object.hpa.namespace_name;

  hpa::ReconcileInput input;
  input.hpa = object.hpa;
  input.config = options_.algorithm;
  input.now = std::chrono::time_point_cast<hpa::Duration>(deps_.clock());

  auto scale = deps_.scale->Get(ns, object.hpa.spec.scale_target_ref);
  if (scale.ok()) {
    input.scale = scale->view;
    std::lock_guard lock(mu_);
    selectors_[ns][object.hpa.name] = scale->view.selector;
  } else {
    input.scale = scale.error();
  }
  {
    std::lock_guard lock(mu_);
    if (auto it = memory_.find(key); it != memory_.end()) input.memory = it->second;
    if (auto it = selectors_.find(ns); it != selectors_.end()) {
      for (const auto& [name, selector] : it->second) {
        if (name != object.hpa.name) input.other_hpas.push_back({name, selector});
      }
    }
  }
  if (scale.ok()) {
    input.pods = deps_.pods->PodsInNamespace(ns);
    auto plan = hpa::PlanMetricQueries(object.hpa.spec, scale->view.selector);
    input.metric_answers = FetchMetrics(*deps_.metrics, ns, plan);
  }

  const int32_t before = scale.ok() ? scale->view.spec_replicas : 0;
  hpa::ReconcileOutput output = hpa::RunReconcile(input, [&](int32_t replicas) -> common::Status {
    // Re-check just before the write: leadership may have been lost while metrics were fetched.
    if (deps_.is_leader && !deps_.is_leader()) {
      return common::Error::Make(common::ErrorCode::kUnavailable, "not the leader any more");
    }
    return deps_.scale->Update(ns, object.hpa.spec.scale_target_ref, replicas);
  });

  InvolvedObject involved{"HorizontalPodAutoscaler", "autoscaling/v2", ns, object.hpa.name, object.uid,
                          object.resource_version};
  for (const auto& e : output.events) deps_.events->Record(involved, e.type, e.reason, e.message);
  if (output.status_changed || object.hpa.status.conditions.empty()) {
    if (auto written = WriteStatus(object, output.status); !written.ok()) {
      // Upstream's updateStatus: a Warning event with the bare error, and the error returned for the log.
      deps_.events->Record(involved, hpa::kEventWarning, "FailedUpdateStatus", written.error().message);
      if (!output.error) {
        output.error = "failed to update status for " + object.hpa.name + ": " + written.error().message;
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    memory_[key] = std::move(output.memory);
  }

  if (metrics_) {
    std::string action = "none";
    if (output.scale_updated) action = output.desired_replicas > before ? "scale_up" : "scale_down";
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_->Observe(action, output.error ? "internal" : "none", seconds);
  }
  if (output.scale_updated) {
    LOG_INFO("HPA {}: scaled {} from {} to {}", key, object.hpa.spec.scale_target_ref.name, before,
             output.desired_replicas);
  }
  return output.error;
}

}  // namespace autoscaler
