#include "monitor/monitor.hpp"

#include <algorithm>
#include <sstream>

#include "monitor/reports.hpp"
#include "server/logging.hpp"
#include "tools/cluster/quantity.hpp"

namespace eks::monitor {
namespace {

std::shared_ptr<spdlog::logger> log() { return server::component_logger("monitor"); }

std::string rfc3339(Clock::time_point t) {
  return cluster::format_time(std::chrono::time_point_cast<std::chrono::seconds>(t));
}

std::string str(const Json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string resource_name(const Json& r) {
  if (!r.is_object()) return "";
  std::string out = str(r, "kind") + "/";
  if (!str(r, "namespace").empty()) out += str(r, "namespace") + "/";
  return out + str(r, "name");
}

// The text of a CallToolResult's content items.
std::string result_text(const Json& result) {
  std::string out;
  for (const auto& item : result.value("content", Json::array()))
    if (item.value("type", "") == "text") out += (out.empty() ? "" : " ") + item.value("text", "");
  return out.substr(0, 600);
}

// Histogram buckets for the cycle duration, seconds (a quick cycle is sub-second; one with a verification
// waits up to minutes).
constexpr double kBuckets[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

struct Monitor::Cycle {
  Clock::time_point now;
  std::vector<Event> events;
  std::vector<std::string> notes;  // what was skipped or failed, for the cycle's detail
  void event(const std::string& finding, const std::string& kind, Json detail = Json::object()) {
    events.push_back({0, now, finding, kind, std::move(detail)});
  }
};

Monitor::Monitor(Options options, Hooks hooks, std::unique_ptr<StateStore> store)
    : options_(std::move(options)),
      hooks_(std::move(hooks)),
      store_(std::move(store)),
      duration_buckets_(std::size(kBuckets), 0) {}

Monitor::~Monitor() { stop(); }

Json Monitor::tool(const std::string& name, const Json& arguments, std::string& error) {
  error.clear();
  Json result;
  try {
    result = hooks_.call_tool(name, arguments);
  } catch (const std::exception& e) {
    error = name + " failed: " + e.what();
    return Json();
  }
  if (result.value("isError", false)) {
    error = name + ": " + result_text(result);
    return Json();
  }
  auto structured = result.value("structuredContent", Json());
  if (!structured.is_object()) {
    error = name + " returned no structured result";
    return Json();
  }
  return structured;
}

void Monitor::notify(const notify::Message& message) {
  if (hooks_.notifier && hooks_.notifier->enabled()) hooks_.notifier->send(message);
}

CycleResult Monitor::run_cycle() {
  const auto started = std::chrono::steady_clock::now();
  Cycle cycle;
  cycle.now = hooks_.now();
  CycleResult result;
  if (!hooks_.may_act()) {
    result.outcome = "standby";
    count_cycle(result);
    log()->info("cycle: standby (another replica holds the lease)");
    return result;
  }
  auto open = store_->open_findings();
  if (!open) {
    result.outcome = "error";
    result.status = 2;
    result.detail = open.error();
    log()->error("cycle failed: {}", open.error());
    count_cycle(result);
    return result;
  }

  std::string error;
  // Fresh: a cycle must see the cluster as it is now, not a read cached for the tools a moment ago.
  const auto diagnosis_started = std::chrono::steady_clock::now();
  const Json diagnosis = tool(
      "diagnose_cluster",
      {{"severity_min", options_.severity_min}, {"max_findings", 500}, {"depth", "quick"}, {"fresh", true}}, error);
  result.diagnosis_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - diagnosis_started).count();
  Observation observation;
  observation.at = cycle.now;
  if (!error.empty()) {
    observation.complete = false;
    result.outcome = "read_failed";
    result.status = 2;
    cycle.notes.push_back("could not read the cluster, so nothing was resolved: " + error);
    ++read_failures_in_a_row_;
    log()->warn("cycle: could not read the cluster ({}); nothing is resolved until a read succeeds", error);
    if (read_failures_in_a_row_ == 3) {
      notify({.event = "monitor_blind",
              .severity = "warning",
              .title = "The monitor cannot read the cluster",
              .text = "Three cycles in a row could not read the cluster: " + error,
              .facts = {{"Cluster", options_.cluster}},
              .command = ""});
    }
  } else {
    if (read_failures_in_a_row_ >= 3)
      notify({.event = "monitor_recovered",
              .severity = "info",
              .title = "The monitor reads the cluster again",
              .text = "After " + std::to_string(read_failures_in_a_row_) + " cycles that could not read it.",
              .facts = {{"Cluster", options_.cluster}},
              .command = ""});
    read_failures_in_a_row_ = 0;
    for (const auto& f : diagnosis.value("findings", Json::array())) observation.findings.push_back(f);
    const auto summary = diagnosis.value("summary", Json::object());
    const auto warnings = summary.value("warnings", Json::array());
    if (!warnings.empty()) {
      observation.complete = false;
      const auto& first = warnings.front();
      cycle.notes.push_back("part of the cluster could not be read, so nothing was resolved: " +
                            (first.is_string() ? first.get<std::string>() : first.dump()));
    }
    if (observation.findings.size() >= 500 && summary.value("omitted_findings", 0) > 0) {
      observation.complete = false;
      cycle.notes.push_back("more findings than one cycle tracks (500): nothing was resolved");
    }
  }

  auto steps = compare(*open, observation, options_.clean_cycles_to_resolve);
  std::vector<std::string> to_plan;
  for (const auto& step : steps)
    if ((step.transition == Transition::fresh || step.transition == Transition::pending) &&
        step.record.remediation.empty())
      to_plan.push_back(step.record.id);
  const auto proposals = propose(to_plan);
  for (auto& step : steps) {
    if (stopping_) break;  // what is left waits for the next run: its records say it was not handled
    auto& r = step.record;
    switch (step.transition) {
      case Transition::fresh:
        cycle.event(r.id, "new",
                    {{"reason", str(r.finding, "reason")},
                     {"severity", str(r.finding, "severity")},
                     {"resource", r.finding.value("resource", Json::object())}});
        handle_new(cycle, r, proposals);
        break;
      case Transition::pending: handle_new(cycle, r, proposals); break;
      case Transition::changed: comment(cycle, r, step.previous); break;
      case Transition::resolved: resolve(cycle, r); break;
      case Transition::unchanged:
      case Transition::clearing: break;
    }
  }
  if (!stopping_ && result.outcome.empty()) maybe_sample(cycle);
  if (!stopping_ && result.outcome.empty()) maybe_cost(cycle);

  std::vector<FindingRecord> records;
  for (auto& step : steps) {
    switch (step.transition) {
      case Transition::fresh: ++result.fresh; break;
      case Transition::pending:
      case Transition::changed:
      case Transition::unchanged: ++result.ongoing; break;
      case Transition::resolved:
        if (!step.record.open) ++result.resolved;
        break;
      case Transition::clearing: break;
    }
    if (step.record.open && step.record.last_seen == cycle.now) ++result.open;
    records.push_back(std::move(step.record));
  }
  if (result.outcome.empty()) {
    result.outcome = result.open > 0 ? "findings" : "healthy";
    result.status = result.open > 0 ? 1 : 0;
  }
  for (const auto& n : cycle.notes) result.detail += (result.detail.empty() ? "" : "; ") + n;
  result.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

  CycleRecord record{
      0,           cycle.now,    result.duration_ms, result.outcome, result.fresh, result.ongoing, result.resolved,
      result.open, result.detail};
  auto id = store_->commit_cycle(record, records, std::move(cycle.events));
  if (!id) {
    log()->error("cycle: {}", id.error());
    result.outcome = "error";
    result.status = 2;
    result.detail = id.error();
    count_cycle(result);
    return result;
  }
  {
    std::lock_guard lock(mutex_);
    open_by_reason_.clear();
    for (const auto& r : records)
      if (r.open && !r.resolving) ++open_by_reason_[{str(r.finding, "reason"), str(r.finding, "severity")}];
  }
  count_cycle(result);
  const Json cycle_json = {{"id", *id},           {"outcome", result.outcome}, {"duration_ms", result.duration_ms},
                           {"new", result.fresh}, {"ongoing", result.ongoing}, {"resolved", result.resolved},
                           {"open", result.open}, {"detail", result.detail}};
  write_reports(cycle_json, result.open > 0 || result.resolved > 0, cycle.now);
  if (auto pruned = store_->prune(cycle.now - options_.history); !pruned) log()->warn("{}", pruned.error());
  log()->info("cycle {}: {} in {:.0f} ms, diagnosis {:.0f} ms ({} new, {} ongoing, {} resolved, {} open){}", *id,
              result.outcome, result.duration_ms, result.diagnosis_ms, result.fresh, result.ongoing, result.resolved,
              result.open, result.detail.empty() ? "" : ": " + result.detail);
  if (hooks_.cycle_done) hooks_.cycle_done();
  return result;
}

Monitor::Proposals Monitor::propose(const std::vector<std::string>& ids) {
  Proposals out;
  // In chunks of propose_remediation's max_plans: one call for a cluster's worth of new findings.
  for (std::size_t at = 0; at < ids.size(); at += 100) {
    const std::vector<std::string> chunk(ids.begin() + static_cast<std::ptrdiff_t>(at),
                                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), at + 100)));
    std::string error;
    const Json proposal = tool("propose_remediation", {{"finding_ids", chunk}, {"max_plans", 100}}, error);
    if (!error.empty()) {
      for (const auto& id : chunk) out.errors[id] = error;
      continue;
    }
    for (const auto& p : proposal.value("plans", Json::array()))
      if (!out.plans.count(str(p, "finding_id"))) out.plans[str(p, "finding_id")] = p;
    for (const auto& n : proposal.value("not_fixable", Json::array()))
      out.not_fixable[str(n, "finding_id")] = str(n, "why");
  }
  return out;
}

