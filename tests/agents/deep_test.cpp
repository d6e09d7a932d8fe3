// Deep investigations end to end: diagnose_cluster and analyze_pod_logs with depth deep, the subagent on the
// Messages API stand-in (tests/fakes/anthropic), reading kubesim through the real kubernetes-mcp-server and our
// gateway with the safety validator and audit log installed as the server installs them. The scripts play the
// model: they read what the tools return (the stand-in checks it) and submit an answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "app/config.hpp"
#include "app/wiring.hpp"
#include "schemas/schemas.hpp"
#include "server/protocol/json_schema.hpp"
#include "tests/agents/fake_anthropic.hpp"
#include "tests/fixtures/kubesim_process.hpp"
#include "tests/fixtures/quiet_context.hpp"
#include "tools/toolset.hpp"

namespace eks::agents {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using test_fixtures::FakeAnthropic;
using test_fixtures::Kubesim;

const fs::path kSource = EKS_SOURCE_DIR;
const fs::path kUpstreamBinary = kSource / "tests" / "node_modules" / ".bin" / "kubernetes-mcp-server";

struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("agents-deep-" + std::to_string(::getpid()) + "-" + std::to_string(counter++))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
  static inline int counter = 0;
};

// kubesim on a scenario, the real upstream through our gateway, the validator and the audit log.
struct Cluster {
  Cluster(const fs::path& scenario, const fs::path& work, bool upstream_read_only = true)
      : sim(EKS_KUBESIM, scenario, work, true) {
    if (!sim.ready()) return;
    auto config = test_fixtures::kubernetes_upstream(kUpstreamBinary, sim.kubeconfig(), work);
    if (!upstream_read_only) std::erase(config.process.args, "--read-only");
    gateway = std::make_unique<upstream::Gateway>(std::vector<upstream::UpstreamConfig>{config});
    safety::AuditOptions options;
    options.path = work / "audit.jsonl";
    options.fsync = false;
    audit = *safety::AuditLog::open(options);
    validator = std::make_shared<safety::Validator>(safety::default_policy(), audit);
    app::install_safety_check(*gateway, validator, "default");
    source = cluster::make_upstream_source(*gateway);
  }
  ~Cluster() {
    if (gateway) gateway->stop();
  }
  std::vector<json> audit_lines() const { return audit->recent(1000); }

  Kubesim sim;
  std::unique_ptr<upstream::Gateway> gateway;
  std::shared_ptr<safety::AuditLog> audit;
  std::shared_ptr<safety::Validator> validator;
  std::shared_ptr<cluster::ClusterSource> source;
};

// The runtime as the server builds it, from a configuration file and the environment.
std::shared_ptr<Runtime> runtime_for(Cluster& c, const FakeAnthropic& fake, const fs::path& work,
                                     const std::string& extra_agents_yaml = "") {
  std::ofstream(work / "config.yaml") << "agents:\n"
                                         "  cluster_context: " << (kSource / "examples" / "cluster-context.md").string() << "\n"
                                         "  request_timeout_ms: 5000\n"
                                         "  investigation_timeout_ms: 30000\n"
                                         "  retry_base_ms: 10\n"
                                         "  retry_max_ms: 50\n"
                                      << extra_agents_yaml;
  app::LoadOptions options;
  options.file = work / "config.yaml";
  options.search_default_files = false;
  options.dotenv = work / "no.env";
  options.environment = {{"HOME", work.string()},
                         {"ANTHROPIC_API_KEY", "sk-ant-api03-test-key-for-the-stand-in"},
                         {"ANTHROPIC_BASE_URL", fake.url()}};
  auto config = app::load_config(options);
  EXPECT_TRUE(config) << config.error();
  if (!config) return nullptr;
  auto runtime = app::make_agents(*config, *c.gateway, c.audit);
  EXPECT_TRUE(runtime) << runtime.error();
  return runtime ? *runtime : nullptr;
}

json call_tool(const server::ToolDef& tool, json arguments) {
  auto schema = protocol::JsonSchema::compile(json::parse(schemas::text(tool.input_schema)));
  EXPECT_TRUE(schema);
  schema->apply_defaults(arguments);
  EXPECT_TRUE(schema->is_valid(arguments)) << arguments.dump();
  test_fixtures::QuietContext context;
  auto out = tool.handler(arguments, context);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  if (!out) return json();
  auto output = protocol::JsonSchema::compile(json::parse(schemas::text(tool.output_schema)));
  const auto errors = output->validate(out->structured);
  EXPECT_TRUE(errors.empty()) << protocol::format_errors(errors) << "\n" << out->structured.dump(2).substr(0, 4000);
  json result = out->structured;
  result["_text"] = out->text;
  return result;
}

server::ToolDef diagnose(Cluster& c, std::shared_ptr<Runtime> runtime) {
  return tools::diagnose_cluster_tool([&c] { return c.source; },
                                      [runtime] { return std::shared_ptr<const Runtime>(runtime); }, 3);
}

const json* finding_with(const json& report, const std::string& reason) {
  for (const auto& f : report["findings"]) {
    if (f["reason"] == reason) return &f;
  }
  return nullptr;
}

void expect_clean(const FakeAnthropic& fake) {
  const json state = fake.state();
  EXPECT_TRUE(state["violations"].empty()) << state.dump(2);
  EXPECT_TRUE(state["script_errors"].empty()) << state.dump(2);
  EXPECT_TRUE(state["unmatched"].empty()) << state.dump(2);
  for (const auto& c : state["conversations"]) {
    EXPECT_TRUE(c["expect_failures"].empty()) << c.dump(2);
    EXPECT_EQ(c["steps_left"], 0) << c.dump(2);
  }
}

