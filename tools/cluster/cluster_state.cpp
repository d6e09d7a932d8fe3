#include "tools/cluster/cluster_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <tuple>
#include <type_traits>

namespace eks::cluster {
namespace {

// --- the vectors, numbered for the by_key index ----------------------------------------------------------------

enum VectorId : int {
  kNamespaces,
  kNodes,
  kPods,
  kEvents,
  kDeployments,
  kReplicaSets,
  kStatefulSets,
  kDaemonSets,
  kJobs,
  kCronJobs,
  kServices,
  kEndpoints,
  kIngresses,
  kIngressClasses,
  kNetworkPolicies,
  kPvcs,
  kPvs,
  kStorageClasses,
  kHpas,
  kPdbs,
  kConfigMaps,
  kServiceAccounts,
  kWebhooks,
  kOthers,
  kSecrets
};

// Calls f(id, vector) for every object vector (secrets only when known).
template <class State, class F>
void visit_vectors(State& s, F&& f) {
  f(kNamespaces, s.namespaces);
  f(kNodes, s.nodes);
  f(kPods, s.pods);
  f(kEvents, s.events);
  f(kDeployments, s.deployments);
  f(kReplicaSets, s.replica_sets);
  f(kStatefulSets, s.stateful_sets);
  f(kDaemonSets, s.daemon_sets);
  f(kJobs, s.jobs);
  f(kCronJobs, s.cron_jobs);
  f(kServices, s.services);
  f(kEndpoints, s.endpoints);
  f(kIngresses, s.ingresses);
  f(kIngressClasses, s.ingress_classes);
  f(kNetworkPolicies, s.network_policies);
  f(kPvcs, s.pvcs);
  f(kPvs, s.pvs);
  f(kStorageClasses, s.storage_classes);
  f(kHpas, s.hpas);
  f(kPdbs, s.pdbs);
  f(kConfigMaps, s.config_maps);
  f(kServiceAccounts, s.service_accounts);
  f(kWebhooks, s.webhook_configurations);
  f(kOthers, s.others);
  if (s.secrets) f(kSecrets, *s.secrets);
}

template <class T>
const T* lookup(const ClusterState& s, const std::vector<T>& vec, int id, std::string_view kind, std::string_view ns,
                std::string_view name) {
  auto it = s.index.by_key.find(object_key(kind, ns, name));
  if (it == s.index.by_key.end() || it->second.first != id || it->second.second >= vec.size()) return nullptr;
  return &vec[it->second.second];
}

std::string owner_key(const ObjectRef& r) { return object_key(r.kind, r.ns, r.name); }

template <class T>
std::vector<const T*> pick(const std::vector<T>& vec, const std::vector<std::size_t>* positions) {
  std::vector<const T*> out;
  if (!positions) return out;
  out.reserve(positions->size());
  for (std::size_t p : *positions)
    if (p < vec.size()) out.push_back(&vec[p]);
  return out;
}

template <class Map>
const std::vector<std::size_t>* positions_at(const Map& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

}  // namespace

namespace {

// std::stable_sort of a vector of large objects, without stable_sort's temporary copy of the whole vector (for
// 50,000 events that buffer alone was 37 MB of peak memory): sorts positions, then permutes in place.
template <class T, class Less>
void stable_sort_in_place(std::vector<T>& vec, Less less) {
  if (vec.size() < 2) return;
  std::vector<std::size_t> order(vec.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return less(vec[a], vec[b]); });
  // order[i] is the element that belongs at i: follow each cycle once.
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    T held = std::move(vec[i]);
    std::size_t at = i;
    while (order[at] != i) {
      const std::size_t from = order[at];
      vec[at] = std::move(vec[from]);
      order[at] = at;
      at = from;
    }
    vec[at] = std::move(held);
    order[at] = at;
  }
}

template <class T>
void append_moved(std::vector<T>& to, std::vector<T>& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  std::vector<T>().swap(from);
}

}  // namespace

