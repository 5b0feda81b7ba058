#include "kube/client/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "kube/client/base64.h"

namespace kube {
namespace {

using common::Error;
using common::ErrorCode;

Error Invalid(std::string message) { return Error::Make(ErrorCode::kInvalidArgument, std::move(message)); }

common::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Make(ErrorCode::kNotFound, "cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error::Make(ErrorCode::kInternal, "error reading " + path);
  return buffer.str();
}

bool FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

std::string ResolvePath(const std::string& path, const std::string& base_dir) {
  if (path.empty() || base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

// A named kubeconfig entry with the directory of the file it came from (for relative paths).
struct Entry {
  YAML::Node node;
  std::string base_dir;
};

struct MergedKubeconfig {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
};

std::string ScalarOr(const YAML::Node& node, const char* key, std::string fallback = "") {
  YAML::Node value = node[key];
  if (!value || value.IsNull()) return fallback;
  if (!value.IsScalar()) throw YAML::Exception(value.Mark(), std::string("field '") + key + "' must be a string");
  return value.Scalar();
}

// Adds the named entries of one list ("clusters", "users", "contexts") to `out`; the first definition wins.
void CollectNamed(const YAML::Node& root, const char* list, const char* inner, const std::string& base_dir,
                  std::map<std::string, Entry>* out) {
  YAML::Node items = root[list];
  if (!items || items.IsNull()) return;
  if (!items.IsSequence()) throw YAML::Exception(items.Mark(), std::string("'") + list + "' must be a list");
  for (const YAML::Node& item : items) {
    if (!item.IsMap()) throw YAML::Exception(item.Mark(), std::string("entries of '") + list + "' must be maps");
    std::string name = ScalarOr(item, "name");
    if (name.empty()) throw YAML::Exception(item.Mark(), std::string("an entry of '") + list + "' has no name");
    YAML::Node body = item[inner];
    if (body && !body.IsNull() && !body.IsMap()) {
      throw YAML::Exception(body.Mark(), std::string("'") + inner + "' of '" + name + "' must be a map");
    }
    out->emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), base_dir});
  }
}

common::Status AddFile(std::string_view yaml, const std::string& origin, const std::string& base_dir,
                       MergedKubeconfig* merged) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return common::Status::Ok();  // an empty file defines nothing, as in kubectl
    if (!root.IsMap()) return Invalid("kubeconfig " + origin + ": top level must be a map");
    CollectNamed(root, "clusters", "cluster", base_dir, &merged->clusters);
    CollectNamed(root, "users", "user", base_dir, &merged->users);
    CollectNamed(root, "contexts", "context", base_dir, &merged->contexts);
    if (merged->current_context.empty()) merged->current_context = ScalarOr(root, "current-context");
  } catch (const YAML::Exception& e) {
    return Invalid("kubeconfig " + origin + ": " + e.what());
  }
  return common::Status::Ok();
}

common::Status ApplyCluster(const std::string& name, const Entry& cluster, ClientConfig* config) {
  const YAML::Node& node = cluster.node;
  std::string server = ScalarOr(node, "server");
  if (server.empty()) return Invalid("cluster '" + name + "' has no server");
  if (auto status = ParseServerUrl(server, config); !status.ok()) {
    return Invalid("cluster '" + name + "': " + status.error().message);
  }
  config->ca_file = ResolvePath(ScalarOr(node, "certificate-authority"), cluster.base_dir);
  if (std::string data = ScalarOr(node, "certificate-authority-data"); !data.empty()) {
    auto decoded = Base64Decode(data);
    if (!decoded.ok()) return Invalid("cluster '" + name + "' certificate-authority-data: " + decoded.error().message);
    config->ca_pem = std::move(decoded.value());
  }
  if (YAML::Node insecure = node["insecure-skip-tls-verify"]; insecure && !insecure.IsNull()) {
    config->insecure_skip_tls_verify = insecure.as<bool>();
  }
  config->tls_server_name = ScalarOr(node, "tls-server-name");
  return common::Status::Ok();
}

