// Resources a host can attach to a conversation: the effective configuration and the JSON Schemas of every
// tool's input and output (so a model can read the exact contract of a tool or of a finding).
#include "schemas/schemas.hpp"
#include "tools/toolset.hpp"

namespace eks::tools {

void register_resources(server::Dispatcher& dispatcher, const Services& services) {
  dispatcher.add_resource(server::ResourceDef{
      .uri = "eks-sre-mcp://config",
      .name = "config",
      .title = "Effective configuration",
      .description = "The server's effective configuration as JSON, secrets masked.",
      .mime_type = "application/json",
      .read = [&services]() -> server::Result<std::string> { return services.config_masked.dump(2); },
  });
  if (services.audit) {
    dispatcher.add_resource(server::ResourceDef{
        .uri = "audit://recent",
        .name = "audit-recent",
        .title = "Recent safety decisions",
        .description = "The last 100 entries of the audit log: every safety decision and executed action, as JSON "
                       "lines (time, actor, tool, classified action, decision, rule, result).",
        .mime_type = "application/jsonl",
        .read = [audit = services.audit]() -> server::Result<std::string> { return audit->recent_text(100); },
    });
  }
  dispatcher.add_resource_template(server::ResourceTemplateDef{
      .uri_template = "eks-sre-mcp://schemas/{name}",
      .name = "schema",
      .title = "JSON Schema",
      .description = "A JSON Schema shipped with the server, e.g. server_status.output or config.schema.",
      .mime_type = "application/schema+json",
      .read = [](std::string_view name) -> server::Result<std::string> {
        const auto text = schemas::text(name);
        if (text.empty()) return server::tool_error("no schema named \"" + std::string(name) + "\"");
        return std::string(text);
      },
      .complete =
          [](std::string_view) {
            std::vector<std::string> names;
            for (auto n : schemas::names()) names.emplace_back(n);
            return names;
          },
  });
}

}  // namespace eks::tools
