// DaemonSets: nodes where the daemon pod is missing or not ready, with the controller's reason when it cannot
// create the pods.
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

void analyze_daemon_sets(Context& ctx) {
  for (const auto& d : ctx.state.daemon_sets) {
    if (!ctx.in_scope(d.meta.ns)) continue;
    const int unavailable = std::max(d.number_unavailable, d.desired_number_scheduled - d.number_available);
    if (d.desired_number_scheduled == 0 || unavailable <= 0) continue;
    const auto ref = d.meta.ref();
    Finding f =
        ctx.make(ref, ref, "DaemonSetUnavailable", d.number_available == 0 ? Severity::critical : Severity::warning);
    f.what = "DaemonSet " + d.meta.name + " is unavailable on " + std::to_string(unavailable) + " of " +
             std::to_string(d.desired_number_scheduled) + " nodes";
    f.add_evidence("status", "desired " + std::to_string(d.desired_number_scheduled) + ", ready " +
                                 std::to_string(d.number_ready) + ", available " + std::to_string(d.number_available) +
                                 ", unavailable " + std::to_string(unavailable));
    // Only while pods are missing: an old FailedCreate must not explain pods that exist but are not ready.
    const auto* failed = d.current_number_scheduled < d.desired_number_scheduled ? failed_create(ctx, ref) : nullptr;
    if (failed) {
      f.add_evidence("event", failed->reason + ": " + failed->message, {}, failed->count);
      f.root_cause = create_cause(failed->message);
      f.status_cause_is_specific = true;
    } else if (!explain_unstarted_pods(ctx, ref, f)) {
      for (const auto* e : ctx.warnings(ref)) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
      f.root_cause = {"unknown", "its pods on some nodes are not ready", 0.3};
    }
    f.add_action("investigate", "look at the DaemonSet's unready pods and their nodes",
                 Json{{"kind", "DaemonSet"}, {"namespace", d.meta.ns}, {"name", d.meta.name}});
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
