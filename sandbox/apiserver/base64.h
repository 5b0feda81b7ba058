#pragma once
// Standard base64 (RFC 4648, with padding): kubeconfig *-data fields, APIService caBundle, continue tokens.

#include <optional>
#include <string>
#include <string_view>

namespace sandbox {

std::string Base64Encode(std::string_view data);
// nullopt on characters outside the alphabet; whitespace is skipped (PEM-ish inputs wrap lines).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace sandbox
