#include "safety/strict_yaml.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include <libfyaml.h>

#include "safety/yaml_json.hpp"

namespace eks::safety::yaml {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDepth = 64;

struct ParserDeleter {
  void operator()(fy_parser* p) const { fy_parser_destroy(p); }
};

std::string text_of(fy_token* token) {
  std::size_t len = 0;
  const char* text = token ? fy_token_get_text(token, &len) : nullptr;
  return text ? std::string(text, len) : std::string();
}

// The text of a single-quoted scalar, decoded here rather than by fy_token_get_text: on one holding a run of ''
// escapes ('''') libfyaml 0.7.12 leaks memory (fy_atom_format_text returns early without freeing its iterator's
// chunk array: KBs a scalar, growing with the run) and, over several lines, gets the text wrong; it also reads a CR
// LF before a closing quote's blank line as a newline, not a space. The token's marks bound the content, quotes
// excluded; libfyaml has scanned it.
std::string single_quoted_text_of(fy_token* token, std::string_view input) {
  const fy_mark* start = fy_token_start_mark(token);
  const fy_mark* end = fy_token_end_mark(token);
  if (!start || !end || start->input_pos > end->input_pos || end->input_pos > input.size()) return text_of(token);
  return single_quoted_text(input.substr(start->input_pos, end->input_pos - start->input_pos));
}

int line_of(fy_token* token) {
  const fy_mark* mark = token ? fy_token_start_mark(token) : nullptr;
  return mark ? mark->line + 1 : 0;
}

// A collection being built: a mapping remembers its keys (duplicates are refused) and the key awaiting a value.
struct Frame {
  json value;
  std::set<std::string> keys{};
  std::optional<std::string> key{};
};

// Plain scalars that YAML 1.1 (Go's readers: sigs.k8s.io/yaml) and YAML 1.2 (ours) type differently: 1.1's
// booleans (yes, no, on, off, y, n), numbers with a leading zero (octal in 1.1), 0x/0o/0b prefixes, digit
// underscores and base-60 (1:20). `namespace: no` is the text "no" to one and false to the other.
bool typed_differently(std::string_view text) {
  static const std::set<std::string_view> kBooleans = {"y",  "Y",  "yes", "Yes", "YES", "n",   "N",   "no",
                                                       "No", "NO", "on",  "On",  "ON",  "off", "Off", "OFF"};
  if (kBooleans.count(text)) return true;
  std::string_view digits = text;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.front() < '0' || digits.front() > '9') return false;
  if (digits.size() > 1 && digits[0] == '0' && digits[1] != '.' && digits[1] != 'e' && digits[1] != 'E') return true;
  const bool numberish = digits.find_first_not_of("0123456789_:.") == std::string_view::npos;
  return numberish && (digits.find('_') != std::string_view::npos || digits.find(':') != std::string_view::npos);
}

std::string at(int line) { return line > 0 ? "line " + std::to_string(line) + ": " : std::string(); }

// The first error the parser collected, as "line N: message".
std::string parser_error(fy_parser* parser) {
  // fy_parser_get_diag takes a reference ("you should fy_diag_unref() it"): without the unref every refused
  // document leaked the diagnostic object.
  fy_diag* diag = fy_parser_get_diag(parser);
  std::string message = "invalid YAML";
  void* iter = nullptr;
  if (fy_diag_error* e = diag ? fy_diag_errors_iterate(diag, &iter) : nullptr) {
    message = at(e->line + 1) + (e->msg ? e->msg : "invalid YAML");
  }
  if (diag) fy_diag_unref(diag);
  return message;
}

}  // namespace

std::string single_quoted_text(std::string_view raw) {
  // '' is a quote; nothing else is escaped. Over several lines the scalar folds like any flow scalar: the
  // whitespace around each line break goes, a single break becomes a space and each empty line a newline; the
  // whitespace after the opening quote and before the closing one stays.
  auto unescape = [](std::string& out, std::string_view part) {
    for (std::size_t i = 0; i < part.size(); ++i) {
      out += part[i];
      if (part[i] == '\'' && i + 1 < part.size() && part[i + 1] == '\'') ++i;
    }
  };
  constexpr std::string_view kSpace = " \t";
  std::vector<std::string_view> lines;
  for (std::size_t begin = 0;;) {
    const std::size_t br = raw.find_first_of("\r\n", begin);
    if (br == std::string_view::npos) {
      lines.push_back(raw.substr(begin));
      break;
    }
    lines.push_back(raw.substr(begin, br - begin));
    begin = br + (raw[br] == '\r' && br + 1 < raw.size() && raw[br + 1] == '\n' ? 2 : 1);
  }
  std::string out;
  std::size_t empty_lines = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (i > 0) line.remove_prefix(std::min(line.size(), line.find_first_not_of(kSpace)));
    if (i + 1 < lines.size()) line = line.substr(0, line.find_last_not_of(kSpace) + 1);
    if (i > 0 && i + 1 < lines.size() && line.empty()) {
      ++empty_lines;
      continue;
    }
    if (i > 0) out.append(empty_lines ? empty_lines : 1, empty_lines ? '\n' : ' ');
    empty_lines = 0;
    unescape(out, line);
  }
  return out;
}

