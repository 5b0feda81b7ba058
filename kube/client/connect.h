#pragma once
// What every binary does first: find the API server (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config),
// start an event loop and a RestClient on it. Members are ordered so that the client goes before its loop.

#include <memory>
#include <string>

#include "common/net/event_loop.h"
#include "common/result.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"

namespace kube {

struct ApiConnection {
  ClientConfig config;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<RestClient> client;
};

// Errors name what failed ("cannot load the Kubernetes client configuration: ...").
common::Result<ApiConnection> Connect(const std::string& kubeconfig_flag, int loop_threads = 2);

}  // namespace kube
