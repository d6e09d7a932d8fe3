#pragma once
// What a tool is: its definition (name, title, description for a model, schemas, annotations, safety class)
// and a handler. Tools live one per file under tools/; this header is all they need from the server.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "server/call_context.hpp"

namespace eks::server {

using Json = nlohmann::json;

// How much a tool can change the world; the safety validator keys its rules on it.
enum class SafetyClass { read_only, mutating, destructive };
std::string_view to_string(SafetyClass safety);

// A safety class with no default: a ToolDef that leaves `.safety` out does not compile.
struct Safety {
  constexpr Safety(SafetyClass v) : value(v) {}  // NOLINT(google-explicit-constructor): designated-init use
  SafetyClass value;
};

// MCP tool annotations (hints for a host, never trusted for safety decisions).
struct ToolAnnotations {
  std::optional<bool> read_only = std::nullopt;
  std::optional<bool> destructive = std::nullopt;
  std::optional<bool> idempotent = std::nullopt;
  std::optional<bool> open_world = std::nullopt;
};

// A tool's domain failure: a sentence a model can act on, answered as a result with isError: true.
struct ToolError {
  std::string message;
};

template <class T>
using Result = tl::expected<T, ToolError>;

inline tl::unexpected<ToolError> tool_error(std::string message) {
  return tl::unexpected(ToolError{std::move(message)});
}

// A successful call: structuredContent (validated against the output schema), a text rendering, and any
// further content blocks (images, audio, embedded resources; built with the helpers below) after the text.
// With other blocks and an empty text, the text block is left out.
struct ToolOutput {
  Json structured;
  std::string text;
  std::vector<Json> content = {};
};

// Standard base64 with padding (RFC 4648 section 4), as MCP carries binary data.
std::string base64_encode(std::string_view bytes);
// MCP content blocks from raw bytes (base64-encoded here) or text.
Json image_content(std::string_view bytes, std::string mime_type);
Json audio_content(std::string_view bytes, std::string mime_type);
Json embedded_text_resource(std::string uri, std::string mime_type, std::string text);
Json embedded_blob_resource(std::string uri, std::string mime_type, std::string_view bytes);

using ToolHandler = std::function<Result<ToolOutput>(const Json& arguments, CallContext& context)>;

struct ToolDef {
  std::string name;
  std::string title;
  std::string description;    // written for a model: what it does, when to use it, what it returns
  std::string input_schema;   // name of the embedded schema, e.g. "server_status.input" (or inline JSON text)
  std::string output_schema;  // empty when the tool has no structured output
  ToolAnnotations annotations;
  Safety safety;
  ToolHandler handler;
};

// Reading arguments into a tool's input struct, in its from_json: one line per field, named as in the input
// schema. The dispatcher has validated the arguments against that schema (defaults applied), so a present value
// has the schema's type; an absent optional argument leaves the field as it is (its default, or nullopt), an
// absent required one throws and the adapter below answers "invalid arguments".
template <class T>
void argument(const Json& arguments, std::string_view key, T& field) {
  if (const auto it = arguments.find(key); it != arguments.end()) it->get_to(field);
}
template <class T>
void argument(const Json& arguments, std::string_view key, std::optional<T>& field) {
  if (const auto it = arguments.find(key); it != arguments.end()) field = it->template get<T>();
}
template <class T>
void required_argument(const Json& arguments, std::string_view key, T& field) {
  arguments.at(std::string(key)).get_to(field);
}

// Adapts a typed handler `Result<Out>(const In&, CallContext&)` to the JSON one: the one place a tool's
// arguments become its input. Arguments have been validated against the input schema (defaults applied)
// before it runs; `In` has a from_json made of the readers above, `Out` has to_json and a
// `render_text(const Out&)` found by argument-dependent lookup.
template <class In, class Out, class Fn>
ToolHandler typed(Fn fn) {
  return [fn = std::move(fn)](const Json& arguments, CallContext& context) -> Result<ToolOutput> {
    In input;
    try {
      input = arguments.get<In>();
    } catch (const Json::exception& e) {
      return tool_error(std::string("invalid arguments: ") + e.what());
    }
    Result<Out> output = fn(input, context);
    if (!output) return tl::unexpected(std::move(output.error()));
    return ToolOutput{Json(*output), render_text(*output)};
  };
}

// Tools without arguments take this.
struct NoInput {};
inline void from_json(const Json&, NoInput&) {}

}  // namespace eks::server
