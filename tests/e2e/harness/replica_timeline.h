#pragma once
// The replicas of one workload sampled over scenario time: what the autoscaling tests assert on, and what their
// failure messages show (the changes, with their times).
//
//   ReplicaTimeline timeline([&] { return ReadReplicas(); }, [&] { return ScenarioSeconds(); }, 500ms);
//   auto up = timeline.Until(30, [](const auto& s) { return s.replicas.value_or(0) > 1; });
//   ASSERT_TRUE(up) << timeline.Describe();

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

class ReplicaTimeline {
 public:
  struct Sample {
    double t = 0;                  // scenario seconds
    std::optional<int> replicas;   // nullopt: could not be read (API server away)
  };
  using Reader = std::function<std::optional<int>()>;
  using Clock = std::function<double()>;

  ReplicaTimeline(Reader read, Clock clock, std::chrono::milliseconds interval)
      : read_(std::move(read)), clock_(std::move(clock)), interval_(interval) {}

  // One sample now, recorded.
  Sample Take();
  // Samples every interval until `done` holds for a sample (returned) or scenario time `until` passes (nullopt).
  std::optional<Sample> Until(double until, const std::function<bool(const Sample&)>& done);

  const std::vector<Sample>& samples() const { return samples_; }
  // "timeline (scenario seconds: <what>, changes only):\n  t=7.9 3\n  t=57.0 1\n"
  std::string Describe(const std::string& what = "spec.replicas") const;

 private:
  Reader read_;
  Clock clock_;
  std::chrono::milliseconds interval_;
  std::vector<Sample> samples_;
};

}  // namespace e2e
