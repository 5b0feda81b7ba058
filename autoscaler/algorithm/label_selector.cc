#include "autoscaler/algorithm/label_selector.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace autoscaler::hpa {
namespace {

common::Error SelectorError(std::string message) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument, std::move(message));
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

// A label value: empty, or at most 63 characters of [-_.A-Za-z0-9] starting and ending alphanumeric.
bool IsValidValue(std::string_view v) {
  if (v.empty()) return true;
  if (v.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(v.front())) || !std::isalnum(static_cast<unsigned char>(v.back())))
    return false;
  return std::all_of(v.begin(), v.end(), IsNameChar);
}

// A label key: an optional DNS-subdomain prefix and '/', then a non-empty name that is a valid value.
bool IsValidKey(std::string_view k) {
  auto slash = k.find('/');
  std::string_view name = k;
  if (slash != std::string_view::npos) {
    std::string_view prefix = k.substr(0, slash);
    name = k.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 253) return false;
    for (char c : prefix) {
      if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-' ||
            c == '.'))
        return false;
    }
  }
  return !name.empty() && IsValidValue(name);
}

bool IsInteger(std::string_view v) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return !v.empty() && ec == std::errc() && ptr == v.data() + v.size();
}

// Tokenizer for the string form. Identifiers are runs of characters that are not operators or whitespace.
class Lexer {
 public:
  enum class Kind { kEnd, kIdent, kComma, kOpenParen, kCloseParen, kEquals, kDoubleEquals, kNotEquals, kBang, kGt, kLt };
  struct Token {
    Kind kind = Kind::kEnd;
    std::string text;
  };

  explicit Lexer(std::string_view text) : text_(text) {}

  Token Next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ >= text_.size()) return {Kind::kEnd, ""};
    char c = text_[pos_];
    auto two = [&](char second) { return pos_ + 1 < text_.size() && text_[pos_ + 1] == second; };
    switch (c) {
      case ',': ++pos_; return {Kind::kComma, ","};
      case '(': ++pos_; return {Kind::kOpenParen, "("};
      case ')': ++pos_; return {Kind::kCloseParen, ")"};
      case '>': ++pos_; return {Kind::kGt, ">"};
      case '<': ++pos_; return {Kind::kLt, "<"};
      case '=':
        if (two('=')) { pos_ += 2; return {Kind::kDoubleEquals, "=="}; }
        ++pos_;
        return {Kind::kEquals, "="};
      case '!':
        if (two('=')) { pos_ += 2; return {Kind::kNotEquals, "!="}; }
        ++pos_;
        return {Kind::kBang, "!"};
      default: break;
    }
    size_t start = pos_;
    while (pos_ < text_.size()) {
      char d = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(d)) || d == ',' || d == '(' || d == ')' || d == '=' || d == '!' ||
          d == '>' || d == '<')
        break;
      ++pos_;
    }
    return {Kind::kIdent, std::string(text_.substr(start, pos_ - start))};
  }

  Token Peek() {
    size_t saved = pos_;
    Token t = Next();
    pos_ = saved;
    return t;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

const char* OpString(Selector::Op op) {
  switch (op) {
    case Selector::Op::kEquals: return "=";
    case Selector::Op::kNotEquals: return "!=";
    case Selector::Op::kIn: return " in ";
    case Selector::Op::kNotIn: return " notin ";
    case Selector::Op::kGreaterThan: return ">";
    case Selector::Op::kLessThan: return "<";
    case Selector::Op::kExists:
    case Selector::Op::kDoesNotExist: return "";
  }
  return "";
}

}  // namespace

