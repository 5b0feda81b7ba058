#pragma once
// The labelSelector and fieldSelector of a list request. Field selectors may use metadata.name and
// metadata.namespace only; anything else is rejected with upstream's "field label not supported: X".

#include <memory>
#include <optional>
#include <string_view>

#include "apiservice/k8s_protobuf.h"
#include "common/result.h"

namespace metrics_server {

class ListFilter {
 public:
  // Errors are kInvalidArgument with the message to send in a 400 BadRequest Status.
  static common::Result<ListFilter> Parse(std::optional<std::string_view> label_selector,
                                          std::optional<std::string_view> field_selector);
  ListFilter(ListFilter&&) noexcept;
  ListFilter& operator=(ListFilter&&) noexcept;
  ~ListFilter();

  // `labels` may be null (no labels).
  bool Matches(std::string_view name, std::string_view namespace_name, const apiservice::Labels* labels) const;
  // True when no selector restricts anything (the common case: skip matching).
  bool Empty() const;

 private:
  struct Impl;
  explicit ListFilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace metrics_server
