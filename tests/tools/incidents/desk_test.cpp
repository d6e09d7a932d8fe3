// The desk's rules against an in-memory GitHub behind server-github's tool shapes: one issue per incident, a
// comment for the same incident while it is open, a reopen within the window, a new linked issue after it, a
// label without the marker ignored, concurrent opens in one process making one issue, status updates.
#include "tools/incidents/desk.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace eks::incidents {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// GitHub's issues of one repository, answering the tools the desk calls as server-github does (the REST JSON as
// text), with a short delay on creation so concurrent callers overlap.
struct MemoryGitHub {
  std::mutex mutex;
  std::vector<json> issues;
  std::vector<std::pair<int, std::string>> comments;
  std::string closed_at = "2026-12-07T09:00:00Z";

  static json text(const json& v) { return {{"content", json::array({{{"type", "text"}, {"text", v.dump()}}})}}; }
  static json with_label_objects(json issue) {
    json labels = json::array();
    for (const auto& l : issue["labels"]) labels.push_back({{"name", l}});
    issue["labels"] = labels;
    return issue;
  }

  tl::expected<json, std::string> call(const std::string& tool, const json& a) {
    if (tool == "create_issue") std::this_thread::sleep_for(20ms);
    std::lock_guard lock(mutex);
    if (tool == "list_issues") {
      json out = json::array();
      for (const auto& i : issues) {
        bool all = true;
        for (const auto& l : a["labels"])
          all = all && std::find(i["labels"].begin(), i["labels"].end(), l) != i["labels"].end();
        const std::string state = a.value("state", "open");
        if (all && (state == "all" || i["state"] == state)) out.push_back(with_label_objects(i));
      }
      return text(out);
    }
    if (tool == "create_issue") {
      json issue{{"number", static_cast<int>(issues.size()) + 1},
                 {"state", "open"},
                 {"title", a["title"]},
                 {"body", a["body"]},
                 {"labels", a["labels"]},
                 {"html_url", "https://github.com/acme/incidents/issues/" + std::to_string(issues.size() + 1)}};
      issues.push_back(issue);
      return text(with_label_objects(issue));
    }
    const int n = a.value("issue_number", 0);
    if (n < 1 || n > static_cast<int>(issues.size())) return tl::unexpected(std::string("Not Found: Not Found"));
    json& issue = issues[n - 1];
    if (tool == "add_issue_comment") {
      comments.emplace_back(n, a["body"].get<std::string>());
      return text({{"id", comments.size()}});
    }
    if (tool == "update_issue") {
      if (a.contains("state")) {
        issue["state"] = a["state"];
        issue["closed_at"] = a["state"] == "closed" ? json(closed_at) : json(nullptr);
      }
      if (a.contains("labels")) issue["labels"] = a["labels"];
      return text(with_label_objects(issue));
    }
    if (tool == "get_issue") return text(with_label_objects(issue));
    return tl::unexpected("unknown tool " + tool);
  }
};

GitHub github_over(MemoryGitHub& memory) {
  json tools = json::array();
  for (const char* name :
       {"search_issues", "create_issue", "add_issue_comment", "update_issue", "list_issues", "get_issue"})
    tools.push_back({{"name", name}, {"inputSchema", {{"properties", {{"q", json::object()}}}}}});
  return *GitHub::from_tools(tools, [&memory](const std::string& t, const json& a) { return memory.call(t, a); });
}

std::chrono::system_clock::time_point at(const char* text) {
  std::tm tm{};
  strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

DeskOptions options(const char* now) {
  DeskOptions o;
  o.repository = Repo{"acme", "incidents"};
  o.cluster = "prod-eu";
  o.reopen_window = 24h;
  o.clock = [t = at(now)] { return t; };
  return o;
}

json finding(const std::string& id = "f-0123456789abcdef") {
  return {
      {"id", id},
      {"resource", {{"kind", "Deployment"}, {"namespace", "shop"}, {"name", "cart"}}},
      {"reason", "CrashLoopBackOff"},
      {"severity", "critical"},
      {"summary", "cart exits 1 at start"},
      {"evidence", json::array({{{"source", "log"}, {"text", "token=ghp_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIII `x`"}}})},
      {"root_cause", {{"category", "missing_config"}, {"summary", "REDIS_URL is not set"}, {"confidence", 0.9}}}};
}

TEST(IncidentDesk, OneIssuePerIncidentThenComments) {
  MemoryGitHub memory;
  Desk desk(github_over(memory), options("2026-12-07T10:00:00Z"));
  auto first = desk.open(finding(), "critical", {}, "");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->action, "created");
  EXPECT_EQ(first->fingerprint, fingerprint("prod-eu", "f-0123456789abcdef"));
  const json& issue = memory.issues.at(0);
  EXPECT_TRUE(has_marker(issue["body"].get<std::string>(), first->fingerprint));
  EXPECT_EQ(issue["body"].get<std::string>().find("ghp_AAAA"), std::string::npos) << "redacted";
  for (const std::string& label :
       std::vector<std::string>{"eks-sre-mcp", "fp:" + first->fingerprint, "severity:critical",
                                "reason:CrashLoopBackOff", "status:investigating"})
    EXPECT_NE(std::find(issue["labels"].begin(), issue["labels"].end(), label), issue["labels"].end()) << label;
  auto again = desk.open(finding(), "critical", {}, "");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->action, "commented");
  EXPECT_EQ(again->issue_number, first->issue_number);
  EXPECT_EQ(memory.issues.size(), 1u);
  ASSERT_EQ(memory.comments.size(), 1u);
  EXPECT_NE(memory.comments[0].second.find("Seen again"), std::string::npos);
}

