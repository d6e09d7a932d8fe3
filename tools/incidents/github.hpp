#pragma once
// The GitHub operations incidents need, over whichever GitHub MCP server is configured as the `github` upstream.
// Every call goes through the gateway (so the validator decides and the audit log records it); nothing here
// talks to GitHub itself. The two servers name their tools alike but shape some arguments differently (the npm
// server-github searches with `q`, GitHub's own github-mcp-server with `query` and camelCase paging): the dialect
// is chosen from the tools the upstream lists, and a tool it lacks is a clear error naming it.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace eks::incidents {

using Json = nlohmann::json;

struct Repo {
  std::string owner;
  std::string name;
  std::string full() const { return owner + "/" + name; }
};
// "owner/repo" (GitHub's rules: letters, digits, '-', '_', '.'); nullopt otherwise.
std::optional<Repo> parse_repo(std::string_view text);

struct Issue {
  int number = 0;
  std::string state;  // open | closed
  std::string title;
  std::string body;
  std::string url;  // html_url
  std::vector<std::string> labels;
  std::optional<std::chrono::system_clock::time_point> closed_at;
};

// A failed operation: `transient` for what a later try may fix (rate limits, 5xx, an upstream that is down).
struct GitHubError {
  std::string message;
  bool transient = false;
};
template <class T>
using GitHubResult = tl::expected<T, GitHubError>;

class GitHub {
 public:
  // Sends one tool call to the github upstream (through the gateway): the CallToolResult, or the refusal or
  // failure in words.
  using Call = std::function<tl::expected<Json, std::string>(const std::string& tool, const Json& arguments)>;

  // From the upstream's tools/list result ({"tools": [...]}) or its array of tools.
  static tl::expected<GitHub, std::string> from_tools(const Json& tools, Call call);

  GitHubResult<std::vector<Issue>> search_issues(const std::string& query) const;
  GitHubResult<Issue> create_issue(const Repo& repo, const std::string& title, const std::string& body,
                                   const std::vector<std::string>& labels) const;
  GitHubResult<Issue> get_issue(const Repo& repo, int number) const;
  GitHubResult<void> comment(const Repo& repo, int number, const std::string& body) const;
  // Changes the state ("open" | "closed") and/or replaces the labels.
  GitHubResult<Issue> update_issue(const Repo& repo, int number, std::optional<std::string> state,
                                   std::optional<std::vector<std::string>> labels) const;
  GitHubResult<std::vector<Issue>> list_issues(const Repo& repo, const std::string& state,
                                               const std::vector<std::string>& labels) const;

  // For configuration pull requests (each a clear error when the upstream lacks its tool).
  struct File {
    std::string path;
    std::string content;  // decoded text
    std::string sha;
  };
  struct CodeHit {
    std::string repository;  // owner/repo
    std::string path;
    std::string url;  // html_url
  };
  struct PullRequest {
    int number = 0;
    std::string url;
  };
  GitHubResult<std::vector<CodeHit>> search_code(const std::string& query) const;
  GitHubResult<File> get_file(const Repo& repo, const std::string& path, const std::string& branch) const;
  GitHubResult<void> create_branch(const Repo& repo, const std::string& branch, const std::string& from) const;
  GitHubResult<void> put_file(const Repo& repo, const std::string& path, const std::string& content,
                              const std::string& message, const std::string& branch, const std::string& sha) const;
  GitHubResult<PullRequest> create_pull_request(const Repo& repo, const std::string& title, const std::string& body,
                                                const std::string& head, const std::string& base) const;

  std::string_view dialect() const { return dialect_; }

 private:
  GitHub(std::string dialect, std::vector<std::string> tools, Call call)
      : dialect_(std::move(dialect)), tools_(std::move(tools)), call_(std::move(call)) {}
  // Calls `tool`, retrying transient failures with backoff (a bounded number of times), and parses the JSON
  // the server puts in the result's text.
  GitHubResult<Json> invoke(const std::string& tool, const Json& arguments) const;
  GitHubResult<void> require(const std::string& tool) const;

  std::string dialect_;  // "server-github" | "github-mcp-server"
  std::vector<std::string> tools_;
  Call call_;
};

// An issue as the GitHub REST API returns it (the servers pass the API's JSON through).
Issue issue_from_json(const Json& j);

}  // namespace eks::incidents
