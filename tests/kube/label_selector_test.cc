#include "kube/label_selector.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace kube {
namespace {

std::string Canonical(std::string_view in) {
  auto s = LabelSelector::Parse(in);
  return s.ok() ? s->ToString() : "ERROR: " + s.error().message;
}

TEST(LabelSelectorParseTest, CanonicalForms) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"", ""},
      {"   ", ""},
      {"a=b", "a=b"},
      {"a==b", "a==b"},
      {"a!=b", "a!=b"},
      {"  a  =  b  ", "a=b"},
      {"a=", "a="},
      {"a==,b", "a==,b"},
      {"x=y,a=b", "a=b,x=y"},  // sorted by key
      {"a in (z,x,y)", "a in (x,y,z)"},
      {"a in (x,x,y)", "a in (x,y)"},
      {"a notin (x)", "a notin (x)"},
      {"a in(x)", "a in (x)"},
      {"a in ()", "a in ()"},
      {"a in (,b)", "a in (,b)"},
      {"a in (b,)", "a in (,b)"},
      {"a", "a"},
      {"!a", "!a"},
      {" ! a ", "!a"},
      {"b,!a", "!a,b"},
      {"in=notin", "in=notin"},  // keywords are plain identifiers where a key or value is expected
      {"a in (in,notin)", "a in (in,notin)"},
      {"example.com/app=web", "example.com/app=web"},
      {"a>5", "a>5"},
      {"a<3", "a<3"},
      {"app=web,tier in (fe,be),!canary,env", "app=web,!canary,env,tier in (be,fe)"},
      {"a=b\t,\nc=d", "a=b,c=d"},
      {"a.b-c_d=E.f-G_h", "a.b-c_d=E.f-G_h"},
      // Selectors kubectl sends in tests/golden/kubectl-traces.
      {"app!=zz,k8s-app", "app!=zz,k8s-app"},
      {"app in (x,y),tier notin (db),!canary", "app in (x,y),!canary,tier notin (db)"},
  };
  for (const auto& c : cases) EXPECT_EQ(Canonical(c.in), c.want) << c.in;
}

