#pragma once
// Test-only tools, resources and prompts for the HTTP transport tests and the MCP conformance suite, whose
// server scenarios expect these names (test_simple_text, test://static-text, test_simple_prompt, ...).
// Never linked into the shipped binary.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "server/dispatcher.hpp"

namespace eks::testing {

using server::CallContext;
using server::Json;
using server::Result;
using server::ToolOutput;

// Counts calls of slow_count that saw their cancellation (for the cancellation tests).
inline std::atomic<int> g_cancelled_calls{0};

inline constexpr const char* kPng1x1 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

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

  d.add_resource({.uri = "test://static-text",
                  .name = "static-text",
                  .title = "Static text",
                  .description = "A static text resource for testing.",
                  .mime_type = "text/plain",
                  .read = []() -> Result<std::string> { return std::string("This is the content of the static text resource."); }});
  d.add_resource_template({.uri_template = "test://template/{id}/data",
                           .name = "template",
                           .title = "Template",
                           .description = "A resource template for testing.",
                           .mime_type = "application/json",
                           .read = [](std::string_view value) -> Result<std::string> {
                             // The dispatcher hands over everything after the prefix: "<id>/data".
                             constexpr std::string_view suffix = "/data";
                             if (value.size() <= suffix.size() || value.substr(value.size() - suffix.size()) != suffix) {
                               return server::tool_error("no such resource");
                             }
                             const std::string id(value.substr(0, value.size() - suffix.size()));
                             return Json{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}}.dump();
                           },
                           .complete = nullptr});
  d.add_prompt({.name = "test_simple_prompt",
                .title = "Simple prompt",
                .description = "A simple prompt without arguments.",
                .arguments = {},
                .get = [](const auto&) -> Result<Json> {
                  return Json{{"messages", Json::array({{{"role", "user"},
                                                          {"content", {{"type", "text"}, {"text", "This is a simple prompt for testing."}}}}})}};
                },
                .complete = nullptr});
  d.add_prompt({.name = "test_prompt_with_arguments",
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
                  const Json resource{{"uri", a.at("resourceUri")}, {"mimeType", "text/plain"},
                                      {"text", "Embedded resource content for testing."}};
                  return Json{{"messages", Json::array({{{"role", "user"}, {"content", {{"type", "resource"}, {"resource", resource}}}},
                                                        {{"role", "user"},
                                                         {"content", {{"type", "text"}, {"text", "Please process the embedded resource above."}}}}})}};
                },
                .complete = nullptr});
  d.add_prompt({.name = "test_prompt_with_image",
                .title = "Prompt with an image",
                .description = "A prompt with image content.",
                .arguments = {},
                .get = [](const auto&) -> Result<Json> {
                  return Json{{"messages", Json::array({{{"role", "user"},
                                                          {"content", {{"type", "image"}, {"data", kPng1x1}, {"mimeType", "image/png"}}}},
                                                         {{"role", "user"},
                                                          {"content", {{"type", "text"}, {"text", "Please analyze the image above."}}}}})}};
                },
                .complete = nullptr});
  return failure;
}

}  // namespace eks::testing
