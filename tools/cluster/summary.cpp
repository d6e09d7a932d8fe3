// ClusterState::canonical_summary: a source-independent summary of a cluster, for tests and debugging.
#include "tools/cluster/cluster_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <tuple>
#include <type_traits>

namespace eks::cluster {

// --- canonical summary -------------------------------------------------------------------------------------------

namespace {

Json time_json(const std::optional<Time>& t) { return t ? Json(format_time(*t)) : Json(nullptr); }

Json conditions_json(const std::vector<Condition>& cs) {
  Json out = Json::object();
  for (const auto& c : cs) out[c.type] = c.status + (c.reason ? "/" + *c.reason : "");
  return out;
}

Json state_json(const std::optional<ContainerState>& s) {
  if (!s) return nullptr;
  Json out{{"state", s->state}};
  if (s->reason) out["reason"] = *s->reason;
  if (s->exit_code) out["exit_code"] = *s->exit_code;
  if (s->message) out["message"] = *s->message;
  return out;
}

Json containers_json(const std::vector<Container>& cs) {
  Json out = Json::array();
  for (const auto& c : cs) {
    Json refs = Json::array();
    for (const auto& r : c.config_refs) refs.push_back(r.kind + "/" + r.name + (r.key ? ":" + *r.key : ""));
    out.push_back({{"name", c.name},
                   {"image", c.image},
                   {"requests", c.resources.requests},
                   {"limits", c.resources.limits},
                   {"env", c.env.size()},
                   {"refs", refs},
                   {"probes", std::string(c.liveness_probe ? "L" : "") + (c.readiness_probe ? "R" : "") +
                                  (c.startup_probe ? "S" : "")}});
  }
  return out;
}

Json chain_json(const ClusterState& s, const ObjectMeta& m) {
  Json out = Json::array();
  for (const auto& r : s.owner_chain(m)) out.push_back(r.str());
  return out;
}

Json meta_json(const ClusterState& s, const ObjectMeta& m) {
  Json out{{"uid", m.uid}, {"labels", m.labels}, {"created", time_json(m.created)}};
  if (m.deleting) out["deleting"] = format_time(*m.deleting);
  if (!m.owners.empty()) out["owners"] = chain_json(s, m);
  return out;
}

}  // namespace

Json ClusterState::canonical_summary() const {
  Json out = Json::object();
  auto put = [&](const std::string& section, const ObjectMeta& m, Json detail) {
    Json entry = meta_json(*this, m);
    entry.update(detail);
    out[section][m.ref().str()] = std::move(entry);
  };
  for (const auto& n : namespaces) put("namespaces", n.meta, {{"phase", n.phase}});
  for (const auto& n : nodes)
    put("nodes", n.meta,
        {{"conditions", conditions_json(n.conditions)},
         {"taints", n.taints.size()},
         {"unschedulable", n.unschedulable},
         {"allocatable", n.allocatable},
         {"nodegroup", n.nodegroup.value_or("")},
         {"instance_type", n.instance_type.value_or("")}});
  for (const auto& p : pods) {
    Json statuses = Json::array();
    for (const auto* list : {&p.init_container_statuses, &p.container_statuses})
      for (const auto& c : *list)
        statuses.push_back({{"name", c.name},
                            {"init", c.init},
                            {"ready", c.ready},
                            {"restarts", c.restart_count},
                            {"state", state_json(c.state)},
                            {"last_state", state_json(c.last_state)}});
    Json volumes = Json::array();
    for (const auto& v : p.spec.volumes) volumes.push_back(v.name + ":" + v.type + ":" + v.claim_name.value_or(""));
    put("pods", p.meta,
        {{"phase", p.phase},
         {"reason", p.reason.value_or("")},
         {"node", p.node_name.value_or("")},
         {"conditions", conditions_json(p.conditions)},
         {"statuses", statuses},
         {"containers", containers_json(p.spec.containers)},
         {"init_containers", containers_json(p.spec.init_containers)},
         {"volumes", volumes}});
  }
  for (const auto& e : events)
    put("events", e.meta,
        {{"involved", e.involved.str()},
         {"reason", e.reason},
         {"message", e.message},
         {"type", e.type},
         {"count", e.count},
         {"first", time_json(e.first_timestamp)},
         {"last", time_json(e.last_timestamp)}});
  for (const auto& d : deployments)
    put("deployments", d.meta,
        {{"replicas", d.replicas},
         {"ready", d.ready_replicas},
         {"available", d.available_replicas},
         {"updated", d.updated_replicas},
         {"conditions", conditions_json(d.conditions)},
         {"containers", containers_json(d.pod_template.spec.containers)}});
  for (const auto& r : replica_sets)
    put("replica_sets", r.meta,
        {{"replicas", r.replicas},
         {"ready", r.ready_replicas},
         {"available", r.available_replicas},
         {"revision", r.revision.value_or("")}});
  for (const auto& s : stateful_sets)
    put("stateful_sets", s.meta,
        {{"replicas", s.replicas}, {"ready", s.ready_replicas}, {"claims", s.volume_claim_templates}});
  for (const auto& d : daemon_sets)
    put("daemon_sets", d.meta,
        {{"desired", d.desired_number_scheduled}, {"ready", d.number_ready}, {"available", d.number_available}});
  for (const auto& j : jobs)
    put("jobs", j.meta,
        {{"backoff_limit", j.backoff_limit.value_or(-1)},
         {"active", j.active},
         {"succeeded", j.succeeded},
         {"failed", j.failed},
         {"conditions", conditions_json(j.conditions)}});
  for (const auto& c : cron_jobs)
    put("cron_jobs", c.meta, {{"schedule", c.schedule}, {"suspend", c.suspend}, {"active", c.active.size()}});
  for (const auto& s : services) {
    Json ports = Json::array();
    for (const auto& p : s.ports) ports.push_back(std::to_string(p.port) + "->" + p.target_port.value_or(""));
    put("services", s.meta, {{"type", s.type}, {"selector", s.selector}, {"ports", ports}});
  }
  for (const auto& e : endpoints)
    put("endpoints", e.meta, {{"ready", e.ready_count()}, {"not_ready", e.not_ready_count()}});
  for (const auto& i : ingresses) {
    Json backends = Json::array();
    for (const auto& p : i.paths)
      backends.push_back(p.host.value_or("*") + p.path + "->" + p.backend.service_name.value_or("") + ":" +
                         p.backend.service_port.value_or(""));
    put("ingresses", i.meta, {{"class", i.ingress_class.value_or("")}, {"backends", backends}, {"tls", i.tls.size()}});
  }
  for (const auto& c : ingress_classes)
    put("ingress_classes", c.meta, {{"controller", c.controller}, {"default", c.is_default}});
  for (const auto& n : network_policies) put("network_policies", n.meta, {{"types", n.policy_types}});
  for (const auto& p : pvcs)
    put("pvcs", p.meta,
        {{"phase", p.phase}, {"storage_class", p.storage_class.value_or("")}, {"volume", p.volume_name.value_or("")}});
  for (const auto& p : pvs)
    put("pvs", p.meta,
        {{"phase", p.phase},
         {"storage_class", p.storage_class.value_or("")},
         {"claim", p.claim ? p.claim->str() : ""}});
  for (const auto& s : storage_classes)
    put("storage_classes", s.meta, {{"provisioner", s.provisioner}, {"default", s.is_default}});
  for (const auto& h : hpas)
    put("hpas", h.meta,
        {{"target", h.target.str()},
         {"min", h.min_replicas.value_or(1)},
         {"max", h.max_replicas},
         {"current", h.current_replicas},
         {"conditions", conditions_json(h.conditions)}});
  for (const auto& p : pdbs)
    put("pdbs", p.meta, {{"min_available", p.min_available.value_or("")}, {"allowed", p.disruptions_allowed}});
  for (const auto& c : config_maps) put("config_maps", c.meta, {{"keys", c.keys}});
  for (const auto& a : service_accounts) put("service_accounts", a.meta, Json::object());
  for (const auto& w : webhook_configurations) put("webhook_configurations", w.meta, {{"webhooks", w.webhooks.size()}});
  if (pod_metrics) {
    Json m = Json::object();
    for (const auto& p : *pod_metrics) {
      Json cs = Json::object();
      for (const auto& c : p.containers) cs[c.name] = c.usage;
      m[p.ns + "/" + p.name] = cs;
    }
    out["pod_metrics"] = m;
  }
  if (node_metrics) {
    Json m = Json::object();
    for (const auto& n : *node_metrics) m[n.name] = n.usage;
    out["node_metrics"] = m;
  }
  return out;
}

}  // namespace eks::cluster