void Monitor::handle_new(Cycle& cycle, FindingRecord& record, const Proposals& proposals) {
  Json plan;
  if (record.remediation.empty()) {
    std::string error;
    if (const auto e = proposals.errors.find(record.id); e != proposals.errors.end()) {
      record.remediation = "no plan: " + e->second;
    } else if (!proposals.plans.count(record.id)) {
      const auto why = proposals.not_fixable.find(record.id);
      record.remediation =
          "not fixable: " + (why == proposals.not_fixable.end() ? std::string("no action can fix it") : why->second);
    } else {
      plan = proposals.plans.at(record.id);
      record.plan_id = str(plan, "plan_id");
      bool all_auto = true, forbidden = false;
      std::string reason;
      for (const auto& a : plan.value("actions", Json::array())) {
        const auto verdict = str(a, "verdict");
        if (verdict != "auto") all_auto = false;
        if (verdict == "forbidden") forbidden = true;
        if (verdict != "auto" && reason.empty()) reason = str(a, "reason");
      }
      if (all_auto && options_.auto_mode) {
        const Json applied =
            tool("apply_remediation",
                 {{"plan_id", record.plan_id}, {"verify_timeout_seconds", options_.verify_timeout_seconds}}, error);
        const auto status = error.empty() ? str(applied, "status") : "failed";
        const auto verification = str(applied.value("verification", Json::object()), "status");
        record.remediation = status + (verification.empty() ? "" : ": " + verification);
        if (!error.empty()) record.remediation += " (" + error + ")";
        cycle.event(record.id, "remediated",
                    {{"plan_id", record.plan_id}, {"status", status}, {"verification", verification}});
        log()->info("{} {} remediated by plan {}: {}", str(record.finding, "reason"),
                    resource_name(record.finding.value("resource", Json::object())), record.plan_id,
                    record.remediation);
        {
          std::lock_guard lock(mutex_);
          ++remediations_[verification == "fixed" ? "fixed" : status == "applied" ? "not_fixed" : status];
        }
        if (status == "applied" && verification == "fixed") {
          // apply_remediation told the webhooks; the finding resolves after its clean cycles.
          record.handled = true;
          record.notified = true;
          return;
        }
      } else if (forbidden) {
        record.remediation = "forbidden: " + reason;
      } else {
        record.remediation = "needs approval: " + (options_.auto_mode ? reason : "the server is not in auto mode");
      }
    }
    if (str(record.finding, "severity") == "critical") deep_investigation(cycle, record);
  }
  escalate(cycle, record, plan);
}

