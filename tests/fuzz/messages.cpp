// Anthropic Messages API replies: the body of every answer (and of every error status) the subagent runtime
// reads, as anthropic.cpp reads it: parsed leniently, then parse_response; error bodies through error_message.
#include <string>

#include <nlohmann/json.hpp>

#include "agents/llm/messages.hpp"
#include "tests/fuzz/fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace llm = eks::agents::llm;
  const std::string body(eks::fuzz::as_text(data, size));
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (auto response = llm::parse_response(parsed)) {
    (void)llm::tool_uses(response->content);
    (void)llm::text_of(response->content);
    (void)llm::cost_usd(response->model, response->usage);
    (void)llm::to_json(response->usage).dump();
  }
  (void)llm::error_message(body);
  return 0;
}
