#include "agents/llm/messages.hpp"

#include <algorithm>

#include "server/jsonrpc/fields.hpp"

namespace eks::agents::llm {

Usage& Usage::operator+=(const Usage& o) {
  input_tokens += o.input_tokens;
  output_tokens += o.output_tokens;
  cache_creation_input_tokens += o.cache_creation_input_tokens;
  cache_read_input_tokens += o.cache_read_input_tokens;
  return *this;
}

Json to_json(const Usage& u) {
  return Json{{"input", u.input_tokens},
              {"output", u.output_tokens},
              {"cache_write", u.cache_creation_input_tokens},
              {"cache_read", u.cache_read_input_tokens},
              {"total", u.total()}};
}

Json to_json(const MessagesRequest& r) {
  Json body{{"model", r.model}, {"max_tokens", r.max_tokens}, {"messages", r.messages}};
  if (!r.system.empty()) {
    body["system"] = Json::array({{{"type", "text"}, {"text", r.system}, {"cache_control", {{"type", "ephemeral"}}}}});
  }
  if (!r.tools.empty()) {
    Json tools = Json::array();
    for (const auto& t : r.tools) {
      tools.push_back({{"name", t.name}, {"description", t.description}, {"input_schema", t.input_schema}});
    }
    tools.back()["cache_control"] = {{"type", "ephemeral"}};
    body["tools"] = std::move(tools);
  }
  return body;
}

namespace {

// A token count; anything negative or beyond any real count reads as 0, so that sums cannot overflow.
std::int64_t count(const Json& usage, const char* key) {
  const auto n = jsonrpc::integer_field<std::int64_t>(usage, key, 0);
  return n >= 0 && n <= (std::int64_t{1} << 40) ? n : 0;
}

}  // namespace

tl::expected<MessagesResponse, std::string> parse_response(const Json& body) {
  if (!body.is_object()) return tl::unexpected(std::string("the response is not a JSON object"));
  // Fields read with string_field: value() throws on a field of another type (a reply is not ours to trust).
  if (jsonrpc::string_field(body, "type") != "message") {
    return tl::unexpected("the response's type is \"" + jsonrpc::string_field(body, "type") + "\", not \"message\"");
  }
  if (jsonrpc::string_field(body, "role") != "assistant")
    return tl::unexpected(std::string("the response's role is not \"assistant\""));
  if (!body.contains("content") || !body["content"].is_array()) {
    return tl::unexpected(std::string("the response has no content array"));
  }
  MessagesResponse r;
  r.id = jsonrpc::string_field(body, "id");
  r.model = jsonrpc::string_field(body, "model");
  const auto stop = body.find("stop_reason");
  r.stop_reason = stop != body.end() && stop->is_string() ? stop->get<std::string>() : "";
  static const std::vector<std::string> kStops = {"end_turn", "tool_use",   "max_tokens",
                                                  "refusal",  "pause_turn", "stop_sequence"};
  if (std::find(kStops.begin(), kStops.end(), r.stop_reason) == kStops.end()) {
    return tl::unexpected("unknown stop_reason \"" + r.stop_reason + "\"");
  }
  for (const auto& block : body["content"]) {
    if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
      return tl::unexpected(std::string("a content block has no type"));
    }
    const std::string type = block["type"];
    if (type == "text") {
      if (!block.contains("text") || !block["text"].is_string())
        return tl::unexpected(std::string("a text block has no text"));
    } else if (type == "tool_use") {
      if (!block.contains("id") || !block["id"].is_string() || block["id"].get<std::string>().empty()) {
        return tl::unexpected(std::string("a tool_use block has no id"));
      }
      if (!block.contains("name") || !block["name"].is_string()) {
        return tl::unexpected("the tool_use block " + block["id"].get<std::string>() + " has no tool name");
      }
      if (!block.contains("input") || !block["input"].is_object()) {
        return tl::unexpected("the tool_use block " + block["id"].get<std::string>() + " has no object input");
      }
    }
    // thinking, redacted_thinking and server tool blocks are kept and sent back unchanged.
    r.content.push_back(block);
  }
  if (body.contains("usage") && body["usage"].is_object()) {
    const auto& u = body["usage"];
    r.usage.input_tokens = count(u, "input_tokens");
    r.usage.output_tokens = count(u, "output_tokens");
    r.usage.cache_creation_input_tokens = count(u, "cache_creation_input_tokens");
    r.usage.cache_read_input_tokens = count(u, "cache_read_input_tokens");
  }
  return r;
}

std::vector<Json> tool_uses(const Json& content) {
  std::vector<Json> out;
  for (const auto& block : content) {
    if (jsonrpc::string_field(block, "type") == "tool_use") out.push_back(block);
  }
  return out;
}

std::string text_of(const Json& content) {
  std::string out;
  for (const auto& block : content) {
    if (jsonrpc::string_field(block, "type") == "text")
      out += (out.empty() ? "" : "\n") + jsonrpc::string_field(block, "text");
  }
  return out;
}

std::string error_message(const std::string& body) {
  const Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()) {
    const auto& e = parsed["error"];
    return jsonrpc::string_field(e, "type", "error") + ": " + jsonrpc::string_field(e, "message");
  }
  return body.substr(0, 200);
}

std::optional<Prices> prices(const std::string& model) {
  if (model.find("haiku") != std::string::npos) return Prices{1.0, 5.0};
  if (model.find("sonnet") != std::string::npos) return Prices{3.0, 15.0};
  if (model.find("opus") != std::string::npos) return Prices{15.0, 75.0};
  return std::nullopt;
}

double cost_usd(const std::string& model, const Usage& u) {
  const auto p = prices(model);
  if (!p) return 0;
  const double input = static_cast<double>(u.input_tokens) + 1.25 * static_cast<double>(u.cache_creation_input_tokens) +
                       0.1 * static_cast<double>(u.cache_read_input_tokens);
  return (input * p->input + static_cast<double>(u.output_tokens) * p->output) / 1e6;
}

}  // namespace eks::agents::llm
