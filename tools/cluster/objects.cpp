// The small member functions of the object types (see objects.hpp).
#include "tools/cluster/objects.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <tuple>
#include <type_traits>

namespace eks::cluster {

std::string ObjectRef::str() const {
  if (ns.empty()) return kind + "/" + name;
  return kind + "/" + ns + "/" + name;
}

std::string object_key(std::string_view kind, std::string_view ns, std::string_view name) {
  std::string k;
  k.reserve(kind.size() + ns.size() + name.size() + 2);
  k.append(kind).append("/").append(ns).append("/").append(name);
  return k;
}

const OwnerReference* ObjectMeta::controller_owner() const {
  for (const auto& o : owners)
    if (o.controller) return &o;
  return owners.empty() ? nullptr : &owners.front();
}

const Condition* find_condition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const auto& c : conditions)
    if (c.type == type) return &c;
  return nullptr;
}

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& e : match_expressions) {
    auto it = labels.find(e.key);
    const bool has = it != labels.end();
    const bool in = has && std::find(e.values.begin(), e.values.end(), it->second) != e.values.end();
    if (e.op == "In" && !in) return false;
    if (e.op == "NotIn" && in) return false;
    if (e.op == "Exists" && !has) return false;
    if (e.op == "DoesNotExist" && has) return false;
  }
  return true;
}

std::vector<ConfigReference> PodSpec::config_refs() const {
  std::vector<ConfigReference> out;
  for (const auto* list : {&init_containers, &containers})
    for (const auto& c : *list) out.insert(out.end(), c.config_refs.begin(), c.config_refs.end());
  for (const auto& v : volumes) {
    if (v.config_map) out.push_back({"ConfigMap", *v.config_map, std::nullopt, std::nullopt, "volume", v.optional});
    if (v.secret_name) out.push_back({"Secret", *v.secret_name, std::nullopt, std::nullopt, "volume", v.optional});
  }
  for (const auto& s : image_pull_secrets)
    out.push_back({"Secret", s, std::nullopt, std::nullopt, "imagePullSecret", false});
  return out;
}

const ContainerStatus* Pod::status_of(std::string_view name) const {
  for (const auto* list : {&container_statuses, &init_container_statuses})
    for (const auto& s : *list)
      if (s.name == name) return &s;
  return nullptr;
}

int Pod::restarts() const {
  int n = 0;
  for (const auto& s : container_statuses) n += s.restart_count;
  return n;
}

bool Pod::ready() const {
  const auto* c = find_condition(conditions, "Ready");
  return c && c->status == "True";
}

bool Node::ready() const {
  const auto* c = find_condition(conditions, "Ready");
  return c && c->status == "True";
}

int Endpoints::ready_count() const {
  int n = 0;
  for (const auto& s : subsets) n += static_cast<int>(s.ready.size());
  return n;
}

int Endpoints::not_ready_count() const {
  int n = 0;
  for (const auto& s : subsets) n += static_cast<int>(s.not_ready.size());
  return n;
}

}  // namespace eks::cluster
