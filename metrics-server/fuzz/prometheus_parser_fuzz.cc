// libFuzzer target for the kubelet /metrics/resource parser. Besides crashes and sanitizer reports, it checks the
// invariants the storage relies on: every StrRef lies inside the batch's strings, pods are sorted and their
// container ranges tile the container vector.
//
// Build and run: scripts/fuzz.sh prometheus_parser_fuzz (see docs/reliability.md). By hand (clang):
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKMA_FUZZ=ON -DKMA_BUILD_TESTS=OFF -DKMA_BUILD_BENCH=OFF
//   cmake --build build-fuzz --target prometheus_parser_fuzz
//   build-fuzz/fuzz/prometheus_parser_fuzz -max_total_time=60 -max_len=4096

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "metrics-server/scrape/prometheus_parser.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckRef(const metrics_server::NodeBatch& batch, metrics_server::StrRef ref) {
  Check(static_cast<size_t>(ref.offset) + ref.size <= batch.strings.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static metrics_server::PrometheusParser parser;  // reused, as in production, to exercise buffer reuse
  metrics_server::NodeBatch batch;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  parser.Parse(body, 1700000000000, &batch);

  Check(batch.stats.invalid_lines <= batch.stats.lines);
  Check((batch.stats.invalid_lines == 0) == (batch.stats.first_error_line == 0));
  Check(batch.strings.size() <= size);
  uint32_t expected_first = 0;
  for (size_t i = 0; i < batch.pods.size(); ++i) {
    const auto& pod = batch.pods[i];
    CheckRef(batch, pod.namespace_name);
    CheckRef(batch, pod.name);
    Check(!batch.str(pod.namespace_name).empty() && !batch.str(pod.name).empty());
    Check(pod.first_container == expected_first);
    expected_first += pod.container_count;
    if (i > 0) {
      const auto& prev = batch.pods[i - 1];
      auto a = std::make_pair(batch.str(prev.namespace_name), batch.str(prev.name));
      auto b = std::make_pair(batch.str(pod.namespace_name), batch.str(pod.name));
      Check(a < b);
    }
    for (uint32_t c = pod.first_container; c < pod.first_container + pod.container_count; ++c) {
      CheckRef(batch, batch.containers[c].name);
      if (c > pod.first_container) {
        Check(batch.str(batch.containers[c - 1].name) < batch.str(batch.containers[c].name));
      }
    }
  }
  Check(expected_first == batch.containers.size());
  return 0;
}
