#include "autoscaler/algorithm/normalization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autoscaler/algorithm/replica_calculator.h"

namespace autoscaler::hpa {
namespace {

constexpr const char* kWithinRangeMessage = "the desired count is within the acceptable range";
constexpr const char* kTooFewMessage = "the desired replica count is less than the minimum replica count";
constexpr const char* kTooManyMessage = "the desired replica count is more than the maximum replica count";
constexpr const char* kScaleUpLimitMessage = "the desired replica count is increasing faster than the maximum scale rate";
constexpr const char* kScaleDownLimitMessage =
    "the desired replica count is decreasing faster than the maximum scale rate";

bool Inside(Time t, Time now, Duration window) { return t > now - window; }

int32_t TruncToInt32(double x) {
  if (std::isnan(x)) return 0;
  double t = std::trunc(x);
  if (t >= static_cast<double>(std::numeric_limits<int32_t>::max())) return std::numeric_limits<int32_t>::max();
  if (t <= static_cast<double>(std::numeric_limits<int32_t>::min())) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(t);
}

int32_t ClampToInt32(int64_t v) {
  return static_cast<int32_t>(
      std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

// Replica count at the start of a policy period: undo the changes made inside it.
int32_t PeriodStartReplicas(int32_t current, int32_t period_seconds, const std::vector<ScaleEvent>& up,
                            const std::vector<ScaleEvent>& down, Time now) {
  int64_t added = GetReplicasChangePerPeriod(period_seconds, up, now);
  int64_t deleted = GetReplicasChangePerPeriod(period_seconds, down, now);
  return ClampToInt32(int64_t{current} - added + deleted);
}

ScalingRules CopyOver(const std::optional<ScalingRules>& user, ScalingRules defaults) {
  if (!user) return defaults;
  if (user->select_policy) defaults.select_policy = user->select_policy;
  if (user->stabilization_window_seconds) defaults.stabilization_window_seconds = user->stabilization_window_seconds;
  if (user->policies) defaults.policies = user->policies;
  if (user->tolerance) defaults.tolerance = user->tolerance;
  return defaults;
}

int32_t LongestPolicyPeriod(const std::optional<ScalingRules>& rules) {
  int32_t longest = 0;
  if (!rules || !rules->policies) return longest;
  for (const auto& p : *rules->policies) longest = std::max(longest, p.period_seconds);
  return longest;
}

void StoreInto(std::vector<ScaleEvent>& events, int32_t change, int32_t longest_period, Time now) {
  for (auto& e : events) {
    if (!Inside(e.timestamp, now, Seconds(longest_period))) e.outdated = true;  // free for reuse
  }
  // Like upstream, the last outdated slot is the one reused.
  std::optional<size_t> reuse;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].outdated) reuse = i;
  }
  ScaleEvent event{change, now, false};
  if (reuse) {
    events[*reuse] = event;
  } else {
    events.push_back(event);
  }
}

}  // namespace

ScalingRules DefaultScaleUpRules(const std::optional<ScalingRules>& user) {
  ScalingRules defaults;
  defaults.stabilization_window_seconds = 0;
  defaults.select_policy = SelectPolicy::kMax;
  defaults.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPods, 4, 15},
                                                 {ScalingPolicyType::kPercent, 100, 15}};
  return CopyOver(user, std::move(defaults));
}

ScalingRules DefaultScaleDownRules(const std::optional<ScalingRules>& user) {
  ScalingRules defaults;
  defaults.select_policy = SelectPolicy::kMax;
  defaults.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPercent, 100, 15}};
  return CopyOver(user, std::move(defaults));
}

std::optional<Behavior> DefaultBehavior(const std::optional<Behavior>& user) {
  if (!user) return std::nullopt;
  return Behavior{DefaultScaleUpRules(user->scale_up), DefaultScaleDownRules(user->scale_down)};
}

