#pragma once
// A fixed pool of threads for work that may block (TokenReview and SubjectAccessReview calls, building large
// responses), so that the event loop threads never do. The queue is bounded: when it is full, Submit refuses
// and the caller answers 429 instead of queueing without limit.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace common {

class WorkPool {
 public:
  WorkPool(int threads, std::size_t max_queued);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // False when the queue is full or the pool is stopping; `task` is then not run.
  bool Submit(std::function<void()> task);
  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

 private:
  void Run();

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace common
