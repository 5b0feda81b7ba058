#pragma once
// Child processes for the end-to-end tests: long-running servers whose output goes to a log file, and short
// commands (kubectl, curl) whose output is captured. Every child runs in its own process group so that stopping
// it also stops anything it spawned, and nothing outlives a test.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace e2e {

struct SpawnOptions {
  std::vector<std::string> argv;              // argv[0] is the executable path
  std::map<std::string, std::string> env;     // added to (or replacing entries of) this process's environment
  std::string log_path;                       // stdout and stderr of the child, appended
};

// A running server process. Destruction stops it (SIGTERM, then SIGKILL).
class Subprocess {
 public:
  // Errors: kInvalidArgument (empty argv), kInternal (cannot open the log or spawn).
  static common::Result<std::unique_ptr<Subprocess>> Spawn(SpawnOptions options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  // A short name for messages: the executable's file name.
  const std::string& name() const { return name_; }

  // False once the process has exited (reaps it; exit_status() tells how).
  bool Running();
  // The raw wait status once exited.
  std::optional<int> exit_status() const { return exit_status_; }
  // "exited with 2", "killed by signal 9", "running".
  std::string DescribeExit() const;

  // True once Stop() or Kill() was called: an exit after that was asked for.
  bool stop_requested() const { return stop_requested_; }

  // SIGTERM to the process group, then SIGKILL after `grace`. Idempotent. Returns the wait status.
  int Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // SIGKILL at once, as a crash would (a leader that never releases its lease).
  int Kill();

  // The whole log (headed by the command line the harness wrote), and its last `lines` lines.
  std::string Log() const;
  // What the process itself wrote: the log without the command-line header (whose paths could match a search).
  std::string Output() const;
  std::string LogTail(size_t lines) const;

 private:
  Subprocess(pid_t pid, std::string log_path, std::string name)
      : pid_(pid), log_path_(std::move(log_path)), name_(std::move(name)) {}
  int WaitAfterSignal(int signal, std::chrono::milliseconds grace);

  pid_t pid_;
  std::string log_path_;
  std::string name_;
  std::optional<int> exit_status_;
  bool stop_requested_ = false;
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  // "$ cmd args\n<exit>\n--- stdout\n...\n--- stderr\n..." for failure messages.
  std::string Describe() const;
  std::string command_line;
};

struct CommandOptions {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string stdin_data;
  std::chrono::milliseconds timeout{30000};
};

// Runs a command to completion (or kills it at the timeout) capturing stdout and stderr.
// Errors: kInternal when it cannot be started at all.
common::Result<CommandResult> RunCommand(const CommandOptions& options);

// The last `lines` lines of a text.
std::string TailLines(const std::string& text, size_t lines);

}  // namespace e2e
