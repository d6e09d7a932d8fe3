// Nodes: NotReady (and the pods it takes down), memory/disk/PID pressure (and the pods evicted or hurt),
// network unavailable, cordoned.
#include <algorithm>
#include <set>

#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {
namespace {

struct PressureKind {
  const char* condition;
  const char* reason;
  const char* category;
  const char* what;
};
constexpr PressureKind kPressures[] = {
    {"MemoryPressure", "NodeMemoryPressure", "out_of_memory", "memory"},
    {"DiskPressure", "NodeDiskPressure", "disk_full", "disk"},
    {"PIDPressure", "NodePIDPressure", "insufficient_resources", "process IDs"},
    {"NetworkUnavailable", "NodeNetworkUnavailable", "node_failure", "network"},
};

// Pods on the node that are hurt: not ready, stuck terminating, or evicted from it. Adds them and their
// workloads as related and affected; a pod stuck terminating is a consequence the pod analyzer leaves to the node.
int relate_pods(const Context& ctx, const std::string& node_name, Finding& f, bool evicted_only) {
  int hurt = 0;
  std::set<std::string> workloads;
  for (const auto* pod : ctx.state.pods_on_node(node_name)) {
    const bool evicted = pod->phase == "Failed" && pod->reason == "Evicted";
    const bool down = pod->phase != "Succeeded" && pod->phase != "Failed" && (!pod->ready() || pod->meta.deleting);
    if (evicted_only ? !evicted : !(down || evicted)) continue;
    if (!ctx.in_scope(pod->meta.ns)) continue;
    ++hurt;
    f.pod_names.push_back(pod->meta.ns + "/" + pod->meta.name);
    const auto top = ctx.state.top_owner(pod->meta);
    if (workloads.insert(top.str()).second) {
      f.add_related(top, "", evicted ? "pods evicted" : "pods not ready on this node");
      if (!(top == pod->meta.ref())) f.add_affected(top, "", evicted ? "pods evicted" : "pods on this node");
    }
    const std::string reason = pod->meta.deleting ? "PodStuckTerminating" : evicted ? "Evicted" : "";
    f.add_affected(pod->meta.ref(), reason, pod->meta.deleting ? "stuck Terminating" : "");
    if (pod->meta.deleting) f.add_consequence(pod->meta.ref(), reason, "stuck Terminating: the kubelet never confirms");
  }
  for (std::size_t i = 0; i < f.pod_names.size() && i < 5; ++i) f.pods.push_back(f.pod_names[i]);
  return hurt;
}

}  // namespace

