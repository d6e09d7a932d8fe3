// Services: a selector that matches no pod (naming the near miss), or matching pods none of which is ready (with
// the cause when a readiness gate holds them back).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "tools/analyzers/context.hpp"
#include "tools/logs/quote.hpp"

namespace eks::analyzers {
namespace {

std::string selector_text(const cluster::Labels& selector) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : selector) parts.push_back(k + "=" + v);
  return join(parts, ",");
}

// The pods' labels for the selector's keys when a workload in the namespace looks like the intended target
// (same name as the Service, or pods sharing all but one of the selector's labels).
std::string near_miss(const Context& ctx, const cluster::Service& svc) {
  for (const auto* pod : ctx.state.pods_in_namespace(svc.meta.ns)) {
    const auto top = ctx.state.top_owner(pod->meta);
    std::size_t same = 0;
    std::vector<std::string> differing;
    for (const auto& [k, v] : svc.selector) {
      const auto it = pod->meta.labels.find(k);
      if (it != pod->meta.labels.end() && it->second == v) {
        ++same;
      } else if (it != pod->meta.labels.end()) {
        differing.push_back(k + "=" + it->second);
      }
    }
    const bool named_alike = top.name == svc.meta.name;
    if ((named_alike || same + 1 == svc.selector.size()) && !differing.empty()) {
      return describe(top) + " labels its pods " + join(differing, ",");
    }
  }
  return {};
}

// Deployments and StatefulSets in the Service's namespace that run 0 replicas and whose pod template the
// selector matches: the Service would have endpoints if they ran.
std::vector<ObjectRef> scaled_to_zero(const Context& ctx, const cluster::Service& svc) {
  auto selects = [&](const cluster::PodTemplate& t) {
    return std::all_of(svc.selector.begin(), svc.selector.end(), [&](const auto& kv) {
      const auto it = t.labels.find(kv.first);
      return it != t.labels.end() && it->second == kv.second;
    });
  };
  std::vector<ObjectRef> out;
  for (const auto& d : ctx.state.deployments)
    if (d.meta.ns == svc.meta.ns && d.replicas == 0 && selects(d.pod_template)) out.push_back(d.meta.ref());
  for (const auto& s : ctx.state.stateful_sets)
    if (s.meta.ns == svc.meta.ns && s.replicas == 0 && selects(s.pod_template)) out.push_back(s.meta.ref());
  return out;
}

// Pods whose containers are all ready but which a readiness gate holds back (the AWS Load Balancer Controller's
// target-health gate while the load balancer's health checks fail): the cause, from the gate's condition.
bool readiness_gate_cause(const std::vector<const cluster::Pod*>& pods, Finding& f) {
  int held = 0;
  const cluster::Pod* first = nullptr;
  std::string gate;
  for (const auto* p : pods) {
    const auto* ready = cluster::find_condition(p->conditions, "Ready");
    if (!ready || ready->status == "True" || ready->reason != "ReadinessGatesNotReady") continue;
    ++held;
    if (first) continue;
    first = p;
    // "the status of pod readiness gate \"<type>\" is not \"True\", but False" / "corresponding condition of pod
    // readiness gate \"<type>\" does not exist."
    gate = quoted_after(ready->message.value_or(""), "readiness gate ");
    if (!logs::is_plain(gate)) gate.clear();  // a condition type is a name; anything else is the message's text
    f.add_evidence("condition", "Ready False ReadinessGatesNotReady: " + ready->message.value_or(""),
                   "Pod/" + p->meta.name);
  }
  if (!first || gate.empty()) return false;
  const auto* c = cluster::find_condition(first->conditions, gate);
  const std::string held_text = plural(held, "pod") + " held back by readiness gate " + gate;
  if (!c) {
    f.root_cause = {"unknown", held_text + ", which its controller has not set yet (is the controller running?)", 0.6};
  } else {
    const std::string state = c->reason.value_or("") + (c->message ? ": " + *c->message : "");
    f.add_evidence("condition", gate + " " + c->status + " " + state, "Pod/" + first->meta.name);
    // The load balancer controller writes the reason and message from the target group's health; quoted as data.
    const std::string quoted = logs::quote_untrusted(state, "condition message");
    if (gate.rfind("target-health.elbv2.k8s.aws/", 0) == 0) {
      f.root_cause = {"probe_failure",
                      "the load balancer's health checks of the pods fail (" + quoted + "): " + held_text +
                          "; check the target group's health check path and port, and the security groups",
                      0.85};
    } else {
      f.root_cause = {"unknown", held_text + " (" + quoted + ")", 0.6};
    }
  }
  f.status_cause_is_specific = true;
  return true;
}

