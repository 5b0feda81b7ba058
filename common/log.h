#pragma once
// klog-compatible logging.
//
// Text (default), one line per record on stderr:
//   I1125 00:27:24.123456   12345 file.cc:123] message
//   (severity I/W/E/F, month-day, UTC time with microseconds, thread id padded to 7, file:line)
// JSON (--logging-format=json), the component-base/zap shape:
//   {"ts":1732494444.123,"caller":"file.cc:123","msg":"message","v":0}
//   errors carry no "v" and add "err" when LOG_ERROR_ERR supplies one; warnings add "level":"warning".
// Timestamps are UTC (klog uses local time; our containers and CI run in UTC, and gmtime_r needs no tz lock).
//
// The logging configuration is the one deliberate process-wide setting in this code base (as klog's is in
// upstream components): every library logs without a logger being threaded through it. It is set once at start-up
// from the standard flags (common/flags.h) and read with relaxed atomics, so logging is thread-safe. Each record
// is written with a single write(2) call, so lines from different threads never interleave.
//
// Disabled verbosity levels cost one atomic load: LOG_V does not evaluate or format its arguments then.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/result.h"

namespace common {

enum class LogFormat { kText, kJson };
enum class LogSeverity { kInfo, kWarning, kError, kFatal };

struct LogConfig {
  LogFormat format = LogFormat::kText;
  int verbosity = 0;
  int fd = 2;  // where records go; tests point it at a pipe or file
};

// Replaces the process-wide configuration. Safe to call at any time from any thread.
void ConfigureLogging(const LogConfig& config);
LogConfig CurrentLogConfig();

// Parses "text" / "json" (the --logging-format values).
bool ParseLogFormat(std::string_view text, LogFormat* out);

// True when LOG_V(level, ...) records are emitted.
bool VerbosityEnabled(int level);

// One log record; the formatting functions below are pure so tests can check exact output.
struct LogRecord {
  LogSeverity severity = LogSeverity::kInfo;
  int verbosity = 0;  // the level of LOG_V records (0 for the others)
  std::chrono::system_clock::time_point time;
  int64_t thread_id = 0;
  std::string_view file;  // full path or basename; only the basename is printed
  int line = 0;
  std::string_view message;
  std::string_view error;  // optional "err" field
};

// Append the complete line, including the trailing newline, to *out.
void FormatTextLog(const LogRecord& record, std::string* out);
void FormatJsonLog(const LogRecord& record, std::string* out);

namespace log_internal {

// Stamps time and thread id, formats according to the current configuration and writes the line.
void Emit(LogSeverity severity, int verbosity, const char* file, int line, std::string_view message,
          std::string_view error = {});

template <typename... Args>
void Log(LogSeverity severity, int verbosity, const char* file, int line, fmt::format_string<Args...> format,
         Args&&... args) {
  Emit(severity, verbosity, file, line, fmt::vformat(format, fmt::make_format_args(args...)));
}

template <typename Err, typename... Args>
void LogErr(const char* file, int line, const Err& error, fmt::format_string<Args...> format, Args&&... args) {
  std::string_view err_text;
  if constexpr (requires { error.message; }) {
    err_text = error.message;  // common::Error
  } else {
    err_text = error;  // anything convertible to string_view
  }
  Emit(LogSeverity::kError, 0, file, line, fmt::vformat(format, fmt::make_format_args(args...)), err_text);
}

}  // namespace log_internal
}  // namespace common

#define LOG_INFO(...) ::common::log_internal::Log(::common::LogSeverity::kInfo, 0, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_WARNING(...) \
  ::common::log_internal::Log(::common::LogSeverity::kWarning, 0, __FILE__, __LINE__, __VA_ARGS__)
#define LOG_ERROR(...) ::common::log_internal::Log(::common::LogSeverity::kError, 0, __FILE__, __LINE__, __VA_ARGS__)
// Error with a separate cause (common::Error or a string), like klog.ErrorS(err, msg): text gets ` err="..."`,
// JSON gets "err".
#define LOG_ERROR_ERR(err, ...) ::common::log_internal::LogErr(__FILE__, __LINE__, (err), __VA_ARGS__)
// Verbose info; arguments are not evaluated when the level is disabled.
#define LOG_V(level, ...)                                                                                  \
  do {                                                                                                     \
    if (::common::VerbosityEnabled(level)) {                                                               \
      ::common::log_internal::Log(::common::LogSeverity::kInfo, (level), __FILE__, __LINE__, __VA_ARGS__); \
    }                                                                                                      \
  } while (false)
