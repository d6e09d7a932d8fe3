#pragma once
// Drain-style log template mining: repeated lines become one template with its variable parts as <*>, so
// 10,000 lines of the same noise become a handful of templates with counts.
//
// Two levels, as in Drain (He et al., ICWS 2017): variable-looking words are masked in one pass over the line,
// then the line is looked up by its masked form (the common case, one hash lookup per line); a miss falls back
// to a similarity search among the templates with the same token count and first token, merging when at
// least half the tokens agree (differing positions become <*>, keeping a `key=` or `"key":` prefix).
//
// Masking works on words (runs of letters, digits, `_`, `.`, `-`), not on whitespace tokens, so it reaches
// inside JSON values and key=value pairs: `"trace_id":"9f86d081…"` and `id=0a1b…` mask like a bare id.
// A word is variable when it has a digit and is not a name with a short version suffix (v1, http2, utf8):
// numbers, hex ids, uuids, IPs, dates and times, pod names with random suffixes. A number with a short unit
// keeps the unit ("250ms" -> "<*>ms"). Tokens split on whitespace and after the commas of JSON and CSV.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace eks::logs {

// One log line as `kubectl logs --timestamps` prints it: "<RFC 3339 time> <text>" (time optional).
struct LogLine {
  int number = 0;              // 1-based
  std::string_view timestamp;  // empty when the line has none
  std::string_view text;
};

// Splits log text into lines, separating a leading RFC 3339 timestamp. Views point into `log`.
std::vector<LogLine> split_lines(std::string_view log);

enum class Level { other, warning, error };
// Error/warning classification by keywords (error, fatal, panic, exception, failed, traceback; warn).
Level level_of(std::string_view text);

struct Template {
  // The template's parts in order, "<*>" for variable ones; each carries the separator that followed it in
  // the line (" " for whitespace, "" after a comma or at the end), so text() rebuilds the line's shape.
  std::vector<std::string> tokens;
  int count = 0;
  int first_line = 0;  // line number of the first occurrence
  int last_line = 0;
  std::string example;  // the first line as written
  Level level = Level::other;
  std::string text() const;  // the tokens concatenated
};

class TemplateMiner {
 public:
  // Adds one line (timestamp already removed); returns the template's index.
  std::size_t add(std::string_view text, int line_number);
  const std::vector<Template>& templates() const { return templates_; }

 private:
  std::vector<Template> templates_;
  std::unordered_map<std::string, std::size_t> exact_;                 // masked line -> template
  std::unordered_map<std::string, std::vector<std::size_t>> buckets_;  // "n|first token" -> templates
  std::string masked_;
};

// The masked form of one line (what the miner looks lines up by): variable words become <*>, whitespace runs
// become one space. For tests and for callers that group lines themselves.
std::string mask_line(std::string_view text);

}  // namespace eks::logs
