// The two boundaries settle decisions the same way: allow runs, deny is refused without asking anyone, and
// needs_approval goes to the Approver — refused by default with the decision's own message, run when approved.
#include "safety/boundary.hpp"

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// Records what it is asked and answers as told.
class RecordingApprover final : public Approver {
 public:
  explicit RecordingApprover(bool grant) : grant_(grant) {}
  Approval approve(const Decision& decision) override {
    asked.push_back(decision.code + " " + std::string(to_string(decision.verdict)));
    return grant_ ? Approval::grant("on-call@example.test") : Approval::refuse("the on-call engineer said no");
  }
  std::vector<std::string> asked;

 private:
  bool grant_;
};

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

std::shared_ptr<AuditLog> open_audit(const TempDir& dir) {
  auto log = AuditLog::open({.path = dir.path() / "audit.jsonl"});
  if (!log) throw std::runtime_error(log.error());
  return *log;
}

// Host -> our tools: a mutating tool in a production namespace needs a human in auto mode.
server::Result<server::ToolOutput> call_own(server::Middleware mw, const std::string& ns, bool* ran) {
  test_fixtures::QuietContext ctx(json{{"name", "claude-code"}, {"version", "2.1"}}, "2025-06-18");
  return mw(tool("restart_pod", server::SafetyClass::mutating), json{{"namespace", ns}, {"pod", "web-1"}}, ctx,
            [&](const server::ToolDef&, const json&, server::CallContext&) -> server::Result<server::ToolOutput> {
              *ran = true;
              return server::ToolOutput{json::object(), "restarted"};
            });
}

TEST(Settle, AllowRunsWithoutAskingTheApprover) {
  auto v = std::make_shared<Validator>(auto_policy(), nullptr, known_facts());
  RecordingApprover approver(false);
  const auto settled =
      settle(*v, v->decide(classify_own("diagnose_cluster", server::SafetyClass::read_only, json::object())), approver);
  ASSERT_TRUE(settled) << settled.error();
  EXPECT_EQ(settled->code, "read");
  EXPECT_TRUE(approver.asked.empty());
}

TEST(Settle, DenyIsRefusedWithItsMessageAndNeverReachesTheApprover) {
  auto v = std::make_shared<Validator>(auto_policy("protected_namespaces: [kube-system]\n"), nullptr, known_facts());
  RecordingApprover approver(true);
  const Decision denied =
      v->decide(classify_own("restart_pod", server::SafetyClass::mutating, json{{"namespace", "kube-system"}}));
  ASSERT_EQ(denied.verdict, Verdict::deny);
  const auto settled = settle(*v, denied, approver);
  ASSERT_FALSE(settled);
  EXPECT_EQ(settled.error(), denied.message());
  EXPECT_TRUE(approver.asked.empty());
}

TEST(Settle, TheDefaultApproverRefusesWithTheDecisionsMessage) {
  auto v = std::make_shared<Validator>(auto_policy(), nullptr, known_facts());
  const Decision asked =
      v->decide(classify_own("restart_pod", server::SafetyClass::mutating, json{{"namespace", "prod"}}));
  ASSERT_EQ(asked.verdict, Verdict::needs_approval);
  const auto settled = settle(*v, asked, *refusing_approver());
  ASSERT_FALSE(settled);
  EXPECT_EQ(settled.error(), asked.message());
  EXPECT_EQ(settled.error().rfind("Needs human approval [production_namespace]: ", 0), 0u) << settled.error();
}

TEST(Settle, AnApproverThatThrowsHasApprovedNothing) {
  struct Throwing final : Approver {
    Approval approve(const Decision&) override { throw std::runtime_error("approval service down"); }
  } throwing;
  auto v = std::make_shared<Validator>(auto_policy(), nullptr, known_facts());
  const Decision asked =
      v->decide(classify_own("restart_pod", server::SafetyClass::mutating, json{{"namespace", "prod"}}));
  const auto settled = settle(*v, asked, throwing);
  ASSERT_FALSE(settled);
  EXPECT_EQ(settled.error(), asked.message());
}

