#include "kube/client/config.h"

#include <gtest/gtest.h>

#include "kube/client/base64.h"
#include "kube/client/token_source.h"
#include "tests/kube/client/temp_dir.h"

namespace kube {
namespace {

using common::ErrorCode;
using kube::testing::TempDir;

constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";

std::string TwoContextKubeconfig() {
  return R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: certs/ca.crt
- name: prod-cluster
  cluster:
    server: https://prod.example.com/k8s/clusters/c-1/
    certificate-authority-data: )" +
         Base64Encode(kCaPem) + R"(
    tls-server-name: kubernetes
users:
- name: dev-user
  user:
    client-certificate: certs/client.crt
    client-key: /abs/client.key
- name: prod-user
  user:
    client-certificate-data: )" +
         Base64Encode("CERT") + R"(
    client-key-data: )" + Base64Encode("KEY") + R"(
- name: token-user
  user:
    tokenFile: token
contexts:
- name: dev
  context:
    cluster: dev-cluster
    user: dev-user
- name: prod
  context:
    cluster: prod-cluster
    user: prod-user
    namespace: team-a
- name: tok
  context:
    cluster: dev-cluster
    user: token-user
)";
}

TEST(KubeconfigTest, CurrentContextWithRelativeFiles) {
  TempDir dir;
  std::string path = dir.Write("kube/config", TwoContextKubeconfig());
  auto config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->scheme, "https");
  EXPECT_EQ(config->host, "10.0.0.1");
  EXPECT_EQ(config->port, 6443);
  EXPECT_EQ(config->path_prefix, "");
  EXPECT_EQ(config->ca_file, dir.path() + "/kube/certs/ca.crt");
  EXPECT_EQ(config->client_cert_file, dir.path() + "/kube/certs/client.crt");
  EXPECT_EQ(config->client_key_file, "/abs/client.key");
  EXPECT_EQ(config->default_namespace, "default");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST(KubeconfigTest, ExplicitContextWithInlineData) {
  TempDir dir;
  std::string path = dir.Write("config", TwoContextKubeconfig());
  auto config = LoadKubeconfig(path, std::string("prod"));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->host, "prod.example.com");
  EXPECT_EQ(config->port, 443);
  EXPECT_EQ(config->path_prefix, "/k8s/clusters/c-1");
  EXPECT_EQ(config->ca_pem, kCaPem);
  EXPECT_EQ(config->ca_file, "");
  EXPECT_EQ(config->client_cert_pem, "CERT");
  EXPECT_EQ(config->client_key_pem, "KEY");
  EXPECT_EQ(config->tls_server_name, "kubernetes");
  EXPECT_EQ(config->default_namespace, "team-a");
}

TEST(KubeconfigTest, TokenFileIsResolvedAndRereadWhenItChanges) {
  TempDir dir;
  std::string path = dir.Write("config", TwoContextKubeconfig());
  dir.Write("token", "first-token\n");
  auto config = LoadKubeconfig(path, std::string("tok"));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bearer_token_file, dir.path() + "/token");

  TokenSource tokens(config->bearer_token, config->bearer_token_file);
  auto first = tokens.Token();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "first-token");
  dir.Write("token", "second-token-longer\n");  // a different size is a change even within one mtime tick
  auto second = tokens.Token();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "second-token-longer");
  // A rotation in progress (file briefly missing) keeps the last good token.
  std::filesystem::remove(dir.path() + "/token");
  auto third = tokens.Token();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, "second-token-longer");
}

TEST(KubeconfigTest, MissingTokenFileIsAnErrorWhenNothingWasRead) {
  TokenSource tokens("", "/nonexistent/token");
  auto token = tokens.Token();
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(token.error().message.find("/nonexistent/token"), std::string::npos);
}

TEST(KubeconfigTest, StaticTokenAndInsecure) {
  auto config = ParseKubeconfig(R"(
current-context: c
clusters: [{name: k, cluster: {server: "http://[::1]:8080", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: abc.def}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)",
                                "/base");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->scheme, "http");
  EXPECT_FALSE(config->use_tls());
  EXPECT_EQ(config->host, "::1");
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->ServerUrl(), "http://[::1]:8080");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->bearer_token, "abc.def");
}

struct BadKubeconfig {
  const char* name;
  const char* yaml;
  const char* expected_in_message;
};

void PrintTo(const BadKubeconfig& c, std::ostream* os) { *os << c.name; }

class BadKubeconfigTest : public ::testing::TestWithParam<BadKubeconfig> {};

