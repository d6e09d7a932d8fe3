// Correlation: one incident, one finding, on the object a human must change. Pods of one workload failing the
// same way become one finding on the workload with a count; the workload's "short of replicas", its Service
// without ready endpoints and the Ingress routing to it are consequences of that finding; the pods of a claim
// that cannot be provisioned are the claim's; a Deployment whose rollout passed its deadline is the finding, its
// new pods' failure the cause; workloads blocked by one missing Secret or one quota are one incident; workloads
// failing because a cluster service fails (the cluster DNS, a node's network agent, an admission webhook whose
// backend is gone) are that service's incident. Every fold leaves a trace: the consequence in `causes` and
// `affected`, the cause in `caused_by`.
#include <algorithm>
#include <map>
#include <set>

#include "tools/analyzers/context.hpp"
#include "tools/analyzers/pod_reasons.hpp"

namespace eks::analyzers {
namespace {

// Symptoms: what a workload or Service shows when something else is the cause.
const std::set<std::string_view> kSymptoms = {"DeploymentUnavailable", "StatefulSetUnavailable", "DaemonSetUnavailable",
                                              "RolloutStuck", "ServiceNotReadyEndpoints"};

bool is_pod_reason(std::string_view r) { return kPodReasons.count(r) > 0; }

// How a folded finding stands to the one it is folded into.
enum class Role {
  consequence,  // `into` explains `from` (a node and its pods, a claim and the pods that mount it)
  cause,        // `from` explains `into` (the new pods' failure under a stuck rollout)
  named_cause,  // the same, where `into`'s root cause already names it (a node's network agent)
  same,         // the same incident seen twice (the missing StorageClass of a claim and of its template)
  downstream,   // `into` (a cluster service: DNS, the network agent) explains `from`, which keeps its own words
};

void merge_affected(Finding& into, const Finding& from) {
  for (const auto& a : from.affected) into.add_affected(a.ref, a.reason, a.note);
  for (const auto& p : from.pod_names) {
    if (std::find(into.pod_names.begin(), into.pod_names.end(), p) == into.pod_names.end()) into.pod_names.push_back(p);
  }
  for (const auto& c : from.claims) {
    if (std::find(into.claims.begin(), into.claims.end(), c) == into.claims.end()) into.claims.push_back(c);
  }
}

// Merges `from` into `into`: its resource, reason and note, its evidence, and the link between them.
void fold(Finding& into, Finding& from, Role role = Role::consequence, std::size_t max_evidence = 12) {
  into.add_related(from.resource, from.reason, from.what);
  const auto label = [&](const Evidence& e) {
    return e.object.empty() && !(from.resource == into.resource) ? from.resource.kind + "/" + from.resource.name
                                                                 : e.object;
  };
  // A consequence's first evidence line is its proof; the rest repeats the cause's. A cause brings its proof.
  // A downstream finding's proof is what ties it to the service (its log's failed lookups), else its first line.
  const std::size_t lines = role == Role::cause || role == Role::named_cause ? 4 : 1;
  std::size_t first = 0;
  if (role == Role::downstream) {
    const auto log =
        std::find_if(from.evidence.begin(), from.evidence.end(), [](const Evidence& e) { return e.source == "log"; });
    if (log != from.evidence.end()) first = static_cast<std::size_t>(log - from.evidence.begin());
  }
  for (std::size_t k = first; k < from.evidence.size() && k < first + lines && into.evidence.size() < max_evidence;
       ++k) {
    const auto& e = from.evidence[k];
    into.add_evidence(e.source, e.text, label(e), e.count);
  }
  for (const auto& r : from.related) into.add_related(r.ref, r.reason, r.note);
  into.severity = std::max(into.severity, from.severity);
  merge_affected(into, from);
  switch (role) {
    case Role::consequence:
      into.add_consequence(from.resource, from.reason, from.what);
      into.add_affected(from.resource, from.reason, from.what);
      for (const auto& c : from.causes) into.add_consequence(c.ref, c.reason, c.note, c.finding);
      if (from.status_cause_is_specific && from.root_cause.confidence > into.root_cause.confidence) {
        into.root_cause = from.root_cause;
        into.status_cause_is_specific = true;
        for (const auto& a : from.actions) into.add_action(a.type, a.description, a.parameters);
      }
      break;
    case Role::cause: {
      // A workload's pods explaining the workload's own finding: the link names a pod.
      const ObjectRef cause = from.resource == into.resource && !from.pod_names.empty()
                                  ? ObjectRef{"Pod", from.resource.ns, from.pod_names.front(), ""}
                                  : from.resource;
      into.add_cause(cause, from.reason, from.what);
      for (const auto& c : from.caused_by) into.add_cause(c.ref, c.reason, c.note, c.finding);
      if (from.root_cause.confidence >= into.root_cause.confidence || into.root_cause.category == "unknown") {
        into.root_cause = from.root_cause;
        into.root_cause.summary = from.what + ": " + from.root_cause.summary;
        into.status_cause_is_specific = from.status_cause_is_specific;
      }
      // The cause's actions come first: fixing it is what unblocks `into`.
      std::vector<Action> actions = from.actions;
      for (auto& a : into.actions) actions.push_back(std::move(a));
      into.actions = std::move(actions);
      if (into.log_pod.empty() || from.root_cause.confidence >= into.root_cause.confidence) {
        into.log_pod = from.log_pod;
        into.log_container = from.log_container;
        into.log_previous = from.log_previous;
      }
      break;
    }
    case Role::named_cause:
      into.add_cause(from.resource, from.reason, from.what);
      into.add_affected(from.resource, from.reason, from.what);
      break;
    case Role::same: into.add_affected(from.resource, from.reason, from.what); break;
    case Role::downstream:
      into.add_consequence(from.resource, from.reason, from.what);
      into.add_affected(from.resource, from.reason, from.what);
      break;
  }
  from.folded = true;
}

// 1. Pods of one workload failing the same way -> one finding on the workload.
void group_pods(Context& ctx) {
  std::map<std::string, std::vector<std::size_t>> groups;  // "workload|reason" -> findings
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    const auto& f = ctx.findings[i];
    if (f.resource.kind != "Pod" || !is_pod_reason(f.reason)) continue;
    groups[f.workload.str() + "|" + f.reason].push_back(i);
  }
  for (auto& [key, members] : groups) {
    // Deterministic representative: the pod with the most specific cause, then by name.
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      const auto& fa = ctx.findings[a];
      const auto& fb = ctx.findings[b];
      if (fa.root_cause.confidence != fb.root_cause.confidence)
        return fa.root_cause.confidence > fb.root_cause.confidence;
      return fa.resource.name < fb.resource.name;
    });
    Finding& head = ctx.findings[members.front()];
    std::vector<std::string> pods;
    for (std::size_t m : members) pods.push_back(ctx.findings[m].resource.name);
    for (std::size_t k = 1; k < members.size(); ++k) {
      Finding& other = ctx.findings[members[k]];
      // The other pods' evidence repeats the head's with other pod names: the count and names say enough.
      for (const auto& r : other.related) head.add_related(r.ref, r.reason, r.note);
      for (const auto& c : other.claims) {
        if (std::find(head.claims.begin(), head.claims.end(), c) == head.claims.end()) head.claims.push_back(c);
      }
      other.folded = true;
    }
    std::sort(pods.begin(), pods.end());
    head.pod_names = pods;
    head.pods.assign(pods.begin(), pods.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(pods.size(), 5)));
    head.count = static_cast<int>(pods.size());
    if (!(head.workload == head.resource)) {
      head.owners.clear();
      head.resource = head.workload;
    }
    for (const auto& p : pods) head.add_affected(ObjectRef{"Pod", head.resource.ns, p, ""}, head.reason);
    // Severity: the workload serves nothing when none of its pods is ready.
    if (head.severity == Severity::warning && head.reason != "Evicted") {
      bool any_ready = false;
      if (head.workload.kind == "Pod") {
        const auto* p = ctx.state.pod(head.workload.ns, head.workload.name);
        any_ready = p && p->ready();
      } else {
        for (const auto* p : ctx.state.pods_of_workload(head.workload)) any_ready |= p->ready();
      }
      if (!any_ready) head.severity = Severity::critical;
    }
  }
}

