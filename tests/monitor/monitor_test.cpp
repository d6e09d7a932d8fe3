// The monitor's cycle over fake tools: what it remediates, escalates, comments and resolves, and what a failed
// read or a GitHub outage must never cause (a false resolution, a duplicate incident).
#include "monitor/monitor.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "tests/monitor/fake_tools.hpp"
#include "tests/safety/fixtures.hpp"

namespace eks::monitor {
namespace {

using test::FakeTools;
using test::finding;

struct Harness {
  FakeTools tools;
  Clock::time_point now =
      Clock::time_point(std::chrono::sys_days(std::chrono::year{2026} / 12 / 7)) + std::chrono::hours(6);
  std::unique_ptr<Monitor> monitor;
  std::function<tl::expected<std::size_t, std::string>()> sample;

  explicit Harness(Options options = {}, std::unique_ptr<StateStore> store = nullptr) {
    if (!store) store = std::move(*StateStore::open(":memory:"));
    Hooks hooks;
    hooks.call_tool = [this](const std::string& tool, const Json& args) { return tools(tool, args); };
    hooks.now = [this] { return now; };
    hooks.sample_usage = [this]() -> tl::expected<std::size_t, std::string> {
      if (!sample) return tl::unexpected(std::string("no sampler"));
      return sample();
    };
    options.incidents_configured = true;
    monitor = std::make_unique<Monitor>(std::move(options), std::move(hooks), std::move(store));
  }
  CycleResult cycle() {
    now += std::chrono::minutes(5);
    return monitor->run_cycle();
  }
};

Options auto_mode() {
  Options o;
  o.auto_mode = true;
  return o;
}

TEST(Monitor, AutoApprovedPlanIsAppliedAndNeedsNoIncident) {
  Harness h(auto_mode());
  h.tools.findings["f-0000000000000001"] = finding("f-0000000000000001", "CrashLoopBackOff", "shop", "web");
  h.tools.verdict["f-0000000000000001"] = "auto";
  const auto first = h.cycle();
  EXPECT_EQ(first.fresh, 1);
  EXPECT_EQ(h.tools.count("apply_remediation"), 1);
  EXPECT_EQ(h.tools.count("open_incident"), 0);
  h.cycle();
  const auto third = h.cycle();
  EXPECT_EQ(third.outcome, "healthy");
  EXPECT_EQ(third.status, 0);
  EXPECT_EQ(h.tools.count("apply_remediation"), 1) << "a plan runs once";
  EXPECT_EQ(h.tools.count("update_incident"), 0);
}

TEST(Monitor, PlanNeedingApprovalIsEscalatedNotApplied) {
  Harness h(auto_mode());
  h.tools.findings["f-0000000000000002"] = finding("f-0000000000000002", "OOMKilled", "shop", "api", "critical");
  h.tools.verdict["f-0000000000000002"] = "needs_approval";
  const auto r = h.cycle();
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(h.tools.count("apply_remediation"), 0);
  ASSERT_EQ(h.tools.count("open_incident"), 1);
  const auto& call = h.tools.calls.back().second;
  EXPECT_NE(call.dump().find("eks-sre-mcp approve p-0000000000000002"), std::string::npos) << call.dump();
  EXPECT_EQ(h.monitor->open_incidents().size(), 1u);
}

TEST(Monitor, NothingIsAppliedOutsideAutoMode) {
  Harness h;
  h.tools.findings["f-0000000000000003"] = finding("f-0000000000000003", "CrashLoopBackOff", "shop", "web");
  h.tools.verdict["f-0000000000000003"] = "auto";
  h.cycle();
  EXPECT_EQ(h.tools.count("apply_remediation"), 0);
  EXPECT_EQ(h.tools.count("open_incident"), 1);
}

TEST(Monitor, SameFindingFiftyCyclesIsOneIncidentWithoutComments) {
  Harness h;
  for (int i = 0; i < 50; ++i) {
    // What changes on every read (restart counts, ages, replaced pods' names) is not news.
    h.tools.findings["f-0000000000000004"] =
        finding("f-0000000000000004", "CrashLoopBackOff", "shop", "web", "warning",
                {"Back-off restarting failed container app in pod web-7d9f8-" + std::string(i % 2 ? "x2kqz" : "b7wnm") +
                 " (restarted " + std::to_string(i + 3) + " times, " + std::to_string(i * 5) + "m ago)"});
    h.cycle();
  }
  EXPECT_EQ(h.tools.count("open_incident"), 1);
  EXPECT_EQ(h.tools.count("update_incident"), 0);
  ASSERT_EQ(h.tools.issues.size(), 1u);
  EXPECT_TRUE(h.tools.issues.at(1).comments.empty());
}

TEST(Monitor, ChangedEvidenceGetsOneTimelineComment) {
  Harness h;
  h.tools.findings["f-0000000000000005"] =
      finding("f-0000000000000005", "CrashLoopBackOff", "shop", "web", "warning", {"dial tcp 10.0.0.7:5432: refused"});
  h.cycle();
  h.tools.findings["f-0000000000000005"] = finding("f-0000000000000005", "CrashLoopBackOff", "shop", "web", "critical",
                                                   {"dial tcp 10.0.0.7:5432: refused", "panic: out of disk"});
  h.cycle();
  h.cycle();
  ASSERT_EQ(h.tools.count("update_incident"), 1);
  const auto& comments = h.tools.issues.at(1).comments;
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_NE(comments[0].find("panic: out of disk"), std::string::npos) << comments[0];
  EXPECT_NE(comments[0].find("warning → critical"), std::string::npos) << comments[0];
}

TEST(Monitor, ResolvesAfterTwoCleanCyclesAndClosesTheIncident) {
  Harness h;
  h.tools.findings["f-0000000000000006"] = finding("f-0000000000000006", "ImagePullBackOff", "shop", "web");
  h.cycle();
  h.tools.findings.clear();
  const auto one = h.cycle();
  EXPECT_EQ(one.resolved, 0);
  EXPECT_TRUE(h.tools.issues.at(1).open);
  const auto two = h.cycle();
  EXPECT_EQ(two.resolved, 1);
  EXPECT_FALSE(h.tools.issues.at(1).open);
  h.cycle();
  EXPECT_EQ(h.tools.count("update_incident"), 1);
}

TEST(Monitor, FailedReadsNeverResolve) {
  Harness h;
  h.tools.findings["f-0000000000000007"] = finding("f-0000000000000007", "NodeNotReady", "", "node-1");
  h.cycle();
  h.tools.read_fails = true;
  for (int i = 0; i < 5; ++i) {
    const auto r = h.cycle();
    EXPECT_EQ(r.outcome, "read_failed");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.resolved, 0);
  }
  h.tools.read_fails = false;
  h.tools.partial_read = true;
  h.tools.findings.clear();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h.cycle().resolved, 0) << "a partial read is not health either";
  EXPECT_TRUE(h.tools.issues.at(1).open);
  h.tools.partial_read = false;
  h.cycle();
  EXPECT_EQ(h.cycle().resolved, 1);
}

