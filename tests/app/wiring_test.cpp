// How the configuration becomes upstream processes and a policy.
#include "app/wiring.hpp"

#include <gtest/gtest.h>

#include "tests/fixtures/quiet_context.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

namespace eks::app {
namespace {

Config base() {
  Config c;
  c.kubeconfig = "/home/sre/.kube/config";
  return c;
}

TEST(UpstreamConfigs, DefaultKubernetesServerIsPinnedReadOnlyWithOurKubeconfig) {
  const auto upstreams = upstream_configs(base(), safety::Mode::read_only);
  ASSERT_EQ(upstreams.size(), 1u);
  const auto& args = upstreams[0].process.args;
  EXPECT_EQ(upstreams[0].role, "kubernetes");
  EXPECT_NE(std::find(args.begin(), args.end(), "kubernetes-mcp-server@0.0.67"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--read-only"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "/home/sre/.kube/config"), args.end());
  EXPECT_EQ(std::find(args.begin(), args.end(), "--port"), args.end());
}

TEST(UpstreamConfigs, EveryUpstreamMeetsUsUnderOurNameAndVersion) {
  Config c = base();
  UpstreamServer gh;
  gh.command = "npx";
  c.mcp_servers["github"] = gh;
  for (const auto& u : upstream_configs(c, safety::Mode::read_only)) {
    EXPECT_EQ(u.client.name, "eks-sre-mcp") << u.name;
    EXPECT_EQ(u.client.version, kVersion) << u.name;
  }
}

TEST(UpstreamConfigs, OutsideReadOnlyModeTheUpstreamMayWrite) {
  const auto upstreams = upstream_configs(base(), safety::Mode::auto_);
  const auto& args = upstreams[0].process.args;
  EXPECT_EQ(std::find(args.begin(), args.end(), "--read-only"), args.end());
}

TEST(UpstreamConfigs, ConfiguredServerKeepsItsOwnFlags) {
  Config c = base();
  UpstreamServer k8s;
  k8s.command = "/opt/kubernetes-mcp-server";
  k8s.args = {"--kubeconfig=/etc/kc", "--list-output", "table"};
  c.mcp_servers["k8s"] = k8s;
  c.mcp_servers["k8s"].role = "kubernetes";
  const auto upstreams = upstream_configs(c, safety::Mode::read_only);
  ASSERT_EQ(upstreams.size(), 1u);  // no default added: one already has the role
  EXPECT_EQ(upstreams[0].process.args,
            (std::vector<std::string>{"--kubeconfig=/etc/kc", "--list-output", "table", "--read-only"}));
}

TEST(UpstreamConfigs, GithubServerIsLeftAlone) {
  Config c = base();
  UpstreamServer gh;
  gh.command = "npx";
  gh.args = {"-y", "@modelcontextprotocol/server-github"};
  c.mcp_servers["github"] = gh;
  const auto upstreams = upstream_configs(c, safety::Mode::read_only);
  ASSERT_EQ(upstreams.size(), 2u);
  EXPECT_EQ(upstreams[0].role, "github");
  EXPECT_EQ(upstreams[0].process.args.size(), 2u);
}

TEST(CurrentNamespace, ReadsTheCurrentContextsNamespace) {
  const std::string path = ::testing::TempDir() + "/kubeconfig-ns";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: b\ncontexts:\n"
                         "- name: a\n  context: {cluster: c, namespace: alpha}\n"
                         "- name: b\n  context: {cluster: c, namespace: kube-system}\n";
  EXPECT_EQ(current_namespace(path).value_or("?"), "kube-system");
  EXPECT_EQ(current_namespace("/nonexistent/kubeconfig").value_or("?"), "default");
}

TEST(LeaseNamespace, TheConfiguredOneElseTheServiceAccountsElseDefault) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "lease-serviceaccount";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "namespace") << "sre";
  Config c = base();
  c.service_account_dir = dir.string();
  EXPECT_EQ(lease_namespace(c), "sre");
  c.monitor.lease_namespace = "ops";
  EXPECT_EQ(lease_namespace(c), "ops");
  c.monitor.lease_namespace.clear();
  c.service_account_dir = "/nonexistent/serviceaccount";
  EXPECT_EQ(lease_namespace(c), "default");
}

TEST(CurrentNamespace, MergesKubeconfigFilesAsTheGoClientDoes) {
  // The first file that sets current-context wins, and the first definition of a context; missing files are
  // skipped.
  const std::string first = ::testing::TempDir() + "/kubeconfig-first",
                    second = ::testing::TempDir() + "/kubeconfig-second";
  std::ofstream(first) << "contexts:\n- name: b\n  context: {namespace: from-first}\n";
  std::ofstream(second) << "current-context: b\ncontexts:\n- name: b\n  context: {namespace: from-second}\n";
  ::setenv("KUBECONFIG", ("/nonexistent/x:" + first + ":" + second).c_str(), 1);
  EXPECT_EQ(current_namespace("").value_or("?"), "from-first");
  ::setenv("KUBECONFIG", "/nonexistent/x", 1);
  EXPECT_EQ(current_namespace("").value_or("?"), "default");
  ::unsetenv("KUBECONFIG");
}

TEST(CurrentNamespace, RefusesKubeconfigsThatReadersDisagreeOn) {
  // yaml-cpp keeps the first of two keys and Go's reader the last; merge keys, anchors and tags likewise differ.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"duplicate namespace",
       "current-context: a\ncontexts:\n- name: a\n  context:\n    namespace: default\n    namespace: kube-system\n"},
      {"duplicate top-level key", "current-context: a\ncurrent-context: b\ncontexts: []\n"},
      {"merge key",
       "current-context: a\nbase: &b {namespace: kube-system}\ncontexts:\n- name: a\n  context:\n    <<: *b\n"},
      {"anchor", "current-context: a\ncontexts:\n- name: a\n  context: &c {namespace: x}\n"},
      {"tag", "current-context: a\ncontexts:\n- name: a\n  context: {namespace: !!str kube-system}\n"},
      {"binary tag", "current-context: !!binary YQ==\ncontexts: []\n"},
      {"boolean namespace", "current-context: a\ncontexts:\n- name: a\n  context: {namespace: true}\n"},
      {"two documents", "current-context: a\n---\ncurrent-context: b\n"},
      {"one context defined twice",
       "current-context: a\ncontexts:\n- name: a\n  context: {namespace: apps}\n- name: a\n  context: {namespace: kube-system}\n"},
  };
  for (const auto& [name, text] : cases) {
    const std::string path = ::testing::TempDir() + "/kubeconfig-ambiguous";
    std::ofstream(path) << text;
    const auto ns = current_namespace(path);
    EXPECT_FALSE(ns.has_value()) << name << " read as " << ns.value_or("");
    if (!ns) {
      EXPECT_NE(ns.error().find(path), std::string::npos) << name << ": " << ns.error();
    }
  }
}