std::size_t find_cause(const Context& ctx, const ObjectRef& workload) {
  std::size_t best = ctx.findings.size();
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    const auto& f = ctx.findings[i];
    if (f.folded || kSymptoms.count(f.reason) || !(f.workload == workload)) continue;
    if (f.reason == "Evicted" || f.reason == "StorageClassMissing")
      continue;  // evictions are history; not the cause of "unavailable"
    if (best == ctx.findings.size() || f.severity > ctx.findings[best].severity) best = i;
  }
  if (best != ctx.findings.size()) return best;
  // A finding on another object (a claim, a node) that already lists the workload as hurt.
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    const auto& f = ctx.findings[i];
    if (f.folded || kSymptoms.count(f.reason) || f.workload == workload) continue;
    for (const auto& a : f.affected) {
      if (a.ref == workload) return i;
    }
  }
  return best;
}

// A node finding that explains every unready pod of the workload.
std::size_t node_cause(const Context& ctx, const ObjectRef& workload) {
  std::set<std::string> nodes;
  bool any = false;
  for (const auto* p : ctx.state.pods_of_workload(workload)) {
    if (p->ready() || p->phase == "Succeeded" || p->phase == "Failed") continue;
    any = true;
    const auto* n = p->node_name ? ctx.state.node(*p->node_name) : nullptr;
    if (!n || n->ready()) return ctx.findings.size();
    nodes.insert(n->meta.name);
  }
  if (!any) return ctx.findings.size();
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    const auto& f = ctx.findings[i];
    if (f.reason == "NodeNotReady" && nodes.count(f.resource.name)) return i;
  }
  return ctx.findings.size();
}

