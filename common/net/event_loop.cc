#include "common/net/event_loop.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <mutex>
#include <thread>
#include <vector>

namespace net {
namespace {

namespace asio = boost::asio;

class AsioEventLoop final : public EventLoop {
 public:
  explicit AsioEventLoop(int threads) : work_(asio::make_work_guard(ioc_)) {
    if (threads < 1) threads = 1;
    threads_.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Run(); });
    }
  }

  ~AsioEventLoop() override { Stop(); }

  void Post(std::function<void()> fn) override { asio::post(ioc_, std::move(fn)); }

  void PostAfter(std::chrono::milliseconds delay, std::function<void()> fn) override {
    auto timer = std::make_shared<asio::steady_timer>(ioc_, delay);
    timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec) fn();
    });
  }

  void Stop() override {
    std::lock_guard<std::mutex> lock(stop_mu_);
    work_.reset();
    ioc_.stop();
    for (std::thread& t : threads_) {
      // Stop() from a loop thread cannot join itself; that thread exits on its own once run() returns.
      if (t.get_id() == std::this_thread::get_id()) {
        t.detach();
      } else if (t.joinable()) {
        t.join();
      }
    }
    threads_.clear();
  }

  bool InLoopThread() const override { return ioc_.get_executor().running_in_this_thread(); }

  void* native_handle() override { return &ioc_; }

 private:
  void Run() {
    // Handlers are written not to throw; if one does anyway, keep serving rather than terminating the process.
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (...) {
      }
    }
  }

  mutable asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::mutex stop_mu_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<EventLoop> EventLoop::Create(int threads) { return std::make_unique<AsioEventLoop>(threads); }

}  // namespace net
