#include "sandbox/workload/workload_controller.h"

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "sandbox/apiserver/json_util.h"

namespace sandbox {

namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

enum class Kind { kDeployment, kReplicaSet, kStatefulSet, kReplicationController, kPod };

const ResourceKey& KeyOf(Kind kind) {
  static const ResourceKey kKeys[] = {
      {"apps", "v1", "deployments"}, {"apps", "v1", "replicasets"}, {"apps", "v1", "statefulsets"},
      {"", "v1", "replicationcontrollers"}, {"", "v1", "pods"},
  };
  return kKeys[static_cast<int>(kind)];
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kDeployment: return "Deployment";
    case Kind::kReplicaSet: return "ReplicaSet";
    case Kind::kStatefulSet: return "StatefulSet";
    case Kind::kReplicationController: return "ReplicationController";
    case Kind::kPod: return "Pod";
  }
  return "";
}

const char* ApiVersionOf(Kind kind) { return KeyOf(kind).group.empty() ? "v1" : "apps/v1"; }

// Kubernetes' rand.String alphabet: no vowels (no words), no confusable characters.
constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string PodKey(std::string_view ns, std::string_view name) { return fmt::format("{}/{}", ns, name); }
std::string OwnerKey(Kind kind, std::string_view ns, std::string_view name) {
  return fmt::format("{}/{}/{}", static_cast<int>(kind), ns, name);
}

void SetCondition(Value& conditions, Allocator& a, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, const std::string& now,
                  bool with_update_time = false, bool with_probe_time = false) {
  if (!conditions.IsArray()) conditions.SetArray();
  for (auto& c : conditions.GetArray()) {
    if (json::GetString(c, {"type"}) != type) continue;
    if (json::GetString(c, {"status"}) != status) {
      json::SetString(c, "lastTransitionTime", now, a);
      if (with_update_time) json::SetString(c, "lastUpdateTime", now, a);
    }
    json::SetString(c, "status", status, a);
    if (reason.empty()) json::Remove(c, "reason"); else json::SetString(c, "reason", reason, a);
    if (message.empty()) json::Remove(c, "message"); else json::SetString(c, "message", message, a);
    return;
  }
  Value c(rapidjson::kObjectType);
  json::SetString(c, "type", type, a);
  json::SetString(c, "status", status, a);
  if (with_probe_time) json::SetValue(c, "lastProbeTime", Value(rapidjson::kNullType), a);
  if (with_update_time) json::SetString(c, "lastUpdateTime", now, a);
  json::SetString(c, "lastTransitionTime", now, a);
  if (!reason.empty()) json::SetString(c, "reason", reason, a);
  if (!message.empty()) json::SetString(c, "message", message, a);
  conditions.PushBack(c, a);
}

}  // namespace

std::string PodTemplateHash(std::string_view template_json) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : template_json) {
    hash ^= c;
    hash *= 16777619u;
  }
  std::string decimal = std::to_string(hash);
  std::string out;
  for (unsigned char c : decimal) out.push_back(kSafeAlphabet[c % kSafeAlphabet.size()]);
  return out;
}

struct WorkloadController::State {
  enum class Phase { kPending, kRunning, kReady };
  struct Pod {
    std::string namespace_name;
    std::string name;
    std::string owner;  // owner key
    int node = -1;      // index into nodes, -1 while unscheduled
    Phase phase = Phase::kPending;
    bool deleting = false;
    uint64_t seq = 0;  // creation order
    int ordinal = -1;  // StatefulSet pods
    std::vector<std::string> containers;
    std::string workload_namespace;
    std::string workload_name;
  };
  struct Owner {
    Kind kind = Kind::kReplicaSet;
    std::string namespace_name;
    std::string name;
    std::string uid;
    int32_t replicas = 1;
    int64_t generation = 1;
    std::string template_json;  // spec.template
    std::string deployment;     // controlling Deployment, if any
    std::set<std::string> pods;  // pod keys
    std::vector<std::pair<TimePoint, uint64_t>> create_timers;
  };
  struct Deployment {
    std::string namespace_name;
    std::string name;
    std::string uid;
    int32_t replicas = 1;
    int64_t generation = 1;
    std::string template_json;
    std::string selector_json;
    std::set<std::string> replicasets;  // owner keys
  };
  struct Node {
    std::string name;
    std::string address;
    int pods = 0;
  };
  enum class ActionType { kCreate, kStart, kReady, kDelete };
  struct Action {
    ActionType type;
    std::string target;  // owner key (kCreate) or pod key
    uint64_t pod_seq = 0;
  };
  struct Event {
    Kind kind;
    WatchEvent::Type type;
    StoredObject object;
  };

  State(ObjectStore& s, LoadModel* m, WorkloadControllerOptions o)
      : store(s), model(m), options(o), rng(o.seed) {}

  ObjectStore& store;
  LoadModel* model;
  const WorkloadControllerOptions options;

  // Watch deliveries (any thread) land here; Sync drains them. Separate from mu so that a store write made while
  // holding mu can deliver to us on the same thread.
  std::mutex events_mu;
  std::condition_variable wake;
  std::deque<Event> events;
  bool woken = false;
  bool stopping = false;
  std::vector<std::unique_ptr<WatchHandle>> watches;