// A Service without ready endpoints whose finding names the cause (a readiness gate) and selects the workload.
std::size_t service_cause(const Context& ctx, const ObjectRef& workload) {
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    const auto& f = ctx.findings[i];
    if (f.folded || f.reason != "ServiceNotReadyEndpoints" || !f.status_cause_is_specific) continue;
    for (const auto& r : f.related) {
      if (r.ref == workload) return i;
    }
  }
  return ctx.findings.size();
}

// 2. Symptoms fold into their cause: same workload, the NotReady node under the workload's pods, or the Service
// whose finding explains why they are not ready.
void fold_symptoms(Context& ctx) {
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    Finding& f = ctx.findings[i];
    if (f.folded || !kSymptoms.count(f.reason)) continue;
    if (f.reason == "ServiceNotReadyEndpoints") {
      // The Service's related entries are the workloads it selects.
      std::size_t cause = ctx.findings.size();
      for (const auto& r : f.related) {
        cause = find_cause(ctx, r.ref);
        if (cause == ctx.findings.size()) cause = node_cause(ctx, r.ref);
        if (cause != ctx.findings.size()) break;
      }
      if (cause != ctx.findings.size()) {
        f.related.clear();
        fold(ctx.findings[cause], f);
      }
      continue;
    }
    if (f.reason == "RolloutStuck") {
      // The rollout is what a human changes (roll back, fix the template); its new pods' failure is its cause.
      bool explained = false;
      for (std::size_t c = find_cause(ctx, f.workload);
           c != ctx.findings.size() && ctx.findings[c].workload == f.workload; c = find_cause(ctx, f.workload)) {
        fold(f, ctx.findings[c], Role::cause);
        explained = true;
      }
      if (explained) continue;
    }
    std::size_t cause = find_cause(ctx, f.workload);
    if (cause == ctx.findings.size()) cause = node_cause(ctx, f.workload);
    if (cause == ctx.findings.size()) cause = service_cause(ctx, f.workload);
    if (cause != ctx.findings.size()) fold(ctx.findings[cause], f);
  }
}

