// GitHub tool results: both GitHub MCP servers answer with the REST API's JSON as the text of a tool result, and
// the incident desk, code search and configuration pull requests read it through GitHub's typed calls. The fake
// call answers the fuzzed bytes as that text; the first byte picks the operation and whether the result is an
// error.
#include <string>

#include <nlohmann/json.hpp>

#include "tools/incidents/github.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

using eks::incidents::GitHub;
using eks::incidents::Json;

// Error texts the client retries with a backoff of seconds: an input making one of them is not worth the time.
bool transient_text(std::string_view text) {
  for (const char* word :
       {"Rate Limit", "rate limit", "Server Error", "GitHub API error", "Bad Gateway", "Service Unavailable",
        "Gateway Timeout", "timed out", "did not answer", "ECONNRESET", "not running", "restarting"}) {
    if (text.find(word) != std::string_view::npos) return true;
  }
  return false;
}

Json tool_list() {
  Json tools = Json::array();
  for (const char* name :
       {"search_issues", "create_issue", "add_issue_comment", "update_issue", "list_issues", "get_issue", "search_code",
        "get_file_contents", "create_branch", "create_or_update_file", "create_pull_request"}) {
    tools.push_back({{"name", name}, {"inputSchema", {{"type", "object"}}}});
  }
  return Json{{"tools", tools}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(eks::fuzz::as_text(data + 1, size - 1));
  const bool is_error = data[0] & 0x80;
  if (is_error && transient_text(text)) return -1;
  const Json result{{"content", Json::array({{{"type", "text"}, {"text", text}}})}, {"isError", is_error}};
  auto github = GitHub::from_tools(
      tool_list(), [&](const std::string&, const Json&) -> tl::expected<Json, std::string> { return result; });
  if (!github) eks::fuzz::fail("the fixed tool list is accepted", github.error());
  const eks::incidents::Repo repo{"acme", "deploy"};
  switch ((data[0] & 0x7f) % 8) {
    case 0: (void)github->search_issues("repo:acme/deploy is:issue"); break;
    case 1: (void)github->get_issue(repo, 7); break;
    case 2: (void)github->list_issues(repo, "open", {"eks-sre-mcp"}); break;
    case 3: (void)github->update_issue(repo, 7, "closed", std::nullopt); break;
    case 4: (void)github->search_code("OOMKilled repo:acme/web"); break;
    case 5: (void)github->get_file(repo, "k8s/web.yaml", "main"); break;
    case 6: (void)github->create_pull_request(repo, "t", "b", "fix", "main"); break;
    default: (void)github->create_issue(repo, "t", "b", {"eks-sre-mcp"}); break;
  }
  (void)eks::incidents::issue_from_json(Json::parse(text, nullptr, false));
  return 0;
}