namespace {

// Pods bound to a node that is no longer in the cluster (terminated instance, deleted Node object): the node is
// the incident, its pods (usually stuck Terminating: no kubelet will confirm) the consequences.
void missing_nodes(Context& ctx) {
  std::set<std::string> names;
  for (const auto& pod : ctx.state.pods) {
    if (!pod.node_name || pod.node_name->empty() || ctx.state.node(*pod.node_name) || !ctx.in_scope(pod.meta.ns))
      continue;
    if (pod.phase == "Succeeded" || pod.phase == "Failed") continue;
    names.insert(*pod.node_name);
  }
  for (const auto& name : names) {
    const ObjectRef ref{"Node", "", name, ""};
    Finding f = ctx.make(ref, ref, "NodeNotReady", Severity::critical);
    const int hurt = relate_pods(ctx, name, f, false);
    if (hurt == 0) continue;
    // The name is the pods' own spec.nodeName: a name only when it looks like one.
    const std::string node_text = logs::plain_or_quoted(name, "spec.nodeName");
    f.what = "node " + node_text + " no longer exists, but " + plural(hurt, "pod") + " bound to it remain" +
             (f.causes.empty() ? "" : " (" + std::to_string(f.causes.size()) + " stuck Terminating)");
    f.count = hurt;
    f.add_evidence("status", "spec.nodeName " + name + " of " + plural(hurt, "pod") + "; no Node object " + name);
    f.root_cause = {"node_failure",
                    "the node was removed (instance terminated or Node deleted) before its pods were evicted; no "
                    "kubelet will confirm their deletion",
                    0.85};
    f.status_cause_is_specific = true;
    f.add_action("delete_pod", "force-delete the pods bound to the missing node; their controllers recreate them",
                 Json{{"node", name}, {"force", true}});
    ctx.findings.push_back(std::move(f));
  }
}

// A cordoned node whose pods a PodDisruptionBudget allowing no disruption protects: the drain (kubectl drain, a
// node group upgrade, Karpenter's consolidation) retries their eviction without end and the node never empties.
// The budget is what a human changes (or the workload's replica count), so it is the cause; DaemonSet and
// static pods are never evicted by a drain and do not count.
bool drain_blocked(Context& ctx, const cluster::Node& node, Finding& f) {
  std::set<std::string> budgets;
  int blocked = 0;
  for (const auto* pod : ctx.state.pods_on_node(node.meta.name)) {
    if (pod->phase == "Succeeded" || pod->phase == "Failed" || pod->meta.deleting) continue;
    const bool drain_skips = std::any_of(pod->meta.owners.begin(), pod->meta.owners.end(), [](const auto& o) {
      return o.controller && (o.kind == "DaemonSet" || o.kind == "Node");
    });
    if (drain_skips) continue;
    for (const auto& pdb : ctx.state.pdbs) {
      if (pdb.meta.ns != pod->meta.ns || pdb.disruptions_allowed > 0 || pdb.expected_pods == 0) continue;
      const auto covered = ctx.state.pods_matching(pdb.meta.ns, pdb.selector);
      if (std::find(covered.begin(), covered.end(), pod) == covered.end()) continue;
      ++blocked;
      f.pod_names.push_back(pod->meta.ns + "/" + pod->meta.name);
      f.add_affected(pod->meta.ref(), "", "eviction refused by PodDisruptionBudget " + pdb.meta.name);
      if (!budgets.insert(pdb.meta.ns + "/" + pdb.meta.name).second) break;
      const auto workload = ctx.state.top_owner(pod->meta);
      if (!(workload == pod->meta.ref())) f.add_affected(workload, "", "its only disruption budget is spent");
      f.add_related(pdb.meta.ref(), "", "allows 0 disruptions");
      f.add_evidence("status",
                     "PodDisruptionBudget " + pdb.meta.name + ": disruptionsAllowed 0, currentHealthy " +
                         std::to_string(pdb.current_healthy) + ", desiredHealthy " +
                         std::to_string(pdb.desired_healthy) + ", expectedPods " + std::to_string(pdb.expected_pods),
                     pdb.meta.ref().str());
      if (f.root_cause.summary.empty()) {
        f.root_cause = {"scheduling_constraint",
                        "PodDisruptionBudget " + pdb.meta.ns + "/" + pdb.meta.name + " allows 0 disruptions (" +
                            std::to_string(pdb.current_healthy) + " healthy, " + std::to_string(pdb.desired_healthy) +
                            " required), so the drain cannot evict " + pod->meta.name + " and the node never empties",
                        0.85};
        f.add_action("scale",
                     "scale " + workload.str() + " up, or relax the budget, so one pod may go; the drain proceeds",
                     Json{{"kind", workload.kind}, {"namespace", workload.ns}, {"name", workload.name}});
      }
      break;
    }
  }
  if (blocked == 0) return false;
  for (const auto* e : ctx.warnings(node.meta.ref()))
    f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
  f.severity = Severity::warning;
  f.what = "node " + node.meta.name + " is cordoned, but its drain is blocked: " + plural(blocked, "pod") +
           " cannot be evicted without breaking a PodDisruptionBudget";
  f.count = blocked;
  for (std::size_t i = 0; i < f.pod_names.size() && i < 5; ++i) f.pods.push_back(f.pod_names[i]);
  return true;
}

}  // namespace

