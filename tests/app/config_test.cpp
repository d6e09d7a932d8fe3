#include "app/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace eks::app {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest()
      : dir_(fs::temp_directory_path() / ("eks-config-test-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::create_directories(dir_);
    options_.environment = {{"HOME", dir_.string()}};
    options_.search_default_files = false;
    options_.dotenv = dir_ / ".env";
  }
  ~ConfigTest() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
  LoadOptions options_;
};

TEST_F(ConfigTest, DefaultsAreReadOnlyWithTheSeedsModels) {
  const auto c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->mode, "read_only");
  EXPECT_EQ(c->models.at("diagnostic"), "haiku");
  EXPECT_EQ(c->models.at("remediation"), "sonnet");
  EXPECT_EQ(c->max_message_bytes, 8u << 20);
  EXPECT_EQ(c->state_dir, dir_.string() + "/.local/state/eks-sre-mcp");
}

TEST_F(ConfigTest, ReadsTheYamlFile) {
  options_.file = write(
      "c.yaml",
      "mode: propose\nserver:\n  workers: 8\nmcpServers:\n  kubernetes:\n    command: npx\n    args: [\"-y\", \"kubernetes-mcp-server\"]\n");
  const auto c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->mode, "propose");
  EXPECT_EQ(c->workers, 8u);
  EXPECT_EQ(c->mcp_servers.at("kubernetes").args.size(), 2u);
}

TEST_F(ConfigTest, UnknownKeyNamesKeyFileAndLine) {
  options_.file = write("c.yaml", "mode: read_only\nserver:\n  workers: 2\n  wrokers: 3\n");
  const auto c = load_config(options_);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("c.yaml:4"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("server.wrokers"), std::string::npos) << c.error();
}

TEST_F(ConfigTest, BadValueNamesKeyFileAndLine) {
  options_.file = write("c.yaml", "server:\n  log_level: info\nmode: yolo\n");
  const auto c = load_config(options_);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("c.yaml:3"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("mode"), std::string::npos) << c.error();
}

TEST_F(ConfigTest, QuotedNumberIsAString) {
  options_.file = write("c.yaml", "server:\n  workers: \"4\"\n");
  EXPECT_FALSE(load_config(options_));
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  options_.file = dir_ / "nope.yaml";
  const auto c = load_config(options_);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("nope.yaml"), std::string::npos);
}

TEST_F(ConfigTest, EnvironmentOverridesDotenvWhichOverridesTheFile) {
  options_.file = write("c.yaml", "models:\n  diagnostic: opus\n  remediation: opus\n  cost_optimizer: opus\n");
  write(".env", "# comment\nREMEDIATION_MODEL=haiku\nexport COST_OPTIMIZER_MODEL=\"claude-x\"\n");
  options_.environment["REMEDIATION_MODEL"] = "sonnet";
  const auto c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->models.at("diagnostic"), "opus");
  EXPECT_EQ(c->models.at("remediation"), "sonnet");
  EXPECT_EQ(c->models.at("cost_optimizer"), "claude-x");
  EXPECT_EQ(c->sources.back(), "environment");
}

TEST_F(ConfigTest, BadCheckIntervalNamesTheVariable) {
  options_.environment["CHECK_INTERVAL"] = "soon";
  const auto c = load_config(options_);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("CHECK_INTERVAL"), std::string::npos) << c.error();
}

TEST_F(ConfigTest, MaskedHidesEverySecret) {
  options_.file = write(
      "c.yaml",
      "mcpServers:\n  github:\n    command: gh-mcp\n    env:\n      GITHUB_PERSONAL_ACCESS_TOKEN: ghp_abcdef123\n");
  options_.environment["ANTHROPIC_API_KEY"] = "sk-ant-secret-123";
  options_.environment["TEAMS_WEBHOOK_URL"] = "https://hooks.example/abc123";
  const auto c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  const std::string text = masked(*c).dump();
  EXPECT_EQ(text.find("sk-ant-secret-123"), std::string::npos);
  EXPECT_EQ(text.find("ghp_abcdef123"), std::string::npos);
  EXPECT_EQ(text.find("abc123"), std::string::npos);
  EXPECT_NE(text.find("gh-mcp"), std::string::npos);
}