int32_t StabilizeRecommendation(std::vector<TimestampedRecommendation>& recommendations, int32_t prenormalized,
                                Duration downscale_window, Time now) {
  int32_t max_recommendation = prenormalized;
  std::optional<size_t> old_sample;
  for (size_t i = 0; i < recommendations.size(); ++i) {
    const auto& rec = recommendations[i];
    if (!Inside(rec.timestamp, now, downscale_window)) {
      old_sample = i;
    } else {
      max_recommendation = std::max(max_recommendation, rec.recommendation);
    }
  }
  TimestampedRecommendation fresh{prenormalized, now};
  if (old_sample) {
    recommendations[*old_sample] = fresh;
  } else {
    recommendations.push_back(fresh);
  }
  return max_recommendation;
}

LimitedReplicas ConvertDesiredReplicasWithRules(int32_t current, int32_t desired, int32_t min_replicas,
                                                int32_t max_replicas, double scale_up_limit_factor,
                                                double scale_up_limit_minimum) {
  // Guards against a bogus usage spike multiplying the replica count (kubernetes#32304).
  int32_t scale_up_limit =
      TruncToInt32(std::max(scale_up_limit_factor * static_cast<double>(current), scale_up_limit_minimum));
  int32_t maximum_allowed = max_replicas;
  LimitedReplicas limit{0, "TooManyReplicas", kTooManyMessage};
  if (max_replicas > scale_up_limit) {
    maximum_allowed = scale_up_limit;
    limit = {0, "ScaleUpLimit", kScaleUpLimitMessage};
  }
  if (desired < min_replicas) return {min_replicas, "TooFewReplicas", kTooFewMessage};
  if (desired > maximum_allowed) {
    limit.replicas = maximum_allowed;
    return limit;
  }
  return {desired, "DesiredWithinRange", kWithinRangeMessage};
}

StabilizedReplicas StabilizeRecommendationWithBehaviors(std::vector<TimestampedRecommendation>& recommendations,
                                                        int32_t current, int32_t prenormalized,
                                                        Duration scale_up_window, Duration scale_down_window,
                                                        Time now) {
  int32_t up_recommendation = prenormalized;
  int32_t down_recommendation = prenormalized;
  std::optional<size_t> old_sample;
  for (size_t i = 0; i < recommendations.size(); ++i) {
    const auto& rec = recommendations[i];
    bool in_up = Inside(rec.timestamp, now, scale_up_window);
    bool in_down = Inside(rec.timestamp, now, scale_down_window);
    if (in_up) up_recommendation = std::min(up_recommendation, rec.recommendation);
    if (in_down) down_recommendation = std::max(down_recommendation, rec.recommendation);
    if (!in_up && !in_down) old_sample = i;
  }
  // Scale up only as far as every recent recommendation agrees; scale down likewise.
  int32_t recommendation = current;
  if (recommendation < up_recommendation) recommendation = up_recommendation;
  if (recommendation > down_recommendation) recommendation = down_recommendation;

  TimestampedRecommendation fresh{prenormalized, now};
  if (old_sample) {
    recommendations[*old_sample] = fresh;
  } else {
    recommendations.push_back(fresh);
  }
  if (prenormalized >= current) {
    return {recommendation, "ScaleUpStabilized",
            "recent recommendations were lower than current one, applying the lowest recent recommendation"};
  }
  return {recommendation, "ScaleDownStabilized",
          "recent recommendations were higher than current one, applying the highest recent recommendation"};
}

int32_t GetReplicasChangePerPeriod(int32_t period_seconds, const std::vector<ScaleEvent>& events, Time now) {
  int64_t sum = 0;
  for (const auto& e : events) {
    if (Inside(e.timestamp, now, Seconds(period_seconds))) sum += e.replica_change;
  }
  return ClampToInt32(sum);
}

