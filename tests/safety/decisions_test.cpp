// The decision corpus (decisions.yaml): every rule, its near misses, and the bypasses reported against peer
// servers, each with the decision the validator must reach.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "safety/validator.hpp"
#include "safety/yaml_json.hpp"

namespace eks::safety {
namespace {

using nlohmann::json;

const std::filesystem::path kCorpus = std::filesystem::path(EKS_SOURCE_DIR) / "tests/safety/decisions.yaml";

const json& corpus() {
  static const json document = [] {
    std::ifstream in(kCorpus);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = yaml::parse(text.str(), kCorpus.string());
    if (!parsed) throw std::runtime_error(parsed.error());
    return parsed->value;
  }();
  return document;
}

struct Case {
  std::size_t index;
  json spec;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  std::size_t i = 0;
  for (const auto& c : corpus()["cases"]) out.push_back({i++, c});
  return out;
}

std::string test_name(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.spec.value("name", "case");
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  // Short enough for one line of ctest's output at 120 columns; the index keeps names unique.
  return std::to_string(info.param.index) + "_" + name.substr(0, 38);
}

class DecisionCorpus : public testing::TestWithParam<Case> {};

TEST_P(DecisionCorpus, Decides) {
  const json& c = GetParam().spec;
  const std::string policy_name = c.value("policy", "ro");
  ASSERT_TRUE(corpus()["policies"].contains(policy_name)) << policy_name;
  auto policy = parse_policy(corpus()["policies"][policy_name].dump(), "policies." + policy_name);
  ASSERT_TRUE(policy) << policy.error();

  ClusterFacts facts;
  const json f = c.value("facts", json::object());
  if (f.contains("replicas")) facts.current_replicas = [n = f["replicas"].get<int>()](const Action&) { return n; };
  if (f.contains("phase")) {
    facts.pod_phase = [p = f["phase"].get<std::string>()](const std::string&, const std::string&) { return p; };
  }
  // Failing pods are known (none) unless the case gives a count, or null for "could not be read".
  std::optional<int> failing = 0;
  if (f.contains("failing"))
    failing = f["failing"].is_null() ? std::nullopt : std::optional<int>(f["failing"].get<int>());
  facts.failing_pods = [failing](const std::string&) { return failing; };
  Validator validator(std::move(*policy), nullptr, facts);

  UpstreamCall call;
  call.upstream = c.value("upstream", "kubernetes");
  call.tool = c.at("tool").get<std::string>();
  call.arguments = c.value("args", json::object());
  call.current_namespace = c.value("current", "default");
  const Decision d = validator.check_upstream(call);

  EXPECT_EQ(to_string(d.verdict), c.at("expect").get<std::string>())
      << "code=" << d.code << " reason=" << d.reason << " action=" << to_json(d.action).dump();
  if (c.contains("code")) {
    EXPECT_EQ(d.code, c["code"].get<std::string>()) << d.reason;
  }
  if (d.verdict == Verdict::deny) {
    EXPECT_FALSE(d.reason.empty());
    EXPECT_FALSE(d.rule.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Policy, DecisionCorpus, testing::ValuesIn(cases()), test_name);

TEST(DecisionCorpusFile, HoldsAtLeast150CallsCoveringEveryDenyCode) {
  ASSERT_GE(corpus()["cases"].size(), 150u);
  std::set<std::string> codes;
  for (const auto& c : corpus()["cases"]) codes.insert(c.value("code", ""));
  for (const char* code :
       {"secret_read",          "secret_write",       "kubeconfig_read",      "exec_forbidden",
        "helm_forbidden",       "github_forbidden",   "critical_kind_delete", "protected_namespace",
        "bulk_delete",          "scale_limit",        "scale_to_zero",        "read_only_mode",
        "propose_mode",         "unclassified_tool",  "malformed_call",       "production_namespace",
        "escalation",           "persistent_storage", "not_auto_approved",    "repository_not_allowed",
        "scale_unknown_current"}) {
    EXPECT_TRUE(codes.count(code)) << "no case expects " << code;
  }
}

}  // namespace
}  // namespace eks::safety
