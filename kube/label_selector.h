#pragma once
// kube::LabelSelector: upstream's labels.Selector (k8s.io/apimachinery/pkg/labels) — the string syntax used in
// `?labelSelector=` and scale.status.selector, and the structured metav1.LabelSelector of workload specs.
//
//   app=web            app==web           tier!=db
//   env in (prod,qa)   env notin (dev)    gpu          !gpu
//   replicas>3         replicas<10        (Gt/Lt: integer comparison, as upstream)
//   comma = AND; whitespace around tokens is ignored.
//
// Parsing, validation and error texts follow upstream's parser, so a bad selector gets the same message the real
// API server would give (e.g. "unable to parse requirement: <nil>: Invalid value: \"-a\": name part must ...").

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kube {

// Object labels. A std::map with a transparent comparator: sorted like upstream's output and looked up by
// string_view without allocating. Callers that store labels differently use LabelSelector::MatchesLookup.
using Labels = std::map<std::string, std::string, std::less<>>;

enum class SelectorOperator {
  kEquals,        // =
  kDoubleEquals,  // ==
  kNotEquals,     // !=
  kIn,            // in (...)
  kNotIn,         // notin (...)
  kExists,        // key
  kDoesNotExist,  // !key
  kGreaterThan,   // >
  kLessThan,      // <
};

class LabelRequirement {
 public:
  // Validates like upstream's labels.NewRequirement: a qualified-name key, label-syntax values, and the number of
  // values each operator needs. Values are kept sorted (and the parser de-duplicates them, as upstream's set does).
  static common::Result<LabelRequirement> Make(std::string key, SelectorOperator op, std::vector<std::string> values);

  const std::string& key() const { return key_; }
  SelectorOperator op() const { return op_; }
  const std::vector<std::string>& values() const { return values_; }

  // `value` is the object's label value for key(), or nullopt when the object lacks the label.
  bool Matches(std::optional<std::string_view> value) const;
  std::string ToString() const;

  friend bool operator==(const LabelRequirement&, const LabelRequirement&) = default;

 private:
  LabelRequirement(std::string key, SelectorOperator op, std::vector<std::string> values)
      : key_(std::move(key)), op_(op), values_(std::move(values)) {}

  std::string key_;
  SelectorOperator op_ = SelectorOperator::kExists;
  std::vector<std::string> values_;  // sorted
};

// metav1.LabelSelector, the structured form in Deployment.spec.selector and friends.
struct LabelSelectorExpression {
  std::string key;
  std::string op;  // "In", "NotIn", "Exists", "DoesNotExist"
  std::vector<std::string> values;
};
struct StructuredLabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorExpression> match_expressions;
};

class LabelSelector {
 public:
  // Matches everything (the empty selector).
  LabelSelector() = default;
  static LabelSelector Everything() { return LabelSelector(); }
  // Matches nothing; what upstream returns for a nil structured selector.
  static LabelSelector Nothing();

  // Parses the string syntax. The empty string (or only whitespace) selects everything.
  static common::Result<LabelSelector> Parse(std::string_view text);
  // metav1.LabelSelectorAsSelector: an empty structure selects everything. Callers holding an absent (nil)
  // selector should use Nothing().
  static common::Result<LabelSelector> FromStructured(const StructuredLabelSelector& selector);
  // labels.SelectorFromSet: key=value for each entry (validated).
  static common::Result<LabelSelector> FromSet(const Labels& set);

  // The requirements, sorted by key (stable for equal keys).
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // True for a selector without requirements (Everything), like upstream's Selector.Empty().
  bool Empty() const { return requirements_.empty() && !nothing_; }
  bool IsNothing() const { return nothing_; }

  void Add(LabelRequirement requirement);

  bool Matches(const Labels& labels) const;
  // lookup(std::string_view key) -> std::optional<std::string_view>: the object's label value or nullopt.
  template <typename Lookup>
  bool MatchesLookup(Lookup&& lookup) const {
    if (nothing_) return false;
    for (const LabelRequirement& r : requirements_) {
      if (!r.Matches(lookup(std::string_view(r.key())))) return false;
    }
    return true;
  }

  // Canonical form: requirements sorted by key joined with ',', values sorted ("a in (x,y),!b,c=d").
  // Nothing() prints as "" too (upstream has no syntax for it).
  std::string ToString() const;

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

}  // namespace kube
