// Checks the deployable manifests: every overlay renders with kustomize (kubectl's built-in), and the rendered
// objects carry the fields and security settings a cluster operator relies on.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct CommandOutput {
  int status = -1;
  std::string out;
};

CommandOutput Run(const std::string& command) {
  CommandOutput result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  result.status = pclose(pipe);
  return result;
}

std::vector<YAML::Node> Render(const fs::path& dir) {
  CommandOutput rendered = Run("kubectl kustomize '" + dir.string() + "'");
  EXPECT_EQ(rendered.status, 0) << rendered.out;
  return YAML::LoadAll(rendered.out);
}

const YAML::Node* Find(const std::vector<YAML::Node>& objects, const std::string& kind, const std::string& name) {
  for (const auto& o : objects) {
    if (o["kind"].as<std::string>() == kind && o["metadata"]["name"].as<std::string>() == name) return &o;
  }
  return nullptr;
}

std::vector<std::string> Args(const YAML::Node& deployment) {
  std::vector<std::string> args;
  for (const auto& a : deployment["spec"]["template"]["spec"]["containers"][0]["args"]) {
    args.push_back(a.as<std::string>());
  }
  return args;
}

bool Contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

const fs::path kManifests = KMA_MANIFESTS_DIR;

void ExpectHardenedPod(const YAML::Node& deployment) {
  const YAML::Node pod = deployment["spec"]["template"]["spec"];
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  for (const auto& c : pod["containers"]) {
    const YAML::Node sc = c["securityContext"];
    ASSERT_TRUE(sc) << c["name"];
    EXPECT_TRUE(sc["readOnlyRootFilesystem"].as<bool>());
    EXPECT_FALSE(sc["allowPrivilegeEscalation"].as<bool>());
    EXPECT_TRUE(sc["runAsNonRoot"].as<bool>());
    EXPECT_EQ(sc["capabilities"]["drop"][0].as<std::string>(), "ALL");
    EXPECT_EQ(sc["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
    EXPECT_TRUE(c["resources"]["requests"]["cpu"]) << "cpu request";
    EXPECT_TRUE(c["resources"]["requests"]["memory"]) << "memory request";
    EXPECT_TRUE(c["livenessProbe"]) << "liveness probe";
  }
}

TEST(Manifests, BaseRendersWithRequiredObjects) {
  auto objects = Render(kManifests / "base");
  ASSERT_FALSE(objects.empty());
  for (const auto& o : objects) {
    EXPECT_TRUE(o["apiVersion"]) << o;
    EXPECT_TRUE(o["kind"]) << o;
    EXPECT_TRUE(o["metadata"]["name"]) << o;
  }
  const YAML::Node* ms = Find(objects, "Deployment", "metrics-server");
  ASSERT_NE(ms, nullptr);
  EXPECT_EQ((*ms)["spec"]["replicas"].as<int>(), 2);
  ExpectHardenedPod(*ms);
  const YAML::Node container = (*ms)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/livez");
  EXPECT_TRUE(Contains(Args(*ms), "--cert-dir=/tmp"));

  ASSERT_NE(Find(objects, "PodDisruptionBudget", "metrics-server"), nullptr);
  ASSERT_NE(Find(objects, "Service", "metrics-server"), nullptr);
  const YAML::Node* api = Find(objects, "APIService", "v1beta1.metrics.k8s.io");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ((*api)["spec"]["group"].as<std::string>(), "metrics.k8s.io");
  EXPECT_EQ((*api)["spec"]["version"].as<std::string>(), "v1beta1");
  EXPECT_EQ((*api)["spec"]["service"]["name"].as<std::string>(), "metrics-server");
  EXPECT_EQ((*api)["spec"]["service"]["namespace"].as<std::string>(), "kube-system");

  const YAML::Node* autoscaler = Find(objects, "Deployment", "kma-autoscaler");
  ASSERT_NE(autoscaler, nullptr);
  ExpectHardenedPod(*autoscaler);
  EXPECT_TRUE(Contains(Args(*autoscaler), "--leader-elect"));
}

TEST(Manifests, RbacGrantsWhatUpstreamNeeds) {
  auto objects = Render(kManifests / "base");
  const YAML::Node* delegator = Find(objects, "ClusterRoleBinding", "metrics-server:system:auth-delegator");
  ASSERT_NE(delegator, nullptr);
  EXPECT_EQ((*delegator)["roleRef"]["name"].as<std::string>(), "system:auth-delegator");
  const YAML::Node* reader = Find(objects, "RoleBinding", "metrics-server-auth-reader");
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ((*reader)["roleRef"]["name"].as<std::string>(), "extension-apiserver-authentication-reader");
  EXPECT_EQ((*reader)["metadata"]["namespace"].as<std::string>(), "kube-system");

  const YAML::Node* role = Find(objects, "ClusterRole", "system:metrics-server");
  ASSERT_NE(role, nullptr);
  std::map<std::string, std::vector<std::string>> verbs_by_resource;
  for (const auto& rule : (*role)["rules"]) {
    for (const auto& r : rule["resources"]) {
      for (const auto& v : rule["verbs"]) verbs_by_resource[r.as<std::string>()].push_back(v.as<std::string>());
    }
  }
  EXPECT_TRUE(Contains(verbs_by_resource["nodes/metrics"], "get"));
  EXPECT_TRUE(Contains(verbs_by_resource["nodes"], "watch"));
  EXPECT_TRUE(Contains(verbs_by_resource["pods"], "list"));

  const YAML::Node* autoscaler_role = Find(objects, "ClusterRole", "kma:autoscaler");
  ASSERT_NE(autoscaler_role, nullptr);
  bool scale_update = false;
  for (const auto& rule : (*autoscaler_role)["rules"]) {
    for (const auto& r : rule["resources"]) {
      if (r.as<std::string>() == "*/scale") {
        for (const auto& v : rule["verbs"]) scale_update |= v.as<std::string>() == "update";
      }
    }
  }
  EXPECT_TRUE(scale_update);
  const YAML::Node* lease_role = Find(objects, "Role", "kma:autoscaler-leader-election");
  ASSERT_NE(lease_role, nullptr);
  EXPECT_EQ((*lease_role)["rules"][0]["resources"][0].as<std::string>(), "leases");
}

TEST(Manifests, InsecureTlsOverlayAddsFlag) {
  auto objects = Render(kManifests / "overlays" / "kubelet-insecure-tls");
  const YAML::Node* ms = Find(objects, "Deployment", "metrics-server");
  ASSERT_NE(ms, nullptr);
  EXPECT_TRUE(Contains(Args(*ms), "--kubelet-insecure-tls"));
}

TEST(Manifests, HighAvailabilityOverlaySpreadsReplicas) {
  auto objects = Render(kManifests / "overlays" / "high-availability");
  const YAML::Node* ms = Find(objects, "Deployment", "metrics-server");
  ASSERT_NE(ms, nullptr);
  EXPECT_EQ((*ms)["spec"]["replicas"].as<int>(), 3);
  EXPECT_EQ((*ms)["spec"]["template"]["spec"]["topologySpreadConstraints"].size(), 2u);
  const YAML::Node* pdb = Find(objects, "PodDisruptionBudget", "metrics-server");
  ASSERT_NE(pdb, nullptr);
  EXPECT_EQ((*pdb)["spec"]["minAvailable"].as<int>(), 2);
}

TEST(Manifests, CoexistOverlaySelectsAnnotatedHpasOnly) {
  auto objects = Render(kManifests / "overlays" / "coexist");
  const YAML::Node* autoscaler = Find(objects, "Deployment", "kma-autoscaler");
  ASSERT_NE(autoscaler, nullptr);
  EXPECT_TRUE(Contains(Args(*autoscaler), "--hpa-class=kma"));
}

TEST(Manifests, CaBundleOverlayPinsTheServingCa) {
  // The overlay needs certificate files next to it; render a copy with placeholder PEM contents.
  const fs::path work = fs::temp_directory_path() / ("kma-manifests-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work / "overlays");
  fs::copy(kManifests / "base", work / "base", fs::copy_options::recursive);
  fs::copy(kManifests / "overlays" / "ca-bundle", work / "overlays" / "ca-bundle", fs::copy_options::recursive);
  for (const char* f : {"ca.crt", "tls.crt", "tls.key"}) {
    std::ofstream(work / "overlays" / "ca-bundle" / f) << "-----BEGIN TEST-----\n" << f << "\n-----END TEST-----\n";
  }
  auto objects = Render(work / "overlays" / "ca-bundle");
  fs::remove_all(work);
  const YAML::Node* api = Find(objects, "APIService", "v1beta1.metrics.k8s.io");
  ASSERT_NE(api, nullptr);
  EXPECT_FALSE((*api)["spec"]["insecureSkipTLSVerify"]);
  ASSERT_TRUE((*api)["spec"]["caBundle"]);
  EXPECT_FALSE((*api)["spec"]["caBundle"].as<std::string>().empty());
  const YAML::Node* ms = Find(objects, "Deployment", "metrics-server");
  ASSERT_NE(ms, nullptr);
  EXPECT_TRUE(Contains(Args(*ms), "--tls-cert-file=/certs/tls.crt"));
}

}  // namespace
