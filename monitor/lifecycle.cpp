#include "monitor/lifecycle.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdint>
#include <map>
#include <set>

namespace eks::monitor {

std::string_view to_string(Transition t) {
  switch (t) {
    case Transition::fresh: return "new";
    case Transition::pending: return "pending";
    case Transition::changed: return "changed";
    case Transition::unchanged: return "ongoing";
    case Transition::clearing: return "clearing";
    case Transition::resolved: return "resolved";
  }
  return "unknown";
}

std::vector<Step> compare(const std::vector<FindingRecord>& open, const Observation& observation,
                          int clean_cycles_to_resolve) {
  clean_cycles_to_resolve = std::max(1, clean_cycles_to_resolve);
  std::map<std::string, const Json*> seen;
  for (const auto& f : observation.findings) {
    const auto id = f.value("id", "");
    if (!id.empty()) seen.emplace(id, &f);
  }
  std::vector<Step> steps;
  std::set<std::string> known;
  for (const auto& before : open) {
    known.insert(before.id);
    FindingRecord r = before;
    if (auto it = seen.find(r.id); it != seen.end()) {
      Json previous = std::move(r.finding);
      r.finding = *it->second;
      r.last_seen = observation.at;
      r.clean_cycles = 0;
      // Back before its incident was closed: the same incident goes on.
      r.resolving = false;
      r.resolved_at.reset();
      Transition t = Transition::unchanged;
      if (!r.handled) t = Transition::pending;
      else if (r.incident_number > 0 && evidence_digest(r.finding) != r.evidence_digest) t = Transition::changed;
      steps.push_back({std::move(r), t, std::move(previous)});
      continue;
    }
    if (r.resolving) {  // closing its incident failed last time
      steps.push_back({std::move(r), Transition::resolved, Json()});
      continue;
    }
    if (!observation.complete) {
      steps.push_back({std::move(r), Transition::clearing, Json()});
      continue;
    }
    ++r.clean_cycles;
    if (r.clean_cycles >= clean_cycles_to_resolve) {
      r.resolved_at = observation.at;
      steps.push_back({std::move(r), Transition::resolved, Json()});
    } else {
      steps.push_back({std::move(r), Transition::clearing, Json()});
    }
  }
  for (const auto& [id, finding] : seen) {
    if (known.count(id)) continue;
    FindingRecord r;
    r.id = id;
    r.finding = *finding;
    r.first_seen = r.last_seen = observation.at;
    steps.push_back({std::move(r), Transition::fresh, Json()});
  }
  return steps;
}

namespace {

// Kubernetes' generated-name alphabet (utilrand): no vowels, no 0, 1, 3, so no words and no look-alikes.
bool generated_char(char c) {
  static const std::string alphabet = "bcdfghjklmnpqrstvwxz2456789";
  return alphabet.find(c) != std::string::npos;
}

// Digits become '#'; "-xxxxx" suffixes of generated names become "-*".
std::string masked(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '-' && i + 6 <= text.size()) {
      std::size_t n = 0;
      while (n < 5 && generated_char(text[i + 1 + n])) ++n;
      const bool ends = i + 6 == text.size() || !std::isalnum(static_cast<unsigned char>(text[i + 6]));
      if (n == 5 && ends) {
        out += "-*";
        i += 5;
        continue;
      }
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (out.empty() || out.back() != '#') out += '#';
      continue;
    }
    out += c;
  }
  return out;
}

std::set<std::string> evidence_lines(const Json& finding) {
  std::set<std::string> lines;
  for (const auto& e : finding.value("evidence", Json::array()))
    if (e.is_object()) lines.insert(e.value("source", "") + ": " + masked(e.value("text", "")));
  return lines;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string evidence_digest(const Json& finding) {
  std::string text = finding.value("severity", "") + "\n" + finding.value("reason", "") + "\n";
  if (const auto rc = finding.find("root_cause"); rc != finding.end() && rc->is_object())
    text += rc->value("category", "") + "\n" + masked(rc->value("summary", "")) + "\n";
  text += std::to_string(finding.value("count", 1)) + "\n";
  for (const auto& line : evidence_lines(finding)) text += line + "\n";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(text)));
  return hex;
}

std::vector<std::string> new_evidence(const Json& before, const Json& now) {
  const auto old_lines = evidence_lines(before);
  std::vector<std::string> out;
  for (const auto& line : evidence_lines(now))
    if (!old_lines.count(line)) out.push_back(line);
  return out;
}

}  // namespace eks::monitor
