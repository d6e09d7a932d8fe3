#include "safety/redactor.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include "server/text.hpp"

namespace eks::safety {
namespace {

using nlohmann::json;

// ASCII only, as std::isalnum in the C locale, but inlined: it is asked about nearly every byte redacted.
bool alnum(char c) {
  const char folded = static_cast<char>(c | 0x20);
  return (c >= '0' && c <= '9') || (folded >= 'a' && folded <= 'z');
}
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool lower_c(char c) { return c >= 'a' && c <= 'z'; }
bool base64url(char c) { return alnum(c) || c == '-' || c == '_'; }
bool ident(char c) { return alnum(c) || c == '_' || c == '-' || c == '.'; }

// Builds a masked copy of a text in one pass. Replacing in place would move the whole tail on every mask,
// which is quadratic on a large result holding many secrets; this copies each byte once. Nothing is copied
// until the first replacement, so text without secrets costs no allocation.
class Splicer {
 public:
  explicit Splicer(const std::string& text) : text_(text) {}
  // Replaces [start, end) of the original text; calls come in increasing, non-overlapping order.
  void replace(std::size_t start, std::size_t end, std::string_view with) {
    if (!changed_) out_.reserve(text_.size());
    changed_ = true;
    out_.append(text_, copied_, start - copied_);
    out_ += with;
    copied_ = end;
  }
  // Where original position `pos` (not before the last replacement) lands in the output.
  std::size_t output_position(std::size_t pos) const { return out_.size() + (pos - copied_); }
  // Whether `c` occurs among the `window` output characters before original position `pos`: lookbacks see
  // the text as already masked, so a '{' inside a masked value opens nothing.
  bool recent_contains(std::size_t pos, std::size_t window, char c) const {
    const std::size_t original = std::min(window, pos - copied_);
    if (std::string_view(text_).substr(pos - original, original).find(c) != std::string_view::npos) return true;
    const std::size_t rest = std::min(window - original, out_.size());
    return std::string_view(out_).substr(out_.size() - rest).find(c) != std::string_view::npos;
  }
  void finish(std::string& text) {
    if (!changed_) return;
    out_.append(text_, copied_, std::string::npos);
    text = std::move(out_);
  }

