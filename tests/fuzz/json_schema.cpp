// The JSON Schema validator: tool input schemas are ours, but an upstream's tools/list hands us schemas, and
// every tools/call's arguments are instances from the host. Input: a schema on the first line, the instance
// after it. Properties: validate() and is_valid() agree; an instance is stable through dump -> parse and
// validates the same way after it; apply_defaults leaves a document that still serialises.
#include <string>

#include <nlohmann/json.hpp>

#include "server/protocol/json_schema.hpp"
#include "tests/fuzz/fuzz.hpp"

using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [schema_text, instance_text] = eks::fuzz::split_line(eks::fuzz::as_text(data, size));
  const json schema = json::parse(schema_text, nullptr, false);
  if (schema.is_discarded()) return 0;
  // Remote $refs resolve to nothing, as for a schema whose $ref names a document we do not have.
  auto compiled = eks::protocol::JsonSchema::compile(schema, [](const std::string&) { return std::nullopt; });
  if (!compiled) return 0;
  json instance = json::parse(instance_text, nullptr, false);
  if (instance.is_discarded()) return 0;

  const auto errors = compiled->validate(instance);
  const bool valid = compiled->is_valid(instance);
  eks::fuzz::check(errors.empty() == valid, "validate() and is_valid() agree", instance_text);
  eks::fuzz::check(errors.size() <= eks::protocol::JsonSchema::kMaxErrors, "at most kMaxErrors errors");
  (void)eks::protocol::format_errors(errors);

  const std::string dumped = instance.dump();
  const json again = json::parse(dumped, nullptr, false);
  eks::fuzz::check(!again.is_discarded() && again == instance, "an instance is stable through dump -> parse", dumped);
  eks::fuzz::check(compiled->is_valid(again) == valid, "a re-parsed instance validates the same way", dumped);

  compiled->apply_defaults(instance);
  (void)instance.dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