// 3. Storage: a claim that cannot be provisioned (or lost its volume) is the incident; the pods that mount it,
// and their workload, are its consequences. A StorageClass missing for a StatefulSet's template is the same
// incident as the claim made from it; one whose claim was never created explains the StatefulSet's pods.
bool claim_matches(const Finding& f, const std::string& pvc_name) {
  for (const auto& c : f.claims) {
    if (c == pvc_name) return true;
    // StatefulSet volumeClaimTemplates: <template>-<statefulset>-<ordinal>.
    if (f.workload.kind == "StatefulSet" && pvc_name.rfind(c + "-" + f.workload.name + "-", 0) == 0) return true;
  }
  return false;
}

bool is_claim_finding(const Finding& f) {
  return f.resource.kind == "PersistentVolumeClaim" &&
         (f.reason == "PVCPending" || f.reason == "PVCLost" || f.reason == "StorageClassMissing");
}

// Pods held back by their claim: not scheduled for it, not mounted, or the workload short of them. A pod that
// waits for something else (CPU, a taint) is not the claim's.
bool waits_on_storage(const Finding& f) {
  return f.reason == "MountFailure" || f.reason == "StatefulSetUnavailable" || f.reason == "DeploymentUnavailable" ||
         f.root_cause.category == "storage_unavailable";
}

void fold_storage(Context& ctx) {
  for (auto& sc : ctx.findings) {
    if (sc.folded || sc.reason != "StorageClassMissing" || sc.resource.kind != "StorageClass") continue;
    for (auto& pvc : ctx.findings) {
      if (pvc.folded || !is_claim_finding(pvc)) continue;
      for (const auto& r : pvc.related) {
        if (r.ref.kind == "StorageClass" && r.ref.name == sc.resource.name && sc.workload.ns == pvc.resource.ns) {
          fold(pvc, sc, Role::same);
          break;
        }
      }
      if (sc.folded) break;
    }
  }
  for (auto& f : ctx.findings) {
    if (f.folded || is_claim_finding(f) || !(kPodReasons.count(f.reason) || kSymptoms.count(f.reason))) continue;
    if (!waits_on_storage(f)) continue;
    Finding* head = nullptr;
    for (auto& pvc : ctx.findings) {
      if (pvc.folded || !is_claim_finding(pvc) || pvc.resource.ns != f.resource.ns ||
          !claim_matches(f, pvc.resource.name))
        continue;
      if (!head) {
        head = &pvc;
      } else if (pvc.reason == head->reason && pvc.root_cause.category == head->root_cause.category) {
        fold(*head, pvc, Role::same);  // the claims of one StatefulSet's replicas, failing alike
      }
    }
    if (!head) continue;
    if (!(f.workload == f.resource)) head->add_affected(f.workload, "", "mounts the claim");
    fold(*head, f);
  }
  for (auto& sc : ctx.findings) {  // a StorageClass missing for a StatefulSet whose claim was never created
    if (sc.folded || sc.reason != "StorageClassMissing" || sc.resource.kind != "StorageClass") continue;
    const std::size_t cause = find_cause(ctx, sc.workload);
    if (cause != ctx.findings.size()) fold(ctx.findings[cause], sc);
  }
}

// 4. One missing ConfigMap or Secret, or one exhausted quota, blocking several workloads is one incident: the
// workloads are its affected objects, the first (by name) carries the finding.
std::string shared_cause(const Finding& f) {
  if (f.root_cause.category == "missing_config") {
    for (const auto& r : f.related) {
      if ((r.ref.kind == "Secret" || r.ref.kind == "ConfigMap") && r.note == "missing")
        return r.ref.kind + "/" + r.ref.ns + "/" + r.ref.name;
    }
  }
  if (f.root_cause.category == "quota_exceeded") {
    // "exceeded quota: compute-quota, requested: ..."
    const std::string& text = f.root_cause.summary;
    const auto pos = text.find("exceeded quota: ");
    if (pos != std::string::npos) {
      const auto start = pos + 16;
      const auto end = text.find_first_of(", \"", start);
      return "ResourceQuota/" + f.resource.ns + "/" + text.substr(start, end - start);
    }
  }
  return {};
}