common::Status ApplyUser(const std::string& name, const Entry& user, ClientConfig* config) {
  const YAML::Node& node = user.node;
  auto decode = [&](const char* key, std::string* out) -> common::Status {
    std::string data = ScalarOr(node, key);
    if (data.empty()) return common::Status::Ok();
    auto decoded = Base64Decode(data);
    if (!decoded.ok()) return Invalid("user '" + name + "' " + key + ": " + decoded.error().message);
    *out = std::move(decoded.value());
    return common::Status::Ok();
  };
  config->client_cert_file = ResolvePath(ScalarOr(node, "client-certificate"), user.base_dir);
  config->client_key_file = ResolvePath(ScalarOr(node, "client-key"), user.base_dir);
  if (auto s = decode("client-certificate-data", &config->client_cert_pem); !s.ok()) return s;
  if (auto s = decode("client-key-data", &config->client_key_pem); !s.ok()) return s;
  config->bearer_token = ScalarOr(node, "token");
  config->bearer_token_file = ResolvePath(ScalarOr(node, "tokenFile"), user.base_dir);

  bool has_cert = !config->client_cert_file.empty() || !config->client_cert_pem.empty();
  bool has_key = !config->client_key_file.empty() || !config->client_key_pem.empty();
  if (has_cert != has_key) return Invalid("user '" + name + "' must set both a client certificate and a key");
  bool has_credentials = has_cert || !config->bearer_token.empty() || !config->bearer_token_file.empty();
  // Plugins run arbitrary programs; we do not support them, and silently connecting anonymously would only turn
  // into a puzzling 401 later.
  if (!has_credentials && (node["exec"] || node["auth-provider"])) {
    return Invalid("user '" + name + "' uses an exec or auth-provider credential plugin, which is not supported; " +
                   "use a token, tokenFile or client certificate");
  }
  if (!has_credentials && node["username"]) {
    return Invalid("user '" + name + "' uses basic authentication, which Kubernetes no longer supports");
  }
  return common::Status::Ok();
}

common::Result<ClientConfig> Resolve(const MergedKubeconfig& merged, const std::optional<std::string>& context_override,
                                     const std::string& origin) {
  std::string context_name = context_override.value_or(merged.current_context);
  if (context_name.empty()) {
    return Invalid("kubeconfig " + origin + " has no current-context; pass a context explicitly");
  }
  auto context = merged.contexts.find(context_name);
  if (context == merged.contexts.end()) {
    return Invalid("kubeconfig " + origin + ": context '" + context_name + "' not found");
  }
  ClientConfig config;
  try {
    std::string cluster_name = ScalarOr(context->second.node, "cluster");
    std::string user_name = ScalarOr(context->second.node, "user");
    if (std::string ns = ScalarOr(context->second.node, "namespace"); !ns.empty()) config.default_namespace = ns;

    auto cluster = merged.clusters.find(cluster_name);
    if (cluster == merged.clusters.end()) {
      return Invalid("kubeconfig " + origin + ": cluster '" + cluster_name + "' of context '" + context_name +
                     "' not found");
    }
    if (auto s = ApplyCluster(cluster_name, cluster->second, &config); !s.ok()) {
      return Invalid("kubeconfig " + origin + ": " + s.error().message);
    }
    if (!user_name.empty()) {
      auto user = merged.users.find(user_name);
      if (user == merged.users.end()) {
        return Invalid("kubeconfig " + origin + ": user '" + user_name + "' of context '" + context_name +
                       "' not found");
      }
      if (auto s = ApplyUser(user_name, user->second, &config); !s.ok()) {
        return Invalid("kubeconfig " + origin + ": " + s.error().message);
      }
    }
  } catch (const YAML::Exception& e) {
    return Invalid("kubeconfig " + origin + ": " + e.what());
  }
  return config;
}

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);  // read once at start-up, at the edge of the program
  return value ? value : "";
}

}  // namespace

std::string ClientConfig::ServerUrl() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port) + path_prefix;
}

common::Status ParseServerUrl(std::string_view url, ClientConfig* config) {
  std::string_view rest = url;
  std::string scheme = "https";
  if (auto pos = rest.find("://"); pos != std::string_view::npos) {
    scheme = std::string(rest.substr(0, pos));
    rest.remove_prefix(pos + 3);
  }
  if (scheme != "https" && scheme != "http") return Invalid("server URL '" + std::string(url) + "': unsupported scheme");
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.find_first_of("?#") != std::string_view::npos) {
    return Invalid("server URL '" + std::string(url) + "' must not have a query or fragment");
  }
  std::string_view host = authority;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("server URL '" + std::string(url) + "': unclosed '['");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("server URL '" + std::string(url) + "': junk after ']'");
      port_text = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  if (host.empty()) return Invalid("server URL '" + std::string(url) + "' has no host");
  uint16_t port = scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return Invalid("server URL '" + std::string(url) + "': bad port");
    }
    port = static_cast<uint16_t>(value);
  }
  config->scheme = scheme;
  config->host = std::string(host);
  config->port = port;
  config->path_prefix = std::string(path);
  return common::Status::Ok();
}

common::Result<ClientConfig> ParseKubeconfig(std::string_view yaml, const std::string& base_dir,
                                             const std::optional<std::string>& context) {
  MergedKubeconfig merged;
  if (auto s = AddFile(yaml, "<inline>", base_dir, &merged); !s.ok()) return s.error();
  return Resolve(merged, context, "<inline>");
}

