#pragma once
// What the API server stand-in adds to kube::LabelSelector / kube::FieldSelector (which own the syntax, validation
// and upstream's error texts): which field paths each resource supports, how a stored object's JSON yields field
// values, and the string form of a workload's structured spec.selector.

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "common/result.h"
#include "kube/field_selector.h"
#include "kube/label_selector.h"

namespace sandbox {

// Field paths kube-apiserver supports for a resource (besides metadata.name and metadata.namespace).
std::vector<std::string> SupportedFieldSelectors(std::string_view group, std::string_view resource);

// A `?fieldSelector=` for one resource: kube::FieldSelector::Parse, then upstream's
// "field label not supported: <field>" for a path the resource does not support. Errors are kInvalidArgument.
common::Result<kube::FieldSelector> ParseFieldSelector(std::string_view text, std::string_view group,
                                                       std::string_view resource);

// The value of a dotted field path in an object's JSON, rendered as upstream's field sets render it: strings as
// they are, booleans as "true"/"false", numbers in decimal, and "" for an absent or null field.
std::string FieldValue(const rapidjson::Value& object, std::string_view path);
bool FieldsMatch(const kube::FieldSelector& selector, const rapidjson::Value& object);

// metav1.LabelSelectorAsSelector(...).String() of a workload's spec.selector JSON ({matchLabels,
// matchExpressions}), or labels.SelectorFromSet of a ReplicationController's plain map. "" when absent; an error
// (upstream's validation text) when the selector is invalid.
common::Result<std::string> SelectorString(const rapidjson::Value* selector);

}  // namespace sandbox
