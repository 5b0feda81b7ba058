#include "metrics-server/api/list_filter.h"

#include <gtest/gtest.h>

namespace metrics_server {
namespace {

bool Match(const char* labels_sel, const char* fields_sel, std::string_view name, std::string_view ns,
           const apiservice::Labels& labels) {
  std::optional<std::string_view> l, f;
  if (labels_sel) l = labels_sel;
  if (fields_sel) f = fields_sel;
  common::Result<ListFilter> filter = ListFilter::Parse(l, f);
  EXPECT_TRUE(filter.ok()) << (labels_sel ? labels_sel : "") << " " << (fields_sel ? fields_sel : "");
  return filter.ok() && filter->Matches(name, ns, &labels);
}

TEST(ListFilterTest, NoSelectorsMatchEverything) {
  common::Result<ListFilter> f = ListFilter::Parse(std::nullopt, std::nullopt);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Empty());
  EXPECT_TRUE(f->Matches("a", "b", nullptr));
  ASSERT_TRUE(ListFilter::Parse("", "").ok());
  EXPECT_TRUE(ListFilter::Parse("", "")->Empty());
}

TEST(ListFilterTest, FieldSelectors) {
  const apiservice::Labels none;
  EXPECT_TRUE(Match(nullptr, "metadata.name=x", "x", "default", none));
  EXPECT_FALSE(Match(nullptr, "metadata.name=x", "y", "default", none));
  EXPECT_TRUE(Match(nullptr, "metadata.name==x", "x", "default", none));
  EXPECT_TRUE(Match(nullptr, "metadata.name!=x", "y", "default", none));
  EXPECT_FALSE(Match(nullptr, "metadata.name!=x", "x", "default", none));
  EXPECT_TRUE(Match(nullptr, "metadata.namespace=default", "x", "default", none));
  EXPECT_FALSE(Match(nullptr, "metadata.namespace=default", "x", "kube-system", none));
  EXPECT_TRUE(Match(nullptr, "metadata.namespace=default,metadata.name=x", "x", "default", none));
  EXPECT_FALSE(Match(nullptr, "metadata.namespace=default,metadata.name=x", "x", "other", none));
  EXPECT_TRUE(Match(nullptr, "metadata.name=a\\,b", "a,b", "", none));
  EXPECT_TRUE(Match(nullptr, "metadata.name=", "", "", none));
}

TEST(ListFilterTest, BadFieldSelectors) {
  struct Case {
    const char* selector;
    const char* message;
  } cases[] = {
      {"spec.nodeName=node-1", "field label not supported: spec.nodeName"},
      {"status.phase!=Running", "field label not supported: status.phase"},
      {"metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
      {"metadata.name=a\\b", "invalid field selector: invalid escape sequence: \\b"},
  };
  for (const Case& c : cases) {
    common::Result<ListFilter> f = ListFilter::Parse(std::nullopt, c.selector);
    ASSERT_FALSE(f.ok()) << c.selector;
    EXPECT_EQ(c.message, f.error().message);
    EXPECT_EQ(400, f.error().http_status);
  }
}

TEST(ListFilterTest, LabelSelectors) {
  const apiservice::Labels x{{"app", "x"}, {"pod-template-hash", "5d8f7c9b6"}};
  const apiservice::Labels dns{{"k8s-app", "kube-dns"}};
  EXPECT_TRUE(Match("app=x", nullptr, "p", "ns", x));
  EXPECT_FALSE(Match("app=y", nullptr, "p", "ns", x));
  EXPECT_TRUE(Match("app!=zz,k8s-app", nullptr, "p", "ns", dns));
  EXPECT_FALSE(Match("app!=zz,k8s-app", nullptr, "p", "ns", x));
  EXPECT_TRUE(Match("app in (x,y),tier notin (db),!canary", "metadata.namespace=default", "p", "default", x));
  EXPECT_FALSE(Match("app in (x,y),tier notin (db),!canary", "metadata.namespace=default", "p", "other", x));
  EXPECT_FALSE(Match("app in (x,y)", nullptr, "p", "ns", dns));
  common::Result<ListFilter> f = ListFilter::Parse("app", std::nullopt);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->Matches("p", "ns", nullptr));  // unlabelled objects lack every key
}

TEST(ListFilterTest, BadLabelSelectorIsBadRequest) {
  for (const char* selector : {"app in (x", "-bad=x", "a=b=c", "!"}) {
    common::Result<ListFilter> f = ListFilter::Parse(selector, std::nullopt);
    ASSERT_FALSE(f.ok()) << selector;
    EXPECT_EQ(400, f.error().http_status);
    EXPECT_FALSE(f.error().message.empty());
  }
}

}  // namespace
}  // namespace metrics_server
