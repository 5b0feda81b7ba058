#pragma once
// Polling with deadlines: the end-to-end tests observe real processes, so every "eventually" is a loop with a
// deadline, and a timeout says what was last seen.

#include <chrono>
#include <functional>
#include <string>

namespace e2e {

struct WaitOutcome {
  bool ok = false;
  std::chrono::milliseconds waited{0};
  std::string last_observation;  // what the probe reported on its last try (for the failure message)
};

// Calls `probe` every `interval` until it returns true or `timeout` passes. The probe may write what it saw into
// *observation; the last one is returned.
WaitOutcome WaitUntil(std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
                      const std::function<bool(std::string* observation)>& probe);

// The same without observations.
bool WaitUntil(std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
               const std::function<bool()>& probe);

}  // namespace e2e
