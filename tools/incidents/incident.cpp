#include "tools/incidents/incident.hpp"

#include <cstdio>

#include "tools/cluster/quantity.hpp"

namespace eks::incidents {
namespace {

std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return cluster::format_time(std::chrono::floor<std::chrono::seconds>(t));
}

std::string ref_text(const Json& ref) {
  if (!ref.is_object()) return "";
  std::string out = ref.value("kind", "") + " ";
  if (ref.contains("namespace")) out += ref.value("namespace", "") + "/";
  return out + ref.value("name", "");
}

// GitHub renders Markdown: cluster text (log lines, event messages) goes into code spans so it can neither
// format the issue nor mention people. A backtick inside would close the span: replaced.
std::string code(std::string text) {
  for (auto& c : text)
    if (c == '`') c = '\'';
  for (auto& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return "`" + text + "`";
}

void plans_section(std::string& out, const std::vector<PlanRecord>& plans) {
  out += "\n### Remediation\n";
  if (plans.empty()) {
    out += "No remediation plan was made for this finding (`propose_remediation` shows whether one can be).\n";
    return;
  }
  for (const auto& p : plans) {
    out += "- **" + p.plan_id + "**: " + p.summary + "\n";
    for (const auto& a : p.actions) out += "  - " + a + "\n";
    for (const auto& o : p.outcomes) out += "  - " + o + "\n";
  }
}

void evidence_section(std::string& out, const Json& finding) {
  const Json evidence = finding.value("evidence", Json::array());
  if (!evidence.is_array() || evidence.empty()) return;
  out += "\n### Evidence\n";
  std::size_t n = 0;
  for (const auto& e : evidence) {
    if (++n > 12) break;
    out += "- " + e.value("source", "") + ": " + code(e.value("text", "").substr(0, 400));
    if (e.contains("object")) out += " (" + e.value("object", "") + ")";
    if (e.value("count", 0) > 1) out += " ×" + std::to_string(e.value("count", 0));
    out += "\n";
  }
}

}  // namespace

std::string fingerprint(std::string_view cluster, std::string_view finding_id) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::string_view part : {cluster, finding_id}) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0x1f;  // unit separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  }
  return "inc-" + hex16(h);
}

std::string marker(std::string_view fp) { return "<!-- eks-sre-mcp:fingerprint=" + std::string(fp) + " -->"; }

bool has_marker(std::string_view body, std::string_view fp) { return body.find(marker(fp)) != std::string_view::npos; }

std::string fingerprint_label(std::string_view fp) { return "fp:" + std::string(fp); }

std::vector<std::string> labels_for(const Json& finding, std::string_view fp, std::string_view severity) {
  std::vector<std::string> labels{std::string(kIncidentLabel), fingerprint_label(fp),
                                  "severity:" + std::string(severity)};
  const std::string reason = finding.value("reason", "");
  if (!reason.empty()) labels.push_back("reason:" + reason.substr(0, 40));
  return labels;
}

IssueText render_issue(const Json& finding, std::string_view fp, std::string_view cluster, std::string_view severity,
                       const std::vector<PlanRecord>& plans, std::string_view extra,
                       std::chrono::system_clock::time_point now) {
  IssueText t;
  const std::string resource = ref_text(finding.value("resource", Json::object()));
  t.title = "[" + std::string(severity) + "] " + finding.value("reason", "Incident") + ": " + resource;
  if (!cluster.empty()) t.title += " (" + std::string(cluster) + ")";
  if (t.title.size() > 250) t.title = t.title.substr(0, 250);

  std::string& b = t.body;
  b += marker(fp) + "\n";
  b += "## " + finding.value("reason", "Incident") + " on " + resource + "\n\n";
  b += finding.value("summary", "") + "\n\n";
  b += "| | |\n|---|---|\n";
  b += "| Severity | " + std::string(severity) + " |\n";
  b += "| Cluster | " + std::string(cluster) + " |\n";
  b += "| Finding | `" + finding.value("id", "") + "` |\n";
  b += "| Fingerprint | `" + std::string(fp) + "` |\n";
  b += "| First reported | " + rfc3339(now) + " |\n";
  const Json cause = finding.value("root_cause", Json::object());
  if (cause.is_object()) {
    char confidence[16];
    std::snprintf(confidence, sizeof confidence, "%.2f", cause.value("confidence", 0.0));
    b += "\n### Root cause\n" + cause.value("category", "unknown") + " (confidence " + confidence +
         "): " + cause.value("summary", "") + "\n";
  }
  evidence_section(b, finding);
  const Json affected = finding.value("affected", Json::array());
  if (affected.is_array() && !affected.empty()) {
    b += "\n### Affected\n";
    for (const auto& a : affected) {
      b += "- " + ref_text(a.value("ref", a));
      if (a.contains("note")) b += ": " + a.value("note", "");
      b += "\n";
    }
  }
  plans_section(b, plans);
  if (!extra.empty()) b += "\n### Context\n" + std::string(extra) + "\n";
  b +=
      "\n---\nOpened by eks-sre-mcp. Comments below are its timeline; closing the issue marks the incident resolved.\n";
  return t;
}

std::string render_update(const Json& finding, const std::vector<PlanRecord>& plans, std::string_view extra,
                          std::string_view heading, std::chrono::system_clock::time_point now) {
  std::string b = "### " + std::string(heading) + " (" + rfc3339(now) + ")\n\n" + finding.value("summary", "") + "\n";
  evidence_section(b, finding);
  plans_section(b, plans);
  if (!extra.empty()) b += "\n" + std::string(extra) + "\n";
  return b;
}

}  // namespace eks::incidents