void Monitor::deep_investigation(Cycle& cycle, FindingRecord& record) {
  if (!options_.model_configured) {
    if (!warned_model_) log()->info("deep investigations: skipped (no model is configured: set ANTHROPIC_API_KEY)");
    warned_model_ = true;
    return;
  }
  while (!model_spend_.empty() && cycle.now - model_spend_.front().first > std::chrono::hours(1))
    model_spend_.pop_front();
  double spent = 0;
  for (const auto& [at, usd] : model_spend_) spent += usd;
  if (spent >= options_.max_cost_usd_per_hour) {
    cycle.notes.push_back("deep investigation of " + record.id + " skipped: the hourly budget ($" +
                          std::to_string(options_.max_cost_usd_per_hour) + ") is spent");
    return;
  }
  std::string error;
  Json args = {{"depth", "deep"}, {"severity_min", "critical"}, {"max_findings", 20}};
  const auto ns = str(record.finding.value("resource", Json::object()), "namespace");
  if (!ns.empty()) args["namespace"] = ns;
  const Json deep = tool("diagnose_cluster", args, error);
  if (!error.empty()) {
    cycle.notes.push_back("deep investigation of " + record.id + " failed: " + error);
    return;
  }
  const auto analysis = deep.value("analysis", Json::object());
  const double cost = analysis.value("cost_usd_estimate", 0.0);
  model_spend_.emplace_back(cycle.now, cost);
  for (const auto& f : deep.value("findings", Json::array()))
    if (str(f, "id") == record.id) record.finding = f;
  cycle.event(record.id, "investigated", {{"mode", str(analysis, "mode")}, {"cost_usd", cost}});
}

