#include "apiservice/request_info.h"

#include <gtest/gtest.h>

namespace apiservice {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

struct Case {
  const char* method;
  const char* path;
  Query query;
  bool resource;
  const char* verb;
  const char* group;
  const char* version;
  const char* ns;
  const char* resource_name;
  const char* subresource;
  const char* name;
};

TEST(RequestInfoTest, Table) {
  const Case cases[] = {
      {"GET", "/apis/metrics.k8s.io/v1beta1/nodes", {}, true, "list", "metrics.k8s.io", "v1beta1", "", "nodes", "", ""},
      {"GET", "/apis/metrics.k8s.io/v1beta1/nodes/node-1", {}, true, "get", "metrics.k8s.io", "v1beta1", "", "nodes",
       "", "node-1"},
      {"GET", "/apis/metrics.k8s.io/v1beta1/pods", {{"limit", "500"}}, true, "list", "metrics.k8s.io", "v1beta1", "",
       "pods", "", ""},
      {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", {}, true, "list", "metrics.k8s.io", "v1beta1",
       "default", "pods", "", ""},
      {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/x", {}, true, "get", "metrics.k8s.io", "v1beta1",
       "default", "pods", "", "x"},
      {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", {{"watch", "true"}}, true, "watch",
       "metrics.k8s.io", "v1beta1", "default", "pods", "", ""},
      {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", {{"watch", "false"}}, true, "list",
       "metrics.k8s.io", "v1beta1", "default", "pods", "", ""},
      {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", {{"fieldSelector", "metadata.name=x"}}, true,
       "list", "metrics.k8s.io", "v1beta1", "default", "pods", "", "x"},
      {"GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default", {}, true, "get", "metrics.k8s.io", "v1beta1",
       "default", "namespaces", "", "default"},
      {"GET", "/api/v1/namespaces/default/pods/p/log", {}, true, "get", "", "v1", "default", "pods", "log", "p"},
      {"POST", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", {}, true, "create", "metrics.k8s.io",
       "v1beta1", "default", "pods", "", ""},
      {"DELETE", "/apis/metrics.k8s.io/v1beta1/nodes", {}, true, "deletecollection", "metrics.k8s.io", "v1beta1", "",
       "nodes", "", ""},
      {"GET", "/apis/metrics.k8s.io/v1beta1", {}, false, "get", "", "", "", "", "", ""},
      {"GET", "/apis/metrics.k8s.io", {}, false, "get", "", "", "", "", "", ""},
      {"GET", "/apis", {}, false, "get", "", "", "", "", "", ""},
      {"GET", "/openapi/v2", {}, false, "get", "", "", "", "", "", ""},
      {"POST", "/healthz", {}, false, "post", "", "", "", "", "", ""},
  };
  for (const Case& c : cases) {
    RequestInfo info = ParseRequestInfo(c.method, c.path, c.query);
    SCOPED_TRACE(std::string(c.method) + " " + c.path);
    EXPECT_EQ(c.resource, info.is_resource_request);
    EXPECT_EQ(c.verb, info.verb);
    EXPECT_EQ(c.group, info.api_group);
    EXPECT_EQ(c.version, info.api_version);
    EXPECT_EQ(c.ns, info.namespace_name);
    EXPECT_EQ(c.resource_name, info.resource);
    EXPECT_EQ(c.subresource, info.subresource);
    EXPECT_EQ(c.name, info.name);
    EXPECT_EQ(c.path, info.path);
  }
}

}  // namespace
}  // namespace apiservice