void fold_shared_causes(Context& ctx) {
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < ctx.findings.size(); ++i) {
    const auto& f = ctx.findings[i];
    if (f.folded || f.severity == Severity::info) continue;
    if (const auto key = shared_cause(f); !key.empty()) groups[key].push_back(i);
  }
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return ctx.findings[a].resource.str() < ctx.findings[b].resource.str();
    });
    Finding& head = ctx.findings[members.front()];
    for (std::size_t k = 1; k < members.size(); ++k) fold(head, ctx.findings[members[k]]);
    head.what +=
        " (and " + plural(static_cast<long long>(members.size() - 1), "more workload") + " for the same cause)";
  }
}

// 4. Services and Ingresses in front of a failing workload.
void fold_front_ends(Context& ctx) {
  for (const auto& ing : ctx.state.ingresses) {
    if (!ctx.in_scope(ing.meta.ns)) continue;
    for (const auto& p : ing.paths) {
      if (!p.backend.service_name) continue;
      const ObjectRef svc{"Service", ing.meta.ns, *p.backend.service_name, ""};
      for (auto& f : ctx.findings) {
        if (f.folded) continue;
        const bool about_service = f.resource == svc;
        bool relates = about_service;
        for (const auto& r : f.related) relates |= r.ref == svc;
        if (!relates) continue;
        f.add_related(ing.meta.ref(), "", "routes " + p.host.value_or("*") + p.path + " to Service " + svc.name);
        f.add_affected(ing.meta.ref(), "", "routes to Service " + svc.name);
        if (about_service && f.reason == "ServiceNoEndpoints") {
          f.severity = Severity::critical;
          f.add_evidence("spec", "Ingress " + ing.meta.name + " routes " + p.host.value_or("*") + p.path +
                                     " to it: requests fail with 503");
        }
      }
    }
  }
}

// 5. A node whose pod network is down, and the network plugin's agent failing on it (a DaemonSet pod there): one
// incident on the node, whose root cause names the agent; the agent's own failure is its cause.
void fold_node_agents(Context& ctx) {
  for (auto& node : ctx.findings) {
    if (node.folded || node.reason != "NodeNetworkUnavailable") continue;
    for (auto& f : ctx.findings) {
      if (f.folded || f.workload.kind != "DaemonSet" || !is_pod_reason(f.reason) || f.pod_names.empty()) continue;
      bool on_node = true;
      for (const auto& name : f.pod_names) {
        const auto* pod = ctx.state.pod(f.workload.ns, name);
        on_node = on_node && pod && pod->node_name == node.resource.name;
      }
      if (on_node) fold(node, f, Role::named_cause);
    }
  }
}

// 6. A Job whose pods failed in an init container (restartPolicy Never: the pods Failed before their main
// containers ran) is that init container's incident: the Job's failure is its consequence.
void fold_failed_jobs(Context& ctx) {
  for (auto& job : ctx.findings) {
    if (job.folded || job.reason != "JobFailed") continue;
    for (auto& init : ctx.findings) {
      if (init.folded || init.reason != "InitContainerFailure" || !(init.workload == job.workload)) continue;
      // Of this Job: one of its failed pods is among the init container's.
      const bool ours = std::any_of(job.pod_names.begin(), job.pod_names.end(), [&](const std::string& p) {
        return std::find(init.pod_names.begin(), init.pod_names.end(), p) != init.pod_names.end();
      });
      if (!ours) continue;
      fold(init, job);
      break;
    }
  }
}

// 7. Cluster services other workloads depend on. While the cluster DNS (the workload behind kube-system/kube-dns)
// fails, a workload whose lookups against the DNS Service's address time out or are refused fails because of it:
// one incident on the DNS workload, the others its affected objects. A name that does not exist (NXDOMAIN, "no
// such host") is the workload's own mistake and stays its own. Likewise pods whose sandbox the node's network
// agent does not answer for ("connection refused" from the CNI daemon) are the failing agent's on that node.
// The unfolded warning-or-worse finding on `workload`, or nullptr.
Finding* finding_on(Context& ctx, const ObjectRef& workload) {
  for (auto& f : ctx.findings) {
    if (!f.folded && f.workload == workload && f.severity >= Severity::warning) return &f;
  }
  return nullptr;
}

