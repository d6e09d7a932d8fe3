// The dispatcher on its own, without a session: registration checks, argument validation with defaults, the
// middleware chain's order, withdrawing tools while a call holds one, and list-change notifications.
#include "server/dispatcher.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/fixtures/quiet_context.hpp"

namespace eks::server {
namespace {

using nlohmann::json;

ToolDef echo_tool(std::string name = "echo") {
  return ToolDef{
      .name = std::move(name),
      .title = "Echo",
      .description = "Returns its arguments.",
      .input_schema =
          R"({"type":"object","properties":{"word":{"type":"string"},"times":{"type":"integer","default":2}},"required":["word"]})",
      .output_schema = R"({"type":"object","required":["word"]})",
      .annotations = {.read_only = true},
      .safety = SafetyClass::read_only,
      .handler = [](const json& args, CallContext&) -> Result<ToolOutput> {
        return ToolOutput{args, "echoed"};
      },
  };
}

Dispatcher make_dispatcher() { return Dispatcher(ServerInfo{"test", "Test", "1.0", "d", ""}, ServerOptions{}); }

json call_params(std::string name, json arguments) {
  return json{{"name", std::move(name)}, {"arguments", std::move(arguments)}};
}

TEST(Dispatcher, RefusesADuplicateToolNamingIt) {
  auto d = make_dispatcher();
  ASSERT_TRUE(d.add_tool(echo_tool()));
  const auto again = d.add_tool(echo_tool());
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("echo"), std::string::npos) << again.error();
}

TEST(Dispatcher, RefusesAToolWhoseSchemaIsMissingOrBroken) {
  auto d = make_dispatcher();
  auto missing = echo_tool("missing");
  missing.input_schema = "no_such_tool.input";
  const auto a = d.add_tool(missing);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("missing"), std::string::npos) << a.error();
  auto broken = echo_tool("broken");
  broken.input_schema = R"({"type":"object","properties":{"x":{"type":42}}})";
  EXPECT_FALSE(d.add_tool(broken));
  EXPECT_EQ(d.tool_definitions("2025-11-25").size(), 0u);
}

TEST(Dispatcher, PrepareAppliesDefaultsAndFlagsInvalidArguments) {
  auto d = make_dispatcher();
  ASSERT_TRUE(d.add_tool(echo_tool()));
  const auto good = d.prepare_call(call_params("echo", {{"word", "hi"}}));
  ASSERT_TRUE(good);
  EXPECT_FALSE(good->invalid);
  EXPECT_EQ(good->arguments["times"], 2);

  const auto bad = d.prepare_call(call_params("echo", {{"times", "three"}}));
  ASSERT_TRUE(bad);
  ASSERT_TRUE(bad->invalid);
  EXPECT_NE(bad->invalid->find("word"), std::string::npos) << *bad->invalid;

  const auto unknown = d.prepare_call(call_params("nope", json::object()));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, -32602);
}

TEST(Dispatcher, InvalidArgumentsNeverReachTheMiddlewareOrTheHandler) {
  auto d = make_dispatcher();
  int reached = 0;
  auto tool = echo_tool();
  tool.handler = [&](const json& args, CallContext&) -> Result<ToolOutput> {
    ++reached;
    return ToolOutput{args, ""};
  };
  ASSERT_TRUE(d.add_tool(tool));
  d.use([&](const ToolDef& t, const json& a, CallContext& c, const CallNext& next) {
    ++reached;
    return next(t, a, c);
  });
  test_fixtures::QuietContext context{nlohmann::json::object()};
  const auto call = d.prepare_call(call_params("echo", {{"word", 7}}));
  ASSERT_TRUE(call);
  const json result = d.run_call(*call, context, "2025-11-25");
  EXPECT_TRUE(result["isError"].get<bool>());
  EXPECT_EQ(reached, 0);
}

