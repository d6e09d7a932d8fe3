#include "tools/logs/log_analysis.hpp"

#include <algorithm>

namespace eks::logs {

std::string_view to_string(Level level) {
  switch (level) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::other: break;
  }
  return "info";
}

const LogCause* better_cause(const LogCause* a, const LogCause* b) {
  if (!a) return b;
  if (!b) return a;
  if (b->priority != a->priority) return b->priority > a->priority ? b : a;
  if (b->confidence != a->confidence) return b->confidence > a->confidence ? b : a;
  return a;
}

LogAnalysis analyze_log(std::string_view text, std::string container, const PatternSet& patterns,
                        std::size_t max_key_lines) {
  LogAnalysis out;
  out.container = std::move(container);
  const auto lines = split_lines(text);
  out.lines = static_cast<int>(lines.size());
  TemplateMiner miner;
  std::vector<std::size_t> template_of(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) template_of[i] = miner.add(lines[i].text, lines[i].number);
  const auto& templates = miner.templates();

  auto key_line = [&](int number, std::string pattern = {}) {
    const LogLine& l = lines[static_cast<std::size_t>(number - 1)];
    return KeyLine{out.container, l.number, std::string(l.timestamp), std::string(l.text), std::move(pattern)};
  };

  // Patterns run once per template (on its first line), not per line: that is what keeps them cheap.
  std::vector<std::optional<PatternMatch>> matches(templates.size());
  std::optional<LogCause> best;
  for (std::size_t t = 0; t < templates.size(); ++t) {
    matches[t] = patterns.match(templates[t].example);
    if (!matches[t]) continue;
    LogCause cause{matches[t]->pattern->category,   matches[t]->summary,
                   matches[t]->pattern->confidence, matches[t]->pattern->priority,
                   matches[t]->pattern->id,         key_line(templates[t].first_line, matches[t]->pattern->id)};
    // A cause repeated on an error-level line is a little surer than one seen once in passing.
    if (templates[t].level == Level::error) cause.confidence = std::min(1.0, cause.confidence + 0.03);
    if (!best || better_cause(&*best, &cause) == &cause) best = std::move(cause);
  }
  out.cause = std::move(best);

  // First error and key lines, in log order: lines of matched templates and error-level templates.
  std::vector<int> picked;
  std::vector<int> per_template(templates.size(), 0);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::size_t t = template_of[i];
    const bool matched = matches[t].has_value();
    const bool error = templates[t].level == Level::error;
    if (!out.first_error && (error || matched))
      out.first_error = key_line(lines[i].number, matched ? matches[t]->pattern->id : "");
    if ((matched || error) && per_template[t] < 2 && picked.size() < max_key_lines) {
      ++per_template[t];
      picked.push_back(lines[i].number);
    }
  }
  // The cause's line always makes the cut.
  if (out.cause && std::find(picked.begin(), picked.end(), out.cause->line.line) == picked.end()) {
    if (picked.size() >= max_key_lines && !picked.empty()) picked.pop_back();
    picked.push_back(out.cause->line.line);
    std::sort(picked.begin(), picked.end());
  }
  for (int n : picked) {
    const std::size_t t = template_of[static_cast<std::size_t>(n - 1)];
    out.key_lines.push_back(key_line(n, matches[t] ? matches[t]->pattern->id : ""));
  }

  std::vector<std::size_t> order(templates.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int la = static_cast<int>(templates[a].level), lb = static_cast<int>(templates[b].level);
    if (la != lb) return la > lb;
    return templates[a].count > templates[b].count;
  });
  for (std::size_t i = 0; i < order.size() && i < 50; ++i) {
    const Template& t = templates[order[i]];
    out.templates.push_back(TemplateSummary{t.text(), t.count, t.level, t.example, t.first_line});
  }
  return out;
}

std::string exit_code_meaning(int code) {
  switch (code) {
    case 0: return "0: exited successfully";
    case 1: return "1: the application exited with a general error (see its log)";
    case 2: return "2: misuse of a shell builtin or invalid arguments";
    case 126: return "126: the command was found but could not be executed (permissions or not executable)";
    case 127: return "127: the command was not found in the image (wrong command/entrypoint or PATH)";
    case 128: return "128: invalid exit argument";
    case 130: return "130: interrupted (SIGINT)";
    case 134: return "134: aborted (SIGABRT), e.g. a failed assertion or a C++ terminate";
    case 137:
      return "137: killed by SIGKILL: the OOM killer (memory limit), or the kubelet when a stop outlasts the grace "
             "period (after a failed liveness probe, or a preStop hook that fails or hangs)";
    case 139: return "139: segmentation fault (SIGSEGV)";
    case 143:
      return "143: terminated by SIGTERM: the pod was stopped (liveness probe, eviction, rollout or scale-down)";
    default: break;
  }
  if (code > 128 && code < 160) return std::to_string(code) + ": killed by signal " + std::to_string(code - 128);
  return std::to_string(code) + ": application-defined exit status (see its log)";
}

}  // namespace eks::logs
