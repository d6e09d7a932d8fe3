#include "tools/remediation/planner.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "safety/classifier.hpp"
#include "tools/analyzers/analyze.hpp"
#include "tools/analyzers/context.hpp"
#include "tools/cluster/quantity.hpp"

namespace eks::remediation {
namespace {

using analyzers::Finding;
using cluster::ClusterState;
using cluster::ObjectRef;
using cluster::Pod;

constexpr const char* kRestartedAt = "kubectl.kubernetes.io/restartedAt";
constexpr std::int64_t kMi = 1024 * 1024;

// Why a finding of this root-cause category has no automatic fix: what a human must change instead.
std::string why_not(const Finding& f) {
  const std::string& c = f.root_cause.category;
  if (c == "missing_config")
    return "the pods need a ConfigMap, Secret or setting that does not exist; restarting them fails the same way "
           "until a human creates it or fixes the reference";
  if (c == "bad_command")
    return "the container's command, image entrypoint or arguments are wrong; only a change to the workload's "
           "spec by its owner fixes that";
  if (c == "registry_auth") return "the node or the pod lacks permission to pull the image; fix the pull credentials";
  if (c == "permission_denied") return "the workload lacks a permission (RBAC, IAM); a human must grant it";
  if (c == "quota_exceeded") return "a ResourceQuota or LimitRange blocks the pods; a human must raise it";
  if (c == "storage_unavailable" || c == "disk_full")
    return "storage is missing or full; volumes and claims are changed by humans only";
  if (c == "node_failure") return "a node is failing; replacing or repairing nodes is left to humans";
  if (c == "scheduling_constraint")
    return "no node matches the pods' selectors, affinity or tolerations; the spec or the node groups must change";
  if (c == "out_of_memory")
    return "memory runs out on a node, not under one container's limit: the pods using the most memory need "
           "requests and limits that match their use, or the node group needs more memory";
  if (c == "insufficient_resources")
    return "the nodes are full: a capacity question (node group size, Karpenter limits) for humans";
  if (c == "probe_failure")
    return "a probe does not get the answer it expects (wrong port or path, too short a timeout, or an application "
           "that answers slowly); restarting repeats the kill: the probe or the application must change";
  if (c == "dependency_unreachable" || c == "dns_failure")
    return "a dependency cannot be reached; the pods recover on their own once it answers, and nothing here "
           "brings it back";
  if (f.reason == "PodStuckTerminating")
    return "a pod stuck terminating waits for its node or its finalizers; forcing it can run two copies of a "
           "StatefulSet member, so a human decides";
  if (c == "application_error") return "the application itself fails; restarting hides the error without fixing it";
  if (c == "image_unavailable")
    return "the image cannot be pulled and no earlier revision of the workload ran another image to go back to";
  return "no remediation is known to fix " + f.reason + " (" + c + ") safely; investigate the evidence";
}

// The workload that owns the finding's pods, when it is a controller we can act on.
std::optional<ObjectRef> controller_of(const Finding& f) {
  const ObjectRef& w = f.workload.name.empty() ? f.resource : f.workload;
  if (w.kind == "Deployment" || w.kind == "StatefulSet" || w.kind == "DaemonSet") return w;
  return std::nullopt;
}

const cluster::PodTemplate* template_of(const ClusterState& state, const ObjectRef& w) {
  if (w.kind == "Deployment") {
    if (const auto* d = state.deployment(w.ns, w.name)) return &d->pod_template;
  } else if (w.kind == "StatefulSet") {
    if (const auto* s = state.stateful_set(w.ns, w.name)) return &s->pod_template;
  } else if (w.kind == "DaemonSet") {
    if (const auto* d = state.daemon_set(w.ns, w.name)) return &d->pod_template;
  }
  return nullptr;
}

const cluster::ObjectMeta* meta_of(const ClusterState& state, const ObjectRef& w) {
  if (w.kind == "Deployment") {
    if (const auto* d = state.deployment(w.ns, w.name)) return &d->meta;
  } else if (w.kind == "StatefulSet") {
    if (const auto* s = state.stateful_set(w.ns, w.name)) return &s->meta;
  } else if (w.kind == "DaemonSet") {
    if (const auto* d = state.daemon_set(w.ns, w.name)) return &d->meta;
  } else if (w.kind == "Pod") {
    if (const auto* p = state.pod(w.ns, w.name)) return &p->meta;
  }
  return nullptr;
}

std::string api_version_of(const std::string& kind) { return kind == "Pod" ? "v1" : "apps/v1"; }

Call delete_pod(const std::string& ns, const std::string& name) {
  return Call{"resources_delete", {{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", ns}, {"name", name}}};
}

// A server-side apply of `spec` onto the workload: only the fields given change (kubernetes-mcp-server applies
// with its field manager, forcing ownership of exactly these fields).
Call apply_workload(const ObjectRef& w, Json spec) {
  const Json manifest{{"apiVersion", api_version_of(w.kind)},
                      {"kind", w.kind},
                      {"metadata", {{"name", w.name}, {"namespace", w.ns}}},
                      {"spec", std::move(spec)}};
  return Call{"resources_create_or_update", {{"resource", manifest.dump()}}};
}

Json container_patch(const std::string& container, Json fields) {
  fields["name"] = container;
  return Json{{"template", {{"spec", {{"containers", Json::array({std::move(fields)})}}}}}};
}

std::string mib(std::int64_t bytes) { return std::to_string((bytes + kMi - 1) / kMi) + "Mi"; }

// The container a finding's suggested actions name, else the pods' first container.
std::string container_of(const Finding& f, const cluster::PodTemplate* tmpl) {
  for (const auto& a : f.actions) {
    if (a.parameters.contains("container") && a.parameters["container"].is_string())
      return a.parameters["container"].get<std::string>();
  }
  if (!f.log_container.empty()) return f.log_container;
  return tmpl && !tmpl->spec.containers.empty() ? tmpl->spec.containers.front().name : std::string();
}

const cluster::Container* find_container(const cluster::PodTemplate& tmpl, const std::string& name) {
  for (const auto& c : tmpl.spec.containers)
    if (c.name == name) return &c;
  return nullptr;
}

// The pods of the finding that still exist in the state.
std::vector<const Pod*> pods_of(const ClusterState& state, const Finding& f) {
  std::vector<const Pod*> out;
  const auto& names = f.pod_names.empty() ? f.pods : f.pod_names;
  const std::string& ns = f.resource.ns;
  for (const auto& name : names) {
    if (const auto* p = state.pod(ns, name)) out.push_back(p);
  }
  if (out.empty() && f.resource.kind == "Pod") {
    if (const auto* p = state.pod(f.resource.ns, f.resource.name)) out.push_back(p);
  }
  if (out.empty()) {
    if (auto w = controller_of(f)) {
      for (const auto* p : state.pods_of_workload(*w)) out.push_back(p);
    }
  }
  return out;
}

// Whether the PodDisruptionBudgets covering `pods` allow one more disruption; nullopt when none covers them.
std::optional<bool> pdb_allows(const ClusterState& state, const std::vector<const Pod*>& pods) {
  std::optional<bool> allows;
  for (const auto& pdb : state.pdbs) {
    for (const auto* p : pods) {
      if (pdb.meta.ns != p->meta.ns || !pdb.selector.matches(p->meta.labels)) continue;
      allows = allows.value_or(true) && pdb.disruptions_allowed > 0;
      break;
    }
  }
  return allows;
}

// The memory peak of `container` over `pods` from the metrics API, when it is available.
std::optional<std::int64_t> memory_peak(const ClusterState& state, const std::vector<const Pod*>& pods,
                                        const std::string& container) {
  std::optional<std::int64_t> peak;
  for (const auto* p : pods) {
    const auto* usage = state.pod_usage(p->meta.ns, p->meta.name);
    if (!usage) continue;
    for (const auto& c : usage->containers) {
      if (c.name != container) continue;
      if (auto it = c.usage.find("memory"); it != c.usage.end()) {
        if (auto b = cluster::bytes(it->second)) peak = std::max(peak.value_or(0), *b);
      }
    }
  }
  return peak;
}

std::optional<std::int64_t> largest_node(const ClusterState& state, const char* resource) {
  std::optional<std::int64_t> largest;
  for (const auto& n : state.nodes) {
    const auto it = n.allocatable.find(resource);
    if (it == n.allocatable.end()) continue;
    const auto value =
        std::string(resource) == "cpu" ? cluster::cpu_millicores(it->second) : cluster::bytes(it->second);
    if (value) largest = std::max(largest.value_or(0), *value);
  }
  return largest;
}

class Planner {
 public:
  Planner(const ClusterState& state, const PlannerOptions& options) : state_(state), options_(options) {}

  void add(const Finding& f) {
    if (!options_.finding_ids.empty() && !options_.finding_ids.count(f.id)) return;
    if (out_.plans.size() >= options_.max_plans) return;
    Plan p;
    p.finding_id = f.id;
    p.subject = f.workload.name.empty() ? f.resource.str() : f.workload.str();
    std::optional<std::string> why = build(f, p);
    if (why) {
      out_.not_fixable.push_back(NotFixable{f.id, *why});
      return;
    }
    finish(std::move(p));
  }

  Proposal take() { return std::move(out_); }

  // Right-sizing recommendations of one workload's containers: one server-side apply of the new requests and
  // limits. A CPU limit stays (server-side apply cannot drop a field another manager set) unless it is below the
  // new request, where it becomes the request.
  void add_resizes(const ObjectRef& w, const std::vector<const Resize*>& resizes) {
    const auto reject = [&](const std::string& why) {
      for (const auto* r : resizes) out_.not_fixable.push_back(NotFixable{r->id, why});
    };
    if (out_.plans.size() >= options_.max_plans) return;
    if (w.kind != "Deployment" && w.kind != "StatefulSet" && w.kind != "DaemonSet")
      return reject("a " + w.kind + "'s pods are not rolled out by a template apply can change; change its owner");
    const auto* tmpl = template_of(state_, w);
    const auto* meta = meta_of(state_, w);
    if (!tmpl || !meta) return reject(w.kind + " " + w.ns + "/" + w.name + " is not in the cluster");
    Plan p;
    p.subject = w.str();
    Json containers = Json::array();
    Json changes = Json::array();
    std::vector<std::string> said;
    for (const auto* r : resizes) {
      const auto* c = find_container(*tmpl, r->container);
      if (!c) {
        out_.not_fixable.push_back(NotFixable{r->id, "container \"" + r->container + "\" is not in the pod template"});
        continue;
      }
      if (!r->cpu_request && !r->memory) {
        out_.not_fixable.push_back(NotFixable{r->id, "no recommendation to carry out: " + r->reason});
        continue;
      }
      const auto& req = c->resources.requests;
      const auto& lim = c->resources.limits;
      auto now = [](const cluster::ResourceList& list, const char* key) -> Json {
        const auto it = list.find(key);
        return it == list.end() ? Json(nullptr) : Json(it->second);
      };
      Json before{{"cpu_request", now(req, "cpu")},
                  {"cpu_limit", now(lim, "cpu")},
                  {"memory_request", now(req, "memory")},
                  {"memory_limit", now(lim, "memory")}};
      Json after = before;
      Json requests = Json::object(), limits = Json::object();
      std::string text;
      if (r->cpu_request) {
        requests["cpu"] = after["cpu_request"] = *r->cpu_request;
        const auto limit = lim.count("cpu") ? cluster::cpu_millicores(lim.at("cpu")) : std::nullopt;
        const auto wanted = cluster::cpu_millicores(*r->cpu_request);
        if (limit && wanted && *wanted > *limit) limits["cpu"] = after["cpu_limit"] = *r->cpu_request;
        text += "CPU request " +
                (before["cpu_request"].is_null() ? "unset" : before["cpu_request"].get<std::string>()) + " -> " +
                *r->cpu_request;
      }
      if (r->memory) {
        requests["memory"] = after["memory_request"] = *r->memory;
        limits["memory"] = after["memory_limit"] = *r->memory;
        text += std::string(text.empty() ? "" : ", ") + "memory " +
                (before["memory_limit"].is_null() ? "unlimited" : before["memory_limit"].get<std::string>()) + " -> " +
                *r->memory;
      }
      Json resources{{"requests", requests}};
      if (!limits.empty()) resources["limits"] = limits;
      containers.push_back({{"name", c->name}, {"resources", resources}});
      changes.push_back({{"recommendation_id", r->id}, {"container", c->name}, {"before", before}, {"after", after}});
      said.push_back(c->name + ": " + text);
      p.recommendation_ids.push_back(r->id);
    }
    if (changes.empty()) return;
    Action a;
    a.type = "set_resources";
    a.target = Target{w.kind, w.ns, w.name};
    a.params = {{"source", "rightsizing"}, {"changes", changes}};
    a.calls.push_back(apply_workload(w, Json{{"template", {{"spec", {{"containers", containers}}}}}}));
    a.precondition = key_of(a.target) + " is unchanged since the recommendation (its resourceVersion)";
    a.rollback = "set the requests and limits back to params.changes[].before";
    version(w.kind, *meta, p);
    p.finding_id = p.recommendation_ids.front();
    double savings = 0;
    bool priced = false;
    for (const auto* r : resizes)
      if (r->monthly_savings && std::count(p.recommendation_ids.begin(), p.recommendation_ids.end(), r->id)) {
        savings += *r->monthly_savings;
        priced = true;
      }
    p.summary = "right-size " + key_of(a.target) + " (";
    for (std::size_t i = 0; i < said.size(); ++i) p.summary += (i ? "; " : "") + said[i];
    p.summary += ")";
    if (priced) {
      char saved[48];
      std::snprintf(saved, sizeof saved, ", saving $%.2f a month", savings);
      p.summary += saved;
    }
    p.expected_effect =
        "the workload rolls out pods with the new requests and limits; they stay ready and are not "
        "OOM-killed under the new memory limit";
    p.rollback = a.rollback;
    const auto pods = state_.pods_of_workload(w);
    p.blast_radius.pods_affected = static_cast<int>(pods.size());
    p.blast_radius.pdb_allows_disruption = pdb_allows(state_, pods);
    p.actions.push_back(std::move(a));
    p.check_kinds = {w.kind};
    finish(std::move(p));
  }

 private:
  // Every plan's last steps: the verdicts, the circuit breaker, the expiry and the content-hash id.
  void finish(Plan p) {
    for (auto& a : p.actions) judge(a);
    trip_breaker(p);
    p.created_at = options_.now;
    p.expires_at = options_.now + options_.ttl;
    p.plan_id = plan_id(p);
    out_.plans.push_back(std::move(p));
  }

  // Fills `p` with actions for `f`, or returns why it cannot be fixed automatically.
  std::optional<std::string> build(const Finding& f, Plan& p) {
    const auto pods = pods_of(state_, f);
    // Only records the node left behind: a pod that failed on its own (a Job's, a crashed one) is evidence.
    if (f.reason == "Evicted") return delete_failed(f, pods, p);
    const std::string& category = f.root_cause.category;
    if (f.reason == "OOMKilled") return raise_memory(f, pods, p);
    if (category == "image_unavailable" && (f.reason == "ImagePullBackOff" || f.reason == "RolloutStuck")) {
      if (auto why = rollback_image(f, pods, p); !why) return std::nullopt;
      return why_not(f);
    }
    if (f.reason == "Unschedulable" && category == "insufficient_resources") return lower_requests(f, pods, p);
    if ((f.reason == "CrashLoopBackOff" || f.reason == "ContainerTerminatedWithError" || f.reason == "ProbeFailure") &&
        (category == "dependency_unreachable" || category == "dns_failure"))
      return restart(f, pods, p);
    if (f.reason == "ServiceNoEndpoints") return scale_up_idle(f, p);
    return why_not(f);
  }

  // A Service that selects no pod because the one workload whose pods it would select runs 0 replicas: one
  // replica brings its endpoints back. Several such workloads, or none, are a human's call.
  std::optional<std::string> scale_up_idle(const Finding& f, Plan& p) {
    const auto* svc = state_.service(f.resource.ns, f.resource.name);
    if (!svc || svc->selector.empty()) return why_not(f);
    auto selects = [&](const cluster::PodTemplate& t) {
      for (const auto& [key, value] : svc->selector) {
        const auto it = t.labels.find(key);
        if (it == t.labels.end() || it->second != value) return false;
      }
      return true;
    };
    std::vector<std::pair<ObjectRef, const cluster::ObjectMeta*>> idle;
    for (const auto& d : state_.deployments)
      if (d.meta.ns == svc->meta.ns && d.replicas == 0 && selects(d.pod_template))
        idle.emplace_back(d.meta.ref(), &d.meta);
    for (const auto& s : state_.stateful_sets)
      if (s.meta.ns == svc->meta.ns && s.replicas == 0 && selects(s.pod_template))
        idle.emplace_back(s.meta.ref(), &s.meta);
    if (idle.empty()) return why_not(f);
    if (idle.size() > 1)
      return "several workloads scaled to zero match the Service's selector; which one should serve is a human's call";
    const auto& [w, meta] = idle.front();
    Action a;
    a.type = "scale";
    a.target = Target{w.kind, w.ns, w.name};
    a.params = {{"replicas_before", 0}, {"replicas_after", 1}, {"delta", 1}};
    a.calls.push_back(
        Call{"resources_scale",
             {{"apiVersion", "apps/v1"}, {"kind", w.kind}, {"namespace", w.ns}, {"name", w.name}, {"scale", 1}}});
    a.precondition = key_of(a.target) + " still runs 0 replicas";
    a.rollback = "scale " + key_of(a.target) + " back to 0 replicas";
    version(w.kind, *meta, p);
    p.summary = "scale " + key_of(a.target) + " from 0 to 1 replica: Service " + svc->meta.name +
                " selects only its pods and has no endpoints";
    p.expected_effect = "one pod starts and becomes the Service's endpoint once ready";
    p.rollback = a.rollback;
    p.blast_radius.pods_affected = 0;  // a pod is added; none is replaced
    p.blast_radius.replicas_before = 0;
    p.blast_radius.replicas_after = 1;
    p.actions.push_back(std::move(a));
    return std::nullopt;
  }

  // Remediations of this subject that did not fix it lately: a human looks before the next one runs.
  void trip_breaker(Plan& p) {
    if (!options_.failed_verifications) return;
    const auto failures = options_.failed_verifications(p.subject);
    if (failures && *failures < kBreakerFailures) return;
    for (auto& a : p.actions) {
      if (a.verdict != Verdict::auto_) continue;
      a.verdict = Verdict::needs_approval;
      a.rule = "circuit_breaker";
      a.reason = failures ? "remediations of " + p.subject + " failed verification " + std::to_string(*failures) +
                                " times in the last hour; a human decides whether another one helps"
                          : "the record of earlier remediations of " + p.subject +
                                " could not be read, so the circuit breaker cannot be checked";
    }
  }

  void version(const std::string& kind, const cluster::ObjectMeta& meta, Plan& p) {
    p.resource_versions[kind + "/" + (meta.ns.empty() ? "" : meta.ns + "/") + meta.name] = meta.resource_version;
  }

  std::optional<std::string> delete_failed(const Finding& f, const std::vector<const Pod*>& pods, Plan& p) {
    Action a;
    a.type = "delete_failed_pods";
    const auto w = controller_of(f);
    a.target = w ? Target{w->kind, w->ns, w->name} : Target{"Pod", f.resource.ns, f.resource.name};
    Json deleted = Json::array();
    for (const auto* pod : pods) {
      if (pod->phase != "Failed") continue;
      if (a.calls.size() >= options_.max_failed_pods) break;
      a.calls.push_back(delete_pod(pod->meta.ns, pod->meta.name));
      deleted.push_back(pod->meta.name);
      version("Pod", pod->meta, p);
    }
    if (a.calls.empty()) return "its pods are no longer in phase Failed; nothing is left to clean up";
    a.params = {{"pods", deleted}};
    a.precondition = "each pod still exists and is in phase Failed (Evicted pods are Failed)";
    a.rollback = "none needed: a Failed pod runs nothing; its record and logs go away with it";
    p.summary = "delete " + std::to_string(a.calls.size()) + " Failed/Evicted pod record(s) of " + key_of(a.target);
    p.expected_effect = "the Failed pod records are gone; running pods are not touched";
    p.rollback = a.rollback;
    p.blast_radius.pods_affected = 0;  // a Failed pod serves nothing
    p.actions.push_back(std::move(a));
    return std::nullopt;
  }

  std::optional<std::string> raise_memory(const Finding& f, const std::vector<const Pod*>& pods, Plan& p) {
    const auto w = controller_of(f);
    if (!w) return "the OOM-killed pod has no controller to carry a new memory limit; change its owner's spec";
    const auto* tmpl = template_of(state_, *w);
    const auto* meta = meta_of(state_, *w);
    if (!tmpl || !meta) return "its " + w->kind + " " + w->ns + "/" + w->name + " was not read";
    const std::string name = container_of(f, tmpl);
    const auto* container = find_container(*tmpl, name);
    if (!container) return "container \"" + name + "\" is not in the pod template of " + w->kind + " " + w->name;
    const auto limit_it = container->resources.limits.find("memory");
    const auto limit = limit_it == container->resources.limits.end() ? std::nullopt : cluster::bytes(limit_it->second);
    if (!limit)
      return "container " + name + " has no memory limit, so it was killed by node memory pressure, not its limit";
    const auto peak = memory_peak(state_, pods, name);
    auto raised = static_cast<std::int64_t>(
        std::ceil(static_cast<double>(std::max(*limit, peak.value_or(0))) * options_.memory_raise_factor));
    auto cap = static_cast<std::int64_t>(static_cast<double>(*limit) * options_.memory_cap_factor);
    if (const auto node = largest_node(state_, "memory")) cap = std::min(cap, *node * 9 / 10);
    raised = std::min(raised, cap);
    raised = (raised / kMi) * kMi;
    if (raised <= *limit)
      return "the memory limit of container " + name + " cannot be raised within the cap (" + mib(cap) +
             "); the application must use less memory or run on larger nodes";
    Action a;
    a.type = "set_resources";
    a.target = Target{w->kind, w->ns, w->name};
    a.params = {{"container", name},
                {"memory_limit_before", limit_it->second},
                {"memory_limit_after", mib(raised)},
                {"observed_peak", peak ? Json(mib(*peak)) : Json(nullptr)}};
    Json fields{{"resources", {{"limits", {{"memory", mib(raised)}}}}}};
    a.calls.push_back(apply_workload(*w, container_patch(name, fields)));
    a.precondition = "container " + name + " still has memory limit " + limit_it->second;
    a.rollback = "set the memory limit of container " + name + " back to " + limit_it->second;
    version(w->kind, *meta, p);
    p.summary = "raise the memory limit of container " + name + " in " + key_of(a.target) + " from " +
                limit_it->second + " to " + mib(raised);
    p.expected_effect = "new pods start with the higher limit and stop being OOM-killed at " + limit_it->second;
    p.rollback = a.rollback;
    p.blast_radius.pods_affected = static_cast<int>(state_.pods_of_workload(*w).size());
    p.blast_radius.pdb_allows_disruption = pdb_allows(state_, state_.pods_of_workload(*w));
    p.actions.push_back(std::move(a));
    return std::nullopt;
  }

  // A Deployment whose new pods cannot pull their image goes back to the image its previous revision ran.
  std::optional<std::string> rollback_image(const Finding& f, const std::vector<const Pod*>&, Plan& p) {
    const auto w = controller_of(f);
    if (!w || w->kind != "Deployment") return "no Deployment revision to go back to";
    const auto* d = state_.deployment(w->ns, w->name);
    if (!d) return "its Deployment was not read";
    const std::string name = container_of(f, &d->pod_template);
    const auto* now = find_container(d->pod_template, name);
    if (!now) return "container \"" + name + "\" is not in the Deployment's template";
    // The newest older ReplicaSet of this Deployment that ran another image for the container.
    const cluster::ReplicaSet* previous = nullptr;
    long best = -1;
    for (const auto& rs : state_.replica_sets) {
      if (rs.meta.ns != d->meta.ns) continue;
      const auto* owner = rs.meta.controller_owner();
      if (!owner || owner->kind != "Deployment" || owner->name != d->meta.name) continue;
      const auto* c = find_container(rs.pod_template, name);
      if (!c || c->image == now->image) continue;
      const long revision = rs.revision ? std::atol(rs.revision->c_str()) : 0;
      if (revision > best) {
        best = revision;
        previous = &rs;
      }
    }
    if (!previous) return "no earlier revision ran another image";
    const std::string image = find_container(previous->pod_template, name)->image;
    Action a;
    a.type = "rollback_image";
    a.target = Target{"Deployment", w->ns, w->name};
    a.params = {{"container", name},
                {"image_before", now->image},
                {"image_after", image},
                {"revision", previous->revision.value_or("")}};
    a.calls.push_back(apply_workload(*w, container_patch(name, {{"image", image}})));
    a.precondition = "container " + name + " still runs image " + now->image;
    a.rollback = "set the image of container " + name + " back to " + now->image;
    version("Deployment", d->meta, p);
    version("ReplicaSet", previous->meta, p);
    p.summary = "roll container " + name + " of " + key_of(a.target) + " back to " + image + " (revision " +
                previous->revision.value_or("?") + "), which ran before " + now->image;
    p.expected_effect = "the rollout completes with an image that can be pulled; the failing new pods are replaced";
    p.rollback = a.rollback;
    const auto workload_pods = state_.pods_of_workload(*w);
    p.blast_radius.pods_affected = static_cast<int>(workload_pods.size());
    p.blast_radius.pdb_allows_disruption = pdb_allows(state_, workload_pods);
    p.actions.push_back(std::move(a));
    return std::nullopt;
  }

  // A Pending pod whose requests exceed every node: its requests come down to what the largest node offers.
  std::optional<std::string> lower_requests(const Finding& f, const std::vector<const Pod*>&, Plan& p) {
    const auto w = controller_of(f);
    if (!w) return "the pod has no controller whose template could carry new requests";
    const auto* tmpl = template_of(state_, *w);
    const auto* meta = meta_of(state_, *w);
    if (!tmpl || !meta) return "its " + w->kind + " was not read";
    Json containers = Json::array();
    Json changes = Json::array();
    const auto max_cpu = largest_node(state_, "cpu");
    const auto max_mem = largest_node(state_, "memory");
    // What one pod may ask for on the largest node, split between its containers.
    const auto n = static_cast<std::int64_t>(std::max<std::size_t>(1, tmpl->spec.containers.size()));
    for (const auto& c : tmpl->spec.containers) {
      Json requests = Json::object();
      if (auto it = c.resources.requests.find("cpu"); it != c.resources.requests.end() && max_cpu) {
        const auto want = cluster::cpu_millicores(it->second);
        const auto fit = *max_cpu * 8 / 10 / n;
        if (want && *want > fit) requests["cpu"] = std::to_string(fit) + "m";
      }
      if (auto it = c.resources.requests.find("memory"); it != c.resources.requests.end() && max_mem) {
        const auto want = cluster::bytes(it->second);
        const auto fit = (*max_mem * 8 / 10 / n / kMi) * kMi;
        if (want && *want > fit) requests["memory"] = mib(fit);
      }
      if (requests.empty()) continue;
      // A limit below the new request would be invalid: limits stay as they are only when still above.
      containers.push_back({{"name", c.name}, {"resources", {{"requests", requests}}}});
      changes.push_back(
          {{"container", c.name}, {"requests_before", c.resources.requests}, {"requests_after", requests}});
    }
    if (changes.empty())
      return "its requests already fit the largest node; the nodes are full, which is a capacity question for humans";
    Action a;
    a.type = "set_resources";
    a.target = Target{w->kind, w->ns, w->name};
    a.params = {{"changes", changes}};
    a.calls.push_back(apply_workload(*w, Json{{"template", {{"spec", {{"containers", containers}}}}}}));
    a.precondition = "the pod template still requests what it did when planned";
    a.rollback = "set the requests back to their values before (params.changes[].requests_before)";
    version(w->kind, *meta, p);
    p.summary = "lower the requests of " + key_of(a.target) + " to fit the largest node (80% of its allocatable)";
    p.expected_effect = "the Pending pods can be scheduled; check that the application still has enough resources";
    p.rollback = a.rollback;
    p.blast_radius.pods_affected = static_cast<int>(state_.pods_of_workload(*w).size());
    p.actions.push_back(std::move(a));
    return std::nullopt;
  }

  // A crash caused by a dependency that may be reachable again: restart one pod, or the workload when several
  // pods crash (a rollout restart replaces them one by one, within the rollout's surge and PDB).
  std::optional<std::string> restart(const Finding& f, const std::vector<const Pod*>& pods, Plan& p) {
    const auto w = controller_of(f);
    if (!w) return "the pod has no controller to recreate it, so deleting it would lose it";
    const auto* meta = meta_of(state_, *w);
    if (!meta) return "its " + w->kind + " was not read";
    std::vector<const Pod*> crashing;
    for (const auto* pod : pods)
      if (pod->phase != "Failed" && pod->phase != "Succeeded") crashing.push_back(pod);
    if (crashing.empty()) return "its pods are gone or finished; nothing to restart";
    Action a;
    if (crashing.size() == 1) {
      const auto* pod = crashing.front();
      a.type = "restart_pod";
      a.target = Target{"Pod", pod->meta.ns, pod->meta.name};
      a.params = {{"owner", key_of(Target{w->kind, w->ns, w->name})}};
      a.calls.push_back(delete_pod(pod->meta.ns, pod->meta.name));
      a.precondition = "the pod still exists and its owner " + w->kind + " " + w->name + " will recreate it";
      a.rollback = "none needed: the " + w->kind + " recreates the pod from the same template";
      version("Pod", pod->meta, p);
      p.blast_radius.pods_affected = 1;
    } else {
      a.type = "rollout_restart";
      a.target = Target{w->kind, w->ns, w->name};
      const std::string at = cluster::format_time(std::chrono::time_point_cast<std::chrono::seconds>(options_.now));
      a.params = {{"restarted_at", at}};
      a.calls.push_back(
          apply_workload(*w, Json{{"template", {{"metadata", {{"annotations", {{kRestartedAt, at}}}}}}}}));
      a.precondition = "the " + w->kind + " is not paused";
      a.rollback = "none needed: the pods are replaced from the same template";
      p.blast_radius.pods_affected = static_cast<int>(state_.pods_of_workload(*w).size());
    }
    version(w->kind, *meta, p);
    p.blast_radius.pdb_allows_disruption = pdb_allows(state_, crashing);
    p.summary = (a.type == "restart_pod" ? "restart pod " + a.target.name : "rollout-restart " + key_of(a.target)) +
                ": it crashed because a dependency was unreachable (" + f.root_cause.summary + ")";
    p.expected_effect =
        "the new pods start and connect once the dependency answers; if it is still down they "
        "crash again and verification says not_fixed";
    p.rollback = a.rollback;
    p.actions.push_back(std::move(a));
    return std::nullopt;
  }

  void judge(Action& a) {
    a.verdict = Verdict::auto_;
    if (!options_.judge) {
      a.verdict = Verdict::needs_approval;
      a.rule = "approver";
      a.reason = "no validator was asked";
      return;
    }
    // The strictest verdict of its calls, with the first rule that gave it.
    for (const auto& call : a.calls) {
      const Judgement j = options_.judge(call);
      if (a.rule.empty() || static_cast<int>(j.verdict) > static_cast<int>(a.verdict)) {
        a.verdict = j.verdict;
        a.rule = j.rule;
        a.reason = j.reason;
      }
    }
  }

  const ClusterState& state_;
  const PlannerOptions& options_;
  Proposal out_;
};

}  // namespace

Judge preview_judge(std::shared_ptr<safety::Validator> validator) {
  return [validator = std::move(validator)](const Call& call) -> Judgement {
    safety::UpstreamCall upstream;
    upstream.upstream = "kubernetes";
    upstream.tool = call.tool;
    upstream.arguments = call.arguments;
    const safety::Decision d = validator->preview(safety::classify_upstream(upstream));
    switch (d.verdict) {
      case safety::Verdict::allow:
        return {Verdict::auto_, d.code, "the policy lets this run without a human in auto mode"};
      case safety::Verdict::needs_approval: return {Verdict::needs_approval, d.rule, d.reason};
      case safety::Verdict::deny: return {Verdict::forbidden, d.rule, d.reason};
    }
    return {Verdict::forbidden, "validator", "unknown verdict"};
  };
}

std::optional<std::string> current_version(const ClusterState& state, const std::string& key) {
  const auto first = key.find('/');
  const auto second = key.find('/', first + 1);
  if (first == std::string::npos || second == std::string::npos) return std::nullopt;
  const std::string kind = key.substr(0, first);
  const std::string ns = key.substr(first + 1, second - first - 1);
  const std::string name = key.substr(second + 1);
  const cluster::ObjectMeta* meta = nullptr;
  if (kind == "ReplicaSet") {
    if (const auto* rs = state.replica_set(ns, name)) meta = &rs->meta;
  } else {
    meta = meta_of(state, ObjectRef{kind, ns, name, ""});
  }
  if (!meta) return std::nullopt;
  return meta->resource_version;
}

namespace {

// Plan::check_kinds: the kinds whose objects decide whether `finding` is there, or empty (every kind) when a read
// of only those would not show it and every target as the full read does.
std::set<std::string> check_kinds(const ClusterState& state, const Plan& plan, const Finding& finding) {
  // Pods, their events and nodes, the namespace; then every kind the finding or the plan names.
  std::set<std::string> kinds{"Pod", "Event", "Node", "Namespace"};
  auto add = [&kinds](const std::string& kind) {  // a kind's name: "Deployment", never "container api"
    if (!kind.empty() && std::isupper(static_cast<unsigned char>(kind[0])) && kind.find(' ') == std::string::npos)
      kinds.insert(kind);
  };
  add(finding.resource.kind);
  add(finding.workload.kind);
  for (const auto& r : finding.owners) add(r.kind);
  // The owner chains of its pods (Pod -> ReplicaSet -> Deployment): a workload's finding is found through them.
  for (const auto& name : finding.pod_names.empty() ? finding.pods : finding.pod_names)
    if (const auto* pod = state.pod(finding.resource.ns, name))
      for (const auto& owner : state.owner_chain(pod->meta)) add(owner.kind);
  for (const auto* list : {&finding.related, &finding.affected})
    for (const auto& r : *list) add(r.ref.kind);
  for (const auto* chain : {&finding.caused_by, &finding.causes})
    for (const auto& l : *chain) add(l.ref.kind);
  for (const auto& e : finding.evidence) add(e.object.substr(0, e.object.find('/')));
  for (const auto& a : plan.actions) add(a.target.kind);
  for (const auto& [key, version] : plan.resource_versions) add(key.substr(0, key.find('/')));

  // Kept only when that narrower picture still shows the finding and every target, as apply will read it.
  analyzers::Options options;
  options.ns = check_namespace(plan);
  const ClusterState narrow = state.subset(kinds, options.ns);
  for (const auto& [key, version] : plan.resource_versions)
    if (current_version(narrow, key) != version) return {};
  for (const auto& f : analyzers::analyze(narrow, options).findings)
    if (f.id == plan.finding_id) return kinds;
  return {};
}

}  // namespace

Proposal plan_resizes(const ClusterState& state, const std::vector<Resize>& resizes, const PlannerOptions& options) {
  Planner planner(state, options);
  std::map<std::string, std::pair<ObjectRef, std::vector<const Resize*>>> by_workload;  // in workload order
  for (const auto& r : resizes) {
    auto& entry = by_workload[r.workload.str()];
    entry.first = r.workload;
    entry.second.push_back(&r);
  }
  for (const auto& [key, entry] : by_workload) planner.add_resizes(entry.first, entry.second);
  return planner.take();
}

Proposal plan(const ClusterState& state, const std::vector<analyzers::Finding>& findings,
              const PlannerOptions& options) {
  Planner planner(state, options);
  for (const auto& f : findings) planner.add(f);
  Proposal out = planner.take();
  for (auto& p : out.plans)
    for (const auto& f : findings)
      if (f.id == p.finding_id) p.check_kinds = check_kinds(state, p, f);
  return out;
}

}  // namespace eks::remediation