  mutable std::mutex mu;
  std::mt19937_64 rng;
  uint64_t next_seq = 1;
  uint64_t next_timer = 1;
  std::map<std::pair<TimePoint, uint64_t>, Action> timers;
  std::unordered_map<std::string, Pod> pods;
  std::map<std::string, Owner> owners;
  std::map<std::string, Deployment> deployments;
  std::vector<Node> nodes;
  std::set<std::pair<int, int>> node_load;  // (pods, node index)
  std::deque<std::string> unscheduled;      // pod keys waiting for a node
  std::set<std::string> dirty_owners;
  std::set<std::string> dirty_deployments;
  std::set<std::string> status_owners;
  std::set<std::string> status_deployments;
  uint64_t pods_created = 0;
  uint64_t pods_deleted = 0;
  uint64_t pod_ip_counter = 0;

  void Push(Kind kind, const WatchEvent& event) {
    {
      std::lock_guard lock(events_mu);
      events.push_back({kind, event.type, event.object});
      woken = true;
    }
    wake.notify_one();
  }

  void Schedule(TimePoint at, Action action, std::pair<TimePoint, uint64_t>* key_out = nullptr) {
    auto key = std::make_pair(at, next_timer++);
    timers.emplace(key, std::move(action));
    if (key_out) *key_out = key;
  }

  std::string RandomSuffix() {
    std::string s;
    for (int i = 0; i < 5; ++i) s.push_back(kSafeAlphabet[rng() % kSafeAlphabet.size()]);
    return s;
  }

  // ---- events -------------------------------------------------------------------------------------------------

  void Apply(const Event& e, TimePoint now) {
    if (e.kind == Kind::kPod) return ApplyPod(e, now);
    if (e.type == WatchEvent::Type::kDeleted) return e.kind == Kind::kDeployment ? DeleteDeployment(e, now) : DeleteOwner(e, now);
    auto doc = json::Parse(e.object.json);
    if (!doc.ok()) return;
    const Value* tmpl = json::Find(*doc, {"spec", "template"});
    std::string template_json = tmpl ? json::Serialize(*tmpl) : "{}";
    int32_t replicas = static_cast<int32_t>(json::GetInt(*doc, {"spec", "replicas"}).value_or(1));
    int64_t generation = json::GetInt(*doc, {"metadata", "generation"}).value_or(1);
    std::string uid = json::GetString(*doc, {"metadata", "uid"});
    if (e.kind == Kind::kDeployment) {
      std::string key = OwnerKey(Kind::kDeployment, e.object.namespace_name, e.object.name);
      Deployment& d = deployments[key];
      d.namespace_name = e.object.namespace_name;
      d.name = e.object.name;
      d.uid = uid;
      d.replicas = replicas;
      d.generation = generation;
      d.template_json = template_json;
      const Value* selector = json::Find(*doc, {"spec", "selector"});
      d.selector_json = selector ? json::Serialize(*selector) : "{}";
      dirty_deployments.insert(key);
      return;
    }
    std::string key = OwnerKey(e.kind, e.object.namespace_name, e.object.name);
    Owner& o = owners[key];
    o.kind = e.kind;
    o.namespace_name = e.object.namespace_name;
    o.name = e.object.name;
    o.uid = uid;
    o.replicas = replicas;
    o.generation = generation;
    o.template_json = template_json;
    o.deployment.clear();
    if (const Value* refs = json::Find(*doc, {"metadata", "ownerReferences"}); refs && refs->IsArray()) {
      for (const auto& ref : refs->GetArray()) {
        const Value* controller = json::Find(ref, {"controller"});
        if (json::GetString(ref, {"kind"}) == "Deployment" && controller && controller->IsBool() &&
            controller->GetBool()) {
          o.deployment = json::GetString(ref, {"name"});
          std::string dkey = OwnerKey(Kind::kDeployment, o.namespace_name, o.deployment);
          deployments[dkey].replicasets.insert(key);
          status_deployments.insert(dkey);
        }
      }
    }
    dirty_owners.insert(key);
  }

  void ApplyPod(const Event& e, TimePoint now) {
    if (e.type != WatchEvent::Type::kDeleted) return;  // our own writes; bare pods are not managed
    std::string key = PodKey(e.object.namespace_name, e.object.name);
    auto it = pods.find(key);
    if (it == pods.end() || it->second.deleting) return;
    // Deleted by someone else: forget it, and let its owner replace it.
    ForgetPod(it->second, now);
  }

  void DeleteDeployment(const Event& e, TimePoint now) {
    std::string key = OwnerKey(Kind::kDeployment, e.object.namespace_name, e.object.name);
    auto it = deployments.find(key);
    if (it == deployments.end()) return;
    for (const std::string& rs : it->second.replicasets) {
      auto owner = owners.find(rs);
      if (owner != owners.end()) (void)store.Delete(KeyOf(Kind::kReplicaSet), owner->second.namespace_name, owner->second.name);
    }
    deployments.erase(it);
    dirty_deployments.erase(key);
    status_deployments.erase(key);
  }