TEST(LabelSelectorParseTest, ErrorsMatchUpstream) {
  const std::string value_regex =
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
      "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
      "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  // Each message confirmed with kubectl v1.32 (`kubectl set selector --local`), minus its "couldn't parse" prefix.
  struct Case {
    std::string in;
    std::string want;
  } cases[] = {
      {"a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"},
      {"a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": " + value_regex},
      {"a in (x", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"!a=b", "found '=', expected: ',' or 'end of string'"},
      {"a,", "found '', expected: identifier after ','"},
      {",a", "found ',', expected: !, identifier, or 'end of string'"},
      {"EXAMPLE.com/a=b",
       "unable to parse requirement: <nil>: Invalid value: \"EXAMPLE.com/a\": prefix part a lowercase RFC 1123 "
       "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
       "alphanumeric character (e.g. 'example.com', regex used for validation is "
       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
      {"/a=b", "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty"},
      {"a/b/c=d",
       "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
       "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
       "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an "
       "optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"},
      {"a=(b)", "unable to parse requirement: found '(', expected: identifier"},
      {"a=b=c", "found '=', expected: ',' or 'end of string'"},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=b",
       "unable to parse requirement: <nil>: Invalid value: "
       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": name part must be no more than 63 "
       "characters"},
      {"a=b c", "found 'c', expected: ',' or 'end of string'"},
      {"a<-3", "unable to parse requirement: values[0][a]: Invalid value: \"-3\": " + value_regex},
      {"a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"},
      {"a)", "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"!!a", "unable to parse requirement: found '!', expected: identifier"},
      {"a!", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"},
      {"a in x", "unable to parse requirement: found 'x' expected: '('"},
      {"a <", "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value "
              "must be an integer"},
      {"a>x", "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value "
              "must be an integer"},
      {"a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"},
      {"a in =", "unable to parse requirement: found '=' expected: '('"},
      {"a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"a=" + std::string(64, 'v'), "unable to parse requirement: values[0][a]: Invalid value: \"" +
                                        std::string(64, 'v') + "\": must be no more than 63 characters"},
      {"-a=b", "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric "
               "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  "
               "or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"},
      {"a==b,,c", "found ',', expected: identifier after ','"},
      {"(", "found '(', expected: !, identifier, or 'end of string'"},
  };
  for (const auto& c : cases) {
    auto s = LabelSelector::Parse(c.in);
    ASSERT_FALSE(s.ok()) << c.in << " parsed as " << s->ToString();
    EXPECT_EQ(s.error().message, c.want) << c.in;
    EXPECT_EQ(s.error().code, common::ErrorCode::kInvalidArgument);
  }
}

TEST(LabelSelectorParseTest, HostileInputDoesNotCrash) {
  for (std::string s : {std::string(10000, '('), std::string(10000, '!'), std::string(5000, ',') + "a",
                        std::string("a\0b", 3), std::string("a in (") + std::string(10000, ','), std::string("\xff\xfe=x")}) {
    auto r = LabelSelector::Parse(s);
    (void)r;  // any verdict is fine; it must not crash or hang
  }
  // A NUL where a token starts ends the input, as in upstream's lexer; inside a word it only ends the word.
  EXPECT_EQ(Canonical(std::string("a=b \0garbage", 12)), "a=b");
  EXPECT_EQ(Canonical(std::string("a=b\0garbage", 11)), "ERROR: found 'garbage', expected: ',' or 'end of string'");
}

TEST(LabelSelectorMatchTest, Matches) {
  const Labels web = {{"app", "web"}, {"tier", "fe"}, {"replicas", "5"}};
  const Labels db = {{"app", "db"}};
  struct Case {
    const char* selector;
    bool web, db, none;
  } cases[] = {
      {"", true, true, true},
      {"app=web", true, false, false},
      {"app==web", true, false, false},
      {"app!=web", false, true, true},  // missing label satisfies !=
      {"app in (web,db)", true, true, false},
      {"app notin (web)", false, true, true},
      {"tier", true, false, false},
      {"!tier", false, true, true},
      {"app=web,tier=fe", true, false, false},
      {"app=web,tier=be", false, false, false},
      {"replicas>4", true, false, false},
      {"replicas>5", false, false, false},
      {"replicas<6", true, false, false},
      {"app>1", false, false, false},  // non-integer label never matches Gt/Lt
      {"app=", false, false, false},
      {"app in ()", false, false, false},
  };
  for (const auto& c : cases) {
    auto s = LabelSelector::Parse(c.selector);
    ASSERT_TRUE(s.ok()) << c.selector << ": " << s.error().message;
    EXPECT_EQ(s->Matches(web), c.web) << c.selector;
    EXPECT_EQ(s->Matches(db), c.db) << c.selector;
    EXPECT_EQ(s->Matches(Labels{}), c.none) << c.selector;
  }
  const Labels empty_value = {{"app", ""}};
  EXPECT_TRUE(LabelSelector::Parse("app=")->Matches(empty_value));
  EXPECT_TRUE(LabelSelector::Parse("app in ()")->Matches(empty_value));
}

TEST(LabelSelectorMatchTest, LookupAdapter) {
  auto s = LabelSelector::Parse("app=web,!canary");
  ASSERT_TRUE(s.ok());
  std::vector<std::pair<std::string, std::string>> stored = {{"app", "web"}};
  auto lookup = [&stored](std::string_view key) -> std::optional<std::string_view> {
    for (const auto& [k, v] : stored) {
      if (k == key) return std::string_view(v);
    }
    return std::nullopt;
  };
  EXPECT_TRUE(s->MatchesLookup(lookup));
  stored.emplace_back("canary", "true");
  EXPECT_FALSE(s->MatchesLookup(lookup));
}

TEST(LabelSelectorTest, EverythingAndNothing) {
  EXPECT_TRUE(LabelSelector::Everything().Empty());
  EXPECT_TRUE(LabelSelector::Everything().Matches(Labels{{"a", "b"}}));
  EXPECT_EQ(LabelSelector::Everything().ToString(), "");
  EXPECT_FALSE(LabelSelector::Nothing().Empty());
  EXPECT_FALSE(LabelSelector::Nothing().Matches(Labels{}));
  EXPECT_TRUE(LabelSelector::Nothing().IsNothing());
  EXPECT_FALSE(LabelSelector::Parse("a")->Empty());
}

TEST(LabelSelectorTest, FromStructured) {
  StructuredLabelSelector in;
  in.match_labels = {{"app", "web"}, {"tier", "fe"}};
  in.match_expressions = {{"env", "In", {"qa", "prod"}}, {"canary", "DoesNotExist", {}}, {"zone", "Exists", {}},
                          {"track", "NotIn", {"beta"}}};
  auto s = LabelSelector::FromStructured(in);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->ToString(), "app=web,!canary,env in (prod,qa),tier=fe,track notin (beta),zone");
  EXPECT_TRUE(s->Matches({{"app", "web"}, {"tier", "fe"}, {"env", "qa"}, {"zone", "a"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "fe"}, {"env", "qa"}, {"zone", "a"}, {"canary", "1"}}));
  EXPECT_FALSE(s->Matches({{"app", "web"}, {"tier", "fe"}, {"env", "qa"}}));

  // An empty structure selects everything.
  auto all = LabelSelector::FromStructured({});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->Empty());

  StructuredLabelSelector bad_op;
  bad_op.match_expressions = {{"a", "Gt", {"1"}}};
  auto e = LabelSelector::FromStructured(bad_op);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "\"Gt\" is not a valid label selector operator");

  StructuredLabelSelector empty_in;
  empty_in.match_expressions = {{"a", "In", {}}};
  e = LabelSelector::FromStructured(empty_in);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");

  StructuredLabelSelector exists_with_values;
  exists_with_values.match_expressions = {{"-a", "Exists", {"x"}}};
  e = LabelSelector::FromStructured(exists_with_values);
  ASSERT_FALSE(e.ok());
  // Several problems aggregate like upstream's utilerrors.
  EXPECT_EQ(e.error().message.front(), '[');
  EXPECT_NE(e.error().message.find("key: Invalid value: \"-a\""), std::string::npos) << e.error().message;
  EXPECT_NE(e.error().message.find("values: Invalid value: []string{\"x\"}: values set must be empty for exists and "
                                   "does not exist"),
            std::string::npos)
      << e.error().message;

  StructuredLabelSelector bad_value;
  bad_value.match_labels = {{"app", "we b"}};
  EXPECT_FALSE(LabelSelector::FromStructured(bad_value).ok());
}

