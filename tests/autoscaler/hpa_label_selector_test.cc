#include "autoscaler/algorithm/label_selector.h"

#include <gtest/gtest.h>

namespace autoscaler::hpa {
namespace {

TEST(Selector, ParsesAndMatches) {
  auto s = Selector::Parse("app=web, tier in (a,b),!legacy,env!=prod,track");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->Matches({{"app", "web"}, {"tier", "a"}, {"track", "x"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "c"}, {"track", "x"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "a"}, {"track", "x"}, {"legacy", "1"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "a"}, {"track", "x"}, {"env", "prod"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "a"}}));
  EXPECT_EQ(s->ToString(), "app=web,env!=prod,!legacy,tier in (a,b),track");
}

TEST(Selector, EmptySelectsEverything) {
  auto s = Selector::Parse("");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Empty());
  EXPECT_TRUE(s->Matches({}));
}

TEST(Selector, DoubleEqualsNotInAndNumericComparisons) {
  auto s = Selector::Parse("a==1,b notin (x),c>5,d<3");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->Matches({{"a", "1"}, {"c", "6"}, {"d", "2"}}));
  EXPECT_FALSE(s->Matches({{"a", "1"}, {"b", "x"}, {"c", "6"}, {"d", "2"}}));
  EXPECT_FALSE(s->Matches({{"a", "1"}, {"c", "5"}, {"d", "2"}}));
}

TEST(Selector, RejectsGarbage) {
  for (const char* bad : {"a in (b", "=b", "a=b c", "a in b", "a>b", "a=-bad-", ",", "a,,b", "a in ()", "in (x)"}) {
    EXPECT_FALSE(Selector::Parse(bad).ok()) << bad;
  }
}

TEST(Selector, FromLabelSelector) {
  LabelSelector ls;
  ls.match_labels = {{"app", "web"}};
  ls.match_expressions = {{"tier", "In", {"b", "a"}}, {"legacy", "DoesNotExist", {}}};
  auto s = Selector::FromLabelSelector(ls);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ToString(), "app=web,!legacy,tier in (a,b)");
  ls.match_expressions = {{"tier", "Near", {"a"}}};
  EXPECT_FALSE(Selector::FromLabelSelector(ls).ok());
  ls.match_expressions = {{"tier", "In", {}}};
  EXPECT_FALSE(Selector::FromLabelSelector(ls).ok());
  ls.match_expressions = {{"tier", "Exists", {"a"}}};
  EXPECT_FALSE(Selector::FromLabelSelector(ls).ok());
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
