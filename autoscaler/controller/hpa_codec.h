#pragma once
// autoscaling/v2 HorizontalPodAutoscaler JSON <-> the algorithm's value types. Decoding is lenient about absent
// fields and strict about malformed ones (a bad quantity is an error naming the field, not a zero).

#include <map>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "autoscaler/algorithm/types.h"
#include "common/result.h"

namespace autoscaler {

// What the controller keeps per HPA: the typed view plus the raw object, which status updates are written over
// (PUT .../status needs the whole object with its resourceVersion).
struct HpaObject {
  hpa::Hpa hpa;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::map<std::string, std::string> annotations;
  std::string raw_json;
};

common::Result<HpaObject> DecodeHpa(const rapidjson::Value& object);
common::Result<HpaObject> DecodeHpaJson(std::string_view json);

// The HPA object `raw_json` with its status replaced by `status` (and status.observedGeneration = generation):
// the body of PUT /apis/autoscaling/v2/namespaces/NS/horizontalpodautoscalers/NAME/status.
common::Result<std::string> EncodeStatusUpdate(std::string_view raw_json, const hpa::HpaStatus& status,
                                               int64_t generation);

// Quantity strings as the HPA writes them (resource.NewMilliQuantity(v, DecimalSI) in canonical form).
std::string MilliQuantityString(int64_t milli);

}  // namespace autoscaler
