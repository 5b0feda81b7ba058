#include "autoscaler/algorithm/reconcile.h"

#include <algorithm>
#include <set>
#include <variant>

#include "autoscaler/algorithm/label_selector.h"

namespace autoscaler::hpa {
namespace {

common::Error NotFetched() {
  return common::Error::Make(common::ErrorCode::kInternal, "metric was not fetched");
}

template <typename T>
common::Result<T> AnswerOrError(const std::optional<common::Result<T>>& answer) {
  if (!answer) return NotFetched();
  return *answer;
}

// Mutable state of one pass; mirrors the HPA object upstream mutates in place.
struct Pass {
  const ReconcileInput& in;
  HpaStatus status;
  std::vector<Event> events;
  HpaMemory memory;

  void Condition(const std::string& type, const std::string& st, const std::string& reason,
                 const std::string& message) {
    SetCondition(status.conditions, type, st, reason, message, in.now);
  }
  void Emit(const char* type, const std::string& reason, const std::string& message) {
    events.push_back(Event{type, reason, message});
  }
};

// A metric that produced a proposal.
struct Proposal {
  int32_t replicas = 0;
  std::string metric_name;  // human-readable, used in the rescale reason and ValidMetricFound message
  Time timestamp{};
  MetricStatus status;
};

// A metric that failed: the ScalingActive condition it would set, and the error.
struct Failure {
  std::string reason;
  std::string condition_message;
  std::string error;
};

// upstream getUnableComputeReplicaCountCondition: emits a Warning event and prepares the condition.
Failure Unable(Pass& pass, const std::string& reason, const std::string& inner_error, std::string outer_error) {
  pass.Emit(kEventWarning, reason, inner_error);
  return Failure{reason, "the HPA was unable to compute the replica count: " + inner_error, std::move(outer_error)};
}

using MetricOutcome = std::variant<Proposal, Failure>;

struct MetricContext {
  Pass& pass;
  const ScaleView& scale;
  const PodRefs& pods;
  const Tolerances& tolerances;
  ReplicaCalcConfig calc;
};

MetricOutcome ComputeResourceLike(MetricContext& ctx, const MetricSpec& spec, const MetricAnswer& answer) {
  bool container = spec.type == MetricSourceType::kContainerResource;
  const std::string reason = container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
  auto outer = [&](const std::string& err) {
    return container ? "failed to get " + spec.container + " container metric value: " + err
                     : "failed to get " + spec.resource_name + " resource metric value: " + err;
  };
  auto metrics = AnswerOrError(answer.resource);
  const std::string& resource = spec.resource_name;
  Proposal p;
  p.status.type = spec.type;
  p.status.resource_name = resource;
  p.status.container = spec.container;

  if (spec.target.average_value_milli) {
    auto r = GetRawResourceReplicas(ctx.calc, ctx.scale.spec_replicas, *spec.target.average_value_milli, resource,
                                    spec.container, ctx.tolerances, ctx.pods, metrics);
    if (!r.ok()) {
      std::string err = "failed to get " + resource + " usage: " + r.error().message;
      return Unable(ctx.pass, reason, err, outer(err));
    }
    p.replicas = r->replicas;
    p.timestamp = r->timestamp;
    p.metric_name = resource + " resource";
    p.status.current.average_value_milli = r->usage_milli;
    return p;
  }
  if (!spec.target.average_utilization) {
    std::string err =
        "invalid resource metric source: neither an average utilization target nor an average value (usage) target "
        "was set";
    return Unable(ctx.pass, reason, err, outer(err));
  }
  auto r = GetResourceReplicas(ctx.calc, ctx.scale.spec_replicas, *spec.target.average_utilization, resource,
                               spec.container, ctx.tolerances, ctx.pods, metrics);
  if (!r.ok()) {
    std::string err = "failed to get " + resource + " utilization: " + r.error().message;
    return Unable(ctx.pass, reason, err, outer(err));
  }
  p.replicas = r->replicas;
  p.timestamp = r->timestamp;
  p.metric_name = container ? resource + " container resource utilization (percentage of request)"
                            : resource + " resource utilization (percentage of request)";
  p.status.current.average_utilization = r->utilization;
  p.status.current.average_value_milli = r->raw_average_milli;
  return p;
}

MetricOutcome ComputePods(MetricContext& ctx, const MetricSpec& spec, const MetricAnswer& answer) {
  const std::string reason = "FailedGetPodsMetric";
  auto outer = [](const std::string& err) { return "failed to get pods metric value: " + err; };
  if (spec.metric.selector) {
    auto sel = ToKubeSelector(*spec.metric.selector);
    if (!sel.ok()) return Unable(ctx.pass, reason, sel.error().message, outer(sel.error().message));
  }
  if (!spec.target.average_value_milli) {
    std::string err = "invalid pods metric source: the average value target was not set";
    return Unable(ctx.pass, reason, err, outer(err));
  }
  auto r = GetMetricReplicas(ctx.calc, ctx.scale.spec_replicas, *spec.target.average_value_milli, spec.metric.name,
                             ctx.tolerances, ctx.pods, AnswerOrError(answer.pods));
  if (!r.ok()) return Unable(ctx.pass, reason, r.error().message, outer(r.error().message));
  Proposal p;
  p.replicas = r->replicas;
  p.timestamp = r->timestamp;
  p.metric_name = "pods metric " + spec.metric.name;
  p.status.type = MetricSourceType::kPods;
  p.status.metric = spec.metric;
  p.status.current.average_value_milli = r->usage_milli;
  return p;
}

MetricOutcome ComputeObject(MetricContext& ctx, const MetricSpec& spec, const MetricAnswer& answer) {
  const std::string reason = "FailedGetObjectMetric";
  auto outer = [](const std::string& err) { return "failed to get object metric value: " + err; };
  if (spec.metric.selector) {
    auto sel = ToKubeSelector(*spec.metric.selector);
    if (!sel.ok()) return Unable(ctx.pass, reason, sel.error().message, outer(sel.error().message));
  }
  const std::string& ns = ctx.pass.in.hpa.namespace_name;
  Proposal p;
  p.status.type = MetricSourceType::kObject;
  p.status.described_object = spec.described_object;
  p.status.metric = spec.metric;
  auto object_answer = AnswerOrError(answer.object);
  if (spec.target.type == MetricTargetType::kValue && spec.target.value_milli) {
    auto r = GetObjectMetricReplicas(ctx.scale.spec_replicas, *spec.target.value_milli, spec.metric.name, ns,
                                     spec.described_object, ctx.tolerances, ctx.pods, object_answer);
    if (!r.ok()) return Unable(ctx.pass, reason, r.error().message, outer(r.error().message));
    p.replicas = r->replicas;
    p.timestamp = r->timestamp;
    p.metric_name = spec.described_object.kind + " metric " + spec.metric.name;
    p.status.current.value_milli = r->usage_milli;
    return p;
  }
  if (spec.target.type == MetricTargetType::kAverageValue && spec.target.average_value_milli) {
    auto r = GetObjectPerPodMetricReplicas(ctx.scale.status_replicas, *spec.target.average_value_milli,
                                           spec.metric.name, ns, spec.described_object, ctx.tolerances,
                                           object_answer);
    if (!r.ok()) {
      return Unable(ctx.pass, reason, r.error().message,
                    outer("failed to get " + spec.metric.name + " object metric: " + r.error().message));
    }
    p.replicas = r->replicas;
    p.timestamp = r->timestamp;
    // Upstream's (copied) wording for this case.
    p.metric_name = "external metric " + spec.metric.name + "(" + FormatLabelSelectorGo(spec.metric.selector) + ")";
    p.status.current.average_value_milli = r->usage_milli;
    return p;
  }
  std::string err = "invalid object metric source: neither a value target nor an average value target was set";
  return Unable(ctx.pass, reason, err, outer(err));
}

MetricOutcome ComputeExternal(MetricContext& ctx, const MetricSpec& spec, const MetricAnswer& answer) {
  const std::string reason = "FailedGetExternalMetric";
  const std::string& name = spec.metric.name;
  auto outer = [&](const std::string& err) { return "failed to get " + name + " external metric value: " + err; };
  const std::string& ns = ctx.pass.in.hpa.namespace_name;
  auto values = AnswerOrError(answer.external);
  Proposal p;
  p.status.type = MetricSourceType::kExternal;
  p.status.metric = spec.metric;
  p.metric_name = "external metric " + name + "(" + FormatLabelSelectorGo(spec.metric.selector) + ")";
  if (spec.target.average_value_milli) {
    auto r = GetExternalPerPodMetricReplicas(ctx.scale.status_replicas, *spec.target.average_value_milli, name, ns,
                                             spec.metric.selector, ctx.tolerances, values);
    if (!r.ok()) {
      return Unable(ctx.pass, reason, r.error().message,
                    outer("failed to get " + name + " external metric: " + r.error().message));
    }
    p.replicas = r->replicas;
    p.timestamp = r->timestamp;
    p.status.current.average_value_milli = r->usage_milli;
    return p;
  }
  if (spec.target.value_milli) {
    auto r = GetExternalMetricReplicas(ctx.scale.spec_replicas, *spec.target.value_milli, name, ns,
                                       spec.metric.selector, ctx.tolerances, ctx.pods, values);
    if (!r.ok()) {
      return Unable(ctx.pass, reason, r.error().message,
                    outer("failed to get external metric " + name + ": " + r.error().message));
    }
    p.replicas = r->replicas;
    p.timestamp = r->timestamp;
    p.status.current.value_milli = r->usage_milli;
    return p;
  }
  std::string err = "invalid external metric source: neither a value target nor an average value target was set";
  return Unable(ctx.pass, reason, err, outer(err));
}

MetricOutcome ComputeMetric(MetricContext& ctx, const MetricSpec& spec, const MetricAnswer& answer) {
  switch (spec.type) {
    case MetricSourceType::kResource:
    case MetricSourceType::kContainerResource: return ComputeResourceLike(ctx, spec, answer);
    case MetricSourceType::kPods: return ComputePods(ctx, spec, answer);
    case MetricSourceType::kObject: return ComputeObject(ctx, spec, answer);
    case MetricSourceType::kExternal: return ComputeExternal(ctx, spec, answer);
    case MetricSourceType::kUnknown: break;
  }
  std::string err = "unknown metric source type \"" + spec.type_name + "\"";
  return Unable(ctx.pass, "InvalidMetricSourceType", err, err);
}

// Result of upstream computeReplicasForMetrics. replicas == -1 means "failed, do not scale".
struct MetricsResult {
  int32_t replicas = 0;
  std::string metric_name;
  std::vector<MetricStatus> statuses;
  std::optional<std::string> error;
};

// upstream validateAndParseSelector. Returns the pods the HPA targets, or an error after setting the condition.
common::Result<PodRefs> SelectPods(Pass& pass, const std::string& selector_text) {
  const Hpa& hpa = pass.in.hpa;
  auto invalid = [](std::string message) { return common::Error::Make(common::ErrorCode::kInvalidArgument, message); };
  if (selector_text.empty()) {
    pass.Emit(kEventWarning, "SelectorRequired", "selector is required");
    pass.Condition(kScalingActive, kConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector");
    return invalid("selector is required");
  }
  auto selector = kube::LabelSelector::Parse(selector_text);
  if (!selector.ok()) {
    std::string msg =
        "couldn't convert selector into a corresponding internal selector object: " + selector.error().message;
    pass.Emit(kEventWarning, "InvalidSelector", msg);
    pass.Condition(kScalingActive, kConditionFalse, "InvalidSelector", msg);
    return invalid(msg);
  }
  PodRefs pods;
  for (const Pod& pod : pass.in.pods) {
    if (SelectorMatches(*selector, pod.labels)) pods.push_back(&pod);
  }
  // Every HPA whose selector matches one of these pods controls it; more than one (this HPA included) is ambiguous.
  std::set<std::string> controlling;
  if (!pods.empty()) controlling.insert(hpa.namespace_name + "/" + hpa.name);
  for (const OtherHpa& other : pass.in.other_hpas) {
    if (other.name == hpa.name) continue;
    auto other_selector = kube::LabelSelector::Parse(other.selector);
    if (!other_selector.ok() || other_selector->Empty()) continue;
    for (const Pod* pod : pods) {
      if (SelectorMatches(*other_selector, pod->labels)) {
        controlling.insert(hpa.namespace_name + "/" + other.name);
        break;
      }
    }
  }
  if (controlling.size() > 1) {
    std::string list;
    for (const auto& key : controlling) list += (list.empty() ? "" : " ") + key;
    std::string msg = "pods by selector " + selector_text + " are controlled by multiple HPAs: [" + list + "]";
    pass.Emit(kEventWarning, "AmbiguousSelector", msg);
    pass.Condition(kScalingActive, kConditionFalse, "AmbiguousSelector", msg);
    return invalid(msg);
  }
  return pods;
}

MetricsResult ComputeReplicasForMetrics(Pass& pass, const ScaleView& scale) {
  MetricsResult out;
  auto pods = SelectPods(pass, scale.selector);
  if (!pods.ok()) {
    out.replicas = -1;
    out.error = pods.error().message;
    return out;
  }
  const HpaSpec& spec = pass.in.hpa.spec;
  Tolerances tolerances = TolerancesForHpa(spec, pass.in.config);
  ReplicaCalcConfig calc{pass.in.now, pass.in.config.cpu_initialization_period,
                         pass.in.config.delay_of_initial_readiness_status, pass.in.config.pod_level_resources};
  MetricContext ctx{pass, scale, *pods, tolerances, calc};

  out.statuses.resize(spec.metrics.size());
  int invalid_count = 0;
  std::optional<Failure> first_failure;
  static const MetricAnswer kNoAnswer;
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const MetricAnswer& answer = i < pass.in.metric_answers.size() ? pass.in.metric_answers[i] : kNoAnswer;
    MetricOutcome outcome = ComputeMetric(ctx, spec.metrics[i], answer);
    if (auto* failure = std::get_if<Failure>(&outcome)) {
      if (!first_failure) first_failure = *failure;
      ++invalid_count;
      continue;
    }
    Proposal& p = std::get<Proposal>(outcome);
    out.statuses[i] = p.status;
    if (out.replicas == 0 || p.replicas > out.replicas) {
      out.replicas = p.replicas;
      out.metric_name = p.metric_name;
    }
  }
  if (first_failure) {
    out.error = "invalid metrics (" + std::to_string(invalid_count) + " invalid out of " +
                std::to_string(spec.metrics.size()) + "), first error is: " + first_failure->error;
  }
  // All metrics failed, or some failed and the others would scale down: a missing metric might have asked for
  // more, so do not act.
  bool all_invalid = invalid_count >= static_cast<int>(spec.metrics.size());
  if (all_invalid || (invalid_count > 0 && out.replicas < scale.spec_replicas)) {
    if (first_failure) {
      pass.Condition(kScalingActive, kConditionFalse, first_failure->reason, first_failure->condition_message);
    } else {
      // No metrics at all (API defaulting normally prevents this).
      out.error = "no metrics specified";
      pass.Condition(kScalingActive, kConditionFalse, "InvalidMetricSourceType",
                     "the HPA was unable to compute the replica count: no metrics specified");
    }
    out.replicas = -1;
    return out;
  }
  pass.Condition(kScalingActive, kConditionTrue, "ValidMetricFound",
                 "the HPA was able to successfully calculate a replica count from " + out.metric_name);
  return out;
}

int32_t NormalizeWithoutBehavior(Pass& pass, int32_t current, int32_t prenormalized, int32_t min_replicas) {
  const ControllerConfig& config = pass.in.config;
  auto& recs = *pass.memory.recommendations;
  int32_t stabilized = StabilizeRecommendation(recs, prenormalized, config.downscale_stabilization, pass.in.now);
  if (stabilized != prenormalized) {
    pass.Condition(kAbleToScale, kConditionTrue, "ScaleDownStabilized",
                   "recent recommendations were higher than current one, applying the highest recent recommendation");
  } else {
    pass.Condition(kAbleToScale, kConditionTrue, "ReadyForNewScale", "recommended size matches current size");
  }
  LimitedReplicas limited =
      ConvertDesiredReplicasWithRules(current, stabilized, min_replicas, pass.in.hpa.spec.max_replicas,
                                      config.scale_up_limit_factor, config.scale_up_limit_minimum);
  pass.Condition(kScalingLimited, limited.replicas == stabilized ? kConditionFalse : kConditionTrue, limited.reason,
                 limited.message);
  return limited.replicas;
}

int32_t NormalizeWithBehavior(Pass& pass, int32_t current, int32_t prenormalized, int32_t min_replicas) {
  const Behavior& behavior = *pass.in.hpa.spec.behavior;
  // The spec is normally defaulted already; defaulting again is a no-op then and keeps us safe otherwise.
  ScalingRules up = DefaultScaleUpRules(behavior.scale_up);
  ScalingRules down = DefaultScaleDownRules(behavior.scale_down);
  // An unset scale-down window means the controller's --horizontal-pod-autoscaler-downscale-stabilization.
  Duration down_window = down.stabilization_window_seconds ? Seconds(*down.stabilization_window_seconds)
                                                           : pass.in.config.downscale_stabilization;
  Duration up_window = Seconds(up.stabilization_window_seconds.value_or(0));
  auto& recs = *pass.memory.recommendations;
  StabilizedReplicas stabilized =
      StabilizeRecommendationWithBehaviors(recs, current, prenormalized, up_window, down_window, pass.in.now);
  if (stabilized.replicas != prenormalized) {
    pass.Condition(kAbleToScale, kConditionTrue, stabilized.reason, stabilized.message);
  } else {
    pass.Condition(kAbleToScale, kConditionTrue, "ReadyForNewScale", "recommended size matches current size");
  }
  LimitedReplicas limited = ConvertDesiredReplicasWithBehaviorRate(
      current, stabilized.replicas, min_replicas, pass.in.hpa.spec.max_replicas, up, down,
      pass.memory.scale_up_events, pass.memory.scale_down_events, pass.in.now);
  pass.Condition(kScalingLimited, limited.replicas == stabilized.replicas ? kConditionFalse : kConditionTrue,
                 limited.reason, limited.message);
  return limited.replicas;
}

ReconcileOutput Finish(Pass& pass, std::optional<std::string> error) {
  ReconcileOutput out;
  out.status = std::move(pass.status);
  out.desired_replicas = out.status.desired_replicas;
  out.status_changed = !(out.status == pass.in.hpa.status);
  out.events = std::move(pass.events);
  out.memory = std::move(pass.memory);
  out.error = std::move(error);
  return out;
}

std::string Reference(const Hpa& hpa) {
  return hpa.spec.scale_target_ref.kind + "/" + hpa.namespace_name + "/" + hpa.spec.scale_target_ref.name;
}

// upstream setStatus: a fresh status that keeps the conditions and (unless rescaled now) the last scale time.
void SetStatus(Pass& pass, int32_t current, int32_t desired, std::vector<MetricStatus> metrics, bool rescaled) {
  pass.status.current_replicas = current;
  pass.status.desired_replicas = desired;
  pass.status.current_metrics = std::move(metrics);
  if (rescaled) pass.status.last_scale_time = pass.in.now;
}

}  // namespace

const char* MetricSourceTypeName(MetricSourceType type) {
  switch (type) {
    case MetricSourceType::kObject: return "Object";
    case MetricSourceType::kPods: return "Pods";
    case MetricSourceType::kResource: return "Resource";
    case MetricSourceType::kContainerResource: return "ContainerResource";
    case MetricSourceType::kExternal: return "External";
    case MetricSourceType::kUnknown: break;
  }
  return "";
}

void SetCondition(std::vector<HpaCondition>& conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, Time now) {
  auto it = std::find_if(conditions.begin(), conditions.end(), [&](const HpaCondition& c) { return c.type == type; });
  if (it == conditions.end()) {
    conditions.push_back(HpaCondition{type, "", "", "", {}});
    it = conditions.end() - 1;
  }
  if (it->status != status) it->last_transition_time = now;
  it->status = status;
  it->reason = reason;
  it->message = message;
}

Tolerances TolerancesForHpa(const HpaSpec& spec, const ControllerConfig& config) {
  Tolerances t{config.tolerance, config.tolerance};
  if (!spec.behavior || !config.configurable_tolerance) return t;
  if (spec.behavior->scale_down && spec.behavior->scale_down->tolerance) {
    t.scale_down = *spec.behavior->scale_down->tolerance;
  }
  if (spec.behavior->scale_up && spec.behavior->scale_up->tolerance) t.scale_up = *spec.behavior->scale_up->tolerance;
  return t;
}

std::vector<MetricQuery> PlanMetricQueries(const HpaSpec& spec, const std::string& pod_selector) {
  std::vector<MetricQuery> out;
  for (const MetricSpec& m : spec.metrics) {
    MetricQuery q;
    std::string metric_selector;
    if (m.metric.selector) {
      auto sel = ToKubeSelector(*m.metric.selector);
      if (sel.ok()) metric_selector = sel->ToString();
    }
    switch (m.type) {
      case MetricSourceType::kResource:
      case MetricSourceType::kContainerResource:
        q.api = MetricsApi::kResource;
        q.resource = m.resource_name;
        q.container = m.type == MetricSourceType::kContainerResource ? m.container : "";
        q.pod_selector = pod_selector;
        break;
      case MetricSourceType::kPods:
        q.api = MetricsApi::kCustomPods;
        q.metric_name = m.metric.name;
        q.pod_selector = pod_selector;
        q.metric_selector = metric_selector;
        break;
      case MetricSourceType::kObject:
        q.api = MetricsApi::kCustomObject;
        q.metric_name = m.metric.name;
        q.metric_selector = metric_selector;
        q.object = m.described_object;
        break;
      case MetricSourceType::kExternal:
        q.api = MetricsApi::kExternal;
        q.metric_name = m.metric.name;
        q.metric_selector = metric_selector;
        break;
      case MetricSourceType::kUnknown: break;
    }
    out.push_back(std::move(q));
  }
  return out;
}

ReconcileOutput Reconcile(const ReconcileInput& in) {
  Pass pass{in, in.hpa.status, {}, in.memory};
  const Hpa& hpa = in.hpa;
  const std::string reference = Reference(hpa);

  if (!in.scale.ok()) {
    const std::string& err = in.scale.error().message;
    pass.Emit(kEventWarning, "FailedGetScale", err);
    pass.Condition(kAbleToScale, kConditionFalse, "FailedGetScale",
                   "the HPA controller was unable to get the target's current scale: " + err);
    return Finish(pass, "failed to query scale subresource for " + reference + ": " + err);
  }
  const ScaleView& scale = *in.scale;
  pass.Condition(kAbleToScale, kConditionTrue, "SucceededGetScale",
                 "the HPA controller was able to get the target's current scale");
  const int32_t current = scale.spec_replicas;
  // A never-seen HPA starts with its current size as a recommendation, which holds scale-downs for one window.
  if (!pass.memory.recommendations) {
    pass.memory.recommendations = std::vector<TimestampedRecommendation>{{current, in.now}};
  }

  const int32_t min_replicas = hpa.spec.min_replicas.value_or(1);
  int32_t desired = 0;
  std::string reason;
  bool rescale = true;
  MetricsResult metrics;

  if (scale.spec_replicas == 0 && min_replicas != 0) {
    // The user scaled the target to zero by hand: autoscaling is off until they scale it up again.
    desired = 0;
    rescale = false;
    pass.Condition(kScalingActive, kConditionFalse, "ScalingDisabled",
                   "scaling is disabled since the replica count of the target is zero");
  } else if (current > hpa.spec.max_replicas) {
    reason = "Current number of replicas above Spec.MaxReplicas";
    desired = hpa.spec.max_replicas;
  } else if (current < min_replicas) {
    reason = "Current number of replicas below Spec.MinReplicas";
    desired = min_replicas;
  } else {
    metrics = ComputeReplicasForMetrics(pass, scale);
    if (metrics.error && metrics.replicas == -1) {
      SetStatus(pass, current, pass.status.desired_replicas, metrics.statuses, false);
      pass.Emit(kEventWarning, "FailedComputeMetricsReplicas", *metrics.error);
      return Finish(pass, "failed to compute desired number of replicas based on listed metrics for " + reference +
                              ": " + *metrics.error);
    }
    std::string rescale_metric;
    if (metrics.replicas > desired) {
      desired = metrics.replicas;
      rescale_metric = metrics.metric_name;
    }
    if (desired > current) reason = rescale_metric + " above target";
    if (desired < current) reason = "All metrics below target";
    desired = hpa.spec.behavior ? NormalizeWithBehavior(pass, current, desired, min_replicas)
                                : NormalizeWithoutBehavior(pass, current, desired, min_replicas);
    rescale = desired != current;
  }

  if (rescale) {
    ReconcileOutput out = Finish(pass, std::nullopt);
    out.scale_update = desired;
    out.awaiting_scale_update = true;
    out.pending = PendingRescale{current, desired, reason, std::move(metrics.statuses), metrics.error};
    return out;
  }
  SetStatus(pass, current, current, std::move(metrics.statuses), false);
  return Finish(pass, metrics.error);
}

ReconcileOutput CompleteReconcile(const ReconcileInput& in, ReconcileOutput partial,
                                  const common::Status& scale_update_result) {
  if (!partial.awaiting_scale_update || !partial.scale_update) return partial;
  PendingRescale pending = std::move(partial.pending);
  const int32_t attempted = *partial.scale_update;
  Pass pass{in, std::move(partial.status), std::move(partial.events), std::move(partial.memory)};
  const std::string desired = std::to_string(pending.desired_replicas);
  if (!scale_update_result.ok()) {
    const std::string& err = scale_update_result.error().message;
    pass.Emit(kEventWarning, "FailedRescale", "New size: " + desired + "; reason: " + pending.reason + "; error: " + err);
    pass.Condition(kAbleToScale, kConditionFalse, "FailedUpdateScale",
                   "the HPA controller was unable to update the target scale: " + err);
    SetStatus(pass, pending.current_replicas, pass.status.desired_replicas, std::move(pending.metric_statuses), false);
    ReconcileOutput out = Finish(pass, "failed to rescale " + Reference(in.hpa) + ": " + err);
    out.scale_update = attempted;
    return out;
  }
  pass.Condition(kAbleToScale, kConditionTrue, "SucceededRescale",
                 "the HPA controller was able to update the target scale to " + desired);
  pass.Emit(kEventNormal, "SuccessfulRescale", "New size: " + desired + "; reason: " + pending.reason);
  StoreScaleEvent(in.hpa.spec.behavior, pass.memory, pending.current_replicas, pending.desired_replicas, in.now);
  SetStatus(pass, pending.current_replicas, pending.desired_replicas, std::move(pending.metric_statuses), true);
  ReconcileOutput out = Finish(pass, pending.metrics_error);
  out.scale_update = attempted;
  out.scale_updated = true;
  return out;
}

ReconcileOutput RunReconcile(const ReconcileInput& input,
                             const std::function<common::Status(int32_t replicas)>& update_scale) {
  ReconcileOutput out = Reconcile(input);
  if (!out.awaiting_scale_update) return out;
  common::Status result = update_scale ? update_scale(*out.scale_update)
                                       : common::Status(common::Error::Make(common::ErrorCode::kInternal,
                                                                            "no scale writer"));
  return CompleteReconcile(input, std::move(out), result);
}

}  // namespace autoscaler::hpa