void ClusterState::append(std::vector<ClusterState>&& parts) {
  // Size every vector once, so appending does not grow (and for a moment double) the large ones.
  visit_vectors(*this, [&](int id, auto& vec) {
    std::size_t total = vec.size();
    for (auto& part : parts)
      visit_vectors(part, [&](int pid, auto& pvec) {
        if (pid == id) total += pvec.size();
      });
    vec.reserve(total);
  });
  for (auto& part : parts) {
    warnings.insert(warnings.end(), part.warnings.begin(), part.warnings.end());
    if (part.secrets && !secrets) secrets.emplace();
    if (part.pod_metrics && !pod_metrics) pod_metrics.emplace();
    if (part.node_metrics && !node_metrics) node_metrics.emplace();
    visit_vectors(*this, [&](int id, auto& vec) {
      visit_vectors(part, [&](int pid, auto& pvec) {
        if constexpr (std::is_same_v<decltype(vec), decltype(pvec)>) {
          if (pid == id) append_moved(vec, pvec);
        }
      });
    });
    if (part.pod_metrics) append_moved(*pod_metrics, *part.pod_metrics);
    if (part.node_metrics) append_moved(*node_metrics, *part.node_metrics);
    part = ClusterState{};
  }
}

ClusterState ClusterState::subset(const std::set<std::string>& kinds, const std::optional<std::string>& ns) const {
  ClusterState out;
  out.now = now;
  out.source = source;
  if (secrets && kinds.count("Secret")) out.secrets.emplace();
  auto wanted = [&](const ObjectMeta& m) {
    if (!kinds.count(m.kind)) return false;
    if (!ns) return true;
    return m.kind == "Namespace" ? m.name == *ns : m.ns.empty() || m.ns == *ns;
  };
  visit_vectors(out, [&](int id, auto& to) {
    visit_vectors(*this, [&](int from_id, const auto& from) {
      if constexpr (std::is_same_v<std::decay_t<decltype(to)>, std::decay_t<decltype(from)>>) {
        if (from_id == id)
          std::copy_if(from.begin(), from.end(), std::back_inserter(to), [&](const auto& o) { return wanted(o.meta); });
      }
    });
  });
  auto metrics_in_scope = [&](const std::string& object_ns) { return !ns || object_ns == *ns; };
  if (pod_metrics && kinds.count("PodMetrics")) {
    out.pod_metrics.emplace();
    for (const auto& m : *pod_metrics)
      if (metrics_in_scope(m.ns)) out.pod_metrics->push_back(m);
  }
  if (node_metrics && kinds.count("NodeMetrics")) out.node_metrics = node_metrics;
  out.build_indexes();
  return out;
}

void ClusterState::build_indexes() {
  auto by_name = [](const auto& a, const auto& b) {
    return std::tie(a.meta.ns, a.meta.name, a.meta.kind) < std::tie(b.meta.ns, b.meta.name, b.meta.kind);
  };
  visit_vectors(*this, [&](int id, auto& vec) {
    if (id != kEvents) stable_sort_in_place(vec, by_name);
  });
  stable_sort_in_place(events, [](const Event& a, const Event& b) {
    const Time ta = a.last_timestamp.value_or(Time{}), tb = b.last_timestamp.value_or(Time{});
    return std::tie(a.meta.ns, ta, a.meta.name) < std::tie(b.meta.ns, tb, b.meta.name);
  });
  auto by_ns_name = [](const auto& a, const auto& b) { return std::tie(a.ns, a.name) < std::tie(b.ns, b.name); };
  if (pod_metrics) stable_sort_in_place(*pod_metrics, by_ns_name);
  if (node_metrics)
    stable_sort_in_place(*node_metrics, [](const NodeMetrics& a, const NodeMetrics& b) { return a.name < b.name; });

  index = Indexes{};
  visit_vectors(*this, [&](int id, auto& vec) {
    for (std::size_t i = 0; i < vec.size(); ++i) {
      const ObjectMeta& m = vec[i].meta;
      index.by_key[object_key(m.kind, m.ns, m.name)] = {id, i};
      if (!m.uid.empty()) index.by_uid[m.uid] = {id, i};
      if (const OwnerReference* o = m.controller_owner())
        index.children_by_owner[object_key(o->kind, m.ns, o->name)].push_back(m.ref());
    }
  });
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const Pod& p = pods[i];
    index.pods_by_namespace[p.meta.ns].push_back(i);
    if (p.node_name && !p.node_name->empty()) index.pods_by_node[*p.node_name].push_back(i);
    if (const OwnerReference* o = p.meta.controller_owner())
      index.pods_by_owner[object_key(o->kind, p.meta.ns, o->name)].push_back(i);
    for (const auto& [k, v] : p.meta.labels) index.pods_by_label[k + "=" + v].push_back(i);
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    // involvedObject.namespace is empty for cluster-scoped objects (Node events live in "default").
    index.events_by_object[object_key(e.involved.kind, e.involved.ns, e.involved.name)].push_back(i);
    index.events_by_namespace[e.meta.ns].push_back(i);
  }
}

