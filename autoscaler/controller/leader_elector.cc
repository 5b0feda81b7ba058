#include "autoscaler/controller/leader_elector.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/log.h"
#include "kube/client/object_meta.h"
#include "kube/objects/time.h"

namespace autoscaler {
namespace {

std::string NowMicroTime(std::chrono::system_clock::time_point now) {
  return kube::FormatRfc3339(kube::FromSystemClock(now), kube::TimePrecision::kMicros);
}

}  // namespace

common::Status ValidateLeaderElectionConfig(const LeaderElectionConfig& c) {
  auto bad = [](std::string m) { return common::Error::Make(common::ErrorCode::kInvalidArgument, std::move(m)); };
  if (c.identity.empty()) return bad("leader election: identity must not be empty");
  if (c.lease_name.empty() || c.lease_namespace.empty()) return bad("leader election: lease name/namespace needed");
  if (c.lease_duration <= c.renew_deadline) {
    return bad("leader election: --leader-elect-lease-duration must be greater than --leader-elect-renew-deadline");
  }
  if (c.renew_deadline.count() <= c.retry_period.count() * 12 / 10) {
    return bad("leader election: --leader-elect-renew-deadline must exceed 1.2 x --leader-elect-retry-period");
  }
  if (c.retry_period.count() <= 0) return bad("leader election: --leader-elect-retry-period must be positive");
  return common::Status::Ok();
}

LeaderElector::LeaderElector(kube::RestClient& client, LeaderElectionConfig config, Clock clock, WallClock wall_clock)
    : client_(client),
      config_(std::move(config)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      wall_clock_(wall_clock ? std::move(wall_clock) : WallClock([] { return std::chrono::system_clock::now(); })) {}

LeaderElector::~LeaderElector() { Stop(); }

std::string LeaderElector::CollectionPath() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + config_.lease_namespace + "/leases";
}

std::string LeaderElector::LeasePath() const { return CollectionPath() + "/" + config_.lease_name; }

std::string LeaderElector::RenderLease(const std::string& resource_version, const std::string& acquire_time,
                                       int transitions, const std::string& holder) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("apiVersion");
  w.String("coordination.k8s.io/v1");
  w.Key("kind");
  w.String("Lease");
  w.Key("metadata");
  w.StartObject();
  w.Key("name");
  w.String(config_.lease_name);
  w.Key("namespace");
  w.String(config_.lease_namespace);
  if (!resource_version.empty()) {
    w.Key("resourceVersion");
    w.String(resource_version);
  }
  w.EndObject();
  w.Key("spec");
  w.StartObject();
  w.Key("holderIdentity");
  w.String(holder);
  w.Key("leaseDurationSeconds");
  w.Int(static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count()));
  w.Key("acquireTime");
  w.String(acquire_time);
  w.Key("renewTime");
  w.String(NowMicroTime(wall_clock_()));
  w.Key("leaseTransitions");
  w.Int(transitions);
  w.EndObject();
  w.EndObject();
  return buffer.GetString();
}

bool LeaderElector::TryAcquireOrRenew() {
  const auto now = clock_();
  auto current = client_.GetJson(LeasePath());
  if (!current.ok()) {
    if (current.error().code != common::ErrorCode::kNotFound) {
      LOG_WARNING("leader election: cannot read lease {}/{}: {}", config_.lease_namespace, config_.lease_name,
                  current.error().message);
      return IsLeader();
    }
    const std::string now_text = NowMicroTime(wall_clock_());
    auto created = client_.Create(CollectionPath(), RenderLease("", now_text, 0, config_.identity));
    if (!created.ok()) {
      LOG_V(2, "leader election: lease create lost: {}", created.error().message);
      return IsLeader();
    }
    std::lock_guard lock(mu_);
    observed_holder_ = config_.identity;
    observed_at_ = now;
    last_renewed_ = now;
    return true;
  }

  const rapidjson::Value& lease = *current;
  const rapidjson::Value* spec = kube::ObjectMember(lease, "spec");
  const rapidjson::Value* metadata = kube::ObjectMember(lease, "metadata");
  std::string holder, renew_time, acquire_time, resource_version;
  int transitions = 0;
  if (spec != nullptr) {
    holder = std::string(kube::StringMember(*spec, "holderIdentity").value_or(""));
    renew_time = std::string(kube::StringMember(*spec, "renewTime").value_or(""));
    acquire_time = std::string(kube::StringMember(*spec, "acquireTime").value_or(""));
    if (auto it = spec->FindMember("leaseTransitions"); it != spec->MemberEnd() && it->value.IsInt()) {
      transitions = it->value.GetInt();
    }
  }
  if (metadata != nullptr) resource_version = std::string(kube::StringMember(*metadata, "resourceVersion").value_or(""));

  {
    std::lock_guard lock(mu_);
    // The record changed since we last looked: restart the expiry clock from now (our clock, not theirs).
    if (holder != observed_holder_ || renew_time != observed_renew_time_) {
      observed_holder_ = holder;
      observed_renew_time_ = renew_time;
      observed_at_ = now;
    }
    const bool held_by_other = !holder.empty() && holder != config_.identity;
    if (held_by_other && now < observed_at_ + config_.lease_duration) return false;
  }

  const bool we_hold = holder == config_.identity;
  if (!we_hold) {
    acquire_time = NowMicroTime(wall_clock_());
    ++transitions;
  }
  auto updated = client_.Update(LeasePath(), RenderLease(resource_version, acquire_time, transitions, config_.identity));
  if (!updated.ok()) {
    LOG_V(2, "leader election: lease update failed: {}", updated.error().message);
    return IsLeader();
  }
  auto doc = kube::ParseJson(*updated);
  std::lock_guard lock(mu_);
  observed_holder_ = config_.identity;
  if (doc.ok()) {
    if (const rapidjson::Value* s = kube::ObjectMember(*doc, "spec")) {
      observed_renew_time_ = std::string(kube::StringMember(*s, "renewTime").value_or(""));
    }
  }
  observed_at_ = now;
  last_renewed_ = now;
  return true;
}

