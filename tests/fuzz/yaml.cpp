// YAML -> JSON: snapshots, the upstream's YAML list output, configuration and policy files (yaml-cpp, through
// safety/yaml_json) and manifests and kubeconfigs (libfyaml, strict, through safety/strict_yaml). Property: a
// document read is stable through JSON: dumped as JSON (which is YAML) and read again, it is the same value. The
// strict reader decodes single-quoted scalars itself: each must read as libfyaml reads it.
#include <cmath>
#include <memory>
#include <string>

#include <libfyaml.h>
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

// Every single-quoted scalar of a stream the strict reader accepted, decoded by it and by libfyaml: the same text.
// Except where libfyaml 0.7.12 departs from the YAML spec (PyYAML, like go-yaml a libyaml port, reads these as we
// do): a scalar holding adjacent '' escapes ('''', which it also leaks memory formatting) or a CR ('a\r\n ' as
// "a\n", not "a ").
void check_single_quoted(std::string_view text) {
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_1_2);
  std::unique_ptr<fy_parser, void (*)(fy_parser*)> parser(fy_parser_create(&cfg), fy_parser_destroy);
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) return;
  while (fy_event* event = fy_parser_parse(parser.get())) {
    fy_token* token = event->type == FYET_SCALAR ? event->scalar.value : nullptr;
    if (token && fy_token_scalar_style(token) == FYSS_SINGLE_QUOTED) {
      const fy_mark* start = fy_token_start_mark(token);
      const fy_mark* end = fy_token_end_mark(token);
      const std::string_view raw = text.substr(start->input_pos, end->input_pos - start->input_pos);
      if (raw.find("''''") == std::string_view::npos && raw.find('\r') == std::string_view::npos) {
        std::size_t len = 0;
        const char* theirs = fy_token_get_text(token, &len);
        eks::fuzz::check(theirs && yaml::single_quoted_text(raw) == std::string_view(theirs, len),
                         "a single-quoted scalar reads as libfyaml reads it", raw);
      }
    }
    const bool end = event->type == FYET_STREAM_END;
    fy_parser_event_free(parser.get(), event);
    if (end) break;
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
    check_single_quoted(text);
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
