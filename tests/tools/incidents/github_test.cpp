// The operation table: the dialect comes from the tools the upstream lists, each operation is shaped for it,
// a missing tool is a named error, and transient failures are retried while others are not.
#include "tools/incidents/github.hpp"

#include <gtest/gtest.h>

namespace eks::incidents {
namespace {

using nlohmann::json;

json tool(const std::string& name, json properties = json::object()) {
  return {{"name", name}, {"inputSchema", {{"type", "object"}, {"properties", std::move(properties)}}}};
}

json tools_with_search(json search_properties) {
  json tools = json::array({tool("search_issues", std::move(search_properties))});
  for (const char* name : {"create_issue", "add_issue_comment", "update_issue", "list_issues", "get_issue"})
    tools.push_back(tool(name));
  return {{"tools", tools}};
}

json text_result(const json& value) { return {{"content", json::array({{{"type", "text"}, {"text", value.dump()}}})}}; }

TEST(GitHubOps, TheDialectComesFromTheListedSearchTool) {
  std::vector<json> sent;
  auto call = [&](const std::string& tool, const json& args) -> tl::expected<json, std::string> {
    sent.push_back({{"tool", tool}, {"args", args}});
    return text_result({{"total_count", 1}, {"items", json::array({{{"number", 7}, {"state", "open"}}})}});
  };
  auto npm = GitHub::from_tools(tools_with_search({{"q", {{"type", "string"}}}}), call);
  ASSERT_TRUE(npm) << npm.error();
  EXPECT_EQ(npm->dialect(), "server-github");
  ASSERT_TRUE(npm->search_issues("repo:a/b is:issue"));
  EXPECT_EQ(sent.back()["args"]["q"], "repo:a/b is:issue");

  auto go =
      GitHub::from_tools(tools_with_search({{"query", {{"type", "string"}}}, {"perPage", {{"type", "number"}}}}), call);
  ASSERT_TRUE(go) << go.error();
  EXPECT_EQ(go->dialect(), "github-mcp-server");
  auto found = go->search_issues("repo:a/b is:issue");
  ASSERT_TRUE(found);
  EXPECT_EQ(sent.back()["args"]["query"], "repo:a/b is:issue");
  EXPECT_FALSE(sent.back()["args"].contains("q"));
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].number, 7);
}

TEST(GitHubOps, AMissingToolIsNamed) {
  json tools = tools_with_search({{"q", {{"type", "string"}}}});
  tools["tools"].erase(tools["tools"].begin() + 2);  // add_issue_comment
  const auto made = GitHub::from_tools(tools, {});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find("add_issue_comment"), std::string::npos) << made.error();
}

TEST(GitHubOps, TransientFailuresAreRetriedOthersAreNot) {
  int calls = 0;
  std::vector<std::string> answers = {"Rate Limit Exceeded: slow down", "GitHub API Error: Server Error"};
  auto flaky = [&](const std::string&, const json&) -> tl::expected<json, std::string> {
    if (calls < static_cast<int>(answers.size())) return tl::unexpected(answers[calls++]);
    ++calls;
    return text_result({{"number", 3}, {"state", "open"}, {"html_url", "https://github.com/a/b/issues/3"}});
  };
  auto gh = GitHub::from_tools(tools_with_search({{"q", {{"type", "string"}}}}), flaky);
  ASSERT_TRUE(gh);
  auto created = gh->create_issue(Repo{"a", "b"}, "t", "b", {"eks-sre-mcp"});
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->number, 3);
  EXPECT_EQ(calls, 3);

  calls = 0;
  answers = {"Validation Error: Validation Failed"};
  auto refused = gh->create_issue(Repo{"a", "b"}, "", "b", {});
  ASSERT_FALSE(refused);
  EXPECT_FALSE(refused.error().transient);
  EXPECT_EQ(calls, 1) << "a validation error is not retried";
}

TEST(GitHubOps, ListingSkipsPullRequests) {
  auto call = [&](const std::string&, const json&) -> tl::expected<json, std::string> {
    return text_result(json::array({{{"number", 1}, {"state", "open"}, {"labels", {{{"name", "eks-sre-mcp"}}}}},
                                    {{"number", 2}, {"state", "open"}, {"pull_request", json::object()}}}));
  };
  auto gh = GitHub::from_tools(tools_with_search({{"q", {{"type", "string"}}}}), call);
  ASSERT_TRUE(gh);
  auto listed = gh->list_issues(Repo{"a", "b"}, "all", {"eks-sre-mcp"});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].labels, std::vector<std::string>{"eks-sre-mcp"});
}

TEST(GitHubOps, RepositoryNamesFollowGitHubsRules) {
  EXPECT_TRUE(parse_repo("acme/incidents"));
  EXPECT_TRUE(parse_repo("my-org/repo.name_2"));
  for (const char* bad : {"", "acme", "/repo", "acme/", "acme/../x", "ac me/x", "acme/x/y", "acme/.."})
    EXPECT_FALSE(parse_repo(bad)) << bad;
}

// Found by fuzzing: fields of another type threw, a closed_at past 2262 overflowed the clock's conversion.
TEST(GitHubOps, IssueFieldsOfAnotherTypeOrRangeAreLeftEmpty) {
  const auto issue = issue_from_json(json{{"number", "12"},
                                          {"state", 1},
                                          {"title", nullptr},
                                          {"labels", {{{"name", 3}}}},
                                          {"closed_at", "9999-01-01T00:00:00Z"}});
  EXPECT_EQ(issue.number, 0);
  EXPECT_EQ(issue.state, "");
  EXPECT_FALSE(issue.closed_at);
  EXPECT_EQ(issue_from_json(json{{"number", 1e300}}).number, 0);
  auto github = GitHub::from_tools(tools_with_search(json::object()), [](const std::string&, const json&) {
    return tl::expected<json, std::string>(json{{"content", json::array({"not an object"})}, {"isError", "yes"}});
  });
  ASSERT_TRUE(github);
  EXPECT_FALSE(github->get_issue({"acme", "deploy"}, 1));
}

}  // namespace
}  // namespace eks::incidents