void Monitor::escalate(Cycle& cycle, FindingRecord& record, const Json& plan) {
  bool done = true;
  const auto& f = record.finding;
  const bool waits = record.remediation.rfind("needs approval", 0) == 0 && !record.plan_id.empty();
  std::string command;
  if (waits) {
    command = options_.approver_hint;
    if (const auto at = command.find("{plan}"); at != std::string::npos) command.replace(at, 6, record.plan_id);
    command += "; eks-sre-mcp remediate --apply " + record.plan_id;
  }
  if (options_.incidents_configured) {
    if (record.incident_number == 0) {
      std::string extra =
          "Found by the monitor at " + rfc3339(cycle.now) + ". Remediation: " + record.remediation + ".";
      if (waits) extra += " To run plan " + record.plan_id + " (" + str(plan, "summary") + "): " + command;
      std::string error;
      const Json incident = tool("open_incident", {{"finding", f}, {"extra_context", extra.substr(0, 4000)}}, error);
      if (!error.empty()) {
        done = false;
        cycle.notes.push_back("incident for " + record.id + " not filed (retried next cycle): " + error);
        log()->warn("incident for {} not filed, retried next cycle: {}", record.id, error);
      } else {
        record.incident_fingerprint = str(incident, "fingerprint");
        record.incident_number = incident.value("issue_number", 0);
        record.incident_url = str(incident, "url");
        record.evidence_digest = evidence_digest(f);
        log()->info("{} {} escalated: incident #{} ({})", str(f, "reason"),
                    resource_name(f.value("resource", Json::object())), record.incident_number,
                    str(incident, "action"));
        cycle.event(record.id, "escalated",
                    {{"issue_number", record.incident_number},
                     {"url", record.incident_url},
                     {"action", str(incident, "action")}});
        std::lock_guard lock(mutex_);
        ++escalations_;
      }
    }
  } else if (!warned_incidents_) {
    warned_incidents_ = true;
    log()->info("incidents: skipped ({})", options_.incidents_why_not);
  }
  if (!record.notified) {
    notify::Message m;
    m.event = "finding_escalated";
    m.severity = str(f, "severity");
    m.title = str(f, "reason") + ": " + resource_name(f.value("resource", Json::object()));
    m.text = str(f, "summary");
    if (const auto rc = f.find("root_cause"); rc != f.end() && rc->is_object() && !str(*rc, "summary").empty())
      m.text += "\nRoot cause: " + str(*rc, "summary");
    m.facts = {{"Cluster", options_.cluster}, {"Severity", str(f, "severity")}, {"Remediation", record.remediation}};
    if (record.incident_number > 0) m.facts.emplace_back("Incident", record.incident_url);
    if (!record.plan_id.empty()) m.facts.emplace_back("Plan", record.plan_id);
    m.command = command;
    notify(m);
    record.notified = true;
    cycle.event(record.id, "notified", {{"event", m.event}});
  }
  record.handled = done;
}

