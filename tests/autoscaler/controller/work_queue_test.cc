#include "autoscaler/controller/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace autoscaler {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q;
  q.Add("a");
  q.Add("a");
  q.Add("b");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
}

TEST(WorkQueue, KeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue q;
  q.Add("a");
  auto key = q.Get();
  ASSERT_EQ(key, "a");
  q.Add("a");  // while processing: not handed to a second worker
  EXPECT_EQ(q.Len(), 0u);
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueue, DelayedAddBecomesReady) {
  WorkQueue q;
  q.AddAfter("a", 30ms);
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.Get(), "a");  // blocks until due
}

TEST(WorkQueue, ForgetDropsPendingDelayedAdd) {
  WorkQueue q;
  q.AddAfter("gone", 20ms);
  q.Forget("gone");
  q.AddAfter("kept", 40ms);
  EXPECT_EQ(q.Get(), "kept");
}

TEST(WorkQueue, ShutDownReleasesWaitingWorkers) {
  WorkQueue q;
  std::thread worker([&] { EXPECT_EQ(q.Get(), std::nullopt); });
  std::this_thread::sleep_for(10ms);
  q.ShutDown();
  worker.join();
}

}  // namespace
}  // namespace autoscaler
