#include "agents/definitions.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "safety/yaml_json.hpp"

namespace eks::agents {

extern const std::pair<std::string_view, std::string_view> kShippedDefinitions[];
extern const std::size_t kShippedDefinitionCount;

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kKeys = {"name", "description", "model", "tools", "max_turns", "max_output_tokens"};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "\"" : ", \"") + i + "\"";
  return out;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

}  // namespace

tl::expected<AgentDefinition, std::string> parse_definition(std::string_view text, const std::string& source) {
  // Front matter: the file starts with a line "---" and the YAML runs to the next line "---".
  const std::string all(text);
  if (all.rfind("---\n", 0) != 0 && all.rfind("---\r\n", 0) != 0) {
    return tl::unexpected(source + ":1: an agent definition starts with YAML front matter between two \"---\" lines");
  }
  const auto first_break = all.find('\n');
  std::size_t end = std::string::npos;
  for (std::size_t at = first_break; at != std::string::npos; at = all.find('\n', at + 1)) {
    const auto next = all.find('\n', at + 1);
    std::string line = all.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "---") {
      end = at + 1;
      break;
    }
  }
  if (end == std::string::npos) return tl::unexpected(source + ":1: the front matter has no closing \"---\" line");
  const std::string front = all.substr(first_break + 1, end - first_break - 1);
  const auto body_start = all.find('\n', end);
  const std::string body = body_start == std::string::npos ? "" : trim(all.substr(body_start + 1));

  auto parsed = safety::yaml::parse(front, source);
  if (!parsed) return tl::unexpected(parsed.error());
  // Lines in the front matter are one below lines in the file (the opening "---").
  auto at = [&](const std::string& key) {
    return source + ":" +
           std::to_string(safety::yaml::line_of(parsed->lines, "/" + safety::yaml::escape_token(key)) + 1);
  };
  auto bad = [&](const std::string& key, const std::string& why) {
    return tl::unexpected(at(key) + ": key \"" + key + "\": " + why);
  };
  const json& f = parsed->value;
  if (!f.is_object()) return tl::unexpected(source + ":2: the front matter must be a mapping of keys");
  for (const auto& [key, _] : f.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return bad(key, "unknown key (allowed: " + join(kKeys) + ")");
    }
  }
  AgentDefinition d;
  d.source = source;
  d.system_prompt = body;
  for (const char* key : {"name", "description", "model"}) {
    if (!f.contains(key)) return tl::unexpected(source + ":2: key \"" + key + "\" is missing");
    if (!f[key].is_string() || f[key].get<std::string>().empty()) return bad(key, "expected a non-empty string");
  }
  d.name = f["name"];
  d.description = f["description"];
  d.model = f["model"];
  static const std::regex kName("^[a-z0-9][a-z0-9-]{0,63}$");
  if (!std::regex_match(d.name, kName))
    return bad("name", "\"" + d.name + "\" is not lower-case letters, digits and dashes");
  if (!std::regex_match(d.model, std::regex("^[A-Za-z0-9._@:-]{1,128}$"))) {
    return bad("model", "\"" + d.model + "\" is neither an alias (haiku, sonnet, opus) nor a model id");
  }
  // tools: a YAML list, or Claude Code's comma-separated string.
  std::vector<std::string> tools;
  if (f.contains("tools")) {
    const json& t = f["tools"];
    if (t.is_string()) {
      std::stringstream in(t.get<std::string>());
      for (std::string item; std::getline(in, item, ',');) {
        if (!trim(item).empty()) tools.push_back(trim(item));
      }
    } else if (t.is_array()) {
      for (const auto& item : t) {
        if (!item.is_string()) return bad("tools", "expected a list of \"role:tool\" strings");
        tools.push_back(trim(item.get<std::string>()));
      }
    } else {
      return bad("tools", "expected a list of \"role:tool\" strings");
    }
  }
  static const std::regex kTool("^([a-z][a-z0-9_-]*):([A-Za-z0-9_-]{1,64})$");
  for (const auto& tool : tools) {
    std::smatch m;
    if (!std::regex_match(tool, m, kTool)) {
      return bad("tools", "\"" + tool + "\" is not \"role:tool\" (e.g. kubernetes:pods_log)");
    }
    d.tools.push_back(ToolRef{m[1], m[2]});
  }
  auto positive = [&](const char* key, int& out, int max) -> std::optional<std::string> {
    if (!f.contains(key)) return std::nullopt;
    if (!f[key].is_number_integer() || f[key].get<long long>() < 1 || f[key].get<long long>() > max) {
      return at(key) + ": key \"" + key + "\": expected a whole number from 1 to " + std::to_string(max);
    }
    out = f[key].get<int>();
    return std::nullopt;
  };
  if (auto e = positive("max_turns", d.max_turns, 100)) return tl::unexpected(*e);
  if (auto e = positive("max_output_tokens", d.max_output_tokens, 64000)) return tl::unexpected(*e);
  if (d.system_prompt.empty()) return tl::unexpected(source + ": the body (the system prompt) is empty");
  return d;
}

tl::expected<std::map<std::string, AgentDefinition>, std::string> load_definitions(const std::string& directory) {
  std::map<std::string, AgentDefinition> out;
  for (std::size_t i = 0; i < kShippedDefinitionCount; ++i) {
    const auto& [file, text] = kShippedDefinitions[i];
    auto d = parse_definition(text, "built-in:" + std::string(file));
    if (!d) return tl::unexpected(d.error());
    out[d->name] = std::move(*d);
  }
  if (directory.empty()) return out;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    return tl::unexpected("agents.definitions_dir " + directory + " is not a directory");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (entry.path().extension() == ".md" && entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto d = parse_definition(text.str(), path.string());
    if (!d) return tl::unexpected(d.error());
    out[d->name] = std::move(*d);
  }
  return out;
}

}  // namespace eks::agents