void Monitor::comment(Cycle& cycle, FindingRecord& record, const Json& previous) {
  const auto added = new_evidence(previous, record.finding);
  std::string note = "The evidence changed (" + rfc3339(cycle.now) + ").";
  if (str(previous, "severity") != str(record.finding, "severity"))
    note += " Severity: " + str(previous, "severity") + " → " + str(record.finding, "severity") + ".";
  if (previous.value("count", 1) != record.finding.value("count", 1))
    note += " Affected: " + std::to_string(previous.value("count", 1)) + " → " +
            std::to_string(record.finding.value("count", 1)) + ".";
  for (std::size_t i = 0; i < added.size() && i < 10; ++i) note += "\n- " + added[i];
  std::string error;
  tool("update_incident",
       {{"fingerprint", record.incident_fingerprint},
        {"issue_number", record.incident_number},
        {"status", "investigating"},
        {"note", note.substr(0, 4000)}},
       error);
  if (!error.empty()) {
    cycle.notes.push_back("incident #" + std::to_string(record.incident_number) + " not updated (retried): " + error);
    return;
  }
  record.evidence_digest = evidence_digest(record.finding);
  cycle.event(record.id, "commented", {{"issue_number", record.incident_number}});
}

void Monitor::resolve(Cycle& cycle, FindingRecord& record) {
  if (record.incident_number > 0) {
    std::string error;
    tool("update_incident",
         {{"fingerprint", record.incident_fingerprint},
          {"issue_number", record.incident_number},
          {"status", "resolved"},
          {"note", "Not seen for " + std::to_string(options_.clean_cycles_to_resolve) +
                       " clean cycles in a row (since " + rfc3339(record.last_seen) + ")."}},
         error);
    if (!error.empty()) {
      record.resolving = true;
      cycle.notes.push_back("incident #" + std::to_string(record.incident_number) + " not closed (retried): " + error);
      return;
    }
  }
  record.open = false;
  record.resolving = false;
  if (!record.resolved_at) record.resolved_at = cycle.now;
  cycle.event(record.id, "resolved", {{"issue_number", record.incident_number}});
  if (record.notified) {
    const auto& f = record.finding;
    notify({.event = "finding_resolved",
            .severity = "info",
            .title = "Resolved: " + str(f, "reason") + " " + resource_name(f.value("resource", Json::object())),
            .text = "Not seen for " + std::to_string(options_.clean_cycles_to_resolve) + " clean cycles in a row.",
            .facts = {{"Cluster", options_.cluster},
                      {"First seen", rfc3339(record.first_seen)},
                      {"Last seen", rfc3339(record.last_seen)}},
            .command = ""});
  }
}

void Monitor::maybe_sample(Cycle& cycle) {
  if (options_.sample_every.count() <= 0 || !hooks_.sample_usage) return;
  if (last_sample_ != Clock::time_point{} && cycle.now - last_sample_ < options_.sample_every) return;
  last_sample_ = cycle.now;  // a failed sample waits for the next step too: it says so once per step, not per cycle
  const auto recorded = hooks_.sample_usage();
  {
    std::lock_guard lock(mutex_);
    ++usage_samples_[recorded ? "ok" : "failed"];
  }
  if (!recorded) {
    cycle.notes.push_back("usage sample failed: " + recorded.error());
    log()->warn("usage sample: {}", recorded.error());
  } else {
    log()->debug("usage sample: {} containers", *recorded);
  }
}

