// Ingresses: a missing IngressClass, a backend Service that does not exist, a TLS Secret that does not exist
// (only when Secret names are known).
#include <algorithm>

#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {

void analyze_ingresses(Context& ctx) {
  for (const auto& ing : ctx.state.ingresses) {
    if (!ctx.in_scope(ing.meta.ns)) continue;
    const auto ref = ing.meta.ref();
    if (ing.ingress_class && !ctx.state.ingress_class(*ing.ingress_class)) {
      Finding f = ctx.make(ref, ref, "IngressClassMissing", Severity::warning);
      f.what = "Ingress " + ing.meta.name + " is not served by any controller";
      f.add_evidence("spec", "ingressClassName " + *ing.ingress_class);
      std::vector<std::string> classes;
      for (const auto& c : ctx.state.ingress_classes) classes.push_back(c.meta.name);
      // The class may come from the kubernetes.io/ingress.class annotation, which is free text.
      f.root_cause = {"missing_config",
                      "it names IngressClass " + logs::plain_or_quoted(*ing.ingress_class, "annotation") +
                          ", which does not exist" +
                          (classes.empty() ? "" : " (the cluster has " + join(classes, ", ") + ")"),
                      0.9};
      f.status_cause_is_specific = true;
      f.add_action("fix_config", "set ingressClassName to an existing class",
                   Json{{"kind", "Ingress"}, {"namespace", ing.meta.ns}, {"name", ing.meta.name}});
      ctx.findings.push_back(std::move(f));
    }
    std::vector<cluster::IngressBackend> backends;
    for (const auto& p : ing.paths) backends.push_back(p.backend);
    if (ing.default_backend) backends.push_back(*ing.default_backend);
    std::vector<std::string> missing;
    for (const auto& b : backends) {
      if (!b.service_name || ctx.state.service(ing.meta.ns, *b.service_name)) continue;
      if (std::find(missing.begin(), missing.end(), *b.service_name) == missing.end())
        missing.push_back(*b.service_name);
    }
    if (!missing.empty()) {
      Finding f = ctx.make(ref, ref, "IngressBackendMissing", Severity::warning);
      f.what = "Ingress " + ing.meta.name + " routes to Service " + join(missing, ", ") + ", which does not exist";
      for (const auto& m : missing)
        f.add_evidence("spec", "backend service " + m + " not found in namespace " + ing.meta.ns);
      f.root_cause = {"missing_config",
                      "its backend Service " + join(missing, ", ") + " does not exist in namespace " + ing.meta.ns,
                      0.9};
      f.status_cause_is_specific = true;
      f.add_action("fix_config", "create the Service or fix the backend name",
                   Json{{"kind", "Ingress"}, {"namespace", ing.meta.ns}, {"name", ing.meta.name}});
      ctx.findings.push_back(std::move(f));
    }
    // A backend Service that exists but does not expose the port the Ingress names: the controller has no target
    // (an ALB answers 503, ingress-nginx logs "service has no port").
    std::vector<std::string> wrong_ports;
    for (const auto& b : backends) {
      if (!b.service_name || !b.service_port) continue;
      const auto* svc = ctx.state.service(ing.meta.ns, *b.service_name);
      if (!svc) continue;
      const bool exposed = std::any_of(svc->ports.begin(), svc->ports.end(), [&](const cluster::ServicePort& p) {
        return std::to_string(p.port) == *b.service_port || (p.name && *p.name == *b.service_port);
      });
      if (exposed || !logs::is_plain(*b.service_port)) continue;
      std::vector<std::string> ports;
      for (const auto& p : svc->ports) ports.push_back(std::to_string(p.port) + (p.name ? " (" + *p.name + ")" : ""));
      const std::string text = "port " + *b.service_port + " of Service " + *b.service_name + ", which exposes " +
                               (ports.empty() ? std::string("no port") : join(ports, ", "));
      if (std::find(wrong_ports.begin(), wrong_ports.end(), text) == wrong_ports.end()) wrong_ports.push_back(text);
    }
    if (!wrong_ports.empty() && missing.empty()) {
      Finding f = ctx.make(ref, ref, "IngressBackendMissing", Severity::warning);
      f.what = "Ingress " + ing.meta.name + " routes to " + join(wrong_ports, "; ");
      for (const auto& w : wrong_ports) f.add_evidence("spec", "backend " + w);
      f.root_cause = {"missing_config",
                      "its backend names a port its Service does not expose (the Service's port is wanted, not the "
                      "container's)",
                      0.9};
      f.status_cause_is_specific = true;
      f.add_action("fix_config", "point the backend at a port the Service exposes (by number or name)",
                   Json{{"kind", "Ingress"}, {"namespace", ing.meta.ns}, {"name", ing.meta.name}});
      ctx.findings.push_back(std::move(f));
    }
    if (ctx.state.secrets) {
      for (const auto& tls : ing.tls) {
        if (!tls.secret_name || ctx.state.secret(ing.meta.ns, *tls.secret_name)) continue;
        Finding f = ctx.make(ref, ref, "IngressTLSSecretMissing", Severity::warning);
        f.what = "Ingress " + ing.meta.name + " cannot serve TLS for " + join(tls.hosts, ", ");
        f.add_evidence("spec", "tls secretName " + *tls.secret_name);
        f.root_cause = {"missing_config",
                        "its TLS Secret " + *tls.secret_name + " does not exist in namespace " + ing.meta.ns, 0.9};
        f.status_cause_is_specific = true;
        f.add_action("fix_config", "create the TLS Secret (or let cert-manager issue it)",
                     Json{{"kind", "Secret"}, {"namespace", ing.meta.ns}, {"name", *tls.secret_name}});
        ctx.findings.push_back(std::move(f));
        break;
      }
    }
  }
}

}  // namespace eks::analyzers
