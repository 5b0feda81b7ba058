#pragma once
// Version conversion and defaulting for the kinds that are served in more than one version, and decoding of the
// Kubernetes protobuf request bodies kubectl sends (only `kubectl autoscale`'s HorizontalPodAutoscaler).

#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.h"

namespace sandbox {

// autoscaling/v2 (storage) -> autoscaling/v1, in place: targetCPUUtilizationPercentage from the cpu utilization
// metric, currentCPUUtilizationPercentage from its current value.
void HpaV2ToV1(rapidjson::Document& hpa);
// autoscaling/v1 -> autoscaling/v2, in place. `stored` (optional, v2) supplies what v1 cannot express (other
// metrics, behavior, conditions), so that an update through v1 does not drop them.
void HpaV1ToV2(rapidjson::Document& hpa, const rapidjson::Value* stored);
// autoscaling/v2 defaults: minReplicas 1, cpu utilization 80% when no metrics are given.
void DefaultHpaV2(rapidjson::Document& hpa);

// Decodes `k8s\0` + runtime.Unknown carrying an autoscaling/v1 or autoscaling/v2 HorizontalPodAutoscaler into
// JSON of that version. Errors: kInvalidArgument (not protobuf, other kinds, malformed).
common::Result<rapidjson::Document> DecodeHpaProtobuf(std::string_view body);

}  // namespace sandbox
