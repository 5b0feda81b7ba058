#include "kube/client/backoff.h"

#include <algorithm>
#include <thread>

namespace kube {

Sleeper RealSleeper() {
  return [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
}

Backoff::Backoff(BackoffPolicy policy, uint64_t seed) : policy_(policy), current_(policy.initial), random_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  std::chrono::milliseconds base = std::min(current_, policy_.max);
  double stretch = 1.0;
  if (policy_.jitter > 0) stretch += std::uniform_real_distribution<double>(0.0, policy_.jitter)(random_);
  auto delay = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(base.count()) * stretch));
  auto next = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(current_.count()) * policy_.factor));
  current_ = std::min(std::max(next, current_), policy_.max);
  return std::min(delay, policy_.max);
}

RateLimiter::RateLimiter(double qps, int burst, Sleeper sleeper, Clock clock)
    : qps_(qps), burst_(burst > 0 ? burst : std::max(1, static_cast<int>(qps))), sleeper_(std::move(sleeper)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}

void RateLimiter::Acquire() {
  if (qps_ <= 0) return;
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / qps_));
  std::chrono::steady_clock::duration wait{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = clock_();
    // GCRA: a request may go once its theoretical arrival time is at most burst-1 intervals ahead of now.
    auto arrival = std::max(next_free_, now);
    auto allowed_at = arrival - interval * (burst_ - 1);
    if (allowed_at > now) wait = allowed_at - now;
    next_free_ = arrival + interval;
  }
  if (wait > std::chrono::steady_clock::duration::zero()) {
    sleeper_(std::chrono::ceil<std::chrono::milliseconds>(wait));
  }
}

}  // namespace kube
