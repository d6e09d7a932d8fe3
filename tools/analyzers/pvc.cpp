// PersistentVolumeClaims: Pending (why: provisioning errors), asking for a StorageClass that does not exist
// (StorageClassMissing, on the claim), or Lost.
// A claim waiting for its first consumer (WaitForFirstConsumer, no pod yet) is normal and not reported.
#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {

void analyze_pvcs(Context& ctx) {
  for (const auto& pvc : ctx.state.pvcs) {
    if (!ctx.in_scope(pvc.meta.ns)) continue;
    const auto ref = pvc.meta.ref();
    if (pvc.phase == "Lost") {
      Finding f = ctx.make(ref, ref, "PVCLost", Severity::critical);
      f.what = "PersistentVolumeClaim " + pvc.meta.name + " lost its volume" +
               (pvc.volume_name ? " " + *pvc.volume_name : "");
      f.add_evidence("status", "phase Lost");
      f.root_cause = {"storage_unavailable", "the PersistentVolume it was bound to no longer exists", 0.9};
      f.status_cause_is_specific = true;
      f.add_action("investigate", "restore the volume from a snapshot or recreate the claim",
                   Json{{"kind", "PersistentVolumeClaim"}, {"namespace", pvc.meta.ns}, {"name", pvc.meta.name}});
      ctx.findings.push_back(std::move(f));
      continue;
    }
    if (pvc.phase != "Pending" || ctx.age_seconds(pvc.meta.created) < 60) continue;
    const auto warnings = ctx.warnings(ref);
    const cluster::StorageClass* sc = pvc.storage_class ? ctx.state.storage_class(*pvc.storage_class) : nullptr;
    const bool class_missing = pvc.storage_class && !pvc.storage_class->empty() && !sc;
    if (!class_missing && warnings.empty() && sc && sc->volume_binding_mode == "WaitForFirstConsumer") continue;
    // A class that does not exist is the claim's own mistake: the claim is what a human changes, and the finding
    // its pods fold into.
    Finding f = ctx.make(ref, ref, class_missing ? "StorageClassMissing" : "PVCPending", Severity::warning);
    f.what = "PersistentVolumeClaim " + pvc.meta.name + " has been Pending for " +
             std::to_string(ctx.age_seconds(pvc.meta.created) / 60) + " min";
    f.add_evidence("status",
                   "phase Pending" + (pvc.storage_class ? ", storageClassName " + *pvc.storage_class : std::string()));
    for (const auto* e : warnings) f.add_evidence("event", e->reason + ": " + e->message, {}, e->count);
    if (class_missing) {
      std::vector<std::string> classes;
      for (const auto& c : ctx.state.storage_classes) classes.push_back(c.meta.name);
      f.root_cause = {"storage_unavailable",
                      "it asks for StorageClass " + *pvc.storage_class + ", which does not exist" +
                          (classes.empty() ? "" : " (the cluster has " + join(classes, ", ") + ")"),
                      0.95};
      f.add_related(ObjectRef{"StorageClass", "", *pvc.storage_class, ""}, "StorageClassMissing",
                    "referenced, does not exist");
      f.add_action("fix_config",
                   "create StorageClass " + *pvc.storage_class + " or recreate the claim with an existing class",
                   Json{{"kind", "PersistentVolumeClaim"},
                        {"namespace", pvc.meta.ns},
                        {"name", pvc.meta.name},
                        {"storage_class", *pvc.storage_class}});
    } else if (!pvc.storage_class && !pvc.volume_name) {
      bool has_default = false;
      for (const auto& c : ctx.state.storage_classes) has_default |= c.is_default;
      f.root_cause = {"storage_unavailable",
                      has_default ? "no PersistentVolume matches it and its provisioner has not created one"
                                  : "it names no StorageClass and the cluster has no default one",
                      0.8};
    } else if (!warnings.empty()) {
      const std::string& m = warnings.back()->message;
      // The CSI driver's cloud credentials: an IAM role without the permission to create the volume.
      const bool denied = icontains(m, "access denied") || icontains(m, "UnauthorizedOperation") ||
                          icontains(m, "not authorized") || icontains(m, "AccessDenied") ||
                          icontains(m, "code = Unauthenticated");
      f.root_cause = {
          denied ? "permission_denied" : "storage_unavailable",
          denied ? "the provisioner is not allowed to create the volume (its IAM role lacks the permission): " +
                       logs::quote_untrusted(m, "event message")
                 : "provisioning fails: " + logs::quote_untrusted(m, "event message"),
          0.85};
    } else if (sc && logs::is_plain(sc->provisioner) && sc->provisioner != "kubernetes.io/no-provisioner") {
      // No error either: the external provisioner never answered. Its "waiting for a volume to be created by the
      // external provisioner" event is a Normal one; a missing or stopped CSI driver leaves only that.
      f.root_cause = {"storage_unavailable",
                      "no volume has been provisioned for it in " +
                          std::to_string(ctx.age_seconds(pvc.meta.created) / 60) + " min and the provisioner " +
                          sc->provisioner +
                          " reports no error: check that it is installed and running (a CSI driver's controller "
                          "pods, for EKS the add-on and its IAM role)",
                      0.8};
      f.add_related(ObjectRef{"StorageClass", "", sc->meta.name, ""}, "", "provisioner " + sc->provisioner);
    } else {
      f.root_cause = {"storage_unavailable", "no volume has been provisioned for it", 0.5};
    }
    f.status_cause_is_specific = f.root_cause.confidence >= 0.8;
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