 private:
  const std::string& text_;
  std::string out_;
  std::size_t copied_ = 0;
  bool changed_ = false;
};

bool starts_with_ci(std::string_view text, std::size_t at, std::string_view prefix) {
  if (at + prefix.size() > text.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// Splits a key into lower-case words at separators and camelCase boundaries ("APIKey" -> api, key).
std::vector<std::string> words(std::string_view key) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out.push_back(lower_ascii(word));
    word.clear();
  };
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (!alnum(c)) {
      flush();
      continue;
    }
    if (!word.empty() && upper(c)) {
      const char prev = word.back();
      const bool next_lower = i + 1 < key.size() && lower_c(key[i + 1]);
      if (lower_c(prev) || (upper(prev) && next_lower)) flush();
    }
    word.push_back(c);
  }
  flush();
  return out;
}

// ---- secret-shaped tokens ------------------------------------------------------------------------------------

std::size_t run(std::string_view text, std::size_t at, bool (*pred)(char)) {
  std::size_t end = at;
  while (end < text.size() && pred(text[end])) ++end;
  return end - at;
}

bool upper_digit(char c) { return upper(c) || (c >= '0' && c <= '9'); }
bool token_char(char c) { return alnum(c) || c == '_'; }
bool ant_char(char c) { return alnum(c) || c == '_' || c == '-'; }
bool slack_char(char c) { return alnum(c) || c == '-'; }
// The alphabet of an AWS secret access key: standard base64 without the padding.
bool b64(char c) { return alnum(c) || c == '+' || c == '/'; }
// strchr finds the terminating NUL too; a NUL in the text is never one of `set`.
bool one_of(char c, const char* set) { return c != '\0' && std::strchr(set, c) != nullptr; }

// Length of a secret-shaped token starting at `at` (a word boundary), 0 when there is none.
std::size_t token_at(std::string_view text, std::size_t at) {
  const char c = text[at];
  if (c == 'A' && at + 20 <= text.size()) {
    // AWS access key ids: a four-letter prefix and 16 upper-case letters or digits.
    static constexpr std::array<std::string_view, 10> kAws = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA",
                                                              "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"};
    for (auto prefix : kAws) {
      if (text.compare(at, 4, prefix) == 0 && run(text, at + 4, upper_digit) == 16 &&
          (at + 20 == text.size() || !alnum(text[at + 20]))) {
        return 20;
      }
    }
  }
  if (c == 'A' && text.compare(at, 4, "AIza") == 0) {
    // Google API keys: "AIza" and 35 characters of [A-Za-z0-9_-].
    const std::size_t n = run(text, at + 4, ant_char);
    if (n >= 35) return 4 + n;
  }
  if (c == 'g') {
    // GitHub tokens: ghp_, gho_, ghu_, ghs_, ghr_ and 36 characters; fine-grained github_pat_...
    if (at + 4 <= text.size() && text[at + 1] == 'h' && text[at + 3] == '_' && one_of(text[at + 2], "pousr")) {
      const std::size_t n = run(text, at + 4, alnum);
      if (n >= 30) return 4 + n;
    }
    if (text.compare(at, 11, "github_pat_") == 0) {
      const std::size_t n = run(text, at + 11, token_char);
      if (n >= 20) return 11 + n;
    }
  }
  if (c == 's' && text.compare(at, 7, "sk-ant-") == 0) {
    const std::size_t n = run(text, at + 7, ant_char);
    if (n >= 10) return 7 + n;
  }
  if (c == 'e' && text.compare(at, 3, "eyJ") == 0) {
    // A JWT: three base64url segments, the header's JSON starting with {" (eyJ).
    const std::size_t a = run(text, at, base64url);
    if (a >= 10 && at + a < text.size() && text[at + a] == '.') {
      const std::size_t b = run(text, at + a + 1, base64url);
      if (b >= 10 && at + a + 1 + b < text.size() && text[at + a + 1 + b] == '.') {
        const std::size_t s = run(text, at + a + b + 2, base64url);
        return a + b + 2 + s;
      }
    }
  }
  if (c == 'x') {
    // Slack tokens: bot, user, workspace-app, refresh and legacy tokens (xoxb- xoxp- xoxa- xoxr- xoxs-) and
    // app-level tokens (xapp-), each followed by at least ten of [A-Za-z0-9-].
    const bool xox =
        text.compare(at, 3, "xox") == 0 && at + 4 < text.size() && one_of(text[at + 3], "baprs") && text[at + 4] == '-';
    if (xox || text.compare(at, 5, "xapp-") == 0) {
      const std::size_t n = run(text, at + 5, slack_char);
      if (n >= 10) return 5 + n;
    }
  }
  return 0;
}

struct Span {
  std::size_t start = 0, size = 0;
};

