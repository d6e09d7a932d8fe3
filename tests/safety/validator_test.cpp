#include "safety/validator.hpp"
#include "safety/boundary.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "tests/fixtures/quiet_context.hpp"
#include "tests/safety/fixtures.hpp"

namespace eks::safety {
namespace {

using test_fixtures::auto_policy;
using test_fixtures::known_facts;
using test_fixtures::TempDir;

using nlohmann::json;
using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  Validator::Clock fn() {
    return [this] { return now; };
  }
};

UpstreamCall restart(const std::string& ns, const std::string& pod = "web-1") {
  return UpstreamCall{"kubernetes", "pods_delete", json{{"name", pod}, {"namespace", ns}}, "default", {}, ""};
}

TEST(Validator, RateLimitsPerNamespaceWithinTheWindow) {
  FakeClock clock;
  Validator v(auto_policy("rate_limits: {per_namespace: 2, cluster: 10, window_seconds: 600}\n"), nullptr,
              known_facts(), clock.fn());
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());
  const auto third = v.check_upstream(restart("team-a"));
  EXPECT_EQ(third.code, "rate_limited");
  EXPECT_EQ(third.rule, "rate_limits.per_namespace");
  EXPECT_TRUE(v.check_upstream(restart("team-b")).allowed());
  clock.now += 601s;
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());
}

TEST(Validator, RateLimitsClusterWide) {
  FakeClock clock;
  Validator v(auto_policy("rate_limits: {per_namespace: 10, cluster: 3}\n"), nullptr, known_facts(), clock.fn());
  for (const char* ns : {"a", "b", "c"}) EXPECT_TRUE(v.check_upstream(restart(ns)).allowed()) << ns;
  const auto d = v.check_upstream(restart("d"));
  EXPECT_EQ(d.code, "rate_limited");
  EXPECT_EQ(d.rule, "rate_limits.cluster");
}

UpstreamCall lease_write(const std::string& ns, const std::string& name, const std::string& kind = "Lease",
                         const std::string& api_version = "coordination.k8s.io/v1") {
  const json manifest = {{"apiVersion", api_version},
                         {"kind", kind},
                         {"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", "7"}}},
                         {"spec", {{"holderIdentity", "replica-a"}}}};
  return UpstreamCall{
      "kubernetes", "resources_create_or_update", json{{"resource", manifest.dump()}}, "default", {}, ""};
}

TEST(Validator, LeaderLeaseIsWritableInEveryModeAndNothingElseIs) {
  FakeClock clock;
  auto policy = auto_policy("rate_limits: {per_namespace: 1, cluster: 1}\n");
  policy.mode = Mode::read_only;
  policy.leader_lease = {"ops", "eks-sre-mcp"};
  Validator v(policy, nullptr, known_facts(), clock.fn());
  for (int renewal = 0; renewal < 5; ++renewal) {  // renewals every few seconds spend no rate limit
    const auto d = v.check_upstream(lease_write("ops", "eks-sre-mcp"));
    EXPECT_TRUE(d.allowed()) << d.reason;
    EXPECT_EQ(d.rule, "leader_election");
  }
  EXPECT_EQ(v.check_upstream(lease_write("ops", "other-lease")).code, "read_only_mode");
  EXPECT_EQ(v.check_upstream(lease_write("default", "eks-sre-mcp")).code, "read_only_mode");
  EXPECT_EQ(v.check_upstream(lease_write("ops", "eks-sre-mcp", "ConfigMap", "v1")).code, "read_only_mode");
  EXPECT_EQ(v.check_upstream(lease_write("ops", "eks-sre-mcp", "Lease", "example.com/v1")).code, "read_only_mode");
  const auto del = v.check_upstream(
      {"kubernetes",
       "resources_delete",
       json{{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"namespace", "ops"}, {"name", "eks-sre-mcp"}},
       "default",
       {},
       ""});
  EXPECT_FALSE(del.allowed());
  policy.leader_lease = {};
  Validator without(policy, nullptr, known_facts(), clock.fn());
  EXPECT_FALSE(without.check_upstream(lease_write("ops", "eks-sre-mcp")).allowed());
}

