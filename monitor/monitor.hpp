#pragma once
// The continuous loop (`serve --monitor`, `eks-sre-mcp monitor`): every interval a quick diagnosis; new findings
// are remediated when the policy approves the plan's every action (auto mode) and verified, or else escalated
// (an incident and a notification with the approve command); an incident hears of its finding again only when
// the evidence changed; a finding is resolved after N clean cycles, and a cycle that could not read the cluster
// resolves nothing. Everything it does goes through the server's own tools (so through the same validation,
// safety middleware and audit log as a host's calls) as the client "eks-sre-mcp-monitor".
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "monitor/lifecycle.hpp"
#include "monitor/state_store.hpp"
#include "tools/notify/notifier.hpp"

namespace eks::monitor {

struct Options {
  std::chrono::milliseconds interval{300000};
  int clean_cycles_to_resolve = 2;
  std::string severity_min = "warning";        // the lowest severity the monitor tracks
  bool auto_mode = false;                      // the server runs in auto mode: apply plans the policy approves outright
  int verify_timeout_seconds = 120;            // apply_remediation's verification
  bool model_configured = false;               // deep investigations of new critical findings
  double max_cost_usd_per_hour = 1.0;          // their budget over the trailing hour
  std::chrono::seconds cost_every{24 * 3600};  // right-sizing into the report; 0: never
  // A usage sample from the metrics API this often (Hooks::sample_usage), so right-sizing has a history without
  // Prometheus; 0: never (Prometheus is configured, or there is no live cluster).
  std::chrono::seconds sample_every{0};
  bool incidents_configured = false;
  std::string incidents_why_not;  // what to configure, logged once when incidents are not configured
  bool cost_configured = false;
  std::filesystem::path reports_dir;  // empty: no report files
  std::chrono::seconds report_max_age{14 * 24 * 3600};
  std::uintmax_t report_max_bytes = 200u << 20;
  std::chrono::seconds history{30 * 24 * 3600};  // cycles, events and resolved findings kept in the state store
  std::string cluster;                           // the cluster's name in reports
  std::string approver_hint = "eks-sre-mcp approve {plan} --by NAME --reason TEXT";
};

struct Hooks {
  // Runs one of the server's tools: the CallToolResult ({content, structuredContent?, isError?}).
  std::function<Json(const std::string& tool, const Json& arguments)> call_tool;
  std::shared_ptr<notify::Notifier> notifier;  // null: no notifications
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  // Whether this replica may act (leader election); a follower waits and runs no cycle.
  std::function<bool()> may_act = [] { return true; };
  // After each committed cycle (resources changed: tell subscribers).
  std::function<void()> cycle_done;
  // Records one usage sample of every container (the number recorded, or why not).
  std::function<tl::expected<std::size_t, std::string>()> sample_usage;
};

// What one cycle found and did; `status` is `monitor --once`'s exit status: 0 healthy, 1 findings, 2 error.
struct CycleResult {
  std::string outcome;  // healthy | findings | read_failed | error | standby
  int status = 0;
  int fresh = 0, ongoing = 0, resolved = 0, open = 0;
  double duration_ms = 0;
  double diagnosis_ms = 0;  // of which the diagnosis itself
  std::string detail;
};

class Monitor {
 public:
  Monitor(Options options, Hooks hooks, std::unique_ptr<StateStore> store);
  ~Monitor();

  // One cycle: diagnose, compare, remediate or escalate, comment, resolve, commit, report.
  CycleResult run_cycle();
  // Cycles every interval until stop() (a cycle never overlaps the next; a cycle longer than the interval is
  // logged as slow and the next starts at once). Blocks; call from the thread that owns the loop.
  void run();
  // Ends run() after the cycle in progress has written its state (steps not yet taken wait for the next run).
  void stop();
  bool stopping() const { return stopping_; }

  // The latest report (JSON) and its Markdown; null/empty before the first cycle.
  Json latest_report() const;
  std::string latest_markdown() const;
  // The open incidents: [{number, url, fingerprint, finding_id, severity, summary, since}].
  Json open_incidents() const;
  // eks_sre_mcp_monitor_* series in the Prometheus text format.
  std::string metrics() const;

 private:
  struct Cycle;
  // propose_remediation's answer for the findings of a cycle: a plan, or why none, or why the call failed.
  struct Proposals {
    std::map<std::string, Json> plans;
    std::map<std::string, std::string> not_fixable;
    std::map<std::string, std::string> errors;
  };
  Proposals propose(const std::vector<std::string>& ids);
  void handle_new(Cycle& cycle, FindingRecord& record, const Proposals& proposals);
  void escalate(Cycle& cycle, FindingRecord& record, const Json& plan);
  void comment(Cycle& cycle, FindingRecord& record, const Json& previous);
  void resolve(Cycle& cycle, FindingRecord& record);
  void deep_investigation(Cycle& cycle, FindingRecord& record);
  void maybe_cost(Cycle& cycle);
  void maybe_sample(Cycle& cycle);
  Json build_report(const std::string& kind, Clock::time_point from, Clock::time_point to, const Json& cycle) const;
  void write_reports(const Json& cycle_json, bool has_findings, Clock::time_point now);
  void notify(const notify::Message& message);
  Json tool(const std::string& name, const Json& arguments, std::string& error);
  void count_cycle(const CycleResult& result);

  Options options_;
  Hooks hooks_;
  std::unique_ptr<StateStore> store_;
  std::atomic<bool> stopping_{false};
  std::mutex wait_mutex_;
  std::condition_variable wake_;
  bool warned_incidents_ = false;
  bool warned_cost_ = false;
  Clock::time_point last_sample_{};
  bool warned_model_ = false;
  int read_failures_in_a_row_ = 0;
  std::deque<std::pair<Clock::time_point, double>> model_spend_;  // deep investigations in the trailing hour

  mutable std::mutex mutex_;  // what other threads read: the report, the metrics
  Json latest_report_;
  std::string latest_markdown_;
  std::map<std::string, std::uint64_t> cycles_by_outcome_;
  std::vector<std::uint64_t> duration_buckets_;
  double duration_sum_ = 0;
  std::uint64_t duration_count_ = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> open_by_reason_;  // (reason, severity) -> open
  std::map<std::string, std::uint64_t> remediations_;                            // result -> count
  std::uint64_t escalations_ = 0;
  std::uint64_t slow_cycles_ = 0;
  std::map<std::string, std::uint64_t> usage_samples_;  // ok | failed -> count
  double last_cycle_ms_ = 0;
};

}  // namespace eks::monitor
