// PodDisruptionBudgets have no reason of their own in the vocabulary: a budget that allows no disruption is
// attached to the finding about the workload it protects (a drain or node upgrade will block on it).
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

void analyze_pdbs(Context& ctx) {
  for (const auto& pdb : ctx.state.pdbs) {
    if (!ctx.in_scope(pdb.meta.ns) || pdb.disruptions_allowed > 0 || pdb.expected_pods == 0) continue;
    const auto pods = ctx.state.pods_matching(pdb.meta.ns, pdb.selector);
    if (pods.empty()) continue;
    const auto workload = ctx.state.top_owner(pods.front()->meta);
    Attachment a;
    a.workload = workload;
    a.related = Related{pdb.meta.ref(), "",
                        "allows 0 disruptions (" + std::to_string(pdb.current_healthy) + " healthy, " +
                            std::to_string(pdb.desired_healthy) + " required): node drains will block"};
    a.evidence = "PodDisruptionBudget " + pdb.meta.name + ": disruptionsAllowed 0, currentHealthy " +
                 std::to_string(pdb.current_healthy) + ", desiredHealthy " + std::to_string(pdb.desired_healthy);
    ctx.attachments.push_back(std::move(a));
  }
}

}  // namespace eks::analyzers