int32_t CalculateScaleUpLimitWithScalingRules(int32_t current, const std::vector<ScaleEvent>& scale_up_events,
                                              const std::vector<ScaleEvent>& scale_down_events,
                                              const ScalingRules& rules, Time now) {
  SelectPolicy select = rules.select_policy.value_or(SelectPolicy::kMax);
  if (select == SelectPolicy::kDisabled) return current;
  // For scaling up, Min selects the smallest proposal (least change), Max the largest.
  bool pick_min = select == SelectPolicy::kMin;
  int32_t result = pick_min ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int32_t>::min();
  for (const auto& policy : rules.policies.value_or(std::vector<ScalingPolicy>{})) {
    int32_t start = PeriodStartReplicas(current, policy.period_seconds, scale_up_events, scale_down_events, now);
    int32_t proposed = 0;
    if (policy.type == ScalingPolicyType::kPods) {
      proposed = ClampToInt32(int64_t{start} + policy.value);
    } else {
      // Rounded up: otherwise a small percentage of a small count would never add a replica.
      proposed = CeilToInt32(static_cast<double>(start) * (1.0 + static_cast<double>(policy.value) / 100.0));
    }
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

int32_t CalculateScaleDownLimitWithBehaviors(int32_t current, const std::vector<ScaleEvent>& scale_up_events,
                                             const std::vector<ScaleEvent>& scale_down_events,
                                             const ScalingRules& rules, Time now) {
  SelectPolicy select = rules.select_policy.value_or(SelectPolicy::kMax);
  if (select == SelectPolicy::kDisabled) return current;
  // For scaling down, Min (least change) selects the highest proposal, Max the lowest.
  bool pick_highest = select == SelectPolicy::kMin;
  int32_t result = pick_highest ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max();
  for (const auto& policy : rules.policies.value_or(std::vector<ScalingPolicy>{})) {
    int32_t start = PeriodStartReplicas(current, policy.period_seconds, scale_up_events, scale_down_events, now);
    int32_t proposed = 0;
    if (policy.type == ScalingPolicyType::kPods) {
      proposed = ClampToInt32(int64_t{start} - policy.value);
    } else {
      proposed = TruncToInt32(static_cast<double>(start) * (1.0 - static_cast<double>(policy.value) / 100.0));
    }
    result = pick_highest ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

LimitedReplicas ConvertDesiredReplicasWithBehaviorRate(int32_t current, int32_t desired, int32_t min_replicas,
                                                       int32_t max_replicas, const ScalingRules& scale_up_rules,
                                                       const ScalingRules& scale_down_rules,
                                                       const std::vector<ScaleEvent>& scale_up_events,
                                                       const std::vector<ScaleEvent>& scale_down_events, Time now) {
  if (desired > current) {
    int32_t limit =
        CalculateScaleUpLimitWithScalingRules(current, scale_up_events, scale_down_events, scale_up_rules, now);
    // Recent scale-ups may have used up the budget; never propose going below the current count.
    limit = std::max(limit, current);
    LimitedReplicas out{max_replicas, "TooManyReplicas", kTooManyMessage};
    if (max_replicas > limit) out = {limit, "ScaleUpLimit", kScaleUpLimitMessage};
    if (desired > out.replicas) return out;
  } else if (desired < current) {
    int32_t limit =
        CalculateScaleDownLimitWithBehaviors(current, scale_up_events, scale_down_events, scale_down_rules, now);
    limit = std::min(limit, current);
    LimitedReplicas out{min_replicas, "TooFewReplicas", kTooFewMessage};
    if (min_replicas < limit) out = {limit, "ScaleDownLimit", kScaleDownLimitMessage};
    if (desired < out.replicas) return out;
  }
  return {desired, "DesiredWithinRange", kWithinRangeMessage};
}

void StoreScaleEvent(const std::optional<Behavior>& behavior, HpaMemory& memory, int32_t prev_replicas,
                     int32_t new_replicas, Time now) {
  if (!behavior) return;
  if (new_replicas > prev_replicas) {
    StoreInto(memory.scale_up_events, new_replicas - prev_replicas, LongestPolicyPeriod(behavior->scale_up), now);
  } else {
    StoreInto(memory.scale_down_events, prev_replicas - new_replicas, LongestPolicyPeriod(behavior->scale_down),
              now);
  }
}

}  // namespace autoscaler::hpa
