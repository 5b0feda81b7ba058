// The real kubectl (v1.32 at /usr/bin/kubectl) against the sandbox API server, through a kubeconfig it writes.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/sandbox/apiserver/test_cluster.h"

namespace sandbox {
namespace {

using testing::ParseOrDie;
using testing::TestCluster;

constexpr const char* kKubectl = "/usr/bin/kubectl";

std::string Node(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name +
         R"(","labels":{"kubernetes.io/hostname":")" + name +
         R"("}},"spec":{},"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],)"
         R"("nodeInfo":{"kubeletVersion":"v1.32.0"}}})";
}

std::string Pod(const std::string& name) {
  return R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
         R"("},"spec":{"nodeName":"node-1","containers":[{"name":"c","image":"i"}]},)"
         R"("status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}})";
}

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kKubectl)) GTEST_SKIP() << "kubectl not installed";
    cluster_ = TestCluster::Start();
    dir_ = std::filesystem::temp_directory_path() /
           ("sandbox-kubectl-" + std::to_string(::getpid()) + "-" + std::to_string(cluster_->server->port()));
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(cluster_->server->WriteKubeconfig((dir_ / "kubeconfig").string()).ok());
    ObjectStore& store = cluster_->server->store();
    ASSERT_TRUE(store.Create({"", "v1", "nodes"}, "", Node("node-1")).ok());
    ASSERT_TRUE(store.Create({"", "v1", "nodes"}, "", Node("node-2")).ok());
    ASSERT_TRUE(store.Create({"", "v1", "pods"}, "default", Pod("web-1")).ok());
    ASSERT_TRUE(store.Create({"", "v1", "pods"}, "kube-system", Pod("coredns-1")).ok());
    auto deployment = cluster_->Send("POST", "/apis/apps/v1/namespaces/default/deployments",
                                     R"({"metadata":{"name":"x","labels":{"app":"x"}},"spec":{"replicas":1,
                                        "selector":{"matchLabels":{"app":"x"}},
                                        "template":{"metadata":{"labels":{"app":"x"}},
                                        "spec":{"containers":[{"name":"nginx","image":"nginx"}]}}}})");
    ASSERT_EQ(deployment.status, 201);
  }

  void TearDown() override {
    cluster_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  // Runs kubectl with the sandbox kubeconfig; returns combined output and sets exit_code.
  std::string Kubectl(const std::string& args, int* exit_code) {
    std::string command = "HOME=" + dir_.string() + " " + kKubectl + " --kubeconfig=" + (dir_ / "kubeconfig").string() +
                          " --cache-dir=" + (dir_ / "cache").string() + " --request-timeout=10s " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      *exit_code = -1;
      return "";
    }
    std::string out;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
    int status = ::pclose(pipe);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
  }

  std::unique_ptr<TestCluster> cluster_;
  std::filesystem::path dir_;
};

TEST_F(KubectlTest, GetNodes) {
  int code = 0;
  std::string out = Kubectl("get nodes", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("NAME"), std::string::npos) << out;
  EXPECT_NE(out.find("STATUS"), std::string::npos) << out;
  EXPECT_NE(out.find("node-1   Ready    <none>"), std::string::npos) << out;
  EXPECT_NE(out.find("node-2"), std::string::npos) << out;
}

TEST_F(KubectlTest, GetPodsAllNamespaces) {
  int code = 0;
  std::string out = Kubectl("get pods -A", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("NAMESPACE"), std::string::npos) << out;
  EXPECT_NE(out.find("kube-system   coredns-1   1/1     Running"), std::string::npos) << out;
  EXPECT_NE(out.find("default       web-1"), std::string::npos) << out;
}

TEST_F(KubectlTest, ScaleDeployment) {
  int code = 0;
  std::string out = Kubectl("scale deployment x --replicas=3", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("deployment.apps/x scaled"), std::string::npos) << out;
  auto stored = cluster_->server->store().Get({"apps", "v1", "deployments"}, "default", "x");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(json::GetInt(ParseOrDie(stored->json), {"spec", "replicas"}), 3);

  // kubectl checks --resource-version against the Scale it reads from /scale.
  out = Kubectl("scale deployment x --replicas=4 --resource-version=1", &code);
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("error: Expected resource version to be 1, was " + std::to_string(stored->resource_version)),
            std::string::npos)
      << out;
}

TEST_F(KubectlTest, AutoscaleAndGetHpa) {
  int code = 0;
  // kubectl sends this HorizontalPodAutoscaler as protobuf.
  std::string out = Kubectl("autoscale deployment x --cpu-percent=50 --min=1 --max=10", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("horizontalpodautoscaler.autoscaling/x autoscaled"), std::string::npos) << out;
  out = Kubectl("get hpa", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("REFERENCE"), std::string::npos) << out;
  EXPECT_NE(out.find("Deployment/x   cpu: <unknown>/50%   1         10        0"), std::string::npos) << out;
}

TEST_F(KubectlTest, ApiResourcesAndGetDeployments) {
  int code = 0;
  std::string out = Kubectl("api-resources", &code);
  EXPECT_EQ(code, 0) << out;
  for (const char* expected : {"pods", "po", "deploy", "statefulsets", "horizontalpodautoscalers", "autoscaling/v2",
                               "apiservices", "leases"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }
  out = Kubectl("get deploy", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("UP-TO-DATE"), std::string::npos) << out;
  EXPECT_NE(out.find("x      0/1"), std::string::npos) << out;
}

}  // namespace
}  // namespace sandbox
