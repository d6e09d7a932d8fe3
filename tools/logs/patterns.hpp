#pragma once
// Root-cause patterns (tools/logs/patterns/*.yaml, embedded at build time): data, not code. See
// tools/logs/patterns/README.md for the format.
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eks::logs {

struct Pattern {
  std::string id;
  std::string category;  // a root-cause category of schemas/finding.schema.json
  double confidence = 0.5;
  int priority = 0;
  std::vector<std::string> any;  // lower-cased substrings; one must occur
  std::string regex_text;
  std::regex regex;
  std::string summary;  // $0..$9 are replaced by the match's groups
};

struct PatternMatch {
  const Pattern* pattern = nullptr;
  std::string summary;  // with groups substituted
};

class PatternSet {
 public:
  // Parses pattern files ({file name, YAML text}); fails naming the file and the pattern that is broken.
  static std::optional<PatternSet> parse(const std::vector<std::pair<std::string_view, std::string_view>>& files,
                                         std::string* error);
  // The embedded patterns (parsed once; a broken embedded file is a build-time bug, caught by the tests).
  static const PatternSet& builtin();

  // The highest-priority pattern matching the line, if any.
  std::optional<PatternMatch> match(std::string_view line) const;
  const std::vector<Pattern>& patterns() const { return patterns_; }

 private:
  std::vector<Pattern> patterns_;  // sorted by priority, highest first
};

// {file name, YAML text} of every embedded pattern file (generated: patterns_embedded.cpp).
std::vector<std::pair<std::string_view, std::string_view>> embedded_pattern_files();

}  // namespace eks::logs
