#pragma once
// Renders a prometheus-cpp registry in the text exposition format, for the /metrics route of our own HTTPS
// servers (prometheus-cpp's pull Exposer has no TLS).

#include <string>

namespace prometheus {
class Registry;
}

namespace common {

inline constexpr const char* kPrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheusText(const prometheus::Registry& registry);

}  // namespace common
