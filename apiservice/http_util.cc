#include "apiservice/http_util.h"

#include <cctype>

namespace apiservice {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::optional<std::string_view> HeaderValue(const net::Headers& headers, std::string_view name) {
  for (const net::Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> HeaderValues(const net::Headers& headers, std::string_view name) {
  std::vector<std::string_view> values;
  for (const net::Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) values.emplace_back(h.value);
  }
  return values;
}

std::optional<std::string_view> QueryValue(const net::HttpRequest& request, std::string_view key) {
  for (const auto& [k, v] : request.query) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

bool IsTrue(std::string_view v) {
  return v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True";
}

}  // namespace apiservice
