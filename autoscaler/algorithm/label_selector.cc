#include "autoscaler/algorithm/label_selector.h"

#include <string_view>

namespace autoscaler::hpa {

common::Result<kube::LabelSelector> ToKubeSelector(const LabelSelector& selector) {
  kube::StructuredLabelSelector structured;
  structured.match_labels = selector.match_labels;
  structured.match_expressions.reserve(selector.match_expressions.size());
  for (const LabelSelectorRequirement& e : selector.match_expressions) {
    structured.match_expressions.push_back({e.key, e.op, e.values});
  }
  return kube::LabelSelector::FromStructured(structured);
}

bool SelectorMatches(const kube::LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  return selector.MatchesLookup([&labels](std::string_view key) -> std::optional<std::string_view> {
    // std::map<std::string, std::string> has no heterogeneous find; one short key copy per requirement.
    auto it = labels.find(std::string(key));
    if (it == labels.end()) return std::nullopt;
    return std::string_view(it->second);
  });
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