bool LeaderElector::IsLeader() const {
  std::lock_guard lock(mu_);
  return observed_holder_ == config_.identity && last_renewed_ != std::chrono::steady_clock::time_point{} &&
         clock_() < last_renewed_ + config_.renew_deadline;
}

void LeaderElector::Start(std::function<void()> on_started_leading, std::function<void()> on_stopped_leading) {
  on_started_ = std::move(on_started_leading);
  on_stopped_ = std::move(on_stopped_leading);
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Run() {
  // Said once, like client-go, so that a standby replica's log tells why it is not scaling.
  LOG_INFO("leader election: {} attempting to acquire leader lease {}/{}...", config_.identity,
           config_.lease_namespace, config_.lease_name);
  bool was_leading = false;
  while (true) {
    TryAcquireOrRenew();
    const bool leading = IsLeader();
    if (leading && !was_leading) {
      LOG_INFO("leader election: {} acquired lease {}/{}", config_.identity, config_.lease_namespace,
               config_.lease_name);
      if (on_started_) on_started_();
    } else if (!leading && was_leading) {
      LOG_WARNING("leader election: {} lost lease {}/{}", config_.identity, config_.lease_namespace,
                  config_.lease_name);
      if (on_stopped_) on_stopped_();
    }
    was_leading = leading;
    std::unique_lock lock(mu_);
    if (wake_.wait_for(lock, config_.retry_period, [this] { return stopping_; })) break;
  }
  if (was_leading && on_stopped_) on_stopped_();
}

void LeaderElector::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Release: clear the holder so a successor can take over at once instead of waiting out the lease.
  bool held = false;
  {
    std::lock_guard lock(mu_);
    // Release only a lease we still hold by our own clock: once renewals failed past the renew deadline the
    // API server is likely unreachable, and retrying a release would only delay shutdown.
    held = observed_holder_ == config_.identity && last_renewed_ != std::chrono::steady_clock::time_point{} &&
           clock_() < last_renewed_ + config_.renew_deadline;
    last_renewed_ = {};
  }
  if (!held) return;
  auto current = client_.GetJson(LeasePath());
  if (!current.ok()) return;
  const rapidjson::Value* metadata = kube::ObjectMember(*current, "metadata");
  const rapidjson::Value* spec = kube::ObjectMember(*current, "spec");
  if (metadata == nullptr || spec == nullptr) return;
  if (kube::StringMember(*spec, "holderIdentity").value_or("") != config_.identity) return;
  std::string rv(kube::StringMember(*metadata, "resourceVersion").value_or(""));
  std::string acquire(kube::StringMember(*spec, "acquireTime").value_or(""));
  int transitions = 0;
  if (auto it = spec->FindMember("leaseTransitions"); it != spec->MemberEnd() && it->value.IsInt()) {
    transitions = it->value.GetInt();
  }
  auto released = client_.Update(LeasePath(), RenderLease(rv, acquire, transitions, ""));
  if (!released.ok()) LOG_WARNING("leader election: release failed: {}", released.error().message);
}

}  // namespace autoscaler
