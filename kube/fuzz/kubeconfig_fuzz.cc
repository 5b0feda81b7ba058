// libFuzzer target for kubeconfig loading (kube::ParseKubeconfig, the YAML both binaries read at start) and
// server URL parsing. Paths inside the kubeconfig are only recorded, never opened, so arbitrary input is safe.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kube/client/config.h"
#include "kube/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::optional<std::string>& context : {std::optional<std::string>(), std::optional<std::string>("ctx")}) {
    auto config = kube::ParseKubeconfig(text, "/nonexistent-kubeconfig-dir", context);
    if (!config.ok()) {
      KMA_FUZZ_CHECK(!config.error().message.empty());
      continue;
    }
    KMA_FUZZ_CHECK(!config->host.empty());
    (void)config->ServerUrl();
  }
  // A server URL with a plain host name or address prints as one that parses to the same endpoint. (Hosts with
  // other bytes are accepted as given and fail later at connect; their printed form is not meant to re-parse.)
  kube::ClientConfig server;
  const auto plain = [](const std::string& host) {
    return std::all_of(host.begin(), host.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'; });
  };
  if (kube::ParseServerUrl(text, &server).ok() && plain(server.host)) {
    kube::ClientConfig again;
    KMA_FUZZ_CHECK(kube::ParseServerUrl(server.ServerUrl() + server.path_prefix, &again).ok());
    KMA_FUZZ_CHECK(again.host == server.host && again.port == server.port && again.scheme == server.scheme);
  }
  return 0;
}
