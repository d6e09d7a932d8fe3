// server/protocol/json_schema.cpp — compiler (schema JSON → node tree) and validator (node tree × instance).

// GCC 12 reports a false -Wmaybe-uninitialized inside libstdc++'s <regex> (std::function moved in
// _NFA::_M_insert_subexpr_end) when optimising with -fsanitize=address; the warning is located in the
// library headers, so it has to be silenced before the first of them is included.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "server/protocol/json_schema.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <regex>
#include <string_view>
#include <utility>
#include <vector>

namespace eks::protocol {

using nlohmann::json;

namespace {

// Bit per JSON Schema primitive type; "integer" is its own bit because "number" does not imply it.
enum TypeBit : std::uint8_t {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kNumber = 16,
  kString = 32,
  kInteger = 64,
};

constexpr std::pair<std::string_view, std::uint8_t> kTypeNames[] = {
    {"null", kNull},     {"boolean", kBoolean}, {"object", kObject},   {"array", kArray},
    {"number", kNumber}, {"string", kString},   {"integer", kInteger},
};

// Evaluation depth bound: a schema like {"$ref": "#"} recurses without consuming the instance, and a
// deeply nested instance would otherwise exhaust the stack.
constexpr std::size_t kMaxDepth = 256;

struct Pattern {
  std::string source;
  std::regex re;
};

struct PatternChild {
  Pattern pattern;
  std::size_t node;
};

struct Node {
  enum class Kind : std::uint8_t { kTrue, kFalse, kObject };
  Kind kind = Kind::kTrue;
  std::uint8_t types = 0;                                       // 0: no "type" keyword
  std::vector<std::pair<std::string, std::size_t>> properties;  // sorted by name
  std::vector<std::string> required;
  std::vector<PatternChild> pattern_properties;
  std::optional<std::size_t> additional_properties;
  std::optional<json> enum_values;  // an array
  std::optional<json> const_value;
  std::optional<json> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;
  std::optional<std::size_t> min_length, max_length, min_items, max_items, min_properties, max_properties;
  std::optional<Pattern> pattern;
  std::vector<std::size_t> prefix_items;
  std::optional<std::size_t> items;  // elements after prefix_items
  bool unique_items = false;
  std::vector<std::size_t> all_of, any_of, one_of;
  std::optional<std::size_t> not_schema;
  std::optional<std::size_t> ref;
  std::optional<json> default_value;
};

// ---------------------------------------------------------------------------------------------- text

std::string dump(const json& v) {
  // error_handler_t::replace: an instance string with invalid UTF-8 must not make reporting throw.
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string quote(std::string_view s) { return dump(json(std::string(s))); }

// libstdc++'s std::regex builds a counted repetition by copying the repeated automaton once per count: a{100000}
// or (a{1000}){1000} costs memory and time by the million, and a count past LONG_MAX overflows inside its
// compiler (undefined behaviour). A schema's pattern whose counts, multiplied out, pass this bound is refused.
constexpr double kMaxRegexSize = 100000;
// A bracket class costs far more than a character: each copy holds its own matcher (the class's ranges and a
// 256-entry cache behind a std::function), so [0-9a-f]{44461} took seconds to build and to free.
constexpr double kClassSize = 20;

// The size of a regular expression with its counted repetitions ({n}, {n,}, {n,m}) multiplied out: an upper
// bound (alternatives add up, every other character counts one).
double expanded_size(std::string_view source) {
  std::vector<double> groups{0};  // the size of each group open, the outermost first
  double last = 0;                // the size of the last atom or group: what a count repeats
  auto add = [&](double size) {
    groups.back() += size;
    last = size;
  };
  // libstdc++ reads every run of digits after '{' (a count, even in a brace it then rejects) or after '\\' (a
  // back-reference) into a long without checking: a run too long for that is refused outright.
  bool too_long_a_number = false;
  auto number = [&](std::size_t& i, double& value) {
    const std::size_t start = i;
    for (value = 0; i < source.size() && source[i] >= '0' && source[i] <= '9'; ++i) {
      value = std::min(value * 10 + (source[i] - '0'), 1e18);
    }
    too_long_a_number = too_long_a_number || i - start > 15;
    return i > start;
  };
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\\') {
      double backreference = 0;
      if (std::size_t j = i + 1; number(j, backreference)) i = j - 1;
      else ++i;
      add(1);
    } else if (c == '[') {  // a class, up to its closing ']' (one first in the class is a character)
      std::size_t j = i + 1;
      if (j < source.size() && source[j] == '^') ++j;
      if (j < source.size() && source[j] == ']') ++j;
      for (; j < source.size() && source[j] != ']'; ++j) {
        if (source[j] != '\\') continue;
        double escaped = 0;
        if (std::size_t k = j + 1; number(k, escaped)) j = k - 1;
        else ++j;
      }
      i = j;
      add(kClassSize);
    } else if (c == '(') {
      groups.push_back(0);
    } else if (c == ')' && groups.size() > 1) {
      const double size = groups.back();
      groups.pop_back();
      add(size);
    } else if (c == '{') {
      std::size_t j = i + 1;
      double low = 0;
      double high = 0;
      if (!number(j, low)) {
        add(1);
        continue;
      }
      high = low;
      if (j < source.size() && source[j] == ',') {
        ++j;
        if (!number(j, high)) high = low + 1;
      }
      if (j >= source.size() || source[j] != '}') {
        add(1);
        continue;
      }
      groups.back() += last * (std::max(low, high) - 1);
      i = j;
    } else {
      add(1);
    }
  }
  if (too_long_a_number) return std::numeric_limits<double>::infinity();
  double total = 0;
  for (const double size : groups) total += size;
  return total;
}

std::string truncated(std::string s, std::size_t limit = 60) {
  if (s.size() > limit) {
    s.resize(limit);
    // Do not cut a UTF-8 sequence in half.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80) != 0) s.pop_back();
    s += "...";
  }
  return s;
}

// "42", "\"abc\"", "an object" — short enough for a one-line message.
std::string describe(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  return truncated(dump(v));
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string type_phrase(std::uint8_t types) {
  std::vector<std::string_view> names;
  for (const auto& [name, bit] : kTypeNames) {
    if ((types & bit) != 0) names.push_back(name);
  }
  if (names.size() == 1) {
    const bool vowel = names[0] == "object" || names[0] == "array" || names[0] == "integer";
    return std::string(vowel ? "an " : "a ") + std::string(names[0]);
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t code_points(const std::string& s) {
  // "The length of a string instance is defined as the number of its characters as defined by RFC 8259":
  // count UTF-8 lead bytes, not continuation bytes.
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// ------------------------------------------------------------------------------------------- numbers

bool is_integral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

// Three-way comparison of two JSON numbers, exact when both are integers (a double loses precision past 2^53).
int compare_numbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_neg = a.is_number_unsigned() ? false : a.get<std::int64_t>() < 0;
    const bool b_neg = b.is_number_unsigned() ? false : b.get<std::int64_t>() < 0;
    if (a_neg != b_neg) return a_neg ? -1 : 1;
    if (a_neg) {
      const auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const auto x = a.get<std::uint64_t>(), y = b.get<std::uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

std::uint64_t magnitude(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  const std::int64_t i = v.get<std::int64_t>();
  return i < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
}

bool is_multiple_of(const json& value, const json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer()) {
    return magnitude(value) % magnitude(divisor) == 0;  // divisor > 0 is checked at compile time
  }
  const double x = value.get<double>(), m = divisor.get<double>();
  const double q = x / m;
  if (!std::isfinite(q)) {
    // Overflow (1e308 / 0.5): an integral value is still a multiple of a divisor whose reciprocal is integral.
    const double r = 1.0 / m;
    return std::floor(x) == x && std::floor(r) == r;
  }
  // Decimal fractions are inexact in binary (0.0075 / 0.0001 = 74.99999999999999): allow a relative epsilon.
  return std::fabs(q - std::nearbyint(q)) <= 1e-9 * std::max(1.0, std::fabs(q));
}

// ----------------------------------------------------------------------------------------------- URIs

bool has_scheme(std::string_view uri) {
  if (uri.empty() || std::isalpha(static_cast<unsigned char>(uri[0])) == 0) return false;
  for (char c : uri) {
    if (c == ':') return true;
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

std::string strip_fragment(std::string_view uri) { return std::string(uri.substr(0, uri.find('#'))); }

// RFC 3986 §5.2.4 remove_dot_segments, for the path part only.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  const bool absolute = !path.empty() && path[0] == '/';
  std::size_t pos = absolute ? 1 : 0;
  bool trailing_slash = false;
  while (pos <= path.size()) {
    const std::size_t next = std::min(path.find('/', pos), path.size());
    const std::string_view seg = path.substr(pos, next - pos);
    trailing_slash = false;
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = true;
    } else if (seg == ".") {
      trailing_slash = true;
    } else {
      out.push_back(seg);
    }
    pos = next + 1;
  }
  std::string result = absolute ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (trailing_slash && !result.empty() && result.back() != '/') result += '/';
  return result;
}

std::string normalize_path_of(std::string_view uri, std::size_t path_start) {
  const std::size_t path_end = std::min(uri.find_first_of("?#", path_start), uri.size());
  return std::string(uri.substr(0, path_start)) + remove_dot_segments(uri.substr(path_start, path_end - path_start)) +
         std::string(uri.substr(path_end));
}

// Where the path begins in an absolute URI: after "scheme:" and any "//authority".
std::size_t path_start_of(std::string_view uri) {
  std::size_t pos = uri.find(':') + 1;
  if (uri.substr(pos, 2) == "//") pos = std::min(uri.find_first_of("/?#", pos + 2), uri.size());
  return pos;
}

// RFC 3986 §5.2.2 reference resolution, enough for $id and $ref.
std::string resolve_uri(std::string_view base, std::string_view ref) {
  if (ref.empty()) return strip_fragment(base);
  if (has_scheme(ref)) return normalize_path_of(ref, path_start_of(ref));
  if (ref[0] == '#') return strip_fragment(base) + std::string(ref);
  if (base.empty() || !has_scheme(base)) {
    // No absolute base: keep the reference as written so that identical spellings still match.
    if (ref[0] == '/' || base.empty()) return std::string(ref);
    const std::string b = strip_fragment(base);
    const std::size_t slash = b.rfind('/');
    return (slash == std::string::npos ? "" : b.substr(0, slash + 1)) + std::string(ref);
  }
  const std::string b = strip_fragment(base);
  const std::size_t scheme_end = b.find(':') + 1;
  if (ref.substr(0, 2) == "//") {
    const std::string out = b.substr(0, scheme_end) + std::string(ref);
    return normalize_path_of(out, path_start_of(out));
  }
  const std::size_t path_start = path_start_of(b);
  const std::string authority_part = b.substr(0, path_start);
  if (ref[0] == '/') return normalize_path_of(authority_part + std::string(ref), path_start);
  if (ref[0] == '?') return b.substr(0, std::min(b.find('?'), b.size())) + std::string(ref);
  std::string path = b.substr(path_start, std::min(b.find('?', path_start), b.size()) - path_start);
  if (path.empty() && authority_part.size() > scheme_end) {
    path = "/";
  } else {
    const std::size_t slash = path.rfind('/');
    path = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  }
  return normalize_path_of(authority_part + path + std::string(ref), path_start);
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Splits an (escaped) JSON Pointer into unescaped tokens; nullopt when malformed.
std::optional<std::vector<std::string>> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') return std::nullopt;
  std::size_t pos = 1;
  while (true) {
    const std::size_t next = std::min(pointer.find('/', pos), pointer.size());
    std::string token;
    for (std::size_t i = pos; i < next; ++i) {
      if (pointer[i] != '~') {
        token += pointer[i];
      } else if (i + 1 < next && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        token += pointer[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return std::nullopt;
      }
    }
    tokens.push_back(std::move(token));
    if (next == pointer.size()) break;
    pos = next + 1;
  }
  return tokens;
}

// The dialect decides whether "$ref" overrides its siblings (draft-04 … draft-07) or applies beside them.
bool is_legacy_dialect(const json& schema) {
  if (!schema.is_object()) return false;
  const auto it = schema.find("$schema");
  if (it == schema.end() || !it->is_string()) return false;
  const auto& s = it->get_ref<const std::string&>();
  return s.find("draft-07") != std::string::npos || s.find("draft-06") != std::string::npos ||
         s.find("draft-04") != std::string::npos || s.find("draft-03") != std::string::npos;
}

}  // namespace

struct JsonSchema::Impl {
  std::vector<Node> nodes;
  std::size_t root = 0;
};

namespace {

// --------------------------------------------------------------------------------------------- compiler

class Compiler {
 public:
  Compiler(JsonSchema::Impl& impl, JsonSchema::RemoteLoader loader) : impl_(impl), loader_(std::move(loader)) {}

  tl::expected<std::size_t, std::string> compile_root(const json& schema) {
    const std::size_t doc = add_document("", schema, is_legacy_dialect(schema));
    const auto root = compile_node(doc, "", schema, docs_[doc].uri);
    if (!root) return tl::make_unexpected(error_);
    return *root;
  }

 private:
  struct Document {
    std::string uri;
    const json* root;
    bool legacy;
  };
  struct Location {
    std::size_t doc;
    std::string pointer;  // escaped JSON Pointer from the document root
  };

  std::nullopt_t fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return std::nullopt;
  }

  // Where in the schema a message points: "/properties/a" for the root document, "uri#/…" for others.
  std::string where(std::size_t doc, const std::string& pointer) const {
    const std::string shown = pointer.empty() ? "(root)" : pointer;
    return docs_[doc].uri.empty() ? shown : docs_[doc].uri + "#" + pointer;
  }

  std::nullopt_t bad_keyword(std::size_t doc, const std::string& pointer, std::string_view keyword,
                             std::string_view requirement) {
    return fail("invalid schema: keyword \"" + std::string(keyword) + "\" at " +
                where(doc, pointer + "/" + escape_pointer_token(keyword)) + " " + std::string(requirement));
  }

  std::size_t add_document(std::string uri, const json& value, bool legacy) {
    const json* root = &value;
    if (!docs_.empty()) {
      owned_.push_back(value);  // remote documents live as long as the compile; nodes copy what they keep
      root = &owned_.back();
    }
    docs_.push_back(Document{uri, root, legacy});
    const std::size_t doc = docs_.size() - 1;
    ids_.emplace(uri, Location{doc, ""});
    scan_ids(doc, "", *root, uri);
    return doc;
  }

  // Records every "$id"/"$anchor" so a $ref can find a subschema by URI before it has been compiled.
  void scan_ids(std::size_t doc, const std::string& pointer, const json& s, std::string base) {
    if (!s.is_object()) return;
    if (const auto id = s.find("$id"); id != s.end() && id->is_string()) {
      const auto& text = id->get_ref<const std::string&>();
      if (!text.empty() && text[0] == '#') {
        ids_.emplace(strip_fragment(base) + text, Location{doc, pointer});  // draft-7 plain-name fragment
      } else {
        base = resolve_uri(base, text);
        ids_.emplace(strip_fragment(base), Location{doc, pointer});
      }
    }
    if (const auto anchor = s.find("$anchor"); anchor != s.end() && anchor->is_string()) {
      ids_.emplace(strip_fragment(base) + "#" + anchor->get<std::string>(), Location{doc, pointer});
    }
    for (const char* key : {"additionalProperties", "additionalItems", "not", "contains", "propertyNames", "if", "then",
                            "else", "unevaluatedItems", "unevaluatedProperties"}) {
      if (const auto it = s.find(key); it != s.end()) scan_ids(doc, pointer + "/" + key, *it, base);
    }
    for (const char* key :
         {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}) {
      const auto it = s.find(key);
      if (it == s.end() || !it->is_object()) continue;
      for (const auto& [name, child] : it->items()) {
        scan_ids(doc, pointer + "/" + key + "/" + escape_pointer_token(name), child, base);
      }
    }
    for (const char* key : {"items", "prefixItems", "allOf", "anyOf", "oneOf"}) {
      const auto it = s.find(key);
      if (it == s.end()) continue;
      if (it->is_array()) {
        for (std::size_t i = 0; i < it->size(); ++i) {
          scan_ids(doc, pointer + "/" + key + "/" + std::to_string(i), (*it)[i], base);
        }
      } else {
        scan_ids(doc, pointer + "/" + key, *it, base);
      }
    }
  }

  // Follows a JSON Pointer from a document's root, tracking the base URI that "$id"s along the way set.
  std::optional<std::pair<const json*, std::string>> walk(const Location& loc) const {
    const auto tokens = pointer_tokens(loc.pointer);
    if (!tokens) return std::nullopt;
    const json* cur = docs_[loc.doc].root;
    std::string base = docs_[loc.doc].uri;
    const auto apply_id = [&base](const json& s) {
      if (!s.is_object()) return;
      const auto id = s.find("$id");
      if (id != s.end() && id->is_string() && !id->get_ref<const std::string&>().starts_with("#")) {
        base = strip_fragment(resolve_uri(base, id->get_ref<const std::string&>()));
      }
    };
    apply_id(*cur);
    for (const auto& token : *tokens) {
      if (cur->is_object()) {
        const auto it = cur->find(token);
        if (it == cur->end()) return std::nullopt;
        cur = &*it;
      } else if (cur->is_array()) {
        if (token.empty() || token.size() > 9 ||
            !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return std::nullopt;
        }
        const std::size_t index = std::stoul(token);
        if (index >= cur->size()) return std::nullopt;
        cur = &(*cur)[index];
      } else {
        return std::nullopt;
      }
      apply_id(*cur);
    }
    return std::make_pair(cur, base);
  }

  std::optional<Location> find_id(const std::string& uri) {
    const auto it = ids_.find(uri);
    if (it != ids_.end()) return it->second;
    return std::nullopt;
  }

  std::optional<std::size_t> resolve_ref(std::size_t doc, const std::string& pointer, const std::string& ref,
                                         const std::string& base) {
    const std::string target = resolve_uri(base, ref);
    const std::size_t hash = target.find('#');
    const std::string resource = target.substr(0, hash);
    const std::string fragment = hash == std::string::npos ? "" : percent_decode(target.substr(hash + 1));
    const bool is_pointer = fragment.empty() || fragment[0] == '/';
    const std::string key = is_pointer ? resource : resource + "#" + fragment;

    auto found = find_id(key);
    if (!found && !resource.empty() && loader_ && !ids_.contains(resource)) {
      std::optional<json> remote;
      try {
        remote = loader_(resource);
      } catch (...) {
        remote.reset();  // a throwing loader is treated as "not found"
      }
      if (remote) {
        add_document(resource, *remote, is_legacy_dialect(*remote) || docs_[0].legacy);
        found = find_id(key);
      }
    }
    if (!found) {
      return bad_keyword(doc, pointer, "$ref", "refers to " + quote(ref) + ", which cannot be resolved");
    }
    Location loc = *found;
    if (is_pointer) loc.pointer += fragment;
    const auto at = walk(loc);
    if (!at) {
      return bad_keyword(doc, pointer, "$ref", "refers to " + quote(ref) + ", which points at nothing");
    }
    return compile_node(loc.doc, loc.pointer, *at->first, at->second);
  }

  // Compiles the subschema at (doc, pointer); memoised by location, so recursive $refs terminate and a
  // subschema reached by several paths is compiled once.
  std::optional<std::size_t> compile_node(std::size_t doc, const std::string& pointer, const json& s,
                                          std::string base) {
    const auto key = std::make_pair(doc, pointer);
    if (const auto it = memo_.find(key); it != memo_.end()) return it->second;
    const std::size_t index = impl_.nodes.size();
    impl_.nodes.emplace_back();
    memo_.emplace(key, index);

    Node node;
    if (s.is_boolean()) {
      node.kind = s.get<bool>() ? Node::Kind::kTrue : Node::Kind::kFalse;
      impl_.nodes[index] = std::move(node);
      return index;
    }
    if (!s.is_object()) {
      return fail("invalid schema at " + where(doc, pointer) + ": a schema must be an object or a boolean, got " +
                  describe(s));
    }
    node.kind = Node::Kind::kObject;
    if (const auto id = s.find("$id"); id != s.end()) {
      if (!id->is_string()) return bad_keyword(doc, pointer, "$id", "must be a string");
      if (!id->get_ref<const std::string&>().starts_with("#")) {
        base = strip_fragment(resolve_uri(base, id->get_ref<const std::string&>()));
      }
    }

    // A child schema under keyword/name; sets node fields only after the recursive call, which may grow nodes.
    const auto child = [&](const std::string& sub, const json& value) {
      return compile_node(doc, pointer + "/" + sub, value, base);
    };

    if (const auto ref = s.find("$ref"); ref != s.end()) {
      if (!ref->is_string()) return bad_keyword(doc, pointer, "$ref", "must be a string");
      const auto target = resolve_ref(doc, pointer, ref->get<std::string>(), base);
      if (!target) return std::nullopt;
      node.ref = *target;
      if (docs_[doc].legacy) {
        // draft-07 §8.3: "All other properties in a "$ref" object MUST be ignored."
        impl_.nodes[index] = std::move(node);
        return index;
      }
    }

    for (const char* defs : {"$defs", "definitions"}) {
      // Compiled eagerly so that a broken definition fails compile() even if nothing refers to it yet.
      const auto it = s.find(defs);
      if (it == s.end()) continue;
      if (!it->is_object()) return bad_keyword(doc, pointer, defs, "must be an object of schemas");
      for (const auto& [name, sub] : it->items()) {
        if (!child(std::string(defs) + "/" + escape_pointer_token(name), sub)) return std::nullopt;
      }
    }

    if (const auto it = s.find("type"); it != s.end()) {
      const auto bit_of = [](const json& v) -> std::uint8_t {
        if (!v.is_string()) return 0;
        for (const auto& [name, bit] : kTypeNames) {
          if (name == v.get_ref<const std::string&>()) return bit;
        }
        return 0;
      };
      const std::string requirement =
          "must be one of \"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\", \"integer\" or an "
          "array of them";
      if (it->is_array()) {
        for (const auto& t : *it) {
          const std::uint8_t bit = bit_of(t);
          if (bit == 0) return bad_keyword(doc, pointer, "type", requirement);
          node.types |= bit;
        }
        if (node.types == 0) return bad_keyword(doc, pointer, "type", "must not be an empty array");
      } else {
        node.types = bit_of(*it);
        if (node.types == 0) return bad_keyword(doc, pointer, "type", requirement);
      }
    }

    if (const auto it = s.find("properties"); it != s.end()) {
      if (!it->is_object()) return bad_keyword(doc, pointer, "properties", "must be an object of schemas");
      for (const auto& [name, sub] : it->items()) {
        const auto c = child("properties/" + escape_pointer_token(name), sub);
        if (!c) return std::nullopt;
        node.properties.emplace_back(name, *c);
      }
      // nlohmann::json objects iterate sorted already; sort anyway so lookup does not depend on it.
      std::sort(node.properties.begin(), node.properties.end());
    }
    if (const auto it = s.find("patternProperties"); it != s.end()) {
      if (!it->is_object()) return bad_keyword(doc, pointer, "patternProperties", "must be an object of schemas");
      for (const auto& [source, sub] : it->items()) {
        auto re = compile_regex(doc, pointer + "/patternProperties", source);
        if (!re) return std::nullopt;
        const auto c = child("patternProperties/" + escape_pointer_token(source), sub);
        if (!c) return std::nullopt;
        node.pattern_properties.push_back(PatternChild{Pattern{source, std::move(*re)}, *c});
      }
    }
    if (const auto it = s.find("additionalProperties"); it != s.end()) {
      const auto c = child("additionalProperties", *it);
      if (!c) return std::nullopt;
      node.additional_properties = *c;
    }
    if (const auto it = s.find("required"); it != s.end()) {
      if (!it->is_array() || !std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); })) {
        return bad_keyword(doc, pointer, "required", "must be an array of strings");
      }
      for (const auto& name : *it) node.required.push_back(name.get<std::string>());
    }

    if (const auto it = s.find("enum"); it != s.end()) {
      if (!it->is_array()) return bad_keyword(doc, pointer, "enum", "must be an array");
      node.enum_values = *it;
    }
    if (const auto it = s.find("const"); it != s.end()) node.const_value = *it;
    if (const auto it = s.find("default"); it != s.end()) node.default_value = *it;

    const auto number = [&](const char* keyword, std::optional<json>& slot) -> bool {
      const auto it = s.find(keyword);
      if (it == s.end()) return true;
      if (!it->is_number()) {
        bad_keyword(doc, pointer, keyword, "must be a number");
        return false;
      }
      slot = *it;
      return true;
    };
    if (!number("minimum", node.minimum) || !number("maximum", node.maximum) ||
        !number("exclusiveMinimum", node.exclusive_minimum) || !number("exclusiveMaximum", node.exclusive_maximum) ||
        !number("multipleOf", node.multiple_of)) {
      return std::nullopt;
    }
    if (node.multiple_of && !(node.multiple_of->get<double>() > 0)) {
      return bad_keyword(doc, pointer, "multipleOf", "must be a number greater than 0");
    }

    const auto count = [&](const char* keyword, std::optional<std::size_t>& slot) -> bool {
      const auto it = s.find(keyword);
      if (it == s.end()) return true;
      if (!is_integral(*it) || it->get<double>() < 0) {
        bad_keyword(doc, pointer, keyword, "must be a non-negative integer");
        return false;
      }
      const double d = it->get<double>();
      slot = d >= 1e18 ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(d);
      return true;
    };
    if (!count("minLength", node.min_length) || !count("maxLength", node.max_length) ||
        !count("minItems", node.min_items) || !count("maxItems", node.max_items) ||
        !count("minProperties", node.min_properties) || !count("maxProperties", node.max_properties)) {
      return std::nullopt;
    }

    if (const auto it = s.find("pattern"); it != s.end()) {
      if (!it->is_string()) return bad_keyword(doc, pointer, "pattern", "must be a string");
      auto re = compile_regex(doc, pointer + "/pattern", it->get<std::string>());
      if (!re) return std::nullopt;
      node.pattern = Pattern{it->get<std::string>(), std::move(*re)};
    }

    // Array keywords. Draft 7: "items" is a schema or an array of schemas, "additionalItems" covers the rest
    // of an array form. 2020-12: "prefixItems" is the array form and "items" covers the rest.
    const auto items_it = s.find("items");
    const auto prefix_it = s.find("prefixItems");
    const auto schema_list = [&](const char* keyword, const json& list, std::vector<std::size_t>& out) -> bool {
      if (!list.is_array()) {
        bad_keyword(doc, pointer, keyword, "must be an array of schemas");
        return false;
      }
      for (std::size_t i = 0; i < list.size(); ++i) {
        const auto c = child(std::string(keyword) + "/" + std::to_string(i), list[i]);
        if (!c) return false;
        out.push_back(*c);
      }
      return true;
    };
    if (prefix_it != s.end() && !schema_list("prefixItems", *prefix_it, node.prefix_items)) return std::nullopt;
    if (items_it != s.end()) {
      if (items_it->is_array()) {
        if (prefix_it != s.end()) {
          return bad_keyword(doc, pointer, "items", "must be a schema when \"prefixItems\" is present");
        }
        if (!schema_list("items", *items_it, node.prefix_items)) return std::nullopt;
        if (const auto extra = s.find("additionalItems"); extra != s.end()) {
          const auto c = child("additionalItems", *extra);
          if (!c) return std::nullopt;
          node.items = *c;
        }
      } else {
        const auto c = child("items", *items_it);
        if (!c) return std::nullopt;
        node.items = *c;
      }
    }
    if (const auto it = s.find("uniqueItems"); it != s.end()) {
      if (!it->is_boolean()) return bad_keyword(doc, pointer, "uniqueItems", "must be a boolean");
      node.unique_items = it->get<bool>();
    }

    using Combinator = std::pair<const char*, std::vector<std::size_t>*>;
    for (const auto& [keyword, out] : std::array<Combinator, 3>{
             Combinator{"allOf", &node.all_of}, Combinator{"anyOf", &node.any_of}, Combinator{"oneOf", &node.one_of}}) {
      const auto it = s.find(keyword);
      if (it == s.end()) continue;
      if (!it->is_array() || it->empty()) {
        return bad_keyword(doc, pointer, keyword, "must be a non-empty array of schemas");
      }
      if (!schema_list(keyword, *it, *out)) return std::nullopt;
    }
    if (const auto it = s.find("not"); it != s.end()) {
      const auto c = child("not", *it);
      if (!c) return std::nullopt;
      node.not_schema = *c;
    }

    impl_.nodes[index] = std::move(node);
    return index;
  }

  std::optional<std::regex> compile_regex(std::size_t doc, const std::string& pointer, const std::string& source) {
    if (expanded_size(source) > kMaxRegexSize) {
      return fail("invalid schema: keyword at " + where(doc, pointer) + " has a regular expression " + quote(source) +
                  " whose counted repetitions multiply out past 100000, or with a count or back-reference of more "
                  "than 15 digits (std::regex would build every copy, or overflow reading the number)");
    }
    try {
      return std::regex(source, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return fail("invalid schema: keyword at " + where(doc, pointer) + " has an invalid regular expression " +
                  quote(source) + " (" + e.what() + ")");
    }
  }

  JsonSchema::Impl& impl_;
  JsonSchema::RemoteLoader loader_;
  std::vector<Document> docs_;
  std::deque<json> owned_;  // deque: push_back keeps earlier documents' addresses stable
  std::map<std::string, Location> ids_;
  std::map<std::pair<std::size_t, std::string>, std::size_t> memo_;
  std::string error_;
};

// -------------------------------------------------------------------------------------------- validator

class Validator {
 public:
  Validator(const JsonSchema::Impl& impl, std::vector<SchemaError>* errors) : impl_(impl), errors_(errors) {}

  bool check(std::size_t index, const json& v) {
    if (depth_ >= kMaxDepth) {
      return emit("$ref", "schema evaluation nested deeper than " + std::to_string(kMaxDepth) +
                              " levels (recursive schema or instance too deep)");
    }
    ++depth_;
    const bool ok = check_node(impl_.nodes[index], v);
    --depth_;
    return ok;
  }

 private:
  struct Segment {
    std::string_view key;
    std::size_t index;
    bool is_key;
  };

  bool collecting() const { return errors_ != nullptr; }
  bool full() const { return errors_ != nullptr && errors_->size() >= JsonSchema::kMaxErrors; }

  std::string path() const {
    std::string out;
    for (const auto& seg : path_) {
      out += '/';
      out += seg.is_key ? escape_pointer_token(seg.key) : std::to_string(seg.index);
    }
    return out;
  }

  // Records a violation (when collecting) and returns false, so callers can `return emit(...)`.
  bool emit(std::string_view keyword, std::string detail) {
    if (errors_ == nullptr || errors_->size() >= JsonSchema::kMaxErrors) return false;
    std::string p = path();
    std::string message = p.empty() ? std::move(detail) : p + ": " + detail;
    errors_->push_back(SchemaError{std::move(p), std::string(keyword), std::move(message)});
    return false;
  }

  bool descend(std::size_t index, const json& v, Segment seg) {
    path_.push_back(seg);
    const bool ok = check(index, v);
    path_.pop_back();
    return ok;
  }

  // Runs a subschema only to learn whether it matches: no messages, stops at the first violation.
  bool matches(std::size_t index, const json& v) {
    Validator probe(impl_, nullptr);
    probe.depth_ = depth_;
    return probe.check(index, v);
  }

  // The first message of each failing alternative, for anyOf/oneOf explanations.
  std::string explain_alternatives(std::string_view keyword, const std::vector<std::size_t>& options, const json& v) {
    std::string out;
    for (std::size_t i = 0; i < options.size() && i < 5; ++i) {
      std::vector<SchemaError> sub;
      Validator probe(impl_, &sub);
      probe.depth_ = depth_;
      probe.path_ = path_;
      probe.check(options[i], v);
      if (sub.empty()) continue;
      if (!out.empty()) out += "; ";
      out += std::string(keyword) + "/" + std::to_string(i) + ": " + sub.front().message;
    }
    if (options.size() > 5) out += "; ...";
    return out;
  }

  bool check_node(const Node& n, const json& v) {
    if (n.kind == Node::Kind::kTrue) return true;
    if (n.kind == Node::Kind::kFalse) return emit("false", "no value is allowed here, got " + describe(v));
    bool ok = true;
    // After each failure: stop at once in yes/no mode, keep going (until the error budget is spent) otherwise.
    const auto failed = [&]() {
      ok = false;
      return !collecting() || full();
    };

    if (n.ref && !check(*n.ref, v) && failed()) return false;

    if (n.types != 0 && !type_matches(n.types, v)) {
      emit("type", "expected " + type_phrase(n.types) + ", got " + describe(v));
      // Type-specific keywords below would only repeat the mismatch.
      return false;
    }
    if (n.enum_values && std::find(n.enum_values->begin(), n.enum_values->end(), v) == n.enum_values->end()) {
      std::string allowed;
      std::size_t shown = 0;
      for (const auto& e : *n.enum_values) {
        if (shown == 10) {
          allowed += ", ...";
          break;
        }
        allowed += (shown++ == 0 ? "" : ", ") + truncated(dump(e), 40);
      }
      emit("enum", "must be one of " + allowed + "; got " + describe(v));
      if (failed()) return false;
    }
    if (n.const_value && *n.const_value != v) {
      emit("const", "must be " + truncated(dump(*n.const_value)) + ", got " + describe(v));
      if (failed()) return false;
    }

    if (v.is_number() && !check_number(n, v) && failed()) return false;
    if (v.is_string() && !check_string(n, v.get_ref<const std::string&>()) && failed()) return false;
    if (v.is_array() && !check_array(n, v) && failed()) return false;
    if (v.is_object() && !check_object(n, v) && failed()) return false;

    for (const std::size_t sub : n.all_of) {
      if (!check(sub, v) && failed()) return false;
    }
    if (!n.any_of.empty()) {
      const bool any = std::any_of(n.any_of.begin(), n.any_of.end(), [&](std::size_t sub) { return matches(sub, v); });
      if (!any) {
        if (collecting()) {
          emit("anyOf",
               "does not match any alternative of \"anyOf\" (" + explain_alternatives("anyOf", n.any_of, v) + ")");
        }
        if (failed()) return false;
      }
    }
    if (!n.one_of.empty()) {
      std::vector<std::size_t> matched;
      for (std::size_t i = 0; i < n.one_of.size() && matched.size() < 2; ++i) {
        if (matches(n.one_of[i], v)) matched.push_back(i);
      }
      if (matched.size() != 1) {
        if (collecting()) {
          if (matched.empty()) {
            emit("oneOf",
                 "does not match any alternative of \"oneOf\" (" + explain_alternatives("oneOf", n.one_of, v) + ")");
          } else {
            emit("oneOf", "matches more than one alternative of \"oneOf\" (oneOf/" + std::to_string(matched[0]) +
                              " and oneOf/" + std::to_string(matched[1]) + "); it must match exactly one");
          }
        }
        if (failed()) return false;
      }
    }
    if (n.not_schema && matches(*n.not_schema, v)) {
      emit("not", "must not match the schema in \"not\", got " + describe(v));
      if (failed()) return false;
    }
    return ok;
  }

  static bool type_matches(std::uint8_t types, const json& v) {
    switch (v.type()) {
      case json::value_t::null: return (types & kNull) != 0;
      case json::value_t::boolean: return (types & kBoolean) != 0;
      case json::value_t::object: return (types & kObject) != 0;
      case json::value_t::array: return (types & kArray) != 0;
      case json::value_t::string: return (types & kString) != 0;
      case json::value_t::number_integer:
      case json::value_t::number_unsigned: return (types & (kNumber | kInteger)) != 0;
      case json::value_t::number_float:
        // "integer" matches any number with a zero fractional part, so 1.0 is an integer.
        return (types & kNumber) != 0 || ((types & kInteger) != 0 && is_integral(v));
      default: return false;
    }
  }

  bool check_number(const Node& n, const json& v) {
    bool ok = true;
    const auto bound = [&](const std::optional<json>& limit, const char* keyword, const char* relation,
                           bool (*holds)(int)) {
      if (ok || collecting()) {
        if (limit && !holds(compare_numbers(v, *limit))) {
          ok = false;
          emit(keyword, "must be " + std::string(relation) + " " + dump(*limit) + ", got " + describe(v));
        }
      }
    };
    bound(n.minimum, "minimum", ">=", [](int c) { return c >= 0; });
    bound(n.maximum, "maximum", "<=", [](int c) { return c <= 0; });
    bound(n.exclusive_minimum, "exclusiveMinimum", ">", [](int c) { return c > 0; });
    bound(n.exclusive_maximum, "exclusiveMaximum", "<", [](int c) { return c < 0; });
    if ((ok || collecting()) && n.multiple_of && !is_multiple_of(v, *n.multiple_of)) {
      ok = false;
      emit("multipleOf", "must be a multiple of " + dump(*n.multiple_of) + ", got " + describe(v));
    }
    return ok;
  }

  bool check_string(const Node& n, const std::string& s) {
    bool ok = true;
    if (n.min_length || n.max_length) {
      const std::size_t length = code_points(s);
      if (n.min_length && length < *n.min_length) {
        ok = emit("minLength", "must be at least " + plural(*n.min_length, "character", "characters") + " long, got " +
                                   std::to_string(length));
        if (!collecting()) return false;
      }
      if (n.max_length && length > *n.max_length) {
        ok = emit("maxLength", "must be at most " + plural(*n.max_length, "character", "characters") + " long, got " +
                                   std::to_string(length));
        if (!collecting()) return false;
      }
    }
    if (n.pattern) {
      bool found = false;
      try {
        found = std::regex_search(s, n.pattern->re);
      } catch (const std::regex_error&) {
        // std::regex gives up on pathological input (error_complexity/error_stack): report, do not throw.
        return emit("pattern", "could not be checked against the pattern " + quote(n.pattern->source) +
                                   " (regular expression too complex for this input)");
      }
      if (!found) {
        ok = emit("pattern", "must match the pattern " + quote(n.pattern->source) + ", got " + truncated(quote(s)));
      }
    }
    return ok;
  }

  bool check_array(const Node& n, const json& a) {
    bool ok = true;
    const std::size_t size = a.size();
    if (n.min_items && size < *n.min_items) {
      ok = emit("minItems",
                "must contain at least " + plural(*n.min_items, "item", "items") + ", got " + std::to_string(size));
      if (!collecting()) return false;
    }
    if (n.max_items && size > *n.max_items) {
      ok = emit("maxItems",
                "must contain at most " + plural(*n.max_items, "item", "items") + ", got " + std::to_string(size));
      if (!collecting()) return false;
    }
    if (n.unique_items) {
      bool duplicate = false;
      for (std::size_t i = 0; i < size && !duplicate; ++i) {
        for (std::size_t j = i + 1; j < size; ++j) {
          if (a[i] == a[j]) {  // nlohmann compares numbers by value across kinds, so 1 == 1.0
            ok = emit("uniqueItems", "items must be unique, but items " + std::to_string(i) + " and " +
                                         std::to_string(j) + " are equal");
            duplicate = true;
            break;
          }
        }
      }
      if (duplicate && !collecting()) return false;
    }
    for (std::size_t i = 0; i < size; ++i) {
      std::optional<std::size_t> schema;
      if (i < n.prefix_items.size()) {
        schema = n.prefix_items[i];
      } else {
        schema = n.items;
      }
      if (!schema) continue;
      if (i >= n.prefix_items.size() && impl_.nodes[*schema].kind == Node::Kind::kFalse) {
        // Clearer than "no value is allowed here" on each extra element.
        return emit(
            n.prefix_items.empty() ? "items" : "additionalItems",
            "must contain at most " + plural(n.prefix_items.size(), "item", "items") + ", got " + std::to_string(size));
      }
      if (!descend(*schema, a[i], Segment{{}, i, false})) {
        ok = false;
        if (!collecting() || full()) return false;
      }
    }
    return ok;
  }

  bool check_object(const Node& n, const json& o) {
    bool ok = true;
    const auto failed = [&]() {
      ok = false;
      return !collecting() || full();
    };
    const std::size_t size = o.size();
    if (n.min_properties && size < *n.min_properties) {
      emit("minProperties", "must have at least " + plural(*n.min_properties, "property", "properties") + ", got " +
                                std::to_string(size));
      if (failed()) return false;
    }
    if (n.max_properties && size > *n.max_properties) {
      emit("maxProperties", "must have at most " + plural(*n.max_properties, "property", "properties") + ", got " +
                                std::to_string(size));
      if (failed()) return false;
    }
    for (const auto& name : n.required) {
      if (o.find(name) == o.end()) {
        emit("required", "missing required property " + quote(name));
        if (failed()) return false;
      }
    }
    for (const auto& [name, value] : o.items()) {
      const std::string& key = name;
      bool covered = false;
      const auto prop = std::lower_bound(n.properties.begin(), n.properties.end(), key,
                                         [](const auto& entry, const std::string& k) { return entry.first < k; });
      if (prop != n.properties.end() && prop->first == key) {
        covered = true;
        if (impl_.nodes[prop->second].kind == Node::Kind::kFalse) {
          emit("properties", "property " + quote(key) + " is not allowed");
          if (failed()) return false;
        } else if (!descend(prop->second, value, Segment{key, 0, true}) && failed()) {
          return false;
        }
      }
      for (const auto& pp : n.pattern_properties) {
        bool hit = false;
        try {
          hit = std::regex_search(key, pp.pattern.re);
        } catch (const std::regex_error&) {
          hit = false;
        }
        if (!hit) continue;
        covered = true;
        if (!descend(pp.node, value, Segment{key, 0, true}) && failed()) return false;
      }
      if (covered || !n.additional_properties) continue;
      if (impl_.nodes[*n.additional_properties].kind == Node::Kind::kFalse) {
        emit("additionalProperties", "unexpected property " + quote(key) + allowed_names(n));
        if (failed()) return false;
      } else if (!descend(*n.additional_properties, value, Segment{key, 0, true}) && failed()) {
        return false;
      }
    }
    return ok;
  }

  static std::string allowed_names(const Node& n) {
    if (n.properties.empty() && n.pattern_properties.empty()) return " (no properties are allowed)";
    std::string out = " (allowed: ";
    std::size_t shown = 0;
    for (const auto& [name, sub] : n.properties) {
      if (shown == 20) {
        out += ", ...";
        break;
      }
      out += (shown++ == 0 ? "" : ", ") + quote(name);
    }
    for (const auto& pp : n.pattern_properties) {
      out += (shown++ == 0 ? "names matching " : ", names matching ") + quote(pp.pattern.source);
    }
    return out + ")";
  }

  const JsonSchema::Impl& impl_;
  std::vector<SchemaError>* errors_;
  std::vector<Segment> path_;
  std::size_t depth_ = 0;
};

// ------------------------------------------------------------------------------------------- defaults

class DefaultFiller {
 public:
  explicit DefaultFiller(const JsonSchema::Impl& impl) : impl_(impl) {}

  void fill(std::size_t index, json& v, std::size_t depth) {
    if (depth >= kMaxDepth) return;
    const Node& n = impl_.nodes[index];
    if (n.kind != Node::Kind::kObject) return;
    if (n.ref) fill(*n.ref, v, depth + 1);
    for (const std::size_t sub : n.all_of) fill(sub, v, depth + 1);
    if (v.is_object()) {
      for (const auto& [name, sub] : n.properties) {
        auto it = v.find(name);
        if (it == v.end()) {
          const json* def = default_of(sub);
          if (def == nullptr) continue;
          it = v.emplace(name, *def).first;
        }
        fill(sub, *it, depth + 1);
      }
    } else if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::optional<std::size_t> sub = i < n.prefix_items.size() ? n.prefix_items[i] : n.items;
        if (sub) fill(*sub, v[i], depth + 1);
      }
    }
  }

 private:
  // The "default" of a subschema, looking through a chain of $refs ({"$ref": "#/$defs/level"}).
  const json* default_of(std::size_t index) const {
    for (std::size_t hops = 0; hops < kMaxDepth; ++hops) {
      const Node& n = impl_.nodes[index];
      if (n.default_value) return &*n.default_value;
      if (!n.ref) return nullptr;
      index = *n.ref;
    }
    return nullptr;
  }

  const JsonSchema::Impl& impl_;
};

}  // namespace

