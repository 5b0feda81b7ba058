// Every case of upstream's golden files (tests/golden/hpa-cases) is one test instance; all must pass.

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "autoscaler/cases/case_runner.h"

namespace autoscaler::hpa_cases {
namespace {

struct GoldenCase {
  std::string file;
  size_t index = 0;
  std::string name;
};

std::string FilePath(const std::string& file) { return std::string(KMA_HPA_CASES_DIR) + "/" + file; }

std::vector<GoldenCase> LoadCases(const std::string& file) {
  std::vector<GoldenCase> out;
  auto text = ReadFile(FilePath(file));
  if (!text.ok()) return out;  // the CountsMatchFile test reports it
  auto names = ListCases(*text);
  if (!names.ok()) return out;
  for (size_t i = 0; i < names->size(); ++i) out.push_back({file, i, (*names)[i]});
  return out;
}

std::string TestName(const testing::TestParamInfo<GoldenCase>& info) {
  char prefix[16];
  std::snprintf(prefix, sizeof(prefix), "c%03zu_", info.param.index);
  std::string name = prefix;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.substr(0, 120);
}

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.file << "#" << c.index; }

class GoldenTest : public testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, Passes) {
  const GoldenCase& c = GetParam();
  auto text = ReadFile(FilePath(c.file));
  ASSERT_TRUE(text.ok()) << text.error().message;
  RunOptions options;
  options.index = c.index;
  auto outcomes = RunCases(*text, options);
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().message;
  ASSERT_EQ(outcomes->size(), 1u);
  const CaseOutcome& outcome = outcomes->front();
  EXPECT_EQ(outcome.name, c.name);
  EXPECT_TRUE(outcome.pass) << c.name << ": " << outcome.mismatch << "\nresult: " << outcome.result_json;
}

INSTANTIATE_TEST_SUITE_P(ReplicaCalculator, GoldenTest, testing::ValuesIn(LoadCases("replica_calculator_cases.json")),
                         TestName);
INSTANTIATE_TEST_SUITE_P(Controller, GoldenTest, testing::ValuesIn(LoadCases("controller_cases.json")), TestName);

// Guards against silently running zero cases (e.g. a moved file).
TEST(GoldenFiles, AreLoadedAndNonEmpty) {
  EXPECT_GE(LoadCases("replica_calculator_cases.json").size(), 80u);
  EXPECT_GE(LoadCases("controller_cases.json").size(), 120u);
}

// The runner must be able to fail: a tampered expectation is reported with a useful mismatch.
TEST(GoldenRunner, DetectsWrongExpectation) {
  auto text = ReadFile(FilePath("controller_cases.json"));
  ASSERT_TRUE(text.ok());
  rapidjson::Document doc;
  doc.Parse(text->c_str());
  ASSERT_FALSE(doc.HasParseError());
  rapidjson::Value& expected = doc["cases"][0]["expected"];
  ASSERT_EQ(expected["desired_replicas"].GetInt(), 5);
  expected["desired_replicas"].SetInt(7);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  doc.Accept(writer);
  auto outcomes = RunCases(std::string(buf.GetString(), buf.GetSize()));
  ASSERT_TRUE(outcomes.ok());
  int failed = 0;
  for (const auto& o : *outcomes) {
    if (!o.pass) {
      ++failed;
      EXPECT_NE(o.mismatch.find("desired_replicas: expected 7, got 5"), std::string::npos) << o.mismatch;
    }
  }
  EXPECT_EQ(failed, 1);
}

TEST(GoldenRunner, RejectsUnreadableInput) {
  EXPECT_FALSE(RunCases("{not json").ok());
  EXPECT_FALSE(RunCases("{\"schema\": \"something/else\", \"cases\": []}").ok());
  EXPECT_FALSE(RunCases("[]").ok());
  EXPECT_FALSE(ReadFile("/nonexistent/hpa-cases.json").ok());
}

