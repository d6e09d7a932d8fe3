// The per-kind parsers: one API object (JSON) -> its struct, and ClusterState::add/add_list, which pick the
// parser by kind.
#include "tools/cluster/cluster_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <tuple>
#include <type_traits>

namespace eks::cluster {
namespace {

// --- tolerant field reads: a missing or mistyped field is "absent", never an exception -------------------------

const Json& empty_object() {
  static const Json empty = Json::object();
  return empty;
}

const Json* field(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

const Json& object_at(const Json& j, const char* key) {
  const Json* f = field(j, key);
  return f && f->is_object() ? *f : empty_object();
}

const Json& array_at(const Json& j, const char* key) {
  static const Json empty = Json::array();
  const Json* f = field(j, key);
  return f && f->is_array() ? *f : empty;
}

// Strings as written; numbers and booleans as their text (IntOrString fields, quantities written as numbers).
std::optional<std::string> opt_str(const Json& j, const char* key) {
  const Json* f = field(j, key);
  if (!f) return std::nullopt;
  if (f->is_string()) return f->get<std::string>();
  if (f->is_number_integer()) return std::to_string(f->get<std::int64_t>());
  if (f->is_number()) {
    std::string s = f->dump();
    return s;
  }
  if (f->is_boolean()) return f->get<bool>() ? "true" : "false";
  return std::nullopt;
}

std::string str(const Json& j, const char* key, const std::string& fallback = {}) {
  return opt_str(j, key).value_or(fallback);
}

std::optional<std::int64_t> opt_int(const Json& j, const char* key) {
  const Json* f = field(j, key);
  if (!f) return std::nullopt;
  if (f->is_number_integer()) return f->get<std::int64_t>();
  if (f->is_number()) return static_cast<std::int64_t>(f->get<double>());
  if (f->is_string()) {
    const auto& s = f->get_ref<const std::string&>();
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0') return v;
  }
  return std::nullopt;
}

int integer(const Json& j, const char* key, int fallback = 0) {
  auto v = opt_int(j, key);
  return v ? static_cast<int>(*v) : fallback;
}

std::optional<int> opt_int32(const Json& j, const char* key) {
  auto v = opt_int(j, key);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

bool boolean(const Json& j, const char* key, bool fallback = false) {
  const Json* f = field(j, key);
  if (!f) return fallback;
  if (f->is_boolean()) return f->get<bool>();
  if (f->is_string()) return f->get<std::string>() == "true";
  return fallback;
}

std::optional<Time> opt_time(const Json& j, const char* key) {
  auto s = opt_str(j, key);
  if (!s) return std::nullopt;
  return parse_time(*s);
}

std::map<std::string, std::string> string_map(const Json& j, const char* key) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : object_at(j, key).items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
    else if (!v.is_null()) out[k] = v.is_number_integer() ? std::to_string(v.get<std::int64_t>()) : v.dump();
  }
  return out;
}

std::vector<std::string> string_list(const Json& j, const char* key) {
  std::vector<std::string> out;
  for (const auto& v : array_at(j, key))
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// --- shared pieces ---------------------------------------------------------------------------------------------

// `keep_raw`: only for kinds not modelled (see objects.hpp).
ObjectMeta parse_meta(const Json& o, bool keep_raw = false) {
  ObjectMeta m;
  const Json& md = object_at(o, "metadata");
  m.api_version = str(o, "apiVersion");
  m.kind = str(o, "kind");
  m.ns = str(md, "namespace");
  m.name = str(md, "name");
  m.uid = str(md, "uid");
  m.resource_version = str(md, "resourceVersion");
  m.labels = string_map(md, "labels");
  m.annotations = string_map(md, "annotations");
  for (const auto& r : array_at(md, "ownerReferences")) {
    m.owners.push_back(
        OwnerReference{str(r, "apiVersion"), str(r, "kind"), str(r, "name"), str(r, "uid"), boolean(r, "controller")});
  }
  m.created = opt_time(md, "creationTimestamp");
  m.deleting = opt_time(md, "deletionTimestamp");
  m.generation = opt_int(md, "generation");
  m.finalizers = string_list(md, "finalizers");
  if (keep_raw) m.raw = o;
  return m;
}

std::vector<Condition> parse_conditions(const Json& status) {
  std::vector<Condition> out;
  for (const auto& c : array_at(status, "conditions")) {
    out.push_back(Condition{str(c, "type"), str(c, "status"), opt_str(c, "reason"), opt_str(c, "message"),
                            opt_time(c, "lastTransitionTime"), opt_time(c, "lastHeartbeatTime")});
  }
  return out;
}

LabelSelector parse_selector(const Json& sel) {
  LabelSelector out;
  out.match_labels = string_map(sel, "matchLabels");
  for (const auto& e : array_at(sel, "matchExpressions"))
    out.match_expressions.push_back({str(e, "key"), str(e, "operator"), string_list(e, "values")});
  return out;
}

ResourceList resource_list(const Json& j, const char* key) { return string_map(j, key); }

std::optional<Probe> parse_probe(const Json& c, const char* key) {
  const Json* p = field(c, key);
  if (!p || !p->is_object()) return std::nullopt;
  Probe probe;
  if (const Json* h = field(*p, "httpGet")) {
    probe.handler = "httpGet";
    probe.path = opt_str(*h, "path");
    probe.port = opt_str(*h, "port");
    probe.scheme = opt_str(*h, "scheme");
  } else if (const Json* t = field(*p, "tcpSocket")) {
    probe.handler = "tcpSocket";
    probe.port = opt_str(*t, "port");
  } else if (const Json* e = field(*p, "exec")) {
    probe.handler = "exec";
    probe.command = string_list(*e, "command");
  } else if (const Json* g = field(*p, "grpc")) {
    probe.handler = "grpc";
    probe.port = opt_str(*g, "port");
  } else if (const Json* s = field(*p, "sleep")) {
    probe.handler = "sleep";
    probe.sleep_seconds = integer(*s, "seconds", 0);
  } else {
    probe.handler = "unknown";
  }
  probe.initial_delay_seconds = integer(*p, "initialDelaySeconds", 0);
  probe.period_seconds = integer(*p, "periodSeconds", 10);
  probe.timeout_seconds = integer(*p, "timeoutSeconds", 1);
  probe.failure_threshold = integer(*p, "failureThreshold", 3);
  probe.success_threshold = integer(*p, "successThreshold", 1);
  return probe;
}

Container parse_container(const Json& c) {
  Container out;
  out.name = str(c, "name");
  out.image = str(c, "image");
  out.image_pull_policy = opt_str(c, "imagePullPolicy");
  out.command = string_list(c, "command");
  out.args = string_list(c, "args");
  for (const auto& e : array_at(c, "env")) {
    EnvVar var{str(e, "name"), opt_str(e, "value"), std::nullopt};
    const Json& from = object_at(e, "valueFrom");
    for (const char* kind : {"configMapKeyRef", "secretKeyRef", "fieldRef", "resourceFieldRef"}) {
      const Json* ref = field(from, kind);
      if (!ref) continue;
      var.value_from = kind;
      if (std::string_view(kind) == "configMapKeyRef" || std::string_view(kind) == "secretKeyRef") {
        out.config_refs.push_back(ConfigReference{std::string_view(kind) == "secretKeyRef" ? "Secret" : "ConfigMap",
                                                  str(*ref, "name"), opt_str(*ref, "key"), var.name, "env",
                                                  boolean(*ref, "optional")});
      }
      break;
    }
    out.env.push_back(std::move(var));
  }
  for (const auto& e : array_at(c, "envFrom")) {
    if (const Json* cm = field(e, "configMapRef"))
      out.config_refs.push_back(
          {"ConfigMap", str(*cm, "name"), std::nullopt, std::nullopt, "envFrom", boolean(*cm, "optional")});
    if (const Json* s = field(e, "secretRef"))
      out.config_refs.push_back(
          {"Secret", str(*s, "name"), std::nullopt, std::nullopt, "envFrom", boolean(*s, "optional")});
  }
  const Json& res = object_at(c, "resources");
  out.resources.requests = resource_list(res, "requests");
  out.resources.limits = resource_list(res, "limits");
  out.liveness_probe = parse_probe(c, "livenessProbe");
  out.readiness_probe = parse_probe(c, "readinessProbe");
  out.startup_probe = parse_probe(c, "startupProbe");
  out.pre_stop = parse_probe(object_at(c, "lifecycle"), "preStop");
  for (const auto& p : array_at(c, "ports"))
    out.ports.push_back({opt_str(p, "name"), integer(p, "containerPort"), str(p, "protocol", "TCP")});
  for (const auto& m : array_at(c, "volumeMounts"))
    out.volume_mounts.push_back({str(m, "name"), str(m, "mountPath"), boolean(m, "readOnly")});
  return out;
}

Volume parse_volume(const Json& v) {
  Volume out;
  out.name = str(v, "name");
  out.type = "other";
  static const char* kTypes[] = {"persistentVolumeClaim", "configMap", "secret", "emptyDir", "hostPath", "projected",
                                 "downwardAPI",           "csi"};
  for (const char* t : kTypes) {
    if (field(v, t)) {
      out.type = t;
      break;
    }
  }
  if (const Json* p = field(v, "persistentVolumeClaim")) out.claim_name = opt_str(*p, "claimName");
  if (const Json* c = field(v, "configMap")) {
    out.config_map = opt_str(*c, "name");
    out.optional = boolean(*c, "optional");
  }
  if (const Json* s = field(v, "secret")) {
    out.secret_name = opt_str(*s, "secretName");
    out.optional = boolean(*s, "optional");
  }
  return out;
}

PodSpec parse_pod_spec(const Json& spec) {
  PodSpec out;
  for (const auto& c : array_at(spec, "containers")) out.containers.push_back(parse_container(c));
  for (const auto& c : array_at(spec, "initContainers")) out.init_containers.push_back(parse_container(c));
  for (const auto& v : array_at(spec, "volumes")) out.volumes.push_back(parse_volume(v));
  out.node_selector = string_map(spec, "nodeSelector");
  for (const auto& t : array_at(spec, "tolerations"))
    out.tolerations.push_back({opt_str(t, "key"), opt_str(t, "operator"), opt_str(t, "value"), opt_str(t, "effect"),
                               opt_int(t, "tolerationSeconds")});
  out.node_name = opt_str(spec, "nodeName");
  out.service_account = opt_str(spec, "serviceAccountName");
  if (!out.service_account) out.service_account = opt_str(spec, "serviceAccount");
  out.priority_class = opt_str(spec, "priorityClassName");
  out.restart_policy = opt_str(spec, "restartPolicy");
  for (const auto& s : array_at(spec, "imagePullSecrets"))
    if (auto n = opt_str(s, "name")) out.image_pull_secrets.push_back(*n);
  out.has_affinity = field(spec, "affinity") != nullptr && !object_at(spec, "affinity").empty();
  out.termination_grace_period_seconds = opt_int(spec, "terminationGracePeriodSeconds");
  return out;
}

PodTemplate parse_template(const Json& tpl) {
  PodTemplate out;
  const Json& md = object_at(tpl, "metadata");
  out.labels = string_map(md, "labels");
  out.annotations = string_map(md, "annotations");
  out.spec = parse_pod_spec(object_at(tpl, "spec"));
  return out;
}

std::optional<ContainerState> parse_container_state(const Json& j) {
  if (!j.is_object()) return std::nullopt;
  for (const char* s : {"waiting", "running", "terminated"}) {
    const Json* f = field(j, s);
    if (!f) continue;
    ContainerState out;
    out.state = s;
    out.reason = opt_str(*f, "reason");
    out.message = opt_str(*f, "message");
    out.exit_code = opt_int32(*f, "exitCode");
    out.signal = opt_int32(*f, "signal");
    out.started_at = opt_time(*f, "startedAt");
    out.finished_at = opt_time(*f, "finishedAt");
    return out;
  }
  return std::nullopt;
}

std::vector<ContainerStatus> parse_container_statuses(const Json& status, const char* key, bool init) {
  std::vector<ContainerStatus> out;
  for (const auto& c : array_at(status, key)) {
    ContainerStatus cs;
    cs.name = str(c, "name");
    cs.image = str(c, "image");
    cs.image_id = opt_str(c, "imageID");
    cs.ready = boolean(c, "ready");
    if (const Json* s = field(c, "started"); s && s->is_boolean()) cs.started = s->get<bool>();
    cs.restart_count = integer(c, "restartCount");
    cs.init = init;
    cs.state = parse_container_state(object_at(c, "state"));
    cs.last_state = parse_container_state(object_at(c, "lastState"));
    out.push_back(std::move(cs));
  }
  return out;
}

std::vector<std::string> load_balancer_ingress(const Json& status) {
  std::vector<std::string> out;
  for (const auto& i : array_at(object_at(status, "loadBalancer"), "ingress")) {
    if (auto h = opt_str(i, "hostname")) out.push_back(*h);
    else if (auto ip = opt_str(i, "ip")) out.push_back(*ip);
  }
  return out;
}

// --- one parser per kind ---------------------------------------------------------------------------------------

Pod parse_pod(const Json& o) {
  Pod p;
  p.meta = parse_meta(o);
  p.spec = parse_pod_spec(object_at(o, "spec"));
  const Json& st = object_at(o, "status");
  p.phase = str(st, "phase", "Unknown");
  p.reason = opt_str(st, "reason");
  p.message = opt_str(st, "message");
  p.node_name = p.spec.node_name;
  p.pod_ip = opt_str(st, "podIP");
  p.host_ip = opt_str(st, "hostIP");
  p.qos_class = opt_str(st, "qosClass");
  p.start_time = opt_time(st, "startTime");
  p.conditions = parse_conditions(st);
  p.container_statuses = parse_container_statuses(st, "containerStatuses", false);
  p.init_container_statuses = parse_container_statuses(st, "initContainerStatuses", true);
  return p;
}

Node parse_node(const Json& o) {
  Node n;
  n.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  n.conditions = parse_conditions(st);
  for (const auto& t : array_at(spec, "taints"))
    n.taints.push_back({str(t, "key"), opt_str(t, "value"), str(t, "effect"), opt_time(t, "timeAdded")});
  n.unschedulable = boolean(spec, "unschedulable");
  n.capacity = resource_list(st, "capacity");
  n.allocatable = resource_list(st, "allocatable");
  auto label = [&](std::initializer_list<const char*> keys) -> std::optional<std::string> {
    for (const char* k : keys) {
      auto it = n.meta.labels.find(k);
      if (it != n.meta.labels.end()) return it->second;
    }
    return std::nullopt;
  };
  n.nodegroup = label({"eks.amazonaws.com/nodegroup", "karpenter.sh/nodepool", "alpha.eksctl.io/nodegroup-name"});
  n.instance_type = label({"node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"});
  n.zone = label({"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"});
  for (const auto& a : array_at(st, "addresses"))
    if (str(a, "type") == "InternalIP") n.internal_ip = opt_str(a, "address");
  n.kubelet_version = opt_str(object_at(st, "nodeInfo"), "kubeletVersion");
  n.provider_id = opt_str(spec, "providerID");
  return n;
}

Event parse_event(const Json& o) {
  Event e;
  e.meta = parse_meta(o);
  const Json* inv = field(o, "involvedObject");
  if (!inv) inv = field(o, "regarding");  // events.k8s.io/v1
  const Json& involved = inv ? *inv : empty_object();
  e.involved = {str(involved, "kind"), str(involved, "namespace"), str(involved, "name"), str(involved, "uid")};
  e.involved_field_path = opt_str(involved, "fieldPath");
  e.reason = str(o, "reason");
  e.message = str(o, "message");
  if (e.message.empty()) e.message = str(o, "note");  // events.k8s.io/v1
  e.type = str(o, "type", "Normal");
  const Json& series = object_at(o, "series");
  e.count = integer(o, "count", 0);
  if (e.count == 0) e.count = integer(series, "count", 1);
  const auto event_time = opt_time(o, "eventTime");
  e.first_timestamp = opt_time(o, "firstTimestamp");
  if (!e.first_timestamp) e.first_timestamp = event_time;
  if (!e.first_timestamp) e.first_timestamp = opt_time(o, "deprecatedFirstTimestamp");
  e.last_timestamp = opt_time(o, "lastTimestamp");
  if (!e.last_timestamp) e.last_timestamp = opt_time(series, "lastObservedTime");
  if (!e.last_timestamp) e.last_timestamp = opt_time(o, "deprecatedLastTimestamp");
  if (!e.last_timestamp) e.last_timestamp = e.first_timestamp;
  if (!e.last_timestamp) e.last_timestamp = e.meta.created;
  const Json& source = object_at(o, "source");
  e.source_component = opt_str(source, "component");
  if (!e.source_component) e.source_component = opt_str(o, "reportingComponent");
  if (!e.source_component) e.source_component = opt_str(o, "reportingController");
  if (e.source_component && e.source_component->empty()) e.source_component.reset();
  e.source_host = opt_str(source, "host");
  return e;
}

Deployment parse_deployment(const Json& o) {
  Deployment d;
  d.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  d.replicas = integer(spec, "replicas", 1);
  d.selector = parse_selector(object_at(spec, "selector"));
  d.pod_template = parse_template(object_at(spec, "template"));
  d.strategy = opt_str(object_at(spec, "strategy"), "type");
  d.paused = boolean(spec, "paused");
  d.progress_deadline_seconds = opt_int32(spec, "progressDeadlineSeconds");
  d.status_replicas = integer(st, "replicas");
  d.ready_replicas = integer(st, "readyReplicas");
  d.available_replicas = integer(st, "availableReplicas");
  d.updated_replicas = integer(st, "updatedReplicas");
  d.unavailable_replicas = integer(st, "unavailableReplicas");
  d.observed_generation = opt_int(st, "observedGeneration");
  d.conditions = parse_conditions(st);
  return d;
}

ReplicaSet parse_replica_set(const Json& o) {
  ReplicaSet r;
  r.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  r.replicas = integer(spec, "replicas", 1);
  r.selector = parse_selector(object_at(spec, "selector"));
  r.pod_template = parse_template(object_at(spec, "template"));
  r.status_replicas = integer(st, "replicas");
  r.ready_replicas = integer(st, "readyReplicas");
  r.available_replicas = integer(st, "availableReplicas");
  r.fully_labeled_replicas = integer(st, "fullyLabeledReplicas");
  r.observed_generation = opt_int(st, "observedGeneration");
  r.conditions = parse_conditions(st);
  auto rev = r.meta.annotations.find("deployment.kubernetes.io/revision");
  if (rev != r.meta.annotations.end()) r.revision = rev->second;
  return r;
}

StatefulSet parse_stateful_set(const Json& o) {
  StatefulSet s;
  s.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  s.replicas = integer(spec, "replicas", 1);
  s.selector = parse_selector(object_at(spec, "selector"));
  s.pod_template = parse_template(object_at(spec, "template"));
  s.service_name = opt_str(spec, "serviceName");
  for (const auto& t : array_at(spec, "volumeClaimTemplates")) {
    s.volume_claim_templates.push_back(str(object_at(t, "metadata"), "name"));
    s.volume_claim_template_specs.push_back(object_at(t, "spec"));
  }
  s.status_replicas = integer(st, "replicas");
  s.ready_replicas = integer(st, "readyReplicas");
  s.current_replicas = integer(st, "currentReplicas");
  s.updated_replicas = integer(st, "updatedReplicas");
  s.available_replicas = integer(st, "availableReplicas");
  s.current_revision = opt_str(st, "currentRevision");
  s.update_revision = opt_str(st, "updateRevision");
  s.observed_generation = opt_int(st, "observedGeneration");
  s.conditions = parse_conditions(st);
  return s;
}

DaemonSet parse_daemon_set(const Json& o) {
  DaemonSet d;
  d.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  d.selector = parse_selector(object_at(spec, "selector"));
  d.pod_template = parse_template(object_at(spec, "template"));
  d.desired_number_scheduled = integer(st, "desiredNumberScheduled");
  d.current_number_scheduled = integer(st, "currentNumberScheduled");
  d.number_ready = integer(st, "numberReady");
  d.number_available = integer(st, "numberAvailable");
  d.number_unavailable = integer(st, "numberUnavailable");
  d.number_misscheduled = integer(st, "numberMisscheduled");
  d.updated_number_scheduled = integer(st, "updatedNumberScheduled");
  d.observed_generation = opt_int(st, "observedGeneration");
  d.conditions = parse_conditions(st);
  return d;
}

Job parse_job(const Json& o) {
  Job j;
  j.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  j.completions = opt_int32(spec, "completions");
  j.parallelism = opt_int32(spec, "parallelism");
  j.backoff_limit = opt_int32(spec, "backoffLimit");
  j.active_deadline_seconds = opt_int(spec, "activeDeadlineSeconds");
  j.suspend = boolean(spec, "suspend");
  j.selector = parse_selector(object_at(spec, "selector"));
  j.pod_template = parse_template(object_at(spec, "template"));
  j.active = integer(st, "active");
  j.succeeded = integer(st, "succeeded");
  j.failed = integer(st, "failed");
  j.start_time = opt_time(st, "startTime");
  j.completion_time = opt_time(st, "completionTime");
  j.conditions = parse_conditions(st);
  return j;
}

CronJob parse_cron_job(const Json& o) {
  CronJob c;
  c.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  c.schedule = str(spec, "schedule");
  c.time_zone = opt_str(spec, "timeZone");
  c.suspend = boolean(spec, "suspend");
  c.concurrency_policy = opt_str(spec, "concurrencyPolicy");
  c.starting_deadline_seconds = opt_int(spec, "startingDeadlineSeconds");
  c.pod_template = parse_template(object_at(object_at(object_at(spec, "jobTemplate"), "spec"), "template"));
  for (const auto& a : array_at(st, "active"))
    c.active.push_back({str(a, "kind", "Job"), str(a, "namespace", c.meta.ns), str(a, "name"), str(a, "uid")});
  c.last_schedule_time = opt_time(st, "lastScheduleTime");
  c.last_successful_time = opt_time(st, "lastSuccessfulTime");
  return c;
}

Service parse_service(const Json& o) {
  Service s;
  s.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  s.type = str(spec, "type", "ClusterIP");
  s.selector = string_map(spec, "selector");
  s.cluster_ip = opt_str(spec, "clusterIP");
  s.external_name = opt_str(spec, "externalName");
  for (const auto& p : array_at(spec, "ports"))
    s.ports.push_back({opt_str(p, "name"), integer(p, "port"), opt_str(p, "targetPort"), str(p, "protocol", "TCP"),
                       opt_int32(p, "nodePort")});
  s.load_balancer_ingress = load_balancer_ingress(object_at(o, "status"));
  return s;
}

EndpointAddress parse_endpoint_address(const Json& a) {
  EndpointAddress out{str(a, "ip"), opt_str(a, "nodeName"), std::nullopt};
  if (const Json* t = field(a, "targetRef"))
    out.target = ObjectRef{str(*t, "kind"), str(*t, "namespace"), str(*t, "name"), str(*t, "uid")};
  return out;
}

Endpoints parse_endpoints(const Json& o) {
  Endpoints e;
  e.meta = parse_meta(o);
  for (const auto& s : array_at(o, "subsets")) {
    EndpointSubset subset;
    for (const auto& a : array_at(s, "addresses")) subset.ready.push_back(parse_endpoint_address(a));
    for (const auto& a : array_at(s, "notReadyAddresses")) subset.not_ready.push_back(parse_endpoint_address(a));
    for (const auto& p : array_at(s, "ports"))
      subset.ports.push_back({opt_str(p, "name"), integer(p, "port"), str(p, "protocol", "TCP")});
    e.subsets.push_back(std::move(subset));
  }
  return e;
}

IngressBackend parse_backend(const Json& b) {
  IngressBackend out;
  if (const Json* s = field(b, "service")) {  // networking.k8s.io/v1
    out.service_name = opt_str(*s, "name");
    const Json& port = object_at(*s, "port");
    out.service_port = opt_str(port, "number");
    if (!out.service_port) out.service_port = opt_str(port, "name");
  } else if (field(b, "serviceName")) {  // extensions/v1beta1
    out.service_name = opt_str(b, "serviceName");
    out.service_port = opt_str(b, "servicePort");
  }
  if (const Json* r = field(b, "resource")) out.resource_kind = opt_str(*r, "kind");
  return out;
}

Ingress parse_ingress(const Json& o) {
  Ingress i;
  i.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  i.ingress_class = opt_str(spec, "ingressClassName");
  if (!i.ingress_class) {
    auto a = i.meta.annotations.find("kubernetes.io/ingress.class");
    if (a != i.meta.annotations.end()) i.ingress_class = a->second;
  }
  if (const Json* d = field(spec, "defaultBackend")) i.default_backend = parse_backend(*d);
  else if (const Json* d1 = field(spec, "backend")) i.default_backend = parse_backend(*d1);
  for (const auto& r : array_at(spec, "rules")) {
    const auto host = opt_str(r, "host");
    for (const auto& p : array_at(object_at(r, "http"), "paths"))
      i.paths.push_back({host, str(p, "path", "/"), opt_str(p, "pathType"), parse_backend(object_at(p, "backend"))});
  }
  for (const auto& t : array_at(spec, "tls")) i.tls.push_back({string_list(t, "hosts"), opt_str(t, "secretName")});
  i.load_balancer_ingress = load_balancer_ingress(object_at(o, "status"));
  return i;
}

bool annotation_true(const ObjectMeta& m, const char* key) {
  auto it = m.annotations.find(key);
  return it != m.annotations.end() && it->second == "true";
}

IngressClass parse_ingress_class(const Json& o) {
  IngressClass c;
  c.meta = parse_meta(o);
  c.controller = str(object_at(o, "spec"), "controller");
  c.is_default = annotation_true(c.meta, "ingressclass.kubernetes.io/is-default-class");
  return c;
}

NetworkPolicy parse_network_policy(const Json& o) {
  NetworkPolicy n;
  n.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  n.pod_selector = parse_selector(object_at(spec, "podSelector"));
  n.policy_types = string_list(spec, "policyTypes");
  n.ingress_rules = static_cast<int>(array_at(spec, "ingress").size());
  n.egress_rules = static_cast<int>(array_at(spec, "egress").size());
  return n;
}

PersistentVolumeClaim parse_pvc(const Json& o) {
  PersistentVolumeClaim p;
  p.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  p.storage_class = opt_str(spec, "storageClassName");
  if (!p.storage_class) {
    auto a = p.meta.annotations.find("volume.beta.kubernetes.io/storage-class");
    if (a != p.meta.annotations.end()) p.storage_class = a->second;
  }
  p.volume_name = opt_str(spec, "volumeName");
  p.access_modes = string_list(spec, "accessModes");
  p.requested_storage = opt_str(object_at(object_at(spec, "resources"), "requests"), "storage");
  p.phase = str(st, "phase", "Pending");
  p.capacity = resource_list(st, "capacity");
  p.conditions = parse_conditions(st);
  return p;
}

PersistentVolume parse_pv(const Json& o) {
  PersistentVolume p;
  p.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  p.storage_class = opt_str(spec, "storageClassName");
  if (const Json* c = field(spec, "claimRef"))
    p.claim =
        ObjectRef{str(*c, "kind", "PersistentVolumeClaim"), str(*c, "namespace"), str(*c, "name"), str(*c, "uid")};
  p.capacity = resource_list(spec, "capacity");
  p.access_modes = string_list(spec, "accessModes");
  p.reclaim_policy = opt_str(spec, "persistentVolumeReclaimPolicy");
  p.phase = str(st, "phase", "Pending");
  p.reason = opt_str(st, "reason");
  p.message = opt_str(st, "message");
  return p;
}

StorageClass parse_storage_class(const Json& o) {
  StorageClass s;
  s.meta = parse_meta(o);
  s.provisioner = str(o, "provisioner");
  s.reclaim_policy = opt_str(o, "reclaimPolicy");
  s.volume_binding_mode = opt_str(o, "volumeBindingMode");
  s.allow_volume_expansion = boolean(o, "allowVolumeExpansion");
  s.is_default = annotation_true(s.meta, "storageclass.kubernetes.io/is-default-class") ||
                 annotation_true(s.meta, "storageclass.beta.kubernetes.io/is-default-class");
  return s;
}

HorizontalPodAutoscaler parse_hpa(const Json& o) {
  HorizontalPodAutoscaler h;
  h.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  const Json& target = object_at(spec, "scaleTargetRef");
  h.target = {str(target, "kind"), h.meta.ns, str(target, "name"), {}};
  h.min_replicas = opt_int32(spec, "minReplicas");
  h.max_replicas = integer(spec, "maxReplicas");
  h.current_replicas = integer(st, "currentReplicas");
  h.desired_replicas = opt_int32(st, "desiredReplicas");
  h.conditions = parse_conditions(st);
  h.metrics = field(spec, "metrics") ? spec["metrics"] : Json::array();
  h.current_metrics = field(st, "currentMetrics") ? st["currentMetrics"] : Json::array();
  // autoscaling/v1: targetCPUUtilizationPercentage, as the v2 shape.
  if (h.metrics.empty()) {
    if (auto pct = opt_int(spec, "targetCPUUtilizationPercentage")) {
      h.metrics = Json::array(
          {{{"type", "Resource"},
            {"resource", {{"name", "cpu"}, {"target", {{"type", "Utilization"}, {"averageUtilization", *pct}}}}}}});
    }
  }
  return h;
}

PodDisruptionBudget parse_pdb(const Json& o) {
  PodDisruptionBudget p;
  p.meta = parse_meta(o);
  const Json& spec = object_at(o, "spec");
  const Json& st = object_at(o, "status");
  p.selector = parse_selector(object_at(spec, "selector"));
  p.min_available = opt_str(spec, "minAvailable");
  p.max_unavailable = opt_str(spec, "maxUnavailable");
  p.current_healthy = integer(st, "currentHealthy");
  p.desired_healthy = integer(st, "desiredHealthy");
  p.disruptions_allowed = integer(st, "disruptionsAllowed");
  p.expected_pods = integer(st, "expectedPods");
  p.conditions = parse_conditions(st);
  return p;
}

std::vector<std::string> keys_of(const Json& o, std::initializer_list<const char*> fields) {
  std::set<std::string> keys;
  for (const char* f : fields)
    for (const auto& [k, v] : object_at(o, f).items()) keys.insert(k);
  return {keys.begin(), keys.end()};
}

WebhookConfiguration parse_webhooks(const Json& o) {
  WebhookConfiguration w;
  w.meta = parse_meta(o);
  for (const auto& h : array_at(o, "webhooks")) {
    Webhook hook;
    hook.name = str(h, "name");
    const Json& cc = object_at(h, "clientConfig");
    if (const Json* s = field(cc, "service")) {
      hook.client.service = ObjectRef{"Service", str(*s, "namespace"), str(*s, "name"), {}};
      hook.client.path = opt_str(*s, "path");
      hook.client.port = opt_int32(*s, "port");
    }
    hook.client.url = opt_str(cc, "url");
    hook.failure_policy = opt_str(h, "failurePolicy");
    hook.side_effects = opt_str(h, "sideEffects");
    hook.timeout_seconds = opt_int32(h, "timeoutSeconds");
    hook.namespace_selector = field(h, "namespaceSelector") ? h["namespaceSelector"] : Json::object();
    hook.object_selector = field(h, "objectSelector") ? h["objectSelector"] : Json::object();
    hook.rules = field(h, "rules") ? h["rules"] : Json::array();
    w.webhooks.push_back(std::move(hook));
  }
  return w;
}

PodMetrics parse_pod_metrics(const Json& o) {
  PodMetrics m;
  const Json& md = object_at(o, "metadata");
  m.ns = str(md, "namespace");
  m.name = str(md, "name");
  m.timestamp = opt_time(o, "timestamp");
  for (const auto& c : array_at(o, "containers")) m.containers.push_back({str(c, "name"), resource_list(c, "usage")});
  return m;
}

NodeMetrics parse_node_metrics(const Json& o) {
  NodeMetrics m;
  m.name = str(object_at(o, "metadata"), "name");
  m.timestamp = opt_time(o, "timestamp");
  m.usage = resource_list(o, "usage");
  return m;
}

}  // namespace

// --- loading ---------------------------------------------------------------------------------------------------

bool ClusterState::add(const Json& o) {
  if (!o.is_object()) {
    warnings.push_back("skipped a value that is not an object");
    return false;
  }
  const std::string kind = str(o, "kind");
  const std::string name = str(object_at(o, "metadata"), "name");
  if (kind.empty() || name.empty()) {
    warnings.push_back("skipped an object without kind or metadata.name" +
                       (kind.empty() ? "" : " (kind " + kind + ")"));
    return false;
  }
  if (kind == "Pod") pods.push_back(parse_pod(o));
  else if (kind == "Node") nodes.push_back(parse_node(o));
  else if (kind == "Event") events.push_back(parse_event(o));
  else if (kind == "Namespace") namespaces.push_back({parse_meta(o), str(object_at(o, "status"), "phase", "Active")});
  else if (kind == "Deployment") deployments.push_back(parse_deployment(o));
  else if (kind == "ReplicaSet") replica_sets.push_back(parse_replica_set(o));
  else if (kind == "StatefulSet") stateful_sets.push_back(parse_stateful_set(o));
  else if (kind == "DaemonSet") daemon_sets.push_back(parse_daemon_set(o));
  else if (kind == "Job") jobs.push_back(parse_job(o));
  else if (kind == "CronJob") cron_jobs.push_back(parse_cron_job(o));
  else if (kind == "Service") services.push_back(parse_service(o));
  else if (kind == "Endpoints") endpoints.push_back(parse_endpoints(o));
  else if (kind == "Ingress") ingresses.push_back(parse_ingress(o));
  else if (kind == "IngressClass") ingress_classes.push_back(parse_ingress_class(o));
  else if (kind == "NetworkPolicy") network_policies.push_back(parse_network_policy(o));
  else if (kind == "PersistentVolumeClaim") pvcs.push_back(parse_pvc(o));
  else if (kind == "PersistentVolume") pvs.push_back(parse_pv(o));
  else if (kind == "StorageClass") storage_classes.push_back(parse_storage_class(o));
  else if (kind == "HorizontalPodAutoscaler") hpas.push_back(parse_hpa(o));
  else if (kind == "PodDisruptionBudget") pdbs.push_back(parse_pdb(o));
  else if (kind == "ConfigMap") config_maps.push_back({parse_meta(o), keys_of(o, {"data", "binaryData"})});
  else if (kind == "ServiceAccount") service_accounts.push_back({parse_meta(o)});
  else if (kind == "ValidatingWebhookConfiguration" || kind == "MutatingWebhookConfiguration")
    webhook_configurations.push_back(parse_webhooks(o));
  else if (kind == "Secret") {
    // The data never enters the model: only the key names survive.
    Secret s{parse_meta(o), str(o, "type", "Opaque"), keys_of(o, {"data", "stringData"})};
    // kubectl.kubernetes.io/last-applied-configuration repeats the data (meta.raw is not kept for Secrets).
    s.meta.annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
    if (!secrets) secrets.emplace();
    secrets->push_back(std::move(s));
  } else if (kind == "PodMetrics") {
    if (!pod_metrics) pod_metrics.emplace();
    pod_metrics->push_back(parse_pod_metrics(o));
  } else if (kind == "NodeMetrics") {
    if (!node_metrics) node_metrics.emplace();
    node_metrics->push_back(parse_node_metrics(o));
  } else {
    others.push_back({parse_meta(o, true)});
  }
  return true;
}

void ClusterState::add_list(const Json& list, const std::string& item_kind) {
  std::string kind = item_kind;
  std::string api_version = str(list, "apiVersion");
  if (kind.empty()) {
    const std::string list_kind = str(list, "kind");
    if (list_kind.size() > 4 && list_kind.ends_with("List")) kind = list_kind.substr(0, list_kind.size() - 4);
  }
  for (const auto& item : array_at(list, "items")) {
    if (!item.is_object()) continue;
    if (kind.empty() || item.contains("kind")) {
      add(item);
      continue;
    }
    Json copy = item;  // typed lists (PodList) leave kind and apiVersion off their items
    copy["kind"] = kind;
    if (!copy.contains("apiVersion") && !api_version.empty()) copy["apiVersion"] = api_version;
    add(copy);
  }
}

}  // namespace eks::cluster
