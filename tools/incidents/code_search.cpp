#include "tools/incidents/code_search.hpp"

#include <algorithm>

namespace eks::incidents {

std::optional<std::string> searchable_text(std::string_view tmpl) {
  // Candidates: the text between wildcards, cut again at quotes, so a JSON log line offers its message strings
  // ("required environment variable X is not set") rather than its punctuation.
  std::string best;
  auto consider = [&](std::string run) {
    const auto a = run.find_first_not_of(" \t:=,;.()[]{}'-/");
    const auto b = run.find_last_not_of(" \t:=,;.([]{}'-/");
    run = a == std::string::npos ? "" : run.substr(a, b - a + 1);
    if (run.find(' ') != std::string::npos && run.size() > best.size()) best = run;
  };
  std::size_t start = 0;
  while (start <= tmpl.size()) {
    const auto next = tmpl.find("<*>", start);
    const std::string_view run =
        tmpl.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start);
    std::size_t from = 0;
    while (from <= run.size()) {
      const auto quote = run.find('"', from);
      consider(std::string(run.substr(from, quote == std::string_view::npos ? std::string_view::npos : quote - from)));
      if (quote == std::string_view::npos) break;
      from = quote + 1;
    }
    if (next == std::string_view::npos) break;
    start = next + 3;
  }
  if (best.size() < 12) return std::nullopt;
  if (best.size() > 100) best = best.substr(0, best.rfind(' ', 100));  // GitHub's search takes short phrases
  return best;
}

std::string search_scope(const std::string& pattern) {
  const bool exact = pattern.find_first_of("*?[") == std::string::npos;
  return exact ? "repo:" + pattern : "user:" + pattern.substr(0, pattern.find('/'));
}

bool in_scope(const std::string& pattern, const std::string& repository) {
  const auto glob = pattern.find_first_of("*?[");
  if (glob == std::string::npos) return repository == pattern;
  return repository.rfind(pattern.substr(0, glob), 0) == 0;
}

GitHubResult<std::vector<CodeLocation>> find_in_code(const GitHub& github, const std::vector<std::string>& patterns,
                                                     const std::string& text, std::size_t max) {
  std::vector<CodeLocation> out;
  std::size_t searches = 0;
  for (const auto& pattern : patterns) {
    if (out.size() >= max || searches++ >= 3) break;
    auto hits = github.search_code("\"" + text + "\" " + search_scope(pattern));
    if (!hits) return tl::unexpected(hits.error());
    for (const auto& h : *hits) {
      if (out.size() >= max) break;
      if (!in_scope(pattern, h.repository)) continue;
      if (std::any_of(out.begin(), out.end(),
                      [&](const CodeLocation& c) { return c.repository == h.repository && c.path == h.path; }))
        continue;
      out.push_back({h.repository, h.path, h.url});
    }
  }
  return out;
}

}  // namespace eks::incidents