// True when the line before the one starting at `start` (after any indentation) ends in a base64 run longer
// than 40 characters: `start` is then inside a wrapped blob, like a certificate whose last line has 40.
bool follows_wrapped_base64(std::string_view text, std::size_t start) {
  std::size_t i = start;
  for (int indent = 0; indent < 64 && i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t'); ++indent) --i;
  if (i >= 2 && text[i - 2] == '\\' && text[i - 1] == 'n') {  // a newline escaped inside a JSON string
    i -= 2;
    if (i >= 2 && text[i - 2] == '\\' && text[i - 1] == 'r') i -= 2;
  } else if (i >= 1 && text[i - 1] == '\n') {
    --i;
    if (i >= 1 && text[i - 1] == '\r') --i;
  } else {
    return false;
  }
  if (i < 41) return false;
  for (std::size_t k = i - 41; k < i; ++k) {
    if (!b64(text[k])) return false;
  }
  return true;
}

// A bare AWS secret access key in the run of base64 characters starting at `at`: 40 of [A-Za-z0-9+/] standing
// alone. Commit SHAs and digests are hex, uids have dashes, a longer blob is a longer run; what remains is told
// apart by the mix a random key has — upper and lower case, and a digit, '+' or '/' — and by what identifiers
// and paths have and a random key rarely does (about 1 in 100, measured on random keys): words, i.e. 18 or more
// lower-case letters in runs of three or more, or nine in one run; or five '/'.
Span bare_aws_secret(std::string_view text, std::size_t at) {
  constexpr std::size_t kLength = 40;
  std::size_t start = at;
  // After "\n" in a JSON string the 'n' belongs to the escape, not to the key.
  if (at > 0 && text[at - 1] == '\\' && one_of(text[at], "nrt")) ++start;
  if (start + kLength > text.size()) return {};
  std::size_t n = 0;
  while (n <= kLength && start + n < text.size() && b64(text[start + n])) ++n;
  if (n != kLength) return {};
  const std::size_t end = start + kLength;
  // Neighbours that make the run part of something longer: '-' and '_' a base64url blob or an identifier, '%'
  // an URL-encoded value, "==" the padding of a blob just before.
  if (at > 0) {
    const char before = text[at - 1];
    if (before == '-' || before == '_' || before == '%') return {};
    if (before == '=' && at >= 2 && text[at - 2] == '=') return {};
  }
  if (end < text.size()) {
    const char after = text[end];
    if (after == '-' || after == '_' || after == '%') return {};
    // '=' then a value is an assignment; '=' then anything else is padding, which a lone 40-character blob
    // never has (30 bytes encode to exactly 40): the run is the tail of a longer, wrapped or split blob.
    if (after == '=' && (end + 1 == text.size() || !b64(text[end + 1]))) return {};
  }
  bool has_upper = false, has_lower = false, has_digit = false, has_symbol = false, all_hex = true;
  std::size_t slashes = 0, lower_run = 0, longest_lower_run = 0, letters_in_words = 0;
  for (std::size_t k = start; k <= end; ++k) {
    const char c = k < end ? text[k] : '\0';  // one step past the end closes the last run
    if (k < end && lower_c(c)) {
      ++lower_run;
    } else {
      longest_lower_run = std::max(longest_lower_run, lower_run);
      if (lower_run >= 3) letters_in_words += lower_run;
      lower_run = 0;
    }
    if (k == end) break;
    has_upper = has_upper || upper(c);
    has_lower = has_lower || lower_c(c);
    has_digit = has_digit || (c >= '0' && c <= '9');
    has_symbol = has_symbol || c == '+' || c == '/';
    all_hex = all_hex && std::isxdigit(static_cast<unsigned char>(c)) != 0;
    if (c == '/') ++slashes;
  }
  if (!has_upper || !has_lower || !(has_digit || has_symbol) || all_hex) return {};
  if (letters_in_words >= 18 || longest_lower_run >= 9 || slashes >= 5) return {};
  if (follows_wrapped_base64(text, start)) return {};
  return {start, kLength};
}

void mask_tokens(std::string& text) {
  Splicer out(text);
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if ((c == 'A' || c == 'g' || c == 'e' || c == 's' || c == 'x') && (i == 0 || !alnum(text[i - 1]))) {
      if (const std::size_t n = token_at(text, i); n > 0) {
        out.replace(i, i + n, kMask);
        i += n;
        continue;
      }
    }
    // Each maximal base64 run is looked at once, from its first character.
    if (b64(c) && (i == 0 || !b64(text[i - 1]))) {
      if (const Span key = bare_aws_secret(text, i); key.size > 0) {
        out.replace(key.start, key.start + key.size, kMask);
        i = key.start + key.size;
        continue;
      }
    }
    ++i;
  }
  out.finish(text);
}

// ---- PEM private keys ------------------------------------------------------------------------------------------

void mask_private_keys(std::string& text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t begin = text.find("-----BEGIN ", from);
    if (begin == std::string::npos) return;
    const std::size_t header_end = text.find("-----", begin + 11);
    if (header_end == std::string::npos) return;
    const std::string_view label(text.data() + begin + 11, header_end - begin - 11);
    if (label.find("PRIVATE KEY") == std::string_view::npos || label.size() > 40 ||
        label.find('\n') != std::string_view::npos) {
      // Not a header: the search goes on right after this "-----BEGIN ". Going on after the "-----" found (as it
      // did) skipped a real header when that "-----" was its opening, on a later line after a broken one.
      from = begin + 11;
      continue;
    }
    const std::size_t body = header_end + 5;
    const std::size_t end = text.find("-----END ", body);
    std::size_t stop = text.size();
    if (end != std::string::npos) stop = end;
    text.replace(body, stop - body, "\n" + std::string(kMask) + "\n");
    if (end == std::string::npos) return;
    // On after "-----END ". Going on after the next "-----" (the END line's closing, as it did) skipped the next
    // key's header when the END line was broken ("-----END P" and no closing): that "-----" was the header's opening.
    from = body + kMask.size() + 2 + 9;
  }
}

