#include "kube/client/connect.h"

#include "kube/client/http_rest_client.h"

namespace kube {

common::Result<ApiConnection> Connect(const std::string& kubeconfig_flag, int loop_threads) {
  auto config = LoadDefault(kubeconfig_flag);
  if (!config.ok()) {
    return common::Error::Make(config.error().code,
                               "cannot load the Kubernetes client configuration: " + config.error().message);
  }
  ApiConnection connection;
  connection.config = std::move(*config);
  connection.loop = net::EventLoop::Create(loop_threads);
  auto client = NewRestClient(*connection.loop, connection.config);
  if (!client.ok()) {
    return common::Error::Make(client.error().code, "cannot create the Kubernetes client: " + client.error().message);
  }
  connection.client = std::move(*client);
  return connection;
}

}  // namespace kube
