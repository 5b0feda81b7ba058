#pragma once
// Command-line conventions shared by every binary, on top of CLI11 (pflag-like, as upstream components use):
//   --kebab-case flags (underscores normalized to dashes, as component-base does), `--flag=value` and
//   `--flag value`, bool flags as `--x` or `--x=false`,
//   the standard `-v/--v N` (also `-v=N`), `--logging-format=text|json` and `--help`,
//   unknown flags, stray arguments and bad values print a clear error naming the flag and exit non-zero.
//
//   int main(int argc, char** argv) {
//     common::CommandLine cli("metrics-server", "Scrapes kubelets and serves the Metrics API.");
//     std::string kubeconfig;
//     cli.app().add_option("--kubeconfig", kubeconfig, "Path to a kubeconfig file.");
//     if (auto exit_code = cli.Parse(argc, argv)) return *exit_code;
//     ...  // logging is configured from here on
//   }

#include <CLI/CLI.hpp>

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "common/log.h"

namespace common {

// Exit code for a bad command line, as cobra-based upstream binaries return.
inline constexpr int kBadFlagsExitCode = 1;

class CommandLine {
 public:
  CommandLine(std::string name, std::string description);

  // Register component flags here before Parse().
  CLI::App& app() { return *app_; }

  // Parses the arguments (argv[0] is the program). On success configures logging from the standard flags and
  // returns nullopt. Otherwise returns the exit code main should return: 0 after --help (printed to `out`),
  // kBadFlagsExitCode after a bad command line (message on `err`). Never throws.
  std::optional<int> Parse(int argc, const char* const* argv);
  std::optional<int> Parse(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

  // The logging configuration from the standard flags (valid after a successful Parse).
  const LogConfig& log_config() const { return log_config_; }

 private:
  std::unique_ptr<CLI::App> app_;
  std::string name_;
  int verbosity_ = 0;
  std::string logging_format_ = "text";
  LogConfig log_config_;
};

// A boolean flag: `--name` sets true, `--name=true|false` sets either (never consumes the next argument).
CLI::Option* AddBoolFlag(CLI::App& app, const std::string& name, bool* target, const std::string& help);

// A Go-style duration flag ("15s", "1m30s"); the default shown in --help is the target's current value.
CLI::Option* AddDurationFlag(CLI::App& app, const std::string& name, std::chrono::nanoseconds* target,
                             const std::string& help);

}  // namespace common
