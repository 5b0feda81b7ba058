// hpa-calc end to end: every golden case passes through the binary, one JSON line per case, and the exit status
// tells pass (0), failure (1) and unreadable input (2) apart.

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "autoscaler/cases/case_runner.h"

namespace autoscaler::hpa_cases {
namespace {

struct RunResult {
  int exit_status = -1;
  std::vector<std::string> lines;
};

RunResult RunCalc(const std::string& args) {
  RunResult out;
  std::string cmd = std::string(KMA_HPA_CALC_BIN) + " " + args + " 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return out;
  std::string current;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) current.append(buf, n);
  int status = pclose(pipe);
  out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  size_t start = 0;
  while (start < current.size()) {
    size_t nl = current.find('\n', start);
    if (nl == std::string::npos) nl = current.size();
    out.lines.push_back(current.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string CasesPath(const std::string& file) { return std::string(KMA_HPA_CASES_DIR) + "/" + file; }

size_t CaseCount(const std::string& file) {
  auto text = ReadFile(CasesPath(file));
  if (!text.ok()) return 0;
  auto names = ListCases(*text);
  return names.ok() ? names->size() : 0;
}

class HpaCalcFileTest : public testing::TestWithParam<std::string> {};

TEST_P(HpaCalcFileTest, AllCasesPassWithOneLinePerCase) {
  const std::string file = GetParam();
  RunResult r = RunCalc(CasesPath(file));
  EXPECT_EQ(r.exit_status, 0);
  size_t expected = CaseCount(file);
  ASSERT_GT(expected, 0u);
  ASSERT_EQ(r.lines.size(), expected);
  for (const auto& line : r.lines) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    ASSERT_FALSE(d.HasParseError()) << line;
    ASSERT_TRUE(d.IsObject());
    EXPECT_TRUE(d.HasMember("name") && d["name"].IsString());
    EXPECT_TRUE(d.HasMember("function") && d["function"].IsString());
    EXPECT_TRUE(d.HasMember("result") && d["result"].IsObject());
    EXPECT_TRUE(d.HasMember("mismatch") && d["mismatch"].IsString());
    ASSERT_TRUE(d.HasMember("pass") && d["pass"].IsBool());
    EXPECT_TRUE(d["pass"].GetBool()) << line;
  }
}

INSTANTIATE_TEST_SUITE_P(GoldenFiles, HpaCalcFileTest,
                         testing::Values("replica_calculator_cases.json", "controller_cases.json"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(0, info.param.find('.'));
                         });

TEST(HpaCalc, OnlyFilter) {
  RunResult r = RunCalc(CasesPath("controller_cases.json") + " --only TestNormalizeDesiredReplicas/");
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.lines.size(), 4u);
}

TEST(HpaCalc, FailingCaseExitsOne) {
  std::string path = testing::TempDir() + "/hpa_calc_failing.json";
  {
    std::ofstream f(path);
    f << R"({"schema": "hpa-golden/controller/v1", "cases": [
      {"name": "good", "function": "convertDesiredReplicasWithRules",
       "input": {"current_replicas": 5, "desired_replicas": 7, "min_replicas": 3, "max_replicas": 8},
       "expected": {"replicas": 7, "reason": "DesiredWithinRange"}},
      {"name": "bad", "function": "convertDesiredReplicasWithRules",
       "input": {"current_replicas": 5, "desired_replicas": 7, "min_replicas": 3, "max_replicas": 8},
       "expected": {"replicas": 6, "reason": "DesiredWithinRange"}}]})";
  }
  RunResult r = RunCalc(path);
  EXPECT_EQ(r.exit_status, 1);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_NE(r.lines[0].find("\"pass\":true"), std::string::npos);
  EXPECT_NE(r.lines[1].find("\"pass\":false"), std::string::npos);
  EXPECT_NE(r.lines[1].find("replicas: expected 6, got 7"), std::string::npos) << r.lines[1];
  std::remove(path.c_str());
}

TEST(HpaCalc, UnreadableInputExitsTwo) {
  EXPECT_EQ(RunCalc("/nonexistent/cases.json").exit_status, 2);
  std::string path = testing::TempDir() + "/hpa_calc_garbage.json";
  {
    std::ofstream f(path);
    f << "{\"schema\": ";
  }
  RunResult r = RunCalc(path);
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_TRUE(r.lines.empty());
  std::remove(path.c_str());
  EXPECT_EQ(RunCalc("").exit_status, 2);
}

}  // namespace
}  // namespace autoscaler::hpa_cases
