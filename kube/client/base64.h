#pragma once
// Standard base64 (RFC 4648) decoding for the *-data fields of a kubeconfig.

#include <string>
#include <string_view>

#include "common/result.h"

namespace kube {

// Accepts padded or unpadded input and ignores ASCII whitespace (kubeconfigs are often line-wrapped by hand).
common::Result<std::string> Base64Decode(std::string_view encoded);
std::string Base64Encode(std::string_view data);

}  // namespace kube