  void DeleteOwner(const Event& e, TimePoint now) {
    std::string key = OwnerKey(e.kind, e.object.namespace_name, e.object.name);
    auto it = owners.find(key);
    if (it == owners.end()) return;
    Owner& o = it->second;
    for (const auto& timer : o.create_timers) timers.erase(timer);
    std::vector<std::string> pod_keys(o.pods.begin(), o.pods.end());
    for (const std::string& pk : pod_keys) {
      auto pod = pods.find(pk);
      if (pod == pods.end()) continue;
      pod->second.deleting = true;
      DeletePodNow(pod->second, now);
    }
    if (!o.deployment.empty()) {
      std::string dkey = OwnerKey(Kind::kDeployment, o.namespace_name, o.deployment);
      auto d = deployments.find(dkey);
      if (d != deployments.end()) {
        d->second.replicasets.erase(key);
        status_deployments.insert(dkey);
      }
    }
    owners.erase(it);
    dirty_owners.erase(key);
    status_owners.erase(key);
  }

  // ---- reconciliation -----------------------------------------------------------------------------------------

  void ReconcileDeployment(const std::string& key, TimePoint now) {
    auto it = deployments.find(key);
    if (it == deployments.end() || it->second.uid.empty()) return;
    Deployment& d = it->second;
    const std::string hash = PodTemplateHash(d.template_json);
    const std::string rs_name = d.name + "-" + hash;
    for (const std::string& rs : d.replicasets) {
      auto owner = owners.find(rs);
      if (owner == owners.end() || owner->second.name == rs_name || owner->second.replicas == 0) continue;
      SetReplicas(Kind::kReplicaSet, owner->second.namespace_name, owner->second.name, 0);
    }
    std::string rs_key = OwnerKey(Kind::kReplicaSet, d.namespace_name, rs_name);
    auto current = owners.find(rs_key);
    if (current == owners.end()) {
      auto json = ReplicaSetJson(d, rs_name, hash);
      auto created = store.Create(KeyOf(Kind::kReplicaSet), d.namespace_name, json);
      if (!created.ok() && created.error().code == common::ErrorCode::kAlreadyExists) {
        SetReplicas(Kind::kReplicaSet, d.namespace_name, rs_name, d.replicas);
      }
    } else if (current->second.replicas != d.replicas) {
      SetReplicas(Kind::kReplicaSet, d.namespace_name, rs_name, d.replicas);
    }
    status_deployments.insert(key);
  }

  void SetReplicas(Kind kind, const std::string& ns, const std::string& name, int32_t replicas) {
    (void)store.Mutate(KeyOf(kind), ns, name, [replicas](rapidjson::Document& doc) {
      json::SetInt(json::EnsureObject(doc, "spec", doc.GetAllocator()), "replicas", replicas, doc.GetAllocator());
      return common::Status::Ok();
    });
  }

