#include "table.hpp"

#include "cluster.hpp"

#include <algorithm>
#include <map>

namespace kubesim {

namespace {

struct Column {
  const char* name;
  const char* type;
  int priority;
  const char* description;
  const char* format = "";
};

const std::string& str(const json& j, const char* key) {
  static const std::string empty;
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : empty;
}

const json& at(const json& j, std::initializer_list<const char*> path) {
  static const json null;
  const json* cur = &j;
  for (const char* p : path) {
    if (!cur->is_object()) return null;
    auto it = cur->find(p);
    if (it == cur->end()) return null;
    cur = &*it;
  }
  return *cur;
}

std::int64_t num(const json& j, std::initializer_list<const char*> path) {
  const json& v = at(j, path);
  return v.is_number_integer() ? v.get<std::int64_t>() : 0;
}

std::string age(const std::string& timestamp, SysTime now) {
  auto t = parse_rfc3339(timestamp);
  if (!t) return "<unknown>";
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string selector_text(const json& selector) {
  std::vector<std::string> parts;
  const json& ml = at(selector, {"matchLabels"});
  if (ml.is_object())
    for (auto& [k, v] : ml.items()) parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  return parts.empty() ? "<none>" : join(parts);
}

std::string map_selector(const json& selector) {
  if (!selector.is_object() || selector.empty()) return "<none>";
  std::vector<std::string> parts;
  for (auto& [k, v] : selector.items()) parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  return join(parts);
}

std::pair<std::string, std::string> containers_images(const json& pod_spec) {
  std::vector<std::string> names, images;
  for (const auto& c : at(pod_spec, {"containers"})) {
    names.push_back(str(c, "name"));
    images.push_back(str(c, "image"));
  }
  return {join(names), join(images)};
}

std::map<std::string, std::vector<Column>> build_columns() {
  const char* name_desc = "Name must be unique within a namespace.";
  const char* age_desc = "CreationTimestamp is a timestamp representing the server time when this object was created.";
  std::map<std::string, std::vector<Column>> c;
  c["pods"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."},
      {"Status", "string", 0, "The aggregate status of the containers in this pod."},
      {"Restarts", "string", 0,
       "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."},
      {"Age", "string", 0, age_desc},
      {"IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster."},
      {"Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."},
      {"Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."},
      {"Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness."}};
  c["nodes"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Status", "string", 0, "The status of the node"},
      {"Roles", "string", 0, "The roles of the node"},
      {"Age", "string", 0, age_desc},
      {"Version", "string", 0, "Kubelet Version reported by the node."},
      {"Internal-IP", "string", 1,
       "List of addresses reachable to the node. Queried from cloud provider, if available."},
      {"External-IP", "string", 1,
       "List of addresses reachable to the node. Queried from cloud provider, if available."},
      {"OS-Image", "string", 1,
       "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."},
      {"Kernel-Version", "string", 1,
       "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."},
      {"Container-Runtime", "string", 1,
       "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."}};
  c["events"] = {
      {"Last Seen", "string", 0, "The last time this event was seen."},
      {"Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future."},
      {"Reason", "string", 0,
       "This should be a short, machine understandable string that gives the reason for this event being generated."},
      {"Object", "string", 0, "The object that this event is about."},
      {"Subobject", "string", 1, "The subcomponent of the object this event is about."},
      {"Source", "string", 1, "The component reporting this event."},
      {"Message", "string", 0, "A human-readable description of the status of this operation."},
      {"First Seen", "string", 1, "The first time this event was seen."},
      {"Count", "string", 1, "The number of times this event has occurred."},
      {"Name", "string", 1, name_desc, "name"}};
  c["namespaces"] = {{"Name", "string", 0, name_desc, "name"},
                     {"Status", "string", 0, "The status of the namespace"},
                     {"Age", "string", 0, age_desc}};
  c["deployments.apps"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Ready", "string", 0, "Number of the pod with ready state"},
      {"Up-to-date", "string", 0,
       "Total number of non-terminated pods targeted by this deployment that have the desired template spec."},
      {"Available", "string", 0,
       "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."},
      {"Age", "string", 0, age_desc},
      {"Containers", "string", 1, "Names of each container in the template."},
      {"Images", "string", 1, "Images referenced by each container in the template."},
      {"Selector", "string", 1,
       "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."}};
  c["replicasets.apps"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Desired", "integer", 0, "Replicas is the number of desired replicas."},
      {"Current", "integer", 0, "Replicas is the most recently observed number of replicas."},
      {"Ready", "integer", 0, "The number of ready replicas for this replica set."},
      {"Age", "string", 0, age_desc},
      {"Containers", "string", 1, "Names of each container in the template."},
      {"Images", "string", 1, "Images referenced by each container in the template."},
      {"Selector", "string", 1, "Selector is a label query over pods that should match the replica count."}};
  c["statefulsets.apps"] = {{"Name", "string", 0, name_desc, "name"},
                            {"Ready", "string", 0, "Number of the pod with ready state"},
                            {"Age", "string", 0, age_desc},
                            {"Containers", "string", 1, "Names of each container in the template."},
                            {"Images", "string", 1, "Images referenced by each container in the template."}};
  c["daemonsets.apps"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Desired", "integer", 0, "The total number of nodes that should be running the daemon pod."},
      {"Current", "integer", 0,
       "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."},
      {"Ready", "integer", 0,
       "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."},
      {"Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod"},
      {"Available", "integer", 0,
       "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."},
      {"Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node."},
      {"Age", "string", 0, age_desc},
      {"Containers", "string", 1, "Names of each container in the template."},
      {"Images", "string", 1, "Images referenced by each container in the template."},
      {"Selector", "string", 1, "A label query over pods that are managed by the daemon set."}};
  c["jobs.batch"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Status", "string", 0, "Status of the job."},
      {"Completions", "string", 0, "The desired number of successfully finished pods the job should be run with."},
      {"Duration", "string", 0, "Time required to complete the job."},
      {"Age", "string", 0, age_desc},
      {"Containers", "string", 1, "Names of each container in the template."},
      {"Images", "string", 1, "Images referenced by each container in the template."},
      {"Selector", "string", 1, "A label query over pods that should match the pod count."}};
  c["cronjobs.batch"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Schedule", "string", 0, "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."},
      {"Timezone", "string", 0, "The time zone name for the given schedule."},
      {"Suspend", "boolean", 0, "This flag tells the controller to suspend subsequent executions."},
      {"Active", "integer", 0, "A list of pointers to currently running jobs."},
      {"Last Schedule", "string", 0, "Information when was the last time the job was successfully scheduled."},
      {"Age", "string", 0, age_desc}};
  c["services"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Type", "string", 0, "type determines how the Service is exposed."},
      {"Cluster-IP", "string", 0, "clusterIP is the IP address of the service and is usually assigned randomly."},
      {"External-IP", "string", 0,
       "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."},
      {"Port(s)", "string", 0, "The list of ports that are exposed by this service."},
      {"Age", "string", 0, age_desc},
      {"Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector."}};
  c["endpoints"] = {{"Name", "string", 0, name_desc, "name"},
                    {"Endpoints", "string", 0, "Endpoints of the service"},
                    {"Age", "string", 0, age_desc}};
  c["configmaps"] = {{"Name", "string", 0, name_desc, "name"},
                     {"Data", "string", 0, "Data contains the configuration data."},
                     {"Age", "string", 0, age_desc}};
  c["secrets"] = {{"Name", "string", 0, name_desc, "name"},
                  {"Type", "string", 0, "The type of the secret"},
                  {"Data", "string", 0, "The number of entries in the secret"},
                  {"Age", "string", 0, age_desc}};
  c["persistentvolumeclaims"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim."},
      {"Volume", "string", 0, "volumeName is the binding reference to the PersistentVolume backing this claim."},
      {"Capacity", "string", 0, "capacity represents the actual resources of the underlying volume."},
      {"Access Modes", "string", 0, "accessModes contains the actual access modes the volume backing the PVC has."},
      {"StorageClass", "string", 0, "storageClassName is the name of the StorageClass required by the claim."},
      {"VolumeAttributesClass", "string", 0,
       "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim."},
      {"Age", "string", 0, age_desc},
      {"VolumeMode", "string", 1, "volumeMode defines what type of volume is required by the claim."}};
  c["horizontalpodautoscalers.autoscaling"] = {
      {"Name", "string", 0, name_desc, "name"},
      {"Reference", "string", 0,
       "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."},
      {"Targets", "string", 0,
       "metrics contains the specifications for which to use to calculate the desired replica count."},
      {"MinPods", "string", 0,
       "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."},
      {"MaxPods", "string", 0,
       "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."},
      {"Replicas", "string", 0, "currentReplicas is current number of replicas of pods managed by this autoscaler."},
      {"Age", "string", 0, age_desc}};
  return c;
}

const std::map<std::string, std::vector<Column>>& columns() {
  static const auto c = build_columns();
  return c;
}

std::string last_seen(const json& e, SysTime now) {
  std::string t = str(e, "lastTimestamp");
  if (t.empty()) t = str(at(e, {"series"}), "lastObservedTime");
  if (t.empty()) t = str(e, "eventTime");
  if (t.empty()) t = str(e["metadata"], "creationTimestamp");
  return age(t, now);
}

json cells(const ResourceType& t, const json& o, SysTime now) {
  const json& md = o["metadata"];
  std::string name = str(md, "name");
  std::string created = age(str(md, "creationTimestamp"), now);
  std::string key = t.key();
  if (key == "pods") {
    std::int64_t total = 0, ready = 0, restarts = 0;
    std::string last_restart;
    for (const auto& cs : at(o, {"status", "containerStatuses"})) {
      ++total;
      if (cs.value("ready", false)) ++ready;
      restarts += cs.value("restartCount", 0);
      std::string fin = str(at(cs, {"lastState", "terminated"}), "finishedAt");
      if (fin > last_restart) last_restart = fin;
    }
    if (total == 0) total = static_cast<std::int64_t>(at(o, {"spec", "containers"}).size());
    std::string restarts_text = std::to_string(restarts);
    if (restarts > 0 && !last_restart.empty()) restarts_text += " (" + age(last_restart, now) + " ago)";
    std::string ip = str(o["status"], "podIP");
    std::string node = str(o["spec"], "nodeName");
    std::string nominated = str(o["status"], "nominatedNodeName");
    return {name,
            std::to_string(ready) + "/" + std::to_string(total),
            pod_status_reason(o, now),
            restarts_text,
            created,
            ip.empty() ? "<none>" : ip,
            node.empty() ? "<none>" : node,
            nominated.empty() ? "<none>" : nominated,
            "<none>"};
  }
  if (key == "nodes") {
    std::string status = "Unknown";
    for (const auto& c : at(o, {"status", "conditions"}))
      if (str(c, "type") == "Ready") status = str(c, "status") == "True" ? "Ready" : "NotReady";
    if (at(o, {"spec", "unschedulable"}) == true) status += ",SchedulingDisabled";
    std::vector<std::string> roles;
    if (md.contains("labels"))
      for (auto& [k, v] : md["labels"].items())
        if (k.rfind("node-role.kubernetes.io/", 0) == 0) roles.push_back(k.substr(24));
    std::string internal = "<none>", external = "<none>";
    for (const auto& a : at(o, {"status", "addresses"})) {
      if (str(a, "type") == "InternalIP") internal = str(a, "address");
      if (str(a, "type") == "ExternalIP") external = str(a, "address");
    }
    const json& info = at(o, {"status", "nodeInfo"});
    return {name,
            status,
            roles.empty() ? "<none>" : join(roles),
            created,
            str(info, "kubeletVersion"),
            internal,
            external,
            str(info, "osImage"),
            str(info, "kernelVersion"),
            str(info, "containerRuntimeVersion")};
  }
  if (key == "events") {
    const json& io = o["involvedObject"];
    std::string kind = str(io, "kind");
    for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string source = str(at(o, {"source"}), "component");
    if (source.empty()) source = str(o, "reportingComponent");
    if (!str(at(o, {"source"}), "host").empty()) source += ", " + str(o["source"], "host");
    std::string first = str(o, "firstTimestamp");
    std::int64_t count = o.value("count", 1);
    return {last_seen(o, now),     str(o, "type"),
            str(o, "reason"),      kind + "/" + str(io, "name"),
            str(io, "fieldPath"),  source,
            str(o, "message"),     first.empty() ? last_seen(o, now) : age(first, now),
            std::to_string(count), name};
  }
  if (key == "namespaces") return {name, str(o["status"], "phase"), created};
  if (key == "deployments.apps" || key == "statefulsets.apps") {
    auto [cn, im] = containers_images(at(o, {"spec", "template", "spec"}));
    std::int64_t want = at(o, {"spec", "replicas"}).is_number() ? num(o, {"spec", "replicas"}) : 1;
    std::string ready = std::to_string(num(o, {"status", "readyReplicas"})) + "/" + std::to_string(want);
    if (key == "statefulsets.apps") return {name, ready, created, cn, im};
    return {name, ready, num(o, {"status", "updatedReplicas"}),     num(o, {"status", "availableReplicas"}), created,
            cn,   im,    selector_text(at(o, {"spec", "selector"}))};
  }
  if (key == "replicasets.apps") {
    auto [cn, im] = containers_images(at(o, {"spec", "template", "spec"}));
    return {name,
            num(o, {"spec", "replicas"}),
            num(o, {"status", "replicas"}),
            num(o, {"status", "readyReplicas"}),
            created,
            cn,
            im,
            selector_text(at(o, {"spec", "selector"}))};
  }
  if (key == "daemonsets.apps") {
    auto [cn, im] = containers_images(at(o, {"spec", "template", "spec"}));
    return {name,
            num(o, {"status", "desiredNumberScheduled"}),
            num(o, {"status", "currentNumberScheduled"}),
            num(o, {"status", "numberReady"}),
            num(o, {"status", "updatedNumberScheduled"}),
            num(o, {"status", "numberAvailable"}),
            map_selector(at(o, {"spec", "template", "spec", "nodeSelector"})),
            created,
            cn,
            im,
            selector_text(at(o, {"spec", "selector"}))};
  }
  if (key == "jobs.batch") {
    auto [cn, im] = containers_images(at(o, {"spec", "template", "spec"}));
    std::string status = "Running";
    for (const auto& c : at(o, {"status", "conditions"})) {
      if (str(c, "status") != "True") continue;
      if (str(c, "type") == "Complete") status = "Complete";
      if (str(c, "type") == "Failed") status = "Failed";
      if (str(c, "type") == "Suspended") status = "Suspended";
    }
    std::int64_t completions = at(o, {"spec", "completions"}).is_number() ? num(o, {"spec", "completions"}) : 1;
    std::string duration;
    auto start = parse_rfc3339(str(o["status"], "startTime"));
    auto end = parse_rfc3339(str(o["status"], "completionTime"));
    if (start) duration = human_duration(std::chrono::duration_cast<std::chrono::seconds>((end ? *end : now) - *start));
    return {name,
            status,
            std::to_string(num(o, {"status", "succeeded"})) + "/" + std::to_string(completions),
            duration,
            created,
            cn,
            im,
            selector_text(at(o, {"spec", "selector"}))};
  }
  if (key == "cronjobs.batch") {
    std::string last = str(o["status"], "lastScheduleTime");
    std::string tz = str(o["spec"], "timeZone");
    return {name,
            str(o["spec"], "schedule"),
            tz.empty() ? "<none>" : tz,
            at(o, {"spec", "suspend"}) == true,
            at(o, {"status", "active"}).size(),
            last.empty() ? "<none>" : age(last, now),
            created};
  }
  if (key == "services") {
    std::vector<std::string> ports, ext;
    for (const auto& p : at(o, {"spec", "ports"})) {
      std::string s = std::to_string(p.value("port", 0));
      if (p.contains("nodePort")) s += ":" + std::to_string(p.value("nodePort", 0));
      ports.push_back(s + "/" + p.value("protocol", std::string("TCP")));
    }
    for (const auto& i : at(o, {"status", "loadBalancer", "ingress"}))
      ext.push_back(str(i, "hostname").empty() ? str(i, "ip") : str(i, "hostname"));
    std::string type = str(o["spec"], "type").empty() ? "ClusterIP" : str(o["spec"], "type");
    std::string external = ext.empty() ? (type == "LoadBalancer" ? "<pending>" : "<none>") : join(ext);
    return {name,
            type,
            str(o["spec"], "clusterIP"),
            external,
            ports.empty() ? "<none>" : join(ports),
            created,
            map_selector(at(o, {"spec", "selector"}))};
  }
  if (key == "endpoints") {
    std::vector<std::string> eps;
    for (const auto& s : at(o, {"subsets"}))
      for (const auto& a : at(s, {"addresses"}))
        for (const auto& p : at(s, {"ports"})) eps.push_back(str(a, "ip") + ":" + std::to_string(p.value("port", 0)));
    std::string text = eps.empty() ? "<none>" : "";
    for (std::size_t i = 0; i < eps.size() && i < 3; ++i) text += (i ? "," : "") + eps[i];
    if (eps.size() > 3) text += " + " + std::to_string(eps.size() - 3) + " more...";
    return {name, text, created};
  }
  if (key == "configmaps")
    return {name, std::to_string(at(o, {"data"}).size() + at(o, {"binaryData"}).size()), created};
  if (key == "secrets") return {name, str(o, "type"), std::to_string(at(o, {"data"}).size()), created};
  if (key == "persistentvolumeclaims") {
    std::vector<std::string> modes;
    for (const auto& m : at(o, {"status", "accessModes"})) {
      std::string s = m.get<std::string>();
      modes.push_back(s == "ReadWriteOnce"   ? "RWO"
                      : s == "ReadOnlyMany"  ? "ROX"
                      : s == "ReadWriteMany" ? "RWX"
                                             : "RWOP");
    }
    std::string cls = str(o["spec"], "storageClassName");
    return {name,
            str(o["status"], "phase"),
            str(o["spec"], "volumeName"),
            str(at(o, {"status", "capacity"}), "storage"),
            join(modes),
            cls,
            "<unset>",
            created,
            str(o["spec"], "volumeMode")};
  }
  if (key == "horizontalpodautoscalers.autoscaling") {
    const json& ref = at(o, {"spec", "scaleTargetRef"});
    return {name,
            str(ref, "kind") + "/" + str(ref, "name"),
            "<unknown>",
            std::to_string(num(o, {"spec", "minReplicas"})),
            std::to_string(num(o, {"spec", "maxReplicas"})),
            std::to_string(num(o, {"status", "currentReplicas"})),
            created};
  }
  return {name, created};
}

}  // namespace

json table_columns(const ResourceType& t) {
  json out = json::array();
  auto it = columns().find(t.key());
  if (it == columns().end()) {
    out.push_back({{"name", "Name"},
                   {"type", "string"},
                   {"format", "name"},
                   {"description", "Name must be unique within a namespace."},
                   {"priority", 0}});
    out.push_back(
        {{"name", "Created At"},
         {"type", "date"},
         {"format", ""},
         {"description", "CreationTimestamp is a timestamp representing the server time when this object was created."},
         {"priority", 0}});
    return out;
  }
  for (const auto& c : it->second)
    out.push_back({{"name", c.name},
                   {"type", c.type},
                   {"format", c.format},
                   {"description", c.description},
                   {"priority", c.priority}});
  return out;
}

json table_row(const ResourceType& t, const json& object, SysTime now, IncludeObject include) {
  json row;
  if (columns().contains(t.key())) {
    row["cells"] = cells(t, object, now);
  } else {
    row["cells"] = {str(object["metadata"], "name"), str(object["metadata"], "creationTimestamp")};
  }
  if (include == IncludeObject::object) {
    row["object"] = object;
  } else if (include == IncludeObject::metadata) {
    row["object"] = {
        {"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", object["metadata"]}};
  }
  return row;
}

std::string pod_status_reason(const json& pod, SysTime now) {
  (void)now;
  std::string reason = str(pod["status"], "reason");
  if (reason.empty()) reason = str(pod["status"], "phase");
  if (reason.empty()) reason = "Pending";
  const json& init_statuses = at(pod, {"status", "initContainerStatuses"});
  bool initializing = false;
  std::size_t i = 0;
  for (const auto& c : init_statuses) {
    const json& term = at(c, {"state", "terminated"});
    const json& wait = at(c, {"state", "waiting"});
    if (term.is_object() && term.value("exitCode", 0) == 0) {
      ++i;
      continue;
    }
    if (term.is_object()) {
      reason = str(term, "reason").empty() ? "Init:ExitCode:" + std::to_string(term.value("exitCode", 0))
                                           : "Init:" + str(term, "reason");
    } else if (wait.is_object() && !str(wait, "reason").empty() && str(wait, "reason") != "PodInitializing") {
      reason = "Init:" + str(wait, "reason");
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(at(pod, {"spec", "initContainers"}).size());
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    bool has_running = false;
    const json& statuses = at(pod, {"status", "containerStatuses"});
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const json& c = *it;
      const json& wait = at(c, {"state", "waiting"});
      const json& term = at(c, {"state", "terminated"});
      if (wait.is_object() && !str(wait, "reason").empty()) {
        reason = str(wait, "reason");
      } else if (term.is_object() && !str(term, "reason").empty()) {
        reason = str(term, "reason");
      } else if (term.is_object()) {
        reason = term.value("signal", 0) ? "Signal:" + std::to_string(term.value("signal", 0))
                                         : "ExitCode:" + std::to_string(term.value("exitCode", 0));
      } else if (at(c, {"state", "running"}).is_object() && c.value("ready", false)) {
        has_running = true;
      }
    }
    if (reason == "Completed" && has_running) reason = pod_ready(pod) ? "Running" : "NotReady";
  }
  if (!str(pod["metadata"], "deletionTimestamp").empty())
    reason = str(pod["status"], "reason") == "NodeLost" ? "Unknown" : "Terminating";
  return reason;
}

}  // namespace kubesim