TEST(GoldenRunner, MalformedCaseFailsWithoutCrashing) {
  const char* json = R"({"schema": "hpa-golden/controller/v1", "cases": [
    {"name": "a", "function": "reconcileAutoscaler", "input": {"hpa": 5}, "expected": {}},
    {"name": "b", "function": "convertDesiredReplicasWithRules", "input": {"current_replicas": "x"}, "expected": {}},
    {"name": "c", "function": "noSuchFunction", "input": {}, "expected": {}},
    {"name": "d", "function": "storeScaleEvent", "input": [], "expected": {}},
    7
  ]})";
  auto outcomes = RunCases(json);
  ASSERT_TRUE(outcomes.ok());
  ASSERT_EQ(outcomes->size(), 5u);
  for (const auto& o : *outcomes) {
    EXPECT_FALSE(o.pass) << o.name;
    EXPECT_FALSE(o.mismatch.empty());
  }
}

TEST(GoldenRunner, OnlyFilterSelectsBySubstring) {
  auto text = ReadFile(FilePath("controller_cases.json"));
  ASSERT_TRUE(text.ok());
  RunOptions options;
  options.only = "TestStoreScaleEvents/";
  auto outcomes = RunCases(*text, options);
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ(outcomes->size(), 13u);
  for (const auto& o : *outcomes) EXPECT_EQ(o.function, "storeScaleEvent");
}

}  // namespace
}  // namespace autoscaler::hpa_cases

namespace autoscaler::hpa_cases {
namespace {

// Robustness: every input field of real cases replaced by values of the wrong type or out of range must give a
// verdict (usually a failure), never a crash. Run under the sanitizer build to catch undefined behaviour.
TEST(GoldenRunner, SurvivesMutatedInputs) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"replica_calculator_cases.json", "hpa-golden/replica-calculator/v1"},
      {"controller_cases.json", "hpa-golden/controller/v1"}};
  size_t runs = 0;
  for (const auto& [file, schema] : files) {
    auto text = ReadFile(std::string(KMA_HPA_CASES_DIR) + "/" + file);
    ASSERT_TRUE(text.ok());
    rapidjson::Document doc;
    doc.Parse(text->c_str());
    ASSERT_FALSE(doc.HasParseError());
    auto& cases = doc["cases"];
    for (rapidjson::SizeType i = 0; i < cases.Size(); i += 3) {
      rapidjson::Value& input = cases[i]["input"];
      std::vector<std::string> keys;
      for (auto& m : input.GetObject()) keys.emplace_back(m.name.GetString());
      for (const auto& key : keys) {
        for (int variant = 0; variant < 5; ++variant) {
          rapidjson::Document one;
          one.SetObject();
          auto& a = one.GetAllocator();
          one.AddMember("schema", rapidjson::Value(schema.c_str(), a), a);
          rapidjson::Value list(rapidjson::kArrayType);
          rapidjson::Value copy(cases[i], a);
          rapidjson::Value& field = copy["input"][key.c_str()];
          switch (variant) {
            case 0: field.SetString("x"); break;
            case 1: field.SetInt64(-9223372036854775807LL); break;
            case 2: field.SetNull(); break;
            case 3: field.SetObject(); break;
            case 4: field.SetArray(); field.PushBack(rapidjson::Value(1e300), a); break;
          }
          list.PushBack(copy, a);
          one.AddMember("cases", list, a);
          rapidjson::StringBuffer buf;
          rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
          one.Accept(writer);
          auto outcomes = RunCases(std::string(buf.GetString(), buf.GetSize()));
          ASSERT_TRUE(outcomes.ok());
          ASSERT_EQ(outcomes->size(), 1u);
          EXPECT_FALSE(outcomes->front().result_json.empty());
          ++runs;
        }
      }
    }
  }
  EXPECT_GT(runs, 500u);
}

}  // namespace
}  // namespace autoscaler::hpa_cases
