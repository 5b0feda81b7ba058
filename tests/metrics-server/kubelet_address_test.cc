#include "metrics-server/scrape/kubelet_address.h"

#include "metrics-server/scrape/informer_node_lister.h"

#include <gtest/gtest.h>

namespace metrics_server {
namespace {

kube::Node MakeNode(std::vector<kube::NodeAddress> addresses, int32_t port = 0) {
  kube::Node node;
  node.name = "node-1";
  node.addresses = std::move(addresses);
  node.kubelet_port = port;
  return node;
}

TEST(KubeletAddressTest, PreferredTypesInFlagOrder) {
  // The kubelet lists InternalIP first; the default preference still picks Hostname.
  kube::Node node = MakeNode({{"InternalIP", "10.0.0.1"}, {"ExternalIP", "1.2.3.4"}, {"Hostname", "node-1.local"}});
  auto target = ResolveKubeletTarget(node, KubeletAddressOptions{});
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ(target->node_name, "node-1");
  EXPECT_EQ(target->host, "node-1.local");
  EXPECT_EQ(target->port, 10250);

  KubeletAddressOptions ip_first;
  ip_first.preferred_address_types = {"ExternalIP", "InternalIP"};
  EXPECT_EQ(ResolveKubeletTarget(node, ip_first)->host, "1.2.3.4");
}

TEST(KubeletAddressTest, FirstAddressOfATypeWins) {
  kube::Node node = MakeNode({{"InternalIP", "10.0.0.1"}, {"InternalIP", "10.0.0.2"}});
  EXPECT_EQ(ResolveKubeletTarget(node, KubeletAddressOptions{})->host, "10.0.0.1");
}

TEST(KubeletAddressTest, NoMatchingAddress) {
  KubeletAddressOptions options;
  options.preferred_address_types = {"InternalDNS"};
  auto target = ResolveKubeletTarget(MakeNode({{"InternalIP", "10.0.0.1"}}), options);
  ASSERT_FALSE(target.ok());
  EXPECT_EQ(target.error().code, common::ErrorCode::kNotFound);
  EXPECT_EQ(target.error().message, "node node-1 had no addresses that matched types [InternalDNS]");
  EXPECT_FALSE(ResolveKubeletTarget(MakeNode({}), KubeletAddressOptions{}).ok());
}

TEST(KubeletAddressTest, Ports) {
  kube::Node node = MakeNode({{"InternalIP", "10.0.0.1"}}, 10255);
  KubeletAddressOptions options;
  options.kubelet_port = 10443;
  EXPECT_EQ(ResolveKubeletTarget(node, options)->port, 10443);
  options.use_node_status_port = true;
  EXPECT_EQ(ResolveKubeletTarget(node, options)->port, 10255);
  // Not published yet: keep the configured port rather than dialing 0.
  EXPECT_EQ(ResolveKubeletTarget(MakeNode({{"InternalIP", "10.0.0.1"}}, 0), options)->port, 10443);
}

TEST(KubeletAddressTest, ParseAddressTypes) {
  auto types = ParseAddressTypes("Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP");
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(types->size(), 5u);
  types = ParseAddressTypes(" InternalIP , ExternalIP,");
  ASSERT_TRUE(types.ok());
  EXPECT_EQ(*types, (std::vector<std::string>{"InternalIP", "ExternalIP"}));
  EXPECT_FALSE(ParseAddressTypes("InternalIP,Bogus").ok());
  EXPECT_FALSE(ParseAddressTypes("internalip").ok());
  EXPECT_FALSE(ParseAddressTypes("").ok());
  EXPECT_FALSE(ParseAddressTypes(",,").ok());
}

TEST(InformerNodeListerTest, ListsResolvableNodes) {
  kube::Store<kube::Node> store;
  kube::Store<kube::Node>::Items items;
  kube::Node a = MakeNode({{"InternalIP", "10.0.0.1"}}, 10255);
  a.name = "a";
  kube::Node b = MakeNode({{"ExternalDNS", "b.example.com"}});
  b.name = "b";
  items["a"].object = std::make_shared<const kube::Node>(a);
  items["b"].object = std::make_shared<const kube::Node>(b);
  (void)store.Replace(std::move(items));

  KubeletAddressOptions options;
  options.preferred_address_types = {"InternalIP"};
  options.use_node_status_port = true;
  InformerNodeLister lister(store, options);
  for (int i = 0; i < 2; ++i) {  // the unresolvable node is skipped every time (and logged only once)
    std::vector<KubeletTarget> targets = lister.List();
    ASSERT_EQ(targets.size(), 1u);
    EXPECT_EQ(targets[0].node_name, "a");
    EXPECT_EQ(targets[0].host, "10.0.0.1");
    EXPECT_EQ(targets[0].port, 10255);
  }
}

}  // namespace
}  // namespace metrics_server
