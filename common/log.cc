#include "common/log.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>

namespace common {
namespace {

// The process-wide logging state (see the header for why this one global exists).
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
std::atomic<int> g_verbosity{0};
std::atomic<int> g_fd{2};

char SeverityLetter(LogSeverity s) {
  switch (s) {
    case LogSeverity::kInfo:
      return 'I';
    case LogSeverity::kWarning:
      return 'W';
    case LogSeverity::kError:
      return 'E';
    case LogSeverity::kFatal:
      return 'F';
  }
  return 'I';
}

std::string_view Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (u < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", u);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Go's %q-like quoting used by klog for key/value pairs (err="...").
void AppendQuoted(std::string_view s, std::string* out) { AppendJsonString(s, out); }

int64_t CurrentThreadId() {
  thread_local const int64_t tid = static_cast<int64_t>(::syscall(SYS_gettid));
  return tid;
}

void WriteAll(int fd, const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failing log sink
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void ConfigureLogging(const LogConfig& config) {
  g_format.store(static_cast<int>(config.format), std::memory_order_relaxed);
  g_verbosity.store(config.verbosity, std::memory_order_relaxed);
  g_fd.store(config.fd, std::memory_order_relaxed);
}

LogConfig CurrentLogConfig() {
  LogConfig c;
  c.format = static_cast<LogFormat>(g_format.load(std::memory_order_relaxed));
  c.verbosity = g_verbosity.load(std::memory_order_relaxed);
  c.fd = g_fd.load(std::memory_order_relaxed);
  return c;
}

bool ParseLogFormat(std::string_view text, LogFormat* out) {
  if (text == "text") {
    *out = LogFormat::kText;
    return true;
  }
  if (text == "json") {
    *out = LogFormat::kJson;
    return true;
  }
  return false;
}

bool VerbosityEnabled(int level) { return level <= g_verbosity.load(std::memory_order_relaxed); }

void FormatTextLog(const LogRecord& r, std::string* out) {
  const auto since_epoch = r.time.time_since_epoch();
  const auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - secs).count();
  const std::time_t t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(*out), "{}{:02d}{:02d} {:02d}:{:02d}:{:02d}.{:06d} {:7d} {}:{}] {}",
                 SeverityLetter(r.severity), tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros,
                 r.thread_id, Basename(r.file), r.line, r.message);
  if (!r.error.empty()) {
    out->append(" err=");
    AppendQuoted(r.error, out);
  }
  out->push_back('\n');
}

void FormatJsonLog(const LogRecord& r, std::string* out) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(r.time.time_since_epoch()).count();
  const int64_t secs = millis >= 0 ? millis / 1000 : -((-millis + 999) / 1000);
  const int64_t frac = millis - secs * 1000;
  fmt::format_to(std::back_inserter(*out), "{{\"ts\":{}.{:03d},\"caller\":", secs, frac);
  AppendJsonString(fmt::format("{}:{}", Basename(r.file), r.line), out);
  out->append(",\"msg\":");
  AppendJsonString(r.message, out);
  if (r.severity == LogSeverity::kInfo) {
    fmt::format_to(std::back_inserter(*out), ",\"v\":{}", r.verbosity);
  } else if (!r.error.empty()) {
    out->append(",\"err\":");
    AppendJsonString(r.error, out);
  }
  if (r.severity == LogSeverity::kWarning) {
    // zap has no warning level in component-base's JSON; keep the severity visible as klog's "level" would be.
    out->append(",\"level\":\"warning\"");
  }
  out->append("}\n");
}

namespace log_internal {

void Emit(LogSeverity severity, int verbosity, const char* file, int line, std::string_view message,
          std::string_view error) {
  LogRecord r;
  r.severity = severity;
  r.verbosity = verbosity;
  r.time = std::chrono::system_clock::now();
  r.thread_id = CurrentThreadId();
  r.file = file;
  r.line = line;
  r.message = message;
  r.error = error;
  std::string out;
  out.reserve(64 + message.size() + error.size());
  if (static_cast<LogFormat>(g_format.load(std::memory_order_relaxed)) == LogFormat::kJson) {
    FormatJsonLog(r, &out);
  } else {
    FormatTextLog(r, &out);
  }
  WriteAll(g_fd.load(std::memory_order_relaxed), out);
}

}  // namespace log_internal
}  // namespace common
