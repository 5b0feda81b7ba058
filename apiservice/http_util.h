#pragma once
// Small header/query helpers over net::HttpRequest. They live here (rather than calling net::FindHeader) so that
// the API layer's pure logic links without the Beast-based network library.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/http_types.h"

namespace apiservice {

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
// First header with this name (case-insensitive).
std::optional<std::string_view> HeaderValue(const net::Headers& headers, std::string_view name);
// Every header line with this name, in order.
std::vector<std::string_view> HeaderValues(const net::Headers& headers, std::string_view name);
// First query parameter with this key.
std::optional<std::string_view> QueryValue(const net::HttpRequest& request, std::string_view key);
// Go's strconv.ParseBool truth values ("1", "t", "T", "TRUE", "true", "True").
bool IsTrue(std::string_view value);

}  // namespace apiservice