void Monitor::maybe_cost(Cycle& cycle) {
  if (options_.cost_every.count() <= 0) return;
  if (!options_.cost_configured) {
    if (!warned_cost_) log()->info("right-sizing: skipped (no usage source is configured: cost.prometheus.url)");
    warned_cost_ = true;
    return;
  }
  const auto last = store_->meta("cost");
  if (last && *last) {
    const auto previous = Json::parse(**last, nullptr, false);
    const auto at = cluster::parse_time(str(previous, "at"));
    if (at && cycle.now - *at < options_.cost_every) return;
  }
  std::string error;
  // quick: the daily figures need no model (deep investigations have their own budget).
  const Json rs = tool("recommend_rightsizing", {{"max_results", 10}, {"depth", "quick"}}, error);
  if (!error.empty()) {
    cycle.notes.push_back("right-sizing failed: " + error);
    return;
  }
  Json top = Json::array();
  for (const auto& r : rs.value("recommendations", Json::array())) {
    const auto& s = r.value("monthly_savings", Json());
    if (!s.is_number() || s.get<double>() <= 0) continue;
    top.push_back({{"namespace", str(r, "namespace")},
                   {"workload", str(r.value("workload", Json::object()), "kind") + "/" +
                                    str(r.value("workload", Json::object()), "name")},
                   {"container", str(r, "container")},
                   {"monthly_savings", s}});
  }
  const auto totals = rs.value("totals", Json::object());
  const Json summary = {{"at", rfc3339(cycle.now)},
                        {"monthly_savings", totals.value("monthly_savings", 0.0)},
                        {"recommendations", rs.value("total_recommendations", 0)},
                        {"top", top}};
  if (auto saved = store_->set_meta("cost", summary.dump()); !saved) cycle.notes.push_back(saved.error());
}

Json Monitor::build_report(const std::string& kind, Clock::time_point from, Clock::time_point to,
                           const Json& cycle) const {
  Json report = {{"kind", kind},
                 {"generated_at", rfc3339(to)},
                 {"cluster", options_.cluster},
                 {"window", {{"from", rfc3339(from)}, {"to", rfc3339(to)}}},
                 {"findings", Json::array()},
                 {"timeline", Json::array()},
                 {"actions", Json::array()},
                 {"incidents", Json::array()}};
  if (!cycle.is_null()) report["cycle"] = cycle;
  if (auto cycles = store_->cycles_since(from)) {
    Json c = {{"count", 0}, {"healthy", 0}, {"findings", 0}, {"read_failed", 0}, {"error", 0}};
    double sum = 0, max = 0;
    for (const auto& r : *cycles) {
      if (r.started > to) continue;
      c["count"] = c["count"].get<int>() + 1;
      if (c.contains(r.outcome)) c[r.outcome] = c[r.outcome].get<int>() + 1;
      sum += r.duration_ms;
      max = std::max(max, r.duration_ms);
    }
    c["mean_ms"] = c["count"].get<int>() ? sum / c["count"].get<int>() : 0.0;
    c["max_ms"] = max;
    report["cycles"] = c;
  }
  if (auto records = store_->findings_since(from)) {
    for (const auto& r : *records) {
      const auto& f = r.finding;
      const auto resource = f.value("resource", Json::object());
      Json bar = {{"finding_id", r.id},
                  {"namespace", str(resource, "namespace").empty() ? "(cluster)" : str(resource, "namespace")},
                  {"reason", str(f, "reason")},
                  {"severity", str(f, "severity")},
                  {"resource", resource},
                  {"from", rfc3339(std::max(r.first_seen, from))}};
      if (!r.open && r.resolved_at) bar["to"] = rfc3339(*r.resolved_at);
      report["timeline"].push_back(bar);
      if (!r.open || r.resolving) continue;
      Json item = {{"id", r.id},
                   {"reason", str(f, "reason")},
                   {"severity", str(f, "severity")},
                   {"resource", resource},
                   {"summary", str(f, "summary")},
                   {"first_seen", rfc3339(r.first_seen)},
                   {"last_seen", rfc3339(r.last_seen)}};
      if (f.contains("root_cause")) item["root_cause"] = f["root_cause"];
      if (!r.remediation.empty()) item["remediation"] = r.remediation;
      if (!r.plan_id.empty()) item["plan_id"] = r.plan_id;
      if (r.incident_number > 0) {
        item["incident"] = {{"number", r.incident_number}, {"url", r.incident_url}};
        report["incidents"].push_back({{"number", r.incident_number},
                                       {"url", r.incident_url},
                                       {"fingerprint", r.incident_fingerprint},
                                       {"finding_id", r.id},
                                       {"severity", str(f, "severity")},
                                       {"summary", str(f, "summary")}});
      }
      report["findings"].push_back(item);
    }
  }
  if (auto events = store_->events_since(from)) {
    for (const auto& e : *events) {
      if (e.kind != "remediated" || e.at > to) continue;
      report["actions"].push_back({{"at", rfc3339(e.at)},
                                   {"finding_id", e.finding_id},
                                   {"plan_id", str(e.detail, "plan_id")},
                                   {"status", str(e.detail, "status")},
                                   {"verification", str(e.detail, "verification")}});
    }
  }
  if (auto cost = store_->meta("cost"); cost && *cost) {
    auto c = Json::parse(**cost, nullptr, false);
    if (c.is_object()) report["cost"] = c;
  }
  return report;
}

