#pragma once
// kube::FieldSelector: upstream's fields.Selector (k8s.io/apimachinery/pkg/fields), the `?fieldSelector=` syntax:
//   metadata.name=web-0    metadata.namespace!=kube-system    spec.nodeName==node-1    (comma = AND)
// Values escape '\', ',' and '=' with a backslash; field names are taken verbatim (no whitespace trimming, as
// upstream). Which fields a resource supports is the server's business: CheckSupported() produces upstream's
// "field label not supported: <field>" error.

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kube {

// Field values of an object, by field path ("metadata.name"). Absent fields read as "" (upstream semantics).
using Fields = std::map<std::string, std::string, std::less<>>;

struct FieldRequirement {
  enum class Op { kEquals, kNotEquals };
  std::string field;
  Op op = Op::kEquals;
  std::string value;  // unescaped

  bool Matches(std::string_view field_value) const { return (field_value == value) == (op == Op::kEquals); }
  std::string ToString() const;  // "field=value" / "field!=value", value escaped
  friend bool operator==(const FieldRequirement&, const FieldRequirement&) = default;
};

class FieldSelector {
 public:
  FieldSelector() = default;  // everything
  static FieldSelector Everything() { return FieldSelector(); }

  // Errors use upstream's texts: "invalid selector: '<sel>'; can't understand '<term>'",
  // "invalid field selector: invalid escape sequence: \x", "invalid field selector: unescaped character in value: 61".
  static common::Result<FieldSelector> Parse(std::string_view text);
  // fields.OneTermEqualSelector.
  static FieldSelector OneTermEqual(std::string field, std::string value);

  bool Empty() const { return requirements_.empty(); }
  // Sorted by the term's text as written, like upstream.
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }

  bool Matches(const Fields& fields) const;
  // getter(std::string_view field) -> std::string_view: the object's value for the field ("" when absent).
  template <typename Getter>
  bool MatchesLookup(Getter&& getter) const {
    for (const FieldRequirement& r : requirements_) {
      if (!r.Matches(getter(std::string_view(r.field)))) return false;
    }
    return true;
  }

  // The value a "field=value" (or "==") term demands, if any: lets servers serve metadata.name lookups directly.
  std::optional<std::string> RequiresExactMatch(std::string_view field) const;

  // Fails with "field label not supported: <field>" (upstream's conversion error) for the first unsupported field.
  common::Status CheckSupported(std::initializer_list<std::string_view> supported) const;
  common::Status CheckSupported(const std::vector<std::string>& supported) const;

  std::string ToString() const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// fields.EscapeValue / UnescapeValue.
std::string EscapeFieldValue(std::string_view value);
common::Result<std::string> UnescapeFieldValue(std::string_view value);

}  // namespace kube
