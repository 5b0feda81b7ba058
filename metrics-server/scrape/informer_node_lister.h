#pragma once
// NodeLister over the node informer's cache. The informer itself (list+watch /api/v1/nodes with
// --node-selector as its label selector, so that filtering happens server-side as upstream) is owned by the
// caller; this class only turns cached nodes into kubelet targets.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/client/store.h"
#include "kube/objects/node.h"
#include "metrics-server/scrape/kubelet_address.h"
#include "metrics-server/scrape/kubelet_client.h"

namespace metrics_server {

class InformerNodeLister final : public NodeLister {
 public:
  // `nodes` must outlive the lister.
  InformerNodeLister(const kube::Store<kube::Node>& nodes, KubeletAddressOptions options);

  // Nodes without a usable address are skipped, with one log line per node until it gets one.
  std::vector<KubeletTarget> List() override;

 private:
  const kube::Store<kube::Node>& nodes_;
  const KubeletAddressOptions options_;
  std::mutex mu_;
  std::map<std::string, bool, std::less<>> unresolvable_;  // nodes already logged
};

}  // namespace metrics_server
