#include "kube/field_selector.h"

#include <gtest/gtest.h>

#include <string>

namespace kube {
namespace {

TEST(FieldSelectorTest, ParseAndCanonical) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"", ""},
      {"metadata.name=web-0", "metadata.name=web-0"},
      {"metadata.name==web-0", "metadata.name=web-0"},
      {"metadata.namespace!=kube-system", "metadata.namespace!=kube-system"},
      {"spec.nodeName=n1,metadata.name=p", "metadata.name=p,spec.nodeName=n1"},  // sorted by term text
      {"a=", "a="},
      {"a=b,", "a=b"},  // empty terms are skipped
      {",,a=b", "a=b"},
      {"a=x\\,y\\=z\\\\", "a=x\\,y\\=z\\\\"},
  };
  for (const auto& c : cases) {
    auto s = FieldSelector::Parse(c.in);
    ASSERT_TRUE(s.ok()) << c.in << ": " << s.error().message;
    EXPECT_EQ(s->ToString(), c.want) << c.in;
  }
}

TEST(FieldSelectorTest, Requirements) {
  auto s = FieldSelector::Parse("metadata.namespace!=kube-system,metadata.name=a\\,b");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->requirements().size(), 2u);
  EXPECT_EQ(s->requirements()[0], (FieldRequirement{"metadata.name", FieldRequirement::Op::kEquals, "a,b"}));
  EXPECT_EQ(s->requirements()[1],
            (FieldRequirement{"metadata.namespace", FieldRequirement::Op::kNotEquals, "kube-system"}));
  EXPECT_EQ(s->RequiresExactMatch("metadata.name"), "a,b");
  EXPECT_EQ(s->RequiresExactMatch("metadata.namespace"), std::nullopt);
  EXPECT_FALSE(s->Empty());
  EXPECT_TRUE(FieldSelector::Everything().Empty());
}

TEST(FieldSelectorTest, InvalidInputs) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
      {"a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"},
      {"a=b\\", "invalid field selector: invalid escape sequence: \\"},
      {"a=b\\x", "invalid field selector: invalid escape sequence: \\x"},
      {"a=b=c", "invalid field selector: unescaped character in value: 61"},
      {"a!==b", "invalid field selector: unescaped character in value: 61"},  // "!=" splits first
      {"a<b", "invalid selector: 'a<b'; can't understand 'a<b'"},
      {"a in (b)", "invalid selector: 'a in (b)'; can't understand 'a in (b)'"},
  };
  for (const auto& c : cases) {
    auto s = FieldSelector::Parse(c.in);
    ASSERT_FALSE(s.ok()) << c.in;
    EXPECT_EQ(s.error().message, c.want) << c.in;
    EXPECT_EQ(s.error().code, common::ErrorCode::kInvalidArgument);
  }
}

TEST(FieldSelectorTest, Matches) {
  const Fields pod = {{"metadata.name", "web-0"}, {"metadata.namespace", "default"}, {"spec.nodeName", "n1"}};
  struct Case {
    const char* sel;
    bool want;
  } cases[] = {
      {"", true},
      {"metadata.name=web-0", true},
      {"metadata.name=web-1", false},
      {"metadata.namespace!=kube-system", true},
      {"metadata.namespace!=default", false},
      {"metadata.name=web-0,spec.nodeName=n1", true},
      {"metadata.name=web-0,spec.nodeName=n2", false},
      {"status.phase=", true},     // absent fields read as ""
      {"status.phase!=", false},
  };
  for (const auto& c : cases) {
    auto s = FieldSelector::Parse(c.sel);
    ASSERT_TRUE(s.ok()) << c.sel;
    EXPECT_EQ(s->Matches(pod), c.want) << c.sel;
  }
  auto s = FieldSelector::Parse("metadata.name=web-0");
  EXPECT_TRUE(s->MatchesLookup([](std::string_view f) { return f == "metadata.name" ? "web-0" : ""; }));
}

TEST(FieldSelectorTest, UnsupportedFieldError) {
  auto s = FieldSelector::Parse("metadata.name=x,spec.foo=y");
  ASSERT_TRUE(s.ok());
  auto st = s->CheckSupported({"metadata.name", "metadata.namespace"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "field label not supported: spec.foo");
  EXPECT_TRUE(s->CheckSupported(std::vector<std::string>{"metadata.name", "spec.foo"}).ok());
}

TEST(FieldSelectorTest, EscapingRoundTrips) {
  for (std::string v : {"plain", "a,b", "a=b", "back\\slash", "", "\\,=", "x\\"}) {
    EXPECT_EQ(UnescapeFieldValue(EscapeFieldValue(v)).value(), v) << v;
    auto s = FieldSelector::Parse(FieldSelector::OneTermEqual("f", v).ToString());
    ASSERT_TRUE(s.ok()) << v;
    EXPECT_EQ(s->RequiresExactMatch("f"), v);
  }
}

}  // namespace
}  // namespace kube
