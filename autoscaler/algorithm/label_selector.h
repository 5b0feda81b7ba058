#pragma once
// The algorithm's view of label selectors. Parsing, validation and matching are kube::LabelSelector's (upstream's
// labels package); this file only bridges the algorithm's value types to it and prints selectors the way upstream's
// messages do.

#include <map>
#include <optional>
#include <string>

#include "autoscaler/algorithm/types.h"
#include "common/result.h"
#include "kube/label_selector.h"

namespace autoscaler::hpa {

// metav1.LabelSelectorAsSelector for a metric identifier's selector. An empty selector selects everything.
common::Result<kube::LabelSelector> ToKubeSelector(const LabelSelector& selector);

// Pod labels are kept in a plain std::map (the algorithm's and its callers' type), which kube::Labels' transparent
// comparator does not convert from; match through a lookup instead of copying the map for every pod.
bool SelectorMatches(const kube::LabelSelector& selector, const std::map<std::string, std::string>& labels);

// Go's "%+v" of a *metav1.LabelSelector (the generated String()): "nil" when unset, otherwise
// "&LabelSelector{MatchLabels:map[string]string{k: v,},MatchExpressions:[]LabelSelectorRequirement{},}".
// Upstream embeds it in metric names and error messages.
std::string FormatLabelSelectorGo(const std::optional<LabelSelector>& selector);

}  // namespace autoscaler::hpa