void fold_cluster_dns(Context& ctx) {
  const auto* dns = ctx.state.service("kube-system", "kube-dns");
  if (!dns || dns->selector.empty() || !dns->cluster_ip || dns->cluster_ip->empty()) return;
  const auto pods = ctx.state.pods_matching("kube-system", dns->selector);
  if (pods.empty()) return;
  Finding* down = finding_on(ctx, ctx.state.top_owner(pods.front()->meta));
  if (!down) return;
  const std::string address = *dns->cluster_ip + ":53";
  const auto unanswered = [&](const std::string& text) {
    return text.find(address) != std::string::npos &&
           (icontains(text, "i/o timeout") || icontains(text, "connection refused") ||
            icontains(text, "server misbehaving") || icontains(text, "no servers could be reached"));
  };
  for (auto& f : ctx.findings) {
    if (f.folded || &f == down) continue;
    const bool dns_down = unanswered(f.root_cause.summary) ||
                          std::any_of(f.evidence.begin(), f.evidence.end(),
                                      [&](const Evidence& e) { return e.source == "log" && unanswered(e.text); });
    if (dns_down) fold(*down, f, Role::downstream);
  }
}

// Workloads whose calls time out while the cluster DNS answers others: a NetworkPolicy that selects their pods
// and restricts egress drops the packets silently (a timeout, never a refusal). With no egress rule at all it
// denies everything, DNS included, and is the cause a human changes; with rules it is named as the first thing to
// check, the log's own words staying the cause.
void blame_egress_policies(Context& ctx) {
  const auto timed_out = [](const std::string& text) {
    return icontains(text, "i/o timeout") || icontains(text, "timed out") || icontains(text, "deadline exceeded");
  };
  for (auto& f : ctx.findings) {
    if (f.folded || f.workload.kind.empty()) continue;
    const auto& category = f.root_cause.category;
    if (category != "dns_failure" && category != "dependency_unreachable") continue;
    const bool timeouts = std::any_of(f.evidence.begin(), f.evidence.end(),
                                      [&](const Evidence& e) { return e.source == "log" && timed_out(e.text); });
    if (!timeouts) continue;
    const auto pods = ctx.state.pods_of_workload(f.workload);
    if (pods.empty()) continue;
    for (const auto& policy : ctx.state.network_policies) {
      const auto& types = policy.policy_types;
      if (policy.meta.ns != f.workload.ns || std::find(types.begin(), types.end(), "Egress") == types.end() ||
          !policy.pod_selector.matches(pods.front()->meta.labels))
        continue;
      const bool deny_all = policy.egress_rules == 0;
      f.add_related(policy.meta.ref(), "", deny_all ? "denies all egress" : "restricts egress");
      f.add_evidence("spec",
                     "NetworkPolicy " + policy.meta.name + " selects the pods: policyTypes Egress, " +
                         (deny_all ? std::string("no egress rule (all egress denied)")
                                   : std::to_string(policy.egress_rules) + " egress rules"),
                     policy.meta.ref().str());
      Json target{{"kind", "NetworkPolicy"}, {"namespace", policy.meta.ns}, {"name", policy.meta.name}};
      if (deny_all) {
        f.root_cause.summary = "NetworkPolicy " + policy.meta.name +
                               " selects the pods and allows no egress, so every connection and DNS lookup times "
                               "out (" +
                               f.root_cause.summary + ")";
        f.root_cause.confidence = std::max(f.root_cause.confidence, 0.85);
        f.actions.insert(f.actions.begin(),
                         Action{"fix_config",
                                "allow the pods' egress in NetworkPolicy " + policy.meta.name +
                                    " (at least UDP and TCP 53 to kube-dns in kube-system, and the dependency)",
                                target});
      } else {
        f.root_cause.summary += "; NetworkPolicy " + policy.meta.name +
                                " restricts the pods' egress: check that it allows DNS (port 53 to kube-dns) and the "
                                "dependency";
        f.add_action("investigate", "check NetworkPolicy " + policy.meta.name + "'s egress rules", target);
      }
      break;
    }
  }
}