// A named targetPort of the Service that none of these pods' containers declares, or "". A number, or a name
// some container has, routes.
std::string undeclared_target_port(const cluster::Service& svc, const std::vector<const cluster::Pod*>& pods) {
  for (const auto& sp : svc.ports) {
    if (!sp.target_port || sp.target_port->empty() || std::isdigit(static_cast<unsigned char>(sp.target_port->front())))
      continue;
    const bool declared = std::any_of(pods.begin(), pods.end(), [&](const cluster::Pod* p) {
      return std::any_of(p->spec.containers.begin(), p->spec.containers.end(), [&](const cluster::Container& c) {
        return std::any_of(c.ports.begin(), c.ports.end(), [&](const auto& cp) { return cp.name == sp.target_port; });
      });
    });
    if (!declared && logs::is_plain(*sp.target_port)) return *sp.target_port;
  }
  return {};
}

// A numeric targetPort (or the port itself, when targetPort is left out) that no container of the ready pods
// declares, while every one of their containers declares its ports: the endpoints carry a port nothing listens
// on, and every connection is refused. Declaring ports is optional, so a container without any (an app beside
// a sidecar that declares its own) leaves the question open, and nothing is said.
std::optional<int> unlistened_target_port(const cluster::Service& svc, const std::vector<const cluster::Pod*>& pods) {
  for (const auto* p : pods)
    for (const auto& c : p->spec.containers)
      if (c.ports.empty()) return std::nullopt;
  for (const auto& sp : svc.ports) {
    const std::string target = sp.target_port.value_or(std::to_string(sp.port));
    // A port number has at most 5 digits (the API server checks it; a snapshot may not have passed through one).
    if (target.empty() || target.size() > 5 ||
        !std::all_of(target.begin(), target.end(), [](unsigned char ch) { return std::isdigit(ch); }))
      continue;
    const int number = std::atoi(target.c_str());
    const bool declared = std::any_of(pods.begin(), pods.end(), [&](const cluster::Pod* p) {
      return std::any_of(p->spec.containers.begin(), p->spec.containers.end(), [&](const cluster::Container& c) {
        return std::any_of(c.ports.begin(), c.ports.end(), [&](const auto& cp) { return cp.container_port == number; });
      });
    });
    if (!declared) return number;
  }
  return std::nullopt;
}

// "http 8080/TCP, metrics 9090/TCP", or "none".
std::string declared_ports(const cluster::Pod& pod) {
  std::vector<std::string> out;
  for (const auto& c : pod.spec.containers)
    for (const auto& cp : c.ports)
      out.push_back((cp.name ? *cp.name + " " : std::string()) + std::to_string(cp.container_port) + "/" + cp.protocol);
  return out.empty() ? "none" : join(out, ", ");
}

// A targetPort that reaches no listening container, named (no endpoints at all) or numbered (endpoints on a port
// nothing listens on): the finding on the Service, the workloads it selects related.
struct PortFault {
  std::string port;
  std::string what;       // after "Service <name> "
  std::string endpoints;  // after "Endpoints <name>: "
  std::string cause;      // after "the Service's targetPort <port> "
  double confidence;
  std::string fix;
};

void report_port_fault(Context& ctx, const cluster::Service& svc, const std::vector<const cluster::Pod*>& ready_pods,
                       const PortFault& fault) {
  const auto ref = svc.meta.ref();
  Finding f = ctx.make(ref, ref, "ServiceNoEndpoints", Severity::warning);
  f.what = "Service " + svc.meta.name + " " + fault.what;
  f.add_evidence("spec", "targetPort " + fault.port + "; the pods' ports: " + declared_ports(*ready_pods.front()),
                 "Pod/" + ready_pods.front()->meta.name);
  f.add_evidence("status", "Endpoints " + svc.meta.name + ": " + fault.endpoints);
  f.root_cause = {"missing_config", "the Service's targetPort " + fault.port + " " + fault.cause, fault.confidence};
  f.status_cause_is_specific = true;
  for (const auto* p : ready_pods) f.add_related(ctx.state.top_owner(p->meta), "", "selected by the Service");
  f.add_action("fix_config", fault.fix, Json{{"kind", "Service"}, {"namespace", svc.meta.ns}, {"name", svc.meta.name}});
  ctx.findings.push_back(std::move(f));
}

}  // namespace

