#include "tests/e2e/harness/replica_timeline.h"

#include <sstream>
#include <thread>

namespace e2e {

ReplicaTimeline::Sample ReplicaTimeline::Take() {
  Sample s{clock_(), read_()};
  samples_.push_back(s);
  return s;
}

std::optional<ReplicaTimeline::Sample> ReplicaTimeline::Until(double until,
                                                              const std::function<bool(const Sample&)>& done) {
  while (true) {
    Sample s = Take();
    if (done(s)) return s;
    if (s.t >= until) return std::nullopt;
    std::this_thread::sleep_for(interval_);
  }
}

std::string ReplicaTimeline::Describe(const std::string& what) const {
  std::ostringstream out;
  out << "timeline (scenario seconds: " << what << ", changes only):\n";
  bool first = true;
  std::optional<int> last;
  for (const Sample& s : samples_) {
    if (!first && s.replicas == last) continue;
    out << "  t=" << s.t << " " << (s.replicas ? std::to_string(*s.replicas) : std::string("unreadable")) << "\n";
    last = s.replicas;
    first = false;
  }
  return out.str();
}

}  // namespace e2e
