#pragma once
// Reading the golden-case schema (tests/golden/hpa-cases/README.md) into algorithm types. Internal to hpa_cases.
//
// JsonReader never throws and never crashes on malformed input: a missing or mistyped field records the first
// error (with its path) and yields a default value, so a case with bad input fails with a clear message.

#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "autoscaler/algorithm/types.h"

namespace autoscaler::hpa_cases {

// The evaluation instant every case runs at; relative seconds in the files are offsets from it.
inline constexpr hpa::Time kCaseNow{std::chrono::seconds(1000000000)};

// Seconds from a case file as a Duration, clamped to +-1e12 s so that no time arithmetic can overflow.
hpa::Duration ClampedSeconds(double seconds);

class JsonReader {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void Fail(const std::string& message);

  // Field accessors. `Has` is true for present, non-null fields.
  static bool Has(const rapidjson::Value& obj, const char* key);
  const rapidjson::Value& Field(const rapidjson::Value& obj, const char* key);  // required (may be null)
  int64_t Int(const rapidjson::Value& obj, const char* key);
  std::optional<int64_t> OptInt(const rapidjson::Value& obj, const char* key);
  double Double(const rapidjson::Value& obj, const char* key);
  std::optional<double> OptDouble(const rapidjson::Value& obj, const char* key);
  std::string String(const rapidjson::Value& obj, const char* key);
  std::string OptString(const rapidjson::Value& obj, const char* key);
  bool Bool(const rapidjson::Value& obj, const char* key, bool fallback);
  int32_t Int32(const rapidjson::Value& obj, const char* key);
  const rapidjson::Value::ConstArray Array(const rapidjson::Value& obj, const char* key);

  // A time: seconds relative to now (number) or "zero" (Go's zero time).
  hpa::Time TimeValue(const rapidjson::Value& v, const char* what);
  std::optional<hpa::Time> OptTime(const rapidjson::Value& obj, const char* key);
  hpa::Time AgeToTime(const rapidjson::Value& obj, const char* key);  // age_s: seconds before now

  // A Kubernetes quantity string (or number) as milli-units (MilliValue semantics).
  std::optional<int64_t> OptQuantityMilli(const rapidjson::Value& obj, const char* key);

  hpa::ResourceList Resources(const rapidjson::Value& obj, const char* key);
  hpa::Pod Pod(const rapidjson::Value& v);
  std::vector<hpa::Pod> Pods(const rapidjson::Value& obj, const char* key);
  hpa::PodMetrics PodMetricsItem(const rapidjson::Value& v);
  std::vector<hpa::PodMetrics> PodMetricsList(const rapidjson::Value& obj, const char* key);
  std::vector<hpa::CustomPodMetric> CustomPodMetrics(const rapidjson::Value& obj, const char* key);
  hpa::MetricValue MetricValueItem(const rapidjson::Value& v);
  std::vector<hpa::MetricValue> MetricValues(const rapidjson::Value& obj, const char* key);
  std::optional<hpa::LabelSelector> OptLabelSelector(const rapidjson::Value& obj, const char* key);
  hpa::CrossVersionObjectReference ObjectRef(const rapidjson::Value& obj, const char* key);
  std::optional<hpa::ScalingRules> OptRules(const rapidjson::Value& obj, const char* key);
  std::optional<hpa::Behavior> OptBehavior(const rapidjson::Value& obj, const char* key);
  hpa::MetricSpec MetricSpecItem(const rapidjson::Value& v);
  std::vector<hpa::TimestampedRecommendation> Recommendations(const rapidjson::Value& arr);
  std::vector<hpa::ScaleEvent> ScaleEvents(const rapidjson::Value& obj, const char* key);

 private:
  std::string error_;
};

}  // namespace autoscaler::hpa_cases
