// Runs the official JSON-Schema-Test-Suite (Debian package json-schema-test-suite) against JsonSchema.
//
// The Debian package (2.0.0) has no draft2020-12 folder, so the draft7 files are used; each schema is
// compiled with "$schema" set to draft-07 (unless it names one) so that "$ref" overrides its siblings as
// draft 7 requires. One test per keyword file; a failure lists every failing case by its description.
//
// JSON_SCHEMA_TEST_SUITE_DIR overrides where the suite lives. It may name the suite root (the folder
// holding tests/draft7 and remotes) or the draft7 folder itself (remotes then at ../../remotes).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/protocol/json_schema.hpp"

namespace {

using eks::protocol::JsonSchema;
using nlohmann::json;
namespace fs = std::filesystem;

// Cases this validator does not run, as "file: group / case" with the reason. Empty: every case runs.
const std::vector<std::pair<std::string, std::string>> kSkippedSuiteCases = {};

struct SuiteDirs {
  fs::path tests;
  fs::path remotes;
};

SuiteDirs suite_dirs() {
  const char* env = std::getenv("JSON_SCHEMA_TEST_SUITE_DIR");
  const fs::path root =
      (env != nullptr && *env != '\0') ? fs::path(env) : fs::path("/usr/share/json-schema-test-suite");
  if (fs::is_directory(root / "tests" / "draft7")) return {root / "tests" / "draft7", root / "remotes"};
  return {root, root / ".." / ".." / "remotes"};
}

std::optional<json> read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  json parsed = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// A minimal draft-07 metaschema: only the structural rules the suite's metaschema cases exercise
// (schema-valued keywords hold schemas, counts are non-negative integers, "type" names simple types),
// enough to tell a valid schema from an invalid one without a network fetch.
json minimal_draft7_metaschema() {
  return json::parse(R"({
    "$id": "http://json-schema.org/draft-07/schema#",
    "definitions": {
      "schemaArray": {"type": "array", "minItems": 1, "items": {"$ref": "#"}},
      "count": {"type": "integer", "minimum": 0},
      "typeName": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
      "schemaMap": {"type": "object", "additionalProperties": {"$ref": "#"}}
    },
    "type": ["object", "boolean"],
    "properties": {
      "$id": {"type": "string"},
      "$ref": {"type": "string"},
      "$schema": {"type": "string"},
      "definitions": {"$ref": "#/definitions/schemaMap"},
      "properties": {"$ref": "#/definitions/schemaMap"},
      "patternProperties": {"$ref": "#/definitions/schemaMap"},
      "additionalProperties": {"$ref": "#"},
      "additionalItems": {"$ref": "#"},
      "items": {"anyOf": [{"$ref": "#"}, {"$ref": "#/definitions/schemaArray"}]},
      "not": {"$ref": "#"},
      "allOf": {"$ref": "#/definitions/schemaArray"},
      "anyOf": {"$ref": "#/definitions/schemaArray"},
      "oneOf": {"$ref": "#/definitions/schemaArray"},
      "type": {"anyOf": [
        {"$ref": "#/definitions/typeName"},
        {"type": "array", "items": {"$ref": "#/definitions/typeName"}, "minItems": 1, "uniqueItems": true}
      ]},
      "enum": {"type": "array"},
      "required": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
      "minLength": {"$ref": "#/definitions/count"},
      "maxLength": {"$ref": "#/definitions/count"},
      "minItems": {"$ref": "#/definitions/count"},
      "maxItems": {"$ref": "#/definitions/count"},
      "minProperties": {"$ref": "#/definitions/count"},
      "maxProperties": {"$ref": "#/definitions/count"},
      "uniqueItems": {"type": "boolean"},
      "pattern": {"type": "string"},
      "multipleOf": {"type": "number", "exclusiveMinimum": 0},
      "minimum": {"type": "number"},
      "maximum": {"type": "number"},
      "exclusiveMinimum": {"type": "number"},
      "exclusiveMaximum": {"type": "number"}
    }
  })");
}

