// Soak: the real kma-sandbox with N simulated nodes and the real metrics-server scraping them for a long time,
// sampling metrics-server's RSS (VmRSS from /proc/PID/status) and CPU (utime+stime from /proc/PID/stat) every few
// seconds. Prints every sample and a summary: RSS at the start of the steady state (after the warm-up) and at the
// end, the least-squares RSS slope over the steady state, and the average CPU in cores. Prints figures only; it
// never asserts (a benchmark, see docs/conventions.md); docs/reliability.md says how to read them.
//
//   soak_bench --sandbox build/sandbox/kma-sandbox --metrics-server build/metrics-server/metrics-server
//       --nodes 5000 --duration 1h --metric-resolution 15s      (one command line)

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/flags.h"
#include "tests/e2e/harness/ports.h"
#include "tests/e2e/harness/subprocess.h"
#include "tests/e2e/harness/wait.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

struct Sample {
  double t = 0;       // seconds since metrics-server started
  int64_t rss_kib = 0;
  double cpu_s = 0;   // utime + stime so far
};

int64_t RssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  common::CommandLine cli("soak_bench", "metrics-server soak against kma-sandbox: RSS and CPU over time");
  CLI::App& app = cli.app();
  std::string sandbox_bin = "build/sandbox/kma-sandbox";
  std::string metrics_server_bin = "build/metrics-server/metrics-server";
  int nodes = 5000;
  int pods_per_node = 10;
  int address_block = 190;
  std::chrono::nanoseconds duration_flag = std::chrono::hours(1), warmup_flag = std::chrono::minutes(2),
                           interval_flag = std::chrono::seconds(5);
  std::string resolution = "15s";
  std::string dir;
  std::vector<std::string> ms_wrapper, ms_env, ms_args;
  app.add_option("--sandbox", sandbox_bin, "kma-sandbox binary")->capture_default_str();
  app.add_option("--metrics-server", metrics_server_bin, "metrics-server binary")->capture_default_str();
  app.add_option("--nodes", nodes, "simulated nodes")->capture_default_str();
  app.add_option("--pods-per-node", pods_per_node, "pods per node")->capture_default_str();
  app.add_option("--address-block", address_block, "second octet of the kubelets' addresses")->capture_default_str();
  common::AddDurationFlag(app, "--duration", &duration_flag, "how long to sample after metrics-server starts");
  common::AddDurationFlag(app, "--warmup", &warmup_flag, "start of the steady state (excluded from the slope)");
  common::AddDurationFlag(app, "--sample-interval", &interval_flag, "time between samples");
  app.add_option("--metric-resolution", resolution, "metrics-server --metric-resolution")->capture_default_str();
  app.add_option("--dir", dir, "working directory (default: a new one under /tmp)");
  // For memory investigations: run metrics-server under a profiler, with allocator tunables, or extra flags.
  // With a wrapper, the sampled process is the wrapper (heaptrack execs the program, so its pid is kept).
  app.add_option("--ms-wrapper", ms_wrapper, "command prefixed to metrics-server's (e.g. heaptrack -o FILE)")
      ->delimiter(' ');
  app.add_option("--ms-env", ms_env, "NAME=VALUE added to metrics-server's environment (repeatable)");
  app.add_option("--ms-arg", ms_args, "extra metrics-server argument (repeatable)");
  if (auto exit_code = cli.Parse(argc, argv)) return *exit_code;
  using Seconds = std::chrono::duration<double>;
  const double duration = Seconds(duration_flag).count(), warmup = Seconds(warmup_flag).count(),
               interval = Seconds(interval_flag).count();
  if (interval <= 0 || warmup >= duration) {
    std::fprintf(stderr, "bad --duration/--warmup/--sample-interval\n");
    return 2;
  }
  if (dir.empty()) {
    char tmpl[] = "/tmp/kma-soak-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  std::error_code mkdir_error;
  std::filesystem::create_directories(dir, mkdir_error);
  if (mkdir_error) {
    std::fprintf(stderr, "--dir %s: %s\n", dir.c_str(), mkdir_error.message().c_str());
    return 1;
  }

  auto port = e2e::PickFreePort();
  if (!port.ok()) return 1;
  auto sandbox = e2e::Subprocess::Spawn(
      {.argv = {sandbox_bin, "--nodes", std::to_string(nodes), "--pods-per-node", std::to_string(pods_per_node),
                "--cert-dir", dir + "/certs", "--address-block", std::to_string(address_block),
                "--service-endpoint", "kube-system/metrics-server=127.0.0.1:" + std::to_string(*port)},
       .log_path = dir + "/sandbox.log"});
  if (!sandbox.ok()) {
    std::fprintf(stderr, "spawn sandbox: %s\n", sandbox.error().message.c_str());
    return 1;
  }
  // "N kubelets on ..." is logged once the API server and every kubelet listen.
  if (!e2e::WaitUntil(seconds(120), milliseconds(200), [&] {
        return (*sandbox)->Running() && (*sandbox)->Output().find("kubelets on") != std::string::npos;
      })) {
    std::fprintf(stderr, "sandbox did not start:\n%s\n", (*sandbox)->LogTail(30).c_str());
    return 1;
  }
  const std::string certs = dir + "/certs";
  std::vector<std::string> ms_argv = ms_wrapper;
  const std::vector<std::string> ms_flags = {metrics_server_bin, "--kubeconfig", certs + "/kubeconfig", "--secure-port", std::to_string(*port),
                "--bind-address", "127.0.0.1", "--cert-dir", dir + "/metrics-server-certs", "--metric-resolution",
                resolution, "--kubelet-preferred-address-types", "InternalIP", "--kubelet-certificate-authority",
                certs + "/kubelet-ca.crt", "--kubelet-client-certificate", certs + "/kubelet-client.crt",
                "--kubelet-client-key", certs + "/kubelet-client.key"};
  ms_argv.insert(ms_argv.end(), ms_flags.begin(), ms_flags.end());
  ms_argv.insert(ms_argv.end(), ms_args.begin(), ms_args.end());
  std::map<std::string, std::string> env;
  for (const std::string& kv : ms_env) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "--ms-env %s: want NAME=VALUE\n", kv.c_str());
      return 2;
    }
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  auto ms = e2e::Subprocess::Spawn({.argv = ms_argv, .env = env, .log_path = dir + "/metrics-server.log"});
  if (!ms.ok()) {
    std::fprintf(stderr, "spawn metrics-server: %s\n", ms.error().message.c_str());
    return 1;
  }
  const pid_t pid = (*ms)->pid();
  std::printf("soak: %d nodes x %d pods, metric resolution %s, %.0f s (warm-up %.0f s), dir %s\n", nodes,
              pods_per_node, resolution.c_str(), duration, warmup, dir.c_str());
  std::printf("%8s %10s %10s %8s\n", "t_s", "rss_kib", "cpu_s", "cores");
  std::fflush(stdout);

  std::vector<Sample> samples;
  const auto start = Clock::now();
  bool crashed = false;
  for (int i = 0;; ++i) {
    auto at = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(i * interval));
    if (std::chrono::duration<double>(at - start).count() > duration) break;
    std::this_thread::sleep_until(at);
    if (!(*ms)->Running()) {
      crashed = true;
      break;
    }
    Sample s{std::chrono::duration<double>(Clock::now() - start).count(), RssKib(pid), CpuSeconds(pid)};
    const double cores = samples.empty() ? 0 : (s.cpu_s - samples.back().cpu_s) / (s.t - samples.back().t);
    samples.push_back(s);
    std::printf("%8.1f %10lld %10.2f %8.3f\n", s.t, static_cast<long long>(s.rss_kib), s.cpu_s, cores);
    std::fflush(stdout);
  }
  if (crashed) {
    std::printf("metrics-server exited (%s):\n%s\n", (*ms)->DescribeExit().c_str(), (*ms)->LogTail(30).c_str());
    return 1;
  }

  std::vector<Sample> steady;
  for (const Sample& s : samples) {
    if (s.t >= warmup) steady.push_back(s);
  }
  if (steady.size() < 2) {
    std::printf("too few steady-state samples\n");
    return 1;
  }
  double mt = 0, mr = 0;
  for (const Sample& s : steady) {
    mt += s.t;
    mr += static_cast<double>(s.rss_kib);
  }
  mt /= static_cast<double>(steady.size());
  mr /= static_cast<double>(steady.size());
  double num = 0, den = 0;
  int64_t max_rss = 0;
  for (const Sample& s : steady) {
    num += (s.t - mt) * (static_cast<double>(s.rss_kib) - mr);
    den += (s.t - mt) * (s.t - mt);
    max_rss = std::max(max_rss, s.rss_kib);
  }
  const double slope_kib_per_min = den > 0 ? num / den * 60 : 0;
  const Sample& first = steady.front();
  const Sample& last = steady.back();
  const double cores = (last.cpu_s - first.cpu_s) / (last.t - first.t);
  std::printf("summary: steady state %.0f s .. %.0f s, %zu samples\n", first.t, last.t, steady.size());
  std::printf("summary: rss start %.1f MiB, end %.1f MiB, max %.1f MiB, slope %.1f KiB/min (%.2f MiB/h)\n",
              first.rss_kib / 1024.0, last.rss_kib / 1024.0, max_rss / 1024.0, slope_kib_per_min,
              slope_kib_per_min * 60 / 1024.0);
  std::printf("summary: cpu %.3f cores average over the steady state\n", cores);
  // Where the resident memory is (heap, stacks, libraries), for comparing runs.
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  for (std::string line; std::getline(rollup, line);) {
    if (line.rfind("Rss:", 0) == 0 || line.rfind("Anonymous:", 0) == 0 || line.rfind("Private_Dirty:", 0) == 0) {
      std::printf("smaps_rollup: %s\n", line.c_str());
    }
  }
  (*ms)->Stop();
  (*sandbox)->Stop();
  return 0;
}
