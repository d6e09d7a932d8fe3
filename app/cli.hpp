#pragma once
// Tool commands: every tool the server registers is a command of the executable, its input properties flags.
// Everything here works on tools/list entries ({name, title, description, inputSchema}), so a tool added to the
// server is a command with no change to the command line.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::app::cli {

using Json = nlohmann::json;

// Exit statuses of a tool command.
inline constexpr int kNothingFound = 0;
inline constexpr int kFound = 1;
inline constexpr int kError = 2;
inline constexpr int kRefused = 3;

// The tools/list entry a command names, or nullptr: a tool's name with `-` or `_` between words, or a short
// name ("diagnose" for diagnose_cluster, "logs" for analyze_pod_logs).
const Json* find_tool(const Json& tools, std::string_view command);

// What the help shows for a tool: its short name when it has one, else its name with `-` between words.
std::string command_name(std::string_view tool);

// How the result is printed: the tool's text (markdown), its structuredContent (json), or the rows of the first
// list of objects in its structuredContent with one column per leaf, dotted (csv: recommendations, findings).
enum class Format { text, json, csv };

struct Invocation {
  Json arguments = Json::object();
  Format format = Format::text;
  bool help = false;  // --help: print the tool's usage instead of calling it
};

// Reads a tool command's arguments (global flags already taken out) against the tool's input schema:
// `--prop VALUE` or `--prop=VALUE` per property (`-` or `_` between words), booleans as `--prop`/`--no-prop`,
// integers and numbers parsed, arrays repeatable, enums checked; positional arguments fill the required
// properties in order; `--json OBJECT` gives raw arguments the flags then add to; `--format json|markdown`.
// Fails with a usage message naming the flag (and the allowed values of an enum).
tl::expected<Invocation, std::string> parse_invocation(const Json& tool, const std::vector<std::string>& args);

// A tool's usage: synopsis, description, one line per flag from its input schema, the exit statuses.
std::string tool_help(const Json& tool);

// The help's list of tool commands: one line per tool with its title.
std::string tools_overview(const Json& tools);

// The exit-status convention, as the help states it.
std::string exit_status_help();

// A CallToolResult's exit status: 3 for a result refused by the safety policy or waiting for a human's
// approval, 2 for any other error, 1 when its structuredContent reports something (a finding at warning or
// above, a root cause), else 0.
int exit_status(const Json& result);

// What a command prints for a successful result: its text content, or its structuredContent as JSON.
std::string render(const Json& result, Format format);

// The text of a result's content (its text items, one per line).
std::string result_text(const Json& result);

}  // namespace eks::app::cli
