#pragma once
// A workload's offered CPU load over time, in millicores: piecewise-linear segments followed by a final constant.
// Time is in seconds since the scenario's epoch (the cluster's start). Pure: no clock, no I/O.
//
// The integral has a closed form (trapezoids), which is what lets the load model produce cumulative counters that
// a scraper can difference exactly.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sandbox {

struct LoadSegment {
  double duration_seconds = 0;
  double from_millicores = 0;
  double to_millicores = 0;  // equal to from: a constant stretch; otherwise a linear ramp
};

class LoadCurve {
 public:
  LoadCurve() = default;  // constant 0
  static LoadCurve Constant(double millicores);
  // `before` until at_seconds, then `after`.
  static LoadCurve Step(double before, double after, double at_seconds);
  // `from` until start, linear to `to` over duration, then `to`.
  static LoadCurve Ramp(double from, double to, double start_seconds, double duration_seconds);
  // `base` until spike_at, `spike` for spike_seconds, then `calm`.
  static LoadCurve SpikeThenCalm(double base, double spike, double spike_at, double spike_seconds, double calm);
  // Errors: kInvalidArgument for negative durations or loads, or non-finite numbers.
  static common::Result<LoadCurve> Make(std::vector<LoadSegment> segments, double final_millicores);

  // Text form, comma-separated items (the last bare value holds forever; without one the last segment's end holds):
  //   "<cpu> for <duration>"            constant stretch
  //   "<cpu>-><cpu> over <duration>"    linear ramp
  //   "<cpu>"                           final value
  // <cpu> is "250m" (millicores) or "1.5" (cores); <duration> is e.g. "500ms", "30s", "2m", "1h", "1m30s".
  // Example: "200m for 60s, 200m->1500m over 30s, 1500m for 2m, 300m".
  static common::Result<LoadCurve> Parse(std::string_view text);
  std::string ToString() const;  // parses back to an equal curve

  // The load at t seconds; before 0 the curve holds its first value.
  double MillicoresAt(double t) const;
  // Integral of the load from 0 to t, in core-seconds (negative for t < 0).
  double CoreSecondsUntil(double t) const;

  const std::vector<LoadSegment>& segments() const { return segments_; }
  double final_millicores() const { return final_; }

 private:
  std::vector<LoadSegment> segments_;
  std::vector<double> starts_;      // start time of each segment
  std::vector<double> cumulative_;  // core-seconds at each segment's start, and at the end of the last one
  double final_ = 0;
};

// Parses "250m" / "1.5" into millicores. Errors: kInvalidArgument.
common::Result<double> ParseCpuMillicores(std::string_view text);
// Parses "90s", "1m30s", "500ms", "2h" into seconds. Errors: kInvalidArgument.
common::Result<double> ParseDurationSeconds(std::string_view text);

}  // namespace sandbox
