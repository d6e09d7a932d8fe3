#pragma once
// The server's tools as the monitor sees them, over a programmable cluster: diagnose_cluster returns the current
// findings (or fails like an unreachable upstream), propose_remediation one plan per finding with the verdict set
// for it, apply_remediation fixes the finding, open_incident / update_incident keep issues like GitHub would
// (one per fingerprint; they can be made to fail like a GitHub outage). Every call is recorded.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eks::monitor::test {

using Json = nlohmann::json;

inline Json finding(const std::string& id, const std::string& reason, const std::string& ns, const std::string& name,
                    const std::string& severity = "warning", const std::vector<std::string>& evidence = {}) {
  Json e = Json::array();
  for (const auto& t : evidence) e.push_back({{"source", "event"}, {"text", t}});
  return {{"id", id},
          {"reason", reason},
          {"severity", severity},
          {"resource", {{"kind", "Deployment"}, {"namespace", ns}, {"name", name}}},
          {"summary", name + " is " + reason},
          {"evidence", e},
          {"root_cause", {{"category", "application_error"}, {"summary", "it fails"}, {"confidence", "high"}}}};
}

struct FakeTools {
  std::map<std::string, Json> findings;        // id -> finding the cluster shows now
  std::map<std::string, std::string> verdict;  // id -> verdict of its plan's action ("" or absent: not fixable)
  bool read_fails = false;
  bool partial_read = false;
  bool github_down = false;
  bool apply_fixes = true;
  struct Issue {
    std::string fingerprint;
    bool open = true;
    std::vector<std::string> comments;
  };
  std::map<int, Issue> issues;
  std::vector<std::pair<std::string, Json>> calls;

  int count(const std::string& tool) const {
    int n = 0;
    for (const auto& c : calls) n += c.first == tool;
    return n;
  }

  static Json ok(Json structured) {
    return {{"content", {{{"type", "text"}, {"text", "ok"}}}}, {"structuredContent", std::move(structured)}};
  }
  static Json error(const std::string& text) {
    return {{"isError", true}, {"content", {{{"type", "text"}, {"text", text}}}}};
  }

  Json operator()(const std::string& tool, const Json& args) {
    calls.emplace_back(tool, args);
    if (tool == "diagnose_cluster") {
      if (read_fails) return error("failed to read the cluster: the kubernetes upstream is not connected");
      const bool deep = args.value("depth", "") == "deep";  // an investigation costs $0.40 and refines the cause
      Json out = {{"summary", {{"warnings", Json::array()}}},
                  {"findings", Json::array()},
                  {"analysis", {{"mode", deep ? "agent" : "deterministic"}, {"cost_usd_estimate", deep ? 0.4 : 0}}}};
      if (partial_read) out["summary"]["warnings"].push_back("events could not be read: 500");
      for (const auto& [id, f] : findings) {
        auto copy = f;
        if (deep) copy["root_cause"]["summary"] = "refined by the investigation";
        out["findings"].push_back(copy);
      }
      return ok(out);
    }
    if (tool == "propose_remediation") {
      Json out = {{"plans", Json::array()}, {"not_fixable", Json::array()}};
      for (const auto& idj : args["finding_ids"]) {
        const std::string id = idj;
        const auto v = verdict.find(id);
        if (v == verdict.end() || v->second.empty()) {
          out["not_fixable"].push_back({{"finding_id", id}, {"why", "a missing Secret"}});
          continue;
        }
        out["plans"].push_back(
            {{"plan_id", "p-" + id.substr(2)},
             {"finding_id", id},
             {"summary", "restart"},
             {"actions", {{{"type", "restart_pod"}, {"verdict", v->second}, {"reason", "a human must approve"}}}}});
      }
      return ok(out);
    }
    if (tool == "apply_remediation") {
      const std::string plan = args["plan_id"];
      const auto id = "f-" + plan.substr(2);
      if (apply_fixes) findings.erase(id);
      return ok({{"plan_id", plan},
                 {"status", "applied"},
                 {"verification", {{"status", apply_fixes ? "fixed" : "not_fixed"}}}});
    }
    if (tool == "open_incident") {
      if (github_down) return error("open_incident: the GitHub API answered 503");
      const std::string fp = "inc-" + args["finding"]["id"].get<std::string>().substr(2);
      for (auto& [n, issue] : issues)
        if (issue.fingerprint == fp && issue.open) {
          issue.comments.push_back("again");
          return ok({{"issue_number", n},
                     {"url", "https://github.com/o/r/issues/" + std::to_string(n)},
                     {"fingerprint", fp},
                     {"action", "commented"}});
        }
      const int n = static_cast<int>(issues.size()) + 1;
      issues[n] = {fp, true, {}};
      return ok({{"issue_number", n},
                 {"url", "https://github.com/o/r/issues/" + std::to_string(n)},
                 {"fingerprint", fp},
                 {"action", "created"}});
    }
    if (tool == "update_incident") {
      if (github_down) return error("update_incident: the GitHub API answered 502");
      auto& issue = issues.at(args["issue_number"].get<int>());
      if (args["status"] == "resolved") issue.open = false;
      else issue.comments.push_back(args.value("note", ""));
      return ok({{"issue_number", args["issue_number"]}, {"state", issue.open ? "open" : "closed"}});
    }
    if (tool == "recommend_rightsizing")
      return ok({{"recommendations",
                  {{{"namespace", "shop"},
                    {"workload", {{"kind", "Deployment"}, {"name", "web"}}},
                    {"container", "app"},
                    {"monthly_savings", 41.5}}}},
                 {"total_recommendations", 1},
                 {"totals", {{"monthly_savings", 41.5}}}});
    return error("unknown tool " + tool);
  }
};

}  // namespace eks::monitor::test
