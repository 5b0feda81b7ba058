#pragma once
// Runs golden HPA cases (tests/golden/hpa-cases, schema in its README.md) through the algorithm and compares the
// results with the expectations. Shared by the test suite and the hpa-calc tool so both judge identically.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace autoscaler::hpa_cases {

struct CaseOutcome {
  size_t index = 0;        // position in the file's "cases" array
  std::string name;
  std::string function;
  std::string result_json;  // the computed result, a JSON object
  bool pass = false;
  std::string mismatch;     // why it failed; empty on pass
};

struct RunOptions {
  std::string only;                  // run only cases whose name contains this substring (empty: all)
  std::optional<size_t> index;       // run only the case at this position of "cases"
};

// Number of cases in a file and their names, in order (for parameterised tests).
common::Result<std::vector<std::string>> ListCases(std::string_view json_text);

// Runs every case of a file's contents (either schema). Errors: unparsable JSON or an unknown schema.
common::Result<std::vector<CaseOutcome>> RunCases(std::string_view json_text, const RunOptions& options = {});

// Reads a whole file (kNotFound / kInternal on failure).
common::Result<std::string> ReadFile(const std::string& path);

// One hpa-calc output line (no trailing newline):
// {"name":...,"function":...,"result":{...},"pass":true|false,"mismatch":"..."}
std::string FormatOutcomeLine(const CaseOutcome& outcome);

}  // namespace autoscaler::hpa_cases
