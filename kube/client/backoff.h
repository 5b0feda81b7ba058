#pragma once
// Capped exponential backoff with jitter, and a client-side rate limiter. Sleeping is injected so tests run
// without waiting.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>

namespace kube {

using Sleeper = std::function<void(std::chrono::milliseconds)>;
Sleeper RealSleeper();

struct BackoffPolicy {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds max{30000};
  double factor = 2.0;
  double jitter = 0.2;  // each delay is stretched by a random fraction in [0, jitter)
};

// Not thread-safe; one per retry loop.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, uint64_t seed = std::random_device{}());
  // The delay before the next attempt; grows until the cap.
  std::chrono::milliseconds Next();
  void Reset() { current_ = policy_.initial; }

 private:
  BackoffPolicy policy_;
  std::chrono::milliseconds current_;
  std::mt19937_64 random_;
};

// Token bucket of `burst` requests refilled at `qps`. Thread-safe; qps <= 0 disables it.
class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  RateLimiter(double qps, int burst, Sleeper sleeper, Clock clock = {});
  // Blocks until a request may go.
  void Acquire();

 private:
  double qps_;
  int burst_;
  Sleeper sleeper_;
  Clock clock_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_free_{};  // theoretical arrival time of the next request
};

}  // namespace kube
