// PersistentVolumes (Failed) and StorageClasses referenced by StatefulSet volumeClaimTemplates that do not
// exist (claims themselves are checked in pvc.cpp).
#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {

void analyze_storage(Context& ctx) {
  for (const auto& pv : ctx.state.pvs) {
    if (pv.phase != "Failed") continue;
    if (ctx.ns && !(pv.claim && pv.claim->ns == *ctx.ns)) continue;
    const auto ref = pv.meta.ref();
    Finding f = ctx.make(ref, ref, "PVFailed", Severity::warning);
    f.what = "PersistentVolume " + pv.meta.name + " failed" +
             (pv.claim ? " (claimed by " + pv.claim->ns + "/" + pv.claim->name + ")" : "");
    f.add_evidence("status", "phase Failed" + (pv.message ? ": " + *pv.message : std::string()));
    f.root_cause = {"storage_unavailable",
                    pv.message ? "the volume failed: " + logs::quote_untrusted(*pv.message, "status message")
                               : "its reclamation failed",
                    0.8};
    f.status_cause_is_specific = true;
    if (pv.claim) f.add_related(ObjectRef{"PersistentVolumeClaim", pv.claim->ns, pv.claim->name, ""}, "", "claim");
    f.add_action("investigate", "check the backing volume in the cloud provider and the reclaim policy",
                 Json{{"kind", "PersistentVolume"}, {"name", pv.meta.name}});
    ctx.findings.push_back(std::move(f));
  }
  for (const auto& s : ctx.state.stateful_sets) {
    if (!ctx.in_scope(s.meta.ns)) continue;
    for (const auto& spec : s.volume_claim_template_specs) {
      if (!spec.is_object()) continue;
      const Json* inner = &spec;
      if (const auto it = spec.find("spec"); it != spec.end() && it->is_object()) inner = &*it;
      const auto cls = inner->find("storageClassName");
      if (cls == inner->end() || !cls->is_string() || cls->get<std::string>().empty()) continue;
      const std::string name = cls->get<std::string>();
      if (ctx.state.storage_class(name)) continue;
      // Reported once per StatefulSet; folded into the claim's or the pod's finding by correlation.
      const ObjectRef ref{"StorageClass", "", name, ""};
      Finding f = ctx.make(ref, s.meta.ref(), "StorageClassMissing", Severity::warning);
      f.what = "StatefulSet " + s.meta.name + " asks for StorageClass " + name + ", which does not exist";
      f.add_evidence("spec", "volumeClaimTemplates storageClassName " + name);
      f.root_cause = {
          "storage_unavailable",
          "StorageClass " + name +
              " does not exist, so claims from its volumeClaimTemplates (a new replica, a recreated claim) are never provisioned",
          0.9};
      f.status_cause_is_specific = true;
      f.add_related(s.meta.ref(), "", "volumeClaimTemplates");
      f.add_action("fix_config", "create StorageClass " + name + " or change the StatefulSet's volumeClaimTemplates",
                   Json{{"kind", "StorageClass"}, {"name", name}});
      for (const auto& claim : s.volume_claim_templates) f.claims.push_back(claim);
      ctx.findings.push_back(std::move(f));
      break;
    }
  }
}

}  // namespace eks::analyzers
