#include "tools/incidents/manifest_edit.hpp"

#include <sstream>
#include <tuple>
#include <vector>

#include "safety/yaml_json.hpp"

namespace eks::incidents {
namespace {

struct Line {
  std::string text;
  int indent = 0;     // spaces before the first character
  bool blank = true;  // empty or a comment only
};

std::vector<Line> split(const std::string& text) {
  std::vector<Line> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    Line l;
    l.text = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto first = l.text.find_first_not_of(' ');
    l.indent = first == std::string::npos ? 0 : static_cast<int>(first);
    l.blank = first == std::string::npos || l.text[first] == '#';
    out.push_back(std::move(l));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<Line>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i].text;
  }
  return out;
}

std::string trim(std::string s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// "key: value  # note" at the line's indent (after an optional "- "): the key, and the value without quotes
// and comment. nullopt when the line is not a mapping entry.
struct Entry {
  std::string key;
  std::string value;                           // "" for a key that opens a block
  std::size_t value_start = 0, value_end = 0;  // the value's span in the line, quotes included
  int key_indent = 0;
};

std::optional<Entry> entry(const Line& l) {
  if (l.blank) return std::nullopt;
  std::size_t p = static_cast<std::size_t>(l.indent);
  if (l.text.compare(p, 2, "- ") == 0) p += 2;
  const auto colon = l.text.find(':', p);
  if (colon == std::string::npos) return std::nullopt;
  if (colon + 1 < l.text.size() && l.text[colon + 1] != ' ') return std::nullopt;  // "image: a:b" is the value's
  Entry e;
  e.key = trim(l.text.substr(p, colon - p));
  if (e.key.empty() || e.key.find_first_of(" '\"{[") != std::string::npos) return std::nullopt;
  e.key_indent = static_cast<int>(p);
  std::size_t v = l.text.find_first_not_of(' ', colon + 1);
  if (v == std::string::npos || l.text[v] == '#') {
    e.value_start = e.value_end = l.text.size();
    return e;
  }
  std::size_t end;
  if (l.text[v] == '"' || l.text[v] == '\'') {
    end = l.text.find(l.text[v], v + 1);
    end = end == std::string::npos ? l.text.size() : end + 1;
    e.value = l.text.substr(v + 1, end - v - 2);
  } else {
    end = l.text.find(" #", v);
    if (end == std::string::npos) end = l.text.size();
    while (end > v && l.text[end - 1] == ' ') --end;
    e.value = l.text.substr(v, end - v);
  }
  e.value_start = v;
  e.value_end = end;
  return e;
}

// The value written back: in the quote style it had.
void set_value(Line& l, const Entry& e, const std::string& value) {
  std::string written = value;
  if (e.value_start < l.text.size() && (l.text[e.value_start] == '"' || l.text[e.value_start] == '\''))
    written = l.text[e.value_start] + value + l.text[e.value_start];
  l.text = l.text.substr(0, e.value_start) + written + l.text.substr(e.value_end);
}

// The block under the entry at `at` (whose key sits at `key_indent`): the lines after it up to the next line at
// or left of that indent ([begin, end)).
std::pair<std::size_t, std::size_t> block(const std::vector<Line>& lines, std::size_t at, int key_indent) {
  std::size_t end = at + 1;
  while (end < lines.size() && (lines[end].blank || lines[end].indent > key_indent)) ++end;
  // A list under a key may sit at the key's own indent ("containers:\n- name: x").
  if (end < lines.size() && lines[end].indent == key_indent && lines[end].text.compare(key_indent, 2, "- ") == 0) {
    while (end < lines.size() &&
           (lines[end].blank || lines[end].indent > key_indent ||
            (lines[end].indent == key_indent && lines[end].text.compare(key_indent, 2, "- ") == 0)))
      ++end;
  }
  while (end > at + 1 && lines[end - 1].blank) --end;
  return {at + 1, end};
}

// The indent of the entries of the block [begin, end): its first line that is not blank or a comment (a comment
// may sit at any column, even left of the block's key), or `otherwise` when it has none.
int entry_indent(const std::vector<Line>& lines, std::size_t begin, std::size_t end, int otherwise) {
  for (std::size_t i = begin; i < end; ++i) {
    if (!lines[i].blank) return lines[i].indent;
  }
  return otherwise;
}

// The first entry `key` directly in [begin, end) at indent `indent` (or any indent when -1).
std::optional<std::size_t> find_key(const std::vector<Line>& lines, std::size_t begin, std::size_t end,
                                    const std::string& key, int indent) {
  for (std::size_t i = begin; i < end; ++i) {
    const auto e = entry(lines[i]);
    if (e && e->key == key && (indent < 0 || e->key_indent == indent)) return i;
  }
  return std::nullopt;
}

struct Document {
  std::size_t begin, end;  // line range
  std::string kind, name, ns;
};

std::vector<Document> documents(const std::vector<Line>& lines) {
  std::vector<Document> out;
  std::size_t start = 0;
  auto close = [&](std::size_t end) {
    Document d{start, end, "", "", ""};
    if (const auto k = find_key(lines, start, end, "kind", 0)) d.kind = entry(lines[*k])->value;
    if (const auto m = find_key(lines, start, end, "metadata", 0)) {
      const auto [b, e] = block(lines, *m, 0);
      const int child = entry_indent(lines, b, e, 2);
      if (const auto n = find_key(lines, b, e, "name", child)) d.name = entry(lines[*n])->value;
      if (const auto n = find_key(lines, b, e, "namespace", child)) d.ns = entry(lines[*n])->value;
    }
    out.push_back(d);
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& t = lines[i].text;  // "---", or "---" followed by a space (a comment, a tag)
    if (t.rfind("---", 0) == 0 && (t.size() == 3 || t[3] == ' ' || t[3] == '\t' || t[3] == '\r')) {
      close(i);
      start = i + 1;
    }
  }
  close(lines.size());
  return out;
}

// Sets `resource` under `section` (limits | requests) of the container item's `resources`, adding the keys that
// are missing at the item's own indentation steps.
tl::expected<void, std::string> set_resource(std::vector<Line>& lines, std::size_t item_begin, std::size_t& item_end,
                                             int field_indent, const std::string& section, const std::string& resource,
                                             const std::string& value) {
  const std::string pad(static_cast<std::size_t>(field_indent), ' ');
  auto res = find_key(lines, item_begin, item_end, "resources", field_indent);
  if (res && !entry(lines[*res])->value.empty())
    return tl::unexpected(std::string("its resources are written in flow style; edit them by hand"));
  if (!res) {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(item_end), Line{pad + "resources:", field_indent, false});
    res = item_end++;
  }
  auto [rb, re] = block(lines, *res, field_indent);
  const int step = entry_indent(lines, rb, re, field_indent + 2) - field_indent;
  auto sec = find_key(lines, rb, re, section, field_indent + step);
  if (sec && !entry(lines[*sec])->value.empty())
    return tl::unexpected("its resources." + section + " are written in flow style; edit them by hand");
  if (!sec) {
    lines.insert(
        lines.begin() + static_cast<std::ptrdiff_t>(re),
        Line{pad + std::string(static_cast<std::size_t>(step), ' ') + section + ":", field_indent + step, false});
    sec = re++;
    ++item_end;
  }
  auto [sb, se] = block(lines, *sec, field_indent + step);
  if (const auto r = find_key(lines, sb, se, resource, field_indent + 2 * step)) {
    set_value(lines[*r], *entry(lines[*r]), value);
    return {};
  }
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(se),
               Line{pad + std::string(static_cast<std::size_t>(2 * step), ' ') + resource + ": " + value,
                    field_indent + 2 * step, false});
  ++item_end;
  return {};
}