TEST(Validator, AnApprovedChangeStillSpendsTheRateLimit) {
  auto v = std::make_shared<Validator>(auto_policy("rate_limits: {per_namespace: 1, cluster: 10}\n"), nullptr,
                                       known_facts());
  RecordingApprover approver(true);
  auto restart_in_prod = [&] {
    return v->check_upstream(
        UpstreamCall{"kubernetes", "pods_delete", json{{"name", "web-1"}, {"namespace", "prod"}}, "default", {}, ""});
  };
  const auto first = settle(*v, restart_in_prod(), approver);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(first->code, "approved");
  EXPECT_EQ(first->rule, "on-call@example.test");
  const auto second = settle(*v, restart_in_prod(), approver);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("rate_limited"), std::string::npos) << second.error();
}

TEST(SafetyMiddleware, RefusesANeedsApprovalCallByDefaultWithItsMessage) {
  TempDir dir;
  auto log = open_audit(dir);
  auto v = std::make_shared<Validator>(auto_policy(), log, known_facts());
  bool ran = false;
  const auto out = call_own(safety_middleware(v), "prod", &ran);
  ASSERT_FALSE(out);
  EXPECT_FALSE(ran);
  const auto lines = log->recent(10);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["decision"], "needs_approval");
  // The very sentence the validator writes for this decision.
  const Decision expected = Validator(auto_policy(), nullptr, known_facts())
                                .decide(classify_own("restart_pod", server::SafetyClass::mutating,
                                                     json{{"namespace", "prod"}, {"pod", "web-1"}}));
  EXPECT_EQ(out.error().message, expected.message());
}

TEST(SafetyMiddleware, AnApprovedCallRunsAndTheApprovalIsAudited) {
  TempDir dir;
  auto log = open_audit(dir);
  auto v = std::make_shared<Validator>(auto_policy(), log, known_facts());
  auto approver = std::make_shared<RecordingApprover>(true);
  bool ran = false;
  const auto out = call_own(safety_middleware(v, approver), "prod", &ran);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(ran);
  EXPECT_EQ(approver->asked, (std::vector<std::string>{"production_namespace needs_approval"}));
  const auto lines = log->recent(10);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["decision"], "needs_approval");
  EXPECT_EQ(lines[1]["event"], "approval");
  EXPECT_EQ(lines[1]["decision"], "allow");
  EXPECT_EQ(lines[1]["rule"], "on-call@example.test");
  EXPECT_EQ(lines[1]["correlation_id"], lines[0]["correlation_id"]);
  EXPECT_EQ(lines[2]["result"], "ok");
}

TEST(SafetyMiddleware, ARefusingApproverKeepsItsOwnMessageAndDenyNeverReachesIt) {
  auto v = std::make_shared<Validator>(auto_policy("protected_namespaces: [kube-system]\n"), nullptr, known_facts());
  auto approver = std::make_shared<RecordingApprover>(false);
  bool ran = false;
  auto out = call_own(safety_middleware(v, approver), "prod", &ran);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, "the on-call engineer said no");
  out = call_own(safety_middleware(v, approver), "kube-system", &ran);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("protected_namespace"), std::string::npos) << out.error().message;
  EXPECT_FALSE(ran);
  EXPECT_EQ(approver->asked.size(), 1u);  // only the production call
}

// An upstream that records every line it reads and answers tools/call with a text holding a secret.
struct RecordingUpstream {
  explicit RecordingUpstream(const TempDir& dir)
      : script(dir.path() / "upstream.sh"), log(dir.path() / "upstream.log") {
    std::ofstream(script)
        << "#!/bin/sh\n"
           "read -r line; printf '%s\\n' \"$line\" >> '"
        << log.string()
        << "'\n"
           "echo '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"tools\":{}},"
           "\"serverInfo\":{\"name\":\"recorder\",\"version\":\"0\"}}}'\n"
           "while read -r line; do\n"
           "  printf '%s\\n' \"$line\" >> '"
        << log.string()
        << "'\n"
           "  case \"$line\" in *'\"tools/call\"'*)\n"
           "    id=$(printf '%s\\n' \"$line\" | grep -o '\"id\":[0-9]*' | head -n 1 | cut -d: -f2)\n"
           "    printf '{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ran with s3cr3t-value\"}]}}\\n' \"$id\" ;;\n"
           "  esac\n"
           "done\n";
    ::chmod(script.c_str(), 0755);
  }
  upstream::UpstreamConfig config() const {
    upstream::UpstreamConfig c;
    c.name = "recorder";
    c.role = "kubernetes";
    c.process = {"recorder", script.string(), {}, {}};
    c.connect_timeout = 5s;
    c.call_timeout = 5s;
    return c;
  }
  // The tools/call requests it received.
  std::vector<json> calls() const {
    std::vector<json> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      const json m = json::parse(line, nullptr, false);
      if (m.is_object() && m.value("method", "") == "tools/call") out.push_back(m["params"]);
    }
    return out;
  }
  std::filesystem::path script, log;
};

