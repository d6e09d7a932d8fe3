#pragma once
// What a container's log says: templates mined from it, the first error, the lines that name the root cause
// (matched against the data-file patterns), and what an exit code means. Pure functions of the text: no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/logs/patterns.hpp"
#include "tools/logs/template_miner.hpp"

namespace eks::logs {

struct KeyLine {
  std::string container;
  int line = 0;
  std::string timestamp;
  std::string text;
  std::string pattern;  // id of the pattern it matched, if any
};

struct LogCause {
  std::string category;
  std::string summary;
  double confidence = 0;
  int priority = 0;
  std::string pattern;
  KeyLine line;  // the line that names it
};

struct TemplateSummary {
  std::string text;
  int count = 0;
  Level level = Level::other;
  std::string example;
  int first_line = 0;
};

struct LogAnalysis {
  std::string container;
  int lines = 0;
  std::optional<LogCause> cause;
  std::optional<KeyLine> first_error;
  std::vector<KeyLine> key_lines;          // the cause's lines and other error lines, in log order
  std::vector<TemplateSummary> templates;  // errors first, then by count
};

// Mines and matches one container's log. `max_key_lines` bounds key_lines; templates are capped at 50.
LogAnalysis analyze_log(std::string_view text, std::string container,
                        const PatternSet& patterns = PatternSet::builtin(), std::size_t max_key_lines = 20);

// The better of two causes: higher priority, then higher confidence, then the first seen.
const LogCause* better_cause(const LogCause* a, const LogCause* b);

// What a container exit code means ("137: killed by SIGKILL — the OOM killer or a failed liveness probe").
std::string exit_code_meaning(int code);

// "error" | "warning" | "info".
std::string_view to_string(Level level);

}  // namespace eks::logs
