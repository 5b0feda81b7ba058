#include "metrics-server/api/list_filter.h"

#include <string>

#include "kube/field_selector.h"
#include "kube/label_selector.h"

namespace metrics_server {

namespace {

common::Error BadRequest(std::string message) {
  return common::Error::Make(common::ErrorCode::kInvalidArgument, std::move(message), 400);
}

}  // namespace

struct ListFilter::Impl {
  kube::LabelSelector labels;
  kube::FieldSelector fields;
};

ListFilter::ListFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ListFilter::ListFilter(ListFilter&&) noexcept = default;
ListFilter& ListFilter::operator=(ListFilter&&) noexcept = default;
ListFilter::~ListFilter() = default;

common::Result<ListFilter> ListFilter::Parse(std::optional<std::string_view> label_selector,
                                             std::optional<std::string_view> field_selector) {
  auto impl = std::make_unique<Impl>();
  if (label_selector) {
    common::Result<kube::LabelSelector> parsed = kube::LabelSelector::Parse(*label_selector);
    if (!parsed.ok()) return BadRequest(parsed.error().message);
    impl->labels = std::move(parsed.value());
  }
  if (field_selector) {
    common::Result<kube::FieldSelector> parsed = kube::FieldSelector::Parse(*field_selector);
    if (!parsed.ok()) return BadRequest(parsed.error().message);
    // The field label conversion of metrics.k8s.io's kinds (k8s.io/metrics) accepts only these two.
    if (common::Status supported = parsed->CheckSupported({"metadata.name", "metadata.namespace"}); !supported.ok()) {
      return BadRequest(supported.error().message);
    }
    impl->fields = std::move(parsed.value());
  }
  return ListFilter(std::move(impl));
}

bool ListFilter::Empty() const { return impl_->labels.Empty() && impl_->fields.Empty(); }

bool ListFilter::Matches(std::string_view name, std::string_view namespace_name,
                         const apiservice::Labels* labels) const {
  if (!impl_->fields.Empty() &&
      !impl_->fields.MatchesLookup([&](std::string_view field) { return field == "metadata.name" ? name : namespace_name; })) {
    return false;
  }
  if (impl_->labels.Empty()) return true;
  return impl_->labels.MatchesLookup([labels](std::string_view key) -> std::optional<std::string_view> {
    if (labels == nullptr) return std::nullopt;
    auto it = labels->find(key);
    if (it == labels->end()) return std::nullopt;
    return std::string_view(it->second);
  });
}

}  // namespace metrics_server
