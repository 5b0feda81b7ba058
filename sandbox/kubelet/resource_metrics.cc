#include "sandbox/kubelet/resource_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

namespace sandbox {

namespace {

// Help texts as the kubelet registers them (the [STABLE]/[ALPHA] prefix is part of the text).
constexpr std::string_view kContainerCpuHelp =
    "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n"
    "# TYPE container_cpu_usage_seconds_total counter\n";
constexpr std::string_view kContainerMemoryHelp =
    "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes\n"
    "# TYPE container_memory_working_set_bytes gauge\n";
constexpr std::string_view kContainerStartHelp =
    "# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds\n"
    "# TYPE container_start_time_seconds gauge\n";
constexpr std::string_view kContainerSwapHelp =
    "# HELP container_swap_usage_bytes [ALPHA] Current amount of the container swap usage in bytes. Reported only on "
    "non-windows systems\n"
    "# TYPE container_swap_usage_bytes gauge\n";
constexpr std::string_view kNodeCpuHelp =
    "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds\n"
    "# TYPE node_cpu_usage_seconds_total counter\n";
constexpr std::string_view kNodeMemoryHelp =
    "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n"
    "# TYPE node_memory_working_set_bytes gauge\n";
constexpr std::string_view kNodeSwapHelp =
    "# HELP node_swap_usage_bytes [ALPHA] Current swap usage of the node in bytes. Reported only on non-windows "
    "systems\n"
    "# TYPE node_swap_usage_bytes gauge\n";
constexpr std::string_view kPodCpuHelp =
    "# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds\n"
    "# TYPE pod_cpu_usage_seconds_total counter\n";
constexpr std::string_view kPodMemoryHelp =
    "# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes\n"
    "# TYPE pod_memory_working_set_bytes gauge\n";
constexpr std::string_view kPodSwapHelp =
    "# HELP pod_swap_usage_bytes [ALPHA] Current amount of the pod swap usage in bytes. Reported only on non-windows "
    "systems\n"
    "# TYPE pod_swap_usage_bytes gauge\n";
constexpr std::string_view kScrapeError =
    "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\n"
    "# TYPE resource_scrape_error gauge\n"
    "resource_scrape_error 0\n";

void AppendLabelValue(std::string_view v, std::string* out) {
  for (char c : v) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      default: out->push_back(c);
    }
  }
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

struct ContainerRef {
  const PodSample* pod;
  const ContainerSample* container;
};

void AppendContainerLabels(std::string_view metric, const ContainerRef& ref, std::string* out) {
  out->append(metric).append("{container=\"");
  AppendLabelValue(ref.container->name, out);
  out->append("\",namespace=\"");
  AppendLabelValue(ref.pod->namespace_name, out);
  out->append("\",pod=\"");
  AppendLabelValue(ref.pod->name, out);
  out->append("\"} ");
}

void AppendPodLabels(std::string_view metric, const PodSample& pod, std::string* out) {
  out->append(metric).append("{namespace=\"");
  AppendLabelValue(pod.namespace_name, out);
  out->append("\",pod=\"");
  AppendLabelValue(pod.name, out);
  out->append("\"} ");
}

void AppendValueAndTimestamp(double value, int64_t timestamp_ms, std::string* out) {
  AppendGoFloat(value, out);
  out->push_back(' ');
  AppendInt(timestamp_ms, out);
  out->push_back('\n');
}

double CoreSeconds(uint64_t nanos) { return static_cast<double>(nanos) / 1e9; }

int64_t UnixMillis(TimePoint t) {
  return std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count();
}

double UnixSeconds(TimePoint t) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count()) / 1e9;
}

}  // namespace

void AppendGoFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (v == 0) {
    out->push_back('0');
    return;
  }
  // Shortest round-trip digits in scientific form, e.g. "1.616273408e+09": the digits Go's shortest mode picks.
  char sci[40];
  auto [sci_end, ec] = std::to_chars(sci, sci + sizeof(sci), v, std::chars_format::scientific);
  std::string_view s(sci, static_cast<std::size_t>(sci_end - sci));
  std::size_t e = s.find('e');
  int exponent = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exponent);
  // %e is used when the exponent is < -4 or >= 6 (Go's rule for the shortest precision); %f otherwise.
  if (exponent < -4 || exponent >= 6) {
    out->append(s);  // both use at least two exponent digits
    return;
  }
  char fixed[48];
  auto [fixed_end, ec2] = std::to_chars(fixed, fixed + sizeof(fixed), v, std::chars_format::fixed);
  out->append(fixed, fixed_end);
}

