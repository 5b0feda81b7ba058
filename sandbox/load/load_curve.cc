#include "sandbox/load/load_curve.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "common/duration.h"

namespace sandbox {

using common::Error;
using common::ErrorCode;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Parses a leading decimal number; returns how many characters it used (0 on failure).
std::size_t ParseLeadingNumber(std::string_view s, double* value) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *value, std::chars_format::fixed);
  if (ec != std::errc()) return 0;
  return static_cast<std::size_t>(ptr - s.data());
}

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

// Shortest text that parses back to the same double.
std::string Number(double v) { return fmt::format("{}", v); }

std::string FormatCpu(double millicores) { return Number(millicores) + "m"; }

std::string FormatDuration(double seconds) { return Number(seconds) + "s"; }

}  // namespace

common::Result<double> ParseCpuMillicores(std::string_view text) {
  text = Trim(text);
  double value = 0;
  std::size_t used = ParseLeadingNumber(text, &value);
  if (used == 0 || !std::isfinite(value) || value < 0) return Invalid(fmt::format("invalid cpu quantity \"{}\"", text));
  std::string_view suffix = text.substr(used);
  if (suffix.empty()) return value * 1000;
  if (suffix == "m") return value;
  return Invalid(fmt::format("invalid cpu quantity \"{}\": use \"250m\" or \"1.5\"", text));
}

common::Result<double> ParseDurationSeconds(std::string_view text) {
  auto parsed = common::ParseDuration(Trim(text));
  if (!parsed.ok()) return Invalid(parsed.error().message);
  if (parsed->count() < 0) return Invalid(fmt::format("negative duration \"{}\"", text));
  return std::chrono::duration<double>(*parsed).count();
}

LoadCurve LoadCurve::Constant(double millicores) {
  auto curve = Make({}, millicores);
  return curve.ok() ? curve.value() : LoadCurve();
}

LoadCurve LoadCurve::Step(double before, double after, double at_seconds) {
  auto curve = Make({{at_seconds, before, before}}, after);
  return curve.ok() ? curve.value() : LoadCurve();
}

LoadCurve LoadCurve::Ramp(double from, double to, double start_seconds, double duration_seconds) {
  auto curve = Make({{start_seconds, from, from}, {duration_seconds, from, to}}, to);
  return curve.ok() ? curve.value() : LoadCurve();
}

LoadCurve LoadCurve::SpikeThenCalm(double base, double spike, double spike_at, double spike_seconds, double calm) {
  auto curve = Make({{spike_at, base, base}, {spike_seconds, spike, spike}}, calm);
  return curve.ok() ? curve.value() : LoadCurve();
}

common::Result<LoadCurve> LoadCurve::Make(std::vector<LoadSegment> segments, double final_millicores) {
  auto bad = [](double v) { return !std::isfinite(v) || v < 0; };
  if (bad(final_millicores)) return Invalid("load must be a finite, non-negative number of millicores");
  for (const LoadSegment& s : segments) {
    if (bad(s.duration_seconds) || bad(s.from_millicores) || bad(s.to_millicores)) {
      return Invalid("load segments need finite, non-negative durations and loads");
    }
  }
  LoadCurve curve;
  curve.segments_ = std::move(segments);
  curve.final_ = final_millicores;
  double t = 0;
  double cumulative = 0;
  for (const LoadSegment& s : curve.segments_) {
    curve.starts_.push_back(t);
    curve.cumulative_.push_back(cumulative);
    cumulative += (s.from_millicores + s.to_millicores) / 2000.0 * s.duration_seconds;
    t += s.duration_seconds;
  }
  curve.starts_.push_back(t);
  curve.cumulative_.push_back(cumulative);
  return curve;
}

common::Result<LoadCurve> LoadCurve::Parse(std::string_view text) {
  std::vector<LoadSegment> segments;
  std::optional<double> final_value;
  std::string_view rest = text;
  while (true) {
    std::size_t comma = rest.find(',');
    std::string_view item = Trim(rest.substr(0, comma));
    if (item.empty()) return Invalid(fmt::format("empty item in load curve \"{}\"", text));
    if (final_value) return Invalid(fmt::format("load curve \"{}\": a bare value must come last", text));
    std::size_t for_pos = item.find(" for ");
    std::size_t over_pos = item.find(" over ");
    if (over_pos != std::string_view::npos) {
      std::string_view range = Trim(item.substr(0, over_pos));
      std::size_t arrow = range.find("->");
      if (arrow == std::string_view::npos) return Invalid(fmt::format("ramp \"{}\" needs \"<from>-><to>\"", item));
      auto from = ParseCpuMillicores(range.substr(0, arrow));
      if (!from.ok()) return from.error();
      auto to = ParseCpuMillicores(range.substr(arrow + 2));
      if (!to.ok()) return to.error();
      auto duration = ParseDurationSeconds(item.substr(over_pos + 6));
      if (!duration.ok()) return duration.error();
      segments.push_back({*duration, *from, *to});
    } else if (for_pos != std::string_view::npos) {
      auto value = ParseCpuMillicores(item.substr(0, for_pos));
      if (!value.ok()) return value.error();
      auto duration = ParseDurationSeconds(item.substr(for_pos + 5));
      if (!duration.ok()) return duration.error();
      segments.push_back({*duration, *value, *value});
    } else {
      auto value = ParseCpuMillicores(item);
      if (!value.ok()) return value.error();
      final_value = *value;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  double final = final_value ? *final_value : (segments.empty() ? 0 : segments.back().to_millicores);
  return Make(std::move(segments), final);
}

std::string LoadCurve::ToString() const {
  std::string out;
  for (const LoadSegment& s : segments_) {
    if (s.from_millicores == s.to_millicores) {
      out += FormatCpu(s.from_millicores) + " for " + FormatDuration(s.duration_seconds);
    } else {
      out += FormatCpu(s.from_millicores) + "->" + FormatCpu(s.to_millicores) + " over " +
             FormatDuration(s.duration_seconds);
    }
    out += ", ";
  }
  return out + FormatCpu(final_);
}

double LoadCurve::MillicoresAt(double t) const {
  if (segments_.empty()) return final_;
  if (t < 0) return segments_.front().from_millicores;
  if (t >= starts_.back()) return final_;
  // The segment containing t: the last one starting at or before t.
  std::size_t i = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end() - 1, t) - starts_.begin()) - 1;
  const LoadSegment& s = segments_[i];
  if (s.duration_seconds <= 0) return s.to_millicores;
  double fraction = (t - starts_[i]) / s.duration_seconds;
  return s.from_millicores + (s.to_millicores - s.from_millicores) * fraction;
}

double LoadCurve::CoreSecondsUntil(double t) const {
  if (t < 0) return MillicoresAt(t) / 1000.0 * t;
  if (segments_.empty()) return final_ / 1000.0 * t;
  if (t >= starts_.back()) return cumulative_.back() + final_ / 1000.0 * (t - starts_.back());
  std::size_t i = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end() - 1, t) - starts_.begin()) - 1;
  double elapsed = t - starts_[i];
  // Trapezoid from the segment's start to t.
  return cumulative_[i] + (segments_[i].from_millicores + MillicoresAt(t)) / 2000.0 * elapsed;
}

}  // namespace sandbox