TEST(Dispatcher, MiddlewareRunsInTheOrderItWasAddedAroundTheHandler) {
  auto d = make_dispatcher();
  std::vector<std::string> order;
  auto tool = echo_tool();
  tool.handler = [&](const json& args, CallContext&) -> Result<ToolOutput> {
    order.push_back("handler");
    return ToolOutput{args, ""};
  };
  ASSERT_TRUE(d.add_tool(tool));
  for (const std::string name : {"outer", "inner"}) {
    d.use([&order, name](const ToolDef& t, const json& a, CallContext& c, const CallNext& next) {
      order.push_back(name + " before");
      auto r = next(t, a, c);
      order.push_back(name + " after");
      return r;
    });
  }
  test_fixtures::QuietContext context{nlohmann::json::object()};
  const auto call = d.prepare_call(call_params("echo", {{"word", "hi"}}));
  ASSERT_TRUE(call);
  const json result = d.run_call(*call, context, "2025-11-25");
  EXPECT_FALSE(result["isError"].get<bool>());
  EXPECT_EQ(result["structuredContent"]["word"], "hi");
  EXPECT_EQ(order, (std::vector<std::string>{"outer before", "inner before", "handler", "inner after", "outer after"}));
}

TEST(Dispatcher, MiddlewareCanRefuseWithAToolError) {
  auto d = make_dispatcher();
  ASSERT_TRUE(d.add_tool(echo_tool()));
  d.use([](const ToolDef&, const json&, CallContext&, const CallNext&) -> Result<ToolOutput> {
    return tool_error("refused by policy");
  });
  test_fixtures::QuietContext context{nlohmann::json::object()};
  const auto call = d.prepare_call(call_params("echo", {{"word", "hi"}}));
  ASSERT_TRUE(call);
  const json result = d.run_call(*call, context, "2025-11-25");
  EXPECT_TRUE(result["isError"].get<bool>());
  EXPECT_EQ(result["content"][0]["text"], "refused by policy");
  EXPECT_FALSE(result.contains("structuredContent"));
}

TEST(Dispatcher, AWithdrawnToolFinishesTheCallAlreadyPrepared) {
  auto d = make_dispatcher();
  ASSERT_TRUE(d.add_tool(echo_tool()));
  const auto call = d.prepare_call(call_params("echo", {{"word", "late"}}));
  ASSERT_TRUE(call);
  EXPECT_TRUE(d.remove_tool("echo"));
  EXPECT_FALSE(d.remove_tool("echo"));
  test_fixtures::QuietContext context{nlohmann::json::object()};
  EXPECT_EQ(d.run_call(*call, context, "2025-11-25")["structuredContent"]["word"], "late");
  EXPECT_FALSE(d.prepare_call(call_params("echo", {{"word", "again"}})));
}

TEST(Dispatcher, ToolChangesNotifySubscribersUntilTheyUnsubscribe) {
  auto d = make_dispatcher();
  std::vector<std::string> seen;
  const int handle = d.subscribe([&](std::string_view method, const json&) { seen.emplace_back(method); });
  ASSERT_TRUE(d.add_tool(echo_tool("a")));
  EXPECT_TRUE(d.remove_tool("a"));
  d.unsubscribe(handle);
  ASSERT_TRUE(d.add_tool(echo_tool("b")));
  EXPECT_EQ(seen, (std::vector<std::string>{"notifications/tools/list_changed", "notifications/tools/list_changed"}));
}

TEST(Dispatcher, ToolDefinitionsKeepRegistrationOrderAndFollowChanges) {
  auto d = make_dispatcher();
  for (const char* name : {"zeta", "alpha", "mid"}) ASSERT_TRUE(d.add_tool(echo_tool(name)));
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& t : d.tool_definitions("2025-11-25")) out.push_back(t["name"]);
    return out;
  };
  EXPECT_EQ(names(), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_TRUE(d.remove_tool("alpha"));
  EXPECT_EQ(names(), (std::vector<std::string>{"zeta", "mid"}));
}

}  // namespace
}  // namespace eks::server
