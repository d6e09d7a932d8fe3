// update_incident: an incident's status on its GitHub issue — a timeline comment, the status label, and for
// resolved the issue closed (investigating or mitigated reopen a closed one).
#include <string>

#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct UpdateQuery {
  std::optional<std::string> fingerprint;
  std::optional<int> issue_number;
  std::string status;
  std::string note;
};

void from_json(const nlohmann::json& j, UpdateQuery& q) {
  server::argument(j, "fingerprint", q.fingerprint);
  server::argument(j, "issue_number", q.issue_number);
  server::required_argument(j, "status", q.status);
  server::argument(j, "note", q.note);
}

struct Updated {
  incidents::Incident incident;
  std::string status;
};

void to_json(nlohmann::json& j, const Updated& u) {
  j = {{"issue_number", u.incident.issue_number},
       {"url", u.incident.url},
       {"state", u.incident.state},
       {"status", u.status}};
  if (!u.incident.fingerprint.empty()) j["fingerprint"] = u.incident.fingerprint;
}

std::string render_text(const Updated& u) {
  return "Incident #" + std::to_string(u.incident.issue_number) + " is now " + u.status + " (issue " +
         u.incident.state + "): " + u.incident.url + "\n";
}

server::Result<Updated> run(const Services& services, const UpdateQuery& query, server::CallContext&) {
  if (!query.fingerprint && !query.issue_number)
    return server::tool_error("update_incident needs the incident's fingerprint or its issue_number (list_incidents)");
  auto desk = services.incidents();
  if (!desk) return server::tool_error("update_incident cannot reach the incidents: " + desk.error());
  auto updated = (*desk)->update(query.issue_number, query.fingerprint.value_or(""), query.status, query.note);
  if (!updated) return server::tool_error("update_incident: " + updated.error().message);
  return Updated{*updated, query.status};
}

}  // namespace

server::ToolDef update_incident_tool(const Services& services) {
  return server::ToolDef{
      .name = "update_incident",
      .title = "Incidents: update status",
      .description =
          "Record an incident's status on its GitHub issue: investigating, mitigated or resolved (which closes the "
          "issue; the others keep it open or reopen it), with a note for its timeline. Name the incident by its "
          "fingerprint (from open_incident or list_incidents) or its issue_number.",
      .input_schema = "update_incident.input",
      .output_schema = "update_incident.output",
      .annotations = {.read_only = false, .destructive = false, .idempotent = false, .open_world = true},
      .safety = server::SafetyClass::mutating,
      .handler =
          server::typed<UpdateQuery, Updated>([&services](const UpdateQuery& query, server::CallContext& context) {
            return run(services, query, context);
          }),
  };
}

}  // namespace eks::tools
