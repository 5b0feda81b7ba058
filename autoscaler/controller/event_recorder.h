#pragma once
// Records core/v1 Events about HPAs the way client-go's recorder does for kube-controller-manager: source component
// "horizontal-pod-autoscaler", and repeats of the same (object, type, reason, message) within ten minutes folded
// into one Event whose count and lastTimestamp grow, so `kubectl describe hpa` shows "(x3 over 2m)".

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "kube/client/rest_client.h"

namespace autoscaler {

struct InvolvedObject {
  std::string kind = "HorizontalPodAutoscaler";
  std::string api_version = "autoscaling/v2";
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string resource_version;
};

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // type is "Normal" or "Warning". Failures are logged, never returned: events are best effort upstream too.
  virtual void Record(const InvolvedObject& object, const std::string& type, const std::string& reason,
                      const std::string& message) = 0;
};

class ApiEventRecorder final : public EventRecorder {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  ApiEventRecorder(kube::RestClient& client, std::string component, WallClock clock = {});

  void Record(const InvolvedObject& object, const std::string& type, const std::string& reason,
              const std::string& message) override;

 private:
  struct Seen {
    std::string event_name;
    std::string first_timestamp;
    int32_t count = 0;
    std::chrono::system_clock::time_point last;
  };
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;

  kube::RestClient& client_;
  const std::string component_;
  WallClock clock_;
  std::mutex mu_;
  std::map<Key, Seen> seen_;
  uint64_t sequence_ = 0;
};

}  // namespace autoscaler
