#include "autoscaler/controller/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

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

// Several workers waiting on delayed keys while others promote (and erase) them: every key is handed out, and
// no worker keeps a reference into the delayed map across its wait (under ASan this was a use-after-free).
TEST(WorkQueue, ManyWorkersWaitingOnDelayedKeys) {
  WorkQueue q;
  std::atomic<int> handled{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        handled.fetch_add(1);
        q.Done(*key);
      }
    });
  }
  constexpr int kKeys = 200;
  for (int i = 0; i < kKeys; ++i) q.AddAfter("k" + std::to_string(i), std::chrono::milliseconds(1 + i % 7));
  for (int i = 0; i < 1000 && handled.load() < kKeys; ++i) std::this_thread::sleep_for(5ms);
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(handled.load(), kKeys);
}

}  // namespace
}  // namespace autoscaler
