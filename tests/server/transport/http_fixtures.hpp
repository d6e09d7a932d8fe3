#pragma once
// Test-only tools, resources and prompts for the HTTP transport tests and the MCP conformance suite, whose
// server scenarios expect these names (test_simple_text, test://static-text, test_simple_prompt, ...).
// Never linked into the shipped binary.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/dispatcher.hpp"
#include "server/transport/http_security.hpp"

namespace eks::testing {

using server::CallContext;
using server::Json;
using server::Result;
using server::ToolOutput;

// Counts calls of slow_count that saw their cancellation (for the cancellation tests).
inline std::atomic<int> g_cancelled_calls{0};

inline constexpr const char* kPng1x1 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

// The 1x1 PNG's bytes.
inline std::string png_1x1() { return transport::base64_decode(kPng1x1).value_or(std::string()); }

// A valid RIFF/WAVE file: 8 kHz mono 8-bit PCM, eight samples of silence.
inline std::string wav_silence() {
  auto le = [](std::uint32_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
    return out;
  };
  const std::string samples(8, static_cast<char>(0x80));
  return "RIFF" + le(36 + static_cast<std::uint32_t>(samples.size()), 4) + "WAVE" + "fmt " + le(16, 4) + le(1, 2) +
         le(1, 2) + le(8000, 4) + le(8000, 4) + le(1, 2) + le(8, 2) + "data" +
         le(static_cast<std::uint32_t>(samples.size()), 4) + samples;
}

// How long the fixture tools wait for the client's answer to sampling or elicitation.
inline constexpr std::chrono::milliseconds kClientAnswerTimeout{30000};

// Sends elicitation/create with `schema` and renders the client's answer.
inline Result<ToolOutput> elicit(CallContext& context, std::string message, Json schema) {
  auto answer = context.request_client("elicitation/create",
                                       Json{{"message", std::move(message)}, {"requestedSchema", std::move(schema)}},
                                       kClientAnswerTimeout);
  if (!answer) return server::tool_error(answer.error());
  return ToolOutput{Json::object(), "Elicitation completed: action=" + answer->value("action", std::string("?")) +
                                        ", content=" + answer->value("content", Json::object()).dump()};
}

inline server::ToolDef simple_tool(std::string name, std::string description, std::string input_schema,
                                   server::ToolHandler handler) {
  return server::ToolDef{
      .name = std::move(name),
      .title = "Test tool",
      .description = std::move(description),
      .input_schema = std::move(input_schema),
      .output_schema = "",
      .annotations = {.read_only = true},
      .safety = server::SafetyClass::read_only,
      .handler = std::move(handler),
  };
}

// Registers everything; returns an error naming the first registration that failed.
inline std::string add_http_fixtures(server::Dispatcher& d) {
  using namespace std::chrono_literals;
  std::string failure;
  auto add = [&](server::ToolDef def) {
    if (auto r = d.add_tool(std::move(def)); !r && failure.empty()) failure = r.error();
  };
  add(simple_tool("echo", "Echoes its text.", R"({"type":"object","properties":{"text":{"type":"string"}}})",
                  [](const Json& args, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{Json::object(), "echo: " + args.value("text", std::string())};
                  }));
  add(simple_tool("slow_count", "Counts to steps, one step every delay_ms, with progress; stops when cancelled.",
                  R"({"type":"object","properties":{"steps":{"type":"integer"},"delay_ms":{"type":"integer"}}})",
                  [](const Json& args, CallContext& context) -> Result<ToolOutput> {
                    const int steps = args.value("steps", 5);
                    const int delay_ms = args.value("delay_ms", 50);
                    for (int i = 1; i <= steps; ++i) {
                      if (context.cancelled()) {
                        ++g_cancelled_calls;
                        return server::tool_error("cancelled at step " + std::to_string(i));
                      }
                      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
                      context.progress(i, steps, "step " + std::to_string(i));
                    }
                    return ToolOutput{Json::object(), "counted to " + std::to_string(steps)};
                  }));
  add(simple_tool("test_simple_text", "Returns simple text.", R"({"type":"object"})",
                  [](const Json&, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{Json::object(), "This is a simple text response for testing."};
                  }));
  add(simple_tool("test_error_handling", "Always fails.", R"({"type":"object"})",
                  [](const Json&, CallContext&) -> Result<ToolOutput> {
                    return server::tool_error("This tool intentionally returns an error for testing");
                  }));
  add(simple_tool("test_tool_with_logging", "Logs three messages while it runs.", R"({"type":"object"})",
                  [](const Json&, CallContext& context) -> Result<ToolOutput> {
                    context.log(server::LogLevel::info, "Tool execution started");
                    std::this_thread::sleep_for(50ms);
                    context.log(server::LogLevel::info, "Tool processing data");
                    std::this_thread::sleep_for(50ms);
                    context.log(server::LogLevel::info, "Tool execution completed");
                    return ToolOutput{Json::object(), "Logging tool finished"};
                  }));
  add(simple_tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100.", R"({"type":"object"})",
                  [](const Json&, CallContext& context) -> Result<ToolOutput> {
                    context.progress(0, 100, "");
                    std::this_thread::sleep_for(50ms);
                    context.progress(50, 100, "");
                    std::this_thread::sleep_for(50ms);
                    context.progress(100, 100, "");
                    return ToolOutput{Json::object(), "Progress tool finished"};
                  }));
  add(simple_tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
                  R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
                      "$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},
                      "properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},
                      "additionalProperties":false})",
                  [](const Json& args, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{Json::object(), "received " + args.dump()};
                  }));
  // Runs longer than the test server's SSE hold limit: its POST stream is closed mid-call and the client
  // resumes with Last-Event-ID (SEP-1699).
  add(simple_tool("test_reconnection", "Takes long enough for its SSE stream to be closed and resumed.",
                  R"({"type":"object"})", [](const Json&, CallContext&) -> Result<ToolOutput> {
                    std::this_thread::sleep_for(600ms);
                    return ToolOutput{Json::object(), "Reconnection test completed successfully"};
                  }));

  add(simple_tool("test_image_content", "Returns a 1x1 PNG image.", R"({"type":"object"})",
                  [](const Json&, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{Json::object(), "", {server::image_content(png_1x1(), "image/png")}};
                  }));
  add(simple_tool("test_audio_content", "Returns a short WAV clip.", R"({"type":"object"})",
                  [](const Json&, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{Json::object(), "", {server::audio_content(wav_silence(), "audio/wav")}};
                  }));
  add(simple_tool("test_embedded_resource", "Returns an embedded text resource.", R"({"type":"object"})",
                  [](const Json&, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{Json::object(),
                                      "",
                                      {server::embedded_text_resource("test://embedded-resource", "text/plain",
                                                                      "This is an embedded resource content.")}};
                  }));
  add(simple_tool("test_multiple_content_types", "Returns text, an image and an embedded resource.",
                  R"({"type":"object"})", [](const Json&, CallContext&) -> Result<ToolOutput> {
                    return ToolOutput{
                        Json::object(),
                        "Multiple content types test:",
                        {server::image_content(png_1x1(), "image/png"),
                         server::embedded_text_resource("test://mixed-content-resource", "application/json",
                                                        R"({"test":"data","value":123})")}};
                  }));
  add(simple_tool("test_sampling", "Asks the client's model to answer a prompt (sampling/createMessage).",
                  R"({"type":"object","properties":{"prompt":{"type":"string"}},"required":["prompt"]})",
                  [](const Json& args, CallContext& context) -> Result<ToolOutput> {
                    const Json request{
                        {"messages",
                         Json::array({{{"role", "user"}, {"content", {{"type", "text"}, {"text", args["prompt"]}}}}})},
                        {"maxTokens", 100}};
                    auto answer = context.request_client("sampling/createMessage", request, kClientAnswerTimeout);
                    if (!answer) return server::tool_error(answer.error());
                    const Json content = answer->value("content", Json::object());
                    return ToolOutput{Json::object(), "LLM response: " + content.value("text", content.dump())};
                  }));
  add(simple_tool("test_elicitation", "Asks the user for a username and an email (elicitation/create).",
                  R"({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]})",
                  [](const Json& args, CallContext& context) -> Result<ToolOutput> {
                    return elicit(context, args["message"].get<std::string>(),
                                  Json{{"type", "object"},
                                       {"properties",
                                        {{"username", {{"type", "string"}, {"description", "User's response"}}},
                                         {"email", {{"type", "string"}, {"description", "User's email address"}}}}},
                                       {"required", Json::array({"username", "email"})}});
                  }));
  // SEP-1034: every primitive type of a form field carries a default.
  add(simple_tool(
      "test_elicitation_sep1034_defaults", "Elicits a form whose fields all have defaults.", R"({"type":"object"})",
      [](const Json&, CallContext& context) -> Result<ToolOutput> {
        return elicit(
            context, "Please review and update the form fields with defaults",
            Json{{"type", "object"},
                 {"properties",
                  {{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
                   {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
                   {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
                   {"status",
                    {{"type", "string"},
                     {"description", "User status"},
                     {"enum", {"active", "inactive", "pending"}},
                     {"default", "active"}}},
                   {"verified", {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}}},
                 {"required", Json::array()}});
      }));
  // SEP-1330: the five enum shapes (untitled, titled, legacy enumNames; single and multi select).
  add(simple_tool(
      "test_elicitation_sep1330_enums", "Elicits a form with every enum variant.", R"({"type":"object"})",
      [](const Json&, CallContext& context) -> Result<ToolOutput> {
        auto titled = [](const std::vector<std::pair<std::string, std::string>>& options) {
          Json out = Json::array();
          for (const auto& [value, title] : options) out.push_back({{"const", value}, {"title", title}});
          return out;
        };
        const Json untitled = {"option1", "option2", "option3"};
        return elicit(
            context, "Please choose from the enum fields",
            Json{{"type", "object"},
                 {"properties",
                  {{"untitledSingle", {{"type", "string"}, {"enum", untitled}}},
                   {"titledSingle",
                    {{"type", "string"},
                     {"oneOf",
                      titled({{"value1", "First Option"}, {"value2", "Second Option"}, {"value3", "Third Option"}})}}},
                   {"legacyEnum",
                    {{"type", "string"},
                     {"enum", {"opt1", "opt2", "opt3"}},
                     {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
                   {"untitledMulti", {{"type", "array"}, {"items", {{"type", "string"}, {"enum", untitled}}}}},
                   {"titledMulti",
                    {{"type", "array"},
                     {"items",
                      {{"anyOf", titled({{"value1", "First Choice"},
                                         {"value2", "Second Choice"},
                                         {"value3", "Third Choice"}})}}}}}}},
                 {"required", Json::array()}});
      }));

  // A resource clients may subscribe to; touch_watched changes it and tells the subscribers.
  auto watched = std::make_shared<std::atomic<int>>(0);
  d.add_resource({.uri = "test://watched-resource",
                  .name = "watched-resource",
                  .title = "Watched resource",
                  .description = "A resource that changes on every call of touch_watched.",
                  .mime_type = "text/plain",
                  .read = [watched]() -> Result<std::string> { return "version " + std::to_string(watched->load()); },
                  .subscribable = true});
  add(simple_tool("touch_watched", "Changes test://watched-resource (subscribers get notifications/resources/updated).",
                  R"({"type":"object"})", [watched, &d](const Json&, CallContext&) -> Result<ToolOutput> {
                    const int version = ++*watched;
                    d.resource_updated("test://watched-resource");
                    return ToolOutput{Json::object(), "version " + std::to_string(version)};
                  }));

  d.add_resource({.uri = "test://static-binary",
                  .name = "static-binary",
                  .title = "Static binary",
                  .description = "A 1x1 PNG, read as a base64 blob.",
                  .mime_type = "image/png",
                  .read = []() -> Result<std::string> { return png_1x1(); },
                  .binary = true});
  d.add_resource({.uri = "test://static-text",
                  .name = "static-text",
                  .title = "Static text",
                  .description = "A static text resource for testing.",
                  .mime_type = "text/plain",
                  .read = []() -> Result<std::string> {
                    return std::string("This is the content of the static text resource.");
                  }});
  d.add_resource_template({.uri_template = "test://template/{id}/data",
                           .name = "template",
                           .title = "Template",
                           .description = "A resource template for testing.",
                           .mime_type = "application/json",
                           .read = [](std::string_view value) -> Result<std::string> {
                             // The dispatcher hands over everything after the prefix: "<id>/data".
                             constexpr std::string_view suffix = "/data";
                             if (value.size() <= suffix.size() ||
                                 value.substr(value.size() - suffix.size()) != suffix) {
                               return server::tool_error("no such resource");
                             }
                             const std::string id(value.substr(0, value.size() - suffix.size()));
                             return Json{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}}.dump();
                           },
                           .complete = nullptr});
  d.add_prompt(
      {.name = "test_simple_prompt",
       .title = "Simple prompt",
       .description = "A simple prompt without arguments.",
       .arguments = {},
       .get = [](const auto&) -> Result<Json> {
         return Json{
             {"messages",
              Json::array({{{"role", "user"},
                            {"content", {{"type", "text"}, {"text", "This is a simple prompt for testing."}}}}})}};
       },
       .complete = nullptr});
  d.add_prompt(
      {.name = "test_prompt_with_arguments",
       .title = "Prompt with arguments",
       .description = "A prompt with two required arguments.",
       .arguments = {{"arg1", "First test argument", true}, {"arg2", "Second test argument", true}},
       .get = [](const std::map<std::string, std::string>& a) -> Result<Json> {
         const std::string text = "Prompt with arguments: arg1='" + a.at("arg1") + "', arg2='" + a.at("arg2") + "'";
         return Json{{"messages", Json::array({{{"role", "user"}, {"content", {{"type", "text"}, {"text", text}}}}})}};
       },
       .complete = [](std::string_view argument) -> std::vector<std::string> {
         if (argument == "arg1") return {"test1", "test2", "testing", "other"};
         return {};
       }});
  d.add_prompt({.name = "test_prompt_with_embedded_resource",
                .title = "Prompt with an embedded resource",
                .description = "A prompt that embeds a resource.",
                .arguments = {{"resourceUri", "URI of the resource to embed", true}},
                .get = [](const std::map<std::string, std::string>& a) -> Result<Json> {
                  const Json resource{{"uri", a.at("resourceUri")},
                                      {"mimeType", "text/plain"},
                                      {"text", "Embedded resource content for testing."}};
                  return Json{
                      {"messages",
                       Json::array({{{"role", "user"}, {"content", {{"type", "resource"}, {"resource", resource}}}},
                                    {{"role", "user"},
                                     {"content",
                                      {{"type", "text"}, {"text", "Please process the embedded resource above."}}}}})}};
                },
                .complete = nullptr});
  d.add_prompt(
      {.name = "test_prompt_with_image",
       .title = "Prompt with an image",
       .description = "A prompt with image content.",
       .arguments = {},
       .get = [](const auto&) -> Result<Json> {
         return Json{
             {"messages",
              Json::array(
                  {{{"role", "user"}, {"content", {{"type", "image"}, {"data", kPng1x1}, {"mimeType", "image/png"}}}},
                   {{"role", "user"}, {"content", {{"type", "text"}, {"text", "Please analyze the image above."}}}}})}};
       },
       .complete = nullptr});
  return failure;
}

}  // namespace eks::testing
