#pragma once
// The real kubectl, run as a subprocess against a test's cluster, and a reader for the tables it prints.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/e2e/harness/subprocess.h"

namespace e2e {

class Kubectl {
 public:
  // `cache_dir` keeps each test's discovery cache to itself (parallel tests, fresh discovery per cluster).
  Kubectl(std::string binary, std::string kubeconfig, std::string cache_dir);

  // kubectl <args>; a failure to start it is reported as exit code -1 with the reason in `err`.
  CommandResult Run(const std::vector<std::string>& args, const std::string& stdin_data = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  const std::string& kubeconfig() const { return kubeconfig_; }

 private:
  std::string binary_;
  std::string kubeconfig_;
  std::string cache_dir_;
};

// A table as kubectl prints it: a header line and rows whose columns are separated by two or more spaces
// (a single space may occur inside a cell, as in "cpu: 80%/10%").
class Table {
 public:
  static Table Parse(std::string_view text);

  const std::vector<std::string>& header() const { return header_; }
  size_t size() const { return rows_.size(); }
  const std::vector<std::string>& row(size_t i) const { return rows_[i]; }
  // The cell of `column` in row i, when both exist.
  std::optional<std::string> Cell(size_t i, std::string_view column) const;
  // The same, empty when absent.
  std::string At(size_t i, std::string_view column) const { return Cell(i, column).value_or(""); }
  // The first row whose `column` equals `value`.
  std::optional<size_t> Find(std::string_view column, std::string_view value) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

std::vector<std::string> SplitColumns(std::string_view line);
std::vector<std::string> SplitLines(std::string_view text);  // non-empty lines

}  // namespace e2e