TEST(LabelSelectorTest, FromSetAndRoundTrip) {
  auto s = LabelSelector::FromSet({{"b", "2"}, {"a", "1"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ToString(), "a=1,b=2");
  for (const char* text : {"a=1,b=2", "!x,a in (p,q),b notin (r),c!=d,e==f,g>1,h<2,z"}) {
    auto p = LabelSelector::Parse(text);
    ASSERT_TRUE(p.ok()) << text;
    auto again = LabelSelector::Parse(p->ToString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->requirements(), p->requirements()) << text;
  }
}

}  // namespace
}  // namespace kube

namespace kube {
namespace {

// Deterministic pseudo-random inputs over the selector alphabet: every input gets a verdict, and every accepted
// selector re-parses from its canonical form to the same requirements.
TEST(LabelSelectorParseTest, RandomInputsNeverCrashAndRoundTrip) {
  const std::string alphabet = "ab=!(),<> \tinotx-_./19\\\"";
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return state >> 8;
  };
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const size_t len = next() % 16;
    for (size_t j = 0; j < len; ++j) s += alphabet[next() % alphabet.size()];
    auto parsed = LabelSelector::Parse(s);
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().message.empty()) << s;
      continue;
    }
    ++accepted;
    auto again = LabelSelector::Parse(parsed->ToString());
    ASSERT_TRUE(again.ok()) << "'" << s << "' -> '" << parsed->ToString() << "': " << again.error().message;
    EXPECT_EQ(again->ToString(), parsed->ToString()) << s;
  }
  EXPECT_GT(accepted, 100);
}

}  // namespace
}  // namespace kube
