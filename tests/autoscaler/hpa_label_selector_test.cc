// The algorithm parses and matches selectors with kube::LabelSelector; these tests pin the behaviour the algorithm
// relies on through its adapter (plain std::map pod labels, the structured metric selector, Go-style printing).
#include "autoscaler/algorithm/label_selector.h"

#include <gtest/gtest.h>

namespace autoscaler::hpa {
namespace {

using PodLabels = std::map<std::string, std::string>;

TEST(Selector, ParsesAndMatches) {
  auto s = kube::LabelSelector::Parse("app=web, tier in (a,b),!legacy,env!=prod,track");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "a"}, {"track", "x"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "c"}, {"track", "x"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "a"}, {"track", "x"}, {"legacy", "1"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "a"}, {"track", "x"}, {"env", "prod"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "a"}}));
  EXPECT_EQ(s->ToString(), "app=web,env!=prod,!legacy,tier in (a,b),track");
}

TEST(Selector, EmptySelectsEverything) {
  auto s = kube::LabelSelector::Parse("");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Empty());
  EXPECT_TRUE(SelectorMatches(*s, PodLabels{}));
}

TEST(Selector, DoubleEqualsNotInAndNumericComparisons) {
  auto s = kube::LabelSelector::Parse("a==1,b notin (x),c>5,d<3");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(SelectorMatches(*s, PodLabels{{"a", "1"}, {"c", "6"}, {"d", "2"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"a", "1"}, {"b", "x"}, {"c", "6"}, {"d", "2"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"a", "1"}, {"c", "5"}, {"d", "2"}}));
}

TEST(Selector, RejectsGarbage) {
  for (const char* bad : {"a in (b", "=b", "a=b c", "a in b", "a>b", "a=-bad-", ",", "a,,b", "in (x)"}) {
    EXPECT_FALSE(kube::LabelSelector::Parse(bad).ok()) << bad;
  }
}

// Upstream's parser reads "()" as the set holding the empty value, so "a in ()" is valid and means a in ("").
TEST(Selector, EmptyParenthesesMeanTheEmptyValue) {
  auto s = kube::LabelSelector::Parse("a in ()");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(SelectorMatches(*s, PodLabels{{"a", ""}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"a", "x"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{}));
}

TEST(Selector, FromStructuredMetricSelector) {
  LabelSelector ls;
  ls.match_labels = {{"app", "web"}};
  ls.match_expressions = {{"tier", "In", {"b", "a"}}, {"legacy", "DoesNotExist", {}}};
  auto s = ToKubeSelector(ls);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ToString(), "app=web,!legacy,tier in (a,b)");
  EXPECT_TRUE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "a"}}));
  EXPECT_FALSE(SelectorMatches(*s, PodLabels{{"app", "web"}, {"tier", "a"}, {"legacy", "y"}}));
  ls.match_expressions = {{"tier", "Near", {"a"}}};
  auto bad_op = ToKubeSelector(ls);
  ASSERT_FALSE(bad_op.ok());
  EXPECT_EQ(bad_op.error().message, "\"Near\" is not a valid label selector operator");
  ls.match_expressions = {{"tier", "In", {}}};
  EXPECT_FALSE(ToKubeSelector(ls).ok());
  ls.match_expressions = {{"tier", "Exists", {"a"}}};
  EXPECT_FALSE(ToKubeSelector(ls).ok());
  ls.match_expressions = {};
  ls.match_labels = {{"bad key!", "v"}};
  EXPECT_FALSE(ToKubeSelector(ls).ok());
}

TEST(Selector, EmptyStructuredSelectorSelectsEverything) {
  auto s = ToKubeSelector(LabelSelector{});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Empty());
  EXPECT_TRUE(SelectorMatches(*s, PodLabels{{"any", "thing"}}));
  EXPECT_EQ(s->ToString(), "");
}

TEST(Selector, GoFormatting) {
  EXPECT_EQ(FormatLabelSelectorGo(std::nullopt), "nil");
  EXPECT_EQ(FormatLabelSelectorGo(LabelSelector{}),
            "&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}");
  LabelSelector ls{{{"label", "value"}}, {{"k", "In", {"a", "b"}}}};
  EXPECT_EQ(FormatLabelSelectorGo(ls),
            "&LabelSelector{MatchLabels:map[string]string{label: value,},MatchExpressions:[]LabelSelectorRequirement{"
            "LabelSelectorRequirement{Key:k,Operator:In,Values:[a b],},},}");
}

}  // namespace
}  // namespace autoscaler::hpa
