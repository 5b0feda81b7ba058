#pragma once
// Helpers shared by the API tests: golden files and order-insensitive JSON comparison.

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace apiservice_testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string Golden(const std::string& relative) { return ReadFile(std::string(KMA_GOLDEN_DIR) + "/" + relative); }

inline std::string Pretty(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

// Parses `text`; a parse failure yields a document holding the string "<invalid JSON>" so comparisons fail loudly.
inline rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) doc.SetString("<invalid JSON>");
  return doc;
}

// Member order never matters in JSON objects; rapidjson's operator== compares objects member-wise.
inline bool JsonEqual(const std::string& a, const std::string& b) { return ParseJson(a) == ParseJson(b); }

// The values of every "  Accept: " line in the kubectl traces (*.http.txt), deduplicated.
inline std::vector<std::string> TraceAcceptHeaders() {
  std::vector<std::string> values;
  const std::string dir = std::string(KMA_GOLDEN_DIR) + "/kubectl-traces";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 9 || name.substr(name.size() - 9) != ".http.txt") continue;
    std::istringstream in(ReadFile(entry.path().string()));
    for (std::string line; std::getline(in, line);) {
      static const std::string kPrefix = "  Accept: ";
      if (line.rfind(kPrefix, 0) != 0) continue;
      std::string value = line.substr(kPrefix.size());
      if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
    }
  }
  return values;
}

}  // namespace apiservice_testing

#define EXPECT_JSON_EQ(expected, actual)                                                            \
  EXPECT_TRUE(::apiservice_testing::JsonEqual(expected, actual))                                    \
      << "expected:\n"                                                                              \
      << ::apiservice_testing::Pretty(::apiservice_testing::ParseJson(expected)) << "\nactual:\n" \
      << ::apiservice_testing::Pretty(::apiservice_testing::ParseJson(actual))