// ---- passwords in URLs ---------------------------------------------------------------------------------------

void mask_url_passwords(std::string& text) {
  Splicer out(text);
  std::size_t from = 0;
  while (true) {
    const std::size_t sep = text.find("://", from);
    if (sep == std::string::npos) break;
    from = sep + 3;
    // The scheme: letters, digits, + - . before "://".
    std::size_t s = sep;
    while (s > 0 && (alnum(text[s - 1]) || text[s - 1] == '+' || text[s - 1] == '-' || text[s - 1] == '.')) --s;
    if (s == sep) continue;
    std::size_t end = from;
    while (end < text.size() && std::strchr("/?# \t\r\n\"'<>`", text[end]) == nullptr) ++end;
    // Searches stay inside the authority: an unbounded rfind for '@' would rescan the text before every URL.
    const std::string_view authority(text.data() + from, end - from);
    const std::size_t at_offset = authority.rfind('@');
    if (at_offset == std::string_view::npos) continue;
    const std::size_t colon_offset = authority.substr(0, at_offset).find(':');
    if (colon_offset == std::string_view::npos || colon_offset + 1 == at_offset) continue;
    const std::size_t at = from + at_offset, colon = from + colon_offset;
    if (std::string_view(text).substr(colon + 1, at - colon - 1) == kMask) continue;
    out.replace(colon + 1, at, kMask);
    from = at;
  }
  out.finish(text);
}

// ---- Bearer credentials ----------------------------------------------------------------------------------------

void mask_bearer(std::string& text) {
  Splicer out(text);
  std::size_t from = 0;
  while (true) {
    std::size_t at = std::string::npos;
    for (std::size_t i = from; i + 7 <= text.size(); ++i) {
      if ((text[i] == 'B' || text[i] == 'b') && starts_with_ci(text, i, "bearer ") && (i == 0 || !alnum(text[i - 1]))) {
        at = i;
        break;
      }
    }
    if (at == std::string::npos) break;
    std::size_t start = at + 7;
    while (start < text.size() && text[start] == ' ') ++start;
    std::size_t end = start;
    while (end < text.size() && (base64url(text[end]) || text[end] == '.' || text[end] == '~' || text[end] == '+' ||
                                 text[end] == '/' || text[end] == '=')) {
      ++end;
    }
    if (end - start >= 8 && std::string_view(text).substr(start, end - start) != kMask) {
      out.replace(start, end, kMask);
      from = end;
    } else {
      from = at + 7;
    }
  }
  out.finish(text);
}

// ---- key = value, key: value, "key": "value" ----------------------------------------------------------------

bool skippable_value(std::string_view value) {
  return value.empty() || value == kMask || value == "\"\"" || value == "''" || value == "null" || value == "~" ||
         value == "true" || value == "false" || value == "{" || value == "[" || value == "{}" || value == "[]";
}

std::size_t line_end(std::string_view text, std::size_t at) {
  const std::size_t nl = text.find('\n', at);
  return nl == std::string_view::npos ? text.size() : nl;
}

std::size_t indent_of(std::string_view text, std::size_t line_start) {
  std::size_t i = line_start;
  while (i < text.size() && text[i] == ' ') ++i;
  return i - line_start;
}

// Masks a YAML block scalar's lines (those indented deeper than `indent`) starting at `from`; returns the end.
std::size_t mask_block(std::string_view text, Splicer& out, std::size_t from, std::size_t indent) {
  std::size_t line = from;
  bool masked = false;
  while (line < text.size()) {
    const std::size_t end = line_end(text, line);
    const std::size_t ind = indent_of(text, line);
    const bool blank = line + ind == end;
    if (!blank && ind <= indent) break;
    if (!blank) {
      out.replace(line + ind, end, masked ? std::string_view() : kMask);
      masked = true;
    }
    line = end + 1;
  }
  return std::min(line, text.size());
}

