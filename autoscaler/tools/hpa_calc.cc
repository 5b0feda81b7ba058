// hpa-calc: runs a golden HPA case file (either schema of tests/golden/hpa-cases) through the algorithm and prints
// one JSON line per case. Exit status: 0 all pass, 1 some case failed, 2 unreadable input or bad usage.
//
//   hpa-calc CASES.json [--only NAME-SUBSTRING]

#include <cstdio>
#include <string>
#include <string_view>

#include "autoscaler/cases/case_runner.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: hpa-calc CASES.json [--only NAME-SUBSTRING]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  autoscaler::hpa_cases::RunOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--only" && i + 1 < argc) {
      options.only = argv[++i];
    } else if (arg.rfind("--only=", 0) == 0) {
      options.only = std::string(arg.substr(7));
    } else if (arg == "-h" || arg == "--help") {
      Usage();
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage();
    } else if (path.empty()) {
      path = std::string(arg);
    } else {
      return Usage();
    }
  }
  if (path.empty()) return Usage();

  auto text = autoscaler::hpa_cases::ReadFile(path);
  if (!text.ok()) {
    std::fprintf(stderr, "hpa-calc: %s\n", text.error().message.c_str());
    return 2;
  }
  auto outcomes = autoscaler::hpa_cases::RunCases(*text, options);
  if (!outcomes.ok()) {
    std::fprintf(stderr, "hpa-calc: %s: %s\n", path.c_str(), outcomes.error().message.c_str());
    return 2;
  }
  bool all_pass = true;
  for (const auto& outcome : *outcomes) {
    std::string line = autoscaler::hpa_cases::FormatOutcomeLine(outcome);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    all_pass = all_pass && outcome.pass;
  }
  std::fflush(stdout);
  return all_pass ? 0 : 1;
}
