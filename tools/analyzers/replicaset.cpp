// ReplicaSets: pods that cannot even be created (FailedCreate: quota, admission webhooks, PodSecurity,
// missing service account). Their Deployment shows only "unavailable"; this names why.
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

void analyze_replica_sets(Context& ctx) {
  for (const auto& rs : ctx.state.replica_sets) {
    if (!ctx.in_scope(rs.meta.ns) || rs.replicas == 0 || rs.status_replicas >= rs.replicas) continue;
    const auto ref = rs.meta.ref();
    std::string message;
    int count = 0;
    if (const auto* failure = cluster::find_condition(rs.conditions, "ReplicaFailure");
        failure && failure->status == "True") {
      message = failure->message.value_or(failure->reason.value_or(""));
    }
    if (const auto* e = failed_create(ctx, ref)) {
      message = e->message;
      count = e->count;
    }
    if (message.empty()) continue;
    const auto chain = ctx.state.owner_chain(rs.meta);
    const ObjectRef workload = chain.empty() ? ref : chain.back();
    Finding f = ctx.make(workload, workload, "ReplicaSetCreateFailure",
                         rs.status_replicas == 0 ? Severity::critical : Severity::warning);
    f.what = describe(workload) + " cannot create its pods (" + std::to_string(rs.status_replicas) + " of " +
             std::to_string(rs.replicas) + " exist)";
    f.add_evidence("event", "FailedCreate: " + message, "ReplicaSet/" + rs.meta.name, count);
    f.root_cause = create_cause(message);
    f.status_cause_is_specific = true;
    if (!(workload == ref)) {
      f.add_related(ref, "ReplicaSetCreateFailure", "FailedCreate");
      f.add_affected(ref, "ReplicaSetCreateFailure", "cannot create its pods");
    }
    f.add_action(f.root_cause.category == "quota_exceeded" ? "investigate" : "fix_config",
                 "fix what refuses the pods, then the ReplicaSet creates them on its own",
                 Json{{"kind", workload.kind}, {"namespace", workload.ns}, {"name", workload.name}});
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