void Monitor::write_reports(const Json& cycle_json, bool has_findings, Clock::time_point now) {
  const auto day = std::chrono::hours(24);
  // The timeline spans the open findings' history: from a little before the oldest (at least an hour, at most
  // a day), so that a finding of ten minutes is a bar, not a dot.
  auto from = now - std::chrono::hours(1);
  if (auto records = store_->findings_since(now - day))
    for (const auto& r : *records) from = std::min(from, r.first_seen - std::chrono::minutes(5));
  from = std::max(from, now - day);
  Json latest = build_report("cycle", from, now, cycle_json);
  {
    std::lock_guard lock(mutex_);
    latest_report_ = latest;
    latest_markdown_ = render_markdown(latest);
  }
  if (options_.reports_dir.empty()) return;
  auto stamp = rfc3339(now);  // 2026-12-07T06:15:00Z -> 20261207T061500Z
  stamp.erase(std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }), stamp.end());
  if (has_findings)
    if (auto written = write_report(options_.reports_dir, "cycle-" + stamp, latest); !written)
      log()->warn("report: {}", written.error());
  // The daily summary of the previous UTC day, once, at the first cycle of a new day.
  const auto today = std::chrono::floor<std::chrono::days>(now);
  const auto date = rfc3339(today).substr(0, 10);
  const auto last = store_->meta("daily_report");
  if (last && *last && **last == date) {
    // already written today
  } else if (last) {
    if (*last) {  // not the very first cycle: a day ended since the last summary
      const auto yesterday = rfc3339(today - day).substr(0, 10);
      if (auto written = write_report(options_.reports_dir, "daily-" + yesterday,
                                      build_report("daily", today - day, today, Json()));
          !written)
        log()->warn("report: {}", written.error());
    }
    (void)store_->set_meta("daily_report", date);
  }
  const auto removed = retain_reports(options_.reports_dir, options_.report_max_age, options_.report_max_bytes);
  if (removed) log()->debug("reports: {} old files removed", removed);
}

void Monitor::count_cycle(const CycleResult& result) {
  std::lock_guard lock(mutex_);
  ++cycles_by_outcome_[result.outcome];
  const double seconds = result.duration_ms / 1000.0;
  for (std::size_t i = 0; i < std::size(kBuckets); ++i)
    if (seconds <= kBuckets[i]) ++duration_buckets_[i];
  duration_sum_ += seconds;
  ++duration_count_;
  last_cycle_ms_ = result.duration_ms;
}