void mask_key_values(std::string& text) {
  Splicer out(text);
  std::size_t i = 0;
  bool env_pending = false;  // saw name: SOME_PASSWORD; the next value: is its value
  std::size_t env_seen_at = 0;
  while (i < text.size()) {
    // Find the start of an identifier at a boundary.
    if (!ident(text[i]) || (i > 0 && ident(text[i - 1]))) {
      ++i;
      continue;
    }
    const std::size_t key_start = i;
    while (i < text.size() && ident(text[i])) ++i;
    const std::string_view key(text.data() + key_start, i - key_start);
    std::size_t j = i;
    const char open_quote = key_start > 0 ? text[key_start - 1] : '\0';
    const bool quoted_before = open_quote == '"' || open_quote == '\'';
    bool key_quoted = false;
    if (quoted_before && j < text.size() && text[j] == open_quote) {
      ++j;
      key_quoted = true;
    }
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j >= text.size()) break;
    const char sep = text[j];
    if (sep != '=' && sep != ':') continue;
    if (sep == ':' && j + 1 < text.size() && (text[j + 1] == '/' || text[j + 1] == ':')) continue;  // URL, C++
    if (sep == '=' && j + 1 < text.size() && text[j + 1] == '=') continue;                          // comparison
    std::size_t v = j + 1;
    while (v < text.size() && (text[v] == ' ' || text[v] == '\t')) ++v;

    const bool is_name = key == "name" || key == "Name";
    const bool is_value = key == "value" || key == "Value";
    bool secret = Redactor::is_secret_key(key);
    if (is_value && env_pending && out.output_position(key_start) - env_seen_at < 400) secret = true;
    if (!secret && !is_name) continue;

    // The value's extent.
    std::size_t start = v, end = v;
    if (v < text.size() && (text[v] == '"' || text[v] == '\'')) {
      const char q = text[v];
      start = v + 1;
      end = start;
      while (end < text.size() && text[end] != q && text[end] != '\n') {
        if (text[end] == '\\' && end + 1 < text.size()) ++end;
        ++end;
      }
    } else if (sep == '=') {
      while (end < text.size() && std::strchr(" \t\r\n;&,\"'`)}]", text[end]) == nullptr) ++end;
    } else {
      // To the end of the line; 'Authorization: token abc' inside a quoted string ends at the closing quote, and
      // in a flow mapping (or JSON-ish text) a value ends at a comma or brace. One forward scan that stops at
      // the first of these: searching the whole remaining text for each would make the pass quadratic.
      const bool ends_at_quote = quoted_before && !key_quoted;
      int flow = -1;  // unknown until a ',' or '}' makes it matter
      bool at_stop = false;
      while (end < text.size() && text[end] != '\n' && !(ends_at_quote && text[end] == open_quote)) {
        if (text[end] == ',' || text[end] == '}') {
          // A '{' within the 200 characters before the key: a flow mapping.
          if (flow < 0) flow = out.recent_contains(key_start, 200, '{') ? 1 : 0;
          if (flow == 1) {
            at_stop = true;
            break;
          }
        }
        ++end;
      }
      while (!at_stop && end > v && (text[end - 1] == ' ' || text[end - 1] == '\r')) --end;
    }
    const std::string_view value(text.data() + start, end - start);
    if (is_name && !secret) {
      env_pending = Redactor::is_secret_key(value);
      env_seen_at = out.output_position(key_start);
      // Keys later on the same line ("name: app password=...") are still looked at.
      i = start;
      continue;
    }
    if (is_value) env_pending = false;
    if (value == "|" || value == "|-" || value == ">" || value == ">-" || value == "|+") {
      // A block scalar: mask the deeper-indented lines that follow.
      const std::size_t newline = text.rfind('\n', key_start);
      const std::size_t line_start = newline == std::string::npos ? 0 : newline + 1;
      const std::size_t indent = indent_of(text, line_start);
      i = mask_block(text, out, line_end(text, end) + 1, indent);
      continue;
    }
    if (skippable_value(value)) {
      i = end;
      continue;
    }
    out.replace(start, end, kMask);
    i = end;
  }
  out.finish(text);
}

// ---- URL-encoded assignments -----------------------------------------------------------------------------------