// Sets the scalar at `path` below the block [begin, end) whose entries sit at `indent` (-1: the first entry's),
// adding the missing keys two columns deeper at each level.
tl::expected<void, std::string> set_path(std::vector<Line>& lines, std::size_t begin, std::size_t end, int indent,
                                         const std::vector<std::string>& path, const std::string& value) {
  if (indent < 0) indent = entry_indent(lines, begin, end, 0);
  const auto at = find_key(lines, begin, end, path.front(), indent);
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (path.size() == 1) {
    if (at) {
      set_value(lines[*at], *entry(lines[*at]), value);
    } else {
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(end),
                   Line{pad + path.front() + ": " + value, indent, false});
    }
    return {};
  }
  std::size_t key = 0;
  if (at) {
    if (!entry(lines[*at])->value.empty())
      return tl::unexpected(path.front() + " is a value or written in flow style; edit it by hand");
    key = *at;
  } else {
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(end), Line{pad + path.front() + ":", indent, false});
    key = end;
  }
  const auto [b, e] = block(lines, key, indent);
  const int child = entry_indent(lines, b, e, indent + 2);
  return set_path(lines, b, e, child, std::vector<std::string>(path.begin() + 1, path.end()), value);
}

}  // namespace

static tl::expected<std::string, std::string> edit_values_lines(const std::string& text, const std::string& key_path,
                                                                const ManifestChange& change) {
  auto lines = split(text);
  struct Scope {
    std::size_t begin, end;
    int indent;
  };
  // The workload's block, found again after each edit (an insertion moves its end).
  auto descend = [&]() -> tl::expected<Scope, std::string> {
    Scope s{0, lines.size(), 0};
    std::size_t from = 0;
    while (from < key_path.size()) {
      const auto dot = key_path.find('.', from);
      const std::string key = key_path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
      const auto at = find_key(lines, s.begin, s.end, key, s.indent);
      if (!at) return tl::unexpected("the values file has no " + key_path.substr(0, dot) + " block");
      if (!entry(lines[*at])->value.empty()) return tl::unexpected(key_path + " is not a block of the values file");
      const int parent = s.indent;
      std::tie(s.begin, s.end) = block(lines, *at, parent);
      s.indent = s.begin < s.end ? lines[s.begin].indent : parent + 2;
      if (dot == std::string::npos) break;
      from = dot + 1;
    }
    return s;
  };
  const std::string where = key_path.empty() ? "the values file" : key_path;
  if (change.image) {
    const auto s = descend();
    if (!s) return tl::unexpected(s.error());
    const auto at = find_key(lines, s->begin, s->end, "image", s->indent);
    if (!at) return tl::unexpected(where + " names no image");
    const auto image = entry(lines[*at]);
    if (!image->value.empty()) {
      set_value(lines[*at], *image, *change.image);  // image: repo:tag
    } else {
      // image: {repository, tag}: the tag, and the repository when it changes too.
      const auto colon = change.image->rfind(':');
      const auto slash = change.image->rfind('/');
      if (colon == std::string::npos || (slash != std::string::npos && colon < slash))
        return tl::unexpected("the new image " + *change.image + " has no tag to write into image.tag");
      const auto [b, e] = block(lines, *at, s->indent);
      const int child = entry_indent(lines, b, e, s->indent + 2);
      const auto repo = find_key(lines, b, e, "repository", child);
      if (repo && entry(lines[*repo])->value != change.image->substr(0, colon))
        set_value(lines[*repo], *entry(lines[*repo]), change.image->substr(0, colon));
      auto set = set_path(lines, b, e, child, {"tag"}, change.image->substr(colon + 1));
      if (!set) return tl::unexpected(where + ": " + set.error());
    }
  }
  for (const auto& [section, values] :
       {std::pair<std::string, const std::map<std::string, std::string>*>{"limits", &change.limits},
        {"requests", &change.requests}}) {
    for (const auto& [resource, value] : *values) {
      const auto s = descend();
      if (!s) return tl::unexpected(s.error());
      auto set = set_path(lines, s->begin, s->end, s->indent, {"resources", section, resource}, value);
      if (!set) return tl::unexpected(where + ": " + set.error());
    }
  }
  return join(lines);
}

