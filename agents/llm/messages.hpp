#pragma once
// The Anthropic Messages API on the wire: building a request (tools with input_schema, prompt caching) and
// checking a response before the loop trusts it. Pure functions, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::agents::llm {

using Json = nlohmann::json;

inline constexpr const char* kApiVersion = "2023-06-01";  // the anthropic-version header

// Token usage of one call, or the sum of several.
struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_creation_input_tokens = 0;
  std::int64_t cache_read_input_tokens = 0;
  Usage& operator+=(const Usage& other);
  std::int64_t total() const {
    return input_tokens + output_tokens + cache_creation_input_tokens + cache_read_input_tokens;
  }
};
// {input, output, cache_write, cache_read, total}
Json to_json(const Usage& usage);

struct ToolSpec {
  std::string name;  // ^[a-zA-Z0-9_-]{1,64}$
  std::string description;
  Json input_schema;
};

struct MessagesRequest {
  std::string model;
  int max_tokens = 1024;
  std::string system;
  std::vector<ToolSpec> tools;
  Json messages = Json::array();  // alternating user / assistant turns
};

// The request body. "cache_control" marks the end of the system prompt and of the tool list: both are the
// same on every turn of an investigation, so later turns read them from the prompt cache.
Json to_json(const MessagesRequest& request);

struct MessagesResponse {
  std::string id;
  std::string model;
  std::string stop_reason;  // end_turn | tool_use | max_tokens | refusal | pause_turn | stop_sequence
  Json content = Json::array();
  Usage usage;
};

// Checks a Messages API response body: a message from the assistant whose content blocks are well formed
// (tool_use blocks carry an id, a tool name and an object input) and whose stop_reason is known. Whether the
// named tool may be called is the loop's decision, not the parser's. The error says what is wrong.
tl::expected<MessagesResponse, std::string> parse_response(const Json& body);

// The tool_use blocks of a content array.
std::vector<Json> tool_uses(const Json& content);

// The text blocks of a content array, joined.
std::string text_of(const Json& content);

// The message of an API error body ({"type":"error","error":{"type","message"}}), or the body's start.
std::string error_message(const std::string& body);

// USD per million tokens for a model, by family (haiku, sonnet, opus); nullopt for an unknown model.
struct Prices {
  double input;
  double output;
};
std::optional<Prices> prices(const std::string& model);
// An estimate from the public list prices: cache writes at 1.25x input, cache reads at 0.1x input.
double cost_usd(const std::string& model, const Usage& usage);

}  // namespace eks::agents::llm