void Monitor::run() {
  log()->info("monitoring every {} s ({} clean cycles resolve a finding; {})",
              std::chrono::duration<double>(options_.interval).count(), options_.clean_cycles_to_resolve,
              options_.auto_mode ? "auto mode: approved fixes run" : "no fix runs");
  while (!stopping_) {
    const auto started = std::chrono::steady_clock::now();
    try {
      run_cycle();
    } catch (const std::exception& e) {
      log()->error("cycle failed: {}", e.what());
      count_cycle({.outcome = "error", .status = 2, .detail = e.what()});
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    if (elapsed > options_.interval) {
      {
        std::lock_guard lock(mutex_);
        ++slow_cycles_;
      }
      log()->warn("slow cycle: it took {:.1f} s, longer than the {} s interval; the next one starts now",
                  std::chrono::duration<double>(elapsed).count(),
                  std::chrono::duration<double>(options_.interval).count());
      continue;
    }
    // Idle until the next cycle: a condition variable, no polling.
    std::unique_lock lock(wait_mutex_);
    wake_.wait_until(lock, started + options_.interval, [this] { return stopping_.load(); });
  }
  log()->info("monitor stopped");
}

void Monitor::stop() {
  {
    std::lock_guard lock(wait_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

Json Monitor::latest_report() const {
  std::lock_guard lock(mutex_);
  return latest_report_;
}

std::string Monitor::latest_markdown() const {
  std::lock_guard lock(mutex_);
  return latest_markdown_;
}

Json Monitor::open_incidents() const {
  std::lock_guard lock(mutex_);
  return latest_report_.is_object() ? latest_report_.value("incidents", Json::array()) : Json::array();
}

std::string Monitor::metrics() const {
  std::lock_guard lock(mutex_);
  std::ostringstream m;
  m << "# HELP eks_sre_mcp_monitor_cycles_total Monitor cycles by outcome.\n"
       "# TYPE eks_sre_mcp_monitor_cycles_total counter\n";
  for (const char* outcome : {"healthy", "findings", "read_failed", "error", "standby"}) {
    const auto it = cycles_by_outcome_.find(outcome);
    m << "eks_sre_mcp_monitor_cycles_total{outcome=\"" << outcome << "\"} "
      << (it == cycles_by_outcome_.end() ? 0 : it->second) << "\n";
  }
  m << "# HELP eks_sre_mcp_monitor_cycle_duration_seconds How long a cycle took.\n"
       "# TYPE eks_sre_mcp_monitor_cycle_duration_seconds histogram\n";
  for (std::size_t i = 0; i < std::size(kBuckets); ++i)
    m << "eks_sre_mcp_monitor_cycle_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << duration_buckets_[i]
      << "\n";
  m << "eks_sre_mcp_monitor_cycle_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_ << "\n"
    << "eks_sre_mcp_monitor_cycle_duration_seconds_sum " << duration_sum_ << "\n"
    << "eks_sre_mcp_monitor_cycle_duration_seconds_count " << duration_count_ << "\n";
  m << "# HELP eks_sre_mcp_monitor_slow_cycles_total Cycles that took longer than the interval.\n"
       "# TYPE eks_sre_mcp_monitor_slow_cycles_total counter\n"
    << "eks_sre_mcp_monitor_slow_cycles_total " << slow_cycles_ << "\n";
  m << "# HELP eks_sre_mcp_monitor_findings Open findings by reason and severity.\n"
       "# TYPE eks_sre_mcp_monitor_findings gauge\n";
  for (const auto& [key, n] : open_by_reason_)
    m << "eks_sre_mcp_monitor_findings{reason=\"" << label_value(key.first) << "\",severity=\""
      << label_value(key.second) << "\"} " << n << "\n";
  m << "# HELP eks_sre_mcp_monitor_remediations_total Remediations the monitor ran, by result.\n"
       "# TYPE eks_sre_mcp_monitor_remediations_total counter\n";
  for (const auto& [result, n] : remediations_)
    m << "eks_sre_mcp_monitor_remediations_total{result=\"" << label_value(result) << "\"} " << n << "\n";
  m << "# HELP eks_sre_mcp_monitor_escalations_total Incidents the monitor filed.\n"
       "# TYPE eks_sre_mcp_monitor_escalations_total counter\n"
    << "eks_sre_mcp_monitor_escalations_total " << escalations_ << "\n";
  m << "# HELP eks_sre_mcp_monitor_usage_samples_total Metrics-API usage samples recorded for right-sizing, by "
       "result.\n"
       "# TYPE eks_sre_mcp_monitor_usage_samples_total counter\n";
  for (const auto& [result, n] : usage_samples_)
    m << "eks_sre_mcp_monitor_usage_samples_total{result=\"" << result << "\"} " << n << "\n";
  m << "# HELP eks_sre_mcp_monitor_leader Whether this replica acts (1) or waits for the lease (0).\n"
       "# TYPE eks_sre_mcp_monitor_leader gauge\n"
    << "eks_sre_mcp_monitor_leader " << (hooks_.may_act() ? 1 : 0) << "\n";
  return m.str();
}

}  // namespace eks::monitor