TEST(IncidentDesk, AClosedIncidentIsReopenedInTheWindowElseFiledAnewWithALink) {
  MemoryGitHub memory;
  auto first = Desk(github_over(memory), options("2026-12-07T08:00:00Z")).open(finding(), "warning", {}, "");
  ASSERT_TRUE(first);
  Desk desk(github_over(memory), options("2026-12-07T10:00:00Z"));
  ASSERT_TRUE(desk.update(std::nullopt, first->fingerprint, "resolved", "rolled back"));
  EXPECT_EQ(memory.issues[0]["state"], "closed");  // closed at 09:00
  auto reopened = desk.open(finding(), "warning", {}, "");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->action, "reopened");
  EXPECT_EQ(memory.issues[0]["state"], "open");

  ASSERT_TRUE(desk.update(first->issue_number, "", "resolved", ""));
  Desk later(github_over(memory), options("2026-12-09T10:00:00Z"));  // two days after it closed
  auto fresh = later.open(finding(), "warning", {}, "");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->action, "created");
  EXPECT_EQ(fresh->previous, first->issue_number);
  EXPECT_NE(memory.issues.back()["body"].get<std::string>().find("#1"), std::string::npos);
}

TEST(IncidentDesk, ALabelWithoutTheMarkerIsNotTheIncident) {
  MemoryGitHub memory;
  Desk desk(github_over(memory), options("2026-12-07T10:00:00Z"));
  const std::string fp = desk.fingerprint_of(finding());
  memory.issues.push_back({{"number", 1},
                           {"state", "open"},
                           {"title", "someone copied the label"},
                           {"body", "no marker here"},
                           {"labels", {"eks-sre-mcp", "fp:" + fp}}});
  auto opened = desk.open(finding(), "warning", {}, "");
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->action, "created");
  EXPECT_EQ(opened->issue_number, 2);
}

TEST(IncidentDesk, ConcurrentOpensOfOneIncidentMakeOneIssue) {
  MemoryGitHub memory;
  Desk desk(github_over(memory), options("2026-12-07T10:00:00Z"));
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      auto r = desk.open(finding(), "critical", {}, "");
      if (r && r->action == "created") ++created;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(memory.issues.size(), 1u);
  EXPECT_EQ(memory.comments.size(), 7u);
}

TEST(IncidentDesk, StatusUpdatesNameTheIncidentOrSayWhy) {
  MemoryGitHub memory;
  Desk desk(github_over(memory), options("2026-12-07T10:00:00Z"));
  auto opened = desk.open(finding(), "critical", {}, "");
  ASSERT_TRUE(opened);
  auto mitigated = desk.update(std::nullopt, opened->fingerprint, "mitigated", "scaled up");
  ASSERT_TRUE(mitigated) << mitigated.error().message;
  EXPECT_EQ(mitigated->state, "open");
  const auto& labels = memory.issues[0]["labels"];
  EXPECT_NE(std::find(labels.begin(), labels.end(), "status:mitigated"), labels.end());
  EXPECT_EQ(std::find(labels.begin(), labels.end(), "status:investigating"), labels.end());
  memory.issues.push_back(
      {{"number", 2}, {"state", "open"}, {"title", "a bug report"}, {"body", ""}, {"labels", {"bug"}}});
  auto not_ours = desk.update(2, "", "resolved", "");
  ASSERT_FALSE(not_ours);
  EXPECT_NE(not_ours.error().message.find("not an incident"), std::string::npos);
  EXPECT_EQ(memory.issues[1]["state"], "open");
  auto unknown = desk.update(std::nullopt, "inc-0000000000000000", "resolved", "");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("list_incidents"), std::string::npos);
  EXPECT_FALSE(desk.update(std::nullopt, opened->fingerprint, "done", ""));
}

TEST(IncidentText, FingerprintsAndBodies) {
  EXPECT_EQ(fingerprint("a", "f-1"), fingerprint("a", "f-1"));
  EXPECT_NE(fingerprint("a", "f-1"), fingerprint("b", "f-1"));
  EXPECT_NE(fingerprint("ab", "f-1"), fingerprint("a", "bf-1"));
  PlanRecord plan{"p-0123456789abcdef",
                  "restart pod cart-1",
                  {"restart_pod Pod/shop/cart-1: auto"},
                  {"applied 2026-12-07T10:00:00Z, verification not_fixed"}};
  const auto text =
      render_issue(finding(), "inc-00", "prod-eu", "critical", {plan}, "after deploy 42", at("2026-12-07T10:00:00Z"));
  EXPECT_EQ(text.title, "[critical] CrashLoopBackOff: Deployment shop/cart (prod-eu)");
  for (const char* part : {"### Root cause", "missing_config", "### Evidence", "### Remediation", "p-0123456789abcdef",
                           "verification not_fixed", "### Context", "after deploy 42", "2026-12-07T10:00:00Z"})
    EXPECT_NE(text.body.find(part), std::string::npos) << part;
  // Cluster text is a code span: its own backticks cannot close it.
  EXPECT_NE(text.body.find("`token=ghp_AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIII 'x'`"), std::string::npos) << text.body;
}

}  // namespace
}  // namespace eks::incidents