bool hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// "password%3Dhunter2%26user%3Dbob": a query string or form body encoded once more (a redirect target, a logged
// URL), where %3D stands for '=' and %26 for '&'. The value under a secret key is masked up to the next %26 or
// the end of the text around it; %XX inside the value is part of it ("abc%3D%3D" is padded base64).
void mask_url_encoded(std::string& text) {
  if (text.find("%3") == std::string::npos) return;
  Splicer out(text);
  std::size_t from = 0;
  while (true) {
    const std::size_t pct = text.find('%', from);
    if (pct == std::string::npos) break;
    from = pct + 1;
    if (pct + 2 >= text.size() || text[pct + 1] != '3' || (text[pct + 2] != 'D' && text[pct + 2] != 'd')) continue;
    // The key: identifier characters back to the previous separator — at the latest the previous '%', so no
    // character is walked over twice. After "%26" (or any %XX) the two hex digits belong to the escape.
    std::size_t key_start = pct;
    while (key_start > 0 && ident(text[key_start - 1])) --key_start;
    if (key_start > 0 && text[key_start - 1] == '%' && key_start + 2 <= pct && hex_digit(text[key_start]) &&
        hex_digit(text[key_start + 1])) {
      key_start += 2;
    }
    if (!Redactor::is_secret_key(std::string_view(text).substr(key_start, pct - key_start))) continue;
    const std::size_t start = pct + 3;
    std::size_t end = start;
    while (end < text.size() && std::strchr(" \t\r\n\"'`&;,<>)]}", text[end]) == nullptr &&
           !(text[end] == '%' && end + 2 < text.size() && text[end + 1] == '2' && text[end + 2] == '6')) {
      ++end;
    }
    from = end;
    const std::string_view value = std::string_view(text).substr(start, end - start);
    if (value.empty() || value == kMask) continue;
    out.replace(start, end, kMask);
  }
  out.finish(text);
}

// ---- Kubernetes Secret objects in YAML text ----------------------------------------------------------------

