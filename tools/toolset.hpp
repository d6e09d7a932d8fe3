#pragma once
// The catalogue a host sees: every tool, resource and prompt, listed explicitly (no self-registration).
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "server/dispatcher.hpp"
#include "tools/services.hpp"

namespace eks::tools {

// The tools, in the order tools/list shows them.
std::vector<server::ToolDef> toolset(Services& services);

// Registers tools, resources and prompts; fails naming the first tool whose definition is broken.
tl::expected<void, std::string> register_all(server::Dispatcher& dispatcher, Services& services);

// One tool per file (tools/<name>.cpp), each with the same builder. Whatever a tool needs it reads from
// `services` when called, so `services` must outlive the tool (app/ owns it for the life of the dispatcher;
// a test keeps its own alive while it calls the handler).
server::ToolDef diagnose_cluster_tool(const Services& services);     // cluster, agents, agent_top_findings
server::ToolDef analyze_pod_logs_tool(const Services& services);     // cluster, agents
server::ToolDef propose_remediation_tool(const Services& services);  // cluster, validator, plans
server::ToolDef apply_remediation_tool(const Services& services);    // cluster, plans, plan_approver, kubernetes
server::ToolDef create_config_pr_tool(const Services& services);     // plans, incidents (GitHub), policy
server::ToolDef open_incident_tool(const Services& services);        // incidents, cluster, plans
server::ToolDef update_incident_tool(const Services& services);      // incidents
server::ToolDef list_incidents_tool(const Services& services);       // incidents
server::ToolDef server_status_tool(const Services& services);
server::ToolDef get_config_tool(const Services& services);
// cluster, cost (Prometheus, prices, strategy)
server::ToolDef recommend_rightsizing_tool(const Services& services);
server::ToolDef get_policy_tool(const Services& services);  // policy

// tools/resources.cpp and tools/prompts.cpp.
void register_resources(server::Dispatcher& dispatcher, const Services& services);
void register_prompts(server::Dispatcher& dispatcher);

}  // namespace eks::tools
