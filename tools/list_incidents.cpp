// list_incidents: the incidents eks-sre-mcp filed (issues with its label in the incident repository), with their
// fingerprints, statuses and severities, read from GitHub.
#include <string>

#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct ListQuery {
  std::string state = "open";
};

void from_json(const nlohmann::json& j, ListQuery& q) { server::argument(j, "state", q.state); }

struct Listed {
  std::string repository;
  std::vector<incidents::Incident> incidents;
};

// The value of a "prefix:value" label, or "".
std::string label_value(const std::vector<std::string>& labels, const std::string& prefix) {
  for (const auto& l : labels)
    if (l.rfind(prefix, 0) == 0) return l.substr(prefix.size());
  return "";
}

void to_json(nlohmann::json& j, const Listed& l) {
  j = {{"repository", l.repository}, {"incidents", nlohmann::json::array()}};
  for (const auto& i : l.incidents) {
    nlohmann::json entry{{"issue_number", i.issue_number}, {"title", i.title}, {"state", i.state}, {"url", i.url}};
    if (!i.fingerprint.empty()) entry["fingerprint"] = i.fingerprint;
    if (const auto s = label_value(i.labels, "status:"); !s.empty()) entry["status"] = s;
    if (const auto s = label_value(i.labels, "severity:"); !s.empty()) entry["severity"] = s;
    j["incidents"].push_back(std::move(entry));
  }
}

std::string render_text(const Listed& l) {
  std::string text = "# Incidents in " + l.repository + " (" + std::to_string(l.incidents.size()) + ")\n";
  for (const auto& i : l.incidents)
    text += "- #" + std::to_string(i.issue_number) + " [" + i.state + "] " + i.title +
            (i.fingerprint.empty() ? "" : " (" + i.fingerprint + ")") + "\n";
  return text;
}

server::Result<Listed> run(const Services& services, const ListQuery& query, server::CallContext&) {
  auto desk = services.incidents();
  if (!desk) return server::tool_error("list_incidents cannot reach the incidents: " + desk.error());
  auto listed = (*desk)->list(query.state);
  if (!listed) return server::tool_error("list_incidents: " + listed.error().message);
  return Listed{(*desk)->options().repository.full(), std::move(*listed)};
}

}  // namespace

server::ToolDef list_incidents_tool(const Services& services) {
  return server::ToolDef{
      .name = "list_incidents",
      .title = "Incidents: list",
      .description =
          "List the incidents eks-sre-mcp filed on GitHub (open by default, or closed, or all), each with its issue "
          "number, title, state, fingerprint, status and severity.",
      .input_schema = "list_incidents.input",
      .output_schema = "list_incidents.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = true},
      .safety = server::SafetyClass::read_only,
      .handler = server::typed<ListQuery, Listed>(
          [&services](const ListQuery& query, server::CallContext& context) { return run(services, query, context); }),
  };
}

}  // namespace eks::tools
