#include "safety/policy.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace eks::safety {
namespace {

const std::filesystem::path kSource = EKS_SOURCE_DIR;

TEST(Policy, DefaultsAreTheSeedRules) {
  const Policy p = default_policy();
  EXPECT_EQ(p.mode, Mode::read_only);
  for (auto ns : kSystemNamespaces) {
    EXPECT_NE(std::find(p.approval_namespaces.begin(), p.approval_namespaces.end(), ns), p.approval_namespaces.end());
  }
  EXPECT_TRUE(p.protected_namespaces.empty());
  EXPECT_EQ(p.max_bulk, 1u);
  EXPECT_EQ(p.rate_limits.per_namespace, 10u);
  EXPECT_EQ(p.rate_limits.cluster, 10u);
  EXPECT_EQ(p.rate_limits.window, std::chrono::hours(1));
  EXPECT_EQ(p.auto_approve.scale.max_delta, 2);
  EXPECT_EQ(p.needs_approval.failing_pods_threshold, 5);
  std::vector<std::string> names;
  for (const auto& r : p.never) names.push_back(r.name);
  for (const char* n : {"critical_kind_delete", "secret_read", "secret_write", "exec_forbidden", "kubeconfig_read",
                        "helm_forbidden", "github_forbidden"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_EQ(p.document["mode"], "read_only");
}

TEST(Policy, ExampleFileParsesAndDocumentsEveryTopLevelKey) {
  auto p = load_policy(kSource / "examples/policy.yaml");
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->mode, Mode::read_only);
  EXPECT_EQ(p->never.size(), default_policy().never.size() + 1);
  EXPECT_EQ(p->shadow.size(), 1u);
  std::ifstream in(kSource / "schemas/policy.schema.json");
  const auto policy_schema = nlohmann::json::parse(in);
  std::ifstream example(kSource / "examples/policy.yaml");
  const std::string text((std::istreambuf_iterator<char>(example)), std::istreambuf_iterator<char>());
  for (const auto& [key, _] : policy_schema["properties"].items()) {
    EXPECT_NE(text.find("\n" + key + ":"), std::string::npos) << "examples/policy.yaml does not show " << key;
  }
}

TEST(Policy, EmptyFileKeepsDefaults) {
  auto p = parse_policy("", "empty.yaml");
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->mode, Mode::read_only);
  EXPECT_EQ(p->source, "empty.yaml");
}

TEST(Policy, UnknownKeyNamesKeyFileAndLine) {
  auto p = parse_policy("mode: auto\nrate_limits:\n  per_namespace: 3\n  per_nmespace: 4\n", "p.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("p.yaml:4"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("rate_limits.per_nmespace"), std::string::npos) << p.error();
}

TEST(Policy, BadValueNamesKeyFileAndLine) {
  auto p = parse_policy("mode: yolo\n", "p.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("p.yaml:1"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("\"mode\""), std::string::npos) << p.error();

  auto q = parse_policy("mode: auto\nauto_approve:\n  scale:\n    max_delta: -1\n", "q.yaml");
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().find("q.yaml:4"), std::string::npos) << q.error();
  EXPECT_NE(q.error().find("auto_approve.scale.max_delta"), std::string::npos) << q.error();
}

TEST(Policy, InvalidYamlNamesTheLine) {
  auto p = parse_policy("mode: auto\nnever: [\n", "broken.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("broken.yaml:"), std::string::npos) << p.error();
}

TEST(Policy, DuplicateKeysAreErrors) {
  auto p = parse_policy("mode: auto\nmode: read_only\n", "dup.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("dup.yaml:2"), std::string::npos) << p.error();
}

TEST(Policy, RuleNamesMustBeUnique) {
  auto p = parse_policy("never:\n  - name: secret_read\n    kinds: [ConfigMap]\n", "p.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("p.yaml:2"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("already exists"), std::string::npos) << p.error();
}

TEST(Policy, DisablingAnUnknownRuleIsAnError) {
  auto p = parse_policy("disable_rules:\n  - exec_forbiden\n", "p.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("p.yaml:2"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("exec_forbiden"), std::string::npos) << p.error();
}

TEST(Policy, DisablingARuleRemovesIt) {
  auto p = parse_policy("disable_rules: [exec_forbidden]\n", "p.yaml");
  ASSERT_TRUE(p) << p.error();
  for (const auto& r : p->never) EXPECT_NE(r.name, "exec_forbidden");
}

TEST(Policy, SystemNamespacesAlwaysNeedAtLeastApproval) {
  auto p = parse_policy("approval_namespaces: [\"prod-db\"]\nprotected_namespaces: [kube-system]\n", "p.yaml");
  ASSERT_TRUE(p) << p.error();
  for (auto ns : kSystemNamespaces) {
    EXPECT_NE(std::find(p->approval_namespaces.begin(), p->approval_namespaces.end(), ns),
              p->approval_namespaces.end());
  }
  EXPECT_NE(std::find(p->approval_namespaces.begin(), p->approval_namespaces.end(), "prod-db"),
            p->approval_namespaces.end());
  EXPECT_EQ(p->protected_namespaces, std::vector<std::string>{"kube-system"});
}

TEST(Policy, MissingFileIsAnError) {
  auto p = load_policy("/nonexistent/policy.yaml");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("/nonexistent/policy.yaml"), std::string::npos);
}

TEST(Glob, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(glob_match("prod-*", "prod-api"));
  EXPECT_TRUE(glob_match("prod-*", "prod-"));
  EXPECT_FALSE(glob_match("prod-*", "product"));
  EXPECT_FALSE(glob_match("prod-*", "my-prod-api"));
  EXPECT_TRUE(glob_match("*-prod", "eu-prod"));
  EXPECT_TRUE(glob_match("team-?", "team-a"));
  EXPECT_FALSE(glob_match("team-?", "team-ab"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
  EXPECT_FALSE(glob_match("kube-system", "kube-systemx"));
}

TEST(CanonicalKind, FoldsCasePluralsAndShortNames) {
  EXPECT_EQ(canonical_kind("Secret"), "secret");
  EXPECT_EQ(canonical_kind("SECRETS"), "secret");
  EXPECT_EQ(canonical_kind(" secret\t"), "secret");
  EXPECT_EQ(canonical_kind("ns"), "namespace");
  EXPECT_EQ(canonical_kind("pvc"), "persistentvolumeclaim");
  EXPECT_EQ(canonical_kind("crds"), "customresourcedefinition");
  EXPECT_EQ(canonical_kind("SecretProviderClass"), "secretproviderclass");
}

}  // namespace
}  // namespace eks::safety

namespace eks::safety {
namespace {

TEST(Policy, OverridesOneFieldKeepingItsSiblings) {
  auto p = parse_policy("mode: auto\nrate_limits: {cluster: 3}\nauto_approve: {scale: {max_replicas: 50}}\n", "p.yaml");
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->mode, Mode::auto_);
  EXPECT_EQ(p->rate_limits.cluster, 3u);
  EXPECT_EQ(p->rate_limits.per_namespace, 10u);
  EXPECT_EQ(p->auto_approve.scale.max_replicas, 50);
  EXPECT_EQ(p->auto_approve.scale.max_delta, 2);
  EXPECT_EQ(p->document["rate_limits"]["cluster"], 3);
}

}  // namespace
}  // namespace eks::safety
