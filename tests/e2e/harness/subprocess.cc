#include "tests/e2e/harness/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace e2e {
namespace {

using common::Error;
using common::ErrorCode;
using Clock = std::chrono::steady_clock;

// The environment of this process with `overrides` applied, as owned strings.
std::vector<std::string> BuildEnvironment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    merged[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
  }
  for (const auto& [key, value] : overrides) merged[key] = value;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [key, value] : merged) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Spawn attributes shared by servers and commands: a new process group (so a group kill reaches every
// descendant), no blocked signals and default dispositions whatever the test runner set up.
struct SpawnAttributes {
  posix_spawnattr_t attr;
  SpawnAttributes() {
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD}) sigaddset(&defaults, s);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr); }
};

struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
};

common::Result<pid_t> SpawnWith(const std::vector<std::string>& argv_in, const std::map<std::string, std::string>& env,
                                FileActions& files) {
  if (argv_in.empty()) return Error::Make(ErrorCode::kInvalidArgument, "empty argv");
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> envp = BuildEnvironment(env);
  auto argv_ptrs = Pointers(argv);
  auto env_ptrs = Pointers(envp);
  SpawnAttributes attributes;
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0].c_str(), &files.actions, &attributes.attr, argv_ptrs.data(), env_ptrs.data());
  if (rc != 0) return Error::Make(ErrorCode::kInternal, "spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string DescribeStatus(std::optional<int> status) {
  if (!status) return "running";
  if (WIFEXITED(*status)) return "exited with " + std::to_string(WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) return "killed by signal " + std::to_string(WTERMSIG(*status));
  return "stopped";
}

std::string JoinCommandLine(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'";
  }
  return out;
}

}  // namespace

common::Result<std::unique_ptr<Subprocess>> Subprocess::Spawn(SpawnOptions options) {
  if (options.argv.empty()) return Error::Make(ErrorCode::kInvalidArgument, "empty argv");
  int log = open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return Error::Make(ErrorCode::kInternal, "open " + options.log_path + ": " + std::strerror(errno));
  {
    // The command line heads the log, so a log read alone says what ran.
    std::string header = "$ " + JoinCommandLine(options.argv) + "\n";
    (void)!write(log, header.data(), header.size());
  }
  FileActions files;
  posix_spawn_file_actions_addopen(&files.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&files.actions, log, 1);
  posix_spawn_file_actions_adddup2(&files.actions, log, 2);
  auto pid = SpawnWith(options.argv, options.env, files);
  close(log);
  if (!pid.ok()) return pid.error();
  return std::unique_ptr<Subprocess>(new Subprocess(*pid, options.log_path, BaseName(options.argv[0])));
}

Subprocess::~Subprocess() { Stop(); }

bool Subprocess::Running() {
  if (exit_status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = status;
    return false;
  }
  return r == 0;
}

std::string Subprocess::DescribeExit() const { return DescribeStatus(exit_status_); }

int Subprocess::WaitAfterSignal(int signal, std::chrono::milliseconds grace) {
  if (!Running()) return *exit_status_;
  // The group first (descendants), then the process itself in case it left the group.
  kill(-pid_, signal);
  kill(pid_, signal);
  const auto deadline = Clock::now() + grace;
  while (Running()) {
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return *exit_status_;
}

int Subprocess::Stop(std::chrono::milliseconds grace) {
  // Signals go out only while the child is unreaped, so its pid (and group id) cannot belong to anyone else.
  if (!Running()) return *exit_status_;
  stop_requested_ = true;
  if (int status = WaitAfterSignal(SIGTERM, grace); status != -1) return status;
  return Kill();
}

int Subprocess::Kill() {
  stop_requested_ = true;
  int status = WaitAfterSignal(SIGKILL, std::chrono::milliseconds(10000));
  return status;
}

std::string Subprocess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Subprocess::Output() const {
  std::string log = Log();
  auto newline = log.find('\n');
  return newline == std::string::npos ? std::string() : log.substr(newline + 1);
}

std::string Subprocess::LogTail(size_t lines) const { return TailLines(Log(), lines); }

std::string TailLines(const std::string& text, size_t lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(pos);
}

std::string CommandResult::Describe() const {
  std::string status = timed_out ? "timed out" : "exit code " + std::to_string(exit_code);
  return "$ " + command_line + "\n(" + status + ")\n--- stdout\n" + out + "--- stderr\n" + err;
}

common::Result<CommandResult> RunCommand(const CommandOptions& options) {
  if (options.argv.empty()) return Error::Make(ErrorCode::kInvalidArgument, "empty argv");
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Error::Make(ErrorCode::kInternal, "pipe failed");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]), close(in_pipe[1]);
    return Error::Make(ErrorCode::kInternal, "pipe failed");
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    return Error::Make(ErrorCode::kInternal, "pipe failed");
  }
  FileActions files;
  posix_spawn_file_actions_adddup2(&files.actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&files.actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&files.actions, err_pipe[1], 2);
  auto pid = SpawnWith(options.argv, options.env, files);
  for (int fd : {in_pipe[0], out_pipe[1], err_pipe[1]}) close(fd);
  if (!pid.ok()) {
    for (int fd : {in_pipe[1], out_pipe[0], err_pipe[0]}) close(fd);
    return pid.error();
  }

  CommandResult result;
  result.command_line = JoinCommandLine(options.argv);
  int stdin_fd = in_pipe[1];
  fcntl(stdin_fd, F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (options.stdin_data.empty()) {
    close(stdin_fd);
    stdin_fd = -1;
  }
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  const auto deadline = Clock::now() + options.timeout;
  while (out_fd >= 0 || err_fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    int stdin_index = -1, out_index = -1, err_index = -1;
    if (stdin_fd >= 0) fds[stdin_index = n++] = {stdin_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[out_index = n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[err_index = n++] = {err_fd, POLLIN, 0};
    int ready = poll(fds, n, static_cast<int>(std::min<long long>(left, 200)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char buffer[16384];
    auto drain = [&](int index, int& fd, std::string& sink) {
      if (index < 0 || fds[index].revents == 0) return;
      ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got > 0) {
        sink.append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fd);
        fd = -1;
      }
    };
    drain(out_index, out_fd, result.out);
    drain(err_index, err_fd, result.err);
    if (stdin_index >= 0 && fds[stdin_index].revents != 0) {
      ssize_t put = write(stdin_fd, options.stdin_data.data() + written, options.stdin_data.size() - written);
      if (put > 0) written += static_cast<size_t>(put);
      if ((put < 0 && errno != EAGAIN && errno != EINTR) || written == options.stdin_data.size()) {
        close(stdin_fd);
        stdin_fd = -1;
      }
    }
  }
  for (int fd : {stdin_fd, out_fd, err_fd}) {
    if (fd >= 0) close(fd);
  }
  if (result.timed_out) {
    kill(-*pid, SIGKILL);
    kill(*pid, SIGKILL);
  }
  int status = 0;
  while (true) {
    pid_t r = waitpid(*pid, &status, result.timed_out ? 0 : WNOHANG);
    if (r == *pid) break;
    if (r < 0 && errno != EINTR) break;
    if (r == 0) {
      if (Clock::now() >= deadline) {
        result.timed_out = true;
        kill(-*pid, SIGKILL);
        kill(*pid, SIGKILL);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  result.exit_code = !result.timed_out && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace e2e
