// Deployments: short of available replicas, or a rollout past its progress deadline. Usually folded by
// correlate.cpp into the finding about its failing pods; stands alone when no pod explains it.
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

void analyze_deployments(Context& ctx) {
  for (const auto& d : ctx.state.deployments) {
    if (!ctx.in_scope(d.meta.ns) || d.replicas == 0) continue;
    const auto ref = d.meta.ref();
    const auto* progressing = cluster::find_condition(d.conditions, "Progressing");
    if (progressing && progressing->status == "False" && progressing->reason == "ProgressDeadlineExceeded") {
      Finding f = ctx.make(ref, ref, "RolloutStuck", Severity::warning);
      f.what = "the rollout of Deployment " + d.meta.name + " exceeded its progress deadline";
      f.add_evidence("condition", "Progressing False ProgressDeadlineExceeded: " + progressing->message.value_or(""));
      f.root_cause = {"unknown", "new pods of the rollout do not become available; see the pods' finding", 0.3};
      f.add_action("investigate", "look at the new ReplicaSet's pods; roll back if the new version is broken",
                   Json{{"kind", "Deployment"}, {"namespace", d.meta.ns}, {"name", d.meta.name}});
      ctx.findings.push_back(std::move(f));
    }
    if (d.available_replicas >= d.replicas) continue;
    // A rollout in progress within its deadline is not a failure.
    const int unavailable = d.replicas - d.available_replicas;
    Finding f = ctx.make(ref, ref, "DeploymentUnavailable", d.available_replicas == 0 ? Severity::critical : Severity::warning);
    f.what = "Deployment " + d.meta.name + " has " + std::to_string(d.available_replicas) + " of " + std::to_string(d.replicas) +
             " replicas available";
    f.add_evidence("status", "replicas " + std::to_string(d.replicas) + ", ready " + std::to_string(d.ready_replicas) + ", available " +
                                 std::to_string(d.available_replicas) + ", unavailable " + std::to_string(unavailable));
    if (const auto* available = cluster::find_condition(d.conditions, "Available"); available && available->status != "True") {
      f.add_evidence("condition", "Available " + available->status + " " + available->reason.value_or("") + ": " + available->message.value_or(""));
    }
    f.root_cause = {"unknown", "its pods do not become ready", 0.3};
    f.add_action("investigate", "look at the Deployment's pods and events", Json{{"kind", "Deployment"}, {"namespace", d.meta.ns}, {"name", d.meta.name}});
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
