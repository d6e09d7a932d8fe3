#include "app/cli.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace eks::app::cli {
namespace {

// Short names kept from the first command line; every tool is also reachable by its own name.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kShortNames{{
    {"diagnose", "diagnose_cluster"},
    {"logs", "analyze_pod_logs"},
    {"rightsizing", "recommend_rightsizing"},
}};

// Command and flag names compare with `-` and `_` interchangeable.
std::string normalized(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string flag_of(std::string_view property) { return "--" + normalized(property); }

const Json& properties(const Json& tool) {
  static const Json none = Json::object();
  const auto schema = tool.find("inputSchema");
  if (schema == tool.end() || !schema->is_object()) return none;
  const auto props = schema->find("properties");
  return props != schema->end() && props->is_object() ? *props : none;
}

std::vector<std::string> required(const Json& tool) {
  std::vector<std::string> out;
  const auto schema = tool.find("inputSchema");
  if (schema == tool.end() || !schema->is_object() || !schema->contains("required")) return out;
  for (const auto& r : (*schema)["required"]) {
    if (r.is_string() && properties(tool).contains(r.get<std::string>())) out.push_back(r);
  }
  return out;
}

// The JSON type a property takes: its "type" (the first that is not "null"), else its enum values' type.
std::string type_of(const Json& schema) {
  if (!schema.is_object()) return "";
  if (const auto t = schema.find("type"); t != schema.end()) {
    if (t->is_string()) return *t;
    if (t->is_array()) {
      for (const auto& each : *t) {
        if (each.is_string() && each != "null") return each;
      }
    }
  }
  if (const auto e = schema.find("enum"); e != schema.end() && e->is_array() && !e->empty()) {
    const auto& first = e->front();
    if (first.is_string()) return "string";
    if (first.is_boolean()) return "boolean";
    if (first.is_number_integer()) return "integer";
    if (first.is_number()) return "number";
  }
  return "";
}

std::string enum_list(const Json& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// One value of `schema` from its command-line text; `label` names it in the message.
tl::expected<Json, std::string> convert(const Json& schema, const std::string& text, const std::string& label) {
  const auto type = type_of(schema);
  Json value;
  if (type == "integer") {
    long long n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return tl::unexpected(label + " needs an integer, not \"" + text + "\"");
    }
    value = n;
  } else if (type == "number") {
    char* end = nullptr;
    const double d = text.empty() ? 0 : std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) {
      return tl::unexpected(label + " needs a number, not \"" + text + "\"");
    }
    value = d;
  } else if (type == "boolean") {
    if (text == "true" || text == "yes" || text == "1") {
      value = true;
    } else if (text == "false" || text == "no" || text == "0") {
      value = false;
    } else {
      return tl::unexpected(label + " is true or false, not \"" + text + "\"");
    }
  } else if (type == "object" || type == "array" || (type.empty() && !schema.contains("enum"))) {
    value = Json::parse(text, nullptr, false);
    if (value.is_discarded() || (type == "object" && !value.is_object()) || (type == "array" && !value.is_array())) {
      if (!type.empty()) return tl::unexpected(label + " needs a JSON " + type + ", not \"" + text + "\"");
      value = text;  // untyped: JSON when it parses, else the string
    }
  } else {
    value = text;
  }
  if (const auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    if (std::find(e->begin(), e->end(), value) == e->end()) {
      return tl::unexpected(label + " must be one of: " + enum_list(*e) + " (not \"" + text + "\")");
    }
  }
  return value;
}