struct Line {
  std::size_t start, end;  // [start, end) without the newline
  std::size_t indent;      // leading spaces
  std::size_t key_col;     // column of the key (after "- " for list items)
  bool item;               // starts a list item ("- key: ...")
  bool blank;
  std::string_view key;  // "" when the line is not "key:" or "key: value"
  std::string_view value;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = line_end(text, start);
    Line l{start, end, 0, 0, false, true, {}, {}};
    l.indent = indent_of(text, start);
    l.blank = start + l.indent >= end;
    std::size_t k = start + l.indent;
    while (k + 1 < end && text[k] == '-' && text[k + 1] == ' ') {
      l.item = true;
      k += 2;
      while (k < end && text[k] == ' ') ++k;
    }
    l.key_col = k - start;
    const std::size_t colon = text.find(':', k);
    if (colon != std::string_view::npos && colon < end && (colon + 1 == end || text[colon + 1] == ' ')) {
      l.key = text.substr(k, colon - k);
      std::size_t v = colon + 1;
      while (v < end && text[v] == ' ') ++v;
      std::size_t e = end;
      while (e > v && (text[e - 1] == ' ' || text[e - 1] == '\r')) --e;
      l.value = text.substr(v, e - v);
    }
    lines.push_back(l);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

std::string unquote_lower(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return lower_ascii(v);
}

// True when some "kind:" is followed by a value starting with "secret" (Secret, SecretList, quoted or not): the
// only texts worth splitting into lines. "secret" alone appears in most Pod YAML (/var/run/secrets, secretKeyRef).
bool mentions_secret_kind(std::string_view text) {
  for (std::size_t at = text.find("kind:"); at != std::string_view::npos; at = text.find("kind:", at + 5)) {
    std::size_t v = at + 5;
    while (v < text.size() && text[v] == ' ') ++v;
    if (v < text.size() && (text[v] == '"' || text[v] == '\'')) ++v;
    if (starts_with_ci(text, v, "secret")) return true;
  }
  return false;
}

void mask_secret_yaml(std::string& text) {
  if (!mentions_secret_kind(text)) return;
  const auto lines = split_lines(text);
  // Ranges of values to replace, collected first and applied back to front.
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const Line& kind = lines[n];
    if (kind.key != "kind") continue;
    const std::string value = unquote_lower(kind.value);
    if (value != "secret" && value != "secretlist") continue;
    const std::size_t col = kind.key_col;
    // The mapping holding `kind`: neighbouring lines whose keys sit at the same column or deeper.
    std::size_t first = n, last = n;
    if (!kind.item) {
      while (first > 0) {
        const Line& l = lines[first - 1];
        if (l.blank) {
          --first;
          continue;
        }
        if (text.compare(l.start, 3, "---") == 0 || l.key_col < col) break;
        if (l.item && l.key_col == col) {
          --first;
          break;
        }
        if (l.item && l.key_col > col && l.indent < col) break;
        --first;
      }
    }
    while (last + 1 < lines.size()) {
      const Line& l = lines[last + 1];
      if (l.blank) {
        ++last;
        continue;
      }
      if (text.compare(l.start, 3, "---") == 0 || l.indent < col) break;
      if (l.item && l.key_col == col && l.indent + 2 == col) break;  // the next list item
      ++last;
    }
    for (std::size_t m = first; m <= last; ++m) {
      const Line& l = lines[m];
      const bool data = l.key_col == col && (l.key == "data" || l.key == "stringData");
      const bool applied = l.key == "kubectl.kubernetes.io/last-applied-configuration";
      if (!data && !applied && !(value == "secretlist" && l.key_col == col && l.key == "items")) continue;
      if (!l.value.empty() && l.value != "|" && l.value != "|-" && l.value != ">" && l.value != ">-" &&
          l.value != "{}") {
        spans.emplace_back(static_cast<std::size_t>(l.value.data() - text.data()), l.value.size());
      }
      for (std::size_t c = m + 1; c <= last; ++c) {
        const Line& child = lines[c];
        if (child.blank) continue;
        if (child.indent <= l.key_col && !(child.item && child.indent == l.key_col && value == "secretlist")) break;
        if (applied || value == "secretlist") {
          spans.emplace_back(child.start + child.indent, child.end - child.start - child.indent);
        } else if (!child.key.empty() && !child.value.empty()) {
          spans.emplace_back(static_cast<std::size_t>(child.value.data() - text.data()), child.value.size());
        } else if (child.key.empty()) {
          spans.emplace_back(child.start + child.indent, child.end - child.start - child.indent);
        }
      }
    }
  }
  std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::pair<std::size_t, std::size_t>> chosen;
  std::size_t limit = text.size();
  for (const auto& [at, len] : spans) {
    if (at + len > limit || len == 0) continue;  // overlapping spans: the outer one already masked
    if (std::string_view(text).substr(at, len) == kMask) continue;
    chosen.emplace_back(at, len);
    limit = at;
  }
  Splicer out(text);
  for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) out.replace(it->first, it->first + it->second, kMask);
  out.finish(text);
}

bool secret_kind(const json& object) {
  const auto it = object.find("kind");
  return it != object.end() && it->is_string() && lower_ascii(it->get<std::string>()) == "secret";
}

}  // namespace

void Redactor::add_secret(std::string value) {
  if (value.size() < 4) return;
  if (std::find(secrets_.begin(), secrets_.end(), value) != secrets_.end()) return;
  secrets_.push_back(std::move(value));
  // Longest first, so a secret that contains another is masked whole.
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

bool Redactor::is_secret_key(std::string_view key) {
  if (key.size() > 128) return false;
  const auto w = words(key);
  if (w.empty()) return false;
  // Keys that refer to a credential rather than hold one.
  static constexpr std::array<std::string_view, 21> kReferences = {
      "name",    "names", "ref",        "refs",   "path",    "file",  "kind",   "namespace", "id",    "ids",    "type",
      "seconds", "ttl",   "expiration", "expiry", "expires", "count", "length", "selector",  "mount", "secrets"};
  if (w.size() > 1 && std::find(kReferences.begin(), kReferences.end(), w.back()) != kReferences.end()) return false;
  static constexpr std::array<std::string_view, 17> kKeyQualifiers = {
      "api", "access",  "secret",  "private",      "signing", "encryption", "client",  "master", "account",
      "ssh", "license", "session", "subscription", "shared",  "auth",       "service", "storage"};
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::string& word = w[i];
    for (std::string_view part : {"password", "passwd", "passphrase", "secret", "credential"}) {
      if (word.find(part) != std::string::npos) return true;
    }
    if (word == "pwd" || word == "apikey" || word == "authorization" || word == "cookie" || word == "webhook" ||
        word == "privatekey" || word == "secretkey" || word == "accesskey") {
      return true;
    }
    // Short names hold a credential only as whole words at the end of the key (DB_PASS, PIN, userPin) or before
    // the word that completes them (passPhrase, pin_code): pinVersion, PINNED, SPIN, passthrough, bypass and
    // compass are ordinary settings.
    const std::string_view next = i + 1 < w.size() ? std::string_view(w[i + 1]) : std::string_view();
    if (word == "pass" && (next.empty() || next == "phrase" || next == "word")) return true;
    if (word == "pin" && (next.empty() || next == "code" || next == "number")) return true;
    if (word.size() >= 5 && word.ends_with("token")) return true;  // token, accesstoken; not "tokens"
    if (word == "key" && i > 0 &&
        std::find(kKeyQualifiers.begin(), kKeyQualifiers.end(), w[i - 1]) != kKeyQualifiers.end()) {
      return true;
    }
  }
  return false;
}