TEST(EffectivePolicy, ConfigurationModeAppliesWhenThePolicyFileSetsNone) {
  Config c = base();
  c.mode = "propose";
  const std::string path = ::testing::TempDir() + "/policy-no-mode.yaml";
  std::ofstream(path) << "max_bulk: 1\n";
  c.policy_file = path;
  const auto p = effective_policy(c);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->mode, safety::Mode::propose);
}

TEST(EffectivePolicy, PolicyFileModeWins) {
  Config c = base();
  c.mode = "auto";
  const std::string path = ::testing::TempDir() + "/policy-mode.yaml";
  std::ofstream(path) << "mode: read_only\n";
  c.policy_file = path;
  const auto p = effective_policy(c);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->mode, safety::Mode::read_only);
}

}  // namespace
}  // namespace eks::app

namespace eks::app {
namespace {

TEST(Redaction, ToolResultsNeverCarryConfiguredOrPatternedSecrets) {
  Config c = base();
  c.anthropic_api_key = "sk-ant-api03-configured-secret-value";
  const auto middleware = safety::redacting_middleware(make_redactor(c));
  server::ToolDef tool{.name = "t",
                       .title = "T",
                       .description = "",
                       .input_schema = "",
                       .output_schema = "",
                       .annotations = {},
                       .safety = server::SafetyClass::read_only,
                       .handler = {}};
  test_fixtures::QuietContext context;
  const auto out = middleware(
      tool, nlohmann::json::object(), context,
      [&](const server::ToolDef&, const nlohmann::json&, server::CallContext&) {
        return server::Result<server::ToolOutput>(server::ToolOutput{
            nlohmann::json{{"line", "connecting with sk-ant-api03-configured-secret-value"},
                           {"env", {{"GITHUB_TOKEN", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"}}},
                           {"image", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
            "token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB in the log"});
      });
  ASSERT_TRUE(out);
  const std::string all = out->structured.dump() + out->text;
  EXPECT_EQ(all.find("configured-secret-value"), std::string::npos) << all;
  EXPECT_EQ(all.find("ghp_0123456789"), std::string::npos) << all;
  EXPECT_NE(all.find("sha256:0123456789abcdef"), std::string::npos) << "an image digest is not a secret";
}

TEST(Redaction, LogLinesAreScrubbedBeforeTheyAreWritten) {
  Config c = base();
  c.github_token = "ghp_configuredtoken0123456789abcdefghijkl";
  c.log_file = ::testing::TempDir() + "/redaction-test.log";
  c.log_level = "info";
  std::filesystem::remove(c.log_file);
  ASSERT_TRUE(setup_logging(c));
  spdlog::get("upstream")->info("upstream said: bad credentials {}", c.github_token);
  spdlog::default_logger()->flush();
  spdlog::get("upstream")->flush();
  std::ifstream in(c.log_file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("bad credentials"), std::string::npos) << text;
  EXPECT_EQ(text.find("configuredtoken"), std::string::npos) << text;
}

}  // namespace
}  // namespace eks::app
