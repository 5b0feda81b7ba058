#include "autoscaler/controller/event_recorder.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/log.h"
#include "kube/objects/time.h"

namespace autoscaler {
namespace {

constexpr auto kCorrelationWindow = std::chrono::minutes(10);
constexpr std::size_t kMaxRemembered = 4096;

std::string Timestamp(std::chrono::system_clock::time_point t) {
  return kube::FormatRfc3339(kube::FromSystemClock(t), kube::TimePrecision::kSeconds);
}

}  // namespace

ApiEventRecorder::ApiEventRecorder(kube::RestClient& client, std::string component, WallClock clock)
    : client_(client),
      component_(std::move(component)),
      clock_(clock ? std::move(clock) : WallClock([] { return std::chrono::system_clock::now(); })) {}

void ApiEventRecorder::Record(const InvolvedObject& object, const std::string& type, const std::string& reason,
                              const std::string& message) {
  const auto now = clock_();
  const std::string now_text = Timestamp(now);
  const std::string collection = "/api/v1/namespaces/" + object.namespace_name + "/events";
  Key key{object.namespace_name, object.name, type, reason, message};

  std::unique_lock lock(mu_);
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last < kCorrelationWindow) {
    Seen& seen = it->second;
    ++seen.count;
    seen.last = now;
    const std::string patch =
        fmt::format(R"({{"count":{},"lastTimestamp":"{}"}})", seen.count, now_text);
    const std::string path = collection + "/" + seen.event_name;
    lock.unlock();
    auto patched = client_.Patch(path, patch, kube::PatchType::kMerge);
    if (patched.ok()) return;
    LOG_V(2, "event {} patch failed ({}); creating a new one", path, patched.error().message);
    lock.lock();
    seen_.erase(key);
  }
  if (seen_.size() >= kMaxRemembered) seen_.clear();  // bounded memory; worst case a repeat becomes a new Event
  // Upstream names events "<object>.<hex unix nanos>"; a sequence keeps names unique within a nanosecond too.
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const std::string event_name = fmt::format("{}.{:x}", object.name, static_cast<uint64_t>(nanos) + sequence_++);
  seen_[key] = Seen{event_name, now_text, 1, now};
  lock.unlock();

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("apiVersion"); w.String("v1");
  w.Key("kind"); w.String("Event");
  w.Key("metadata"); w.StartObject();
  w.Key("name"); w.String(event_name);
  w.Key("namespace"); w.String(object.namespace_name);
  w.EndObject();
  w.Key("involvedObject"); w.StartObject();
  w.Key("kind"); w.String(object.kind);
  w.Key("namespace"); w.String(object.namespace_name);
  w.Key("name"); w.String(object.name);
  if (!object.uid.empty()) { w.Key("uid"); w.String(object.uid); }
  w.Key("apiVersion"); w.String(object.api_version);
  if (!object.resource_version.empty()) { w.Key("resourceVersion"); w.String(object.resource_version); }
  w.EndObject();
  w.Key("reason"); w.String(reason);
  w.Key("message"); w.String(message);
  w.Key("source"); w.StartObject(); w.Key("component"); w.String(component_); w.EndObject();
  w.Key("firstTimestamp"); w.String(now_text);
  w.Key("lastTimestamp"); w.String(now_text);
  w.Key("count"); w.Int(1);
  w.Key("type"); w.String(type);
  w.Key("reportingComponent"); w.String(component_);
  w.EndObject();
  auto created = client_.Create(collection, buffer.GetString());
  if (!created.ok()) {
    LOG_WARNING("cannot record event {} {} on {}/{}: {}", type, reason, object.namespace_name, object.name,
                created.error().message);
  }
}

}  // namespace autoscaler
