// Tool commands read their flags from a tools/list entry: types, enums, booleans, arrays, positionals, exit status.
#include "app/cli.hpp"

#include <gtest/gtest.h>

namespace eks::app::cli {
namespace {

const Json kTools = Json::parse(R"([
  {"name": "diagnose_cluster", "title": "Cluster: diagnose", "inputSchema": {"type": "object", "properties": {
     "namespace": {"type": "string"},
     "kinds": {"type": "array", "items": {"type": "string"}},
     "severity_min": {"enum": ["critical", "warning", "info"]},
     "max_findings": {"type": "integer", "minimum": 1},
     "ratio": {"type": "number"},
     "previous": {"type": "boolean"}}}},
  {"name": "analyze_pod_logs", "title": "Pods: analyze logs", "inputSchema": {"type": "object",
     "required": ["namespace", "pod"], "properties": {"namespace": {"type": "string"}, "pod": {"type": "string"}}}},
  {"name": "server_status", "title": "Server: status", "inputSchema": {"type": "object", "properties": {}}}
])");

const Json& tool(std::string_view command) { return *find_tool(kTools, command); }

TEST(ToolCommands, FoundByNameWithDashesOrUnderscores) {
  EXPECT_EQ(find_tool(kTools, "server-status"), &kTools[2]);
  EXPECT_EQ(find_tool(kTools, "server_status"), &kTools[2]);
  EXPECT_EQ(find_tool(kTools, "diagnose"), &kTools[0]);
  EXPECT_EQ(find_tool(kTools, "logs"), &kTools[1]);
  EXPECT_EQ(find_tool(kTools, "analyze-pod-logs"), &kTools[1]);
  EXPECT_EQ(find_tool(kTools, "status"), nullptr);
}

TEST(ToolCommands, FlagsAreConvertedByTheirSchemaTypes) {
  const auto parsed = parse_invocation(
      tool("diagnose"), {"--namespace", "shop", "--kinds", "Pod", "--kinds=Node", "--severity-min", "info",
                         "--max_findings=7", "--ratio", "0.5", "--no-previous", "--format", "json"});
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->arguments, Json::parse(R"({"namespace": "shop", "kinds": ["Pod", "Node"], "severity_min": "info",
                                               "max_findings": 7, "ratio": 0.5, "previous": false})"));
  EXPECT_EQ(parsed->format, Format::json);
  EXPECT_EQ(parse_invocation(tool("diagnose"), {"--previous"})->arguments, Json::parse(R"({"previous": true})"));
}

TEST(ToolCommands, AValueOutsideTheEnumNamesTheFlagAndTheAllowedValues) {
  const auto parsed = parse_invocation(tool("diagnose"), {"--severity-min", "loud"});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error(), "--severity-min must be one of: critical, warning, info (not \"loud\")");
}

TEST(ToolCommands, AWrongTypeOrAnUnknownFlagIsAUsageError) {
  EXPECT_NE(parse_invocation(tool("diagnose"), {"--max-findings", "7x"}).error().find("needs an integer"),
            std::string::npos);
  EXPECT_NE(parse_invocation(tool("diagnose"), {"--ratio", "half"}).error().find("needs a number"), std::string::npos);
  EXPECT_NE(parse_invocation(tool("diagnose"), {"--namespace"}).error().find("needs a value"), std::string::npos);
  EXPECT_NE(parse_invocation(tool("diagnose"), {"--no-namespace"}).error().find("unknown option"), std::string::npos);
  EXPECT_NE(parse_invocation(tool("server-status"), {"--x", "1"}).error().find("takes no flags"), std::string::npos);
}