// --- lookups ---------------------------------------------------------------------------------------------------

const Pod* ClusterState::pod(std::string_view ns, std::string_view name) const {
  return lookup(*this, pods, kPods, "Pod", ns, name);
}
const Node* ClusterState::node(std::string_view name) const { return lookup(*this, nodes, kNodes, "Node", "", name); }
const Deployment* ClusterState::deployment(std::string_view ns, std::string_view name) const {
  return lookup(*this, deployments, kDeployments, "Deployment", ns, name);
}
const ReplicaSet* ClusterState::replica_set(std::string_view ns, std::string_view name) const {
  return lookup(*this, replica_sets, kReplicaSets, "ReplicaSet", ns, name);
}
const StatefulSet* ClusterState::stateful_set(std::string_view ns, std::string_view name) const {
  return lookup(*this, stateful_sets, kStatefulSets, "StatefulSet", ns, name);
}
const DaemonSet* ClusterState::daemon_set(std::string_view ns, std::string_view name) const {
  return lookup(*this, daemon_sets, kDaemonSets, "DaemonSet", ns, name);
}
const Job* ClusterState::job(std::string_view ns, std::string_view name) const {
  return lookup(*this, jobs, kJobs, "Job", ns, name);
}
const CronJob* ClusterState::cron_job(std::string_view ns, std::string_view name) const {
  return lookup(*this, cron_jobs, kCronJobs, "CronJob", ns, name);
}
const Service* ClusterState::service(std::string_view ns, std::string_view name) const {
  return lookup(*this, services, kServices, "Service", ns, name);
}
const Endpoints* ClusterState::endpoints_of(std::string_view ns, std::string_view service_name) const {
  return lookup(*this, endpoints, kEndpoints, "Endpoints", ns, service_name);
}
const PersistentVolumeClaim* ClusterState::pvc(std::string_view ns, std::string_view name) const {
  return lookup(*this, pvcs, kPvcs, "PersistentVolumeClaim", ns, name);
}
const PersistentVolume* ClusterState::pv(std::string_view name) const {
  return lookup(*this, pvs, kPvs, "PersistentVolume", "", name);
}
const StorageClass* ClusterState::storage_class(std::string_view name) const {
  return lookup(*this, storage_classes, kStorageClasses, "StorageClass", "", name);
}
const IngressClass* ClusterState::ingress_class(std::string_view name) const {
  return lookup(*this, ingress_classes, kIngressClasses, "IngressClass", "", name);
}
const ConfigMap* ClusterState::config_map(std::string_view ns, std::string_view name) const {
  return lookup(*this, config_maps, kConfigMaps, "ConfigMap", ns, name);
}
const Secret* ClusterState::secret(std::string_view ns, std::string_view name) const {
  if (!secrets) return nullptr;
  return lookup(*this, *secrets, kSecrets, "Secret", ns, name);
}
const Namespace* ClusterState::namespace_(std::string_view name) const {
  return lookup(*this, namespaces, kNamespaces, "Namespace", "", name);
}