TEST(Validator, ReadsAndRefusalsDoNotSpendTheRateLimit) {
  FakeClock clock;
  Validator v(auto_policy("rate_limits: {per_namespace: 1, cluster: 1}\n"), nullptr, known_facts(), clock.fn());
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(v.check_upstream({"kubernetes", "pods_get", json{{"name", "x"}}, "team-a", {}, ""}).allowed());
    EXPECT_FALSE(v.check_upstream(restart("kube-system")).allowed());
  }
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());
}

TEST(Validator, PreviewNeitherAuditsNorSpendsTheRateLimit) {
  TempDir dir;
  safety::AuditOptions options;
  options.path = dir.path() / "audit.jsonl";
  auto audit = safety::AuditLog::open(options);
  ASSERT_TRUE(audit) << audit.error();
  FakeClock clock;
  Validator v(auto_policy("rate_limits: {per_namespace: 1, cluster: 1}\n"), *audit, known_facts(), clock.fn());
  for (int i = 0; i < 5; ++i) {
    const auto d = v.preview(safety::classify_upstream(restart("team-a")));
    EXPECT_EQ(d.verdict, Verdict::allow) << d.code;
    EXPECT_EQ(d.code, "auto_approve.restart_pod");
  }
  EXPECT_TRUE((*audit)->recent(10).empty());
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());  // the one slot is still there
  EXPECT_EQ(v.preview(safety::classify_upstream(restart("kube-system"))).verdict, Verdict::needs_approval);
}

TEST(Validator, SystemNamespacesNeedApprovalUnlessProtected) {
  Validator approvable(auto_policy(), nullptr, known_facts());
  const auto asked = approvable.check_upstream(restart("kube-system"));
  EXPECT_EQ(asked.verdict, Verdict::needs_approval);
  EXPECT_EQ(asked.code, "approval_namespace");
  EXPECT_EQ(approvable.check_upstream(restart("team-a")).verdict, Verdict::allow);
  Validator locked(auto_policy("protected_namespaces: [kube-system]\n"), nullptr, known_facts());
  const auto refused = locked.check_upstream(restart("kube-system"));
  EXPECT_EQ(refused.verdict, Verdict::deny);
  EXPECT_EQ(refused.code, "protected_namespace");
  // A team's own namespace can be made approval-only too.
  Validator team(auto_policy("approval_namespaces: [\"payments-*\"]\n"), nullptr, known_facts());
  EXPECT_EQ(team.check_upstream(restart("payments-eu")).code, "approval_namespace");
  EXPECT_EQ(team.check_upstream(restart("kube-system")).code, "approval_namespace");
}

TEST(Validator, PreviewShowsWhatAutoModeWouldDecideWhateverTheMode) {
  for (const char* mode : {"read_only", "propose", "auto"}) {
    Validator v(*safety::parse_policy(std::string("mode: ") + mode + "\n", "test"), nullptr, known_facts());
    EXPECT_EQ(v.preview(safety::classify_upstream(restart("team-a"))).verdict, Verdict::allow) << mode;
    const UpstreamCall apply{"kubernetes",
                             "resources_create_or_update",
                             json{{"resource", R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w",)"
                                               R"("namespace":"team-a"},"spec":{"replicas":2}})"}},
                             "default",
                             {},
                             ""};
    EXPECT_EQ(v.preview(safety::classify_upstream(apply)).verdict, Verdict::needs_approval) << mode;
  }
}

