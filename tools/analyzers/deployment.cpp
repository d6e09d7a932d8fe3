// Deployments: a rollout past its progress deadline, or short of available replicas — one finding per
// Deployment (a stuck rollout that also leaves it short is the rollout's finding). Usually folded by
// correlate.cpp into the finding about its failing pods; stands alone when no pod explains it, with the cause
// from the pods' own events when their sandbox cannot be created.
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

namespace {
// How long pods may take to start before a Deployment short of them is an incident: pulling an image and passing
// a readiness probe take tens of seconds, seldom minutes.
constexpr long long kStartingSeconds = 120;
}  // namespace

void analyze_deployments(Context& ctx) {
  for (const auto& d : ctx.state.deployments) {
    if (!ctx.in_scope(d.meta.ns) || d.replicas == 0) continue;
    const auto ref = d.meta.ref();
    const auto* progressing = cluster::find_condition(d.conditions, "Progressing");
    const bool stuck =
        progressing && progressing->status == "False" && progressing->reason == "ProgressDeadlineExceeded";
    const bool short_of_replicas = d.available_replicas < d.replicas;
    if (!stuck && !short_of_replicas) continue;
    // A Deployment that became unavailable moments ago (just created, scaled up, or a pod replaced) is starting,
    // not failing: its pods get the time a kubelet needs to pull and start them. A pod that fails on the way is
    // reported on its own, and a rollout that never gets there passes its progress deadline.
    if (!stuck) {
      const auto* available = cluster::find_condition(d.conditions, "Available");
      const bool fresh = available && available->status != "True" && available->last_transition &&
                         ctx.age_seconds(available->last_transition) < kStartingSeconds;
      if (fresh) continue;
    }
    const Severity severity = short_of_replicas && d.available_replicas == 0 ? Severity::critical : Severity::warning;
    Finding f = ctx.make(ref, ref, stuck ? "RolloutStuck" : "DeploymentUnavailable", severity);
    const std::string available =
        std::to_string(d.available_replicas) + " of " + std::to_string(d.replicas) + " replicas available";
    f.what = stuck ? "the rollout of Deployment " + d.meta.name + " exceeded its progress deadline (" + available + ")"
                   : "Deployment " + d.meta.name + " has " + available;
    if (stuck)
      f.add_evidence("condition", "Progressing False ProgressDeadlineExceeded: " + progressing->message.value_or(""));
    f.add_evidence("status", "replicas " + std::to_string(d.replicas) + ", updated " +
                                 std::to_string(d.updated_replicas) + ", ready " + std::to_string(d.ready_replicas) +
                                 ", available " + std::to_string(d.available_replicas));
    if (const auto* a = cluster::find_condition(d.conditions, "Available"); a && a->status != "True") {
      f.add_evidence("condition",
                     "Available " + a->status + " " + a->reason.value_or("") + ": " + a->message.value_or(""));
    }
    if (!explain_unstarted_pods(ctx, ref, f)) {
      f.root_cause = {"unknown",
                      stuck ? "new pods of the rollout do not become available; see the pods' finding"
                            : "its pods do not become ready",
                      0.3};
      // Still at its minimum availability, short of a pod nothing explains: a rollout or scale-up under way. A
      // failing pod would be its own finding (and this one folds into it); alone this one is only worth a note.
      const auto* available = cluster::find_condition(d.conditions, "Available");
      if (!stuck && available && available->status == "True") f.severity = Severity::info;
    }
    f.add_action("investigate",
                 stuck ? "look at the new ReplicaSet's pods; roll back if the new version is broken"
                       : "look at the Deployment's pods and events",
                 Json{{"kind", "Deployment"}, {"namespace", d.meta.ns}, {"name", d.meta.name}});
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
