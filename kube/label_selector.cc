#include "kube/label_selector.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace kube {
namespace {

common::Error Invalid(std::string message) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument, std::move(message));
}

// --- upstream's k8s.io/apimachinery/pkg/util/validation, the parts selectors use --------------------------------

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*
bool MatchesDns1123Subdomain(std::string_view s) {
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    for (char c : label) {
      if (!lower_alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string RegexError(std::string msg, std::string_view regex, std::initializer_list<std::string_view> examples) {
  // Upstream's wording, including its double space before "or".
  msg += " (e.g. ";
  bool first = true;
  for (std::string_view e : examples) {
    if (!first) msg += " or ";
    first = false;
    msg += fmt::format("'{}', ", e);
  }
  msg += fmt::format("regex used for validation is '{}')", regex);
  return msg;
}

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character";
constexpr size_t kQualifiedNameMaxLength = 63;
constexpr size_t kLabelValueMaxLength = 63;
constexpr size_t kDns1123SubdomainMaxLength = 253;

std::string MaxLenError(size_t n) { return fmt::format("must be no more than {} characters", n); }

// validation.IsQualifiedName
std::vector<std::string> QualifiedNameErrors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  const size_t slashes = static_cast<size_t>(std::count(value.begin(), value.end(), '/'));
  if (slashes > 1) {
    errs.push_back("a qualified name " + RegexError(std::string(kQualifiedNameMsg), kQualifiedNameFmt,
                                                    {"MyName", "my.name", "123-abc"}) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (slashes == 1) {
    const size_t slash = value.find('/');
    const std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > kDns1123SubdomainMaxLength) errs.push_back("prefix part " + MaxLenError(kDns1123SubdomainMaxLength));
      if (!MatchesDns1123Subdomain(prefix)) {
        errs.push_back("prefix part " + RegexError(std::string(kDns1123SubdomainMsg), kDns1123SubdomainFmt, {"example.com"}));
      }
    }
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + MaxLenError(kQualifiedNameMaxLength));
  }
  if (!MatchesQualifiedNamePart(name)) {
    errs.push_back("name part " + RegexError(std::string(kQualifiedNameMsg), kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

// validation.IsValidLabelValue
std::vector<std::string> LabelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(MaxLenError(kLabelValueMaxLength));
  if (!value.empty() && !MatchesQualifiedNamePart(value)) {
    errs.push_back(RegexError(std::string(kLabelValueMsg), kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Go's %q for the common cases: quotes and backslashes escaped, control bytes as \xNN.
std::string GoQuote(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// field.Invalid(path, value, detail).Error() for a string value.
std::string FieldInvalid(std::string_view path, std::string_view value, std::string_view detail) {
  return fmt::format("{}: Invalid value: {}: {}", path, GoQuote(value), detail);
}

// Go's %#v of a []string, as field.Invalid prints slice values.
std::string GoStringSlice(const std::vector<std::string>& values) {
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += GoQuote(values[i]);
  }
  return out + "}";
}

// utilerrors.NewAggregate(...).Error(): one message alone, several de-duplicated inside brackets.
std::string Aggregate(const std::vector<std::string>& errs) {
  std::vector<std::string> unique;
  for (const auto& e : errs) {
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  }
  if (unique.size() == 1) return unique[0];
  return "[" + Join(unique, ", ") + "]";
}

// strconv.ParseInt(s, 10, 64).
bool ParseInt64(std::string_view s, int64_t* out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// --- upstream's selector lexer and parser ---------------------------------------------------------------------

enum class Tok {
  kEnd,
  kIdentifier,
  kDoesNotExist,  // !
  kEquals,        // =
  kDoubleEquals,  // ==
  kNotEquals,     // !=
  kIn,
  kNotIn,
  kOpenPar,
  kClosedPar,
  kComma,
  kGreaterThan,
  kLessThan,
};

struct Item {
  Tok tok;
  std::string_view literal;
};

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

bool LookupToken(std::string_view s, Tok* tok) {
  static constexpr std::pair<std::string_view, Tok> kTokens[] = {
      {"!", Tok::kDoesNotExist}, {"!=", Tok::kNotEquals}, {"(", Tok::kOpenPar},      {")", Tok::kClosedPar},
      {",", Tok::kComma},        {"=", Tok::kEquals},     {"==", Tok::kDoubleEquals}, {">", Tok::kGreaterThan},
      {"<", Tok::kLessThan},     {"in", Tok::kIn},        {"notin", Tok::kNotIn},
  };
  for (const auto& [text, t] : kTokens) {
    if (text == s) {
      *tok = t;
      return true;
    }
  }
  return false;
}

// Like upstream's Lexer: a NUL byte ends the input (Go's reader returns 0 at the end).
std::vector<Item> Scan(std::string_view s) {
  std::vector<Item> items;
  size_t pos = 0;
  while (true) {
    while (pos < s.size() && IsWhitespace(s[pos])) ++pos;
    if (pos >= s.size() || s[pos] == '\0') {
      items.push_back({Tok::kEnd, {}});
      return items;
    }
    const size_t start = pos;
    if (IsSpecial(s[pos])) {
      // Longest special-symbol token: "!=" and "==" over "!" and "=".
      Tok tok = Tok::kEnd;
      size_t end = start;
      for (size_t i = start; i < s.size() && IsSpecial(s[i]); ++i) {
        Tok t;
        if (LookupToken(s.substr(start, i - start + 1), &t)) {
          tok = t;
          end = i + 1;
        } else if (tok != Tok::kEnd) {
          break;
        }
      }
      pos = end;  // every single special character is a token, so end > start
      items.push_back({tok, s.substr(start, end - start)});
      continue;
    }
    while (pos < s.size() && s[pos] != '\0' && !IsSpecial(s[pos]) && !IsWhitespace(s[pos])) ++pos;
    const std::string_view word = s.substr(start, pos - start);
    if (pos < s.size() && s[pos] == '\0') ++pos;  // upstream consumes the NUL that ends a word
    Tok tok;
    items.push_back({LookupToken(word, &tok) ? tok : Tok::kIdentifier, word});
  }
}

class Parser {
 public:
  explicit Parser(std::string_view s) : items_(Scan(s)) {}

  common::Result<std::vector<LabelRequirement>> Parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      const Item next = Lookahead(true);
      if (next.tok == Tok::kIdentifier || next.tok == Tok::kDoesNotExist) {
        auto r = ParseRequirement();
        if (!r.ok()) return Invalid("unable to parse requirement: " + r.error().message);
        reqs.push_back(std::move(r.value()));
        const Item sep = Consume(true);
        if (sep.tok == Tok::kEnd) return reqs;
        if (sep.tok == Tok::kComma) {
          const Item after = Lookahead(true);
          if (after.tok != Tok::kIdentifier && after.tok != Tok::kDoesNotExist) {
            return Invalid(fmt::format("found '{}', expected: identifier after ','", after.literal));
          }
          continue;
        }
        return Invalid(fmt::format("found '{}', expected: ',' or 'end of string'", sep.literal));
      }
      if (next.tok == Tok::kEnd) return reqs;
      return Invalid(fmt::format("found '{}', expected: !, identifier, or 'end of string'", next.literal));
    }
  }

 private:
  // In value context the keywords "in"/"notin" are plain identifiers (a label may be called "in").
  static Item AsValue(Item item) {
    if (item.tok == Tok::kIn || item.tok == Tok::kNotIn) item.tok = Tok::kIdentifier;
    return item;
  }
  Item Lookahead(bool values) const {
    const Item& item = items_[std::min(pos_, items_.size() - 1)];
    return values ? AsValue(item) : item;
  }
  Item Consume(bool values) {
    const Item item = Lookahead(values);
    if (pos_ < items_.size() - 1) ++pos_;
    return item;
  }

  common::Result<LabelRequirement> ParseRequirement() {
    SelectorOperator op = SelectorOperator::kExists;
    bool negated = false;
    Item key = Consume(true);
    if (key.tok == Tok::kDoesNotExist) {
      negated = true;
      key = Consume(true);
    }
    if (key.tok != Tok::kIdentifier) return Invalid(fmt::format("found '{}', expected: identifier", key.literal));
    if (auto errs = QualifiedNameErrors(key.literal); !errs.empty()) {
      // Upstream validates against a nil field path here, hence the literal "<nil>".
      return Invalid(FieldInvalid("<nil>", key.literal, Join(errs, "; ")));
    }
    const Tok after_key = Lookahead(true).tok;
    if (negated) {
      return LabelRequirement::Make(std::string(key.literal), SelectorOperator::kDoesNotExist, {});
    }
    if (after_key == Tok::kEnd || after_key == Tok::kComma) {
      return LabelRequirement::Make(std::string(key.literal), SelectorOperator::kExists, {});
    }
    const Item op_item = Consume(false);
    switch (op_item.tok) {
      case Tok::kIn:
        op = SelectorOperator::kIn;
        break;
      case Tok::kNotIn:
        op = SelectorOperator::kNotIn;
        break;
      case Tok::kEquals:
        op = SelectorOperator::kEquals;
        break;
      case Tok::kDoubleEquals:
        op = SelectorOperator::kDoubleEquals;
        break;
      case Tok::kNotEquals:
        op = SelectorOperator::kNotEquals;
        break;
      case Tok::kGreaterThan:
        op = SelectorOperator::kGreaterThan;
        break;
      case Tok::kLessThan:
        op = SelectorOperator::kLessThan;
        break;
      default:
        return Invalid(fmt::format("found '{}', expected: in, notin, =, ==, !=, gt, lt", op_item.literal));
    }
    std::vector<std::string> values;
    if (op == SelectorOperator::kIn || op == SelectorOperator::kNotIn) {
      auto v = ParseValues();
      if (!v.ok()) return v.error();
      values = std::move(v.value());
    } else {
      auto v = ParseExactValue();
      if (!v.ok()) return v.error();
      values.push_back(std::move(v.value()));
    }
    return LabelRequirement::Make(std::string(key.literal), op, std::move(values));
  }

  // "(a,b,c)", also the degenerate "()", "(,a)", "(a,)" which upstream reads as containing "".
  common::Result<std::vector<std::string>> ParseValues() {
    const Item open = Consume(true);
    if (open.tok != Tok::kOpenPar) return Invalid(fmt::format("found '{}' expected: '('", open.literal));
    const Item first = Lookahead(true);
    std::vector<std::string> set;
    if (first.tok == Tok::kClosedPar) {
      Consume(true);
      return std::vector<std::string>{""};
    }
    if (first.tok != Tok::kIdentifier && first.tok != Tok::kComma) {
      return Invalid(fmt::format("found '{}', expected: ',', ')' or identifier", first.literal));
    }
    while (true) {
      const Item item = Consume(true);
      if (item.tok == Tok::kIdentifier) {
        set.emplace_back(item.literal);
        const Item next = Lookahead(true);
        if (next.tok == Tok::kComma) continue;
        if (next.tok == Tok::kClosedPar) break;
        return Invalid(fmt::format("found '{}', expected: ',' or ')'", next.literal));
      }
      if (item.tok == Tok::kComma) {
        if (set.empty()) set.emplace_back("");
        const Item next = Lookahead(true);
        if (next.tok == Tok::kClosedPar) {
          set.emplace_back("");
          break;
        }
        if (next.tok == Tok::kComma) {
          Consume(true);
          set.emplace_back("");
        }
        continue;
      }
      return Invalid(fmt::format("found '{}', expected: ',', or identifier", item.literal));
    }
    Consume(true);  // the ')' seen by the lookahead above
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    return set;
  }

  // The value after =, ==, !=, >, <; empty when the requirement ends right there ("a=").
  common::Result<std::string> ParseExactValue() {
    const Tok next = Lookahead(true).tok;
    if (next == Tok::kEnd || next == Tok::kComma) return std::string();
    const Item item = Consume(true);
    if (item.tok == Tok::kIdentifier) return std::string(item.literal);
    return Invalid(fmt::format("found '{}', expected: identifier", item.literal));
  }

  std::vector<Item> items_;  // always ends with kEnd
  size_t pos_ = 0;
};

}  // namespace

common::Result<LabelRequirement> LabelRequirement::Make(std::string key, SelectorOperator op,
                                                        std::vector<std::string> values) {
  std::vector<std::string> errs;
  if (auto key_errs = QualifiedNameErrors(key); !key_errs.empty()) {
    errs.push_back(FieldInvalid("key", key, Join(key_errs, "; ")));
  }
  switch (op) {
    case SelectorOperator::kIn:
    case SelectorOperator::kNotIn:
      if (values.empty()) {
        errs.push_back(fmt::format("values: Invalid value: {}: for 'in', 'notin' operators, values set can't be empty",
                                   GoStringSlice(values)));
      }
      break;
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
    case SelectorOperator::kNotEquals:
      if (values.size() != 1) {
        errs.push_back(fmt::format("values: Invalid value: {}: exact-match compatibility requires one single value",
                                   GoStringSlice(values)));
      }
      break;
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist:
      if (!values.empty()) {
        errs.push_back(fmt::format("values: Invalid value: {}: values set must be empty for exists and does not exist",
                                   GoStringSlice(values)));
      }
      break;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan:
      if (values.size() != 1) {
        errs.push_back(fmt::format("values: Invalid value: {}: for 'Gt', 'Lt' operators, exactly one value is required",
                                   GoStringSlice(values)));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        int64_t unused;
        if (!ParseInt64(values[i], &unused)) {
          errs.push_back(FieldInvalid(fmt::format("values[{}]", i), values[i],
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto value_errs = LabelValueErrors(values[i]); !value_errs.empty()) {
      errs.push_back(FieldInvalid(fmt::format("values[{}][{}]", i, key), values[i], Join(value_errs, "; ")));
    }
  }
  if (!errs.empty()) return Invalid(Aggregate(errs));
  std::sort(values.begin(), values.end());
  return LabelRequirement(std::move(key), op, std::move(values));
}

bool LabelRequirement::Matches(std::optional<std::string_view> value) const {
  auto contains = [this](std::string_view v) { return std::binary_search(values_.begin(), values_.end(), v); };
  switch (op_) {
    case SelectorOperator::kIn:
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
      return value.has_value() && contains(*value);
    case SelectorOperator::kNotIn:
    case SelectorOperator::kNotEquals:
      return !value.has_value() || !contains(*value);
    case SelectorOperator::kExists:
      return value.has_value();
    case SelectorOperator::kDoesNotExist:
      return !value.has_value();
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan: {
      int64_t have, want;
      if (!value.has_value() || values_.size() != 1) return false;
      if (!ParseInt64(*value, &have) || !ParseInt64(values_[0], &want)) return false;
      return op_ == SelectorOperator::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

std::string LabelRequirement::ToString() const {
  std::string out;
  if (op_ == SelectorOperator::kDoesNotExist) out += '!';
  out += key_;
  switch (op_) {
    case SelectorOperator::kEquals:
      out += '=';
      break;
    case SelectorOperator::kDoubleEquals:
      out += "==";
      break;
    case SelectorOperator::kNotEquals:
      out += "!=";
      break;
    case SelectorOperator::kIn:
      out += " in (";
      break;
    case SelectorOperator::kNotIn:
      out += " notin (";
      break;
    case SelectorOperator::kGreaterThan:
      out += '>';
      break;
    case SelectorOperator::kLessThan:
      out += '<';
      break;
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist:
      return out;
  }
  out += Join(values_, ",");
  if (op_ == SelectorOperator::kIn || op_ == SelectorOperator::kNotIn) out += ')';
  return out;
}

LabelSelector LabelSelector::Nothing() {
  LabelSelector s;
  s.nothing_ = true;
  return s;
}

common::Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  auto reqs = Parser(text).Parse();
  if (!reqs.ok()) return reqs.error();
  LabelSelector s;
  for (auto& r : reqs.value()) s.Add(std::move(r));
  return s;
}

common::Result<LabelSelector> LabelSelector::FromStructured(const StructuredLabelSelector& in) {
  LabelSelector s;
  for (const auto& [key, value] : in.match_labels) {
    auto r = LabelRequirement::Make(key, SelectorOperator::kEquals, {value});
    if (!r.ok()) return r.error();
    s.Add(std::move(r.value()));
  }
  for (const auto& expr : in.match_expressions) {
    SelectorOperator op;
    if (expr.op == "In") {
      op = SelectorOperator::kIn;
    } else if (expr.op == "NotIn") {
      op = SelectorOperator::kNotIn;
    } else if (expr.op == "Exists") {
      op = SelectorOperator::kExists;
    } else if (expr.op == "DoesNotExist") {
      op = SelectorOperator::kDoesNotExist;
    } else {
      return Invalid(fmt::format("\"{}\" is not a valid label selector operator", expr.op));
    }
    auto r = LabelRequirement::Make(expr.key, op, expr.values);
    if (!r.ok()) return r.error();
    s.Add(std::move(r.value()));
  }
  return s;
}

common::Result<LabelSelector> LabelSelector::FromSet(const Labels& set) {
  LabelSelector s;
  for (const auto& [key, value] : set) {
    auto r = LabelRequirement::Make(key, SelectorOperator::kEquals, {value});
    if (!r.ok()) return r.error();
    s.Add(std::move(r.value()));
  }
  return s;
}

void LabelSelector::Add(LabelRequirement requirement) {
  // Keep the key order upstream's sort gives, stable for repeated keys.
  auto at = std::upper_bound(requirements_.begin(), requirements_.end(), requirement.key(),
                             [](const std::string& key, const LabelRequirement& r) { return key < r.key(); });
  requirements_.insert(at, std::move(requirement));
}

bool LabelSelector::Matches(const Labels& labels) const {
  return MatchesLookup([&labels](std::string_view key) -> std::optional<std::string_view> {
    auto it = labels.find(key);
    if (it == labels.end()) return std::nullopt;
    return std::string_view(it->second);
  });
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].ToString();
  }
  return out;
}

}  // namespace kube
