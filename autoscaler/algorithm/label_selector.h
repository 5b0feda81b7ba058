#pragma once
// Label selectors as the HPA controller needs them: the string form found in /scale status.selector (parsed and
// matched against pod labels), and the structured metav1.LabelSelector of metric identifiers (validated, turned
// into a query string, and printed the way upstream's messages print it).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "autoscaler/algorithm/types.h"
#include "common/result.h"

namespace autoscaler::hpa {

class Selector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGreaterThan, kLessThan };
  struct Requirement {
    std::string key;
    Op op = Op::kEquals;
    std::vector<std::string> values;
  };

  // labels.Parse: "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3". The empty string selects everything.
  static common::Result<Selector> Parse(std::string_view text);
  // metav1.LabelSelectorAsSelector. An empty selector selects everything.
  static common::Result<Selector> FromLabelSelector(const LabelSelector& selector);

  bool Matches(const std::map<std::string, std::string>& labels) const;
  bool Empty() const { return requirements_.empty(); }
  // Canonical string form (requirements sorted by key), suitable for a labelSelector query parameter.
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

// Go's "%+v" of a *metav1.LabelSelector (the generated String()): "nil" when unset, otherwise
// "&LabelSelector{MatchLabels:map[string]string{k: v,},MatchExpressions:[]LabelSelectorRequirement{},}".
// Upstream embeds it in metric names and error messages.
std::string FormatLabelSelectorGo(const std::optional<LabelSelector>& selector);

}  // namespace autoscaler::hpa
