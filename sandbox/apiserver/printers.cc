#include "sandbox/apiserver/printers.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <variant>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "sandbox/apiserver/json_util.h"
#include "sandbox/apiserver/selectors.h"

namespace sandbox {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Cell = std::variant<std::string, int64_t>;

struct Column {
  const char* name;
  const char* type;  // "string" | "integer"
  const char* format;
  int priority;
};

struct Printer {
  std::vector<Column> columns;
  std::function<std::vector<Cell>(const rapidjson::Value&, std::chrono::system_clock::time_point)> cells;
};

std::string Str(const rapidjson::Value& o, std::initializer_list<std::string_view> path, std::string fallback = "") {
  return json::GetString(o, path, std::move(fallback));
}
int64_t Int(const rapidjson::Value& o, std::initializer_list<std::string_view> path) {
  return json::GetInt(o, path).value_or(0);
}

std::string Age(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  auto created = json::ParseTime(Str(o, {"metadata", "creationTimestamp"}));
  if (!created) return "<unknown>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *created));
}

std::string OrNone(std::string s) { return s.empty() ? "<none>" : s; }

// metav1.FormatLabelSelector: "<error>" for an invalid selector, "<none>" for one that selects everything.
std::string FormatSelector(const rapidjson::Value* selector) {
  auto text = SelectorString(selector);
  return text.ok() ? OrNone(std::move(*text)) : "<error>";
}

// Comma-joined container names and images of a pod template.
std::pair<std::string, std::string> ContainersAndImages(const rapidjson::Value& o) {
  std::string names, images;
  const rapidjson::Value* containers = json::Find(o, {"spec", "template", "spec", "containers"});
  if (containers != nullptr && containers->IsArray()) {
    for (const auto& c : containers->GetArray()) {
      names += (names.empty() ? "" : ",") + Str(c, {"name"});
      images += (images.empty() ? "" : ",") + Str(c, {"image"});
    }
  }
  return {names, images};
}

std::vector<Cell> PodCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  std::string reason = Str(o, {"status", "phase"});
  if (!Str(o, {"status", "reason"}).empty()) reason = Str(o, {"status", "reason"});
  int64_t total = 0, ready = 0, restarts = 0;
  if (const auto* cs = json::Find(o, {"spec", "containers"}); cs != nullptr && cs->IsArray()) total = cs->Size();
  bool has_running = false;
  if (const auto* statuses = json::Find(o, {"status", "containerStatuses"});
      statuses != nullptr && statuses->IsArray()) {
    for (rapidjson::SizeType i = statuses->Size(); i-- > 0;) {
      const auto& s = (*statuses)[i];
      restarts += Int(s, {"restartCount"});
      std::string waiting = Str(s, {"state", "waiting", "reason"});
      std::string terminated = Str(s, {"state", "terminated", "reason"});
      if (!waiting.empty()) {
        reason = waiting;
      } else if (!terminated.empty()) {
        reason = terminated;
      } else if (json::Find(s, {"state", "terminated"}) != nullptr) {
        reason = "ExitCode:" + std::to_string(Int(s, {"state", "terminated", "exitCode"}));
      } else if (json::Find(s, {"ready"}) != nullptr && json::Find(s, {"ready"})->IsTrue() &&
                 json::Find(s, {"state", "running"}) != nullptr) {
        has_running = true;
        ++ready;
      }
    }
  }
  if (reason == "Completed" && has_running) reason = "Running";
  if (json::Find(o, {"metadata", "deletionTimestamp"}) != nullptr) reason = "Terminating";
  std::string gates = "<none>";
  return {Str(o, {"metadata", "name"}),
          std::to_string(ready) + "/" + std::to_string(total),
          reason,
          std::to_string(restarts),
          Age(o, now),
          OrNone(Str(o, {"status", "podIP"})),
          OrNone(Str(o, {"spec", "nodeName"})),
          OrNone(Str(o, {"status", "nominatedNodeName"})),
          gates};
}

std::string NodeAddress(const rapidjson::Value& o, std::string_view type) {
  if (const auto* addrs = json::Find(o, {"status", "addresses"}); addrs != nullptr && addrs->IsArray()) {
    for (const auto& a : addrs->GetArray()) {
      if (Str(a, {"type"}) == type) return Str(a, {"address"});
    }
  }
  return "<none>";
}

