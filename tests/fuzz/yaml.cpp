// YAML -> JSON: snapshots, the upstream's YAML list output, configuration and policy files (yaml-cpp, through
// safety/yaml_json) and manifests and kubeconfigs (libfyaml, strict, through safety/strict_yaml). Property: a
// document read is stable through JSON: dumped as JSON (which is YAML) and read again, it is the same value.
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "safety/strict_yaml.hpp"
#include "safety/yaml_json.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using nlohmann::json;
namespace yaml = eks::safety::yaml;

// JSON has no NaN or infinity (YAML's .nan, .inf): such a document has no JSON text to round-trip through.
bool finite(const json& v) {
  if (v.is_number_float()) return std::isfinite(v.get<double>());
  if (v.is_structured()) {
    for (const auto& item : v) {
      if (!finite(item)) return false;
    }
  }
  return true;
}

// YAML limits an implicit key (JSON's "key": in flow style) to 1024 characters as written, escapes included: a
// longer one has no JSON text that reads back as YAML.
bool short_keys(const json& v) {
  if (v.is_object()) {
    for (const auto& [key, item] : v.items()) {
      if (json(key).dump(-1, ' ', false, json::error_handler_t::replace).size() > 1000 || !short_keys(item))
        return false;
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (!short_keys(item)) return false;
    }
  }
  return true;
}

// The JSON text of a document, or "" when it has none: strings that are not UTF-8 (YAML's \x escapes) have none.
std::string json_text(const json& v) {
  if (!finite(v) || !short_keys(v)) return {};
  try {
    return v.dump();
  } catch (const json::exception&) {
    return {};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = eks::fuzz::as_text(data, size);
  (void)yaml::parse(text, "fuzz.yaml");

  if (const auto docs = yaml::parse_all(text)) {
    for (const auto& doc : *docs) {
      const std::string dumped = json_text(doc);
      if (dumped.empty()) continue;
      const auto again = yaml::parse_all(dumped);
      eks::fuzz::check(again.has_value(), "a document's JSON text reads as YAML", dumped);
      eks::fuzz::check(again->size() == 1 && (*again)[0] == doc, "YAML -> JSON -> YAML gives the same value", dumped);
    }
  }

  if (const auto docs = yaml::parse_strict_all(text)) {
    for (const auto& doc : *docs) {
      const std::string dumped = json_text(doc);
      if (dumped.empty()) continue;
      // The strict reader may refuse JSON numbers YAML 1.1 reads as strings (1e+5); what it reads must agree.
      const auto again = yaml::parse_strict_all(dumped);
      if (again) {
        eks::fuzz::check(again->size() == 1 && (*again)[0] == doc, "strict YAML -> JSON -> YAML is stable", dumped);
      }
    }
  }
  return 0;
}