common::Result<Selector> Selector::Parse(std::string_view text) {
  Selector out;
  Lexer lex(text);
  if (lex.Peek().kind == Lexer::Kind::kEnd) return out;
  while (true) {
    Requirement req;
    Lexer::Token t = lex.Next();
    bool negated = false;
    if (t.kind == Lexer::Kind::kBang) {
      negated = true;
      t = lex.Next();
    }
    if (t.kind != Lexer::Kind::kIdent) return SelectorError("unable to parse requirement: found '" + t.text + "', expected: identifier");
    if (!IsValidKey(t.text)) return SelectorError("unable to parse requirement: invalid label key \"" + t.text + "\"");
    req.key = t.text;
    Lexer::Token op = lex.Peek();
    if (negated) {
      req.op = Op::kDoesNotExist;
    } else if (op.kind == Lexer::Kind::kComma || op.kind == Lexer::Kind::kEnd) {
      req.op = Op::kExists;
    } else {
      lex.Next();
      switch (op.kind) {
        case Lexer::Kind::kEquals:
        case Lexer::Kind::kDoubleEquals: req.op = Op::kEquals; break;
        case Lexer::Kind::kNotEquals: req.op = Op::kNotEquals; break;
        case Lexer::Kind::kGt: req.op = Op::kGreaterThan; break;
        case Lexer::Kind::kLt: req.op = Op::kLessThan; break;
        case Lexer::Kind::kIdent:
          if (op.text == "in") { req.op = Op::kIn; break; }
          if (op.text == "notin") { req.op = Op::kNotIn; break; }
          [[fallthrough]];
        default:
          return SelectorError("unable to parse requirement: found '" + op.text +
                               "', expected: in, notin, =, ==, !=, gt, lt");
      }
      if (req.op == Op::kIn || req.op == Op::kNotIn) {
        if (lex.Next().kind != Lexer::Kind::kOpenParen) return SelectorError("found '" + op.text + "', expected: '('");
        while (true) {
          Lexer::Token v = lex.Next();
          if (v.kind == Lexer::Kind::kCloseParen && req.values.empty()) break;  // "in ()" is allowed by the lexer
          std::string value;
          if (v.kind == Lexer::Kind::kIdent) {
            value = v.text;
            v = lex.Next();
          }
          if (!IsValidValue(value)) return SelectorError("invalid label value: \"" + value + "\"");
          req.values.push_back(value);
          if (v.kind == Lexer::Kind::kCloseParen) break;
          if (v.kind != Lexer::Kind::kComma) return SelectorError("found '" + v.text + "', expected: ',' or ')'");
        }
        if (req.values.empty()) return SelectorError("for 'in', 'notin' operators, values set can't be empty");
      } else {
        // A single value; "a=" (empty value) is legal.
        Lexer::Token v = lex.Peek();
        std::string value;
        if (v.kind == Lexer::Kind::kIdent) {
          value = v.text;
          lex.Next();
        }
        if (req.op == Op::kGreaterThan || req.op == Op::kLessThan) {
          if (!IsInteger(value)) return SelectorError("for 'Gt', 'Lt' operators, the value must be an integer");
        } else if (!IsValidValue(value)) {
          return SelectorError("invalid label value: \"" + value + "\"");
        }
        req.values.push_back(value);
      }
    }
    out.requirements_.push_back(std::move(req));
    Lexer::Token sep = lex.Next();
    if (sep.kind == Lexer::Kind::kEnd) break;
    if (sep.kind != Lexer::Kind::kComma) return SelectorError("found '" + sep.text + "', expected: ',' or 'end of string'");
  }
  std::stable_sort(out.requirements_.begin(), out.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return out;
}

common::Result<Selector> Selector::FromLabelSelector(const LabelSelector& selector) {
  Selector out;
  for (const auto& [k, v] : selector.match_labels) {
    if (!IsValidKey(k)) return SelectorError("invalid label key \"" + k + "\"");
    if (!IsValidValue(v)) return SelectorError("invalid label value: \"" + v + "\"");
    out.requirements_.push_back({k, Op::kEquals, {v}});
  }
  for (const auto& expr : selector.match_expressions) {
    Requirement req{expr.key, Op::kIn, expr.values};
    if (expr.op == "In") {
      req.op = Op::kIn;
    } else if (expr.op == "NotIn") {
      req.op = Op::kNotIn;
    } else if (expr.op == "Exists") {
      req.op = Op::kExists;
    } else if (expr.op == "DoesNotExist") {
      req.op = Op::kDoesNotExist;
    } else {
      return SelectorError("\"" + expr.op + "\" is not a valid label selector operator");
    }
    if (!IsValidKey(expr.key)) return SelectorError("invalid label key \"" + expr.key + "\"");
    bool wants_values = req.op == Op::kIn || req.op == Op::kNotIn;
    if (wants_values && req.values.empty())
      return SelectorError("for 'in', 'notin' operators, values set can't be empty");
    if (!wants_values && !req.values.empty())
      return SelectorError("values set must be empty for exists and does not exist");
    for (const auto& v : req.values) {
      if (!IsValidValue(v)) return SelectorError("invalid label value: \"" + v + "\"");
    }
    out.requirements_.push_back(std::move(req));
  }
  std::stable_sort(out.requirements_.begin(), out.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return out;
}

bool Selector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& req : requirements_) {
    auto it = labels.find(req.key);
    bool has = it != labels.end();
    auto in_values = [&] { return has && std::find(req.values.begin(), req.values.end(), it->second) != req.values.end(); };
    bool ok = true;
    switch (req.op) {
      case Op::kEquals:
      case Op::kIn: ok = in_values(); break;
      case Op::kNotEquals:
      case Op::kNotIn: ok = !in_values(); break;
      case Op::kExists: ok = has; break;
      case Op::kDoesNotExist: ok = !has; break;
      case Op::kGreaterThan:
      case Op::kLessThan: {
        int64_t have = 0, want = 0;
        if (!has || !IsInteger(it->second) || req.values.empty()) return false;
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), have);
        std::from_chars(req.values[0].data(), req.values[0].data() + req.values[0].size(), want);
        ok = req.op == Op::kGreaterThan ? have > want : have < want;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

std::string Selector::ToString() const {
  std::string out;
  for (const auto& req : requirements_) {
    if (!out.empty()) out += ",";
    if (req.op == Op::kDoesNotExist) out += "!";
    out += req.key;
    out += OpString(req.op);
    if (req.op == Op::kIn || req.op == Op::kNotIn) {
      std::vector<std::string> sorted = req.values;
      std::sort(sorted.begin(), sorted.end());
      out += "(";
      for (size_t i = 0; i < sorted.size(); ++i) out += (i ? "," : "") + sorted[i];
      out += ")";
    } else if (req.op != Op::kExists && req.op != Op::kDoesNotExist && !req.values.empty()) {
      out += req.values[0];
    }
  }
  return out;
}

std::string FormatLabelSelectorGo(const std::optional<LabelSelector>& selector) {
  if (!selector) return "nil";
  std::string out = "&LabelSelector{MatchLabels:map[string]string{";
  for (const auto& [k, v] : selector->match_labels) out += k + ": " + v + ",";
  out += "},MatchExpressions:[]LabelSelectorRequirement{";
  for (const auto& e : selector->match_expressions) {
    out += "LabelSelectorRequirement{Key:" + e.key + ",Operator:" + e.op + ",Values:[";
    for (size_t i = 0; i < e.values.size(); ++i) out += (i ? " " : "") + e.values[i];
    out += "],},";
  }
  out += "},}";
  return out;
}

}  // namespace autoscaler::hpa
