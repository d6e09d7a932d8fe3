// The object store (objects by type, then by "namespace/name" in etcd key order) and the label and field
// selectors lists are filtered with.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <tl/expected.hpp>

#include "resources.hpp"
#include "util.hpp"

namespace kubesim {

// One stored object and its serialised form, kept so that a list of 10,000 pods is a concatenation.
struct Entry {
  json object;
  mutable std::string serialised;  // empty until first needed; cleared by every write
  const std::string& text() const {
    if (serialised.empty()) serialised = object.dump();
    return serialised;
  }
};

class Store {
 public:
  using Collection = std::map<std::string, Entry>;  // "namespace/name" ("/name" for cluster scope)

  static std::string key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

  const Entry* get(const ResourceType& type, const std::string& ns, const std::string& name) const;
  // Stores `object` (replacing any previous one) with a fresh resourceVersion; returns the stored entry.
  const Entry& put(const ResourceType& type, json object);
  // Stores without touching resourceVersion beyond assigning one when missing (snapshot loading).
  void load(const ResourceType& type, json object);
  bool erase(const ResourceType& type, const std::string& ns, const std::string& name);

  // Objects of `type` in namespace `ns` (all namespaces when empty), in key order.
  template <typename F>
  void for_each(const ResourceType& type, const std::string& ns, F&& f) const {
    auto it = collections_.find(type.key());
    if (it == collections_.end()) return;
    const Collection& c = it->second;
    if (ns.empty()) {
      for (const auto& [k, e] : c) f(e);
      return;
    }
    std::string prefix = ns + "/";
    for (auto i = c.lower_bound(prefix); i != c.end() && i->first.compare(0, prefix.size(), prefix) == 0; ++i)
      f(i->second);
  }
  std::size_t count(const ResourceType& type) const;

  std::int64_t resource_version() const { return resource_version_; }
  std::int64_t next_resource_version() { return ++resource_version_; }

 private:
  std::unordered_map<std::string, Collection> collections_;
  std::int64_t resource_version_ = 1000;
};

// A label selector as the API accepts it in ?labelSelector=: "app=web,tier!=db,env in (a,b),!canary,x".
class LabelSelector {
 public:
  static tl::expected<LabelSelector, std::string> parse(std::string_view text);
  // From a LabelSelector object ({matchLabels, matchExpressions}) as in a Deployment's spec.selector.
  static LabelSelector from_object(const json& selector);
  bool matches(const json& labels) const;
  bool empty() const { return requirements_.empty(); }

 private:
  enum class Op { equals, not_equals, in, not_in, exists, not_exists };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

// A field selector: "metadata.name=x,status.phase!=Running,involvedObject.kind=Pod" (= and == and !=).
class FieldSelector {
 public:
  static tl::expected<FieldSelector, std::string> parse(std::string_view text);
  bool matches(const json& object) const;
  bool empty() const { return terms_.empty(); }
  // The value required for `field` by an equality term, if any (lets a GET-by-name shortcut the scan).
  const std::string* equals(const std::string& field) const;

 private:
  struct Term {
    std::string field;
    bool negated;
    std::string value;
  };
  std::vector<Term> terms_;
};

// The string value of a dotted field path in an object, as field selectors compare it ("" when absent).
std::string field_value(const json& object, const std::string& path);

}  // namespace kubesim
