// StatefulSets: fewer ready replicas than desired, with the controller's reason when it cannot create a pod.
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

void analyze_stateful_sets(Context& ctx) {
  for (const auto& s : ctx.state.stateful_sets) {
    if (!ctx.in_scope(s.meta.ns) || s.replicas == 0 || s.ready_replicas >= s.replicas) continue;
    const auto ref = s.meta.ref();
    Finding f =
        ctx.make(ref, ref, "StatefulSetUnavailable", s.ready_replicas == 0 ? Severity::critical : Severity::warning);
    f.what = "StatefulSet " + s.meta.name + " has " + std::to_string(s.ready_replicas) + " of " +
             std::to_string(s.replicas) + " replicas ready";
    f.add_evidence("status", "replicas " + std::to_string(s.replicas) + ", ready " + std::to_string(s.ready_replicas) +
                                 ", current " + std::to_string(s.current_replicas) + ", updated " +
                                 std::to_string(s.updated_replicas));
    // Only while pods are missing: an old FailedCreate must not explain pods that exist but are not ready.
    const auto* failed = s.status_replicas < s.replicas ? failed_create(ctx, ref) : nullptr;
    if (failed) {
      // The controller cannot create a pod (or its claim): "create Pod kafka-2 in StatefulSet kafka failed error: ...".
      f.add_evidence("event", failed->reason + ": " + failed->message, {}, failed->count);
      f.root_cause = create_cause(failed->message);
      f.status_cause_is_specific = true;
    } else if (!explain_unstarted_pods(ctx, ref, f)) {
      for (const auto* e : ctx.warnings(ref)) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
      f.root_cause = {"unknown", "its pods do not become ready (OrderedReady: one stuck pod blocks the next)", 0.3};
    }
    for (const auto& claim : s.volume_claim_templates) f.claims.push_back(claim);
    f.add_action("investigate", "look at the StatefulSet's lowest-ordinal unready pod",
                 Json{{"kind", "StatefulSet"}, {"namespace", s.meta.ns}, {"name", s.meta.name}});
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
