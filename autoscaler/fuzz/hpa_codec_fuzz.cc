// libFuzzer target for the autoscaling/v2 HorizontalPodAutoscaler codec (DecodeHpaJson, EncodeStatusUpdate): the
// controller decodes every HPA the API server sends and writes its status back over the raw object. Checks that
// a decodable HPA can always be re-encoded, that re-encoding keeps the spec, and that status encoding is stable
// after one round trip (the first may normalise, e.g. drop sub-second times).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "autoscaler/controller/hpa_codec.h"
#include "kube/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto decoded = autoscaler::DecodeHpaJson(json);
  if (!decoded.ok()) {
    KMA_FUZZ_CHECK(!decoded.error().message.empty());
    return 0;
  }
  auto encoded = autoscaler::EncodeStatusUpdate(decoded->raw_json, decoded->hpa.status, decoded->generation);
  KMA_FUZZ_CHECK(encoded.ok());
  auto again = autoscaler::DecodeHpaJson(*encoded);
  KMA_FUZZ_CHECK(again.ok());
  KMA_FUZZ_CHECK(again->hpa.spec == decoded->hpa.spec);
  KMA_FUZZ_CHECK(again->hpa.name == decoded->hpa.name);
  auto encoded2 = autoscaler::EncodeStatusUpdate(again->raw_json, again->hpa.status, again->generation);
  KMA_FUZZ_CHECK(encoded2.ok());
  auto third = autoscaler::DecodeHpaJson(*encoded2);
  KMA_FUZZ_CHECK(third.ok());
  KMA_FUZZ_CHECK(third->hpa.status == again->hpa.status);
  return 0;
}