TEST_F(ConfigTest, UpstreamNeedsCommandOrUrlNotBoth) {
  options_.file = write("c.yaml", "mcpServers:\n  k:\n    command: x\n    url: http://127.0.0.1:1/mcp\n");
  EXPECT_FALSE(load_config(options_));
}

TEST_F(ConfigTest, InClusterWritesAPrivateKubeconfigFromTheServiceAccount) {
  const auto sa = dir_ / "serviceaccount";
  fs::create_directories(sa);
  write("serviceaccount/token", "sa-token");
  write("serviceaccount/ca.crt", "-----BEGIN CERTIFICATE-----\n");
  write("serviceaccount/namespace", "sre\n");
  options_.environment["KUBERNETES_SERVICE_HOST"] = "10.100.0.1";
  options_.environment["KUBERNETES_SERVICE_PORT"] = "443";
  options_.environment["EKS_SRE_MCP_SERVICE_ACCOUNT_DIR"] = sa.string();
  const auto c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  EXPECT_TRUE(c->in_cluster);
  EXPECT_EQ(c->service_account_dir, sa.string());
  EXPECT_EQ(c->kubeconfig, c->state_dir + "/in-cluster.kubeconfig");
  EXPECT_EQ(fs::status(c->kubeconfig).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream in(c->kubeconfig);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("server: \"https://10.100.0.1:443\""), std::string::npos) << text;
  EXPECT_NE(text.find("tokenFile: \"" + (sa / "token").string() + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("certificate-authority: \"" + (sa / "ca.crt").string() + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("namespace: \"sre\""), std::string::npos) << text;
  EXPECT_EQ(text.find("sa-token"), std::string::npos) << "the token stays in its file";
}

TEST_F(ConfigTest, InClusterNeedsTheEnvironmentAndTheToken) {
  const auto sa = dir_ / "serviceaccount";
  fs::create_directories(sa);
  options_.environment["EKS_SRE_MCP_SERVICE_ACCOUNT_DIR"] = sa.string();
  options_.environment["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  options_.environment["KUBERNETES_SERVICE_PORT"] = "443";
  auto c = load_config(options_);  // no token file: not in a pod
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->in_cluster);
  EXPECT_EQ(c->kubeconfig, "");
  write("serviceaccount/token", "t");
  c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  ASSERT_TRUE(c->in_cluster);
  std::ifstream in(c->kubeconfig);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("https://[fd00::1]:443"), std::string::npos) << text;
  EXPECT_EQ(text.find("certificate-authority"), std::string::npos) << text;
  EXPECT_NE(text.find("namespace: \"default\""), std::string::npos) << text;
  // A kubeconfig found the usual way wins.
  options_.kubeconfig = write("kc", "apiVersion: v1\nkind: Config\n").string();
  c = load_config(options_);
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->in_cluster);
  EXPECT_EQ(c->kubeconfig, options_.kubeconfig);
}

TEST_F(ConfigTest, InvalidYamlNamesTheLine) {
  options_.file = write("c.yaml", "mode: read_only\nserver: [\n");
  const auto c = load_config(options_);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("c.yaml:"), std::string::npos) << c.error();
}

}  // namespace
}  // namespace eks::app

namespace eks::app {
namespace {

TEST(ConfigExample, ShippedExampleIsValid) {
  LoadOptions options;
  options.file = std::filesystem::path(EKS_SOURCE_DIR) / "examples/config.yaml";
  options.search_default_files = false;
  options.dotenv = "/nonexistent/.env";
  options.environment = {{"HOME", "/tmp"}};
  const auto c = load_config(options);
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->mcp_servers.count("kubernetes"), 1u);
}

}  // namespace
}  // namespace eks::app
