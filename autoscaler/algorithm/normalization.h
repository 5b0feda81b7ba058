#pragma once
// From a raw replica recommendation to the replica count the controller writes (upstream horizontal.go:
// normalizeDesiredReplicas / normalizeDesiredReplicasWithBehaviors and helpers), plus the API defaulting of
// `behavior` and the per-HPA scale-event store.
//
// Time rules: a record (recommendation or scale event) is inside a window of W seconds iff it is strictly newer
// than now - W. Upstream compares with strict After/Before against a slightly later clock, which amounts to the
// same thing.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autoscaler/algorithm/types.h"

namespace autoscaler::hpa {

// Production values of upstream's package variables; upstream's unit tests override the factor with 8.
inline constexpr double kDefaultScaleUpLimitFactor = 2.0;
inline constexpr double kDefaultScaleUpLimitMinimum = 4.0;

// ---- API defaulting (SetDefaults_HorizontalPodAutoscalerBehavior) ------------------------------------------------

// scaleUp: {window 0, Max, [Pods 4 / 15 s, Percent 100 / 15 s]}, overridden by every field the user set.
ScalingRules DefaultScaleUpRules(const std::optional<ScalingRules>& user);
// scaleDown: {window unset, Max, [Percent 100 / 15 s]}; the controller fills the window from its flag.
ScalingRules DefaultScaleDownRules(const std::optional<ScalingRules>& user);
// nullopt stays nullopt (no behavior at all); otherwise both directions are filled in.
std::optional<Behavior> DefaultBehavior(const std::optional<Behavior>& user);

// ---- Results -------------------------------------------------------------------------------------------------

// A replica count together with the ScalingLimited condition reason and message that explain it.
struct LimitedReplicas {
  int32_t replicas = 0;
  std::string reason;   // DesiredWithinRange | TooFewReplicas | TooManyReplicas | ScaleUpLimit | ScaleDownLimit
  std::string message;  // upstream's condition message
};

// A stabilized recommendation together with the AbleToScale reason and message to use if it differs from the raw one.
struct StabilizedReplicas {
  int32_t replicas = 0;
  std::string reason;  // ScaleUpStabilized | ScaleDownStabilized
  std::string message;
};

// ---- Without behavior ----------------------------------------------------------------------------------------

// Highest recommendation within the downscale stabilization window (at least `prenormalized`); records
// `prenormalized` in `recommendations`, reusing the slot of a record that fell out of the window.
int32_t StabilizeRecommendation(std::vector<TimestampedRecommendation>& recommendations, int32_t prenormalized,
                                Duration downscale_window, Time now);

// Clamp to [min, min(max, scale-up limit)] where the limit is max(factor * current, minimum).
LimitedReplicas ConvertDesiredReplicasWithRules(int32_t current, int32_t desired, int32_t min_replicas,
                                                int32_t max_replicas, double scale_up_limit_factor,
                                                double scale_up_limit_minimum);

// ---- With behavior -------------------------------------------------------------------------------------------

// Keeps the recommendation between the lowest recommendation of the scale-up window and the highest of the
// scale-down window, starting from `current`; records `prenormalized` (reusing a slot outside both windows).
StabilizedReplicas StabilizeRecommendationWithBehaviors(std::vector<TimestampedRecommendation>& recommendations,
                                                        int32_t current, int32_t prenormalized,
                                                        Duration scale_up_window, Duration scale_down_window,
                                                        Time now);

// Sum of replica_change of the events inside the last `period_seconds`.
int32_t GetReplicasChangePerPeriod(int32_t period_seconds, const std::vector<ScaleEvent>& events, Time now);

// Highest (Max) or lowest (Min) replica count the scale-up policies allow, measured from the replica count at the
// start of each policy's period; `current` when the policy is Disabled. `rules` are effective (defaulted) rules.
int32_t CalculateScaleUpLimitWithScalingRules(int32_t current, const std::vector<ScaleEvent>& scale_up_events,
                                              const std::vector<ScaleEvent>& scale_down_events,
                                              const ScalingRules& rules, Time now);
// The scale-down counterpart (Max selects the lowest count, i.e. the biggest change).
int32_t CalculateScaleDownLimitWithBehaviors(int32_t current, const std::vector<ScaleEvent>& scale_up_events,
                                             const std::vector<ScaleEvent>& scale_down_events,
                                             const ScalingRules& rules, Time now);

// Clamp `desired` to the behavior's rate limits and to [min, max].
LimitedReplicas ConvertDesiredReplicasWithBehaviorRate(int32_t current, int32_t desired, int32_t min_replicas,
                                                       int32_t max_replicas, const ScalingRules& scale_up_rules,
                                                       const ScalingRules& scale_down_rules,
                                                       const std::vector<ScaleEvent>& scale_up_events,
                                                       const std::vector<ScaleEvent>& scale_down_events, Time now);

// After a successful rescale: marks events older than the longest policy period of that direction as outdated and
// records the change, reusing an outdated slot. Without behavior nothing is stored (the events would be unused).
void StoreScaleEvent(const std::optional<Behavior>& behavior, HpaMemory& memory, int32_t prev_replicas,
                     int32_t new_replicas, Time now);

}  // namespace autoscaler::hpa
