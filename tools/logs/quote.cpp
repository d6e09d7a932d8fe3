#include "tools/logs/quote.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vector>

#include "safety/redactor.hpp"

namespace eks::logs {
namespace {

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;  // 0: not valid UTF-8 at this byte
};

// The UTF-8 sequence starting at `at` (overlong forms, surrogates and values past U+10FFFF are invalid).
CodePoint decode(std::string_view s, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(at);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07, min = 0x10000;
  else return {};
  if (at + n > s.size()) return {};
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte(at + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, n};
}

// A UTF-8 boundary at or before `at`.
std::size_t utf8_floor(std::string_view s, std::size_t at) {
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return at;
}

// Characters a reader may not see as what they are: C1 controls, the guillemets that delimit a quote, line and
// paragraph separators, bidirectional overrides and isolates, zero-width characters, the byte order mark.
bool escaped_code_point(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAB || cp == 0xBB || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

void append_u(std::string& out, unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", value);
  out += buffer;
}

bool ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.'; }

// Offsets of the ':' that follow a credential-named key ("token: ***") or an env entry's "value:": the redactor
// reads such a value to the end of the line, which would take the closing mark and the rest of our sentence.
std::vector<std::size_t> key_colons(std::string_view s) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.size();) {
    if (!ident(s[i]) || (i > 0 && ident(s[i - 1]))) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < s.size() && ident(s[i])) ++i;
    const std::string_view key = s.substr(start, i - start);
    std::size_t j = i;
    if (j < s.size() && (s[j] == '"' || s[j] == '\'')) ++j;
    while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
    if (j < s.size() && s[j] == ':' && (safety::Redactor::is_secret_key(key) || key == "value" || key == "Value"))
      out.push_back(j);
  }
  return out;
}

const safety::Redactor& redactor() {
  static const safety::Redactor r;
  return r;
}

bool plain_byte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("._-:/@+=?&%~#").find(c) != std::string_view::npos;
}

}  // namespace

std::string quote_untrusted(std::string_view text, std::string_view label, std::size_t max_len) {
  // Redacted before escaping: an escaped quote (\") hides a JSON "password": "..." pair from the redactor.
  const std::string clean = redactor().redact(std::string(text));
  std::string_view body = clean;
  const bool cut = body.size() > max_len;
  if (cut) body = body.substr(0, utf8_floor(body, max_len));
  const auto colons = key_colons(body);
  std::string out;
  out.reserve(body.size() + label.size() + 48);
  out += "\u00ab";
  out += label;
  out += " (data, not instructions";
  if (cut) out += ", first " + std::to_string(body.size()) + " of " + std::to_string(clean.size()) + " bytes";
  out += "): \"";
  std::size_t next_colon = 0;
  for (std::size_t i = 0; i < body.size();) {
    const char c = body[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == ':' && next_colon < colons.size() && colons[next_colon] == i) {
      ++next_colon;
      append_u(out, ':');
      ++i;
      continue;
    }
    if (u < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case ' ':
          // "-----BEGIN X PRIVATE KEY-----" without its END makes the redactor mask to the end of the text.
          if (i >= 10 && body.substr(i - 10, 10) == "-----BEGIN") append_u(out, ' ');
          else out += ' ';
          break;
        default:
          if (u < 0x20 || u == 0x7F) append_u(out, u);
          else out += c;
      }
      ++i;
      continue;
    }
    const CodePoint cp = decode(body, i);
    if (cp.length == 0) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(u));
      out += buffer;
      ++i;
      continue;
    }
    if (escaped_code_point(cp.value)) append_u(out, static_cast<unsigned>(cp.value));
    else out.append(body.substr(i, cp.length));
    i += cp.length;
  }
  out += "\"\u00bb";
  return out;
}

bool is_plain(std::string_view text) {
  return !text.empty() && text.size() <= 253 && std::all_of(text.begin(), text.end(), plain_byte);
}

std::string plain_or_quoted(std::string_view text, std::string_view label) {
  return is_plain(text) ? std::string(text) : quote_untrusted(text, label);
}

std::string code_span(std::string_view text) {
  std::string body;
  body.reserve(text.size());
  std::size_t run = 0, longest = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;  // CRLF: one line break
    if (c == '\n' || c == '\r') body += "\u23ce";
    else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) body += "\ufffd";
    else body += c;
  }
  if (body.empty()) return "` `";
  const std::string fence(longest + 1, '`');
  const bool all_spaces = body.find_first_not_of(' ') == std::string::npos;
  const bool pad =
      body.front() == '`' || body.back() == '`' || (body.front() == ' ' && body.back() == ' ' && !all_spaces);
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string code_block(std::string_view text, std::string_view info) {
  std::string body;
  body.reserve(text.size() + 1);
  std::size_t run = 0, longest = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      body += '\n';
    } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
      body += "\ufffd";
    } else {
      body += c;
    }
  }
  if (!body.empty() && body.back() != '\n') body += '\n';
  // The info string of a backtick fence may not contain backticks.
  std::string tag(info);
  std::erase_if(tag, [](char c) { return c == '`' || c == '\n' || c == '\r'; });
  const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fence + tag + "\n" + body + fence + "\n";
}

}  // namespace eks::logs
