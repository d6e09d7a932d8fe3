// Namespaces stuck Terminating: the namespace controller deletes everything in a namespace before the namespace
// itself, and waits for ever on an object whose finalizer no controller removes (its operator was uninstalled
// first) or on an API group it cannot list (an APIService whose backend is down). The blocking objects, with
// their finalizers, are the evidence and what a human must act on.
#include <map>

#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {
namespace {

// A namespace the controller usually empties within a minute or two; longer is stuck.
constexpr long long kStuckSeconds = 600;

}  // namespace

void analyze_namespaces(Context& ctx) {
  if (ctx.state.namespaces.empty()) return;
  // Objects still present in each namespace being deleted, those with finalizers first.
  std::map<std::string, std::vector<const cluster::ObjectMeta*>> left;
  for (const auto& ns : ctx.state.namespaces) {
    if ((ns.phase == "Terminating" || ns.meta.deleting) && ctx.in_scope(ns.meta.name)) left[ns.meta.name];
  }
  if (left.empty()) return;
  const auto collect = [&](const auto& objects) {
    for (const auto& o : objects)
      if (auto it = left.find(o.meta.ns); it != left.end()) it->second.push_back(&o.meta);
  };
  collect(ctx.state.pods);
  collect(ctx.state.pvcs);
  collect(ctx.state.deployments);
  collect(ctx.state.stateful_sets);
  collect(ctx.state.jobs);
  collect(ctx.state.services);
  collect(ctx.state.config_maps);
  collect(ctx.state.others);
  for (const auto& ns : ctx.state.namespaces) {
    const auto it = left.find(ns.meta.name);
    if (it == left.end()) continue;
    const long long since = ctx.age_seconds(ns.meta.deleting ? ns.meta.deleting : ns.meta.created);
    if (since < kStuckSeconds) continue;
    const auto ref = ns.meta.ref();
    Finding f = ctx.make(ref, ref, "NamespaceDegraded", Severity::warning);
    f.what = "namespace " + ns.meta.name + " has been Terminating for " + std::to_string(since / 60) + " min";
    f.add_evidence("status", "phase " + (ns.phase.empty() ? std::string("Terminating") : ns.phase) +
                                 (ns.meta.deleting ? ", deletionTimestamp " + cluster::format_time(*ns.meta.deleting)
                                                   : std::string()));
    std::vector<const cluster::ObjectMeta*> held;
    for (const auto* meta : it->second)
      if (!meta->finalizers.empty()) held.push_back(meta);
    for (const auto* meta : held) {
      if (f.related.size() >= 10) break;
      std::string finalizers;
      for (const auto& name : meta->finalizers)
        finalizers += (finalizers.empty() ? "" : ", ") + logs::plain_or_quoted(name, "finalizer");
      f.add_related(meta->ref(), "", "finalizers " + finalizers);
      f.add_evidence("spec", meta->kind + " " + meta->name + ": finalizers " + finalizers, meta->ref().str());
    }
    if (!held.empty()) {
      const auto* first = held.front();
      f.root_cause = {"dependency_unreachable",
                      std::to_string(held.size()) + (held.size() == 1 ? " object keeps" : " objects keep") +
                          " the namespace from being deleted: " + first->kind + " " + first->name +
                          " waits on its finalizers, which the controller that set them does not remove (it is "
                          "gone or failing)",
                      0.8};
      f.add_action("investigate",
                   "restore the controller that owns the finalizers, or remove them from the objects by hand once "
                   "nothing external (a cloud volume, a load balancer) depends on the cleanup",
                   Json{{"kind", first->kind}, {"namespace", first->ns}, {"name", first->name}});
    } else if (!it->second.empty()) {
      f.root_cause = {"dependency_unreachable",
                      std::to_string(it->second.size()) +
                          " objects remain and none carries a finalizer: the namespace controller is still deleting "
                          "them, or cannot list an API group (an APIService that does not answer)",
                      0.5};
      f.add_action("investigate", "list the APIServices (kubectl get apiservice) and fix or delete the unavailable one",
                   Json{{"kind", "Namespace"}, {"name", ns.meta.name}});
    } else {
      f.root_cause = {"dependency_unreachable",
                      "the namespace is empty of the objects read, so the controller cannot finish: an APIService "
                      "that does not answer keeps it from listing every kind, or an object of a kind not read holds a "
                      "finalizer",
                      0.5};
      f.add_action("investigate", "list the APIServices (kubectl get apiservice) and fix or delete the unavailable one",
                   Json{{"kind", "Namespace"}, {"name", ns.meta.name}});
    }
    f.status_cause_is_specific = true;
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
