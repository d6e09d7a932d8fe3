#pragma once
// What an incident issue says and how it is found again. The fingerprint names the incident (cluster, and the
// finding id, itself a hash of namespace, owning workload and reason), so one failing workload is one issue
// whatever its pods are called; it is written into the issue twice: a hidden marker in the body and a label,
// the label being what the search asks for and the marker what confirms a hit.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::incidents {

using Json = nlohmann::json;

// "inc-" + 16 hex digits (FNV-1a 64 of cluster and finding id).
std::string fingerprint(std::string_view cluster, std::string_view finding_id);
// The hidden marker: an HTML comment GitHub does not render.
std::string marker(std::string_view fingerprint);
// Whether an issue body carries the marker of `fingerprint`.
bool has_marker(std::string_view body, std::string_view fingerprint);

// Labels: every incident of ours, its fingerprint, its severity and its reason.
inline constexpr std::string_view kIncidentLabel = "eks-sre-mcp";
std::string fingerprint_label(std::string_view fingerprint);  // "fp:inc-…"
std::vector<std::string> labels_for(const Json& finding, std::string_view fingerprint, std::string_view severity);

// A remediation plan for the finding and what became of it (from the plan store), for the issue's body.
struct PlanRecord {
  std::string plan_id;
  std::string summary;
  std::vector<std::string> actions;   // "restart_pod Pod/shop/web-1: auto"
  std::vector<std::string> outcomes;  // "2026-12-07T03:41:00Z verification not_fixed"
};

struct IssueText {
  std::string title;
  std::string body;
};

// The issue for a finding (schemas/finding.schema.json): summary, severity, root cause, evidence, affected
// objects, the remediation plans and what ran, and `extra` from the caller. Not yet redacted: the desk redacts
// what it sends.
IssueText render_issue(const Json& finding, std::string_view fingerprint, std::string_view cluster,
                       std::string_view severity, const std::vector<PlanRecord>& plans, std::string_view extra,
                       std::chrono::system_clock::time_point now);

// A timeline comment: what is new since the issue was written (the finding as it is now, the plans).
std::string render_update(const Json& finding, const std::vector<PlanRecord>& plans, std::string_view extra,
                          std::string_view heading, std::chrono::system_clock::time_point now);

}  // namespace eks::incidents
