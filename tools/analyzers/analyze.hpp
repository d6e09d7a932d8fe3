#pragma once
// The analysis: ClusterState -> findings (one per incident), correlated, escalated, sorted by severity, and a
// summary of the cluster. Deterministic and offline: no model, no network (logs come through a callback).
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "tools/analyzers/finding.hpp"
#include "tools/cluster/source.hpp"

namespace eks::analyzers {

// Reads one container's log (ClusterSource::logs); an error sentence when it cannot.
using LogFetcher = std::function<tl::expected<std::string, std::string>(const cluster::LogRequest&)>;

struct Options {
  std::optional<std::string> ns;  // only this namespace (nodes still checked when they hurt its pods)
  std::set<std::string> kinds;    // only findings whose resource is one of these kinds; empty: all
  Severity severity_min = Severity::info;
  std::size_t max_findings = 0;    // 0: all
  LogFetcher logs;                 // null: no logs read (causes come from status and events only)
  std::size_t max_log_reads = 20;  // logs read per analysis (one pod per finding), bounding upstream calls
  std::function<bool()> cancelled;
};

struct Summary {
  int nodes_ready = 0;
  int nodes_total = 0;
  std::map<std::string, int> pods_by_phase;  // and "total"
  std::vector<std::string> degraded_namespaces;
  int critical = 0, warning = 0, info = 0;  // before severity_min / max_findings
  int omitted = 0;
  double analysis_ms = 0;
  std::string scope = "cluster";
};

struct Report {
  Summary summary;
  std::vector<Finding> findings;  // most severe first
  bool cancelled = false;
};

// The phases of analyze(), for progress notifications.
enum class Phase { analyze, correlate, logs };
using PhaseFn = std::function<void(Phase, std::string_view message)>;

// Runs every analyzer on the state, correlates, reads logs for the findings that need them, escalates, sorts
// and filters. Never throws on any cluster content.
Report analyze(const cluster::ClusterState& state, const Options& options, const PhaseFn& phase = {});

// diagnose_cluster's structuredContent (schemas/diagnose_cluster.output.json).
nlohmann::json to_json(const Report& report);

// A concise Markdown report: the summary line, then one short section per finding.
std::string render_markdown(const Report& report);

}  // namespace eks::analyzers
