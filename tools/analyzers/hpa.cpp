// HorizontalPodAutoscalers: a scale target that does not exist, metrics it cannot read, pinned at maximum.
#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {

void analyze_hpas(Context& ctx) {
  for (const auto& h : ctx.state.hpas) {
    if (!ctx.in_scope(h.meta.ns)) continue;
    const auto ref = h.meta.ref();
    const ObjectRef target{h.target.kind, h.meta.ns, h.target.name, ""};
    const Json params{{"kind", "HorizontalPodAutoscaler"}, {"namespace", h.meta.ns}, {"name", h.meta.name}};
    const bool known_kind = target.kind == "Deployment" || target.kind == "StatefulSet" || target.kind == "ReplicaSet";
    if (known_kind && !ctx.state.find(target)) {
      Finding f = ctx.make(ref, ref, "HPATargetMissing", Severity::warning);
      f.what = "HorizontalPodAutoscaler " + h.meta.name + " scales nothing";
      f.add_evidence("spec", "scaleTargetRef " + target.kind + "/" + target.name);
      f.root_cause = {"missing_config", "its scale target " + target.kind + " " + target.name + " does not exist", 0.9};
      f.status_cause_is_specific = true;
      f.add_action("fix_config", "point scaleTargetRef at the workload, or delete the autoscaler", params);
      ctx.findings.push_back(std::move(f));
      continue;
    }
    const auto* active = cluster::find_condition(h.conditions, "ScalingActive");
    if (active && active->status == "False" && active->reason != "ScalingDisabled") {
      Finding f = ctx.make(ref, ref, "HPAMetricsUnavailable", Severity::warning);
      f.what = "HorizontalPodAutoscaler " + h.meta.name + " cannot read its metrics, so " + target.kind + " " +
               target.name + " does not autoscale";
      f.add_evidence("condition",
                     "ScalingActive False " + active->reason.value_or("") + ": " + active->message.value_or(""));
      const std::string m = active->message.value_or("");
      const bool no_requests = icontains(m, "missing request");
      f.root_cause = {no_requests ? "missing_config" : "dependency_unreachable",
                      no_requests ? "its pods have no resource requests for the metric it scales on"
                                  : "the metrics API (metrics-server or an adapter) does not answer for it: " +
                                        logs::quote_untrusted(m, "condition message"),
                      0.85};
      f.status_cause_is_specific = true;
      f.add_action(
          no_requests ? "set_resources" : "investigate",
          no_requests ? "set cpu/memory requests on the target's containers" : "check metrics-server in kube-system",
          params);
      ctx.findings.push_back(std::move(f));
      continue;
    }
    const auto* limited = cluster::find_condition(h.conditions, "ScalingLimited");
    const bool at_max = h.max_replicas > 0 && h.current_replicas >= h.max_replicas &&
                        (!h.desired_replicas || *h.desired_replicas >= h.max_replicas);
    if (at_max && (!limited || limited->status == "True")) {
      Finding f = ctx.make(ref, ref, "HPAAtMaxReplicas", Severity::warning);
      f.what = "HorizontalPodAutoscaler " + h.meta.name + " runs " + target.kind + " " + target.name +
               " at its maximum of " + std::to_string(h.max_replicas) + " replicas";
      f.add_evidence("status",
                     "current " + std::to_string(h.current_replicas) + ", max " + std::to_string(h.max_replicas));
      if (limited)
        f.add_evidence("condition",
                       "ScalingLimited True " + limited->reason.value_or("") + ": " + limited->message.value_or(""));
      f.root_cause = {"insufficient_resources", "the load needs more replicas than maxReplicas allows", 0.7};
      Json scale = params;
      scale["max_replicas"] = h.max_replicas * 2;
      f.add_action("scale", "raise maxReplicas (and check node capacity), or make each replica do more", scale);
      ctx.findings.push_back(std::move(f));
    }
  }
}

}  // namespace eks::analyzers
