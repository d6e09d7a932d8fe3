// get_config: the effective configuration, with every secret masked.
#include "tools/toolset.hpp"

namespace eks::tools {
namespace {

struct ConfigQuery {
  std::optional<std::string> section;
};
void from_json(const nlohmann::json& j, ConfigQuery& q) { server::argument(j, "section", q.section); }

struct ConfigView {
  nlohmann::json config;
  nlohmann::json sources;
};
void to_json(nlohmann::json& j, const ConfigView& v) { j = {{"config", v.config}, {"sources", v.sources}}; }

std::string render_text(const ConfigView& v) {
  std::string sources;
  for (const auto& s : v.sources) sources += (sources.empty() ? "" : ", ") + s.get<std::string>();
  return "Effective configuration (secrets masked as ***; sources, lowest precedence first: " + sources +
         "):\n```json\n" + v.config.dump(2) + "\n```\n";
}

server::Result<ConfigView> run(const Services& services, const ConfigQuery& query) {
  if (!query.section) return ConfigView{services.config_masked, services.config_sources};
  const auto it = services.config_masked.find(*query.section);
  if (it == services.config_masked.end()) {
    return server::tool_error("the configuration has no section \"" + *query.section +
                              "\"; call get_config without arguments to see every section");
  }
  return ConfigView{nlohmann::json{{*query.section, *it}}, services.config_sources};
}

}  // namespace

server::ToolDef get_config_tool(const Services& services) {
  return server::ToolDef{
      .name = "get_config",
      .title = "Server: configuration",
      .description =
          "Show the effective eks-sre-mcp configuration: safety mode, upstream MCP servers, model choices per "
          "agent, monitoring interval, limits. Secrets (API keys, tokens, webhook URLs) are always masked as ***. "
          "Pass `section` to see one part only.",
      .input_schema = "get_config.input",
      .output_schema = "get_config.output",
      .annotations = {.read_only = true, .destructive = false, .idempotent = true, .open_world = false},
      .safety = server::SafetyClass::read_only,
      .handler = server::typed<ConfigQuery, ConfigView>(
          [&services](const ConfigQuery& query, server::CallContext&) { return run(services, query); }),
  };
}

}  // namespace eks::tools
