#pragma once
// What the tools can reach, wired by app/: the server's identity, the effective configuration (already masked)
// and the state of upstream connections.
#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "agents/runtime.hpp"
#include "safety/audit_log.hpp"
#include "safety/policy.hpp"
#include "safety/validator.hpp"
#include "tools/cluster/source.hpp"
#include "tools/incidents/desk.hpp"
#include "tools/notify/notifier.hpp"
#include "tools/remediation/plan_approver.hpp"
#include "tools/remediation/plan_store.hpp"

// recommend_rightsizing's settings
#include "tools/cost/settings.hpp"

namespace eks::tools {

struct Services {
  std::string name = "eks-sre-mcp";
  std::string version;
  std::string mode = "read_only";
  std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  nlohmann::json config_masked = nlohmann::json::object();  // effective configuration, secrets masked
  nlohmann::json config_sources = nlohmann::json::array();
  // Upstream servers and their states: [{name, transport, state, detail?}].
  std::function<nlohmann::json()> upstreams = [] { return nlohmann::json::array(); };
  std::size_t tool_count = 0;                        // filled in by the toolset once every tool is listed
  safety::Policy policy = safety::default_policy();  // the effective safety policy
  std::shared_ptr<safety::AuditLog> audit;           // null when auditing is off (tests)
  // The validator every boundary uses; propose_remediation asks it for the verdict on each planned call. Null:
  // every planned action needs approval.
  std::shared_ptr<safety::Validator> validator;
  // Where plans wait for apply_remediation (plans.sqlite in the state directory). Null: plans are not kept.
  std::shared_ptr<remediation::PlanStore> plans;
  // Approves a plan's own calls at the upstream boundary while apply_remediation runs it under a human's approval.
  std::shared_ptr<remediation::PlanApprover> plan_approver;
  // The incident desk (GitHub issues in github.incident_repository through the github upstream), made on first
  // use because it asks the upstream for its tools; or why there is none, in words that say what to configure.
  std::function<tl::expected<std::shared_ptr<incidents::Desk>, std::string>()> incidents = [] {
    return tl::expected<std::shared_ptr<incidents::Desk>, std::string>(tl::unexpected(std::string(
        "no GitHub incident repository is configured: set github.incident_repository (owner/repo) and a github "
        "upstream under mcpServers")));
  };
  // Teams and Slack webhooks: what apply_remediation ran, waits for, or could not fix. Null: no notifications.
  std::shared_ptr<notify::Notifier> notifier;
  // Sends one call to the Kubernetes upstream through the gateway, where the validator decides again, as `actor`:
  // the CallToolResult, or the refusal or failure in words. Null without a live cluster (a snapshot).
  std::function<tl::expected<nlohmann::json, std::string>(const std::string& tool, const nlohmann::json& arguments,
                                                          const std::string& actor)>
      kubernetes;
  // Where the diagnosis tools read the cluster: the upstream Kubernetes MCP server, or a snapshot directory.
  // Null: no cluster configured (the tools say how to configure one).
  std::shared_ptr<cluster::ClusterSource> cluster;
  // Claude subagents for deep investigations (provider anthropic or none). Null: quick answers only (tests).
  std::shared_ptr<agents::Runtime> agents;
  std::size_t agent_top_findings = 3;  // diagnose_cluster: findings a deep investigation covers
  // recommend_rightsizing: where usage history and prices come from, and the strategy's parameters.
  cost::Settings cost;
};

}  // namespace eks::tools