std::vector<Cell> NodeCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  std::string status = "Unknown";
  if (const auto* conds = json::Find(o, {"status", "conditions"}); conds != nullptr && conds->IsArray()) {
    for (const auto& c : conds->GetArray()) {
      if (Str(c, {"type"}) == "Ready") status = Str(c, {"status"}) == "True" ? "Ready" : "NotReady";
    }
  }
  if (const auto* u = json::Find(o, {"spec", "unschedulable"}); u != nullptr && u->IsTrue()) {
    status += ",SchedulingDisabled";
  }
  std::vector<std::string> roles;
  for (const auto& [key, value] : json::StringMap(json::Find(o, {"metadata", "labels"}))) {
    static constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
    if (key.rfind(kPrefix, 0) == 0 && key.size() > kPrefix.size()) roles.push_back(key.substr(kPrefix.size()));
    if (key == "kubernetes.io/role" && !value.empty()) roles.push_back(value);
  }
  std::sort(roles.begin(), roles.end());
  std::string joined;
  for (const auto& r : roles) joined += (joined.empty() ? "" : ",") + r;
  return {Str(o, {"metadata", "name"}),
          status,
          OrNone(joined),
          Age(o, now),
          Str(o, {"status", "nodeInfo", "kubeletVersion"}),
          NodeAddress(o, "InternalIP"),
          NodeAddress(o, "ExternalIP"),
          OrNone(Str(o, {"status", "nodeInfo", "osImage"})),
          OrNone(Str(o, {"status", "nodeInfo", "kernelVersion"})),
          OrNone(Str(o, {"status", "nodeInfo", "containerRuntimeVersion"}))};
}

std::string ReadyOf(const rapidjson::Value& o) {
  return std::to_string(Int(o, {"status", "readyReplicas"})) + "/" + std::to_string(Int(o, {"spec", "replicas"}));
}

std::vector<Cell> DeploymentCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  auto [names, images] = ContainersAndImages(o);
  return {Str(o, {"metadata", "name"}),       ReadyOf(o), Int(o, {"status", "updatedReplicas"}),
          Int(o, {"status", "availableReplicas"}), Age(o, now), names, images,
          FormatSelector(json::Find(o, {"spec", "selector"}))};
}

std::vector<Cell> ReplicaSetCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  auto [names, images] = ContainersAndImages(o);
  return {Str(o, {"metadata", "name"}), Int(o, {"spec", "replicas"}), Int(o, {"status", "replicas"}),
          Int(o, {"status", "readyReplicas"}), Age(o, now), names, images,
          FormatSelector(json::Find(o, {"spec", "selector"}))};
}

std::vector<Cell> StatefulSetCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  auto [names, images] = ContainersAndImages(o);
  return {Str(o, {"metadata", "name"}), ReadyOf(o), Age(o, now), names, images};
}

std::vector<Cell> HpaCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  std::string reference = Str(o, {"spec", "scaleTargetRef", "kind"}) + "/" + Str(o, {"spec", "scaleTargetRef", "name"});
  auto min = json::GetInt(o, {"spec", "minReplicas"});
  return {Str(o, {"metadata", "name"}),
          reference,
          HpaTargets(o),
          min ? std::to_string(*min) : std::string("<unset>"),
          Int(o, {"spec", "maxReplicas"}),
          Int(o, {"status", "currentReplicas"}),
          Age(o, now)};
}

std::vector<Cell> NamespaceCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  return {Str(o, {"metadata", "name"}), Str(o, {"status", "phase"}, "Active"), Age(o, now)};
}

std::vector<Cell> ConfigMapCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  int64_t count = 0;
  for (const char* field : {"data", "binaryData"}) {
    if (const auto* d = json::Find(o, {field}); d != nullptr && d->IsObject()) count += d->MemberCount();
  }
  return {Str(o, {"metadata", "name"}), count, Age(o, now)};
}

std::vector<Cell> EventCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  std::string last = Str(o, {"lastTimestamp"});
  if (last.empty()) last = Str(o, {"eventTime"});
  if (last.empty()) last = Str(o, {"metadata", "creationTimestamp"});
  auto when = json::ParseTime(last);
  std::string kind = Str(o, {"involvedObject", "kind"});
  std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return std::tolower(c); });
  return {when ? HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *when)) : "<unknown>",
          Str(o, {"type"}), Str(o, {"reason"}), kind + "/" + Str(o, {"involvedObject", "name"}),
          Str(o, {"message"})};
}

std::vector<Cell> LeaseCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  return {Str(o, {"metadata", "name"}), Str(o, {"spec", "holderIdentity"}), Age(o, now)};
}