static tl::expected<std::string, std::string> edit_manifest_lines(const std::string& text,
                                                                  const ManifestChange& change) {
  auto lines = split(text);
  std::vector<Document> matches;
  for (const auto& d : documents(lines))
    if (d.kind == change.kind && d.name == change.name && (d.ns.empty() || change.ns.empty() || d.ns == change.ns))
      matches.push_back(d);
  const std::string what = change.kind + " " + (change.ns.empty() ? "" : change.ns + "/") + change.name;
  if (matches.empty()) return tl::unexpected("the file defines no " + what);
  if (matches.size() > 1) return tl::unexpected("the file defines " + what + " more than once");
  const Document& doc = matches.front();

  // The containers list (spec.template.spec.containers, or a Pod's spec.containers): the one "containers:" key.
  std::optional<std::size_t> containers;
  for (std::size_t i = doc.begin; i < doc.end; ++i) {
    const auto e = entry(lines[i]);
    if (!e || e->key != "containers") continue;
    if (containers) return tl::unexpected(what + " has more than one containers list");
    if (!e->value.empty()) return tl::unexpected(what + "'s containers are written in flow style; edit them by hand");
    containers = i;
  }
  if (!containers) return tl::unexpected(what + " has no containers list");
  const int list_key_indent = entry(lines[*containers])->key_indent;
  auto [cb, ce] = block(lines, *containers, list_key_indent);
  // Its items start with "- " at one indent; an item's fields sit two columns right of the dash.
  std::optional<std::size_t> item_begin;
  std::size_t item_end = ce;
  int dash = -1;
  for (std::size_t i = cb; i < ce; ++i) {
    if (lines[i].blank) continue;
    const bool starts_item = lines[i].text.compare(static_cast<std::size_t>(lines[i].indent), 2, "- ") == 0 &&
                             (dash < 0 || lines[i].indent == dash);
    if (!starts_item) continue;
    dash = lines[i].indent;
    if (item_begin) {
      item_end = i;
      break;
    }
    // This item's name: on the dash line or a field of the item.
    std::size_t end = i + 1;
    while (end < ce && (lines[end].blank || lines[end].indent > dash)) ++end;
    const auto own = entry(lines[i]);
    std::string name = own && own->key == "name" ? own->value : "";
    if (name.empty())
      if (const auto n = find_key(lines, i + 1, end, "name", dash + 2)) name = entry(lines[*n])->value;
    if (name == change.container) {
      item_begin = i;
      item_end = end;
      break;
    }
  }
  if (!item_begin) return tl::unexpected(what + " has no container named \"" + change.container + "\"");
  const int field_indent = dash + 2;
  if (change.image) {
    const auto own = entry(lines[*item_begin]);
    std::optional<std::size_t> at;
    if (own && own->key == "image") at = *item_begin;
    if (!at) at = find_key(lines, *item_begin + 1, item_end, "image", field_indent);
    if (!at) return tl::unexpected("container " + change.container + " of " + what + " names no image");
    set_value(lines[*at], *entry(lines[*at]), *change.image);
  }
  for (const auto& [section, values] :
       {std::pair<std::string, const std::map<std::string, std::string>*>{"limits", &change.limits},
        {"requests", &change.requests}}) {
    for (const auto& [resource, value] : *values) {
      auto set = set_resource(lines, *item_begin, item_end, field_indent, section, resource, value);
      if (!set) return tl::unexpected("container " + change.container + " of " + what + ": " + set.error());
    }
  }
  return join(lines);
}

// A line editor can be misled by what YAML readers accept loosely (a "key:value" line is plain text to them) and
// write a block that no longer reads. A configuration pull request must never break a file that read before.
static tl::expected<std::string, std::string> still_readable(const std::string& before,
                                                             tl::expected<std::string, std::string> after) {
  if (after && safety::yaml::parse_all(before) && !safety::yaml::parse_all(*after))
    return tl::unexpected(std::string("the edit would leave the file unreadable as YAML: edit it by hand"));
  return after;
}

tl::expected<std::string, std::string> edit_values(const std::string& text, const std::string& key_path,
                                                   const ManifestChange& change) {
  return still_readable(text, edit_values_lines(text, key_path, change));
}

tl::expected<std::string, std::string> edit_manifest(const std::string& text, const ManifestChange& change) {
  return still_readable(text, edit_manifest_lines(text, change));
}

}  // namespace eks::incidents
