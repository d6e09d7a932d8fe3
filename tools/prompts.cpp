// Prompts a host offers its user as ready-made requests.
#include "tools/toolset.hpp"

namespace eks::tools {

void register_prompts(server::Dispatcher& dispatcher) {
  dispatcher.add_prompt(server::PromptDef{
      .name = "triage",
      .title = "Triage an incident",
      .description = "Start an incident investigation: check the server and its upstreams, then look for the "
                     "root cause in the given namespace, read-only, and report evidence before proposing fixes.",
      .arguments = {{"namespace", "Kubernetes namespace to focus on (all namespaces when empty)", false},
                    {"symptom", "What the on-call engineer sees, e.g. \"checkout returns 502\"", false}},
      .get = [](const std::map<std::string, std::string>& args) -> server::Result<nlohmann::json> {
        const auto ns = args.count("namespace") && !args.at("namespace").empty() ? "namespace " + args.at("namespace")
                                                                                 : std::string("all namespaces");
        const auto symptom = args.count("symptom") ? args.at("symptom") : std::string("an unspecified failure");
        const std::string text =
            "An on-call engineer reports: " + symptom + ". Investigate " + ns +
            " with the eks-sre-mcp tools. First call server_status to confirm the server and its upstream MCP "
            "servers are connected. Then find the root cause, read-only: cite the evidence (status fields, events, "
            "log lines) for each claim, say how confident you are, and only then propose remediations, noting which "
            "need human approval. Change nothing without explicit approval.";
        return nlohmann::json{
            {"description", "Triage " + ns},
            {"messages", nlohmann::json::array({{{"role", "user"}, {"content", {{"type", "text"}, {"text", text}}}}})}};
      },
      .complete = [](std::string_view) { return std::vector<std::string>{}; },
  });
}

}  // namespace eks::tools
