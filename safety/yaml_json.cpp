#include "safety/yaml_json.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>

#include <yaml-cpp/yaml.h>

namespace eks::safety::yaml {
namespace {

using nlohmann::json;

json scalar(const YAML::Node& node) {
  if (node.Tag() == "!") return node.Scalar();
  return plain_scalar(node.Scalar());
}

}  // namespace

json plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  long long integer = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
  if (ec == std::errc() && ptr == text.data() + text.size()) return integer;
  char* end = nullptr;
  errno = 0;
  const double number = std::strtod(text.c_str(), &end);
  if (errno == 0 && end == text.c_str() + text.size() && text.find_first_of("0123456789") != std::string::npos &&
      text.find_first_not_of("0123456789+-.eE") == std::string::npos) {
    return number;
  }
  return text;
}

namespace {

// Aliases share nodes, so a small hostile document can expand exponentially ("billion laughs"): a budget of
// nodes bounds the work.
constexpr std::size_t kMaxNodes = 200000;

tl::expected<json, std::string> convert(const YAML::Node& node, const std::string& pointer, LineMap* lines,
                                        const std::string& file, int depth, std::size_t& budget) {
  if (depth > 64) return tl::unexpected(file + ":" + std::to_string(node.Mark().line + 1) + ": nested too deeply");
  if (budget == 0) return tl::unexpected(file + ": the document expands to too many values");
  --budget;
  if (lines) (*lines)[pointer] = node.Mark().line + 1;
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return json(nullptr);
    case YAML::NodeType::Scalar: return scalar(node);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      std::size_t i = 0;
      for (const auto& item : node) {
        auto value = convert(item, pointer + "/" + std::to_string(i++), lines, file, depth + 1, budget);
        if (!value) return value;
        out.push_back(std::move(*value));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) {
        const int line = entry.first.Mark().line + 1;
        if (!entry.first.IsScalar())
          return tl::unexpected(file + ":" + std::to_string(line) + ": keys must be plain strings");
        const std::string key = entry.first.Scalar();
        if (out.contains(key)) {
          return tl::unexpected(file + ":" + std::to_string(line) + ": key \"" + key + "\" appears twice");
        }
        const std::string child = pointer + "/" + escape_token(key);
        auto value = convert(entry.second, child, lines, file, depth + 1, budget);
        if (!value) return value;
        if (lines) (*lines)[child] = line;
        out[key] = std::move(*value);
      }
      return out;
    }
  }
  return json(nullptr);
}

}  // namespace

std::string escape_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string dotted(const std::string& pointer) {
  std::string out = pointer.empty() ? std::string("(top level)") : pointer.substr(1);
  std::replace(out.begin(), out.end(), '/', '.');
  return out;
}

int line_of(const LineMap& lines, std::string pointer) {
  while (true) {
    if (const auto it = lines.find(pointer); it != lines.end()) return it->second;
    if (pointer.empty()) return 1;
    pointer = pointer.substr(0, pointer.rfind('/'));
  }
}

namespace {

// The line (1-based) of a document whose first token is a flow indicator (',', ']' or '}'), 0 when none is.
// yaml-cpp 0.7's LoadAll never consumes such a token: it returns an empty document for it again and again,
// without end and without bound on memory (a lone "," was enough). No YAML node starts with one, so refusing the
// stream before yaml-cpp sees it changes no valid document's meaning.
int flow_indicator_opening_a_document(std::string_view text) {
  bool at_start = true;
  int line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    const bool marker = line.starts_with("---") && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
    if (marker) {
      at_start = true;
      line.remove_prefix(3);
    } else if (line.starts_with("...") && (line.size() == 3 || line[3] == ' ' || line[3] == '\t')) {
      at_start = true;
      continue;
    }
    if (!at_start) continue;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#' || (!marker && first == 0 && line[0] == '%')) continue;
    if (line[first] == ',' || line[first] == ']' || line[first] == '}') return line_number;
    at_start = false;
  }
  return 0;
}

}  // namespace

tl::expected<Parsed, std::string> parse(std::string_view text, const std::string& file) {
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    Parsed parsed;
    std::size_t budget = kMaxNodes;
    auto value = convert(root, "", &parsed.lines, file, 0, budget);
    if (!value) return tl::unexpected(value.error());
    parsed.value = std::move(*value);
    return parsed;
  } catch (const YAML::Exception& e) {
    return tl::unexpected(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    return tl::unexpected(file + ": invalid YAML: " + e.what());
  }
}

tl::expected<std::vector<json>, std::string> parse_all(std::string_view text) {
  try {
    std::vector<json> out;
    // A large cluster's object list has millions of values; a hostile alias bomb expands far past its size in
    // bytes. So the budget grows with the input, never below the fixed one.
    std::size_t budget = std::max(kMaxNodes, text.size());
    if (const int line = flow_indicator_opening_a_document(text)) {
      return tl::unexpected("line " + std::to_string(line) + ": a document cannot start with ',', ']' or '}'");
    }
    for (const auto& doc : YAML::LoadAll(std::string(text))) {
      auto value = convert(doc, "", nullptr, "manifest", 0, budget);
      if (!value) return tl::unexpected(value.error());
      if (!value->is_null()) out.push_back(std::move(*value));
    }
    return out;
  } catch (const YAML::Exception& e) {
    return tl::unexpected("line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return tl::unexpected(std::string(e.what()));
  }
}

}  // namespace eks::safety::yaml
