#include "metrics-server/scrape/informer_node_lister.h"

#include "common/log.h"

namespace metrics_server {

InformerNodeLister::InformerNodeLister(const kube::Store<kube::Node>& nodes, KubeletAddressOptions options)
    : nodes_(nodes), options_(std::move(options)) {}

std::vector<KubeletTarget> InformerNodeLister::List() {
  std::vector<KubeletTarget> targets;
  std::map<std::string, bool, std::less<>> unresolvable;
  const auto nodes = nodes_.List();
  targets.reserve(nodes.size());
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& node : nodes) {
    if (node == nullptr) continue;
    auto target = ResolveKubeletTarget(*node, options_);
    if (target.ok()) {
      targets.push_back(std::move(target.value()));
      continue;
    }
    if (!unresolvable_.contains(node->name)) LOG_WARNING("Skipping node: {}", target.error().message);
    unresolvable.emplace(node->name, true);
  }
  unresolvable_ = std::move(unresolvable);
  return targets;
}

}  // namespace metrics_server
