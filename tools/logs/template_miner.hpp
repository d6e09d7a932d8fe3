#pragma once
// Drain-style log template mining: repeated lines become one template with its variable parts as <*>, so
// 10,000 lines of the same noise become a handful of templates with counts.
//
// Two levels, as in Drain (He et al., ICWS 2017): a line is tokenised on whitespace and variable-looking parts
// are masked (digit runs, hex ids, uuids), then it is looked up by its masked form (the common case, one hash
// lookup per line); a miss falls back to a similarity search among the templates with the same token count
// and first token, merging when at least half the tokens agree (differing positions become <*>).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace eks::logs {

// One log line as `kubectl logs --timestamps` prints it: "<RFC 3339 time> <text>" (time optional).
struct LogLine {
  int number = 0;            // 1-based
  std::string_view timestamp;  // empty when the line has none
  std::string_view text;
};

// Splits log text into lines, separating a leading RFC 3339 timestamp. Views point into `log`.
std::vector<LogLine> split_lines(std::string_view log);

enum class Level { other, warning, error };
// Error/warning classification by keywords (error, fatal, panic, exception, failed, traceback; warn).
Level level_of(std::string_view text);

struct Template {
  std::vector<std::string> tokens;  // "<*>" for variable positions
  int count = 0;
  int first_line = 0;   // line number of the first occurrence
  int last_line = 0;
  std::string example;  // the first line as written
  Level level = Level::other;
  std::string text() const;  // tokens joined by spaces
};

class TemplateMiner {
 public:
  // Adds one line (timestamp already removed); returns the template's index.
  std::size_t add(std::string_view text, int line_number);
  const std::vector<Template>& templates() const { return templates_; }

 private:
  std::vector<Template> templates_;
  std::unordered_map<std::string, std::size_t> exact_;                // masked line -> template
  std::unordered_map<std::string, std::vector<std::size_t>> buckets_;  // "n|first token" -> templates
  std::vector<std::string> scratch_;
  std::string masked_;
};

}  // namespace eks::logs
