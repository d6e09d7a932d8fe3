#include "safety/yaml_json.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
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

// Where each document of a stream starts, as yaml-cpp's parser sees it, without building any node.
class DocumentStarts final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  std::vector<YAML::Mark> starts;
};

// The line (1-based) where yaml-cpp's parser stops making progress, 0 when it reads the stream to its end.
// yaml-cpp 0.7 leaves a token no node can start with (',' ']' '}' at a document's start, after an anchor or a
// tag, after a NUL it skips) unconsumed and returns an empty document for it again and again: LoadAll then loops
// without end, its memory growing. This pass sees the same documents, so a second one starting where the first
// did is that loop, caught before LoadAll runs.
int stuck_line(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    const auto& s = starts.starts;
    if (s.size() >= 2 && s[s.size() - 1].pos == s[s.size() - 2].pos) return s.back().line + 1;
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
    const std::string owned(text);
    if (const int line = stuck_line(owned)) {
      return tl::unexpected("line " + std::to_string(line) + ": a node cannot start here (with ',', ']' or '}')");
    }
    for (const auto& doc : YAML::LoadAll(owned)) {
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