std::string Redactor::redact(std::string text) const {
  for (const auto& secret : secrets_) {
    Splicer out(text);
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + secret.size())) {
      out.replace(at, at + secret.size(), kMask);
    }
    out.finish(text);
  }
  if (text.size() < 8) return text;
  mask_private_keys(text);
  mask_tokens(text);
  mask_url_passwords(text);
  mask_bearer(text);
  mask_secret_yaml(text);
  mask_url_encoded(text);
  mask_key_values(text);
  return text;
}

json Redactor::redact(const json& value) const { return redact_value(value, 0); }

json Redactor::redact_value(const json& value, int depth) const {
  if (depth > 256) return json(kMask);
  if (value.is_string()) return redact(value.get<std::string>());
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(redact_value(item, depth + 1));
    return out;
  }
  if (!value.is_object()) return value;
  const bool secret = secret_kind(value);
  const auto kind = value.find("kind");
  const bool secret_list =
      kind != value.end() && kind->is_string() && lower_ascii(kind->get<std::string>()) == "secretlist";
  // {name: DB_PASSWORD, value: ...}: a container env entry.
  const auto name = value.find("name");
  const bool env_secret = name != value.end() && name->is_string() && is_secret_key(name->get<std::string>());
  json out = json::object();
  for (const auto& [key, item] : value.items()) {
    if (secret && (key == "data" || key == "stringData") && item.is_object()) {
      json masked = json::object();
      for (const auto& [k, _] : item.items()) masked[k] = kMask;
      out[key] = std::move(masked);
      continue;
    }
    if (secret && key == "metadata" && item.is_object()) {
      json meta = redact_value(item, depth + 1);
      if (meta.contains("annotations") && meta["annotations"].is_object() &&
          meta["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration")) {
        meta["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = kMask;
      }
      out[key] = std::move(meta);
      continue;
    }
    if (secret_list && key == "items" && item.is_array()) {
      json items = json::array();
      for (auto each : item) {
        if (each.is_object() && !each.contains("kind")) each["kind"] = "Secret";
        items.push_back(redact_value(each, depth + 1));
      }
      out[key] = std::move(items);
      continue;
    }
    const bool scalar = item.is_string() || item.is_number();
    const bool empty = item.is_string() && item.get_ref<const std::string&>().empty();
    const bool mask = scalar && !empty && (is_secret_key(key) || (env_secret && key == "value"));
    out[key] = mask ? json(kMask) : redact_value(item, depth + 1);
  }
  return out;
}

server::Middleware redacting_middleware(std::shared_ptr<const Redactor> redactor) {
  return [redactor = std::move(redactor)](const server::ToolDef& tool, const nlohmann::json& arguments,
                                          server::CallContext& context,
                                          const server::CallNext& next) -> server::Result<server::ToolOutput> {
    auto result = next(tool, arguments, context);
    if (!result) return server::tool_error(redactor->redact(std::move(result.error().message)));
    result->structured = redactor->redact(result->structured);
    result->text = redactor->redact(std::move(result->text));
    return result;
  };
}

}  // namespace eks::safety