TEST(Validator, CircuitBreakerOpensAfterRepeatedFailuresOfOneTarget) {
  FakeClock clock;
  Validator v(auto_policy("circuit_breaker: {failures: 3, window_seconds: 600, cooldown_seconds: 900}\n"
                          "rate_limits: {per_namespace: 100, cluster: 100}\n"),
              nullptr, known_facts(), clock.fn());
  for (int i = 0; i < 3; ++i) {
    const auto d = v.check_upstream(restart("team-a"));
    ASSERT_TRUE(d.allowed());
    v.record_result(d, false, "pod did not become ready", 12ms);
    clock.now += 10s;
  }
  const auto blocked = v.check_upstream(restart("team-a"));
  EXPECT_EQ(blocked.code, "circuit_open");
  EXPECT_NE(blocked.reason.find("escalate"), std::string::npos);
  EXPECT_TRUE(v.check_upstream(restart("team-a", "other-pod")).allowed());
  clock.now += 901s;
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());
}

TEST(Validator, SuccessResetsTheBreakerCount) {
  FakeClock clock;
  Validator v(auto_policy("circuit_breaker: {failures: 2}\nrate_limits: {per_namespace: 100, cluster: 100}\n"), nullptr,
              known_facts(), clock.fn());
  auto d = v.check_upstream(restart("team-a"));
  v.record_result(d, false, "x", 1ms);
  d = v.check_upstream(restart("team-a"));
  v.record_result(d, true, "", 1ms);
  d = v.check_upstream(restart("team-a"));
  v.record_result(d, false, "x", 1ms);
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed());
}

TEST(Validator, ShadowRulesAreRecordedButNeverBlock) {
  TempDir dir;
  auto log = AuditLog::open({.path = dir.path() / "audit.jsonl"});
  ASSERT_TRUE(log) << log.error();
  Validator v(auto_policy("shadow:\n  - {name: no_pod_deletes, effect: deny, verbs: [delete], kinds: [Pod]}\n"), *log,
              known_facts());
  const auto d = v.check_upstream(restart("team-a"));
  EXPECT_TRUE(d.allowed());
  ASSERT_EQ(d.shadow.size(), 1u);
  EXPECT_EQ(d.shadow[0].rule, "no_pod_deletes");
  const auto lines = (*log)->recent(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["decision"], "allow");
  EXPECT_EQ(lines[0]["shadow"][0]["would"], "deny");
}

TEST(Validator, ConcurrentCallersNeverExceedTheRateLimit) {
  Validator v(auto_policy("rate_limits: {per_namespace: 100, cluster: 10}\n"), nullptr, known_facts());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&, t] {
      if (v.check_upstream(restart("ns-" + std::to_string(t % 8), "pod-" + std::to_string(t))).allowed()) ++allowed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 10);
}

TEST(Validator, RefusesChangesThatCannotBeAudited) {
  auto log = AuditLog::open({.path = "/dev/full"});
  ASSERT_TRUE(log) << log.error();
  Validator v(auto_policy(), *log, known_facts());
  const auto d = v.check_upstream(restart("team-a"));
  EXPECT_EQ(d.code, "audit_unavailable");
  EXPECT_TRUE(v.check_upstream({"kubernetes", "pods_get", json{{"name", "x"}}, "team-a", {}, ""}).allowed());
}

TEST(Validator, DenialMessageTellsTheModelWhatWasRefusedAndWhatToDo) {
  Validator v(default_policy());
  const auto d =
      v.check_upstream({"kubernetes",
                        "resources_get",
                        json{{"apiVersion", "v1"}, {"kind", "Secret"}, {"name", "db"}, {"namespace", "team-a"}},
                        "default",
                        {},
                        ""});
  const std::string m = d.message();
  EXPECT_NE(m.find("[secret_read]"), std::string::npos) << m;
  EXPECT_NE(m.find("Secret \"db\" in namespace \"team-a\""), std::string::npos) << m;
  EXPECT_NE(m.find("was not executed"), std::string::npos) << m;
  EXPECT_NE(m.find("instead"), std::string::npos) << m;
}