TEST_P(BadKubeconfigTest, FailsWithAClearMessage) {
  auto config = ParseKubeconfig(GetParam().yaml, "/base");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(config.error().message.find(GetParam().expected_in_message), std::string::npos)
      << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadKubeconfigTest,
    ::testing::Values(
        BadKubeconfig{"BadYaml", "clusters: [unclosed", "kubeconfig"},
        BadKubeconfig{"NotAMap", "- a\n- b\n", "top level must be a map"},
        BadKubeconfig{"NoCurrentContext", "clusters: []\n", "no current-context"},
        BadKubeconfig{"UnknownContext", "current-context: x\ncontexts: []\n", "context 'x' not found"},
        BadKubeconfig{"UnknownCluster", "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n",
                      "cluster 'k'"},
        BadKubeconfig{"UnknownUser",
                      "current-context: c\nclusters: [{name: k, cluster: {server: https://a}}]\n"
                      "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
                      "user 'u'"},
        BadKubeconfig{"NoServer",
                      "current-context: c\nclusters: [{name: k, cluster: {}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]\n",
                      "has no server"},
        BadKubeconfig{"BadPort",
                      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://a:99999'}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]\n",
                      "bad port"},
        BadKubeconfig{"BadBase64",
                      "current-context: c\nclusters: [{name: k, cluster: {server: https://a, "
                      "certificate-authority-data: '!!!'}}]\ncontexts: [{name: c, context: {cluster: k}}]\n",
                      "certificate-authority-data"},
        BadKubeconfig{"ExecPlugin",
                      "current-context: c\nclusters: [{name: k, cluster: {server: https://a}}]\n"
                      "users: [{name: u, user: {exec: {command: aws}}}]\n"
                      "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
                      "not supported"},
        BadKubeconfig{"CertWithoutKey",
                      "current-context: c\nclusters: [{name: k, cluster: {server: https://a}}]\n"
                      "users: [{name: u, user: {client-certificate: c.crt}}]\n"
                      "contexts: [{name: c, context: {cluster: k, user: u}}]\n",
                      "both a client certificate and a key"},
        BadKubeconfig{"ClustersNotAList", "current-context: c\nclusters: {a: b}\n", "must be a list"},
        BadKubeconfig{"BadBool",
                      "current-context: c\nclusters: [{name: k, cluster: {server: https://a, "
                      "insecure-skip-tls-verify: maybe}}]\ncontexts: [{name: c, context: {cluster: k}}]\n",
                      "kubeconfig"}),
    [](const ::testing::TestParamInfo<BadKubeconfig>& info) { return info.param.name; });

TEST(KubeconfigTest, MissingFileIsNotFound) {
  auto config = LoadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_NE(config.error().message.find("/nonexistent/kubeconfig"), std::string::npos);
}

TEST(KubeconfigTest, MergesFilesFirstDefinitionWins) {
  TempDir dir;
  std::string a = dir.Write("a/config", R"(
current-context: from-a
contexts: [{name: from-a, context: {cluster: shared, user: u}}]
users: [{name: u, user: {token: token-a}}]
)");
  std::string b = dir.Write("b/config", R"(
current-context: from-b
clusters: [{name: shared, cluster: {server: "https://b.example:8443", certificate-authority: ca.crt}}]
users: [{name: u, user: {token: token-b}}]
)");
  auto config = LoadKubeconfigFiles({dir.path() + "/missing", a, b});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->host, "b.example");
  EXPECT_EQ(config->port, 8443);
  EXPECT_EQ(config->bearer_token, "token-a");
  EXPECT_EQ(config->ca_file, dir.path() + "/b/ca.crt");  // relative to the file that defined the cluster
}

TEST(InClusterConfigTest, ReadsServiceAccountFromRoot) {
  TempDir dir;
  dir.Write("var/run/secrets/kubernetes.io/serviceaccount/token", "sa-token");
  dir.Write("var/run/secrets/kubernetes.io/serviceaccount/ca.crt", kCaPem);
  dir.Write("var/run/secrets/kubernetes.io/serviceaccount/namespace", "kube-system\n");
  auto config = InClusterConfig(InClusterEnvironment{"10.96.0.1", "443", dir.path()});
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->host, "10.96.0.1");
  EXPECT_EQ(config->port, 443);
  EXPECT_EQ(config->ca_file, dir.path() + "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
  EXPECT_EQ(config->bearer_token_file, dir.path() + "/var/run/secrets/kubernetes.io/serviceaccount/token");
  EXPECT_EQ(config->default_namespace, "kube-system");

  auto ipv6 = InClusterConfig(InClusterEnvironment{"fd00::1", "6443", dir.path()});
  ASSERT_TRUE(ipv6.ok()) << ipv6.error().message;
  EXPECT_EQ(ipv6->host, "fd00::1");
  EXPECT_EQ(ipv6->port, 6443);
}

