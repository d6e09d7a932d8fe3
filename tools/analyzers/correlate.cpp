// Correlation: one incident, one finding. Pods of one workload failing the same way become one finding on the
// workload with a count; the workload's "short of replicas", its Service without ready endpoints, the Ingress
// routing to it, its unbound claim and missing StorageClass become related resources of that finding; the
// workloads and pods a NotReady node takes down fold into the node's finding.
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

// Merges `from` into `into` as a related resource: its resource, reason and a note, and its evidence.
void fold(Finding& into, Finding& from, std::size_t max_evidence = 12) {
  into.add_related(from.resource, from.reason, from.what);
  // The folded finding's first evidence line is its proof; the rest repeats the cause's.
  for (const auto& e : from.evidence) {
    if (into.evidence.size() >= max_evidence || &e != &from.evidence.front()) break;
    into.add_evidence(e.source, e.text,
                      e.object.empty() && !(from.resource == into.resource)
                          ? from.resource.kind + "/" + from.resource.name
                          : e.object,
                      e.count);
  }
  for (const auto& r : from.related) into.add_related(r.ref, r.reason, r.note);
  into.severity = std::max(into.severity, from.severity);
  if (from.status_cause_is_specific && from.root_cause.confidence > into.root_cause.confidence) {
    into.root_cause = from.root_cause;
    into.status_cause_is_specific = true;
    for (const auto& a : from.actions) into.add_action(a.type, a.description, a.parameters);
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
    std::size_t cause = find_cause(ctx, f.workload);
    if (cause == ctx.findings.size()) cause = node_cause(ctx, f.workload);
    if (cause == ctx.findings.size()) cause = service_cause(ctx, f.workload);
    if (cause != ctx.findings.size()) fold(ctx.findings[cause], f);
  }
}

// 3. Storage: a missing StorageClass folds into the Pending claim; the claim into the pod that mounts it.
bool claim_matches(const Finding& f, const std::string& pvc_name) {
  for (const auto& c : f.claims) {
    if (c == pvc_name) return true;
    // StatefulSet volumeClaimTemplates: <template>-<statefulset>-<ordinal>.
    if (f.workload.kind == "StatefulSet" && pvc_name.rfind(c + "-" + f.workload.name + "-", 0) == 0) return true;
  }
  return false;
}

void fold_storage(Context& ctx) {
  for (auto& sc : ctx.findings) {
    if (sc.folded || sc.reason != "StorageClassMissing") continue;
    for (auto& pvc : ctx.findings) {
      if (pvc.folded || pvc.reason != "PVCPending") continue;
      for (const auto& r : pvc.related) {
        if (r.ref.kind == "StorageClass" && r.ref.name == sc.resource.name) {
          fold(pvc, sc);
          break;
        }
      }
      if (sc.folded) break;
    }
  }
  for (auto& pvc : ctx.findings) {
    if (pvc.folded || (pvc.reason != "PVCPending" && pvc.reason != "PVCLost")) continue;
    for (auto& f : ctx.findings) {
      if (f.folded || &f == &pvc || !claim_matches(f, pvc.resource.name)) continue;
      if (!(is_pod_reason(f.reason) || f.reason == "StatefulSetUnavailable")) continue;
      fold(f, pvc);
      break;
    }
  }
  for (auto& sc : ctx.findings) {  // a StorageClass missing for a StatefulSet whose claim was never created
    if (sc.folded || sc.reason != "StorageClassMissing") continue;
    const std::size_t cause = find_cause(ctx, sc.workload);
    if (cause != ctx.findings.size()) fold(ctx.findings[cause], sc);
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
        if (about_service && f.reason == "ServiceNoEndpoints") {
          f.severity = Severity::critical;
          f.add_evidence("spec", "Ingress " + ing.meta.name + " routes " + p.host.value_or("*") + p.path +
                                     " to it: requests fail with 503");
        }
      }
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

}  // namespace

void correlate(Context& ctx) {
  group_pods(ctx);
  fold_storage(ctx);
  fold_symptoms(ctx);
  fold_front_ends(ctx);
  attach(ctx);
  ctx.findings.erase(
      std::remove_if(ctx.findings.begin(), ctx.findings.end(), [](const Finding& f) { return f.folded; }),
      ctx.findings.end());
}

}  // namespace eks::analyzers
