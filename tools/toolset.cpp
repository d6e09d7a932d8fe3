#include "tools/toolset.hpp"

namespace eks::tools {

std::vector<server::ToolDef> toolset(Services& services) {
  // One line per tool, in the order tools/list shows them.
  // clang-format off
  std::vector<server::ToolDef> tools{
      diagnose_cluster_tool(services),
      analyze_pod_logs_tool(services),
      propose_remediation_tool(services),
      apply_remediation_tool(services),
      create_config_pr_tool(services),
      open_incident_tool(services),
      update_incident_tool(services),
      list_incidents_tool(services),
      recommend_rightsizing_tool(services),
      server_status_tool(services),
      get_config_tool(services),
      get_policy_tool(services),
  };
  // clang-format on
  services.tool_count = tools.size();
  return tools;
}

tl::expected<void, std::string> register_all(server::Dispatcher& dispatcher, Services& services) {
  for (auto& tool : toolset(services)) {
    if (auto added = dispatcher.add_tool(std::move(tool)); !added) return added;
  }
  register_resources(dispatcher, services);
  register_prompts(dispatcher);
  return {};
}

}  // namespace eks::tools
