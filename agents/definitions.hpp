#pragma once
// Agent definitions: Markdown files with YAML front matter, the shape Claude Code uses for subagents.
//
//   ---
//   name: k8s-diagnostics
//   description: When to use this agent.
//   model: haiku                      # an alias (haiku | sonnet | opus) or a full model id
//   tools: [kubernetes:pods_log, kubernetes:events_list]   # or "a, b"; upstream role:tool
//   max_turns: 8
//   max_output_tokens: 2048
//   ---
//   The system prompt.
//
// The five shipped definitions (agents/definitions/*.md) are embedded at build time; a directory named in the
// configuration adds definitions or overrides shipped ones by name.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace eks::agents {

// One upstream tool an agent may call: "kubernetes:pods_log" is {kubernetes, pods_log}.
struct ToolRef {
  std::string role;
  std::string tool;
  bool operator==(const ToolRef&) const = default;
};

struct AgentDefinition {
  std::string name;
  std::string description;
  std::string model;  // as written: an alias or a model id
  std::vector<ToolRef> tools;
  int max_turns = 8;
  int max_output_tokens = 4096;
  std::string system_prompt;  // the Markdown body
  std::string source;         // the file it came from ("built-in:<file>" for shipped ones)
};

// Parses one definition; the error names the source, the line and the key ("x.md:4: key \"max_turns\": ...").
tl::expected<AgentDefinition, std::string> parse_definition(std::string_view text, const std::string& source);

// The shipped definitions, then every *.md in `directory` (when not empty) over them, by name. The error names
// the first bad file.
tl::expected<std::map<std::string, AgentDefinition>, std::string> load_definitions(const std::string& directory);

}  // namespace eks::agents