void analyze_nodes(Context& ctx) {
  missing_nodes(ctx);
  for (const auto& node : ctx.state.nodes) {
    const auto ref = node.meta.ref();
    const auto* ready = cluster::find_condition(node.conditions, "Ready");
    if (!node.ready()) {
      Finding f = ctx.make(ref, ref, "NodeNotReady", Severity::critical);
      const int hurt = relate_pods(ctx, node.meta.name, f, false);
      if (ctx.ns && hurt == 0) continue;
      const long long since = ready ? ctx.age_seconds(ready->last_transition) : 0;
      f.what = "node " + node.meta.name + (node.nodegroup ? " (node group " + *node.nodegroup + ")" : "") +
               " has been NotReady" +
               (!since        ? std::string()
                : since < 120 ? " for " + std::to_string(since) + " s"
                              : " for " + std::to_string(since / 60) + " min") +
               (hurt ? ", taking down " + plural(hurt, "pod") : "") +
               (f.causes.empty() ? "" : " (" + std::to_string(f.causes.size()) + " stuck Terminating)");
      f.count = std::max(1, hurt);
      if (ready)
        f.add_evidence("condition", "Ready " + ready->status + " " + ready->reason.value_or("") + ": " +
                                        ready->message.value_or(""));
      for (const auto& t : node.taints) {
        if (t.key.rfind("node.kubernetes.io/", 0) == 0) f.add_evidence("spec", "taint " + t.key + ":" + t.effect);
      }
      for (const auto* e : ctx.state.events_for(ref)) {
        if (e->reason == "NodeNotReady" || e->type == "Warning")
          f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
      }
      const bool unknown = ready && ready->status == "Unknown";
      f.root_cause = {
          "node_failure",
          unknown ? "the kubelet stopped posting status (instance down, out of resources, or network lost)"
                  : "the kubelet reports the node not ready: " +
                        logs::quote_untrusted(ready ? ready->message.value_or("") : std::string(), "condition message"),
          0.85};
      f.status_cause_is_specific = true;
      // A node that joined minutes ago (its network plugin still starting) or went NotReady under two minutes ago
      // (a kubelet restart, a PLEG hiccup) is not yet an incident: a note, which the next read confirms or clears.
      const bool joining = ctx.age_seconds(node.meta.created) < 300;
      if (joining || (ready && ready->last_transition && since < 120)) {
        f.severity = Severity::info;
        if (joining) f.what += " while it joins the cluster";
      }
      f.add_action("investigate",
                   "check the EC2 instance (status checks, console output) and replace it if it does not recover",
                   Json{{"kind", "Node"}, {"name", node.meta.name}, {"provider_id", node.provider_id.value_or("")}});
      ctx.findings.push_back(std::move(f));
      continue;
    }
    for (const auto& p : kPressures) {
      const auto* c = cluster::find_condition(node.conditions, p.condition);
      if (!c || c->status != "True") continue;
      Finding f = ctx.make(ref, ref, p.reason, Severity::warning);
      const bool network = std::string(p.condition) == "NetworkUnavailable";
      const int hurt = relate_pods(ctx, node.meta.name, f, !network);
      if (ctx.ns && hurt == 0) continue;
      f.add_evidence("condition",
                     std::string(p.condition) + " True " + c->reason.value_or("") + ": " + c->message.value_or(""));
      if (network) {
        // Set by the network plugin (Calico, Cilium, a cloud route controller), not the kubelet: its agent on the
        // node, a DaemonSet pod that is not ready, is the likely cause.
        std::string agent;
        for (const auto* pod : ctx.state.pods_on_node(node.meta.name)) {
          const auto chain = ctx.state.owner_chain(pod->meta);
          if (!pod->ready() && !chain.empty() && chain.front().kind == "DaemonSet" && pod->phase == "Running") {
            agent = pod->meta.ns + "/" + pod->meta.name;
            break;
          }
        }
        for (const auto& t : node.taints) {
          if (t.key == "node.kubernetes.io/network-unavailable")
            f.add_evidence("spec", "taint " + t.key + ":" + t.effect);
        }
        f.what = "node " + node.meta.name + " has no working pod network" +
                 (hurt ? " (" + plural(hurt, "pod") + " on it not ready)" : "");
        f.root_cause = {"node_failure",
                        "the network plugin reports the node's network unavailable (" +
                            logs::plain_or_quoted(c->reason.value_or(""), "condition reason") + ": " +
                            logs::quote_untrusted(c->message.value_or(""), "condition message") + ")" +
                            (agent.empty() ? "" : "; its agent pod " + agent + " on the node is not ready"),
                        agent.empty() ? 0.7 : 0.85};
        f.status_cause_is_specific = true;
        f.add_action(
            "investigate",
            "check the network plugin's agent on the node (its pod's log); replace the node if it does not recover",
            Json{{"kind", "Node"}, {"name", node.meta.name}});
        ctx.findings.push_back(std::move(f));
        continue;
      }
      f.what = "node " + node.meta.name + " is under " + p.what + " pressure" +
               (hurt ? " and has evicted " + plural(hurt, "pod") : "");
      for (const auto* e : ctx.warnings(ref)) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
      if (const auto* usage = ctx.state.node_usage(node.meta.name);
          usage && std::string(p.condition) == "MemoryPressure") {
        const auto used = usage->usage.find("memory");
        const auto alloc = node.allocatable.find("memory");
        if (used != usage->usage.end() && alloc != node.allocatable.end()) {
          f.add_evidence("metric", "memory usage " + used->second + " of " + alloc->second + " allocatable");
        }
      }
      f.root_cause = {p.category,
                      std::string("pods on the node use more ") + p.what +
                          " than the node can give (requests below actual use, or pods without limits)",
                      0.7};
      f.add_action("set_resources", "give the heaviest pods on the node requests that match their use, and limits",
                   Json{{"kind", "Node"}, {"name", node.meta.name}});
      ctx.findings.push_back(std::move(f));
    }
    if (node.unschedulable && !ctx.ns) {
      Finding f = ctx.make(ref, ref, "NodeUnschedulable", Severity::info);
      f.what = "node " + node.meta.name + " is cordoned";
      f.add_evidence("spec", "spec.unschedulable: true");
      if (!drain_blocked(ctx, node, f)) {
        f.root_cause = {"node_failure", "it was cordoned (maintenance, a drain or a node upgrade in progress)", 0.7};
        f.add_action("none", "uncordon it once the maintenance is over",
                     Json{{"kind", "Node"}, {"name", node.meta.name}});
      }
      ctx.findings.push_back(std::move(f));
    }
  }
}

}  // namespace eks::analyzers