// Serves remote $refs from disk: http://localhost:1234/ is the suite's remotes folder; the draft-07
// metaschema is the minimal one above. Nothing goes to the network.
JsonSchema::RemoteLoader suite_loader(const fs::path& remotes) {
  return [remotes](const std::string& uri) -> std::optional<json> {
    static const std::string kLocalhost = "http://localhost:1234/";
    if (uri == "http://json-schema.org/draft-07/schema") return minimal_draft7_metaschema();
    if (uri.rfind(kLocalhost, 0) == 0) return read_json(remotes / uri.substr(kLocalhost.size()));
    return std::nullopt;
  };
}

class SuiteFile : public ::testing::TestWithParam<std::string> {};

TEST_P(SuiteFile, EveryCasePasses) {
  const SuiteDirs dirs = suite_dirs();
  const fs::path file = dirs.tests / (GetParam() + ".json");
  const auto groups = read_json(file);
  ASSERT_TRUE(groups.has_value() && groups->is_array())
      << "cannot read " << file << " (install json-schema-test-suite or set JSON_SCHEMA_TEST_SUITE_DIR)";

  std::size_t passed = 0;
  std::size_t skipped = 0;
  std::vector<std::string> failures;
  for (const auto& group : *groups) {
    const std::string group_name = group.value("description", "?");
    json schema = group.at("schema");
    if (schema.is_object() && !schema.contains("$schema")) {
      schema["$schema"] = "http://json-schema.org/draft-07/schema#";
    }
    const auto compiled = JsonSchema::compile(schema, suite_loader(dirs.remotes));
    for (const auto& test : group.at("tests")) {
      const std::string name = GetParam() + ": " + group_name + " / " + test.value("description", "?");
      if (std::any_of(kSkippedSuiteCases.begin(), kSkippedSuiteCases.end(),
                      [&](const auto& skip) { return skip.first == name; })) {
        ++skipped;
        continue;
      }
      if (!compiled) {
        failures.push_back(name + " — schema did not compile: " + compiled.error());
        continue;
      }
      const bool expected = test.at("valid").get<bool>();
      const bool quick = compiled->is_valid(test.at("data"));
      const auto errors = compiled->validate(test.at("data"));
      if (quick != expected) {
        failures.push_back(name + " — expected " + (expected ? "valid" : "invalid") + ", is_valid() said " +
                           (quick ? "valid" : "invalid") +
                           (errors.empty() ? "" : " (" + eks::protocol::format_errors(errors) + ")"));
      } else if (errors.empty() != expected) {
        failures.push_back(name + " — is_valid() and validate() disagree");
      } else {
        ++passed;
      }
    }
  }
  std::cout << "[ suite    ] " << GetParam() << ".json: " << passed << " passed, " << failures.size() << " failed, "
            << skipped << " skipped\n";
  RecordProperty("passed", static_cast<int>(passed));
  std::ostringstream report;
  for (const auto& f : failures) report << "\n  " << f;
  EXPECT_TRUE(failures.empty()) << failures.size() << " failing case(s) in " << file << ":" << report.str();
  EXPECT_GT(passed, 0u);
}

INSTANTIATE_TEST_SUITE_P(Draft7, SuiteFile,
                         ::testing::Values("type", "properties", "required", "additionalProperties", "enum", "const",
                                           "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
                                           "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems",
                                           "oneOf", "anyOf", "allOf", "not", "ref", "definitions", "default",
                                           "boolean_schema"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(JsonSchemaSuite, ListsSkippedCases) {
  std::cout << "[ suite    ] skipped cases: " << kSkippedSuiteCases.size() << "\n";
  for (const auto& [name, reason] : kSkippedSuiteCases) std::cout << "  " << name << " — " << reason << "\n";
  SUCCEED();
}

}  // namespace