std::string upper(std::string_view property) {
  std::string out(property);
  for (auto& c : out) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// What a flag takes, for the help: its enum values, else its type.
std::string metavar(const Json& schema) {
  const auto type = type_of(schema);
  if (schema.contains("enum") && schema["enum"].is_array()) {
    std::string out;
    for (const auto& v : schema["enum"])
      out += (out.empty() ? "" : "|") + (v.is_string() ? v.get<std::string>() : v.dump());
    return out;
  }
  if (type == "array") return metavar(schema.value("items", Json::object()));
  if (type == "integer") return "N";
  if (type == "number") return "X";
  if (type == "object") return "JSON";
  if (type.empty()) return "VALUE";
  return upper(type);
}

// `text` wrapped at `width` columns, every line indented by `indent` spaces.
std::string wrap(std::string_view text, std::size_t indent, std::size_t width = 110) {
  std::string out;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto space = text.find_first_of(" \n", pos);
    const auto word = text.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    pos = space == std::string_view::npos ? text.size() : space + 1;
    if (word.empty()) continue;
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + std::string(word);
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

bool has_findings(const Json& structured) {
  const auto findings = structured.find("findings");
  if (findings == structured.end() || !findings->is_array()) return false;
  return std::any_of(findings->begin(), findings->end(), [](const Json& f) {
    if (!f.is_object() || !f.contains("severity") || !f["severity"].is_string()) return false;
    const auto& severity = f["severity"].get_ref<const std::string&>();
    return severity == "warning" || severity == "critical";
  });
}

// propose_remediation: plans to apply; apply_remediation: a change that did not (yet) fix its finding.
bool has_work_left(const Json& structured) {
  if (const auto plans = structured.find("plans"); plans != structured.end() && plans->is_array())
    return !plans->empty();
  const auto verification = structured.find("verification");
  return verification != structured.end() && verification->is_object() &&
         verification->value("status", "") == "not_fixed";
}

bool has_root_cause(const Json& structured) {
  const auto cause = structured.find("root_cause");
  if (cause == structured.end() || !cause->is_object()) return false;
  const auto category = cause->find("category");
  return category != cause->end() && category->is_string() && *category != "unknown";
}

}  // namespace

const Json* find_tool(const Json& tools, std::string_view command) {
  if (!tools.is_array()) return nullptr;
  std::string name = normalized(command);
  for (const auto& [short_name, tool] : kShortNames) {
    if (name == short_name) name = normalized(tool);
  }
  for (const auto& tool : tools) {
    if (tool.is_object() && tool.contains("name") && tool["name"].is_string() &&
        normalized(tool["name"].get<std::string>()) == name) {
      return &tool;
    }
  }
  return nullptr;
}

std::string command_name(std::string_view tool) {
  for (const auto& [short_name, name] : kShortNames) {
    if (name == tool) return std::string(short_name);
  }
  return normalized(tool);
}

tl::expected<Invocation, std::string> parse_invocation(const Json& tool, const std::vector<std::string>& args) {
  Invocation out;
  const auto& props = properties(tool);
  const std::string command = command_name(tool.value("name", ""));
  const auto property_of = [&](std::string_view flag_name) -> std::optional<std::string> {
    for (const auto& [key, _] : props.items()) {
      if (normalized(key) == normalized(flag_name)) return key;
    }
    return std::nullopt;
  };
  const auto unknown = [&](const std::string& flag) {
    std::string known;
    for (const auto& [key, _] : props.items()) known += (known.empty() ? "" : ", ") + flag_of(key);
    return "unknown option " + flag + " for `" + command + "` (" +
           (known.empty() ? std::string("it takes no flags") : "its flags: " + known) + "; see `eks-sre-mcp " +
           command + " --help`)";
  };

  Json raw = Json::object();    // --json
  Json flags = Json::object();  // --prop VALUE
  std::vector<std::string> positional;
  bool only_positional = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positional || arg == "-" || arg.empty() || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) return tl::unexpected(unknown(arg));
    std::string flag = arg;
    std::optional<std::string> inline_value;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag.resize(eq);
    }
    const auto take = [&]() -> tl::expected<std::string, std::string> {
      if (inline_value) return *inline_value;
      if (i + 1 < args.size()) return args[++i];
      return tl::unexpected("option " + flag + " needs a value");
    };
    if (flag == "--json") {
      auto text = take();
      if (!text) return tl::unexpected(text.error());
      auto parsed = Json::parse(*text, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        return tl::unexpected(
            std::string("--json needs the arguments as a JSON object, e.g. '{\"namespace\":\"default\"}'"));
      }
      raw.update(parsed);
      continue;
    }
    if (flag == "--format") {
      auto text = take();
      if (!text) return tl::unexpected(text.error());
      if (*text == "json") {
        out.format = Format::json;
      } else if (*text == "markdown" || *text == "text") {
        out.format = Format::text;
      } else if (*text == "csv") {
        out.format = Format::csv;
      } else {
        return tl::unexpected("--format must be one of: json, markdown, csv (not \"" + *text + "\")");
      }
      continue;
    }
    auto property = property_of(flag.substr(2));
    bool negated = false;
    if (!property && flag.rfind("--no-", 0) == 0) {
      property = property_of(flag.substr(5));
      negated = property && type_of(props[*property]) == "boolean";
      if (!negated) property.reset();
    }
    if (!property) return tl::unexpected(unknown(flag));
    const Json& schema = props[*property];
    const auto type = type_of(schema);
    if (type == "boolean") {
      if (negated && inline_value) return tl::unexpected("option " + flag + " takes no value");
      if (!inline_value) {
        flags[*property] = !negated;
        continue;
      }
    }
    auto text = take();
    if (!text) return tl::unexpected(text.error());
    if (type == "array" && !(text->size() > 0 && text->front() == '[')) {
      auto item = convert(schema.value("items", Json::object()), *text, flag);
      if (!item) return tl::unexpected(item.error());
      if (!flags.contains(*property) || !flags[*property].is_array()) flags[*property] = Json::array();
      flags[*property].push_back(std::move(*item));
      continue;
    }
    auto value = convert(schema, *text, flag);
    if (!value) return tl::unexpected(value.error());
    flags[*property] = std::move(*value);
  }

  out.arguments = std::move(raw);
  out.arguments.update(flags);
  if (out.help) return out;
  // Positional arguments fill the required properties no flag set, in the schema's order (logs NAMESPACE POD).
  std::vector<std::string> open;
  for (const auto& r : required(tool)) {
    if (!out.arguments.contains(r)) open.push_back(r);
  }
  if (positional.size() > open.size()) {
    std::string usage;
    for (const auto& r : open) usage += " " + upper(r);
    return tl::unexpected("unexpected argument \"" + positional[open.size()] + "\": `" + command + "` takes " +
                          (open.empty() ? std::string("no positional arguments") : "only" + usage) +
                          " (see `eks-sre-mcp " + command + " --help`)");
  }
  for (std::size_t i = 0; i < positional.size(); ++i) {
    auto value = convert(props[open[i]], positional[i], upper(open[i]));
    if (!value) return tl::unexpected(value.error());
    out.arguments[open[i]] = std::move(*value);
  }
  if (positional.size() < open.size()) {
    std::string missing;
    for (std::size_t i = positional.size(); i < open.size(); ++i) {
      missing += (missing.empty() ? "" : " ") + upper(open[i]);
    }
    std::string usage;
    for (const auto& r : required(tool)) usage += " " + upper(r);
    return tl::unexpected("`" + command + "` needs" + usage + " (missing " + missing + "; or set them with " +
                          flag_of(open[positional.size()]) + " ...)");
  }
  return out;
}