TEST(Validator, AuditLinesCarryActorToolActionAndCorrelationId) {
  TempDir dir;
  auto log = AuditLog::open({.path = dir.path() / "audit.jsonl"});
  ASSERT_TRUE(log);
  Validator v(auto_policy(), *log, known_facts());
  UpstreamCall call = restart("team-a");
  call.actor = Actor{"eks-sre-mcp", "", "remediation"};
  call.correlation_id = "c0ffee";
  const auto d = v.check_upstream(call);
  v.record_result(d, true, "", 42ms);
  const auto lines = (*log)->recent(10);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "decision");
  EXPECT_EQ(lines[0]["correlation_id"], "c0ffee");
  EXPECT_EQ(lines[0]["actor"]["subagent"], "remediation");
  EXPECT_EQ(lines[0]["tool"], "pods_delete");
  EXPECT_EQ(lines[0]["action"]["verb"], "delete");
  EXPECT_EQ(lines[0]["action"]["namespace"], "team-a");
  EXPECT_EQ(lines[0]["rule"], "auto_approve.restart_pod");
  EXPECT_EQ(lines[1]["event"], "result");
  EXPECT_EQ(lines[1]["result"], "ok");
  EXPECT_EQ(lines[1]["duration_ms"], 42);
  EXPECT_EQ(lines[1]["correlation_id"], "c0ffee");
}

std::shared_ptr<LimitStore> open_limits(const std::filesystem::path& file,
                                        std::chrono::milliseconds busy_timeout = std::chrono::seconds(5)) {
  auto store = LimitStore::open(file, busy_timeout);
  if (!store) throw std::runtime_error(store.error());
  return *store;
}

TEST(Validator, ValidatorsOverOneLimitsFileShareTheRateLimit) {
  TempDir dir;
  FakeClock clock;
  const auto policy = auto_policy("rate_limits: {per_namespace: 10, cluster: 1}\n");
  // Two processes (two CLI runs, or a server and its replica), each with its own connection to the state file.
  Validator first(policy, nullptr, known_facts(), clock.fn(), open_limits(dir.path() / "limits.sqlite"));
  Validator second(policy, nullptr, known_facts(), clock.fn(), open_limits(dir.path() / "limits.sqlite"));
  EXPECT_TRUE(first.check_upstream(restart("team-a", "web-1")).allowed());
  const auto d = second.check_upstream(restart("team-b", "web-2"));
  EXPECT_EQ(d.code, "rate_limited");
  EXPECT_EQ(d.rule, "rate_limits.cluster");
}

TEST(Validator, CircuitBreakerOpenedInOneProcessStopsAnother) {
  TempDir dir;
  FakeClock clock;
  const auto policy = auto_policy("circuit_breaker: {failures: 2}\nrate_limits: {per_namespace: 100, cluster: 100}\n");
  Validator first(policy, nullptr, known_facts(), clock.fn(), open_limits(dir.path() / "limits.sqlite"));
  Validator second(policy, nullptr, known_facts(), clock.fn(), open_limits(dir.path() / "limits.sqlite"));
  for (int i = 0; i < 2; ++i) {
    const auto d = first.check_upstream(restart("team-a"));
    ASSERT_TRUE(d.allowed()) << d.code;
    first.record_result(d, false, "pod did not become ready", 5ms);
  }
  EXPECT_EQ(second.check_upstream(restart("team-a")).code, "circuit_open");
}

TEST(Validator, RefusesChangesWhenTheLimitsDatabaseIsUnavailable) {
  TempDir dir;
  const auto file = dir.path() / "limits.sqlite";
  Validator v(auto_policy(), nullptr, known_facts(), {}, open_limits(file, 20ms));
  // Another process stuck inside a write transaction.
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto d = v.check_upstream(restart("team-a"));
  const bool read = v.check_upstream({"kubernetes", "pods_get", json{{"name", "x"}}, "team-a", {}, ""}).allowed();
  v.record_result(d, false, "x", 1ms);  // logged, not fatal
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_EQ(d.verdict, Verdict::deny);
  EXPECT_EQ(d.code, "limits_unavailable");
  EXPECT_NE(d.reason.find(file.string()), std::string::npos) << d.reason;
  EXPECT_TRUE(read) << "reads do not need the limits";
  EXPECT_TRUE(v.check_upstream(restart("team-a")).allowed()) << "the lock is gone";
}