TEST(ToolCommands, PositionalArgumentsFillTheRequiredPropertiesInOrder) {
  EXPECT_EQ(parse_invocation(tool("logs"), {"shop", "api"})->arguments,
            Json::parse(R"({"namespace":"shop","pod":"api"})"));
  EXPECT_EQ(parse_invocation(tool("logs"), {"--namespace", "shop", "api"})->arguments,
            Json::parse(R"({"namespace":"shop","pod":"api"})"));
  EXPECT_NE(parse_invocation(tool("logs"), {"shop"}).error().find("missing POD"), std::string::npos);
  EXPECT_NE(parse_invocation(tool("diagnose"), {"shop"}).error().find("no positional arguments"), std::string::npos);
}

TEST(ToolCommands, RawJsonArgumentsAreTheBaseTheFlagsAddTo) {
  const auto parsed = parse_invocation(tool("logs"), {"--json", R"({"namespace":"a","pod":"b"})", "--pod", "c"});
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->arguments, Json::parse(R"({"namespace":"a","pod":"c"})"));
  EXPECT_FALSE(parse_invocation(tool("logs"), {"--json", "[]"}));
}

TEST(ToolCommands, ExitStatusFollowsOneConvention) {
  const auto error = [](std::string text) {
    return Json{{"isError", true}, {"content", {{{"type", "text"}, {"text", text}}}}};
  };
  EXPECT_EQ(exit_status(error("Refused by the safety policy [x]: no")), kRefused);
  EXPECT_EQ(exit_status(error("Needs human approval [y]: later")), kRefused);
  EXPECT_EQ(exit_status(error("failed to read the cluster")), kError);
  EXPECT_EQ(exit_status(Json{{"structuredContent", {{"findings", {{{"severity", "warning"}}}}}}}), kFound);
  EXPECT_EQ(exit_status(Json{{"structuredContent", {{"findings", {{{"severity", "info"}}}}}}}), kNothingFound);
  EXPECT_EQ(exit_status(Json{{"structuredContent", {{"root_cause", {{"category", "out_of_memory"}}}}}}), kFound);
  EXPECT_EQ(exit_status(Json{{"structuredContent", {{"root_cause", {{"category", "unknown"}}}}}}), kNothingFound);
  EXPECT_EQ(exit_status(Json{{"structuredContent", {{"root_cause", nullptr}}}}), kNothingFound);
  EXPECT_EQ(exit_status(Json{{"structuredContent", {{"mode", "read_only"}}}}), kNothingFound);
}

TEST(ToolCommands, HelpListsEveryToolWithItsTitleAndFlags) {
  const auto overview = tools_overview(kTools);
  EXPECT_NE(overview.find("diagnose, diagnose-cluster"), std::string::npos);
  EXPECT_NE(overview.find("server-status"), std::string::npos);
  EXPECT_NE(overview.find("Pods: analyze logs"), std::string::npos);
  const auto help = tool_help(tool("diagnose"));
  EXPECT_NE(help.find("--severity-min critical|warning|info"), std::string::npos);
  EXPECT_NE(help.find("--previous, --no-previous"), std::string::npos);
  EXPECT_NE(help.find("Exit status"), std::string::npos);
}

TEST(ToolCommands, CsvHasARowPerItemOfTheFirstListAndAColumnPerLeaf) {
  const Json result{
      {"structuredContent",
       {{"totals", {{"monthly_savings", 1.5}}},
        {"recommendations",
         {{{"namespace", "shop"},
           {"workload", {{"kind", "Deployment"}, {"name", "cart"}}},
           {"reason", "memory peak 160Mi + 15%, CPU p95 38m"}},
          {{"namespace", "a\"b"}, {"workload", {{"kind", "Pod"}, {"name", "x"}}}, {"reason", nullptr}}}}}}};
  EXPECT_EQ(render(result, Format::csv),
            "namespace,reason,workload.kind,workload.name\n"
            "shop,\"memory peak 160Mi + 15%, CPU p95 38m\",Deployment,cart\n"
            "\"a\"\"b\",,Pod,x");
  EXPECT_EQ(parse_invocation(tool("logs"), {"--format", "csv", "shop", "api"})->format, Format::csv);
}

}  // namespace
}  // namespace eks::app::cli