std::string FormatGoFloat(double v) {
  std::string out;
  AppendGoFloat(v, &out);
  return out;
}

void RenderResourceMetrics(const NodeSample& sample, const ResourceMetricsFormat& format, std::string* out) {
  const int64_t ts = sample.timestamp_ms;
  // expfmt orders series by their label values; for containers that is container, namespace, pod.
  std::vector<ContainerRef> containers;
  std::vector<const PodSample*> pods;
  pods.reserve(sample.pods.size());
  for (const PodSample& pod : sample.pods) {
    pods.push_back(&pod);
    for (const ContainerSample& c : pod.containers) containers.push_back({&pod, &c});
  }
  std::sort(containers.begin(), containers.end(), [](const ContainerRef& a, const ContainerRef& b) {
    if (int c = a.container->name.compare(b.container->name); c != 0) return c < 0;
    if (int c = a.pod->namespace_name.compare(b.pod->namespace_name); c != 0) return c < 0;
    return a.pod->name < b.pod->name;
  });
  std::sort(pods.begin(), pods.end(), [](const PodSample* a, const PodSample* b) {
    if (int c = a->namespace_name.compare(b->namespace_name); c != 0) return c < 0;
    return a->name < b->name;
  });
  out->reserve(out->size() + 2048 + containers.size() * 480 + pods.size() * 300);

  if (!containers.empty()) {
    out->append(kContainerCpuHelp);
    for (const ContainerRef& ref : containers) {
      AppendContainerLabels("container_cpu_usage_seconds_total", ref, out);
      AppendValueAndTimestamp(CoreSeconds(ref.container->cpu_core_nanoseconds), ts, out);
    }
    out->append(kContainerMemoryHelp);
    for (const ContainerRef& ref : containers) {
      AppendContainerLabels("container_memory_working_set_bytes", ref, out);
      AppendValueAndTimestamp(static_cast<double>(ref.container->memory_working_set_bytes), ts, out);
    }
    out->append(kContainerStartHelp);
    for (const ContainerRef& ref : containers) {
      AppendContainerLabels("container_start_time_seconds", ref, out);
      AppendValueAndTimestamp(UnixSeconds(ref.container->start_time), UnixMillis(ref.container->start_time), out);
    }
    if (format.include_swap) {
      out->append(kContainerSwapHelp);
      for (const ContainerRef& ref : containers) {
        AppendContainerLabels("container_swap_usage_bytes", ref, out);
        AppendValueAndTimestamp(0, ts, out);
      }
    }
  }
  out->append(kNodeCpuHelp);
  out->append("node_cpu_usage_seconds_total ");
  AppendValueAndTimestamp(CoreSeconds(sample.cpu_core_nanoseconds), ts, out);
  out->append(kNodeMemoryHelp);
  out->append("node_memory_working_set_bytes ");
  AppendValueAndTimestamp(static_cast<double>(sample.memory_working_set_bytes), ts, out);
  if (format.include_swap) {
    out->append(kNodeSwapHelp);
    out->append("node_swap_usage_bytes ");
    AppendValueAndTimestamp(0, ts, out);
  }
  if (!pods.empty()) {
    out->append(kPodCpuHelp);
    for (const PodSample* pod : pods) {
      AppendPodLabels("pod_cpu_usage_seconds_total", *pod, out);
      AppendValueAndTimestamp(CoreSeconds(pod->cpu_core_nanoseconds), ts, out);
    }
    out->append(kPodMemoryHelp);
    for (const PodSample* pod : pods) {
      AppendPodLabels("pod_memory_working_set_bytes", *pod, out);
      AppendValueAndTimestamp(static_cast<double>(pod->memory_working_set_bytes), ts, out);
    }
    if (format.include_swap) {
      out->append(kPodSwapHelp);
      for (const PodSample* pod : pods) {
        AppendPodLabels("pod_swap_usage_bytes", *pod, out);
        AppendValueAndTimestamp(0, ts, out);
      }
    }
  }
  out->append(kScrapeError);
}

}  // namespace sandbox