const upstream::Actor kSubagent{"subagent", "remediation"};
const json kRestartInProd{{"name", "web-1"}, {"namespace", "prod"}};

TEST(UpstreamCheck, ANeedsApprovalCallIsRefusedByDefaultWithTheDecisionsMessage) {
  TempDir dir;
  RecordingUpstream fake(dir);
  upstream::Gateway gateway({fake.config()});
  auto log = open_audit(dir);
  install_upstream_check(gateway, std::make_shared<Validator>(auto_policy(), log, known_facts()));
  const auto r = gateway.call("kubernetes", "pods_delete", kRestartInProd, kSubagent);
  gateway.stop();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, upstream::UpstreamError::Kind::denied);
  EXPECT_EQ(r.error().message.rfind("Needs human approval [production_namespace]: ", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find("Present it to a human as a recommendation"), std::string::npos);
  EXPECT_TRUE(fake.calls().empty());
  ASSERT_EQ(log->recent(10).size(), 1u);
}

TEST(UpstreamCheck, AnApprovedCallSendsWhatTheValidatorDecidedAndIsRedacted) {
  TempDir dir;
  RecordingUpstream fake(dir);
  upstream::Gateway gateway({fake.config()});
  auto log = open_audit(dir);
  auto approver = std::make_shared<RecordingApprover>(true);
  auto redactor = std::make_shared<Redactor>();
  redactor->add_secret("s3cr3t-value");
  install_upstream_check(gateway, std::make_shared<Validator>(auto_policy(), log, known_facts()),
                         {.current_namespace = std::string("default"),
                          .redactor = redactor,
                          .subagent_client = "sre-server",
                          .approver = approver});
  const auto r = gateway.call("kubernetes", "pods_delete", kRestartInProd, kSubagent);
  gateway.stop();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["content"][0]["text"], "ran with ***");
  EXPECT_EQ(approver->asked, (std::vector<std::string>{"production_namespace needs_approval"}));
  // The canonical call: a single-object delete with an explicit namespace.
  const auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["name"], "resources_delete");
  EXPECT_EQ(calls[0]["arguments"],
            (json{{"apiVersion", "v1"}, {"kind", "Pod"}, {"namespace", "prod"}, {"name", "web-1"}}));
  const auto lines = log->recent(10);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["decision"], "needs_approval");
  EXPECT_EQ(lines[0]["actor"]["client"], "sre-server");
  EXPECT_EQ(lines[0]["actor"]["subagent"], "remediation");
  EXPECT_EQ(lines[1]["event"], "approval");
  EXPECT_EQ(lines[2]["result"], "ok");
}

TEST(UpstreamCheck, DenyNeverReachesTheApprover) {
  TempDir dir;
  RecordingUpstream fake(dir);
  upstream::Gateway gateway({fake.config()});
  auto approver = std::make_shared<RecordingApprover>(true);
  install_upstream_check(
      gateway,
      std::make_shared<Validator>(auto_policy("protected_namespaces: [kube-system]\n"), nullptr, known_facts()),
      {.approver = approver});
  const auto r =
      gateway.call("kubernetes", "pods_delete", json{{"name", "coredns-1"}, {"namespace", "kube-system"}}, kSubagent);
  gateway.stop();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, upstream::UpstreamError::Kind::denied);
  EXPECT_NE(r.error().message.find("protected_namespace"), std::string::npos) << r.error().message;
  EXPECT_TRUE(approver->asked.empty());
  EXPECT_TRUE(fake.calls().empty());
}

}  // namespace
}  // namespace eks::safety
