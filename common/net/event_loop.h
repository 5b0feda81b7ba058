#pragma once
// One io_context run by a fixed set of threads, shared by every server and client of a process (Beast's advanced
// server model: per-connection strands instead of locks). The implementation hides Boost from callers.

#include <chrono>
#include <functional>
#include <memory>

namespace net {

// Servers and clients created on a loop must be destroyed before the loop itself.
class EventLoop {
 public:
  // Starts `threads` threads running the loop until Stop() or destruction.
  static std::unique_ptr<EventLoop> Create(int threads = 1);
  virtual ~EventLoop() = default;

  // Runs fn on a loop thread.
  virtual void Post(std::function<void()> fn) = 0;
  // Runs fn on a loop thread after delay. Cancelled (not run) if the loop stops first.
  virtual void PostAfter(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Stops the loop and joins its threads. Idempotent.
  virtual void Stop() = 0;
  // True when called from one of this loop's threads (blocking calls must not be made there).
  virtual bool InLoopThread() const = 0;

  // The underlying boost::asio::io_context, for common/net implementation files only.
  virtual void* native_handle() = 0;
};

}  // namespace net
