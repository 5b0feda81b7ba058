#include "common/flags.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace common {
namespace {

using namespace std::chrono_literals;

// A component-like command line with one flag of each kind.
struct TestBinary {
  CommandLine cli{"test-binary", "A binary under test."};
  std::string kubeconfig;
  int port = 10250;
  bool insecure = false;
  bool enabled = true;
  std::chrono::nanoseconds resync = 15s;
  std::ostringstream out, err;
  LogConfig saved = CurrentLogConfig();

  TestBinary() {
    cli.app().add_option("--kubeconfig", kubeconfig, "Path to a kubeconfig file.");
    cli.app().add_option("--secure-port", port, "Port to serve on.")->capture_default_str();
    AddBoolFlag(cli.app(), "--kubelet-insecure-tls", &insecure, "Skip kubelet certificate verification.");
    AddBoolFlag(cli.app(), "--enable-thing", &enabled, "Enable the thing.");
    AddDurationFlag(cli.app(), "--metric-resolution", &resync, "Scrape interval.");
  }
  ~TestBinary() { ConfigureLogging(saved); }

  std::optional<int> Run(std::vector<std::string> args) {
    args.insert(args.begin(), "test-binary");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return cli.Parse(static_cast<int>(argv.size()), argv.data(), out, err);
  }
};

TEST(FlagsTest, DefaultsWithoutArguments) {
  TestBinary b;
  EXPECT_EQ(b.Run({}), std::nullopt) << b.err.str();
  EXPECT_EQ(b.port, 10250);
  EXPECT_FALSE(b.insecure);
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.resync, 15s);
  EXPECT_EQ(b.cli.log_config().format, LogFormat::kText);
  EXPECT_EQ(b.cli.log_config().verbosity, 0);
}

TEST(FlagsTest, EqualsAndSpaceSeparatedValues) {
  TestBinary b;
  EXPECT_EQ(b.Run({"--kubeconfig=/tmp/kc", "--secure-port", "4443", "--metric-resolution=1m30s"}), std::nullopt)
      << b.err.str();
  EXPECT_EQ(b.kubeconfig, "/tmp/kc");
  EXPECT_EQ(b.port, 4443);
  EXPECT_EQ(b.resync, 90s);
}

TEST(FlagsTest, UnderscoresNormalizeToDashes) {
  TestBinary b;
  EXPECT_EQ(b.Run({"--kubelet_insecure_tls", "--secure_port=4443", "--logging_format", "json"}), std::nullopt)
      << b.err.str();
  EXPECT_TRUE(b.insecure);
  EXPECT_EQ(b.port, 4443);
  EXPECT_EQ(b.cli.log_config().format, LogFormat::kJson);
  // Values keep their underscores.
  TestBinary c;
  EXPECT_EQ(c.Run({"--kubeconfig=/tmp/a_b"}), std::nullopt) << c.err.str();
  EXPECT_EQ(c.kubeconfig, "/tmp/a_b");
}

TEST(FlagsTest, BoolFlags) {
  TestBinary b;
  EXPECT_EQ(b.Run({"--kubelet-insecure-tls", "--enable-thing=false"}), std::nullopt) << b.err.str();
  EXPECT_TRUE(b.insecure);
  EXPECT_FALSE(b.enabled);

  TestBinary c;
  EXPECT_EQ(c.Run({"--kubelet-insecure-tls=false", "--enable-thing=true"}), std::nullopt) << c.err.str();
  EXPECT_FALSE(c.insecure);
  EXPECT_TRUE(c.enabled);

  TestBinary d;
  EXPECT_EQ(d.Run({"--kubelet-insecure-tls=maybe"}), kBadFlagsExitCode);
  EXPECT_NE(d.err.str().find("--kubelet-insecure-tls"), std::string::npos) << d.err.str();
}

TEST(FlagsTest, VerbosityAndLoggingFormatConfigureLogging) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-v", "4"}, {"--v=4"}, {"--v", "4"}, {"-v=4"}, {"-v4"}}) {
    TestBinary b;
    EXPECT_EQ(b.Run(args), std::nullopt) << args[0] << ": " << b.err.str();
    EXPECT_EQ(b.cli.log_config().verbosity, 4) << args[0];
    EXPECT_EQ(CurrentLogConfig().verbosity, 4) << args[0];
  }
  TestBinary j;
  EXPECT_EQ(j.Run({"--logging-format=json"}), std::nullopt) << j.err.str();
  EXPECT_EQ(j.cli.log_config().format, LogFormat::kJson);
  EXPECT_EQ(CurrentLogConfig().format, LogFormat::kJson);
}

TEST(FlagsTest, HelpExitsZeroAndListsFlags) {
  TestBinary b;
  EXPECT_EQ(b.Run({"--help"}), 0);
  const std::string help = b.out.str();
  for (const char* flag : {"--kubeconfig", "--secure-port", "--kubelet-insecure-tls", "--metric-resolution",
                           "--logging-format", "--v", "--help"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << " missing from:\n" << help;
  }
  EXPECT_NE(help.find("15s"), std::string::npos) << "duration default not shown:\n" << help;
  TestBinary h;
  EXPECT_EQ(h.Run({"-h"}), 0);
}

TEST(FlagsTest, BadFlagsFailWithClearMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string must_mention;
  } cases[] = {
      {{"--no-such-flag"}, "unknown flag: --no-such-flag"},
      {{"--no-such-flag=3"}, "unknown flag: --no-such-flag"},
      {{"--secure-port=abc"}, "--secure-port"},
      {{"--secure-port"}, "--secure-port"},
      {{"--metric-resolution=10"}, "time: missing unit in duration \"10\""},
      {{"--metric-resolution=fast"}, "--metric-resolution"},
      {{"--logging-format=yaml"}, "--logging-format"},
      {{"--v=abc"}, "--v"},
      {{"--v=-1"}, "--v"},
      {{"stray"}, "unexpected argument \"stray\""},
  };
  for (const auto& c : cases) {
    TestBinary b;
    EXPECT_EQ(b.Run(c.args), kBadFlagsExitCode) << c.args[0];
    const std::string err = b.err.str();
    EXPECT_NE(err.find(c.must_mention), std::string::npos) << c.args[0] << " -> " << err;
    EXPECT_EQ(err.rfind("Error: ", 0), 0u) << err;
    EXPECT_NE(err.find("test-binary --help"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace common
