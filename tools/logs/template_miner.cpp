#include "tools/logs/template_miner.hpp"

#include <algorithm>
#include <cctype>

namespace eks::logs {
namespace {

constexpr std::string_view kWildcard = "<*>";

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// "2025-03-11T14:04:24.000123456Z" or "...+01:00": the kubelet's prefix.
bool looks_like_rfc3339(std::string_view s) {
  return s.size() >= 20 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
         s[13] == ':' && s[16] == ':';
}

// Masks the variable parts of one token: a token that is mostly an id (hex of 8+ with a digit, uuid) becomes
// <*>; otherwise every digit run inside it becomes <*> ("duration_ms":12} -> "duration_ms":<*>}).
void mask_token(std::string_view token, std::string& out) {
  std::size_t hex = 0, digits = 0;
  for (char c : token) {
    if (is_hex(c) || c == '-') ++hex;
    if (is_digit(c)) ++digits;
  }
  if (digits > 0 && token.size() >= 8 && hex == token.size()) {
    out.append(kWildcard);
    return;
  }
  for (std::size_t i = 0; i < token.size();) {
    if (is_digit(token[i])) {
      while (i < token.size() && (is_digit(token[i]) || token[i] == '.')) ++i;
      out.append(kWildcard);
    } else {
      out.push_back(token[i++]);
    }
  }
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return it != haystack.end();
}

}  // namespace

std::vector<LogLine> split_lines(std::string_view log) {
  std::vector<LogLine> lines;
  lines.reserve(log.size() / 64 + 1);
  int number = 0;
  std::size_t pos = 0;
  while (pos < log.size()) {
    std::size_t end = log.find('\n', pos);
    if (end == std::string_view::npos) end = log.size();
    std::string_view line = log.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    LogLine out;
    out.number = ++number;
    if (looks_like_rfc3339(line)) {
      const std::size_t space = line.find(' ');
      if (space != std::string_view::npos) {
        out.timestamp = line.substr(0, space);
        line.remove_prefix(space + 1);
      } else {
        out.timestamp = line;
        line = {};
      }
    }
    out.text = line;
    lines.push_back(out);
  }
  return lines;
}

Level level_of(std::string_view text) {
  // Cheap first: most lines have none of the letters that start these words in either case.
  static constexpr std::string_view kError[] = {"error", "fatal", "panic", "exception", "failed", "traceback",
                                                "critical", "refused", "denied", "killed"};
  for (auto word : kError) {
    if (icontains(text, word)) {
      // "level":"info" lines that merely mention a word still count as info when they say so explicitly.
      if (icontains(text, "\"level\":\"info\"") || icontains(text, "level=info")) return Level::other;
      return Level::error;
    }
  }
  if (icontains(text, "warn")) return Level::warning;
  return Level::other;
}

std::string Template::text() const {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out.push_back(' ');
    out.append(t);
  }
  return out;
}

std::size_t TemplateMiner::add(std::string_view text, int line_number) {
  scratch_.clear();
  masked_.clear();
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    std::size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    std::string token;
    mask_token(text.substr(i, j - i), token);
    if (!masked_.empty()) masked_.push_back(' ');
    masked_.append(token);
    scratch_.push_back(std::move(token));
    i = j;
  }
  if (const auto it = exact_.find(masked_); it != exact_.end()) {
    Template& t = templates_[it->second];
    ++t.count;
    t.last_line = line_number;
    return it->second;
  }
  // Similarity search among templates of the same length and first token.
  const std::string bucket_key =
      std::to_string(scratch_.size()) + "|" + (scratch_.empty() ? std::string() : scratch_.front());
  auto& bucket = buckets_[bucket_key];
  std::size_t best = templates_.size();
  double best_similarity = 0;
  for (std::size_t index : bucket) {
    const auto& tokens = templates_[index].tokens;
    std::size_t same = 0;
    for (std::size_t k = 0; k < tokens.size(); ++k) {
      if (tokens[k] == scratch_[k] || tokens[k] == kWildcard) ++same;
    }
    const double similarity = tokens.empty() ? 1.0 : static_cast<double>(same) / static_cast<double>(tokens.size());
    if (similarity > best_similarity) {
      best_similarity = similarity;
      best = index;
    }
  }
  if (best < templates_.size() && best_similarity >= 0.5 && scratch_.size() > 1) {
    Template& t = templates_[best];
    for (std::size_t k = 0; k < t.tokens.size(); ++k) {
      if (t.tokens[k] != scratch_[k]) t.tokens[k] = std::string(kWildcard);
    }
    ++t.count;
    t.last_line = line_number;
    exact_.emplace(masked_, best);
    return best;
  }
  Template t;
  t.tokens = scratch_;
  t.count = 1;
  t.first_line = t.last_line = line_number;
  t.example = std::string(text);
  t.level = level_of(text);
  templates_.push_back(std::move(t));
  const std::size_t index = templates_.size() - 1;
  bucket.push_back(index);
  exact_.emplace(masked_, index);
  return index;
}

}  // namespace eks::logs