server::ToolDef tool(const std::string& name, server::SafetyClass safety) {
  return server::ToolDef{.name = name,
                         .title = name,
                         .description = "",
                         .input_schema = "",
                         .output_schema = "",
                         .annotations = {},
                         .safety = safety,
                         .handler = {}};
}

TEST(SafetyMiddleware, RunsReadOnlyToolsAndAuditsBeforeAndAfter) {
  TempDir dir;
  auto log = AuditLog::open({.path = dir.path() / "audit.jsonl"});
  ASSERT_TRUE(log);
  auto v = std::make_shared<Validator>(default_policy(), *log);
  auto mw = safety_middleware(v);
  test_fixtures::QuietContext ctx(json{{"name", "claude-code"}, {"version", "2.1"}}, "2025-06-18");
  bool ran = false;
  auto out = mw(tool("diagnose_cluster", server::SafetyClass::read_only), json{{"namespace", "team-a"}}, ctx,
                [&](const server::ToolDef&, const json&, server::CallContext&) -> server::Result<server::ToolOutput> {
                  ran = true;
                  // The decision is durable before the tool runs.
                  const auto before = (*log)->recent(1);
                  EXPECT_EQ(before.size(), 1u);
                  return server::ToolOutput{json::object(), "ok"};
                });
  ASSERT_TRUE(out);
  EXPECT_TRUE(ran);
  const auto lines = (*log)->recent(10);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["actor"]["client"], "claude-code");
  EXPECT_EQ(lines[0]["action"]["namespace"], "team-a");
  EXPECT_EQ(lines[1]["result"], "ok");
}

TEST(SafetyMiddleware, RefusesMutatingToolsInReadOnlyModeWithAToolError) {
  auto v = std::make_shared<Validator>(default_policy());
  auto mw = safety_middleware(v);
  test_fixtures::QuietContext ctx(json{{"name", "claude-code"}, {"version", "2.1"}}, "2025-06-18");
  bool ran = false;
  auto out = mw(tool("restart_pod", server::SafetyClass::destructive), json::object(), ctx,
                [&](const server::ToolDef&, const json&, server::CallContext&) -> server::Result<server::ToolOutput> {
                  ran = true;
                  return server::ToolOutput{};
                });
  ASSERT_FALSE(out);
  EXPECT_FALSE(ran);
  EXPECT_NE(out.error().message.find("read_only_mode"), std::string::npos) << out.error().message;
}

TEST(SafetyMiddleware, AuditsAFailedToolAsAnError) {
  TempDir dir;
  auto log = AuditLog::open({.path = dir.path() / "audit.jsonl"});
  ASSERT_TRUE(log);
  auto v = std::make_shared<Validator>(auto_policy(), *log, known_facts());
  test_fixtures::QuietContext ctx(json{{"name", "claude-code"}, {"version", "2.1"}}, "2025-06-18");
  auto out = safety_middleware(v)(
      tool("restart_pod", server::SafetyClass::mutating), json{{"namespace", "team-a"}}, ctx,
      [](const server::ToolDef&, const json&, server::CallContext&) -> server::Result<server::ToolOutput> {
        return server::tool_error("pod web-1 not found");
      });
  ASSERT_FALSE(out);
  const auto lines = (*log)->recent(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"], "error");
  EXPECT_EQ(lines[0]["detail"], "pod web-1 not found");
}

}  // namespace
}  // namespace eks::safety
