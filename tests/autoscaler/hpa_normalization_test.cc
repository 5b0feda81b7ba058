// Normalization helpers beyond the golden cases: behavior defaulting, policy selection, window edges.

#include "autoscaler/algorithm/normalization.h"

#include <gtest/gtest.h>

namespace autoscaler::hpa {
namespace {

const Time kNow{std::chrono::seconds(1700000000)};

TEST(Defaulting, NoBehaviorStaysUnset) { EXPECT_FALSE(DefaultBehavior(std::nullopt).has_value()); }

TEST(Defaulting, FillsBothDirections) {
  auto b = DefaultBehavior(Behavior{});
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE(b->scale_up && b->scale_down);
  EXPECT_EQ(b->scale_up->stabilization_window_seconds, 0);
  EXPECT_EQ(b->scale_up->select_policy, SelectPolicy::kMax);
  ASSERT_EQ(b->scale_up->policies->size(), 2u);
  EXPECT_EQ((*b->scale_up->policies)[0], (ScalingPolicy{ScalingPolicyType::kPods, 4, 15}));
  EXPECT_EQ((*b->scale_up->policies)[1], (ScalingPolicy{ScalingPolicyType::kPercent, 100, 15}));
  EXPECT_FALSE(b->scale_down->stabilization_window_seconds.has_value());  // filled by the controller flag
  ASSERT_EQ(b->scale_down->policies->size(), 1u);
  EXPECT_EQ((*b->scale_down->policies)[0], (ScalingPolicy{ScalingPolicyType::kPercent, 100, 15}));
}

TEST(Defaulting, UserFieldsWin) {
  ScalingRules user;
  user.select_policy = SelectPolicy::kDisabled;
  user.tolerance = 0.02;
  ScalingRules up = DefaultScaleUpRules(user);
  EXPECT_EQ(up.select_policy, SelectPolicy::kDisabled);
  EXPECT_EQ(up.tolerance, 0.02);
  EXPECT_EQ(up.policies->size(), 2u);  // not set by the user: default
}

TEST(ScaleLimits, DisabledKeepsCurrent) {
  ScalingRules rules = DefaultScaleUpRules(ScalingRules{std::nullopt, SelectPolicy::kDisabled, std::nullopt, std::nullopt});
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(7, {}, {}, rules, kNow), 7);
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(7, {}, {}, rules, kNow), 7);
  auto limited = ConvertDesiredReplicasWithBehaviorRate(7, 20, 1, 100, rules, rules, {}, {}, kNow);
  EXPECT_EQ(limited.replicas, 7);
  EXPECT_EQ(limited.reason, "ScaleUpLimit");
}

TEST(ScaleLimits, MinAndMaxSelectPolicies) {
  ScalingRules rules;
  rules.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPods, 4, 60}, {ScalingPolicyType::kPercent, 50, 60}};
  rules.select_policy = SelectPolicy::kMax;
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(10, {}, {}, rules, kNow), 15);
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(10, {}, {}, rules, kNow), 5);
  rules.select_policy = SelectPolicy::kMin;
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(10, {}, {}, rules, kNow), 14);
  EXPECT_EQ(CalculateScaleDownLimitWithBehaviors(10, {}, {}, rules, kNow), 6);
}

TEST(ScaleLimits, EventsExactlyOnePeriodOldDoNotCount) {
  std::vector<ScaleEvent> events = {{5, kNow - Seconds(60), false}, {2, kNow - Seconds(59), false}};
  EXPECT_EQ(GetReplicasChangePerPeriod(60, events, kNow), 2);
}

TEST(ScaleLimits, PercentScaleUpRoundsUp) {
  ScalingRules rules;
  rules.select_policy = SelectPolicy::kMax;
  rules.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPercent, 10, 60}};
  EXPECT_EQ(CalculateScaleUpLimitWithScalingRules(1, {}, {}, rules, kNow), 2);
}

TEST(NoBehaviorRules, FactorIsAParameter) {
  EXPECT_EQ(ConvertDesiredReplicasWithRules(3, 30, 1, 100, 8.0, 4.0).replicas, 24);
  EXPECT_EQ(ConvertDesiredReplicasWithRules(3, 30, 1, 100, kDefaultScaleUpLimitFactor, kDefaultScaleUpLimitMinimum).replicas, 6);
  EXPECT_EQ(ConvertDesiredReplicasWithRules(1, 30, 1, 100, 2.0, 4.0).replicas, 4);  // the minimum
}

TEST(Stabilization, WindowEdgeIsExclusive) {
  std::vector<TimestampedRecommendation> recs = {{9, kNow - Seconds(300)}, {7, kNow - Seconds(299)}};
  EXPECT_EQ(StabilizeRecommendation(recs, 2, Seconds(300), kNow), 7);
  ASSERT_EQ(recs.size(), 2u);  // the record at exactly the window edge was reused
  EXPECT_EQ(recs[0], (TimestampedRecommendation{2, kNow}));
}

TEST(StoreScaleEvent, ReusesOutdatedSlotAndIgnoresNoBehavior) {
  HpaMemory memory;
  memory.scale_down_events = {{3, kNow - Seconds(100), false}};
  StoreScaleEvent(std::nullopt, memory, 10, 5, kNow);
  EXPECT_EQ(memory.scale_down_events.size(), 1u);
  auto behavior = DefaultBehavior(Behavior{});
  StoreScaleEvent(behavior, memory, 10, 5, kNow);  // longest down period is 15 s: the old event is reused
  ASSERT_EQ(memory.scale_down_events.size(), 1u);
  EXPECT_EQ(memory.scale_down_events[0], (ScaleEvent{5, kNow, false}));
  StoreScaleEvent(behavior, memory, 5, 8, kNow);
  ASSERT_EQ(memory.scale_up_events.size(), 1u);
  EXPECT_EQ(memory.scale_up_events[0].replica_change, 3);
}

}  // namespace
}  // namespace autoscaler::hpa