  std::string ReplicaSetJson(const Deployment& d, const std::string& rs_name, const std::string& hash) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    auto tmpl = json::Parse(d.template_json);
    Value template_value(rapidjson::kObjectType);
    if (tmpl.ok() && tmpl->IsObject()) template_value.CopyFrom(*tmpl, a);
    Value& tmeta = json::EnsureObject(template_value, "metadata", a);
    json::SetString(json::EnsureObject(tmeta, "labels", a), "pod-template-hash", hash, a);
    json::SetString(doc, "apiVersion", "apps/v1", a);
    json::SetString(doc, "kind", "ReplicaSet", a);
    Value& meta = json::EnsureObject(doc, "metadata", a);
    json::SetString(meta, "name", rs_name, a);
    json::SetString(meta, "namespace", d.namespace_name, a);
    Value labels(rapidjson::kObjectType);
    labels.CopyFrom(*json::Find(tmeta, {"labels"}), a);
    json::SetValue(meta, "labels", std::move(labels), a);
    Value& annotations = json::EnsureObject(meta, "annotations", a);
    json::SetString(annotations, "deployment.kubernetes.io/desired-replicas", std::to_string(d.replicas), a);
    json::SetString(annotations, "deployment.kubernetes.io/max-replicas", std::to_string(d.replicas + (d.replicas + 3) / 4), a);
    json::SetString(annotations, "deployment.kubernetes.io/revision", std::to_string(d.replicasets.size() + 1), a);
    Value refs(rapidjson::kArrayType);
    refs.PushBack(OwnerReference(Kind::kDeployment, d.name, d.uid, a), a);
    json::SetValue(meta, "ownerReferences", std::move(refs), a);
    Value& spec = json::EnsureObject(doc, "spec", a);
    json::SetInt(spec, "replicas", d.replicas, a);
    Value selector(rapidjson::kObjectType);
    auto parsed_selector = json::Parse(d.selector_json);
    if (parsed_selector.ok() && parsed_selector->IsObject()) selector.CopyFrom(*parsed_selector, a);
    json::SetString(json::EnsureObject(selector, "matchLabels", a), "pod-template-hash", hash, a);
    json::SetValue(spec, "selector", std::move(selector), a);
    json::SetValue(spec, "template", std::move(template_value), a);
    return json::Serialize(doc);
  }

  static Value OwnerReference(Kind kind, const std::string& name, const std::string& uid, Allocator& a) {
    Value ref(rapidjson::kObjectType);
    json::SetString(ref, "apiVersion", ApiVersionOf(kind), a);
    json::SetString(ref, "kind", KindName(kind), a);
    json::SetString(ref, "name", name, a);
    json::SetString(ref, "uid", uid, a);
    ref.AddMember("controller", true, a);
    ref.AddMember("blockOwnerDeletion", true, a);
    return ref;
  }

  void ReconcileOwner(const std::string& key, TimePoint now) {
    auto it = owners.find(key);
    if (it == owners.end()) return;
    Owner& o = it->second;
    std::vector<Pod*> alive;
    for (const std::string& pk : o.pods) {
      auto p = pods.find(pk);
      if (p != pods.end() && !p->second.deleting) alive.push_back(&p->second);
    }
    int64_t have = static_cast<int64_t>(alive.size() + o.create_timers.size());
    int64_t want = std::max<int32_t>(0, o.replicas);
    for (; have < want; ++have) {
      std::pair<TimePoint, uint64_t> timer;
      Schedule(now + options.creation_delay, {ActionType::kCreate, key, 0}, &timer);
      o.create_timers.push_back(timer);
    }
    int64_t excess = have - want;
    // Creations not done yet go first, newest first.
    while (excess > 0 && !o.create_timers.empty()) {
      timers.erase(o.create_timers.back());
      o.create_timers.pop_back();
      --excess;
    }
    if (excess <= 0) return;
    // Then pods: unscheduled, then not-ready before ready, newest first (StatefulSets: highest ordinal first).
    std::sort(alive.begin(), alive.end(), [&o](const Pod* a, const Pod* b) {
      if (o.kind == Kind::kStatefulSet) return a->ordinal > b->ordinal;
      if ((a->node < 0) != (b->node < 0)) return a->node < 0;
      if (a->phase != b->phase) return a->phase < b->phase;
      return a->seq > b->seq;
    });
    for (int64_t i = 0; i < excess && i < static_cast<int64_t>(alive.size()); ++i) {
      alive[i]->deleting = true;
      Schedule(now + options.creation_delay, {ActionType::kDelete, PodKey(alive[i]->namespace_name, alive[i]->name),
                                             alive[i]->seq});
    }
    status_owners.insert(key);
  }

  // ---- pods ---------------------------------------------------------------------------------------------------

  int PickNode() {
    if (node_load.empty()) return -1;
    auto [count, index] = *node_load.begin();
    if (count >= options.max_pods_per_node) return -1;
    return index;
  }

  void AssignNode(Pod& pod, int index) {
    Node& n = nodes[index];
    node_load.erase({n.pods, index});
    ++n.pods;
    node_load.insert({n.pods, index});
    pod.node = index;
  }

  void ReleaseNode(Pod& pod) {
    if (pod.node < 0) return;
    Node& n = nodes[pod.node];
    node_load.erase({n.pods, pod.node});
    --n.pods;
    node_load.insert({n.pods, pod.node});
    pod.node = -1;
  }

  void CreatePod(const std::string& owner_key, std::pair<TimePoint, uint64_t> timer, TimePoint now) {
    auto it = owners.find(owner_key);
    if (it == owners.end()) return;
    Owner& o = it->second;
    o.create_timers.erase(std::remove(o.create_timers.begin(), o.create_timers.end(), timer), o.create_timers.end());
    auto tmpl = json::Parse(o.template_json);
    if (!tmpl.ok() || !tmpl->IsObject()) return;

    Pod pod;
    pod.namespace_name = o.namespace_name;
    pod.seq = next_seq++;
    if (o.kind == Kind::kStatefulSet) {
      std::set<int> used;
      for (const std::string& pk : o.pods) {
        auto p = pods.find(pk);
        if (p != pods.end()) used.insert(p->second.ordinal);
      }
      int ordinal = 0;
      while (used.count(ordinal)) ++ordinal;
      pod.ordinal = ordinal;
      pod.name = fmt::format("{}-{}", o.name, ordinal);
    } else {
      do {
        pod.name = o.name + "-" + RandomSuffix();
      } while (pods.count(PodKey(o.namespace_name, pod.name)));
    }
    pod.owner = owner_key;
    if (o.deployment.empty()) {
      pod.workload_namespace = o.namespace_name;
      pod.workload_name = o.name;
    } else {
      pod.workload_namespace = o.namespace_name;
      pod.workload_name = o.deployment;
    }
    if (const Value* containers = json::Find(*tmpl, {"spec", "containers"}); containers && containers->IsArray()) {
      for (const auto& c : containers->GetArray()) pod.containers.push_back(json::GetString(c, {"name"}, "app"));
    }
    if (pod.containers.empty()) pod.containers.push_back("app");
    int node = PickNode();
    if (node >= 0) AssignNode(pod, node);

    std::string body = PodJson(o, *tmpl, pod, now);
    auto created = store.Create(KeyOf(Kind::kPod), pod.namespace_name, body);
    if (!created.ok()) {
      ReleaseNode(pod);
      return;  // the next reconcile tries again
    }
    ++pods_created;
    std::string key = PodKey(pod.namespace_name, pod.name);
    o.pods.insert(key);
    status_owners.insert(owner_key);
    if (pod.node >= 0) {
      Schedule(now + options.start_delay, {ActionType::kStart, key, pod.seq});
    } else {
      unscheduled.push_back(key);
    }
    pods.emplace(key, std::move(pod));
  }

  std::string PodJson(const Owner& o, const rapidjson::Document& tmpl, const Pod& pod, TimePoint now) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    const std::string time = json::FormatTime(now);
    json::SetString(doc, "apiVersion", "v1", a);
    json::SetString(doc, "kind", "Pod", a);
    Value& meta = json::EnsureObject(doc, "metadata", a);
    json::SetString(meta, "name", pod.name, a);
    json::SetString(meta, "namespace", pod.namespace_name, a);
    if (o.kind != Kind::kStatefulSet) json::SetString(meta, "generateName", o.name + "-", a);
    if (const Value* labels = json::Find(tmpl, {"metadata", "labels"}); labels && labels->IsObject()) {
      Value copy;
      copy.CopyFrom(*labels, a);
      json::SetValue(meta, "labels", std::move(copy), a);
    }
    if (o.kind == Kind::kStatefulSet) {
      Value& labels = json::EnsureObject(meta, "labels", a);
      json::SetString(labels, "apps.kubernetes.io/pod-index", std::to_string(pod.ordinal), a);
      json::SetString(labels, "controller-revision-hash", o.name + "-" + PodTemplateHash(o.template_json), a);
      json::SetString(labels, "statefulset.kubernetes.io/pod-name", pod.name, a);
    }
    if (const Value* annotations = json::Find(tmpl, {"metadata", "annotations"}); annotations && annotations->IsObject()) {
      Value copy;
      copy.CopyFrom(*annotations, a);
      json::SetValue(meta, "annotations", std::move(copy), a);
    }
    Value refs(rapidjson::kArrayType);
    refs.PushBack(OwnerReference(o.kind, o.name, o.uid, a), a);
    json::SetValue(meta, "ownerReferences", std::move(refs), a);

    Value spec(rapidjson::kObjectType);
    if (const Value* tspec = json::Find(tmpl, {"spec"}); tspec && tspec->IsObject()) spec.CopyFrom(*tspec, a);
    if (!json::Find(spec, {"restartPolicy"})) json::SetString(spec, "restartPolicy", "Always", a);
    if (!json::Find(spec, {"schedulerName"})) json::SetString(spec, "schedulerName", "default-scheduler", a);
    if (!json::Find(spec, {"dnsPolicy"})) json::SetString(spec, "dnsPolicy", "ClusterFirst", a);
    if (!json::Find(spec, {"terminationGracePeriodSeconds"})) json::SetInt(spec, "terminationGracePeriodSeconds", 30, a);
    if (pod.node >= 0) json::SetString(spec, "nodeName", nodes[pod.node].name, a);
    json::SetValue(doc, "spec", std::move(spec), a);

    Value& status = json::EnsureObject(doc, "status", a);
    json::SetString(status, "phase", "Pending", a);
    Value conditions(rapidjson::kArrayType);
    if (pod.node >= 0) {
      SetCondition(conditions, a, "PodScheduled", "True", "", "", time, false, true);
    } else {
      SetCondition(conditions, a, "PodScheduled", "False", "Unschedulable",
                   fmt::format("0/{} nodes are available: {} Too many pods.", nodes.size(), nodes.size()), time, false,
                   true);
    }
    json::SetValue(status, "conditions", std::move(conditions), a);
    json::SetString(status, "qosClass", QosClass(json::Find(doc, {"spec", "containers"})), a);
    return json::Serialize(doc);
  }

  static std::string QosClass(const Value* containers) {
    if (containers == nullptr || !containers->IsArray()) return "BestEffort";
    bool any = false;
    bool guaranteed = true;
    for (const auto& c : containers->GetArray()) {
      const Value* requests = json::Find(c, {"resources", "requests"});
      const Value* limits = json::Find(c, {"resources", "limits"});
      bool has_requests = requests && requests->IsObject() && requests->MemberCount() > 0;
      bool has_limits = limits && limits->IsObject() && limits->MemberCount() > 0;
      any = any || has_requests || has_limits;
      for (const char* r : {"cpu", "memory"}) {
        std::string limit = limits ? json::GetString(*limits, {r}) : "";
        std::string request = requests ? json::GetString(*requests, {r}) : limit;
        if (limit.empty() || request != limit) guaranteed = false;
      }
    }
    if (!any) return "BestEffort";
    return guaranteed ? "Guaranteed" : "Burstable";
  }

  void TrySchedule(TimePoint now) {
    while (!unscheduled.empty()) {
      auto it = pods.find(unscheduled.front());
      if (it == pods.end() || it->second.deleting || it->second.node >= 0) {
        unscheduled.pop_front();
        continue;
      }
      int node = PickNode();
      if (node < 0) return;
      Pod& pod = it->second;
      AssignNode(pod, node);
      const std::string time = json::FormatTime(now);
      const std::string node_name = nodes[node].name;
      (void)store.Mutate(KeyOf(Kind::kPod), pod.namespace_name, pod.name, [&](rapidjson::Document& doc) {
        auto& a = doc.GetAllocator();
        json::SetString(json::EnsureObject(doc, "spec", a), "nodeName", node_name, a);
        Value& status = json::EnsureObject(doc, "status", a);
        Value* conditions = json::FindMutable(status, {"conditions"});
        if (conditions == nullptr) {
          json::SetValue(status, "conditions", Value(rapidjson::kArrayType), a);
          conditions = json::FindMutable(status, {"conditions"});
        }
        SetCondition(*conditions, a, "PodScheduled", "True", "", "", time, false, true);
        return common::Status::Ok();
      });
      Schedule(now + options.start_delay, {ActionType::kStart, unscheduled.front(), pod.seq});
      unscheduled.pop_front();
    }
  }

  Pod* FindPod(const Action& action) {
    auto it = pods.find(action.target);
    if (it == pods.end() || it->second.seq != action.pod_seq || it->second.deleting) return nullptr;
    return &it->second;
  }

  std::string PodIp() {
    uint64_t n = pod_ip_counter++;
    return fmt::format("10.{}.{}.{}", 64 + (n >> 16) % 128, (n >> 8) & 255, n & 255);
  }

  void StartPod(Pod& pod, TimePoint now) {
    const std::string time = json::FormatTime(now);
    const std::string host_ip = nodes[pod.node].address;
    const std::string pod_ip = PodIp();
    std::string containers_list;
    for (const std::string& c : pod.containers) containers_list += (containers_list.empty() ? "" : " ") + c;
    const std::string not_ready = fmt::format("containers with unready status: [{}]", containers_list);
    auto mutated = store.Mutate(KeyOf(Kind::kPod), pod.namespace_name, pod.name, [&](rapidjson::Document& doc) {
      auto& a = doc.GetAllocator();
      Value& status = json::EnsureObject(doc, "status", a);
      json::SetString(status, "phase", "Running", a);
      json::SetString(status, "hostIP", host_ip, a);
      Value host_ips(rapidjson::kArrayType);
      Value host_entry(rapidjson::kObjectType);
      json::SetString(host_entry, "ip", host_ip, a);
      host_ips.PushBack(host_entry, a);
      json::SetValue(status, "hostIPs", std::move(host_ips), a);
      json::SetString(status, "podIP", pod_ip, a);
      Value pod_ips(rapidjson::kArrayType);
      Value pod_entry(rapidjson::kObjectType);
      json::SetString(pod_entry, "ip", pod_ip, a);
      pod_ips.PushBack(pod_entry, a);
      json::SetValue(status, "podIPs", std::move(pod_ips), a);
      json::SetString(status, "startTime", time, a);
      Value* conditions = json::FindMutable(status, {"conditions"});
      if (conditions == nullptr) {
        json::SetValue(status, "conditions", Value(rapidjson::kArrayType), a);
        conditions = json::FindMutable(status, {"conditions"});
      }
      SetCondition(*conditions, a, "PodReadyToStartContainers", "True", "", "", time, false, true);
      SetCondition(*conditions, a, "Initialized", "True", "", "", time, false, true);
      SetCondition(*conditions, a, "Ready", "False", "ContainersNotReady", not_ready, time, false, true);
      SetCondition(*conditions, a, "ContainersReady", "False", "ContainersNotReady", not_ready, time, false, true);
      Value statuses(rapidjson::kArrayType);
      const Value* spec_containers = json::Find(doc, {"spec", "containers"});
      for (std::size_t i = 0; i < pod.containers.size(); ++i) {
        Value cs(rapidjson::kObjectType);
        json::SetString(cs, "name", pod.containers[i], a);
        std::string image = "registry.k8s.io/pause:3.10";
        if (spec_containers && spec_containers->IsArray() && i < spec_containers->Size()) {
          image = json::GetString((*spec_containers)[static_cast<rapidjson::SizeType>(i)], {"image"}, image);
        }
        json::SetString(cs, "image", image, a);
        json::SetString(cs, "imageID", "", a);
        json::SetString(cs, "containerID", fmt::format("containerd://{:016x}{:016x}", rng(), rng()), a);
        cs.AddMember("ready", false, a);
        json::SetInt(cs, "restartCount", 0, a);
        cs.AddMember("started", true, a);
        Value state(rapidjson::kObjectType);
        json::SetString(json::EnsureObject(state, "running", a), "startedAt", time, a);
        json::SetValue(cs, "state", std::move(state), a);
        json::SetValue(cs, "lastState", Value(rapidjson::kObjectType), a);
        statuses.PushBack(cs, a);
      }
      json::SetValue(status, "containerStatuses", std::move(statuses), a);
      return common::Status::Ok();
    });
    if (!mutated.ok()) return;
    pod.phase = Phase::kRunning;
    if (model) {
      (void)model->StartPod({pod.namespace_name, pod.name, nodes[pod.node].name, pod.workload_namespace,
                             pod.workload_name, pod.containers, now});
    }
    Schedule(now + options.readiness_delay, {ActionType::kReady, PodKey(pod.namespace_name, pod.name), pod.seq});
    status_owners.insert(pod.owner);
  }

  void MakeReady(Pod& pod, TimePoint now) {
    const std::string time = json::FormatTime(now);
    auto mutated = store.Mutate(KeyOf(Kind::kPod), pod.namespace_name, pod.name, [&](rapidjson::Document& doc) {
      auto& a = doc.GetAllocator();
      Value& status = json::EnsureObject(doc, "status", a);
      Value* conditions = json::FindMutable(status, {"conditions"});
      if (conditions == nullptr) {
        json::SetValue(status, "conditions", Value(rapidjson::kArrayType), a);
        conditions = json::FindMutable(status, {"conditions"});
      }
      SetCondition(*conditions, a, "Ready", "True", "", "", time, false, true);
      SetCondition(*conditions, a, "ContainersReady", "True", "", "", time, false, true);
      if (Value* statuses = json::FindMutable(status, {"containerStatuses"}); statuses && statuses->IsArray()) {
        for (auto& cs : statuses->GetArray()) {
          if (auto ready = cs.FindMember("ready"); ready != cs.MemberEnd()) ready->value.SetBool(true);
        }
      }
      return common::Status::Ok();
    });
    if (!mutated.ok()) return;
    pod.phase = Phase::kReady;
    if (model) (void)model->SetPodReady(pod.namespace_name, pod.name, true, now);
    status_owners.insert(pod.owner);
  }

  // Deletes a pod from the store now (its record goes with it).
  void DeletePodNow(Pod& pod, TimePoint now) {
    (void)store.Delete(KeyOf(Kind::kPod), pod.namespace_name, pod.name);
    ++pods_deleted;
    ForgetPod(pod, now);
  }

  void ForgetPod(Pod& pod, TimePoint now) {
    if (model && pod.phase != Phase::kPending) (void)model->RemovePod(pod.namespace_name, pod.name, now);
    ReleaseNode(pod);
    std::string key = PodKey(pod.namespace_name, pod.name);
    auto owner = owners.find(pod.owner);
    if (owner != owners.end()) {
      owner->second.pods.erase(key);
      dirty_owners.insert(pod.owner);
      status_owners.insert(pod.owner);
    }
    pods.erase(key);
  }

  void Execute(std::pair<TimePoint, uint64_t> key, const Action& action, TimePoint now) {
    switch (action.type) {
      case ActionType::kCreate:
        CreatePod(action.target, key, now);
        break;
      case ActionType::kStart:
        if (Pod* pod = FindPod(action); pod && pod->node >= 0) StartPod(*pod, now);
        break;
      case ActionType::kReady:
        if (Pod* pod = FindPod(action)) MakeReady(*pod, now);
        break;
      case ActionType::kDelete: {
        auto it = pods.find(action.target);
        if (it != pods.end() && it->second.seq == action.pod_seq) DeletePodNow(it->second, now);
        break;
      }
    }
  }

  // ---- status -------------------------------------------------------------------------------------------------

  struct Counts {
    int32_t replicas = 0;
    int32_t ready = 0;
  };

  Counts CountPods(const Owner& o) const {
    Counts c;
    for (const std::string& pk : o.pods) {
      auto p = pods.find(pk);
      if (p == pods.end() || p->second.deleting) continue;
      ++c.replicas;
      if (p->second.phase == Phase::kReady) ++c.ready;
    }
    return c;
  }

  void WriteOwnerStatus(const std::string& key, TimePoint now) {
    auto it = owners.find(key);
    if (it == owners.end()) return;
    const Owner& o = it->second;
    Counts c = CountPods(o);
    const std::string revision = o.name + "-" + PodTemplateHash(o.template_json);
    (void)store.Mutate(KeyOf(o.kind), o.namespace_name, o.name, [&](rapidjson::Document& doc) {
      auto& a = doc.GetAllocator();
      Value status(rapidjson::kObjectType);
      json::SetInt(status, "replicas", c.replicas, a);
      if (o.kind != Kind::kStatefulSet && c.replicas > 0) json::SetInt(status, "fullyLabeledReplicas", c.replicas, a);
      if (c.ready > 0) {
        json::SetInt(status, "readyReplicas", c.ready, a);
        json::SetInt(status, "availableReplicas", c.ready, a);
      }
      if (o.kind == Kind::kStatefulSet) {
        if (c.replicas > 0) {
          json::SetInt(status, "currentReplicas", c.replicas, a);
          json::SetInt(status, "updatedReplicas", c.replicas, a);
        }
        json::SetString(status, "currentRevision", revision, a);
        json::SetString(status, "updateRevision", revision, a);
        json::SetInt(status, "collisionCount", 0, a);
      }
      json::SetInt(status, "observedGeneration", o.generation, a);
      json::SetValue(doc, "status", std::move(status), a);
      return common::Status::Ok();
    });
    if (!o.deployment.empty()) status_deployments.insert(OwnerKey(Kind::kDeployment, o.namespace_name, o.deployment));
  }

  void WriteDeploymentStatus(const std::string& key, TimePoint now) {
    auto it = deployments.find(key);
    if (it == deployments.end() || it->second.uid.empty()) return;
    const Deployment& d = it->second;
    const std::string current_rs = d.name + "-" + PodTemplateHash(d.template_json);
    Counts total;
    int32_t updated = 0;
    for (const std::string& rs : d.replicasets) {
      auto owner = owners.find(rs);
      if (owner == owners.end()) continue;
      Counts c = CountPods(owner->second);
      total.replicas += c.replicas;
      total.ready += c.ready;
      if (owner->second.name == current_rs) updated = c.replicas;
    }
    const std::string time = json::FormatTime(now);
    const int32_t max_unavailable = d.replicas / 4;  // 25%, rounded down as upstream does
    const bool available = total.ready >= d.replicas - max_unavailable;
    const bool complete = updated == d.replicas && total.replicas == d.replicas && total.ready == d.replicas;
    (void)store.Mutate(KeyOf(Kind::kDeployment), d.namespace_name, d.name, [&](rapidjson::Document& doc) {
      auto& a = doc.GetAllocator();
      Value status(rapidjson::kObjectType);
      json::SetInt(status, "observedGeneration", d.generation, a);
      if (total.replicas > 0) json::SetInt(status, "replicas", total.replicas, a);
      if (updated > 0) json::SetInt(status, "updatedReplicas", updated, a);
      if (total.ready > 0) {
        json::SetInt(status, "readyReplicas", total.ready, a);
        json::SetInt(status, "availableReplicas", total.ready, a);
      }
      if (d.replicas - total.ready > 0) json::SetInt(status, "unavailableReplicas", d.replicas - total.ready, a);
      Value conditions(rapidjson::kArrayType);
      if (const Value* old = json::Find(doc, {"status", "conditions"}); old && old->IsArray()) conditions.CopyFrom(*old, a);
      SetCondition(conditions, a, "Available", available ? "True" : "False",
                   available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                   available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                   time, true);
      SetCondition(conditions, a, "Progressing", "True", complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                   complete ? fmt::format("ReplicaSet \"{}\" has successfully progressed.", current_rs)
                            : fmt::format("ReplicaSet \"{}\" is progressing.", current_rs),
                   time, true);
      json::SetValue(status, "conditions", std::move(conditions), a);
      json::SetValue(doc, "status", std::move(status), a);
      return common::Status::Ok();
    });
  }

  // ---- the loop -----------------------------------------------------------------------------------------------

  std::optional<TimePoint> Sync(TimePoint now) {
    std::lock_guard lock(mu);
    for (int round = 0; round < 10000; ++round) {
      bool progress = false;
      // Each action happens at its own due time, so chained delays add up exactly however often Sync runs.
      while (!timers.empty() && timers.begin()->first.first <= now) {
        auto node = timers.extract(timers.begin());
        Execute(node.key(), node.mapped(), node.key().first);
        progress = true;
      }
      std::deque<Event> batch;
      {
        std::lock_guard events_lock(events_mu);
        batch.swap(events);
        woken = false;
      }
      for (const Event& e : batch) Apply(e, now);
      progress = progress || !batch.empty();
      TrySchedule(now);
      while (!dirty_deployments.empty() || !dirty_owners.empty()) {
        progress = true;
        auto deployments_now = std::move(dirty_deployments);
        dirty_deployments.clear();
        for (const std::string& key : deployments_now) ReconcileDeployment(key, now);
        auto owners_now = std::move(dirty_owners);
        dirty_owners.clear();
        for (const std::string& key : owners_now) {
          ReconcileOwner(key, now);
          status_owners.insert(key);
        }
      }
      // Status last, once per round, so a burst of pod transitions costs one write per workload.
      auto owner_statuses = std::move(status_owners);
      status_owners.clear();
      for (const std::string& key : owner_statuses) WriteOwnerStatus(key, now);
      auto deployment_statuses = std::move(status_deployments);
      status_deployments.clear();
      for (const std::string& key : deployment_statuses) WriteDeploymentStatus(key, now);
      progress = progress || !owner_statuses.empty() || !deployment_statuses.empty();
      if (!progress) break;
      // Status writes echo back as events; one more round consumes them (they change nothing).
      std::lock_guard events_lock(events_mu);
      if (events.empty() && (timers.empty() || timers.begin()->first.first > now) && status_owners.empty() &&
          status_deployments.empty()) {
        break;
      }
    }
    if (timers.empty()) return std::nullopt;
    return timers.begin()->first.first;
  }
};

