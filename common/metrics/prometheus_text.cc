#include "common/metrics/prometheus_text.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace common {

std::string RenderPrometheusText(const prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return out.str();
}

}  // namespace common
