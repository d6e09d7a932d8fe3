// Code leads: the text searched for is a log template's message, and hits stay within the configured scope.
#include "tools/incidents/code_search.hpp"

#include <gtest/gtest.h>

namespace eks::incidents {
namespace {

using nlohmann::json;

TEST(CodeSearch, TheSearchedTextIsTheTemplatesMessage) {
  EXPECT_EQ(searchable_text(R"({"level":"fatal","ts":"<*>","msg":"invalid configuration","error":"required )"
                            R"(environment variable DATABASE_URL is not set"})"),
            "required environment variable DATABASE_URL is not set");
  EXPECT_EQ(searchable_text("<*> ERROR cannot connect to broker at <*>: connection refused"),
            "ERROR cannot connect to broker at");
  EXPECT_FALSE(searchable_text("<*> <*> failed <*>"));  // too little constant text to mean anything
  EXPECT_FALSE(searchable_text("panic: <*>"));
}

TEST(CodeSearch, ScopesAndHitsStayWithinThePatterns) {
  EXPECT_EQ(search_scope("acme/manifests"), "repo:acme/manifests");
  EXPECT_EQ(search_scope("acme/svc-*"), "user:acme");
  EXPECT_TRUE(in_scope("acme/svc-*", "acme/svc-payments"));
  EXPECT_FALSE(in_scope("acme/svc-*", "acme/other"));
  EXPECT_FALSE(in_scope("acme/app", "acme/app2"));

  std::vector<std::string> queries;
  auto call = [&](const std::string& tool, const json& args) -> tl::expected<json, std::string> {
    if (tool != "search_code") return tl::unexpected(std::string("unexpected ") + tool);
    queries.push_back(args["q"]);
    const json items = json::array({{{"path", "cmd/main.go"}, {"repository", {{"full_name", "acme/svc-payments"}}}},
                                    {{"path", "x.go"}, {"repository", {{"full_name", "evil/elsewhere"}}}}});
    return json{{"content", json::array({{{"type", "text"}, {"text", json{{"items", items}}.dump()}}})}};
  };
  json tools = json::array();
  for (const char* name : {"search_issues", "create_issue", "add_issue_comment", "update_issue", "list_issues",
                           "get_issue", "search_code"})
    tools.push_back({{"name", name}, {"inputSchema", {{"properties", {{"q", json::object()}}}}}});
  auto gh = GitHub::from_tools(tools, call);
  ASSERT_TRUE(gh);
  auto found = find_in_code(*gh, {"acme/svc-*"}, "required environment variable DATABASE_URL is not set");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].path, "cmd/main.go");
  EXPECT_EQ(queries, std::vector<std::string>{"\"required environment variable DATABASE_URL is not set\" user:acme"});
}

}  // namespace
}  // namespace eks::incidents