void fold_node_network_agents(Context& ctx) {
  for (auto& f : ctx.findings) {
    if (f.folded || f.root_cause.category != "node_failure") continue;
    const bool refused = std::any_of(f.evidence.begin(), f.evidence.end(), [](const Evidence& e) {
      return e.text.rfind("FailedCreatePodSandBox:", 0) == 0 && icontains(e.text, "connection refused");
    });
    if (!refused) continue;
    // The node of the pods that get no sandbox.
    std::string node;
    for (const auto* p : ctx.state.pods_of_workload(f.workload)) {
      if (!p->ready() && p->node_name) node = *p->node_name;
    }
    if (f.workload.kind == "Pod")
      if (const auto* p = ctx.state.pod(f.workload.ns, f.workload.name); p && p->node_name) node = *p->node_name;
    if (node.empty()) continue;
    for (auto& agent : ctx.findings) {
      if (&agent == &f || agent.folded || agent.workload.kind != "DaemonSet" || !is_pod_reason(agent.reason)) continue;
      const bool there = std::any_of(agent.pod_names.begin(), agent.pod_names.end(), [&](const std::string& name) {
        const auto* pod = ctx.state.pod(agent.workload.ns, name);
        return pod && pod->node_name == node;
      });
      if (!there) continue;
      fold(agent, f, Role::downstream);
      break;
    }
  }
}

// 8. Workloads whose pods an admission webhook refuses because its backend is down ("failed calling webhook
// \"validation.gatekeeper.sh\"") are the webhook's incident: the configuration is what a human must restore or
// remove.
void fold_webhook_victims(Context& ctx) {
  for (auto& hook : ctx.findings) {
    if (hook.folded || hook.resource.kind.find("WebhookConfiguration") == std::string::npos) continue;
    const auto& all = ctx.state.webhook_configurations;
    const auto found = std::find_if(all.begin(), all.end(), [&](const cluster::WebhookConfiguration& c) {
      return c.meta.kind == hook.resource.kind && c.meta.name == hook.resource.name;
    });
    if (found == all.end()) continue;
    const auto* cfg = &*found;
    for (auto& f : ctx.findings) {
      if (&f == &hook || f.folded) continue;
      const bool refused = std::any_of(f.evidence.begin(), f.evidence.end(), [&](const Evidence& e) {
        return std::any_of(cfg->webhooks.begin(), cfg->webhooks.end(), [&](const auto& w) {
          return e.text.find("failed calling webhook \"" + w.name + "\"") != std::string::npos;
        });
      });
      if (refused) fold(hook, f, Role::downstream);
    }
  }
}

void attach(Context& ctx) {
  for (const auto& a : ctx.attachments) {
    for (auto& f : ctx.findings) {
      if (f.folded || !(f.workload == a.workload)) continue;
      f.add_related(a.related.ref, a.related.reason, a.related.note);
      f.add_evidence("status", a.evidence);
    }
  }
}

void drop_folded(Context& ctx) {
  ctx.findings.erase(
      std::remove_if(ctx.findings.begin(), ctx.findings.end(), [](const Finding& f) { return f.folded; }),
      ctx.findings.end());
}

// 9. Whatever fails inside a namespace stuck Terminating (pods stuck terminating, workloads being torn down) is
// part of the namespace's incident: all of it is being deleted.
void fold_terminating_namespaces(Context& ctx) {
  for (auto& ns : ctx.findings) {
    if (ns.folded || ns.resource.kind != "Namespace" || ns.reason != "NamespaceDegraded") continue;
    for (auto& f : ctx.findings) {
      if (&f != &ns && !f.folded && f.resource.ns == ns.resource.name) fold(ns, f);
    }
  }
}

}  // namespace

void correlate(Context& ctx) {
  group_pods(ctx);
  fold_failed_jobs(ctx);
  fold_storage(ctx);
  fold_symptoms(ctx);
  fold_shared_causes(ctx);
  fold_node_agents(ctx);
  fold_front_ends(ctx);
  fold_node_network_agents(ctx);
  fold_webhook_victims(ctx);
  fold_terminating_namespaces(ctx);
  attach(ctx);
  drop_folded(ctx);
}

void correlate_logs(Context& ctx) {
  fold_cluster_dns(ctx);
  drop_folded(ctx);
  blame_egress_policies(ctx);
}

}  // namespace eks::analyzers
