#include "store.hpp"

#include <algorithm>
#include <cctype>

namespace kubesim {

namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Splits on commas outside parentheses.
std::vector<std::string> split_terms(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
  return out;
}

bool valid_label_key(const std::string& k) {
  if (k.empty() || k.size() > 316) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/')) return false;
  return true;
}

const std::string* label(const json& labels, const std::string& key) {
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  if (it == labels.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

}  // namespace

const Entry* Store::get(const ResourceType& type, const std::string& ns, const std::string& name) const {
  auto it = collections_.find(type.key());
  if (it == collections_.end()) return nullptr;
  auto e = it->second.find(key(ns, name));
  return e == it->second.end() ? nullptr : &e->second;
}

const Entry& Store::put(const ResourceType& type, json object) {
  object["metadata"]["resourceVersion"] = std::to_string(next_resource_version());
  const auto& md = object["metadata"];
  std::string k = key(type.namespaced ? md.value("namespace", "") : "", md.value("name", ""));
  Entry& e = collections_[type.key()][k];
  e.object = std::move(object);
  e.serialised.clear();
  return e;
}

void Store::load(const ResourceType& type, json object) {
  auto& md = object["metadata"];
  if (!md.contains("resourceVersion")) md["resourceVersion"] = std::to_string(next_resource_version());
  std::string k = key(type.namespaced ? md.value("namespace", "") : "", md.value("name", ""));
  Entry& e = collections_[type.key()][k];
  e.object = std::move(object);
  e.serialised.clear();
}

bool Store::erase(const ResourceType& type, const std::string& ns, const std::string& name) {
  auto it = collections_.find(type.key());
  if (it == collections_.end()) return false;
  return it->second.erase(key(ns, name)) > 0;
}

std::size_t Store::count(const ResourceType& type) const {
  auto it = collections_.find(type.key());
  return it == collections_.end() ? 0 : it->second.size();
}

tl::expected<LabelSelector, std::string> LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  for (const std::string& term : split_terms(text)) {
    if (term.empty()) return tl::unexpected(std::string("found '', expected: identifier"));
    Requirement r;
    if (term.front() == '!') {
      r.key = trim(term.substr(1));
      r.op = Op::not_exists;
    } else if (auto p = term.find(" notin "); p != std::string::npos || term.find(" in ") != std::string::npos) {
      bool notin = p != std::string::npos;
      if (!notin) p = term.find(" in ");
      r.key = trim(term.substr(0, p));
      r.op = notin ? Op::not_in : Op::in;
      std::string rest = trim(term.substr(p + (notin ? 7 : 4)));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')')
        return tl::unexpected("unable to parse requirement: found '" + rest + "', expected: '('");
      for (auto& v : split(rest.substr(1, rest.size() - 2), ',')) r.values.push_back(trim(v));
    } else if (auto q = term.find("!="); q != std::string::npos) {
      r.key = trim(term.substr(0, q));
      r.op = Op::not_equals;
      r.values = {trim(term.substr(q + 2))};
    } else if (auto e = term.find('='); e != std::string::npos) {
      r.key = trim(term.substr(0, e));
      r.op = Op::equals;
      std::size_t skip = (e + 1 < term.size() && term[e + 1] == '=') ? 2 : 1;
      r.values = {trim(term.substr(e + skip))};
    } else {
      r.key = term;
      r.op = Op::exists;
    }
    if (!valid_label_key(r.key))
      return tl::unexpected("unable to parse requirement: invalid label key \"" + r.key + "\"");
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

LabelSelector LabelSelector::from_object(const json& selector) {
  LabelSelector sel;
  if (!selector.is_object()) return sel;
  if (auto ml = selector.find("matchLabels"); ml != selector.end() && ml->is_object())
    for (auto& [k, v] : ml->items())
      sel.requirements_.push_back({k, Op::equals, {v.is_string() ? v.get<std::string>() : v.dump()}});
  if (auto me = selector.find("matchExpressions"); me != selector.end() && me->is_array())
    for (const auto& x : *me) {
      Requirement r{x.value("key", ""), Op::exists, {}};
      std::string op = x.value("operator", "");
      if (op == "In") r.op = Op::in;
      else if (op == "NotIn") r.op = Op::not_in;
      else if (op == "DoesNotExist") r.op = Op::not_exists;
      if (auto vals = x.find("values"); vals != x.end() && vals->is_array())
        for (const auto& v : *vals) r.values.push_back(v.get<std::string>());
      sel.requirements_.push_back(std::move(r));
    }
  return sel;
}

bool LabelSelector::matches(const json& labels) const {
  for (const auto& r : requirements_) {
    const std::string* v = label(labels, r.key);
    auto in_values = [&] { return v && std::find(r.values.begin(), r.values.end(), *v) != r.values.end(); };
    switch (r.op) {
      case Op::equals:
      case Op::in:
        if (!in_values()) return false;
        break;
      case Op::not_equals:
      case Op::not_in:
        if (in_values()) return false;
        break;
      case Op::exists:
        if (!v) return false;
        break;
      case Op::not_exists:
        if (v) return false;
        break;
    }
  }
  return true;
}

tl::expected<FieldSelector, std::string> FieldSelector::parse(std::string_view text) {
  FieldSelector sel;
  for (const std::string& term : split_terms(text)) {
    if (term.empty()) continue;
    Term t;
    if (auto q = term.find("!="); q != std::string::npos) {
      t = {trim(term.substr(0, q)), true, trim(term.substr(q + 2))};
    } else if (auto e = term.find('='); e != std::string::npos) {
      std::size_t skip = (e + 1 < term.size() && term[e + 1] == '=') ? 2 : 1;
      t = {trim(term.substr(0, e)), false, trim(term.substr(e + skip))};
    } else {
      return tl::unexpected("invalid selector: '" + term + "'; can't understand '" + term + "'");
    }
    sel.terms_.push_back(std::move(t));
  }
  return sel;
}

bool FieldSelector::matches(const json& object) const {
  for (const auto& t : terms_)
    if ((field_value(object, t.field) == t.value) == t.negated) return false;
  return true;
}

const std::string* FieldSelector::equals(const std::string& field) const {
  for (const auto& t : terms_)
    if (t.field == field && !t.negated) return &t.value;
  return nullptr;
}

std::string field_value(const json& object, const std::string& path) {
  const json* cur = &object;
  for (const auto& part : split(path, '.')) {
    if (!cur->is_object()) return "";
    auto it = cur->find(part);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

}  // namespace kubesim