std::string tool_help(const Json& tool) {
  const std::string name = tool.value("name", "");
  const std::string command = command_name(name);
  const auto& props = properties(tool);
  const auto needed = required(tool);
  std::string out = "eks-sre-mcp " + command + " — " + tool.value("title", name) + " (the " + name + " tool)\n\n";
  out += "Usage: eks-sre-mcp " + command;
  for (const auto& r : needed) out += " " + upper(r);
  out += " [FLAGS] [--json ARGS] [--format json|markdown|csv] [COMMON]\n\n";
  out += wrap(tool.value("description", ""), 2) + "\n";
  if (!props.empty()) out += "Flags (from the tool's input schema):\n";
  for (const auto& [key, schema] : props.items()) {
    const auto type = type_of(schema);
    std::string synopsis = flag_of(key);
    if (type == "boolean") {
      synopsis += ", --no-" + normalized(key);
    } else {
      synopsis += " " + metavar(schema);
    }
    std::string about = schema.value("description", "");
    if (std::find(needed.begin(), needed.end(), key) != needed.end())
      about += " Required (or positional " + upper(key) + ").";
    if (type == "array") about += " Repeatable.";
    if (schema.contains("minimum") || schema.contains("maximum")) {
      about += " From " + (schema.contains("minimum") ? schema["minimum"].dump() : std::string("-")) + " to " +
               (schema.contains("maximum") ? schema["maximum"].dump() : std::string("-")) + ".";
    }
    if (schema.contains("default")) {
      about += " Default: " +
               (schema["default"].is_string() ? schema["default"].get<std::string>() : schema["default"].dump()) + ".";
    }
    out += "  " + synopsis + "\n" + wrap(about, 6);
  }
  out += "  --json ARGS\n" + wrap("The tool's arguments as a JSON object; flags given too are added to it.", 6);
  out += "  --format json|markdown|csv\n" +
         wrap(
             "Print the structured result as JSON, the report the tool writes for people (the default), or as CSV "
             "the rows of the result's first list (recommendations, findings), one column per field.",
             6);
  out += "\n" + exit_status_help();
  return out;
}

