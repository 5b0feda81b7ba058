#pragma once
// ObjectMetadataSource over the node and pod informers: labels served in metadata.labels and matched against
// labelSelector. Pods are cached as labels only (a 150k-pod cluster must fit in a small footprint).

#include <map>
#include <string>

#include <rapidjson/document.h>

#include "kube/client/informer.h"
#include "kube/objects/node.h"
#include "metrics-server/api/object_metadata_source.h"

namespace metrics_server {

// What the pod informer keeps per pod.
struct PodLabelsView {
  apiservice::Labels labels;
};
common::Result<PodLabelsView> DecodePodLabels(const rapidjson::Value& pod);

class InformerMetadataSource final : public ObjectMetadataSource {
 public:
  // Both stores must outlive the source.
  InformerMetadataSource(const kube::Store<kube::Node>& nodes, const kube::Store<PodLabelsView>& pods)
      : nodes_(nodes), pods_(pods) {}
  LabelsPtr NodeLabels(std::string_view name) const override;
  LabelsPtr PodLabels(std::string_view namespace_name, std::string_view name) const override;

 private:
  const kube::Store<kube::Node>& nodes_;
  const kube::Store<PodLabelsView>& pods_;
};

}  // namespace metrics_server
