#pragma once
// Where the API server is and how to authenticate to it: from a kubeconfig file, from the in-cluster service
// account, or by the usual precedence (--kubeconfig flag > $KUBECONFIG > in-cluster > ~/.kube/config).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kube {

struct ClientConfig {
  // Server URL parts. `path_prefix` is a proxy prefix such as "/k8s/clusters/c-1" (no trailing slash).
  std::string scheme = "https";
  std::string host;  // name or address, IPv6 without brackets
  uint16_t port = 443;
  std::string path_prefix;

  // TLS. Inline PEM wins over a file when both are set.
  std::string ca_file;
  std::string ca_pem;
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_cert_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // SNI / verification name override

  // Authentication. A token file is re-read when it changes, since projected service-account tokens rotate.
  std::string bearer_token;
  std::string bearer_token_file;

  std::string default_namespace = "default";  // from the context or the service account

  double qps = 0;  // client-side rate limit; 0 = unlimited
  int burst = 0;   // bucket size; 0 = max(1, qps)
  std::chrono::milliseconds timeout{30000};
  std::string user_agent = "kube-metrics-autoscaler";

  bool use_tls() const { return scheme == "https"; }
  // "https://host:port" (IPv6 bracketed), for messages.
  std::string ServerUrl() const;
};

// Parses "https://host[:port][/prefix]" into the server fields of `config`.
common::Status ParseServerUrl(std::string_view url, ClientConfig* config);

// Loads one kubeconfig file. `context` overrides current-context. Relative file paths inside the kubeconfig are
// resolved against the directory of the file that defines them.
common::Result<ClientConfig> LoadKubeconfig(const std::string& path, const std::optional<std::string>& context = {});
// Merges several kubeconfig files like kubectl does for $KUBECONFIG="a:b": the first file to define a name (or
// current-context) wins. Missing files are skipped; at least one must exist.
common::Result<ClientConfig> LoadKubeconfigFiles(const std::vector<std::string>& paths,
                                                 const std::optional<std::string>& context = {});
// Parses kubeconfig text; `base_dir` resolves relative paths.
common::Result<ClientConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                             const std::optional<std::string>& context = {});

// What the in-cluster config reads, injectable for tests.
struct InClusterEnvironment {
  std::string service_host;  // $KUBERNETES_SERVICE_HOST
  std::string service_port;  // $KUBERNETES_SERVICE_PORT
  std::string root_dir;      // prefix for /var/run/secrets/kubernetes.io/serviceaccount; empty = "/"

  static InClusterEnvironment FromProcess();
};

inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

common::Result<ClientConfig> InClusterConfig(const InClusterEnvironment& env);
inline common::Result<ClientConfig> InClusterConfig() { return InClusterConfig(InClusterEnvironment::FromProcess()); }

// Inputs to the default precedence, injectable for tests.
struct ConfigSources {
  std::string kubeconfig_flag;  // --kubeconfig
  std::string kubeconfig_env;   // $KUBECONFIG (':'-separated list)
  std::string home;             // $HOME
  InClusterEnvironment in_cluster;

  static ConfigSources FromProcess(std::string kubeconfig_flag);
};

// --kubeconfig flag > $KUBECONFIG > in-cluster (when KUBERNETES_SERVICE_HOST is set) > ~/.kube/config.
common::Result<ClientConfig> LoadDefault(const ConfigSources& sources, const std::optional<std::string>& context = {});
inline common::Result<ClientConfig> LoadDefault(const std::string& kubeconfig_flag) {
  return LoadDefault(ConfigSources::FromProcess(kubeconfig_flag));
}

}  // namespace kube
