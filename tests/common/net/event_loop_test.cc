#include "common/net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace net {
namespace {

TEST(EventLoopTest, PostRunsOnLoopThread) {
  auto loop = EventLoop::Create(2);
  EXPECT_FALSE(loop->InLoopThread());
  std::promise<bool> in_loop;
  loop->Post([&] { in_loop.set_value(loop->InLoopThread()); });
  EXPECT_TRUE(in_loop.get_future().get());
}

TEST(EventLoopTest, PostAfterRunsLaterAndStopCancels) {
  auto loop = EventLoop::Create(1);
  std::promise<void> ran;
  loop->PostAfter(std::chrono::milliseconds(5), [&] { ran.set_value(); });
  ran.get_future().get();

  std::atomic<bool> late{false};
  loop->PostAfter(std::chrono::hours(1), [&] { late = true; });
  loop->Stop();
  loop->Stop();  // idempotent
  EXPECT_FALSE(late.load());
}

TEST(EventLoopTest, StopFromLoopThreadDoesNotDeadlock) {
  auto loop = EventLoop::Create(1);
  std::promise<void> done;
  loop->Post([&] {
    loop->Stop();
    done.set_value();
  });
  done.get_future().get();
  loop.reset();
}

}  // namespace
}  // namespace net

#include <sys/resource.h>

#include "common/net/fd_limit.h"

namespace net {
namespace {

TEST(FdLimitTest, RaisesSoftLimitToHardLimit) {
  struct rlimit before {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  auto raised = RaiseOpenFileLimit();
  ASSERT_TRUE(raised.ok()) << raised.error().message;
  EXPECT_EQ(*raised, static_cast<uint64_t>(before.rlim_max));
  struct rlimit after {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_cur, before.rlim_max);
}

}  // namespace
}  // namespace net
