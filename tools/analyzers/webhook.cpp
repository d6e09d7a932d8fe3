// Validating and mutating webhooks whose Service is missing or has no ready endpoints: with failurePolicy
// Fail every matching API request (pod creation included) fails.
#include "tools/analyzers/context.hpp"

namespace eks::analyzers {

void analyze_webhooks(Context& ctx) {
  for (const auto& cfg : ctx.state.webhook_configurations) {
    for (const auto& w : cfg.webhooks) {
      if (!w.client.service) continue;
      const auto& svc_ref = *w.client.service;
      if (!ctx.in_scope(svc_ref.ns)) continue;
      const auto* svc = ctx.state.service(svc_ref.ns, svc_ref.name);
      const auto* endpoints = ctx.state.endpoints_of(svc_ref.ns, svc_ref.name);
      const bool missing = !svc;
      if (!missing && endpoints && endpoints->ready_count() > 0) continue;
      if (!missing && !endpoints && svc) continue;  // endpoints not loaded: unknown
      const bool fail = w.failure_policy.value_or("Fail") == "Fail";
      const ObjectRef ref = cfg.meta.ref();
      Finding f = ctx.make(ref, ref, "ServiceNoEndpoints", fail ? Severity::critical : Severity::warning);
      // Not "<name>: webhook ...": a configuration's name ending in a word like "webhook" before a colon reads as
      // a secret's key to the redactor, which would mask the rest.
      f.what = "webhook " + w.name + " of " + cfg.meta.kind + " " + cfg.meta.name + " calls Service " + svc_ref.ns +
               "/" + svc_ref.name + (missing ? ", which does not exist" : ", which has no ready endpoints");
      f.add_evidence("spec", "webhook " + w.name + " failurePolicy " + w.failure_policy.value_or("Fail"));
      f.root_cause = {
          "dependency_unreachable",
          std::string("the webhook's backend is unavailable") +
              (fail ? ": matching API requests (such as pod creation) are rejected" : ": its checks are skipped"),
          0.85};
      f.status_cause_is_specific = true;
      f.add_related(ObjectRef{"Service", svc_ref.ns, svc_ref.name, ""}, "", missing ? "missing" : "no ready endpoints");
      f.add_action(
          "investigate",
          "restore the webhook's Service/pods, or delete the webhook configuration if its controller was removed",
          Json{{"kind", cfg.meta.kind}, {"name", cfg.meta.name}});
      ctx.findings.push_back(std::move(f));
    }
  }
}

}  // namespace eks::analyzers
