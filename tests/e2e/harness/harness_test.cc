// The end-to-end harness itself: captured commands, stopped processes, table parsing, deadlines.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/e2e/harness/kubectl.h"
#include "tests/e2e/harness/ports.h"
#include "tests/e2e/harness/replica_timeline.h"
#include "tests/e2e/harness/subprocess.h"
#include "tests/e2e/harness/wait.h"

namespace e2e {
namespace {

using std::chrono::milliseconds;

TEST(RunCommandTest, CapturesStdoutStderrExitCodeAndStdin) {
  auto r = RunCommand({.argv = {"/bin/sh", "-c", "cat; echo out; echo err >&2; exit 3"}, .stdin_data = "in\n"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "in\nout\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(RunCommandTest, PassesEnvironmentOverrides) {
  auto r = RunCommand({.argv = {"/bin/sh", "-c", "printf %s \"$E2E_PROBE\""}, .env = {{"E2E_PROBE", "v1"}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "v1");
}

TEST(RunCommandTest, KillsACommandAtItsTimeout) {
  auto r = RunCommand({.argv = {"/bin/sh", "-c", "sleep 30"}, .timeout = milliseconds(200)});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
}

TEST(RunCommandTest, ReportsAMissingExecutable) {
  auto r = RunCommand({.argv = {"/nonexistent/e2e-binary"}});
  // posix_spawn reports exec failure either as an error or as exit status 127, depending on the libc.
  EXPECT_TRUE(!r.ok() || r->exit_code == 127);
}

class SubprocessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kma-e2e-harness-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SubprocessTest, LogsOutputAndStopsWithSigterm) {
  auto p = Subprocess::Spawn({.argv = {"/bin/sh", "-c", "echo started; exec sleep 30"}, .log_path = dir_ + "/a.log"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_TRUE(WaitUntil(milliseconds(5000), milliseconds(20), [&] { return (*p)->Log().find("\nstarted\n") != std::string::npos; }));
  EXPECT_TRUE((*p)->Running());
  int status = (*p)->Stop();
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_FALSE((*p)->Running());
  EXPECT_EQ((*p)->DescribeExit(), "killed by signal 15");
  EXPECT_EQ((*p)->Log().rfind("$ /bin/sh -c", 0), 0u);  // the command line heads the log
  EXPECT_EQ((*p)->Output(), "started\n");
}

TEST_F(SubprocessTest, EscalatesToSigkillWhenSigtermIsIgnored) {
  auto p = Subprocess::Spawn({.argv = {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"},
                              .log_path = dir_ + "/b.log"});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(WaitUntil(milliseconds(5000), milliseconds(20), [&] { return (*p)->Log().find("\nready\n") != std::string::npos; }));
  int status = (*p)->Stop(milliseconds(300));
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST_F(SubprocessTest, ReportsAnEarlyExit) {
  auto p = Subprocess::Spawn({.argv = {"/bin/sh", "-c", "exit 2"}, .log_path = dir_ + "/c.log"});
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(WaitUntil(milliseconds(5000), milliseconds(10), [&] { return !(*p)->Running(); }));
  EXPECT_EQ((*p)->DescribeExit(), "exited with 2");
}

TEST(TailLinesTest, KeepsTheLastLines) {
  EXPECT_EQ(TailLines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(TailLines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(TailLines("a\n", 5), "a\n");
  EXPECT_EQ(TailLines("", 3), "");
}

TEST(TableTest, ParsesKubectlColumnsWithSpacesInsideCells) {
  auto t = Table::Parse(
      "NAME   REFERENCE         TARGETS        MINPODS   MAXPODS   REPLICAS   AGE\n"
      "demo   Deployment/demo   cpu: 80%/10%   1         10        8          42s\n");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Cell(0, "TARGETS"), "cpu: 80%/10%");
  EXPECT_EQ(t.Cell(0, "REPLICAS"), "8");
  EXPECT_EQ(t.Find("NAME", "demo"), 0u);
  EXPECT_EQ(t.Find("NAME", "other"), std::nullopt);
  EXPECT_EQ(t.Cell(0, "MISSING"), std::nullopt);
}

TEST(TableTest, ParsesTopOutputWithTrailingPadding) {
  auto t = Table::Parse(
      "NAME     CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n"
      "node-1   124m         3%       1418Mi          18%         \n");
  ASSERT_EQ(t.header().size(), 5u);
  EXPECT_EQ(t.Cell(0, "MEMORY(%)"), "18%");
}

TEST(WaitUntilTest, ReturnsTheLastObservationOnTimeout) {
  int calls = 0;
  auto outcome = WaitUntil(milliseconds(100), milliseconds(10), [&](std::string* seen) {
    *seen = "try " + std::to_string(++calls);
    return false;
  });
  EXPECT_FALSE(outcome.ok);
  EXPECT_GE(calls, 2);
  EXPECT_EQ(outcome.last_observation, "try " + std::to_string(calls));
}

TEST(WaitUntilTest, StopsAsSoonAsTheProbeHolds) {
  int calls = 0;
  EXPECT_TRUE(WaitUntil(milliseconds(5000), milliseconds(1), [&] { return ++calls == 3; }));
  EXPECT_EQ(calls, 3);
}

TEST(ReplicaTimelineTest, SamplesUntilDoneAndDescribesTheChanges) {
  const std::vector<std::optional<int>> readings = {1, 1, std::nullopt, 3, 3, 5};
  size_t next = 0;
  double now = 0;
  ReplicaTimeline timeline([&] { return readings[std::min(next++, readings.size() - 1)]; },
                           [&] { return now += 1; }, milliseconds(1));
  auto five = timeline.Until(100, [](const ReplicaTimeline::Sample& s) { return s.replicas == 5; });
  ASSERT_TRUE(five);
  EXPECT_EQ(five->t, 6);
  EXPECT_EQ(timeline.samples().size(), 6u);
  EXPECT_EQ(timeline.Describe("x"),
            "timeline (scenario seconds: x, changes only):\n  t=1 1\n  t=3 unreadable\n  t=4 3\n  t=6 5\n");
  // Past `until` without `done`: nullopt, the last sample recorded.
  EXPECT_FALSE(timeline.Until(8, [](const ReplicaTimeline::Sample&) { return false; }));
  EXPECT_EQ(timeline.samples().back().t, 8);
}

TEST(PortsTest, PicksABindablePort) {
  auto port = PickFreePort();
  ASSERT_TRUE(port.ok()) << port.error().message;
  EXPECT_GT(*port, 0);
}

}  // namespace
}  // namespace e2e
