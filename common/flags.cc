#include "common/flags.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "common/duration.h"

namespace common {
namespace {

// Brings pflag habits to CLI11:
//  - "-v=2" (shorthand with '=') becomes "-v" "2";
//  - "--kubelet_insecure_tls" becomes "--kubelet-insecure-tls", as component-base's WordSepNormalizeFunc does.
// Everything after a bare "--" is left alone.
std::vector<std::string> NormalizeArgs(int argc, const char* const* argv) {
  std::vector<std::string> args;
  bool flags_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] != nullptr ? argv[i] : "";
    if (flags_done || arg == "--") {
      flags_done = true;
      args.push_back(std::move(arg));
      continue;
    }
    if (arg.size() >= 3 && arg[0] == '-' && arg[1] != '-' && arg[2] == '=') {
      args.push_back(arg.substr(0, 2));
      args.push_back(arg.substr(3));
      continue;
    }
    if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
      const size_t name_end = std::min(arg.find('='), arg.size());
      for (size_t j = 2; j < name_end; ++j) {
        if (arg[j] == '_') arg[j] = '-';
      }
    }
    args.push_back(std::move(arg));
  }
  return args;
}

std::string FlagName(const std::string& arg) {
  const size_t eq = arg.find('=');
  return eq == std::string::npos ? arg : arg.substr(0, eq);
}

bool ParseBool(const std::string& s, bool* out) {
  // strconv.ParseBool's spellings.
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return *out = true, true;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return *out = false, true;
  }
  return false;
}

}  // namespace

CommandLine::CommandLine(std::string name, std::string description)
    : app_(std::make_unique<CLI::App>(std::move(description), name)), name_(std::move(name)) {
  // Unknown arguments are collected and reported by Parse() in upstream's words.
  app_->allow_extras(true);
  app_->allow_windows_style_options(false);
  app_->set_help_flag("-h,--help", "Print this help and exit.");
  app_->add_option("-v,--v", verbosity_, "Number for the log level verbosity.")->capture_default_str();
  app_->add_option("--logging-format", logging_format_,
                   "Sets the log format. Permitted formats: \"json\", \"text\".")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

std::optional<int> CommandLine::Parse(int argc, const char* const* argv) {
  return Parse(argc, argv, std::cout, std::cerr);
}

std::optional<int> CommandLine::Parse(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args = NormalizeArgs(argc, argv);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
  auto fail = [&](const std::string& message) {
    err << "Error: " << message << "\nRun '" << name_ << " --help' for usage.\n";
    return kBadFlagsExitCode;
  };
  try {
    app_->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app_->help();
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(e.what());
  } catch (const std::exception& e) {  // a throwing user callback must not escape main
    return fail(e.what());
  }
  for (const std::string& extra : app_->remaining()) {
    if (extra.size() > 1 && extra[0] == '-') return fail("unknown flag: " + FlagName(extra));
    return fail("unexpected argument \"" + extra + "\" (flags start with --)");
  }
  if (verbosity_ < 0) return fail("invalid argument \"" + std::to_string(verbosity_) + "\" for \"-v, --v\" flag");
  log_config_.verbosity = verbosity_;
  if (!ParseLogFormat(logging_format_, &log_config_.format)) {
    return fail("invalid argument \"" + logging_format_ + "\" for \"--logging-format\" flag");
  }
  ConfigureLogging(log_config_);
  return std::nullopt;
}

CLI::Option* AddBoolFlag(CLI::App& app, const std::string& name, bool* target, const std::string& help) {
  // A flag (no separate value argument) whose optional "=value" is parsed like Go's strconv.ParseBool.
  CLI::Option* opt = app.add_flag_callback(
      name, [] {}, help);
  opt->each([target, name](const std::string& value) {
    bool b = true;
    if (!ParseBool(value, &b)) {
      throw CLI::ConversionError("invalid argument \"" + value + "\" for \"" + name + "\" flag: " +
                                 "strconv.ParseBool: parsing \"" + value + "\": invalid syntax");
    }
    *target = b;
  });
  opt->default_str(*target ? "true" : "false");
  return opt;
}

CLI::Option* AddDurationFlag(CLI::App& app, const std::string& name, std::chrono::nanoseconds* target,
                             const std::string& help) {
  CLI::Option* opt = app.add_option(
      name,
      [target](const CLI::results_t& results) {
        auto d = ParseDuration(results.back());
        if (!d.ok()) return false;
        *target = d.value();
        return true;
      },
      help);
  opt->type_name("duration");
  opt->check(CLI::Validator(
      [](std::string& value) {
        auto d = ParseDuration(value);
        return d.ok() ? std::string() : d.error().message;
      },
      ""));  // no extra text in --help; the type name says "duration"
  opt->default_str(FormatDuration(*target));
  return opt;
}

}  // namespace common