// One investigation: a quick diagnosis names the finding; the script (the model) reads with `read` and expects
// `expect_seen` in the tool result, then submits `root_cause` for that finding.
struct Investigation {
  std::string scenario;
  std::string reason;
  std::string read_tool;
  std::function<json(const json& finding)> read_input;
  std::string expect_seen;
  std::string category;
  std::string summary;
};

void investigate(const Investigation& inv) {
  ASSERT_TRUE(fs::exists(kUpstreamBinary)) << "run `make test` (it installs the pinned kubernetes-mcp-server)";
  TempDir dir;
  Cluster c(kSource / "examples" / "scenarios" / inv.scenario, dir.path);
  ASSERT_TRUE(c.sim.ready()) << c.sim.log_text();
  const json quick = call_tool(diagnose(c, nullptr), {{"depth", "quick"}});
  const json* finding = finding_with(quick, inv.reason);
  ASSERT_TRUE(finding) << quick["_text"];
  EXPECT_EQ(quick["analysis"]["mode"], "deterministic");
  const std::string id = (*finding)["id"];
  const json submit{{"findings",
                     {{{"id", id},
                       {"root_cause", {{"category", inv.category}, {"summary", inv.summary}, {"confidence", 0.95}}},
                       {"evidence", {{{"source", "log"}, {"text", inv.expect_seen}}}},
                       {"recommended_actions", {"Fix it as the summary says, then watch the rollout."}}}}}};
  const json script{
      {"conversations",
       {{{"name", "investigate"},
         {"match", {{"tool_offered", "submit_result"}, {"system_contains", "prod-eu"}}},
         {"steps",
          {{{"expect", {{"last_user_contains", id}, {"tools_include", {inv.read_tool, "submit_result"}}, {"tools_exclude", "resources_delete"}}},
            {"respond", {{"content", {{{"text", "Reading the cluster."}}, {{"tool_use", {{"name", inv.read_tool}, {"input", inv.read_input(*finding)}}}}}}}}},
           {{"expect", {{"tool_result", {{"contains", inv.expect_seen}, {"is_error", false}}}}},
            {"respond", {{"content", {{{"tool_use", {{"name", "submit_result"}, {"input", submit}}}}}}}}}}}}}}};
  FakeAnthropic fake(dir.path, script.dump());  // JSON is YAML
  ASSERT_TRUE(fake.ready()) << fake.log_text();
  auto runtime = runtime_for(c, fake, dir.path);
  ASSERT_TRUE(runtime);
  const json deep = call_tool(diagnose(c, runtime), json::object());  // deep is the default with a provider
  const json& a = deep["analysis"];
  EXPECT_EQ(a["mode"], "agent") << a.dump(2);
  EXPECT_EQ(a["degraded"], false);
  EXPECT_EQ(a["agent"], "k8s-diagnostics");
  EXPECT_EQ(a["model"], "claude-haiku-4-5");
  EXPECT_EQ(a["turns"], 2);
  EXPECT_EQ(a["tool_calls"], 1);
  EXPECT_GT(a["tokens"]["total"].get<int>(), 0);
  EXPECT_GT(a["cost_usd_estimate"].get<double>(), 0);
  EXPECT_EQ(a["refined_findings"], json::array({id}));
  const json* refined = finding_with(deep, inv.reason);
  ASSERT_TRUE(refined);
  EXPECT_EQ((*refined)["root_cause"]["summary"], inv.summary);
  EXPECT_EQ((*refined)["root_cause"]["category"], inv.category);
  EXPECT_EQ((*refined)["evidence"][0]["text"], inv.expect_seen);
  EXPECT_GT((*refined)["evidence"].size(), 1u) << "the analyzers' evidence stays after the agent's";
  EXPECT_NE(deep["_text"].get<std::string>().find("Investigated by k8s-diagnostics"), std::string::npos);
  expect_clean(fake);
  // The subagent's call passed the validator and was audited under its name.
  bool audited = false;
  for (const auto& line : c.audit_lines()) {
    audited |= line.value("event", "") == "decision" && line["tool"] == inv.read_tool &&
               line["actor"].value("subagent", "") == "k8s-diagnostics" && line["decision"] == "allow";
  }
  EXPECT_TRUE(audited);
}

TEST(DeepDiagnosis, CrashLoopTheModelReadsThePreviousLogAndSubmitsTheRootCause) {
  investigate({"crashloop-missing-env", "CrashLoopBackOff", "pods_log",
               [](const json& f) { return json{{"namespace", "payments"}, {"name", f["pods"][0]}, {"previous", true}}; },
               "DATABASE_URL", "missing_config",
               "payments-api exits at start because the environment variable DATABASE_URL is not set"});
}

TEST(DeepDiagnosis, OomKillTheModelReadsThePodAndSubmitsTheRootCause) {
  investigate({"oomkilled", "OOMKilled", "pods_get",
               [](const json& f) { return json{{"namespace", "reports"}, {"name", f["pods"][0]}}; }, "OOMKilled",
               "out_of_memory", "report-renderer uses more memory than its limit and is OOM killed (exit 137)"});
}

TEST(DeepDiagnosis, PendingPodTheModelReadsTheEventsAndSubmitsTheRootCause) {
  investigate({"pending-insufficient-cpu", "Unschedulable", "events_list",
               [](const json&) { return json{{"namespace", "analytics"}}; }, "Insufficient cpu", "insufficient_resources",
               "spark-driver requests more CPU than any node has free, so the scheduler cannot place it"});
}

}  // namespace
}  // namespace eks::agents
