#include "apiservice/content_negotiation.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "apiservice/k8s_protobuf.h"

namespace apiservice {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits on `sep` outside double quotes.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (s[i] == sep && !quoted) {
      parts.push_back(s.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  parts.push_back(s.substr(begin));
  return parts;
}

bool ParseQ(std::string_view text, double* q) {
  std::string copy(text);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || *end != '\0' || !(v >= 0.0 && v <= 1.0)) return false;
  *q = v;
  return true;
}

}  // namespace

std::string_view MediaRange::Param(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return {};
}

std::vector<MediaRange> ParseAccept(std::string_view accept) {
  std::vector<MediaRange> ranges;
  for (std::string_view part : Split(accept, ',')) {
    part = Trim(part);
    if (part.empty()) continue;
    std::vector<std::string_view> fields = Split(part, ';');
    std::string_view media = Trim(fields[0]);
    const std::size_t slash = media.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == media.size()) continue;
    MediaRange range;
    range.type = Lower(Trim(media.substr(0, slash)));
    range.subtype = Lower(Trim(media.substr(slash + 1)));
    bool valid = true;
    for (std::size_t i = 1; i < fields.size(); ++i) {
      std::string_view param = Trim(fields[i]);
      if (param.empty()) continue;
      const std::size_t eq = param.find('=');
      if (eq == std::string_view::npos) {
        valid = false;
        break;
      }
      std::string key = Lower(Trim(param.substr(0, eq)));
      std::string_view value = Trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      if (key == "q") {
        if (!ParseQ(value, &range.q)) valid = false;
        continue;
      }
      range.params.emplace_back(std::move(key), std::string(value));
    }
    if (valid) ranges.push_back(std::move(range));
  }
  // Highest q first; equal q keeps header order (that is how clients express preference).
  std::stable_sort(ranges.begin(), ranges.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  return ranges;
}

common::Result<Negotiated> Negotiate(std::string_view accept, const Offers& offers) {
  const Negotiated json{Format::kJson, "", "application/json"};
  if (Trim(accept).empty()) return json;
  for (const MediaRange& range : ParseAccept(accept)) {
    if (range.q <= 0.0) continue;
    const bool any_type = range.type == "*";
    if (any_type && range.subtype != "*") continue;
    if (!any_type && range.type != "application") continue;
    if (range.subtype == "*") return json;

    const std::string_view as = range.Param("as");
    if (range.subtype == "json") {
      if (as.empty()) return json;
      const std::string_view g = range.Param("g");
      const std::string_view v = range.Param("v");
      if (as == "Table" && g == "meta.k8s.io" && (v == "v1" || v == "v1beta1") && offers.table) {
        return Negotiated{Format::kTable, std::string(v), "application/json"};
      }
      if (as == "APIGroupDiscoveryList" && g == "apidiscovery.k8s.io" && (v == "v2" || v == "v2beta1") &&
          offers.aggregated_discovery) {
        return Negotiated{Format::kAggregatedDiscovery, std::string(v),
                          "application/json;g=apidiscovery.k8s.io;v=" + std::string(v) +
                              ";as=APIGroupDiscoveryList"};
      }
      continue;  // a transformation we do not offer: try the next range, as upstream does
    }
    if (range.subtype == "vnd.kubernetes.protobuf" && as.empty() && offers.protobuf) {
      return Negotiated{Format::kProtobuf, "", std::string(kProtobufContentType)};
    }
  }
  return common::Error::Make(common::ErrorCode::kInvalidArgument, "not acceptable", 406);
}

}  // namespace apiservice