TEST(Monitor, GitHubOutageIsRetriedWithoutDuplicates) {
  Harness h;
  h.tools.github_down = true;
  h.tools.findings["f-0000000000000008"] = finding("f-0000000000000008", "CrashLoopBackOff", "shop", "web");
  h.cycle();
  h.cycle();
  EXPECT_TRUE(h.tools.issues.empty());
  h.tools.github_down = false;
  h.cycle();
  h.cycle();
  EXPECT_EQ(h.tools.issues.size(), 1u);
  EXPECT_TRUE(h.tools.issues.at(1).comments.empty());
  // Closing fails during an outage, and is retried until it works; the incident is closed once.
  h.tools.findings.clear();
  h.tools.github_down = true;
  h.cycle();
  h.cycle();
  h.cycle();
  EXPECT_TRUE(h.tools.issues.at(1).open);
  h.tools.github_down = false;
  EXPECT_EQ(h.cycle().resolved, 1);
  EXPECT_FALSE(h.tools.issues.at(1).open);
}

TEST(Monitor, FindingBackBeforeItsIncidentClosedKeepsTheIncident) {
  Harness h;
  h.tools.findings["f-0000000000000009"] = finding("f-0000000000000009", "CrashLoopBackOff", "shop", "web");
  h.cycle();
  auto f = h.tools.findings;
  h.tools.findings.clear();
  h.cycle();  // one clean cycle: clearing
  h.tools.findings = f;
  h.cycle();
  EXPECT_EQ(h.tools.count("open_incident"), 1);
  EXPECT_TRUE(h.tools.issues.at(1).open);
}

