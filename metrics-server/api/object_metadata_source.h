#pragma once
// Where the metrics API gets what the scrape does not know: the labels of nodes and pods (served in
// metadata.labels and matched against labelSelector). In the server this is backed by the node and pod
// informers; tests use StaticMetadataSource.
//
// Like upstream metrics-server, an object the source does not know (deleted, or not yet seen by the informer) is
// left out of lists and answered 404 on GET, even if the last scrape still has metrics for it.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "apiservice/k8s_protobuf.h"

namespace metrics_server {

using LabelsPtr = std::shared_ptr<const apiservice::Labels>;

class ObjectMetadataSource {
 public:
  virtual ~ObjectMetadataSource() = default;
  // The node's labels, or null when the node is unknown. An informer-backed implementation can hand out an
  // aliasing shared_ptr into its cached object, so no copy is made per request.
  virtual LabelsPtr NodeLabels(std::string_view name) const = 0;
  virtual LabelsPtr PodLabels(std::string_view namespace_name, std::string_view name) const = 0;
};

// A fixed set of objects. Thread-safe.
class StaticMetadataSource : public ObjectMetadataSource {
 public:
  void SetNode(std::string name, apiservice::Labels labels);
  void SetPod(std::string namespace_name, std::string name, apiservice::Labels labels);
  void RemoveNode(const std::string& name);
  void RemovePod(const std::string& namespace_name, const std::string& name);

  LabelsPtr NodeLabels(std::string_view name) const override;
  LabelsPtr PodLabels(std::string_view namespace_name, std::string_view name) const override;

 private:
  // Orders (namespace, name) keys and compares them with string_view pairs, so lookups do not allocate.
  struct PodKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };

  mutable std::mutex mu_;
  std::map<std::string, LabelsPtr, std::less<>> nodes_;
  std::map<std::pair<std::string, std::string>, LabelsPtr, PodKeyLess> pods_;
};

// Knows every object and gives none of them labels: for running without informers (benchmarks, early sandbox).
class UnlabelledMetadataSource : public ObjectMetadataSource {
 public:
  UnlabelledMetadataSource() : empty_(std::make_shared<const apiservice::Labels>()) {}
  LabelsPtr NodeLabels(std::string_view) const override { return empty_; }
  LabelsPtr PodLabels(std::string_view, std::string_view) const override { return empty_; }

 private:
  LabelsPtr empty_;
};

}  // namespace metrics_server
