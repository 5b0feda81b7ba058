#include "metrics-server/api/object_metadata_source.h"

namespace metrics_server {

void StaticMetadataSource::SetNode(std::string name, apiservice::Labels labels) {
  auto ptr = std::make_shared<const apiservice::Labels>(std::move(labels));
  std::lock_guard<std::mutex> lock(mu_);
  nodes_[std::move(name)] = std::move(ptr);
}

void StaticMetadataSource::SetPod(std::string namespace_name, std::string name, apiservice::Labels labels) {
  auto ptr = std::make_shared<const apiservice::Labels>(std::move(labels));
  std::lock_guard<std::mutex> lock(mu_);
  pods_[{std::move(namespace_name), std::move(name)}] = std::move(ptr);
}

void StaticMetadataSource::RemoveNode(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_.erase(name);
}

void StaticMetadataSource::RemovePod(const std::string& namespace_name, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(std::pair<std::string_view, std::string_view>(namespace_name, name));
  if (it != pods_.end()) pods_.erase(it);
}

LabelsPtr StaticMetadataSource::NodeLabels(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second;
}

LabelsPtr StaticMetadataSource::PodLabels(std::string_view namespace_name, std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pods_.find(std::pair<std::string_view, std::string_view>(namespace_name, name));
  return it == pods_.end() ? nullptr : it->second;
}

}  // namespace metrics_server