void analyze_services(Context& ctx) {
  for (const auto& svc : ctx.state.services) {
    if (!ctx.in_scope(svc.meta.ns) || svc.selector.empty() || svc.type == "ExternalName") continue;
    const auto ref = svc.meta.ref();
    const auto pods = ctx.state.pods_matching(svc.meta.ns, svc.selector);
    const auto* endpoints = ctx.state.endpoints_of(svc.meta.ns, svc.meta.name);
    const int ready = endpoints ? endpoints->ready_count() : 0;
    const int not_ready = endpoints ? endpoints->not_ready_count() : 0;
    if (pods.empty()) {
      Finding f = ctx.make(ref, ref, "ServiceNoEndpoints", Severity::warning);
      f.what = "Service " + svc.meta.name + " has no endpoints: its selector " + selector_text(svc.selector) +
               " matches no pod";
      f.add_evidence("spec", "selector " + selector_text(svc.selector));
      f.add_evidence("status", "Endpoints " + svc.meta.name + ": no addresses");
      const std::string miss = near_miss(ctx, svc);
      const auto idle = scaled_to_zero(ctx, svc);
      if (!idle.empty()) {
        std::vector<std::string> names;
        for (const auto& w : idle) {
          names.push_back(describe(w));
          f.add_evidence("spec", w.kind + " " + w.name + ": replicas 0", w.str());
          f.add_related(w, "", "scaled to 0 replicas; its pods would match the selector");
        }
        f.root_cause = {
            "missing_config",
            join(names, " and ") +
                (idle.size() > 1 ? ", whose pods the selector matches, are" : ", whose pods the selector matches, is") +
                " scaled to 0 replicas",
            0.9};
        f.add_action("scale", "scale " + describe(idle.front()) + " to at least 1 replica, if it should serve",
                     Json{{"kind", idle.front().kind}, {"namespace", idle.front().ns}, {"name", idle.front().name}});
      } else if (!miss.empty()) {
        f.root_cause = {"missing_config",
                        "the selector " + selector_text(svc.selector) + " matches no pod, while " + miss, 0.9};
        f.add_evidence("spec", miss);
      } else {
        f.root_cause = {"missing_config",
                        "no pod in namespace " + svc.meta.ns + " carries the labels " + selector_text(svc.selector) +
                            " (wrong selector, or its workload is scaled to zero or missing)",
                        0.7};
      }
      f.status_cause_is_specific = true;
      if (idle.empty())
        f.add_action(
            "fix_config", "make the Service's selector match the pods' labels (or the pods' labels match the selector)",
            Json{{"kind", "Service"}, {"namespace", svc.meta.ns}, {"name", svc.meta.name}, {"selector", svc.selector}});
      ctx.findings.push_back(std::move(f));
      continue;
    }
    std::vector<const cluster::Pod*> ready_pods;
    for (const auto* p : pods)
      if (p->ready()) ready_pods.push_back(p);
    if (ready > 0) {
      const auto port = ready_pods.empty() ? std::nullopt : unlistened_target_port(svc, ready_pods);
      if (!port) continue;
      const std::string number = std::to_string(*port);
      report_port_fault(ctx, svc, ready_pods,
                        {number,
                         "sends its traffic to port " + number + ", where none of its " +
                             plural(ready, "ready endpoint") + " listens",
                         plural(ready, "ready address") + " on port " + number,
                         "is not a port the selected pods' containers declare, so connections are refused", 0.75,
                         "set the Service's targetPort to the port the containers listen on"});
      continue;
    }
    if (!ready_pods.empty()) {
      // Ready pods and still no ready address: the endpoints controller adds a pod only when it has every named
      // targetPort of the Service, so a name no container declares leaves all of them out.
      if (const std::string port = undeclared_target_port(svc, ready_pods); !port.empty()) {
        report_port_fault(ctx, svc, ready_pods,
                          {port,
                           "has no endpoints: its targetPort " + port + " names no port of the " +
                               plural(static_cast<long long>(ready_pods.size()), "ready pod") + " it selects",
                           "no ready addresses",
                           "is a port name that the selected pods' containers do not declare, so no pod becomes an "
                           "endpoint",
                           0.9, "set the Service's targetPort to a port name or number the containers declare"});
        continue;
      }
      // No Endpoints were read (not served, or not allowed): ready pods are all there is to go by.
      if (!endpoints) continue;
    }
    // Pods exist but none is ready: the Service serves nothing.
    int running = 0;
    for (const auto* p : pods) running += p->phase == "Running" ? 1 : 0;
    Finding f = ctx.make(ref, ref, "ServiceNotReadyEndpoints", Severity::critical);
    f.what = "Service " + svc.meta.name + " has no ready endpoints (" +
             plural(static_cast<long long>(pods.size()), "matching pod") + ", none ready)";
    f.add_evidence("status",
                   "Endpoints " + svc.meta.name + ": 0 ready, " + std::to_string(not_ready) + " not ready addresses");
    if (!readiness_gate_cause(pods, f)) f.root_cause = {"unknown", "the pods it selects are not ready", 0.3};
    for (const auto* p : pods) {
      f.pod_names.push_back(p->meta.name);
      const auto top = ctx.state.top_owner(p->meta);
      f.add_related(top, "", "selected by the Service");
    }
    (void)running;
    f.add_action("investigate", "fix the selected pods; the Service follows",
                 Json{{"kind", "Service"}, {"namespace", svc.meta.ns}, {"name", svc.meta.name}});
    ctx.findings.push_back(std::move(f));
  }
}

}  // namespace eks::analyzers
