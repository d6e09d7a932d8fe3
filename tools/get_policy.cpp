// get_policy: the effective safety policy, so a model can plan within it instead of discovering it by refusal.
#include <sstream>

#include "safety/policy.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct PolicyQuery {
  std::optional<std::string> section;
};
void from_json(const nlohmann::json& j, PolicyQuery& q) { server::argument(j, "section", q.section); }

struct PolicyView {
  std::string mode;
  std::string source;
  nlohmann::json policy;
};
void to_json(nlohmann::json& j, const PolicyView& v) {
  j = {{"mode", v.mode}, {"source", v.source}, {"policy", v.policy}};
}

std::string join(const nlohmann::json& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + item.get<std::string>();
  return out.empty() ? "(none)" : out;
}

std::string render_text(const PolicyView& v) {
  std::ostringstream out;
  out << "Safety policy (" << v.source << "), mode `" << v.mode << "`";
  if (v.mode == "read_only") out << ": nothing is changed; recommend actions to a human.\n";
  else if (v.mode == "propose") out << ": changes are planned for a human, never executed.\n";
  else out << ": the auto-approved changes below run; others need a human.\n";
  const auto& p = v.policy;
  if (p.contains("protected_namespaces"))
    out << "- protected namespaces (no changes): " << join(p["protected_namespaces"]) << "\n";
  if (p.contains("approval_namespaces"))
    out << "- approval namespaces (changes need approval): " << join(p["approval_namespaces"]) << "\n";
  if (p.contains("production_namespaces")) {
    out << "- production namespaces (changes need approval): " << join(p["production_namespaces"]) << "\n";
  }
  if (p.contains("never")) {
    out << "- never:\n";
    for (const auto& r : p["never"]) {
      out << "  - `" << r["code"].get<std::string>() << "`: " << r["reason"].get<std::string>() << "\n";
    }
  }
  if (p.contains("max_bulk"))
    out << "- at most " << p["max_bulk"].dump() << " object(s) per delete; never by selector\n";
  if (p.contains("auto_approve")) {
    const auto& a = p["auto_approve"];
    out << "- auto-approved (auto mode): "
        << (a["restart_pod"].get<bool>() ? "restart one pod outside production; " : "")
        << (a["delete_failed_pods"].get<bool>() ? "delete Failed/Evicted pods; " : "");
    if (a["scale"]["enabled"].get<bool>()) {
      out << "scale " << join(a["scale"]["kinds"]) << " by at most ±" << a["scale"]["max_delta"].dump()
          << " replicas, never to 0, never above " << a["scale"]["max_replicas"].dump();
    }
    out << "\n";
  }
  if (p.contains("rate_limits")) {
    const auto& r = p["rate_limits"];
    out << "- rate limits: " << r["per_namespace"].dump() << " changes per namespace and " << r["cluster"].dump()
        << " cluster-wide per " << r["window_seconds"].dump() << " s\n";
  }
  if (p.contains("circuit_breaker")) {
    const auto& c = p["circuit_breaker"];
    out << "- circuit breaker: " << c["failures"].dump() << " failed remediations of one target within "
        << c["window_seconds"].dump() << " s stop further attempts for " << c["cooldown_seconds"].dump() << " s\n";
  }
  if (p.contains("github")) {
    out << "- GitHub: repositories "
        << (p["github"]["repositories"].empty() ? "any" : join(p["github"]["repositories"]))
        << "; allowed in every mode: " << join(p["github"]["allowed_writes"]) << "\n";
  }
  if (p.contains("shadow") && !p["shadow"].empty())
    out << "- shadow rules (logged, not enforced): " << p["shadow"].size() << "\n";
  if (!p.is_object() || p.size() == 1) out << "```json\n" << p.dump(2) << "\n```\n";
  return out.str();
}

server::Result<PolicyView> run(const safety::Policy& policy, const PolicyQuery& query) {
  PolicyView view{std::string(safety::to_string(policy.mode)), policy.source, policy.document};
  if (!query.section) return view;
  const auto it = policy.document.find(*query.section);
  if (it == policy.document.end()) {
    return server::tool_error("the policy has no section \"" + *query.section +
                              "\"; call get_policy without arguments to see every section");
  }
  view.policy = nlohmann::json{{*query.section, *it}};
  return view;
}

}  // namespace

server::ToolDef get_policy_tool(const Services& services) {
  return server::ToolDef{
      .name = "get_policy",
      .title = "Safety: policy",
      .description =
          "Show the effective safety policy every call passes: the mode (read_only, propose or auto), protected and "
          "production namespaces, what is never allowed (with the refusal code and what to do instead), which "
          "remediations run without a human, rate limits and the circuit breaker. Call it before planning a "
          "remediation so the plan stays within the policy. Pass `section` to see one part only.",
      .input_schema = "get_policy.input",
      .output_schema = "get_policy.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = false},
      .safety = server::SafetyClass::read_only,
      .handler = server::typed<PolicyQuery, PolicyView>(
          [&services](const PolicyQuery& query, server::CallContext&) { return run(services.policy, query); }),
  };
}

}  // namespace eks::tools
