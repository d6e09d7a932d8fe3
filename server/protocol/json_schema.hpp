// server/protocol/json_schema.hpp — a JSON Schema validator on nlohmann::json.
//
// Why our own: Debian ships no C++ JSON Schema validator, and MCP tool arguments must be checked against
// the tool's inputSchema on every call. A schema is compiled once into a tree of nodes (regexes compiled,
// $refs resolved to node indices), so validation walks the instance without copying or re-parsing.
//
// Dialect: draft 2020-12 keywords with draft-7 compatibility ("definitions" as well as "$defs", array-form
// "items" plus "additionalItems"). When the root "$schema" names draft-04/06/07, "$ref" overrides its
// sibling keywords as those drafts require; otherwise (2020-12, the MCP default) siblings apply alongside.
// Supported: type, properties, required, additionalProperties, patternProperties, enum, const, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minLength, maxLength, pattern, items,
// prefixItems, additionalItems, minItems, maxItems, uniqueItems, minProperties, maxProperties, allOf,
// anyOf, oneOf, not, $ref, $defs, definitions, $id, $anchor, default. Other keywords are ignored, as the
// spec says of unknown keywords.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::protocol {

// One violation, worded for a model to act on.
struct SchemaError {
  std::string instance_path;  // JSON Pointer into the instance, "" for the root
  std::string keyword;        // the schema keyword that failed, e.g. "required"
  std::string message;        // e.g. "/namespace: expected a string, got 42"
};

class JsonSchema {
 public:
  // Resolves a $ref to a document outside the schema (absolute URI without fragment); nullopt if unknown.
  using RemoteLoader = std::function<std::optional<nlohmann::json>(const std::string& uri)>;

  // Compiles a schema; fails with a message naming the bad keyword and its JSON Pointer.
  static tl::expected<JsonSchema, std::string> compile(const nlohmann::json& schema, RemoteLoader load_remote = {});

  // All violations (at most kMaxErrors), empty when valid. Never throws.
  std::vector<SchemaError> validate(const nlohmann::json& instance) const;

  // True when the instance satisfies the schema; stops at the first violation. Never throws.
  bool is_valid(const nlohmann::json& instance) const;

  // Fills in the "default" of absent properties, recursively through properties and items. Never throws.
  void apply_defaults(nlohmann::json& instance) const;

  static constexpr std::size_t kMaxErrors = 50;

  struct Impl;  // compiled node tree; immutable after compile(), so copies share it

 private:
  explicit JsonSchema(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// The messages on one line, joined with "; " ("" when there are none).
std::string format_errors(const std::vector<SchemaError>& errors);

}  // namespace eks::protocol