TEST(Monitor, StateSurvivesARestart) {
  test_fixtures::TempDir dir;
  FakeTools shared;
  {
    Harness h({}, std::move(*StateStore::open(dir.path() / "monitor.sqlite")));
    h.tools.findings["f-000000000000000a"] = finding("f-000000000000000a", "CrashLoopBackOff", "shop", "web");
    h.cycle();
    shared = h.tools;
  }
  Harness h({}, std::move(*StateStore::open(dir.path() / "monitor.sqlite")));
  h.tools = shared;
  h.tools.calls.clear();
  h.cycle();
  EXPECT_EQ(h.tools.count("open_incident"), 0) << "the restarted monitor remembers the incident";
  EXPECT_EQ(h.tools.count("propose_remediation"), 0);
}

TEST(Monitor, WritesReportsAndKeepsCostInThem) {
  test_fixtures::TempDir dir;
  Options o;
  o.reports_dir = dir.path() / "reports";
  o.cost_configured = true;
  o.cluster = "prod-eu";
  Harness h(o);
  h.tools.findings["f-000000000000000b"] = finding("f-000000000000000b", "OOMKilled", "shop", "api", "critical");
  h.cycle();
  const auto report = h.monitor->latest_report();
  EXPECT_EQ(report["cluster"], "prod-eu");
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["incident"]["number"], 1);
  EXPECT_EQ(report["cost"]["monthly_savings"], 41.5);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(o.reports_dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 3);
  h.cycle();
  EXPECT_EQ(h.tools.count("recommend_rightsizing"), 1) << "right-sizing runs once a day";
  EXPECT_NE(h.monitor->latest_markdown().find("$41.50"), std::string::npos);
}

TEST(Monitor, DailyReportIsWrittenOnceWhenTheDayChanges) {
  test_fixtures::TempDir dir;
  Options o;
  o.reports_dir = dir.path() / "reports";
  Harness h(o);
  h.cycle();
  h.now += std::chrono::hours(20);
  h.cycle();
  h.cycle();
  int daily = 0;
  for (const auto& e : std::filesystem::directory_iterator(o.reports_dir))
    daily += e.path().filename().string().rfind("daily-2026-12-07", 0) == 0;
  EXPECT_EQ(daily, 3);
}

