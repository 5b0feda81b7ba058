#include "tests/e2e/harness/kubectl.h"

namespace e2e {

Kubectl::Kubectl(std::string binary, std::string kubeconfig, std::string cache_dir)
    : binary_(std::move(binary)), kubeconfig_(std::move(kubeconfig)), cache_dir_(std::move(cache_dir)) {}

CommandResult Kubectl::Run(const std::vector<std::string>& args, const std::string& stdin_data,
                           std::chrono::milliseconds timeout) const {
  CommandOptions options;
  options.argv = {binary_, "--cache-dir", cache_dir_};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.env = {{"KUBECONFIG", kubeconfig_}};
  options.stdin_data = stdin_data;
  options.timeout = timeout;
  auto result = RunCommand(options);
  if (result.ok()) return std::move(result).value();
  CommandResult failed;
  failed.command_line = "kubectl";
  for (const auto& a : args) failed.command_line += " " + a;
  failed.err = "cannot run kubectl: " + result.error().message;
  return failed;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(' ') != std::string_view::npos) lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> SplitColumns(std::string_view line) {
  std::vector<std::string> cells;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    size_t end = i;
    // A cell ends at a tab or at two spaces in a row.
    while (end < line.size() && line[end] != '\t' && !(line[end] == ' ' && end + 1 < line.size() && line[end + 1] == ' ')) {
      ++end;
    }
    std::string_view cell = line.substr(i, end - i);
    while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
    cells.emplace_back(cell);
    i = end;
  }
  return cells;
}

Table Table::Parse(std::string_view text) {
  Table table;
  auto lines = SplitLines(text);
  if (lines.empty()) return table;
  table.header_ = SplitColumns(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) table.rows_.push_back(SplitColumns(lines[i]));
  return table;
}

std::optional<std::string> Table::Cell(size_t i, std::string_view column) const {
  if (i >= rows_.size()) return std::nullopt;
  for (size_t c = 0; c < header_.size(); ++c) {
    if (header_[c] == column) {
      if (c < rows_[i].size()) return rows_[i][c];
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<size_t> Table::Find(std::string_view column, std::string_view value) const {
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (Cell(i, column) == std::optional<std::string>(value)) return i;
  }
  return std::nullopt;
}

}  // namespace e2e