tl::expected<std::vector<json>, std::string> parse_strict_all(std::string_view text) {
  // Directives (%YAML, %TAG) are refused before libfyaml sees them: 0.7.12 scans a malformed one ("%YAM" and a
  // byte that is not UTF-8) without end. A manifest or kubeconfig never needs one; a line starting with '%' is
  // one, or text placed where readers could disagree.
  // A line starts after LF or CR (libfyaml breaks lines at both).
  int line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && (i == 0 || text[i - 1] == '\n' || text[i - 1] == '\r')) {
      return tl::unexpected(at(line) + "YAML directives (%YAML, %TAG) are not accepted; remove the line or indent it");
    }
    if (text[i] == '\n') ++line;
  }
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_DEFAULT_VERSION_1_2);
  std::unique_ptr<fy_parser, ParserDeleter> parser(fy_parser_create(&cfg));
  if (!parser) return tl::unexpected(std::string("the YAML parser could not be created"));
  if (fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    return tl::unexpected(std::string("the YAML parser could not take the input"));
  }
  std::vector<json> docs;
  std::vector<Frame> stack;
  std::optional<json> root;
  std::string error;

  // Places a finished value in its parent (or as the document's root); false with `error` set when refused.
  auto place = [&](json value, int line) -> bool {
    if (stack.empty()) {
      root = std::move(value);
      return true;
    }
    Frame& parent = stack.back();
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
      return true;
    }
    if (!parent.key) {
      if (!value.is_string()) {
        error = at(line) + "a mapping key must be a plain string";
        return false;
      }
      std::string key = value.get<std::string>();
      if (!parent.keys.insert(key).second) {
        error = at(line) + "key \"" + key + "\" appears twice in one mapping; readers disagree on which one counts";
        return false;
      }
      parent.key = std::move(key);
      return true;
    }
    parent.value[*parent.key] = std::move(value);
    parent.key.reset();
    return true;
  };
  // Anchors, aliases and tags change what a node means depending on the reader: refused wherever they appear.
  auto plain_node = [&](fy_token* anchor, fy_token* tag, int line) -> bool {
    if (anchor) {
      error =
          at(line) + "anchor &" + text_of(anchor) +
          " is not accepted (anchors and aliases are read differently by different YAML readers); write the value out";
      return false;
    }
    if (tag) {
      error = at(line) + "tag " + text_of(tag) +
              " is not accepted (tags are read differently by different YAML readers); write the value without it";
      return false;
    }
    return true;
  };

  bool done = false;
  while (!done && error.empty()) {
    fy_event* event = fy_parser_parse(parser.get());
    if (!event) break;
    switch (event->type) {
      case FYET_STREAM_END: done = true; break;
      case FYET_DOCUMENT_START: root.reset(); break;
      case FYET_DOCUMENT_END:
        if (root && !root->is_null()) docs.push_back(std::move(*root));
        root.reset();
        break;
      case FYET_ALIAS: {
        const int line = line_of(event->alias.anchor);
        error =
            at(line) + "alias *" + text_of(event->alias.anchor) +
            " is not accepted (anchors and aliases are read differently by different YAML readers); write the value out";
        break;
      }
      case FYET_SCALAR: {
        const int line = line_of(event->scalar.value);
        if (!plain_node(event->scalar.anchor, event->scalar.tag, line)) break;
        const fy_scalar_style style = fy_token_scalar_style(event->scalar.value);
        const std::string value = style == FYSS_SINGLE_QUOTED ? single_quoted_text_of(event->scalar.value, text)
                                                              : text_of(event->scalar.value);
        const bool plain = style == FYSS_PLAIN;
        const bool is_key = !stack.empty() && stack.back().value.is_object() && !stack.back().key;
        if (is_key && plain && value == "<<") {
          error = at(line) + "merge key \"<<\" is not accepted (readers disagree on merges); write the keys out";
          break;
        }
        if (plain && typed_differently(value)) {
          error = at(line) + "\"" + value +
                  "\" is read as a string by some YAML readers and as a boolean or number by others; quote it";
          break;
        }
        // Keys stay strings ("on", "1" as keys are names); values take the core schema's type when plain.
        place(is_key || !plain ? json(value) : plain_scalar(value), line);
        break;
      }
      case FYET_SEQUENCE_START:
      case FYET_MAPPING_START: {
        const bool seq = event->type == FYET_SEQUENCE_START;
        fy_token* start = seq ? event->sequence_start.sequence_start : event->mapping_start.mapping_start;
        const int line = line_of(start);
        if (!plain_node(seq ? event->sequence_start.anchor : event->mapping_start.anchor,
                        seq ? event->sequence_start.tag : event->mapping_start.tag, line)) {
          break;
        }
        if (!stack.empty() && stack.back().value.is_object() && !stack.back().key) {
          error = at(line) + "a mapping key must be a plain string";
          break;
        }
        if (stack.size() >= kMaxDepth) {
          error = at(line) + "nested too deeply";
          break;
        }
        stack.push_back(Frame{seq ? json::array() : json::object()});
        break;
      }
      case FYET_SEQUENCE_END:
      case FYET_MAPPING_END: {
        if (stack.empty()) break;
        Frame frame = std::move(stack.back());
        stack.pop_back();
        place(std::move(frame.value), 0);
        break;
      }
      default: break;
    }
    fy_parser_event_free(parser.get(), event);
  }
  if (!error.empty()) return tl::unexpected(error);
  if (fy_parser_get_stream_error(parser.get()) || !done) return tl::unexpected(parser_error(parser.get()));
  return docs;
}

}  // namespace eks::safety::yaml
