#pragma once
// YAML documents as JSON, remembering the line of every value so a schema error can name file, key and line.
// Shared by the configuration loader (app/) and the policy loader.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::safety::yaml {

// JSON Pointer -> 1-based line of the key (for mapping values) or of the value.
using LineMap = std::map<std::string, int>;

struct Parsed {
  nlohmann::json value;
  LineMap lines;
};

// Parses one YAML document; plain scalars take their YAML 1.2 core-schema type, quoted ones stay strings.
// The error names the file and line. Never throws.
tl::expected<Parsed, std::string> parse(std::string_view text, const std::string& file);

// Parses every document of a multi-document stream (Kubernetes manifests separated by ---, snapshot files,
// the upstream's YAML list output); a stream may not expand to more values than it has bytes (alias bombs).
// Null documents are skipped. Never throws.
tl::expected<std::vector<nlohmann::json>, std::string> parse_all(std::string_view text);

// A plain (unquoted) scalar's value under the YAML 1.2 core schema: null, true/false, an integer, a float, or
// the text itself.
nlohmann::json plain_scalar(const std::string& text);

// "/rate_limits/cluster" -> "rate_limits.cluster"; "" -> "(top level)".
std::string dotted(const std::string& pointer);

// JSON Pointer escaping of one reference token.
std::string escape_token(const std::string& key);

// The line of the pointer, or of its closest ancestor that has one (1 when none does).
int line_of(const LineMap& lines, std::string pointer);

}  // namespace eks::safety::yaml
