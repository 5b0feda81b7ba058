#include "kube/field_selector.h"

#include <algorithm>

#include <fmt/format.h>

namespace kube {
namespace {

common::Error Invalid(std::string message) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument, std::move(message));
}

// Splits on commas that are not escaped; escapes stay in the terms (unescaping happens per value).
std::vector<std::string_view> SplitTerms(std::string_view selector) {
  std::vector<std::string_view> terms;
  if (selector.empty()) return terms;
  size_t start = 0;
  bool in_slash = false;
  for (size_t i = 0; i < selector.size(); ++i) {
    const char c = selector[i];
    if (in_slash) {
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',') {
      terms.push_back(selector.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(selector.substr(start));
  return terms;
}

// The first operator occurrence splits the term ("!=" and "==" win over "=" at the same position).
bool SplitTerm(std::string_view term, std::string_view* lhs, FieldRequirement::Op* op, std::string_view* rhs) {
  for (size_t i = 0; i < term.size(); ++i) {
    const std::string_view rest = term.substr(i);
    size_t len = 0;
    if (rest.starts_with("!=")) {
      *op = FieldRequirement::Op::kNotEquals;
      len = 2;
    } else if (rest.starts_with("==")) {
      *op = FieldRequirement::Op::kEquals;
      len = 2;
    } else if (rest.starts_with("=")) {
      *op = FieldRequirement::Op::kEquals;
      len = 1;
    } else {
      continue;
    }
    *lhs = term.substr(0, i);
    *rhs = term.substr(i + len);
    return true;
  }
  return false;
}

}  // namespace

std::string EscapeFieldValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

common::Result<std::string> UnescapeFieldValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool in_slash = false;
  for (char c : value) {
    if (in_slash) {
      if (c != '\\' && c != ',' && c != '=') {
        return Invalid(fmt::format("invalid field selector: invalid escape sequence: \\{}", c));
      }
      out += c;
      in_slash = false;
    } else if (c == '\\') {
      in_slash = true;
    } else if (c == ',' || c == '=') {
      // Upstream formats the rune with %v, which prints its code point.
      return Invalid(fmt::format("invalid field selector: unescaped character in value: {}", static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (in_slash) return Invalid("invalid field selector: invalid escape sequence: \\");
  return out;
}

std::string FieldRequirement::ToString() const {
  return field + (op == Op::kEquals ? "=" : "!=") + EscapeFieldValue(value);
}

common::Result<FieldSelector> FieldSelector::Parse(std::string_view text) {
  std::vector<std::string_view> terms = SplitTerms(text);
  std::sort(terms.begin(), terms.end());
  FieldSelector s;
  for (std::string_view term : terms) {
    if (term.empty()) continue;
    std::string_view lhs, rhs;
    FieldRequirement::Op op;
    if (!SplitTerm(term, &lhs, &op, &rhs)) {
      return Invalid(fmt::format("invalid selector: '{}'; can't understand '{}'", text, term));
    }
    auto value = UnescapeFieldValue(rhs);
    if (!value.ok()) return value.error();
    s.requirements_.push_back(FieldRequirement{std::string(lhs), op, std::move(value.value())});
  }
  return s;
}

FieldSelector FieldSelector::OneTermEqual(std::string field, std::string value) {
  FieldSelector s;
  s.requirements_.push_back(FieldRequirement{std::move(field), FieldRequirement::Op::kEquals, std::move(value)});
  return s;
}

bool FieldSelector::Matches(const Fields& fields) const {
  return MatchesLookup([&fields](std::string_view field) -> std::string_view {
    auto it = fields.find(field);
    return it == fields.end() ? std::string_view() : std::string_view(it->second);
  });
}

std::optional<std::string> FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const FieldRequirement& r : requirements_) {
    if (r.field == field && r.op == FieldRequirement::Op::kEquals) return r.value;
  }
  return std::nullopt;
}

common::Status FieldSelector::CheckSupported(std::initializer_list<std::string_view> supported) const {
  for (const FieldRequirement& r : requirements_) {
    if (std::find(supported.begin(), supported.end(), r.field) == supported.end()) {
      return Invalid("field label not supported: " + r.field);
    }
  }
  return common::Status::Ok();
}

common::Status FieldSelector::CheckSupported(const std::vector<std::string>& supported) const {
  for (const FieldRequirement& r : requirements_) {
    if (std::find(supported.begin(), supported.end(), r.field) == supported.end()) {
      return Invalid("field label not supported: " + r.field);
    }
  }
  return common::Status::Ok();
}

std::string FieldSelector::ToString() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].ToString();
  }
  return out;
}

}  // namespace kube
