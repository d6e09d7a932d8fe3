#pragma once
// Leads from code: where a log line's constant text appears in the manifests and application repositories
// (GitHub code search through the github upstream). A hit says where the message is written or configured,
// which is a lead for a human, not proof of the cause.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/incidents/github.hpp"

namespace eks::incidents {

// The longest run of a log template's constant text between its <*> wildcards, trimmed of punctuation at the
// ends, when it is worth searching for: at least 12 characters and two words. Quotes are dropped (the search
// phrase is quoted).
std::optional<std::string> searchable_text(std::string_view log_template);

// The search scope for a repository pattern: "repo:owner/name" for an exact name, "user:owner" for a glob.
std::string search_scope(const std::string& pattern);
// Whether a hit's repository is one the pattern names (exact, or the glob's literal prefix).
bool in_scope(const std::string& pattern, const std::string& repository);

struct CodeLocation {
  std::string repository;
  std::string path;
  std::string url;
};

// At most `max` places where `text` appears, searching each pattern's scope (at most 3 searches).
GitHubResult<std::vector<CodeLocation>> find_in_code(const GitHub& github, const std::vector<std::string>& patterns,
                                                     const std::string& text, std::size_t max = 5);

}  // namespace eks::incidents