const PodMetrics* ClusterState::pod_usage(std::string_view ns, std::string_view name) const {
  if (!pod_metrics) return nullptr;
  auto it = std::lower_bound(pod_metrics->begin(), pod_metrics->end(), std::pair{ns, name},
                             [](const PodMetrics& m, const std::pair<std::string_view, std::string_view>& k) {
                               return std::pair<std::string_view, std::string_view>{m.ns, m.name} < k;
                             });
  return it != pod_metrics->end() && it->ns == ns && it->name == name ? &*it : nullptr;
}

const NodeMetrics* ClusterState::node_usage(std::string_view name) const {
  if (!node_metrics) return nullptr;
  for (const auto& m : *node_metrics)
    if (m.name == name) return &m;
  return nullptr;
}

namespace {
const ObjectMeta* meta_at(const ClusterState& s, std::pair<int, std::size_t> at) {
  const ObjectMeta* out = nullptr;
  visit_vectors(s, [&](int id, const auto& vec) {
    if (id == at.first && at.second < vec.size()) out = &vec[at.second].meta;
  });
  return out;
}
}  // namespace

const ObjectMeta* ClusterState::find(const ObjectRef& ref) const {
  auto it = index.by_key.find(object_key(ref.kind, ref.ns, ref.name));
  return it == index.by_key.end() ? nullptr : meta_at(*this, it->second);
}

const ObjectMeta* ClusterState::find_uid(std::string_view uid) const {
  auto it = index.by_uid.find(std::string(uid));
  return it == index.by_uid.end() ? nullptr : meta_at(*this, it->second);
}

// --- owner chains ----------------------------------------------------------------------------------------------

std::vector<ObjectRef> ClusterState::owner_chain(const ObjectMeta& object) const {
  std::vector<ObjectRef> chain;
  const ObjectMeta* current = &object;
  std::set<std::string> seen{object_key(object.kind, object.ns, object.name)};
  while (current) {
    const OwnerReference* o = current->controller_owner();
    if (!o) break;
    const ObjectMeta* owner = o->uid.empty() ? nullptr : find_uid(o->uid);
    // Owners live in the namespace of what they own (or are cluster-scoped, like a Node owning a mirror pod).
    if (!owner) owner = find({o->kind, current->ns, o->name, {}});
    if (!owner) owner = find({o->kind, "", o->name, {}});
    ObjectRef ref = owner ? owner->ref() : ObjectRef{o->kind, current->ns, o->name, o->uid};
    if (!seen.insert(object_key(ref.kind, ref.ns, ref.name)).second) break;  // a cycle: stop
    chain.push_back(ref);
    current = owner;
  }
  return chain;
}

ObjectRef ClusterState::top_owner(const ObjectMeta& object) const {
  auto chain = owner_chain(object);
  return chain.empty() ? object.ref() : chain.back();
}

// --- indexes ---------------------------------------------------------------------------------------------------

std::vector<const Pod*> ClusterState::pods_in_namespace(std::string_view ns) const {
  return pick(pods, positions_at(index.pods_by_namespace, std::string(ns)));
}

std::vector<const Pod*> ClusterState::pods_on_node(std::string_view node_name) const {
  return pick(pods, positions_at(index.pods_by_node, std::string(node_name)));
}

std::vector<const Pod*> ClusterState::pods_owned_by(const ObjectRef& owner) const {
  return pick(pods, positions_at(index.pods_by_owner, owner_key(owner)));
}

std::vector<ObjectRef> ClusterState::owned_by(const ObjectRef& owner) const {
  auto it = index.children_by_owner.find(owner_key(owner));
  return it == index.children_by_owner.end() ? std::vector<ObjectRef>{} : it->second;
}

