#include "sandbox/load/load_model.h"

#include <gtest/gtest.h>

namespace sandbox {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kEpoch = TimePoint(seconds(1'700'000'000));

TimePoint At(double s) { return kEpoch + std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(s)); }

LoadModelOptions Options() {
  LoadModelOptions o;
  o.epoch = kEpoch;
  o.node_overhead_millicores = 100;
  o.node_memory_base_bytes = 1000;
  o.unready_pod_millicores = 0;
  o.pod_memory = MemoryModel{100, 2};
  return o;
}

PodStart Pod(const std::string& name, const std::string& node = "n1", std::vector<std::string> containers = {"app"},
             double started = 0) {
  return PodStart{"default", name, node, "default", "web", std::move(containers), At(started)};
}

class LoadModelTest : public ::testing::Test {
 protected:
  LoadModelTest() : model(Options()) {
    model.AddNode("n1", At(0));
    model.AddNode("n2", At(0));
    model.SetWorkloadLoad("default", "web", LoadCurve::Constant(1000), At(0));
  }
  uint64_t PodCounter(const std::string& pod, double t) { return model.PodCpuCounter("default", pod, At(t)).value(); }
  LoadModel model;
};

TEST_F(LoadModelTest, SplitsLoadEvenlyAcrossReadyPods) {
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  ASSERT_TRUE(model.StartPod(Pod("b", "n2")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  ASSERT_TRUE(model.SetPodReady("default", "b", true, At(0)).ok());
  EXPECT_EQ(PodCounter("a", 10), 5'000'000'000ull);
  EXPECT_EQ(PodCounter("b", 10), 5'000'000'000ull);
  EXPECT_DOUBLE_EQ(model.ExpectedPodCpuCores("default", "a", At(10), At(20)).value(), 0.5);
  EXPECT_DOUBLE_EQ(model.PodMillicoresAt("default", "a", At(3)).value(), 500);
  EXPECT_EQ(model.ReadyPods("default", "web", At(1)), 2);
}

TEST_F(LoadModelTest, ShareChangesWhenAPodBecomesReady) {
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  ASSERT_TRUE(model.StartPod(Pod("b")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  ASSERT_TRUE(model.SetPodReady("default", "b", true, At(10)).ok());
  EXPECT_EQ(PodCounter("a", 10), 10'000'000'000ull);
  EXPECT_EQ(PodCounter("a", 20), 15'000'000'000ull);
  EXPECT_EQ(PodCounter("b", 20), 5'000'000'000ull);
  // Across the change: a used 1 core for 5 s then half a core for 5 s.
  EXPECT_DOUBLE_EQ(model.ExpectedPodCpuCores("default", "a", At(5), At(15)).value(), 0.75);
  EXPECT_DOUBLE_EQ(model.ExpectedPodCpuCores("default", "b", At(5), At(15)).value(), 0.25);
}

TEST_F(LoadModelTest, PodCountersSumToTheWorkloadIntegralUnderARamp) {
  model.SetWorkloadLoad("default", "web", LoadCurve::Ramp(300, 3000, 5, 40), At(0));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(model.StartPod(Pod("p" + std::to_string(i), i % 2 ? "n1" : "n2")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "p0", true, At(0)).ok());
  for (int i = 1; i < 5; ++i) ASSERT_TRUE(model.SetPodReady("default", "p" + std::to_string(i), true, At(3.7 * i)).ok());
  ASSERT_TRUE(model.RemovePod("default", "p2", At(21.25)).ok());
  LoadCurve curve = LoadCurve::Ramp(300, 3000, 5, 40);
  for (double t : {1.0, 7.4, 11.1, 21.25, 33.0, 60.0}) {
    uint64_t sum = 0;
    for (int i = 0; i < 5; ++i) sum += PodCounter("p" + std::to_string(i), t);
    EXPECT_NEAR(static_cast<double>(sum), curve.CoreSecondsUntil(t) * 1e9, 5) << t;
  }
}

TEST_F(LoadModelTest, UnreadyPodsUseTheirOwnAmount) {
  LoadModelOptions o = Options();
  o.unready_pod_millicores = 50;
  LoadModel m(o);
  m.AddNode("n1", At(0));
  ASSERT_TRUE(m.StartPod(Pod("a", "n1", {"app"}, 2)).ok());
  EXPECT_EQ(m.PodCpuCounter("default", "a", At(12)).value(), 500'000'000u);
  EXPECT_DOUBLE_EQ(m.PodMillicoresAt("default", "a", At(5)).value(), 50);
  EXPECT_EQ(m.PodCpuCounter("default", "a", At(1)).value(), 0u);
}

TEST_F(LoadModelTest, NodeCounterIncludesOverheadAndRemovedPods) {
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  ASSERT_TRUE(model.RemovePod("default", "a", At(10)).ok());
  // 10 core-seconds from the pod, 0.1 core of overhead for 20 s.
  EXPECT_EQ(model.NodeCpuCounter("n1", At(20)).value(), 12'000'000'000ull);
  EXPECT_EQ(PodCounter("a", 20), 10'000'000'000ull);
  EXPECT_DOUBLE_EQ(model.ExpectedNodeCpuCores("n1", At(5), At(15)).value(), 0.6);
  auto sample = model.SampleNode("n1", At(20));
  ASSERT_TRUE(sample.ok());
  EXPECT_TRUE(sample->pods.empty());
  EXPECT_EQ(sample->cpu_core_nanoseconds, 12'000'000'000ull);
}

TEST_F(LoadModelTest, ContainersSplitThePodAndMemoryFollowsUsage) {
  ASSERT_TRUE(model.StartPod(Pod("a", "n1", {"app", "sidecar"})).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  auto sample = model.SampleNode("n1", At(4.0004));
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->timestamp_ms, 1'700'000'004'000);  // truncated to the millisecond
  ASSERT_EQ(sample->pods.size(), 1u);
  const PodSample& pod = sample->pods[0];
  ASSERT_EQ(pod.containers.size(), 2u);
  EXPECT_EQ(pod.containers[0].cpu_core_nanoseconds, 2'000'000'000ull);
  EXPECT_EQ(pod.cpu_core_nanoseconds, 4'000'000'000ull);
  // 100 bytes + 2 bytes per millicore at 1000m, split over two containers.
  EXPECT_EQ(pod.containers[1].memory_working_set_bytes, 1050u);
  EXPECT_EQ(pod.memory_working_set_bytes, 2100u);
  EXPECT_EQ(sample->memory_working_set_bytes, 3100u);
  EXPECT_EQ(model.NodeMemoryBytes("n1", At(4)).value(), 3100u);
  EXPECT_EQ(pod.containers[0].start_time, At(0));
  EXPECT_EQ(sample->cpu_core_nanoseconds, 4'400'000'000ull);
}

TEST_F(LoadModelTest, EventsNeverRewriteObservedHistory) {
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  ASSERT_TRUE(model.StartPod(Pod("b")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  auto before = model.SampleNode("n1", At(10));
  ASSERT_TRUE(before.ok());
  // Dated before the sample: applied at the sample's time instead.
  ASSERT_TRUE(model.SetPodReady("default", "b", true, At(5)).ok());
  EXPECT_EQ(PodCounter("a", 10), 10'000'000'000ull);
  EXPECT_EQ(PodCounter("b", 10), 0u);
  EXPECT_EQ(PodCounter("b", 12), 1'000'000'000ull);
}

TEST_F(LoadModelTest, ChangingTheLoadKeepsThePast) {
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  model.SetWorkloadLoad("default", "web", LoadCurve::Constant(3000), At(10));
  EXPECT_EQ(PodCounter("a", 10), 10'000'000'000ull);
  EXPECT_EQ(PodCounter("a", 20), 40'000'000'000ull);
  EXPECT_DOUBLE_EQ(model.WorkloadMillicoresAt("default", "web", At(5)), 1000);
  EXPECT_DOUBLE_EQ(model.WorkloadMillicoresAt("default", "web", At(15)), 3000);
}

TEST_F(LoadModelTest, ReportsUnknownObjects) {
  EXPECT_EQ(model.PodCpuCounter("default", "nope", At(1)).error().code, common::ErrorCode::kNotFound);
  EXPECT_EQ(model.SampleNode("nope", At(1)).error().code, common::ErrorCode::kNotFound);
  EXPECT_EQ(model.StartPod(Pod("a", "nope")).error().code, common::ErrorCode::kNotFound);
  EXPECT_EQ(model.StartPod(Pod("a", "n1", {})).error().code, common::ErrorCode::kInvalidArgument);
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  EXPECT_EQ(model.StartPod(Pod("a")).error().code, common::ErrorCode::kAlreadyExists);
  EXPECT_FALSE(model.ExpectedPodCpuCores("default", "a", At(2), At(1)).ok());
}

TEST_F(LoadModelTest, RestartedPodNameStartsFromZero) {
  ASSERT_TRUE(model.StartPod(Pod("a")).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(0)).ok());
  ASSERT_TRUE(model.RemovePod("default", "a", At(10)).ok());
  ASSERT_TRUE(model.StartPod(Pod("a", "n2", {"app"}, 20)).ok());
  ASSERT_TRUE(model.SetPodReady("default", "a", true, At(20)).ok());
  EXPECT_EQ(PodCounter("a", 25), 5'000'000'000ull);
  EXPECT_EQ(model.NodeCpuCounter("n1", At(30)).value(), 10'000'000'000ull + 3'000'000'000ull);
}

}  // namespace
}  // namespace sandbox