std::vector<Cell> ApiServiceCells(const rapidjson::Value& o, std::chrono::system_clock::time_point now) {
  std::string service = "Local";
  if (json::Find(o, {"spec", "service"}) != nullptr) {
    service = Str(o, {"spec", "service", "namespace"}) + "/" + Str(o, {"spec", "service", "name"});
  }
  std::string available = "Unknown";
  if (const auto* conds = json::Find(o, {"status", "conditions"}); conds != nullptr && conds->IsArray()) {
    for (const auto& c : conds->GetArray()) {
      if (Str(c, {"type"}) != "Available") continue;
      available = Str(c, {"status"});
      if (available != "True") available += " (" + Str(c, {"reason"}) + ")";
    }
  }
  return {Str(o, {"metadata", "name"}), service, available, Age(o, now)};
}

std::vector<Cell> DefaultCells(const rapidjson::Value& o, std::chrono::system_clock::time_point) {
  return {Str(o, {"metadata", "name"}), Str(o, {"metadata", "creationTimestamp"})};
}

Printer PrinterFor(std::string_view group, std::string_view resource) {
  const Column name{"Name", "string", "name", 0};
  const Column age{"Age", "string", "", 0};
  if (group.empty() && resource == "pods") {
    return {{name, {"Ready", "string", "", 0}, {"Status", "string", "", 0}, {"Restarts", "string", "", 0}, age,
             {"IP", "string", "", 1}, {"Node", "string", "", 1}, {"Nominated Node", "string", "", 1},
             {"Readiness Gates", "string", "", 1}},
            PodCells};
  }
  if (group.empty() && resource == "nodes") {
    return {{name, {"Status", "string", "", 0}, {"Roles", "string", "", 0}, age, {"Version", "string", "", 0},
             {"Internal-IP", "string", "", 1}, {"External-IP", "string", "", 1}, {"OS-Image", "string", "", 1},
             {"Kernel-Version", "string", "", 1}, {"Container-Runtime", "string", "", 1}},
            NodeCells};
  }
  if (group == "apps" && resource == "deployments") {
    return {{name, {"Ready", "string", "", 0}, {"Up-to-date", "integer", "", 0}, {"Available", "integer", "", 0},
             age, {"Containers", "string", "", 1}, {"Images", "string", "", 1}, {"Selector", "string", "", 1}},
            DeploymentCells};
  }
  if ((group == "apps" && resource == "replicasets") || (group.empty() && resource == "replicationcontrollers")) {
    return {{name, {"Desired", "integer", "", 0}, {"Current", "integer", "", 0}, {"Ready", "integer", "", 0}, age,
             {"Containers", "string", "", 1}, {"Images", "string", "", 1}, {"Selector", "string", "", 1}},
            ReplicaSetCells};
  }
  if (group == "apps" && resource == "statefulsets") {
    return {{name, {"Ready", "string", "", 0}, age, {"Containers", "string", "", 1}, {"Images", "string", "", 1}},
            StatefulSetCells};
  }
  if (group == "autoscaling" && resource == "horizontalpodautoscalers") {
    return {{name, {"Reference", "string", "", 0}, {"Targets", "string", "", 0}, {"MinPods", "string", "", 0},
             {"MaxPods", "integer", "", 0}, {"Replicas", "integer", "", 0}, age},
            HpaCells};
  }
  if (group.empty() && resource == "namespaces") return {{name, {"Status", "string", "", 0}, age}, NamespaceCells};
  if (group.empty() && resource == "configmaps") return {{name, {"Data", "integer", "", 0}, age}, ConfigMapCells};
  if (group.empty() && resource == "events") {
    return {{{"Last Seen", "string", "", 0}, {"Type", "string", "", 0}, {"Reason", "string", "", 0},
             {"Object", "string", "", 0}, {"Message", "string", "", 0}},
            EventCells};
  }
  if (group == "coordination.k8s.io" && resource == "leases") {
    return {{name, {"Holder", "string", "", 0}, age}, LeaseCells};
  }
  if (group == "apiregistration.k8s.io" && resource == "apiservices") {
    return {{name, {"Service", "string", "", 0}, {"Available", "string", "", 0}, age}, ApiServiceCells};
  }
  return {{name, {"Created At", "date", "", 0}}, DefaultCells};
}

void WriteString(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

}  // namespace