std::vector<const Pod*> ClusterState::pods_of_workload(const ObjectRef& workload) const {
  std::vector<std::size_t> positions;
  std::vector<ObjectRef> frontier{workload};
  std::set<std::string> seen;
  while (!frontier.empty()) {
    ObjectRef current = frontier.back();
    frontier.pop_back();
    const std::string key = owner_key(current);
    if (!seen.insert(key).second) continue;
    if (auto* p = positions_at(index.pods_by_owner, key)) positions.insert(positions.end(), p->begin(), p->end());
    auto it = index.children_by_owner.find(key);
    if (it == index.children_by_owner.end()) continue;
    for (const auto& child : it->second)
      if (child.kind != "Pod") frontier.push_back(child);
  }
  std::sort(positions.begin(), positions.end());
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  return pick(pods, &positions);
}

std::vector<const Pod*> ClusterState::pods_matching(std::string_view ns, const Labels& selector) const {
  if (selector.empty()) return {};
  // Narrow by the first label, then check the rest.
  const auto& [k, v] = *selector.begin();
  std::vector<const Pod*> out;
  for (const Pod* p : pick(pods, positions_at(index.pods_by_label, k + "=" + v))) {
    if (p->meta.ns != ns) continue;
    bool all = true;
    for (const auto& [sk, sv] : selector) {
      auto it = p->meta.labels.find(sk);
      if (it == p->meta.labels.end() || it->second != sv) {
        all = false;
        break;
      }
    }
    if (all) out.push_back(p);
  }
  return out;
}

std::vector<const Pod*> ClusterState::pods_matching(std::string_view ns, const LabelSelector& selector) const {
  std::vector<const Pod*> out;
  for (const Pod* p : pods_in_namespace(ns))
    if (selector.matches(p->meta.labels)) out.push_back(p);
  return out;
}

std::vector<const Pod*> ClusterState::pods_with_label(std::string_view key, std::string_view value,
                                                      std::string_view ns) const {
  std::vector<const Pod*> out;
  for (const Pod* p : pick(pods, positions_at(index.pods_by_label, std::string(key) + "=" + std::string(value))))
    if (ns.empty() || p->meta.ns == ns) out.push_back(p);
  return out;
}

std::vector<const Event*> ClusterState::events_for(const ObjectRef& ref) const {
  auto out = pick(events, positions_at(index.events_by_object, owner_key(ref)));
  std::stable_sort(out.begin(), out.end(), [](const Event* a, const Event* b) {
    return a->last_timestamp.value_or(Time{}) < b->last_timestamp.value_or(Time{});
  });
  return out;
}

std::vector<const Event*> ClusterState::events_in_namespace(std::string_view ns) const {
  return pick(events, positions_at(index.events_by_namespace, std::string(ns)));
}

std::vector<std::string> ClusterState::namespace_names() const {
  std::set<std::string> names;
  for (const auto& n : namespaces) names.insert(n.meta.name);
  visit_vectors(*this, [&](int, const auto& vec) {
    for (const auto& o : vec)
      if (!o.meta.ns.empty()) names.insert(o.meta.ns);
  });
  return {names.begin(), names.end()};
}

Time cluster_clock(const ClusterState& state, Time local, std::chrono::seconds* skew) {
  std::optional<Time> newest;
  for (const auto& n : state.nodes) {
    for (const auto& c : n.conditions) {
      if (c.last_heartbeat && (!newest || *c.last_heartbeat > *newest)) newest = c.last_heartbeat;
    }
  }
  if (!newest) return local;
  const auto ahead = local - *newest;
  if (ahead <= std::chrono::minutes(10) && ahead >= std::chrono::seconds(-60)) return local;
  if (skew) *skew = std::chrono::duration_cast<std::chrono::seconds>(ahead);
  return *newest;
}

}  // namespace eks::cluster