common::Result<ClientConfig> LoadKubeconfigFiles(const std::vector<std::string>& paths,
                                                 const std::optional<std::string>& context) {
  MergedKubeconfig merged;
  std::string origin;
  for (const std::string& path : paths) {
    if (path.empty() || !FileExists(path)) continue;
    auto text = ReadFile(path);
    if (!text.ok()) return text.error();
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    std::string dir = (ec ? std::filesystem::path(path) : absolute).parent_path().string();
    if (auto s = AddFile(*text, path, dir, &merged); !s.ok()) return s.error();
    origin += origin.empty() ? path : ":" + path;
  }
  if (origin.empty()) {
    std::string list;
    for (const auto& p : paths) list += list.empty() ? p : ":" + p;
    return Error::Make(ErrorCode::kNotFound, "kubeconfig not found: " + list);
  }
  return Resolve(merged, context, origin);
}

common::Result<ClientConfig> LoadKubeconfig(const std::string& path, const std::optional<std::string>& context) {
  if (!FileExists(path)) return Error::Make(ErrorCode::kNotFound, "kubeconfig not found: " + path);
  return LoadKubeconfigFiles({path}, context);
}

InClusterEnvironment InClusterEnvironment::FromProcess() {
  return InClusterEnvironment{Getenv("KUBERNETES_SERVICE_HOST"), Getenv("KUBERNETES_SERVICE_PORT"), ""};
}

common::Result<ClientConfig> InClusterConfig(const InClusterEnvironment& env) {
  if (env.service_host.empty() || env.service_port.empty()) {
    return Error::Make(ErrorCode::kNotFound,
                       "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  ClientConfig config;
  std::string host = env.service_host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  if (auto s = ParseServerUrl("https://" + host + ":" + env.service_port, &config); !s.ok()) {
    return Invalid("in-cluster config: " + s.error().message);
  }
  std::string dir = env.root_dir.empty() ? std::string(kServiceAccountDir)
                                         : (std::filesystem::path(env.root_dir) /
                                            std::filesystem::path(kServiceAccountDir).relative_path())
                                               .string();
  config.bearer_token_file = dir + "/token";
  if (!FileExists(config.bearer_token_file)) {
    return Error::Make(ErrorCode::kNotFound, "in-cluster config: service account token " + config.bearer_token_file +
                                                 " not found");
  }
  // The token itself is read per request (it rotates); the CA is fixed for the life of the pod.
  config.ca_file = dir + "/ca.crt";
  if (!FileExists(config.ca_file)) {
    return Error::Make(ErrorCode::kNotFound, "in-cluster config: CA bundle " + config.ca_file + " not found");
  }
  if (auto ns = ReadFile(dir + "/namespace"); ns.ok()) {
    std::string value = *ns;
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    if (!value.empty()) config.default_namespace = value;
  }
  return config;
}

ConfigSources ConfigSources::FromProcess(std::string kubeconfig_flag) {
  return ConfigSources{std::move(kubeconfig_flag), Getenv("KUBECONFIG"), Getenv("HOME"),
                       InClusterEnvironment::FromProcess()};
}

common::Result<ClientConfig> LoadDefault(const ConfigSources& sources, const std::optional<std::string>& context) {
  if (!sources.kubeconfig_flag.empty()) {
    auto config = LoadKubeconfig(sources.kubeconfig_flag, context);
    if (!config.ok()) return Error::Make(config.error().code, "--kubeconfig: " + config.error().message);
    return config;
  }
  if (!sources.kubeconfig_env.empty()) {
    std::vector<std::string> paths;
    std::string_view list = sources.kubeconfig_env;
    while (!list.empty()) {
      auto colon = list.find(':');
      paths.emplace_back(list.substr(0, colon));
      list.remove_prefix(colon == std::string_view::npos ? list.size() : colon + 1);
    }
    auto config = LoadKubeconfigFiles(paths, context);
    if (!config.ok()) return Error::Make(config.error().code, "$KUBECONFIG: " + config.error().message);
    return config;
  }
  if (!sources.in_cluster.service_host.empty()) return InClusterConfig(sources.in_cluster);
  if (!sources.home.empty()) {
    std::string path = sources.home + "/.kube/config";
    if (FileExists(path)) return LoadKubeconfig(path, context);
  }
  return Error::Make(ErrorCode::kNotFound,
                     "no Kubernetes client configuration: pass --kubeconfig, set $KUBECONFIG, run in a cluster, or "
                     "create ~/.kube/config");
}

}  // namespace kube
