#include "tools/incidents/github.hpp"

#include <algorithm>
#include <thread>

#include "server/jsonrpc/fields.hpp"
#include "server/transport/http_security.hpp"
#include "tools/cluster/quantity.hpp"

namespace eks::incidents {
namespace {

bool repo_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'; }

// Both servers answer with the REST API's JSON as the text of the result.
GitHubResult<Json> parse_result(const Json& result, const std::string& tool) {
  const auto& content = result.contains("content") ? result["content"] : Json();
  std::string text;
  // Read with the non-throwing field readers throughout: value() throws on a field of another type, and both
  // the tool result and the REST JSON inside it are the upstream's.
  if (content.is_array() && !content.empty()) text = jsonrpc::string_field(content[0], "text");
  if (jsonrpc::bool_field(result, "isError", false))
    return tl::unexpected(GitHubError{"GitHub " + tool + " failed: " + text.substr(0, 500), false});
  Json parsed = Json::parse(text, nullptr, false);
  if (parsed.is_discarded())
    return tl::unexpected(GitHubError{"GitHub " + tool + " answered something that is not JSON", false});
  return parsed;
}

// Rate limits and server errors pass; anything else (validation, permission, not found) will fail again.
// server-github hides the HTTP status: a 429 says "Rate Limit Exceeded", a rate-limited 403 carries GitHub's
// "API rate limit exceeded" / "secondary rate limit" message, and a 5xx is GitHub's message ("Server Error")
// or, for an HTML error page, "GitHub API error".
bool transient(const std::string& message) {
  for (const char* word :
       {"Rate Limit", "rate limit", "Server Error", "GitHub API error", "Bad Gateway", "Service Unavailable",
        "Gateway Timeout", "timed out", "did not answer", "ECONNRESET", "not running", "restarting"}) {
    if (message.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::optional<Repo> parse_repo(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
  const auto owner = text.substr(0, slash), name = text.substr(slash + 1);
  if (!std::all_of(owner.begin(), owner.end(), repo_char) || !std::all_of(name.begin(), name.end(), repo_char) ||
      name == "." || name == "..")
    return std::nullopt;
  return Repo{std::string(owner), std::string(name)};
}

Issue issue_from_json(const Json& j) {
  Issue i;
  if (!j.is_object()) return i;
  i.number = jsonrpc::integer_field(j, "number", 0);
  i.state = jsonrpc::string_field(j, "state");
  i.title = jsonrpc::string_field(j, "title");
  if (j.contains("body") && j["body"].is_string()) i.body = j["body"].get<std::string>();
  i.url = jsonrpc::string_field(j, "html_url");
  if (j.contains("labels") && j["labels"].is_array()) {
    for (const auto& l : j["labels"]) {
      if (l.is_string()) i.labels.push_back(l.get<std::string>());
      else if (l.is_object()) i.labels.push_back(jsonrpc::string_field(l, "name"));
    }
  }
  // closed_at is a system_clock time, nanoseconds since 1970: a year past 2262 overflowed the conversion.
  using std::chrono::floor, std::chrono::seconds, std::chrono::system_clock;
  if (j.contains("closed_at") && j["closed_at"].is_string())
    if (const auto t = cluster::parse_time(j["closed_at"].get<std::string>());
        t && *t > floor<seconds>(system_clock::time_point::min()) &&
        *t < floor<seconds>(system_clock::time_point::max()))
      i.closed_at = *t;
  return i;
}

tl::expected<GitHub, std::string> GitHub::from_tools(const Json& listed, Call call) {
  const Json& tools = listed.is_object() && listed.contains("tools") ? listed["tools"] : listed;
  if (!tools.is_array()) return tl::unexpected(std::string("the GitHub upstream's tool list could not be read"));
  std::vector<std::string> names;
  std::string dialect = "server-github";
  for (const auto& t : tools) {
    if (!t.is_object()) continue;
    const std::string name = jsonrpc::string_field(t, "name");
    names.push_back(name);
    // github-mcp-server's search takes `query`; server-github's takes `q`.
    if (name == "search_issues") {
      const auto& props = jsonrpc::object_field(jsonrpc::object_field(t, "inputSchema"), "properties");
      if (props.contains("query") && !props.contains("q")) dialect = "github-mcp-server";
    }
  }
  for (const char* needed :
       {"search_issues", "create_issue", "add_issue_comment", "update_issue", "list_issues", "get_issue"}) {
    if (std::find(names.begin(), names.end(), needed) == names.end())
      return tl::unexpected(
          "the GitHub upstream has no " + std::string(needed) +
          " tool (incidents need search_issues, create_issue, add_issue_comment, update_issue, "
          "list_issues and get_issue); configure @modelcontextprotocol/server-github or github-mcp-server");
  }
  return GitHub(std::move(dialect), std::move(names), std::move(call));
}

GitHubResult<Json> GitHub::invoke(const std::string& tool, const Json& arguments) const {
  // A few tries over about 7 s: enough for a secondary rate limit's usual wait or a 5xx blip, and bounded, so a
  // caller (a tool call, a monitor cycle) gets a clear error instead of waiting on GitHub.
  std::chrono::milliseconds backoff{500};
  std::string last;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    auto sent = call_(tool, arguments);
    if (sent) {
      auto parsed = parse_result(*sent, tool);
      if (parsed || !transient(parsed.error().message)) return parsed;
      last = parsed.error().message;
    } else {
      if (!transient(sent.error())) return tl::unexpected(GitHubError{"GitHub " + tool + ": " + sent.error(), false});
      last = sent.error();
    }
    if (attempt < 4) std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
  return tl::unexpected(GitHubError{"GitHub " + tool + " still failed after 4 tries: " + last.substr(0, 400), true});
}

GitHubResult<std::vector<Issue>> GitHub::search_issues(const std::string& query) const {
  const Json args =
      dialect_ == "github-mcp-server" ? Json{{"query", query}, {"perPage", 50}} : Json{{"q", query}, {"per_page", 50}};
  auto found = invoke("search_issues", args);
  if (!found) return tl::unexpected(found.error());
  std::vector<Issue> out;
  const Json& items = found->is_object() && found->contains("items") ? (*found)["items"] : *found;
  if (items.is_array())
    for (const auto& i : items) out.push_back(issue_from_json(i));
  return out;
}

GitHubResult<Issue> GitHub::create_issue(const Repo& repo, const std::string& title, const std::string& body,
                                         const std::vector<std::string>& labels) const {
  auto created =
      invoke("create_issue",
             {{"owner", repo.owner}, {"repo", repo.name}, {"title", title}, {"body", body}, {"labels", labels}});
  if (!created) return tl::unexpected(created.error());
  return issue_from_json(*created);
}

GitHubResult<Issue> GitHub::get_issue(const Repo& repo, int number) const {
  auto got = invoke("get_issue", {{"owner", repo.owner}, {"repo", repo.name}, {"issue_number", number}});
  if (!got) return tl::unexpected(got.error());
  return issue_from_json(*got);
}

GitHubResult<void> GitHub::comment(const Repo& repo, int number, const std::string& body) const {
  auto done = invoke("add_issue_comment",
                     {{"owner", repo.owner}, {"repo", repo.name}, {"issue_number", number}, {"body", body}});
  if (!done) return tl::unexpected(done.error());
  return {};
}

GitHubResult<Issue> GitHub::update_issue(const Repo& repo, int number, std::optional<std::string> state,
                                         std::optional<std::vector<std::string>> labels) const {
  Json args{{"owner", repo.owner}, {"repo", repo.name}, {"issue_number", number}};
  if (state) args["state"] = *state;
  if (labels) args["labels"] = *labels;
  auto updated = invoke("update_issue", args);
  if (!updated) return tl::unexpected(updated.error());
  return issue_from_json(*updated);
}

GitHubResult<std::vector<Issue>> GitHub::list_issues(const Repo& repo, const std::string& state,
                                                     const std::vector<std::string>& labels) const {
  Json args{{"owner", repo.owner}, {"repo", repo.name}, {"state", state}, {"labels", labels}};
  args[dialect_ == "github-mcp-server" ? "perPage" : "per_page"] = 100;
  auto listed = invoke("list_issues", args);
  if (!listed) return tl::unexpected(listed.error());
  std::vector<Issue> out;
  if (listed->is_array())
    for (const auto& i : *listed)
      if (!i.contains("pull_request")) out.push_back(issue_from_json(i));  // the issues API lists pull requests too
  return out;
}

GitHubResult<void> GitHub::require(const std::string& tool) const {
  if (std::find(tools_.begin(), tools_.end(), tool) != tools_.end()) return {};
  return tl::unexpected(
      GitHubError{"the GitHub upstream has no " + tool + " tool, which configuration pull requests need", false});
}

GitHubResult<std::vector<GitHub::CodeHit>> GitHub::search_code(const std::string& query) const {
  if (auto ok = require("search_code"); !ok) return tl::unexpected(ok.error());
  const Json args =
      dialect_ == "github-mcp-server" ? Json{{"query", query}, {"perPage", 20}} : Json{{"q", query}, {"per_page", 20}};
  auto found = invoke("search_code", args);
  if (!found) return tl::unexpected(found.error());
  std::vector<CodeHit> out;
  const Json& items = found->is_object() && found->contains("items") ? (*found)["items"] : Json::array();
  for (const auto& i : items) {
    if (!i.is_object()) continue;
    out.push_back({jsonrpc::string_field(jsonrpc::object_field(i, "repository"), "full_name"),
                   jsonrpc::string_field(i, "path"), jsonrpc::string_field(i, "html_url")});
  }
  return out;
}

GitHubResult<GitHub::File> GitHub::get_file(const Repo& repo, const std::string& path,
                                            const std::string& branch) const {
  if (auto ok = require("get_file_contents"); !ok) return tl::unexpected(ok.error());
  Json args{{"owner", repo.owner}, {"repo", repo.name}, {"path", path}};
  if (!branch.empty()) args[dialect_ == "github-mcp-server" ? "ref" : "branch"] = branch;
  auto got = invoke("get_file_contents", args);
  if (!got) return tl::unexpected(got.error());
  if (!got->is_object() || jsonrpc::string_field(*got, "type", "file") != "file")
    return tl::unexpected(GitHubError{repo.full() + "/" + path + " is not a file", false});
  // The REST API (and github-mcp-server) give the content in base64, wrapped in lines; server-github decodes it
  // but leaves "encoding": "base64" beside it, so text that is not base64 is kept as it is.
  std::string content = jsonrpc::string_field(*got, "content");
  if (jsonrpc::string_field(*got, "encoding") == "base64") {
    std::string packed = content;
    packed.erase(std::remove_if(packed.begin(), packed.end(), [](char c) { return c == '\n' || c == '\r'; }),
                 packed.end());
    if (auto decoded = transport::base64_decode(packed)) content = std::move(*decoded);
  }
  return File{path, std::move(content), jsonrpc::string_field(*got, "sha")};
}

GitHubResult<void> GitHub::create_branch(const Repo& repo, const std::string& branch, const std::string& from) const {
  if (auto ok = require("create_branch"); !ok) return tl::unexpected(ok.error());
  auto made =
      invoke("create_branch", {{"owner", repo.owner}, {"repo", repo.name}, {"branch", branch}, {"from_branch", from}});
  if (!made) return tl::unexpected(made.error());
  return {};
}

GitHubResult<void> GitHub::put_file(const Repo& repo, const std::string& path, const std::string& content,
                                    const std::string& message, const std::string& branch,
                                    const std::string& sha) const {
  if (auto ok = require("create_or_update_file"); !ok) return tl::unexpected(ok.error());
  auto put = invoke("create_or_update_file", {{"owner", repo.owner},
                                              {"repo", repo.name},
                                              {"path", path},
                                              {"content", content},
                                              {"message", message},
                                              {"branch", branch},
                                              {"sha", sha}});
  if (!put) return tl::unexpected(put.error());
  return {};
}

GitHubResult<GitHub::PullRequest> GitHub::create_pull_request(const Repo& repo, const std::string& title,
                                                              const std::string& body, const std::string& head,
                                                              const std::string& base) const {
  if (auto ok = require("create_pull_request"); !ok) return tl::unexpected(ok.error());
  auto made = invoke(
      "create_pull_request",
      {{"owner", repo.owner}, {"repo", repo.name}, {"title", title}, {"body", body}, {"head", head}, {"base", base}});
  if (!made) return tl::unexpected(made.error());
  return PullRequest{jsonrpc::integer_field(*made, "number", 0), jsonrpc::string_field(*made, "html_url")};
}

}  // namespace eks::incidents
