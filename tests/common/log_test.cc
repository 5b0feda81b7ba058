#include "common/log.h"

#include "common/result.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace common {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

// 2024-11-25 00:27:24.123456 UTC
const auto kTime = std::chrono::system_clock::time_point(seconds(1732494444) + microseconds(123456));

LogRecord Record(LogSeverity severity, std::string_view msg) {
  LogRecord r;
  r.severity = severity;
  r.time = kTime;
  r.thread_id = 12345;
  r.file = "/work/main/metrics-server/server.cc";
  r.line = 123;
  r.message = msg;
  return r;
}

TEST(LogFormatTest, TextLineIsKlogShaped) {
  std::string out;
  FormatTextLog(Record(LogSeverity::kInfo, "message"), &out);
  EXPECT_EQ(out, "I1125 00:27:24.123456   12345 server.cc:123] message\n");

  out.clear();
  FormatTextLog(Record(LogSeverity::kWarning, "w"), &out);
  EXPECT_EQ(out.substr(0, 1), "W");
  out.clear();
  FormatTextLog(Record(LogSeverity::kFatal, "f"), &out);
  EXPECT_EQ(out.substr(0, 1), "F");

  out.clear();
  LogRecord r = Record(LogSeverity::kError, "Failed to scrape node");
  r.error = "connection \"refused\"";
  r.thread_id = 1;
  FormatTextLog(r, &out);
  EXPECT_EQ(out, "E1125 00:27:24.123456       1 server.cc:123] Failed to scrape node err=\"connection \\\"refused\\\"\"\n");
}

TEST(LogFormatTest, JsonLine) {
  std::string out;
  LogRecord r = Record(LogSeverity::kInfo, "hello \"world\"\n");
  r.verbosity = 2;
  FormatJsonLog(r, &out);
  EXPECT_EQ(out,
            "{\"ts\":1732494444.123,\"caller\":\"server.cc:123\",\"msg\":\"hello \\\"world\\\"\\n\",\"v\":2}\n");

  out.clear();
  r = Record(LogSeverity::kError, "scrape failed");
  r.error = "timeout";
  FormatJsonLog(r, &out);
  EXPECT_EQ(out, "{\"ts\":1732494444.123,\"caller\":\"server.cc:123\",\"msg\":\"scrape failed\",\"err\":\"timeout\"}\n");

  out.clear();
  FormatJsonLog(Record(LogSeverity::kWarning, "careful"), &out);
  EXPECT_EQ(out, "{\"ts\":1732494444.123,\"caller\":\"server.cc:123\",\"msg\":\"careful\",\"level\":\"warning\"}\n");

  out.clear();
  r = Record(LogSeverity::kInfo, std::string_view("\x01", 1));
  FormatJsonLog(r, &out);
  EXPECT_NE(out.find("\"msg\":\"\\u0001\""), std::string::npos) << out;
}

TEST(LogFormatTest, ParseLogFormat) {
  LogFormat f = LogFormat::kText;
  EXPECT_TRUE(ParseLogFormat("json", &f));
  EXPECT_EQ(f, LogFormat::kJson);
  EXPECT_TRUE(ParseLogFormat("text", &f));
  EXPECT_EQ(f, LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("yaml", &f));
  EXPECT_FALSE(ParseLogFormat("", &f));
}

// Captures what the macros write by pointing the process-wide sink at a temporary file.
class LogCaptureTest : public testing::Test {
 protected:
  void SetUp() override {
    saved_ = CurrentLogConfig();
    file_ = std::tmpfile();
    ASSERT_NE(file_, nullptr);
  }
  void TearDown() override {
    ConfigureLogging(saved_);
    std::fclose(file_);
  }
  void Configure(LogFormat format, int verbosity) { ConfigureLogging(LogConfig{format, verbosity, ::fileno(file_)}); }
  std::vector<std::string> Lines() {
    std::string all;
    char buf[4096];
    ::lseek(::fileno(file_), 0, SEEK_SET);
    ssize_t n;
    while ((n = ::read(::fileno(file_), buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(all.substr(start, nl - start));
    }
    EXPECT_EQ(start, all.size()) << "unterminated line";
    return lines;
  }

  LogConfig saved_;
  std::FILE* file_ = nullptr;
};

TEST_F(LogCaptureTest, MacrosRespectVerbosityAndSkipFormatting) {
  Configure(LogFormat::kText, 2);
  int evaluated = 0;
  auto count = [&evaluated] { return ++evaluated; };
  LOG_INFO("info {}", 1);
  LOG_WARNING("warn {}", "x");
  LOG_ERROR("error {:.1f}", 1.25);
  LOG_V(2, "v2 {}", count());
  LOG_V(3, "v3 {}", count());  // disabled: arguments are not evaluated
  EXPECT_EQ(evaluated, 1);
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0][0], 'I');
  EXPECT_NE(lines[0].find(" log_test.cc:"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].substr(lines[0].size() - 8), "] info 1");
  EXPECT_EQ(lines[1][0], 'W');
  EXPECT_EQ(lines[1].substr(lines[1].size() - 8), "] warn x");
  EXPECT_EQ(lines[2][0], 'E');
  EXPECT_EQ(lines[2].substr(lines[2].size() - 11), "] error 1.2");
  EXPECT_EQ(lines[3].substr(lines[3].size() - 6), "] v2 1");
}

TEST_F(LogCaptureTest, JsonAndErrorCause) {
  Configure(LogFormat::kJson, 0);
  LOG_V(1, "hidden");
  LOG_V(0, "shown {}", 7);
  LOG_ERROR_ERR(Error::Make(ErrorCode::kTimeout, "deadline exceeded"), "scrape of {} failed", "node-1");
  LOG_ERROR_ERR("plain", "x");
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("\"msg\":\"shown 7\",\"v\":0}"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].rfind("{\"ts\":", 0), 0u) << lines[0];
  EXPECT_NE(lines[1].find("\"msg\":\"scrape of node-1 failed\",\"err\":\"deadline exceeded\"}"), std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("\"err\":\"plain\""), std::string::npos) << lines[2];
}

TEST_F(LogCaptureTest, ConcurrentWritersProduceWholeLines) {
  Configure(LogFormat::kText, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) LOG_INFO("thread {} line {} {}", t, i, std::string(100, 'x'));
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 800u);
  for (const auto& l : lines) {
    ASSERT_EQ(l[0], 'I') << l;
    ASSERT_EQ(l.substr(l.size() - 101), " " + std::string(100, 'x')) << l;
  }
}

}  // namespace
}  // namespace common
