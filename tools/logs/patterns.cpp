#include "tools/logs/patterns.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "safety/yaml_json.hpp"
#include "server/text.hpp"
#include "tools/logs/quote.hpp"

namespace eks::logs {
namespace {

// "$1" -> group 1 of the match, "$0" the whole match; groups that did not take part are empty. The groups are
// log text: each run of adjacent groups ("$1$2$3", alternatives of which one matched) is one piece, which stays
// bare when it is a plain token (a variable name, host:port, a path) and is quoted as data otherwise.
std::string substitute(const std::string& summary, const std::cmatch& m) {
  std::string out;
  for (std::size_t i = 0; i < summary.size(); ++i) {
    if (summary[i] == '$' && i + 1 < summary.size() && std::isdigit(static_cast<unsigned char>(summary[i + 1]))) {
      std::string groups;
      for (; i + 1 < summary.size() && summary[i] == '$' && std::isdigit(static_cast<unsigned char>(summary[i + 1]));
           i += 2) {
        const auto group = static_cast<std::size_t>(summary[i + 1] - '0');
        if (group < m.size() && m[group].matched) groups.append(m[group].first, m[group].second);
      }
      --i;
      if (!groups.empty()) out += plain_or_quoted(groups, "log");
    } else {
      out.push_back(summary[i]);
    }
  }
  return out;
}

}  // namespace

std::optional<PatternSet> PatternSet::parse(const std::vector<std::pair<std::string_view, std::string_view>>& files,
                                            std::string* error) {
  PatternSet set;
  auto fail = [&](const std::string& message) -> std::optional<PatternSet> {
    if (error) *error = message;
    return std::nullopt;
  };
  for (const auto& [file, text] : files) {
    auto parsed = safety::yaml::parse(text, std::string(file));
    if (!parsed) return fail(parsed.error());
    if (!parsed->value.is_array()) return fail(std::string(file) + ": expected a list of patterns");
    for (const auto& item : parsed->value) {
      const std::string where = std::string(file) + ": pattern " + item.value("id", std::string("(no id)"));
      try {
        Pattern p;
        p.id = item.at("id").get<std::string>();
        p.category = item.at("category").get<std::string>();
        p.confidence = item.at("confidence").get<double>();
        p.priority = item.at("priority").get<int>();
        for (const auto& a : item.at("any")) p.any.push_back(lower_ascii(a.get<std::string>()));
        p.regex_text = item.at("regex").get<std::string>();
        p.regex = std::regex(p.regex_text, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
        p.summary = item.at("summary").get<std::string>();
        set.patterns_.push_back(std::move(p));
      } catch (const std::exception& e) {
        return fail(where + ": " + e.what());
      }
    }
  }
  std::stable_sort(set.patterns_.begin(), set.patterns_.end(),
                   [](const Pattern& a, const Pattern& b) { return a.priority > b.priority; });
  return set;
}

const PatternSet& PatternSet::builtin() {
  static const PatternSet set = [] {
    std::string error;
    auto parsed = parse(embedded_pattern_files(), &error);
    if (!parsed) throw std::logic_error("embedded log patterns are broken: " + error);
    return std::move(*parsed);
  }();
  return set;
}

std::optional<PatternMatch> PatternSet::match(std::string_view line) const {
  if (line.size() > 4096) line = line.substr(0, 4096);  // bounds regex work on hostile input
  const std::string lowered = lower_ascii(line);
  for (const auto& p : patterns_) {
    const bool candidate = p.any.empty() || std::any_of(p.any.begin(), p.any.end(), [&](const std::string& a) {
                             return lowered.find(a) != std::string::npos;
                           });
    if (!candidate) continue;
    std::cmatch m;
    if (std::regex_search(line.data(), line.data() + line.size(), m, p.regex)) {
      return PatternMatch{&p, substitute(p.summary, m)};
    }
  }
  return std::nullopt;
}

}  // namespace eks::logs