std::string tools_overview(const Json& tools) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t widest = 0;
  for (const auto& tool : tools) {
    if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) continue;
    const std::string name = tool["name"];
    std::string left = command_name(name);
    if (left != normalized(name)) left += ", " + normalized(name);
    for (const auto& r : required(tool)) left += " " + upper(r);
    widest = std::max(widest, left.size());
    rows.emplace_back(std::move(left), tool.value("title", name));
  }
  std::string out;
  for (const auto& [left, title] : rows) out += "  " + left + std::string(widest + 3 - left.size(), ' ') + title + "\n";
  return out;
}

std::string exit_status_help() {
  return "Exit status of a tool command: 0 nothing found; 1 found something (diagnose: a finding at warning or above;\n"
         "logs: a root cause; propose_remediation: plans; apply_remediation: the finding is still there); 2 error\n"
         "(usage, configuration, the tool failed, a stale plan); 3 refused by the safety policy or waiting for a\n"
         "human's approval.\n";
}

std::string result_text(const Json& result) {
  std::string out;
  const auto content = result.find("content");
  if (content == result.end() || !content->is_array()) return out;
  for (const auto& item : *content) {
    if (!item.is_object() || item.value("type", "") != "text" || !item.contains("text") || !item["text"].is_string())
      continue;
    if (!out.empty()) out += "\n";
    out += item["text"].get<std::string>();
  }
  return out;
}

int exit_status(const Json& result) {
  if (result.value("isError", false)) {
    const auto text = result_text(result);
    if (text.rfind("Refused by the safety policy", 0) == 0 || text.rfind("Needs human approval", 0) == 0)
      return kRefused;
    return kError;
  }
  const auto structured = result.find("structuredContent");
  if (structured == result.end() || !structured->is_object()) return kNothingFound;
  // apply_remediation: a plan the policy refused or one waiting for a human did not run; a stale one must be
  // proposed again.
  const std::string status = structured->value("status", "");
  if (status == "refused" || status == "declined" || status == "awaiting_approval") return kRefused;
  if (status == "stale_plan") return kError;
  return has_findings(*structured) || has_root_cause(*structured) || has_work_left(*structured) ? kFound
                                                                                                : kNothingFound;
}

namespace {

void leaves(const Json& value, const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) leaves(item, path.empty() ? key : path + "." + key, out);
  } else {
    out.emplace_back(path, value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump());
  }
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv(const Json& structured) {
  const Json* rows = nullptr;
  for (const auto& [_, value] : structured.items()) {
    if (value.is_array() && !value.empty() && value.front().is_object()) {
      rows = &value;
      break;
    }
  }
  if (!rows) return "";
  std::vector<std::string> columns;
  std::vector<std::vector<std::pair<std::string, std::string>>> cells;
  for (const auto& row : *rows) {
    cells.emplace_back();
    leaves(row, "", cells.back());
    for (const auto& [column, _] : cells.back()) {
      if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_field(columns[i]);
  for (const auto& row : cells) {
    out += "\n";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto it = std::find_if(row.begin(), row.end(), [&](const auto& c) { return c.first == columns[i]; });
      out += (i ? "," : "") + (it == row.end() ? std::string() : csv_field(it->second));
    }
  }
  return out;
}

}  // namespace

std::string render(const Json& result, Format format) {
  if (format == Format::csv) return csv(result.value("structuredContent", Json::object()));
  if (format == Format::json) {
    const auto structured = result.find("structuredContent");
    if (structured != result.end()) return structured->dump(2);
    return result.value("content", Json::array()).dump(2);
  }
  return result_text(result);
}

}  // namespace eks::app::cli
