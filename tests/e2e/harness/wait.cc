#include "tests/e2e/harness/wait.h"

#include <thread>

namespace e2e {

WaitOutcome WaitUntil(std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
                      const std::function<bool(std::string* observation)>& probe) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  WaitOutcome outcome;
  while (true) {
    std::string observation;
    const bool ok = probe(&observation);
    outcome.last_observation = std::move(observation);
    outcome.waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (ok) {
      outcome.ok = true;
      return outcome;
    }
    // One last try at the deadline rather than giving up a whole interval early.
    const auto now = Clock::now();
    if (now >= deadline) return outcome;
    std::this_thread::sleep_until(std::min(now + interval, deadline));
  }
}

bool WaitUntil(std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
               const std::function<bool()>& probe) {
  return WaitUntil(timeout, interval, [&probe](std::string*) { return probe(); }).ok;
}

}  // namespace e2e
