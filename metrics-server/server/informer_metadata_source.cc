#include "metrics-server/server/informer_metadata_source.h"

#include "kube/client/object_meta.h"

namespace metrics_server {

common::Result<PodLabelsView> DecodePodLabels(const rapidjson::Value& pod) {
  PodLabelsView view;
  const rapidjson::Value* metadata = kube::ObjectMember(pod, "metadata");
  if (metadata == nullptr) return view;
  const rapidjson::Value* labels = kube::ObjectMember(*metadata, "labels");
  if (labels == nullptr) return view;
  for (const auto& m : labels->GetObject()) {
    if (!m.value.IsString()) {
      return common::Error::Make(common::ErrorCode::kInvalidArgument, "pod label values must be strings");
    }
    view.labels.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                        std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return view;
}

LabelsPtr InformerMetadataSource::NodeLabels(std::string_view name) const {
  auto node = nodes_.Get(name);
  if (!node) return nullptr;
  // Nodes are few; a copy per lookup keeps the node informer's type shared with the scraper.
  return std::make_shared<const apiservice::Labels>(node->labels.begin(), node->labels.end());
}

LabelsPtr InformerMetadataSource::PodLabels(std::string_view namespace_name, std::string_view name) const {
  auto pod = pods_.Get(namespace_name, name);
  if (!pod) return nullptr;
  // Aliasing pointer: shares ownership of the cached object, no copy per request.
  return LabelsPtr(pod, &pod->labels);
}

}  // namespace metrics_server