std::string HumanDuration(std::chrono::seconds d) {
  int64_t seconds = d.count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::string HpaTargets(const rapidjson::Value& hpa) {
  const rapidjson::Value* specs = json::Find(hpa, {"spec", "metrics"});
  if (specs == nullptr || !specs->IsArray() || specs->Empty()) return "<none>";
  const rapidjson::Value* statuses = json::Find(hpa, {"status", "currentMetrics"});
  auto status_at = [&](rapidjson::SizeType i, const char* member) -> const rapidjson::Value* {
    if (statuses == nullptr || !statuses->IsArray() || i >= statuses->Size()) return nullptr;
    return json::Find((*statuses)[i], {member});
  };
  std::vector<std::string> list;
  for (rapidjson::SizeType i = 0; i < specs->Size(); ++i) {
    const auto& spec = (*specs)[i];
    std::string type = Str(spec, {"type"});
    std::string current = "<unknown>";
    if (type == "Resource" || type == "ContainerResource") {
      const char* member = type == "Resource" ? "resource" : "containerResource";
      std::string name = Str(spec, {member, "name"});
      const rapidjson::Value* st = status_at(i, member);
      if (!Str(spec, {member, "target", "averageValue"}).empty()) {
        if (st != nullptr) current = Str(*st, {"current", "averageValue"}, current);
        list.push_back(name + ": " + current + "/" + Str(spec, {member, "target", "averageValue"}));
      } else {
        if (st != nullptr) {
          if (auto u = json::GetInt(*st, {"current", "averageUtilization"})) current = std::to_string(*u) + "%";
        }
        std::string target = "<auto>";
        if (auto u = json::GetInt(spec, {member, "target", "averageUtilization"})) target = std::to_string(*u) + "%";
        list.push_back(name + ": " + current + "/" + target);
      }
    } else if (type == "Pods") {
      if (const auto* st = status_at(i, "pods")) current = Str(*st, {"current", "averageValue"}, current);
      list.push_back(current + "/" + Str(spec, {"pods", "target", "averageValue"}));
    } else if (type == "Object" || type == "External") {
      const char* member = type == "Object" ? "object" : "external";
      const rapidjson::Value* st = status_at(i, member);
      std::string value = Str(spec, {member, "target", "value"});
      if (!value.empty()) {
        if (st != nullptr) current = Str(*st, {"current", "value"}, current);
        list.push_back(current + "/" + value);
      } else {
        if (st != nullptr) current = Str(*st, {"current", "averageValue"}, current);
        list.push_back(current + "/" + Str(spec, {member, "target", "averageValue"}) + " (avg)");
      }
    } else {
      list.push_back("<unknown type>");
    }
  }
  constexpr size_t kMax = 2;
  std::string out;
  for (size_t i = 0; i < list.size() && i < kMax; ++i) out += (i == 0 ? "" : ", ") + list[i];
  if (list.size() > kMax) out += " + " + std::to_string(list.size() - kMax) + " more...";
  return out;
}

std::string RenderTable(std::string_view group, std::string_view resource,
                        const std::vector<const rapidjson::Value*>& objects, const TableOptions& options) {
  Printer printer = PrinterFor(group, resource);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("kind");
  w.String("Table");
  w.Key("apiVersion");
  w.String("meta.k8s.io/v1");
  w.Key("metadata");
  w.StartObject();
  if (!options.resource_version.empty()) {
    w.Key("resourceVersion");
    WriteString(w, options.resource_version);
  }
  if (!options.continue_token.empty()) {
    w.Key("continue");
    WriteString(w, options.continue_token);
  }
  w.EndObject();
  if (options.include_column_definitions) {
    w.Key("columnDefinitions");
    w.StartArray();
    for (const auto& c : printer.columns) {
      w.StartObject();
      w.Key("name");
      w.String(c.name);
      w.Key("type");
      w.String(c.type);
      w.Key("format");
      w.String(c.format);
      w.Key("description");
      w.String(c.name);
      w.Key("priority");
      w.Int(c.priority);
      w.EndObject();
    }
    w.EndArray();
  }
  w.Key("rows");
  w.StartArray();
  for (const rapidjson::Value* o : objects) {
    w.StartObject();
    w.Key("cells");
    w.StartArray();
    for (const auto& cell : printer.cells(*o, options.now)) {
      if (const auto* s = std::get_if<std::string>(&cell)) {
        WriteString(w, *s);
      } else {
        w.Int64(std::get<int64_t>(cell));
      }
    }
    w.EndArray();
    // includeObject=Metadata (kubectl's default): the row carries the object's metadata only.
    w.Key("object");
    w.StartObject();
    w.Key("kind");
    w.String("PartialObjectMetadata");
    w.Key("apiVersion");
    w.String("meta.k8s.io/v1");
    w.Key("metadata");
    if (const auto* meta = json::Find(*o, {"metadata"})) {
      meta->Accept(w);
    } else {
      w.StartObject();
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace sandbox
