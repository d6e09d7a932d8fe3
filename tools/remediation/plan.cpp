#include "tools/remediation/plan.hpp"

#include <cstdint>
#include <cstdio>

#include "tools/cluster/quantity.hpp"

namespace eks::remediation {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::auto_: return "auto";
    case Verdict::needs_approval: return "needs_approval";
    case Verdict::forbidden: return "forbidden";
  }
  return "forbidden";
}

namespace {

Verdict parse_verdict(const std::string& text) {
  if (text == "auto") return Verdict::auto_;
  if (text == "needs_approval") return Verdict::needs_approval;
  return Verdict::forbidden;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return cluster::format_time(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

std::chrono::system_clock::time_point time_of(const Json& j, const char* key) {
  const auto t = cluster::parse_time(j.value(key, ""));
  return t ? std::chrono::system_clock::time_point(*t) : std::chrono::system_clock::time_point{};
}

// FNV-1a 64: stable across runs, processes and standard libraries (the id is stored and compared later).
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string key_of(const Target& t) { return t.kind + "/" + (t.ns.empty() ? "" : t.ns + "/") + t.name; }

std::optional<std::string> check_namespace(const Plan& plan) {
  std::set<std::string> namespaces;
  for (const auto& a : plan.actions)
    if (!a.target.ns.empty()) namespaces.insert(a.target.ns);
  return namespaces.size() == 1 ? std::optional(*namespaces.begin()) : std::nullopt;
}

void to_json(Json& j, const Target& t) {
  j = Json{{"kind", t.kind}, {"name", t.name}};
  if (!t.ns.empty()) j["namespace"] = t.ns;
}
void from_json(const Json& j, Target& t) {
  t.kind = j.value("kind", "");
  t.ns = j.value("namespace", "");
  t.name = j.value("name", "");
}

void to_json(Json& j, const Call& c) { j = Json{{"tool", c.tool}, {"arguments", c.arguments}}; }
void from_json(const Json& j, Call& c) {
  c.tool = j.value("tool", "");
  c.arguments = j.value("arguments", Json::object());
}

void to_json(Json& j, const Action& a) {
  j = Json{{"type", a.type},
           {"target", a.target},
           {"params", a.params},
           {"upstream_calls", a.calls},
           {"verdict", to_string(a.verdict)},
           {"rule", a.rule},
           {"reason", a.reason},
           {"precondition", a.precondition},
           {"rollback", a.rollback}};
}
void from_json(const Json& j, Action& a) {
  a.type = j.value("type", "");
  a.target = j.value("target", Target{});
  a.params = j.value("params", Json::object());
  a.calls = j.value("upstream_calls", std::vector<Call>{});
  a.verdict = parse_verdict(j.value("verdict", ""));
  a.rule = j.value("rule", "");
  a.reason = j.value("reason", "");
  a.precondition = j.value("precondition", "");
  a.rollback = j.value("rollback", "");
}

void to_json(Json& j, const Plan& p) {
  Json blast{{"pods_affected", p.blast_radius.pods_affected}};
  if (p.blast_radius.replicas_before) blast["replicas_before"] = *p.blast_radius.replicas_before;
  if (p.blast_radius.replicas_after) blast["replicas_after"] = *p.blast_radius.replicas_after;
  if (p.blast_radius.pdb_allows_disruption) blast["pdb_allows_disruption"] = *p.blast_radius.pdb_allows_disruption;
  j = Json{{"plan_id", p.plan_id},
           {"finding_id", p.finding_id},
           {"subject", p.subject},
           {"summary", p.summary},
           {"actions", p.actions},
           {"blast_radius", std::move(blast)},
           {"expected_effect", p.expected_effect},
           {"rollback", p.rollback},
           {"resource_versions", p.resource_versions},
           {"check_kinds", p.check_kinds},
           {"created_at", rfc3339(p.created_at)},
           {"expires_at", rfc3339(p.expires_at)}};
  if (!p.recommendation_ids.empty()) j["recommendation_ids"] = p.recommendation_ids;
}
void from_json(const Json& j, Plan& p) {
  p.plan_id = j.value("plan_id", "");
  p.finding_id = j.value("finding_id", "");
  p.recommendation_ids = j.value("recommendation_ids", std::vector<std::string>{});
  p.subject = j.value("subject", "");
  p.summary = j.value("summary", "");
  p.actions = j.value("actions", std::vector<Action>{});
  const Json blast = j.value("blast_radius", Json::object());
  p.blast_radius.pods_affected = blast.value("pods_affected", 0);
  if (blast.contains("replicas_before")) p.blast_radius.replicas_before = blast["replicas_before"].get<int>();
  if (blast.contains("replicas_after")) p.blast_radius.replicas_after = blast["replicas_after"].get<int>();
  if (blast.contains("pdb_allows_disruption"))
    p.blast_radius.pdb_allows_disruption = blast["pdb_allows_disruption"].get<bool>();
  p.expected_effect = j.value("expected_effect", "");
  p.rollback = j.value("rollback", "");
  p.resource_versions = j.value("resource_versions", std::map<std::string, std::string>{});
  p.check_kinds = j.value("check_kinds", std::set<std::string>{});
  p.created_at = time_of(j, "created_at");
  p.expires_at = time_of(j, "expires_at");
}

std::string plan_id(const Plan& plan) {
  Json content{{"finding", plan.finding_id}, {"versions", plan.resource_versions}, {"actions", Json::array()}};
  for (const auto& a : plan.actions) {
    content["actions"].push_back({{"type", a.type}, {"target", a.target}, {"params", a.params}, {"calls", a.calls}});
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(content.dump())));
  return std::string("p-") + hex;
}

}  // namespace eks::remediation
