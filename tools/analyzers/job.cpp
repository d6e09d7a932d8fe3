// Jobs: failed (BackoffLimitExceeded, DeadlineExceeded), with the cause from the failed pods' exit codes (and
// their logs, read by analyze()). A failed Job of a CronJob counts only while it is the CronJob's newest.
#include <algorithm>

#include "tools/analyzers/context.hpp"
#include "tools/logs/log_analysis.hpp"

namespace eks::analyzers {

void analyze_jobs(Context& ctx) {
  // Newest Job per CronJob.
  std::map<std::string, const cluster::Job*> newest;
  for (const auto& j : ctx.state.jobs) {
    const auto* owner = j.meta.controller_owner();
    if (!owner || owner->kind != "CronJob") continue;
    auto& slot = newest[j.meta.ns + "/" + owner->name];
    if (!slot || (j.meta.created && slot->meta.created && *j.meta.created > *slot->meta.created)) slot = &j;
  }
  for (const auto& j : ctx.state.jobs) {
    if (!ctx.in_scope(j.meta.ns)) continue;
    const auto* failed = cluster::find_condition(j.conditions, "Failed");
    if (!failed || failed->status != "True") continue;
    const auto* owner = j.meta.controller_owner();
    if (owner && owner->kind == "CronJob" && newest[j.meta.ns + "/" + owner->name] != &j) continue;
    const auto ref = j.meta.ref();
    const auto chain = ctx.state.owner_chain(j.meta);
    const ObjectRef workload = chain.empty() ? ref : chain.back();
    Finding f = ctx.make(ref, workload, "JobFailed", Severity::warning);
    f.owners = chain;
    const std::string why = failed->reason.value_or("Failed");
    f.what = "Job " + j.meta.name + " failed (" + why + ", " + plural(j.failed, "failed pod") + ")";
    f.add_evidence("condition", "Failed True " + why + ": " + failed->message.value_or(""));
    if (j.backoff_limit) f.add_evidence("spec", "backoffLimit " + std::to_string(*j.backoff_limit));
    // The failed pods: exit codes, and the newest one's log.
    std::map<int, int> codes;
    const cluster::Pod* newest_pod = nullptr;
    std::optional<RootCause> hook;  // a pod killed after its preStop hook failed: the 137 is not memory
    for (const auto* p : ctx.state.pods_owned_by(ref)) {
      if (p->phase != "Failed") continue;
      f.pod_names.push_back(p->meta.name);
      for (const auto& cs : p->container_statuses) {
        if (cs.state && cs.state->state == "terminated" && cs.state->exit_code) {
          if (!hook) hook = prestop_cause(ctx, *p, cs, *cs.state, f);
          ++codes[*cs.state->exit_code];
          if (!newest_pod ||
              (p->meta.created && newest_pod->meta.created && *p->meta.created > *newest_pod->meta.created)) {
            newest_pod = p;
            f.log_container = cs.name;
          }
        }
      }
    }
    for (const auto& [code, n] : codes)
      f.add_evidence("status", plural(n, "pod") + " exited with code " + logs::exit_code_meaning(code));
    if (newest_pod) f.log_pod = newest_pod->meta.name;
    if (why == "DeadlineExceeded") {
      f.root_cause = {"application_error", "the Job ran longer than its activeDeadlineSeconds", 0.8};
    } else if (hook) {
      f.root_cause = *hook;
      f.status_cause_is_specific = true;
    } else if (codes.count(137)) {
      f.root_cause = {"out_of_memory", "its pods are killed with exit 137 (memory limit)", 0.6};
    } else {
      f.root_cause = {"application_error",
                      "every attempt exits with an error until the backoff limit is reached; the pods' log says why",
                      0.4};
    }
    f.add_action("investigate",
                 "read the log of the last failed pod (analyze_pod_logs), fix the cause, then re-run the Job",
                 Json{{"namespace", j.meta.ns}, {"pod", f.log_pod}});
    std::sort(f.pod_names.begin(), f.pod_names.end());
    for (std::size_t i = 0; i < f.pod_names.size() && i < 5; ++i) f.pods.push_back(f.pod_names[i]);
    f.count = std::max<int>(1, static_cast<int>(f.pod_names.size()));
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