TEST(InClusterConfigTest, ClearErrors) {
  TempDir dir;
  auto no_env = InClusterConfig(InClusterEnvironment{"", "", dir.path()});
  ASSERT_FALSE(no_env.ok());
  EXPECT_NE(no_env.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);

  auto no_token = InClusterConfig(InClusterEnvironment{"10.0.0.1", "443", dir.path()});
  ASSERT_FALSE(no_token.ok());
  EXPECT_NE(no_token.error().message.find("token"), std::string::npos);

  dir.Write("var/run/secrets/kubernetes.io/serviceaccount/token", "t");
  auto no_ca = InClusterConfig(InClusterEnvironment{"10.0.0.1", "443", dir.path()});
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.error().message.find("ca.crt"), std::string::npos);

  dir.Write("var/run/secrets/kubernetes.io/serviceaccount/ca.crt", kCaPem);
  auto bad_port = InClusterConfig(InClusterEnvironment{"10.0.0.1", "http", dir.path()});
  ASSERT_FALSE(bad_port.ok());
}

class LoadDefaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    flag_ = dir_.Write("flag/config", Kubeconfig("flag.example"));
    env_ = dir_.Write("env/config", Kubeconfig("env.example"));
    home_ = dir_.path() + "/home";
    dir_.Write("home/.kube/config", Kubeconfig("home.example"));
    dir_.Write("root/var/run/secrets/kubernetes.io/serviceaccount/token", "t");
    dir_.Write("root/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", kCaPem);
    in_cluster_ = InClusterEnvironment{"incluster.example", "443", dir_.path() + "/root"};
  }

  static std::string Kubeconfig(const std::string& host) {
    return "current-context: c\nclusters: [{name: k, cluster: {server: 'https://" + host +
           "'}}]\ncontexts: [{name: c, context: {cluster: k}}]\n";
  }

  std::string Host(const ConfigSources& sources) {
    auto config = LoadDefault(sources);
    return config.ok() ? config->host : "error: " + config.error().message;
  }

  TempDir dir_;
  std::string flag_, env_, home_;
  InClusterEnvironment in_cluster_;
};

TEST_F(LoadDefaultTest, Precedence) {
  EXPECT_EQ(Host({flag_, env_, home_, in_cluster_}), "flag.example");
  EXPECT_EQ(Host({"", env_, home_, in_cluster_}), "env.example");
  EXPECT_EQ(Host({"", "", home_, in_cluster_}), "incluster.example");
  EXPECT_EQ(Host({"", "", home_, {}}), "home.example");
}

TEST_F(LoadDefaultTest, ErrorsNameTheSource) {
  auto bad_flag = LoadDefault(ConfigSources{dir_.path() + "/nope", env_, home_, {}});
  ASSERT_FALSE(bad_flag.ok());
  EXPECT_NE(bad_flag.error().message.find("--kubeconfig"), std::string::npos);

  auto bad_env = LoadDefault(ConfigSources{"", dir_.path() + "/nope1:" + dir_.path() + "/nope2", home_, {}});
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.error().message.find("$KUBECONFIG"), std::string::npos);

  auto nothing = LoadDefault(ConfigSources{"", "", dir_.path() + "/empty-home", {}});
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(nothing.error().message.find("--kubeconfig"), std::string::npos);
}

TEST(ServerUrlTest, Variants) {
  ClientConfig config;
  ASSERT_TRUE(ParseServerUrl("https://a.example", &config).ok());
  EXPECT_EQ(config.port, 443);
  ASSERT_TRUE(ParseServerUrl("http://a.example", &config).ok());
  EXPECT_EQ(config.port, 80);
  ASSERT_TRUE(ParseServerUrl("127.0.0.1:6443", &config).ok());  // no scheme means https, as kubectl does
  EXPECT_EQ(config.scheme, "https");
  EXPECT_EQ(config.port, 6443);
  EXPECT_FALSE(ParseServerUrl("ftp://a", &config).ok());
  EXPECT_FALSE(ParseServerUrl("https://", &config).ok());
  EXPECT_FALSE(ParseServerUrl("https://[::1", &config).ok());
  EXPECT_FALSE(ParseServerUrl("https://a:0", &config).ok());
  EXPECT_FALSE(ParseServerUrl("https://a/x?y=1", &config).ok());
}

}  // namespace
}  // namespace kube
