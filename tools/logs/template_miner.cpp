#include "tools/logs/template_miner.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace eks::logs {
namespace {

constexpr std::string_view kWildcard = "<*>";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Character classes for the masking pass, one table lookup per byte.
enum : unsigned char {
  kSpace = 1,
  kDigit = 2,
  kHexLetter = 4,
  kLetter = 8,
  kJoiner = 16,
  kWord = kDigit | kLetter | kJoiner
};
constexpr std::array<unsigned char, 256> make_classes() {
  std::array<unsigned char, 256> t{};
  t[' '] = t['\t'] = t['\r'] = kSpace;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = kDigit;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = kLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = kLetter;
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] |= kHexLetter;
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] |= kHexLetter;
  t['_'] = t['.'] = t['-'] = kJoiner;
  return t;
}
constexpr auto kClass = make_classes();
unsigned char class_of(char c) { return kClass[static_cast<unsigned char>(c)]; }

// "2025-03-11T14:04:24.000123456Z" or "...+01:00": the kubelet's prefix.
bool looks_like_rfc3339(std::string_view s) {
  return s.size() >= 20 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
         s[13] == ':' && s[16] == ':';
}

// Appends one word that contains a digit, masked: see the header for the rules.
void mask_word(std::string_view word, std::size_t digits, std::size_t non_hex_letters, std::string& out) {
  if (non_hex_letters == 0) {  // numbers, hex ids, uuids, IPs, dates
    out.append(kWildcard);
    return;
  }
  // A number with a short unit: "250ms", "1.5GB", "10Mi".
  std::size_t i = 0;
  while (i < word.size() && (is_digit(word[i]) || word[i] == '.')) ++i;
  if (i > 0 && word.size() - i <= 3 &&
      std::all_of(word.begin() + static_cast<std::ptrdiff_t>(i), word.end(),
                  [](char c) { return (class_of(c) & kLetter) != 0; })) {
    out.append(kWildcard);
    out.append(word.substr(i));
    return;
  }
  // A name with a short version suffix stays: v1, http2, utf8, ipv4, k8s, ec2.
  if ((class_of(word[0]) & kLetter) && digits <= 2 && word.size() <= 8) {
    out.append(word);
    return;
  }
  out.append(kWildcard);
}

void mask_into(std::string_view text, std::string& out) {
  const std::size_t n = text.size();
  bool space = false;
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = class_of(text[i]);
    if (c & kSpace) {
      space = !out.empty();
      ++i;
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    if (!(c & kWord)) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t j = i, digits = 0, non_hex_letters = 0;
    for (; j < n; ++j) {
      const unsigned char w = class_of(text[j]);
      if (!(w & kWord)) break;
      digits += (w & kDigit) != 0;
      non_hex_letters += (w & (kLetter | kHexLetter)) == kLetter;
    }
    const std::string_view word = text.substr(i, j - i);
    if (digits == 0) out.append(word);
    else mask_word(word, digits, non_hex_letters, out);
    i = j;
  }
}

// Splits a masked line into tokens, each with its separator: "a, b c" -> "a, " "b " "c".
std::vector<std::string_view> tokens_of(std::string_view masked) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < masked.size(); ++i) {
    if (masked[i] != ' ' && masked[i] != ',') continue;
    std::size_t end = i + 1;
    if (masked[i] == ',' && end < masked.size() && masked[end] == ' ') ++end;
    out.push_back(masked.substr(start, end - start));
    start = end;
    i = end - 1;
  }
  if (start < masked.size()) out.push_back(masked.substr(start));
  return out;
}

// Two tokens at the same position merged: equal stays, else the common `key=` / `"key":` prefix is kept and
// the rest becomes <*> (with the template's separator).
std::string merge_token(std::string_view a, std::string_view b) {
  if (a == b) return std::string(a);
  auto core = [](std::string_view t) {
    while (!t.empty() && (t.back() == ' ' || t.back() == ',')) t.remove_suffix(1);
    return t;
  };
  const std::string_view ca = core(a), cb = core(b);
  std::size_t common = 0;
  while (common < ca.size() && common < cb.size() && ca[common] == cb[common]) ++common;
  const std::size_t key_end = ca.substr(0, common).find_last_of(":=");
  std::string out(key_end == std::string_view::npos ? std::string_view() : ca.substr(0, key_end + 1));
  out.append(kWildcard);
  out.append(a.substr(ca.size()));
  return out;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  const auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                              [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

}  // namespace

std::string mask_line(std::string_view text) {
  std::string out;
  mask_into(text, out);
  return out;
}

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
  static constexpr std::string_view kError[] = {"error",     "fatal",    "panic",   "exception", "failed",
                                                "traceback", "critical", "refused", "denied",    "killed"};
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
  for (const auto& t : tokens) out.append(t);
  return out;
}

std::size_t TemplateMiner::add(std::string_view text, int line_number) {
  masked_.clear();
  mask_into(text, masked_);
  if (const auto it = exact_.find(masked_); it != exact_.end()) {
    Template& t = templates_[it->second];
    ++t.count;
    t.last_line = line_number;
    return it->second;
  }
  // Similarity search among templates of the same length and first token.
  const auto tokens = tokens_of(masked_);
  std::string bucket_key = std::to_string(tokens.size()) + "|";
  if (!tokens.empty()) bucket_key.append(tokens.front());
  auto& bucket = buckets_[bucket_key];
  std::size_t best = templates_.size();
  double best_similarity = 0;
  for (std::size_t index : bucket) {
    const auto& have = templates_[index].tokens;
    std::size_t same = 0;
    for (std::size_t k = 0; k < have.size(); ++k) {
      // Same token, or one the template already generalises (<*>, "key":<*>).
      if (have[k] == tokens[k] ||
          (have[k].find(kWildcard) != std::string::npos && merge_token(have[k], tokens[k]) == have[k]))
        ++same;
    }
    const double similarity = have.empty() ? 1.0 : static_cast<double>(same) / static_cast<double>(have.size());
    if (similarity > best_similarity) {
      best_similarity = similarity;
      best = index;
    }
  }
  if (best < templates_.size() && best_similarity >= 0.5 && tokens.size() > 1) {
    Template& t = templates_[best];
    for (std::size_t k = 0; k < t.tokens.size(); ++k) t.tokens[k] = merge_token(t.tokens[k], tokens[k]);
    ++t.count;
    t.last_line = line_number;
    exact_.emplace(masked_, best);
    return best;
  }
  Template t;
  t.tokens.assign(tokens.begin(), tokens.end());
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