TEST(Monitor, MetricsCountCyclesAndOpenFindings) {
  Harness h;
  h.tools.findings["f-000000000000000c"] = finding("f-000000000000000c", "OOMKilled", "shop", "api", "critical");
  h.cycle();
  h.tools.read_fails = true;
  h.cycle();
  const auto m = h.monitor->metrics();
  EXPECT_NE(m.find("eks_sre_mcp_monitor_cycles_total{outcome=\"findings\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("eks_sre_mcp_monitor_cycles_total{outcome=\"read_failed\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("eks_sre_mcp_monitor_findings{reason=\"OOMKilled\",severity=\"critical\"} 1"), std::string::npos);
  EXPECT_NE(m.find("eks_sre_mcp_monitor_escalations_total 1"), std::string::npos);
  EXPECT_NE(m.find("eks_sre_mcp_monitor_cycle_duration_seconds_count 2"), std::string::npos);
  EXPECT_NE(m.find("eks_sre_mcp_monitor_leader 1"), std::string::npos);
}

TEST(Monitor, NewCriticalFindingsGetDeepInvestigationsWithinTheBudget) {
  Options o;
  o.model_configured = true;
  o.max_cost_usd_per_hour = 1.0;  // an investigation costs $0.40 here: three fit in the hour, a fourth does not
  Harness h(o);
  auto deep_calls = [&h] {
    int n = 0;
    for (const auto& [tool, args] : h.tools.calls) n += tool == "diagnose_cluster" && args.value("depth", "") == "deep";
    return n;
  };
  for (int i = 0; i < 4; ++i) {
    const auto id = "f-00000000000000d" + std::to_string(i);
    h.tools.findings[id] = finding(id, "OOMKilled", "shop", "api-" + std::to_string(i), "critical");
    h.cycle();
  }
  h.tools.findings["f-00000000000000e0"] = finding("f-00000000000000e0", "ImagePullBackOff", "shop", "web");
  h.cycle();
  EXPECT_EQ(deep_calls(), 3) << "the budget stops the fourth; a warning gets none";
  int refined = 0;  // the incident is filed with what the investigation found
  for (const auto& [tool, args] : h.tools.calls)
    if (tool == "open_incident") refined += args["finding"]["root_cause"]["summary"] == "refined by the investigation";
  EXPECT_EQ(refined, 3);
  h.now += std::chrono::hours(2);
  h.tools.findings["f-00000000000000d9"] = finding("f-00000000000000d9", "OOMKilled", "shop", "api-9", "critical");
  h.cycle();
  EXPECT_EQ(deep_calls(), 4) << "an hour later the budget is back";
}

TEST(Monitor, UsageIsSampledOncePerStepAndAFailedSampleIsSaidOnce) {
  Options options;
  options.sample_every = std::chrono::minutes(10);
  Harness h(options);
  int samples = 0;
  std::string failure;
  h.sample = [&]() -> tl::expected<std::size_t, std::string> {
    ++samples;
    if (!failure.empty()) return tl::unexpected(failure);
    return 12;
  };
  h.cycle();  // cycles every 5 minutes: a sample every other cycle
  EXPECT_EQ(samples, 1);
  h.cycle();
  EXPECT_EQ(samples, 1);
  h.cycle();
  EXPECT_EQ(samples, 2);
  failure = "the cluster serves no metrics API (metrics-server)";
  const auto skipped = h.cycle();
  const auto failed = h.cycle();
  EXPECT_EQ(samples, 3);
  EXPECT_EQ(skipped.detail.find("usage sample failed"), std::string::npos) << skipped.detail;
  EXPECT_NE(failed.detail.find("usage sample failed: the cluster serves no metrics API"), std::string::npos)
      << failed.detail;
  EXPECT_EQ(failed.outcome, "healthy");  // a missing sample is no finding and no failed cycle
  const std::string metrics = h.monitor->metrics();
  EXPECT_NE(metrics.find("eks_sre_mcp_monitor_usage_samples_total{result=\"ok\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("eks_sre_mcp_monitor_usage_samples_total{result=\"failed\"} 1"), std::string::npos);
}

TEST(Monitor, NoSamplesWithoutASampleInterval) {
  Harness h;
  int samples = 0;
  h.sample = [&]() -> tl::expected<std::size_t, std::string> { return ++samples; };
  h.cycle();
  h.cycle();
  EXPECT_EQ(samples, 0);
}

TEST(Monitor, FollowerRunsNoCycle) {
  Harness h;
  bool leader = false;
  // Hooks are fixed at construction: build one whose may_act follows `leader`.
  Hooks hooks;
  hooks.call_tool = [&h](const std::string& tool, const Json& args) { return h.tools(tool, args); };
  hooks.may_act = [&leader] { return leader; };
  Monitor m({}, std::move(hooks), std::move(*StateStore::open(":memory:")));
  EXPECT_EQ(m.run_cycle().outcome, "standby");
  EXPECT_TRUE(h.tools.calls.empty());
  leader = true;
  EXPECT_EQ(m.run_cycle().outcome, "healthy");
}

TEST(Monitor, StopEndsTheLoopWithoutWaitingForTheInterval) {
  Options o;
  o.interval = std::chrono::hours(1);
  Harness h(o);
  std::thread loop([&] { h.monitor->run(); });
  const auto started = std::chrono::steady_clock::now();
  while (h.monitor->latest_report().is_null() && std::chrono::steady_clock::now() - started < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  h.monitor->stop();
  loop.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(h.tools.count("diagnose_cluster"), 1);
}

}  // namespace
}  // namespace eks::monitor
