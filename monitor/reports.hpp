#pragma once
// The monitor's reports: one per cycle with findings and one per day, each as JSON (the data), Markdown (for a
// chat or an issue) and HTML (for a person to look at: a timeline of findings per namespace, open incidents,
// actions and their verification, cost savings). The HTML is one self-contained file: inline CSS and SVG, and a
// Content-Security-Policy that forbids loading anything, so opening it never touches the network.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::monitor {

using Json = nlohmann::json;

// A report's shape (what Monitor::report builds):
// {kind: "cycle"|"daily", generated_at, cluster, window: {from, to},
//  cycle?: {id, outcome, duration_ms, new, ongoing, resolved, open, detail},
//  cycles: {count, healthy, findings, read_failed, error, mean_ms, max_ms},
//  findings: [{id, reason, severity, resource: {kind, namespace?, name}, summary, root_cause?, first_seen,
//              last_seen, incident?: {number, url}, remediation?, plan_id?}],          the open ones
//  timeline: [{finding_id, namespace, reason, severity, resource, from, to?}],        open at some time in window
//  actions: [{at, finding_id, plan_id, status, verification?}],
//  incidents: [{number, url, fingerprint, finding_id, severity, summary}],             the open ones
//  cost?: {at, monthly_savings, recommendations, top: [{namespace, workload, container, monthly_savings}]}}
std::string render_markdown(const Json& report);
std::string render_html(const Json& report);

// Writes <dir>/<stem>.json, .md and .html (each to a temporary name, then renamed: a reader never sees half a
// report); returns the HTML's path.
tl::expected<std::filesystem::path, std::string> write_report(const std::filesystem::path& dir, const std::string& stem,
                                                              const Json& report);

// Deletes reports older than `max_age`, then the oldest until the directory holds at most `max_bytes`.
// Returns how many files went.
std::size_t retain_reports(const std::filesystem::path& dir, std::chrono::seconds max_age, std::uintmax_t max_bytes,
                           std::filesystem::file_time_type now = std::filesystem::file_time_type::clock::now());

}  // namespace eks::monitor
