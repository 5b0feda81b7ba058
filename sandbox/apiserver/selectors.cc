#include "sandbox/apiserver/selectors.h"

#include <algorithm>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {

std::vector<std::string> SupportedFieldSelectors(std::string_view group, std::string_view resource) {
  if (group.empty() && resource == "pods") {
    return {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"};
  }
  if (group.empty() && resource == "nodes") return {"spec.unschedulable"};
  if (group.empty() && resource == "namespaces") return {"status.phase"};
  if (group.empty() && resource == "events") {
    return {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type"};
  }
  if (group.empty() && resource == "replicationcontrollers") return {"status.replicas"};
  if (group == "apps" && resource == "replicasets") return {"status.replicas"};
  return {};
}

common::Result<kube::FieldSelector> ParseFieldSelector(std::string_view text, std::string_view group,
                                                       std::string_view resource) {
  auto selector = kube::FieldSelector::Parse(text);
  if (!selector.ok()) return selector.error();
  // Every resource supports the two metadata fields (upstream's DefaultMetaV1FieldSelectorConversion).
  std::vector<std::string> supported = SupportedFieldSelectors(group, resource);
  supported.emplace_back("metadata.name");
  supported.emplace_back("metadata.namespace");
  if (auto status = selector->CheckSupported(supported); !status.ok()) return status.error();
  return selector;
}

std::string FieldValue(const rapidjson::Value& object, std::string_view path) {
  const rapidjson::Value* v = &object;
  while (v != nullptr && !path.empty()) {
    size_t dot = path.find('.');
    v = json::Find(*v, {path.substr(0, dot)});
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  if (v == nullptr || v->IsNull()) return "";
  if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
  if (v->IsBool()) return v->GetBool() ? "true" : "false";
  return json::Serialize(*v);
}

bool FieldsMatch(const kube::FieldSelector& selector, const rapidjson::Value& object) {
  return selector.MatchesLookup([&object](std::string_view field) { return FieldValue(object, field); });
}

common::Result<std::string> SelectorString(const rapidjson::Value* selector) {
  if (selector == nullptr || !selector->IsObject()) return std::string();
  const rapidjson::Value* match_labels = json::Find(*selector, {"matchLabels"});
  const rapidjson::Value* expressions = json::Find(*selector, {"matchExpressions"});
  if (match_labels == nullptr && expressions == nullptr) {
    // A ReplicationController's selector is a plain label map.
    std::map<std::string, std::string> plain = json::StringMap(selector);
    auto parsed = kube::LabelSelector::FromSet(kube::Labels(plain.begin(), plain.end()));
    if (!parsed.ok()) return parsed.error();
    return parsed->ToString();
  }
  kube::StructuredLabelSelector structured;
  structured.match_labels = json::StringMap(match_labels);
  if (expressions != nullptr && expressions->IsArray()) {
    for (const auto& e : expressions->GetArray()) {
      kube::LabelSelectorExpression expression{json::GetString(e, {"key"}), json::GetString(e, {"operator"}), {}};
      if (const auto* vs = json::Find(e, {"values"}); vs != nullptr && vs->IsArray()) {
        for (const auto& v : vs->GetArray()) {
          if (v.IsString()) expression.values.emplace_back(v.GetString(), v.GetStringLength());
        }
      }
      structured.match_expressions.push_back(std::move(expression));
    }
  }
  auto parsed = kube::LabelSelector::FromStructured(structured);
  if (!parsed.ok()) return parsed.error();
  return parsed->ToString();
}

}  // namespace sandbox
