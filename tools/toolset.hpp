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

// One tool per file; each file defines its definition builder.
server::ToolDef server_status_tool(const Services& services);
server::ToolDef get_config_tool(const Services& services);
server::ToolDef get_policy_tool(safety::Policy policy);
// The diagnosis tools; `agents` (may return null) runs their deep investigations. Without it: quick only.
server::ToolDef diagnose_cluster_tool(std::function<std::shared_ptr<cluster::ClusterSource>()> source);
server::ToolDef diagnose_cluster_tool(std::function<std::shared_ptr<cluster::ClusterSource>()> source,
                                      std::function<std::shared_ptr<const agents::Runtime>()> agents,
                                      std::size_t top_findings);
server::ToolDef analyze_pod_logs_tool(std::function<std::shared_ptr<cluster::ClusterSource>()> source);
server::ToolDef analyze_pod_logs_tool(std::function<std::shared_ptr<cluster::ClusterSource>()> source,
                                      std::function<std::shared_ptr<const agents::Runtime>()> agents);

// tools/resources.cpp and tools/prompts.cpp.
void register_resources(server::Dispatcher& dispatcher, const Services& services);
void register_prompts(server::Dispatcher& dispatcher);

}  // namespace eks::tools
