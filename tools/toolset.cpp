#include "tools/toolset.hpp"

namespace eks::tools {

std::vector<server::ToolDef> toolset(Services& services) {
  std::vector<server::ToolDef> tools;
  const auto agents = [&services] { return std::shared_ptr<const agents::Runtime>(services.agents); };
  tools.push_back(diagnose_cluster_tool([&services] { return services.cluster; }, agents, services.agent_top_findings));
  tools.push_back(analyze_pod_logs_tool([&services] { return services.cluster; }, agents));
  tools.push_back(server_status_tool(services));
  tools.push_back(get_config_tool(services));
  tools.push_back(get_policy_tool(services.policy));
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