tl::expected<JsonSchema, std::string> JsonSchema::compile(const json& schema, RemoteLoader load_remote) {
  try {
    auto impl = std::make_shared<Impl>();
    Compiler compiler(*impl, std::move(load_remote));
    const auto root = compiler.compile_root(schema);
    if (!root) return tl::make_unexpected(root.error());
    impl->root = *root;
    return JsonSchema(std::move(impl));
  } catch (const std::exception& e) {
    return tl::make_unexpected(std::string("cannot compile schema: ") + e.what());
  }
}

std::vector<SchemaError> JsonSchema::validate(const json& instance) const {
  std::vector<SchemaError> errors;
  try {
    Validator(*impl_, &errors).check(impl_->root, instance);
  } catch (const std::exception& e) {
    // Only allocation failure can get here; still answer rather than throw.
    errors.push_back(SchemaError{"", "", std::string("validation aborted: ") + e.what()});
  }
  return errors;
}

bool JsonSchema::is_valid(const json& instance) const {
  try {
    return Validator(*impl_, nullptr).check(impl_->root, instance);
  } catch (const std::exception&) {
    return false;
  }
}

void JsonSchema::apply_defaults(json& instance) const {
  try {
    DefaultFiller(*impl_).fill(impl_->root, instance, 0);
  } catch (const std::exception&) {
    // Defaults are a convenience: on allocation failure the instance is left as far as it got.
  }
}

std::string format_errors(const std::vector<SchemaError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.message;
  }
  return out;
}

}  // namespace eks::protocol