WorkloadController::WorkloadController(ObjectStore& store, LoadModel* model, WorkloadControllerOptions options)
    : state_(std::make_unique<State>(store, model, options)) {}

WorkloadController::~WorkloadController() {
  Stop();
  state_->watches.clear();
}

common::Status WorkloadController::Start() {
  for (Kind kind : {Kind::kDeployment, Kind::kReplicaSet, Kind::kStatefulSet, Kind::kReplicationController, Kind::kPod}) {
    State* state = state_.get();
    auto watch = state->store.Watch(KeyOf(kind), "", 0, [state, kind](const WatchEvent& e) { state->Push(kind, e); });
    if (!watch.ok()) return watch.error();
    state_->watches.push_back(std::move(watch).value());
  }
  return common::Status::Ok();
}

void WorkloadController::AddNode(const std::string& name, const std::string& address) {
  std::lock_guard lock(state_->mu);
  for (const State::Node& n : state_->nodes) {
    if (n.name == name) return;
  }
  int index = static_cast<int>(state_->nodes.size());
  state_->nodes.push_back({name, address, 0});
  state_->node_load.insert({0, index});
}

std::optional<TimePoint> WorkloadController::Sync(TimePoint now) { return state_->Sync(now); }

void WorkloadController::RunInBackground(std::function<TimePoint()> clock) {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(state_->events_mu);
    state_->stopping = false;
  }
  thread_ = std::thread([this, clock = std::move(clock)] {
    State& s = *state_;
    while (true) {
      std::optional<TimePoint> next = s.Sync(clock());
      std::unique_lock lock(s.events_mu);
      if (s.stopping) return;
      // Wake for the next due action, a store change, or at least every 200 ms (the clock may jump).
      auto wait = std::chrono::milliseconds(200);
      if (next) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock());
        wait = std::clamp(until + std::chrono::milliseconds(1), std::chrono::milliseconds(0), wait);
      }
      s.wake.wait_for(lock, wait, [&s] { return s.stopping || s.woken; });
      if (s.stopping) return;
    }
  });
}

void WorkloadController::Stop() {
  {
    std::lock_guard lock(state_->events_mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  if (thread_.joinable()) thread_.join();
}

WorkloadController::Stats WorkloadController::stats() const {
  std::lock_guard lock(state_->mu);
  Stats s;
  s.pods_created = state_->pods_created;
  s.pods_deleted = state_->pods_deleted;
  s.pods = state_->pods.size();
  s.unscheduled = state_->unscheduled.size();
  s.pending_timers = state_->timers.size();
  return s;
}

}  // namespace sandbox
